"""Every write through a service leaves an audit entry with actor and before/after."""

from __future__ import annotations

import pytest

from yingji.core import services
from yingji.core.errors import InvalidInput
from yingji.core.models import AuditEntry
from yingji.regions.models import Region
from yingji.regions.services import update_population


def test_create_and_update_user_are_audited_with_before_and_after(xihu_staff, make_user):
    grid = services.create_user(
        actor=xihu_staff,
        username="grid1",
        password="a-long-enough-pass-42",
        region_code="330106002",
        roles=["grid_worker"],
        phone="13800000000",
    )
    created = AuditEntry.objects.get(action="create", object_id=str(grid.pk))
    assert created.actor == xihu_staff
    assert created.actor_label == "xihu_staff"
    assert created.after["roles"] == ["grid_worker"]
    assert "password" not in created.after  # secrets never reach the trail
    assert created.region_path == "330106002"

    services.update_user(
        actor=xihu_staff, user_id=grid.pk, phone="13900000000", roles=["grid_worker", "viewer"]
    )
    updated = AuditEntry.objects.get(action="update", object_id=str(grid.pk))
    assert updated.actor == xihu_staff
    assert updated.before["phone"] == "13800000000"
    assert updated.after["phone"] == "13900000000"
    assert updated.changes == {
        "phone": ["13800000000", "13900000000"],
        "roles": [["grid_worker"], ["grid_worker", "viewer"]],
    }


def test_population_correction_is_audited_and_ancestors_follow(xihu_staff):
    before_city = Region.objects.get(code="330100000000").population
    village = Region.objects.filter(path__startswith="330106002", level="village").first()
    old = village.population
    update_population(
        actor=xihu_staff,
        code=village.code,
        population=old + 100,
        households=village.households,
        note="2024 household survey",
    )
    entry = AuditEntry.objects.get(object_type="regions.region", object_id=village.code)
    assert entry.actor_label == "xihu_staff"
    assert entry.changes["population"] == [old, old + 100]
    assert entry.message == "2024 household survey"
    assert Region.objects.get(code="330100000000").population == before_city + 100


def test_failed_validation_changes_nothing_and_records_nothing(xihu_staff):
    count = AuditEntry.objects.count()
    with pytest.raises(InvalidInput) as exc:
        services.create_user(actor=xihu_staff, username="x", password="short", region_code="330106")
    assert exc.value.field == "username"
    assert AuditEntry.objects.count() == count


def test_audit_is_visible_per_object_and_searchable_over_the_api(client, xihu_staff):
    grid = services.create_user(
        actor=xihu_staff,
        username="grid2",
        password="a-long-enough-pass-42",
        region_code="330106002",
    )
    services.update_user(actor=xihu_staff, user_id=grid.pk, display_name="周婷")
    client.force_login(xihu_staff)
    body = client.get(f"/api/audit/?object_type=core.user&object_id={grid.pk}").json()
    assert [e["action"] for e in body["items"]] == ["update", "create"]
    assert body["items"][0]["changes"]["display_name"] == ["", "周婷"]
    assert client.get("/api/audit/?q=grid2&action=create").json()["count"] == 1
    page = client.get(f"/audit/?object_type=core.user&object_id={grid.pk}")
    assert page.status_code == 200
    assert "周婷" in page.content.decode()


def test_audit_needs_the_capability(client, make_user):
    viewer = make_user("viewer1", "330106", "viewer")
    client.force_login(viewer)
    response = client.get("/api/audit/")
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert client.get("/audit/").status_code == 403


def test_request_address_is_recorded(client, xihu_staff):
    client.force_login(xihu_staff)
    response = client.post(
        "/api/users/",
        {"username": "grid3", "password": "a-long-enough-pass-42", "region": "330106"},
        content_type="application/json",
        REMOTE_ADDR="10.1.2.3",
        HTTP_USER_AGENT="pytest-agent",
    )
    assert response.status_code == 201, response.content
    entry = AuditEntry.objects.get(action="create", object_repr="grid3")
    assert entry.ip == "10.1.2.3"
    assert entry.user_agent == "pytest-agent"
