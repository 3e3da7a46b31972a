"""The risk card reads its enterprise, region and current assessment in one query, and its
history — however long, over several model versions — in a fixed number more."""

from __future__ import annotations

import copy
import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from yingji.risk.models import Assessment, AssessmentRun, CurrentRisk, IndicatorModelVersion
from yingji.risk.services import versions

pytestmark = pytest.mark.django_db


def card(client, pk: int) -> tuple[dict, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"/risk/enterprises/{pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    payload = json.loads(html.split('id="card-data" type="application/json">')[1].split("<")[0])
    return payload, [q["sql"] for q in captured.captured_queries]


def earlier_assessments(enterprise, version, count: int, days_back: int) -> None:
    """``count`` older assessments of ``enterprise`` by ``version``, a day apart."""
    current = CurrentRisk.objects.get(enterprise=enterprise).assessment
    run = AssessmentRun.objects.create(model_version=version, reason="older", full=False)
    Assessment.objects.bulk_create(
        Assessment(run=run, enterprise=enterprise, region_path=current.region_path,
                   score=10.0 + n, score_colour=0, colour=0, inputs=current.inputs,
                   contributions=current.contributions,
                   assessed_at=current.assessed_at - dt.timedelta(days=days_back + n))
        for n in range(count)
    )  # fmt: skip


def test_card_history_names_each_version_and_costs_no_more_when_longer(
    client, xihu_staff, manager, world
):
    client.force_login(xihu_staff)
    v1 = IndicatorModelVersion.objects.get()
    alone, base = card(client, world.clean.pk)
    assert [h["version"] for h in alone["history"]] == [str(v1)]
    assert not [q for q in base if 'FROM "risk_currentrisk"' in q]  # joined to the enterprise
    assert not [q for q in base if "'330106002000'" in q]  # its region too, not read apart

    v2 = versions.create_version(actor=manager, definition=copy.deepcopy(v1.definition))
    earlier_assessments(world.clean, v2, 2, days_back=10)
    payload, two_versions = card(client, world.clean.pk)
    assert [h["version"] for h in payload["history"]] == [str(v2), str(v2), str(v1)]
    assert [h["score"] for h in payload["history"]] == [11.0, 10.0, alone["history"][0]["score"]]

    earlier_assessments(world.clean, v2, 6, days_back=100)
    longer, queries = card(client, world.clean.pk)
    assert len(longer["history"]) == 9
    assert len(queries) == len(two_versions) == len(base) + 1  # the other version's label
