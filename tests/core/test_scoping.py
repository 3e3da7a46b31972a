"""Jurisdiction scoping: a 西湖区 user sees 西湖区 rows only, and 404 for 滨江区 objects."""

from __future__ import annotations

import pytest

from yingji.core import selectors
from yingji.core.errors import NotFound
from yingji.core.models import AuditEntry, User
from yingji.core.scoping import get_scoped, jurisdiction_of, scope
from yingji.regions.models import Region


@pytest.fixture
def people(make_user, xihu_staff, binjiang_staff):
    return {
        "xihu_grid": make_user("xihu_grid", "330106002", "grid_worker"),
        "binjiang_grid": make_user("binjiang_grid", "330108001", "grid_worker"),
        "hz_staff": make_user("hz_staff", "3301", "city_staff"),
        "ningbo_staff": make_user("ningbo_staff", "3302", "city_staff"),
    }


def test_scoped_selector_returns_only_the_home_subtree(xihu_staff, people):
    names = set(selectors.users_for(xihu_staff).values_list("username", flat=True))
    assert names == {"xihu_staff", "xihu_grid"}


def test_city_user_sees_its_counties_but_not_another_city(people, xihu_staff, binjiang_staff):
    names = set(selectors.users_for(people["hz_staff"]).values_list("username", flat=True))
    assert {"xihu_staff", "binjiang_staff", "xihu_grid", "binjiang_grid", "hz_staff"} <= names
    assert "ningbo_staff" not in names


def test_object_outside_the_jurisdiction_is_not_found(xihu_staff, people):
    with pytest.raises(NotFound):
        selectors.user_for(xihu_staff, people["binjiang_grid"].pk)
    assert selectors.user_for(xihu_staff, people["xihu_grid"].pk).username == "xihu_grid"


def test_scoped_endpoint_lists_only_xihu_rows(client, xihu_staff, people):
    client.force_login(xihu_staff)
    body = client.get("/api/users/").json()
    assert {u["username"] for u in body["items"]} == {"xihu_staff", "xihu_grid"}
    assert all(u["region"].startswith("330106") for u in body["items"])


def test_scoped_endpoint_answers_404_not_403_for_binjiang_object(client, xihu_staff, people):
    client.force_login(xihu_staff)
    response = client.get(f"/api/users/{people['binjiang_grid'].pk}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    # Same answer as for an id that does not exist at all: existence is not leaked.
    missing = client.get("/api/users/999999")
    assert missing.status_code == 404
    assert missing.json()["code"] == response.json()["code"]


def test_changing_an_object_elsewhere_is_refused_as_not_found(client, xihu_staff, people):
    client.force_login(xihu_staff)
    response = client.patch(
        f"/api/users/{people['binjiang_grid'].pk}",
        {"display_name": "x"},
        content_type="application/json",
    )
    assert response.status_code == 404
    people["binjiang_grid"].refresh_from_db()
    assert people["binjiang_grid"].display_name == ""


def test_scope_on_regions_uses_the_path_prefix(xihu_staff):
    regions = scope(Region.objects.all(), xihu_staff)
    assert regions.count() == 1 + 12 + 222  # 西湖区, its townships and villages
    assert not regions.exclude(path__startswith="330106").exists()
    with pytest.raises(NotFound):
        get_scoped(Region.objects.all(), xihu_staff, code="330108000000")


def test_audit_log_is_scoped_too(client, xihu_staff, binjiang_staff, people):
    client.force_login(xihu_staff)
    body = client.get("/api/audit/?action=create&limit=100").json()
    objects = {e["object_repr"] for e in body["items"]}
    assert "xihu_grid" in objects
    assert "binjiang_grid" not in objects
    assert AuditEntry.objects.filter(object_repr="binjiang_grid").exists()


def test_user_without_region_or_inactive_sees_nothing(make_user, people):
    user = make_user("nobody", "330106", "viewer")
    User.objects.filter(pk=user.pk).update(region=None)
    user.refresh_from_db()
    assert jurisdiction_of(user).nothing
    assert not scope(Region.objects.all(), user).exists()
    user.is_active = False
    assert not scope(Region.objects.all(), user).exists()


def test_superuser_sees_everything(make_user, people):
    admin = make_user("root", None, superuser=True)
    assert scope(User.objects.all(), admin).count() == User.objects.count()
