"""The generic registry mechanism through the shelters registry: form, API, void, scoping."""

from __future__ import annotations

import pytest

from tests.core.registry.conftest import shelter_row
from yingji.core.models import AuditEntry
from yingji.core.registry import services
from yingji.core.registry import spec as specs
from yingji.registry.models.shelter import Shelter

SHELTERS = specs.get("shelters")


@pytest.fixture
def shelters(xihu_staff, binjiang_staff):
    xihu = services.create(actor=xihu_staff, spec=SHELTERS, data=shelter_row(1))
    binjiang = services.create(
        actor=binjiang_staff,
        spec=SHELTERS,
        data=shelter_row(2, code="330108-T-2", region="330108001", lon=120.21, lat=30.2),
    )
    return xihu, binjiang


def test_list_page_search_filter_and_scope(client, xihu_staff, shelters):
    client.force_login(xihu_staff)
    html = client.get("/registry/shelters/").content.decode()
    assert "测试安置点1" in html and "测试安置点2" not in html
    assert "测试安置点1" in client.get("/registry/shelters/?q=安置点1&kind=学校").content.decode()
    assert "测试安置点1" not in client.get("/registry/shelters/?kind=gym").content.decode()
    assert "Unknown filter" in client.get("/registry/shelters/?planet=1").content.decode()


def test_detail_shows_history_and_other_county_is_404(client, xihu_staff, shelters):
    xihu, binjiang = shelters
    client.force_login(xihu_staff)
    page = client.get(f"/registry/shelters/{xihu.pk}/").content.decode()
    assert "330106-T-00001" in page and "新建" in page
    assert client.get(f"/registry/shelters/{binjiang.pk}/").status_code == 404
    assert client.get(f"/api/registry/shelters/{binjiang.pk}").status_code == 404
    assert client.get("/registry/shelters/999999/").status_code == 404


def test_form_create_with_errors_then_fixed(client, xihu_staff):
    client.force_login(xihu_staff)
    bad = {
        **shelter_row(3),
        "capacity": "-1",
        "manager_phone": "123",
        "level": "village",
        "kind": "school",
    }
    response = client.post("/registry/shelters/new/", bad)
    assert response.status_code == 422
    body = response.content.decode()
    assert "手机号" in body and "0" in body
    assert not Shelter.objects.exists()
    good = {**bad, "capacity": "80", "manager_phone": "13900000000"}
    response = client.post("/registry/shelters/new/", good)
    assert response.status_code == 302
    assert Shelter.objects.get().capacity == 80


def test_api_crud_and_void(client, xihu_staff, shelters):
    xihu, _ = shelters
    client.force_login(xihu_staff)
    listed = client.get("/api/registry/shelters/?region=330106").json()
    assert listed["count"] == 1
    changed = client.patch(
        f"/api/registry/shelters/{xihu.pk}", {"capacity": 500}, content_type="application/json"
    )
    assert changed.status_code == 200 and changed.json()["fields"]["capacity"] == 500
    assert AuditEntry.objects.get(action="update", object_id=str(xihu.pk)).changes["capacity"] == [
        101,
        500,
    ]
    assert (
        client.post(
            f"/api/registry/shelters/{xihu.pk}/void",
            {"reason": ""},
            content_type="application/json",
        ).status_code
        == 422
    )
    voided = client.post(
        f"/api/registry/shelters/{xihu.pk}/void",
        {"reason": "已拆除"},
        content_type="application/json",
    )
    assert voided.json()["voided"] is True
    assert client.get("/api/registry/shelters/").json()["count"] == 0
    assert client.get("/api/registry/shelters/?voided=1").json()["count"] == 1
    assert Shelter.objects.filter(pk=xihu.pk).exists()  # nothing is deleted
    again = client.patch(
        f"/api/registry/shelters/{xihu.pk}", {"capacity": 1}, content_type="application/json"
    )
    assert again.status_code == 409


def test_api_validation_lists_every_field(client, xihu_staff):
    client.force_login(xihu_staff)
    response = client.post(
        "/api/registry/shelters/",
        {
            "code": "X",
            "name": "x",
            "level": "镇",
            "kind": "学校",
            "capacity": -3,
            "region": "330108",
            "lon": 30.2,
            "lat": 120.1,
        },
        content_type="application/json",
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"level", "capacity", "region", "lon", "lat"}


def test_duplicate_natural_key_is_refused(xihu_staff, shelters):
    with pytest.raises(services.RowErrors, match="already registered"):
        services.create(actor=xihu_staff, spec=SHELTERS, data=shelter_row(1))


def test_viewer_can_list_but_not_write(client, make_user, shelters):
    viewer = make_user("viewer5", "330106", "viewer")
    client.force_login(viewer)
    assert client.get("/api/registry/shelters/").json()["count"] == 1
    response = client.post(
        "/api/registry/shelters/", shelter_row(9), content_type="application/json"
    )
    assert response.status_code == 403
    assert client.get("/registry/shelters/new/").status_code == 403


@pytest.mark.parametrize(
    "query",
    ["sort=password", "region=33x", "capacity=1", "standardised=maybe", "q=" + "x" * 101],
)
def test_bad_list_parameters_are_422(client, xihu_staff, query):
    client.force_login(xihu_staff)
    response = client.get(f"/api/registry/shelters/?{query}")
    assert response.status_code == 422, response.content
    assert response.json()["field"]


def test_unknown_registry_is_404(client, xihu_staff):
    client.force_login(xihu_staff)
    assert client.get("/api/registry/planets/").status_code == 404
    assert client.get("/registry/planets/").status_code == 404
