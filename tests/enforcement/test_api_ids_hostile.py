"""Object ids in request bodies are bounded like ids in paths: a number past what the database
holds is a 422 naming the field, not a server error (SQLite cannot bind it; PostgreSQL
refuses it as out of range)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from yingji.core.models import AuditEntry

HUGE = 5800511898648014030372864  # found by tests/api/test_schemathesis.py


@pytest.fixture
def staff_client(client, crew):
    client.force_login(crew.county)
    return client


@pytest.mark.parametrize("ids", [[HUGE], [1, HUGE], [0], [-3]])
def test_refreshing_codes_of_impossible_enterprises_is_422(staff_client, ids):
    before = AuditEntry.objects.count()
    response = staff_client.post(
        "/api/enforcement/codes/refresh", {"enterprises": ids}, content_type="application/json"
    )
    assert response.status_code == 422
    assert "than or equal to" in response.json()["message"]
    assert AuditEntry.objects.count() == before


def test_an_ad_hoc_task_with_an_impossible_inspector_is_422(staff_client, item, firms):
    due = timezone.localdate() + dt.timedelta(days=7)
    body = {"kind": "complaint", "enterprise": firms.own.pk, "item": item.pk,
            "inspectors": [HUGE, 1], "due_on": due.isoformat()}  # fmt: skip
    response = staff_client.post("/api/enforcement/tasks", body, content_type="application/json")
    assert response.status_code == 422
    assert "less than or equal to" in response.json()["message"]
