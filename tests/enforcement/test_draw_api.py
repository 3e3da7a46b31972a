"""The draw part's API (/api/enforcement/): items, inspectors, conflicts, the pool and plans
through create → preview → draw → verify → inputs → void, with the error shape
{code, message, field} for hostile bodies, 409 for a second draw, 404 across counties."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from yingji.enforcement.models import DrawPlan, Inspector
from yingji.risk import services as risk_services
from yingji.risk.models import CurrentRisk
from yingji.risk.sources import Selection

pytestmark = pytest.mark.django_db
API = "/api/enforcement"


@pytest.fixture
def api(client: Any) -> Any:
    class Caller:
        def as_(self, user: Any) -> Caller:
            client.force_login(user)
            return self

        def get(self, path: str, **params: Any) -> Any:
            return client.get(API + path, params)

        def post(self, path: str, body: Any = None) -> Any:
            return client.post(API + path, body or {}, content_type="application/json")

        def patch(self, path: str, body: Any) -> Any:
            return client.patch(API + path, body, content_type="application/json")

    return Caller()


@pytest.fixture
def coloured(firms: Any) -> Any:
    risk_services.enterprises.assess(Selection(ids=tuple(f.pk for f in firms.xihu)), reason="t")
    CurrentRisk.objects.filter(enterprise__in=firms.xihu).update(colour=0)
    CurrentRisk.objects.filter(enterprise__in=firms.xihu[:2]).update(colour=2)
    return firms


def plan_body(item: Any, /, **extra: Any) -> dict[str, Any]:
    today = timezone.localdate()
    body = {
        "title": "API 抽查",
        "item": item.pk,
        "region": "330106",
        "starts_on": today.isoformat(),
        "due_on": (today + dt.timedelta(days=20)).isoformat(),
    }
    body.update(extra)
    return body


def test_plan_lifecycle(api, crew, item, coloured):
    made = api.as_(crew.county).post("/plans/", plan_body(item))
    assert made.status_code == 201, made.content
    plan = made.json()
    assert plan["share"] == 0.05 and plan["key_colours"] == ["red", "orange"]
    preview = api.get(f"/plans/{plan['id']}/preview").json()
    assert (preview["pool"], preview["key"], preview["sample"], preview["total"]) == (20, 2, 1, 3)
    assert len(preview["inspectors"]) == 4 and preview["problems"] == []
    drawn = api.post(f"/plans/{plan['id']}/draw", {"seed": "api-seed"})
    assert drawn.status_code == 200
    body = drawn.json()
    assert body["state"] == "drawn" and body["seed"] == "api-seed" and len(body["tasks"]) == 3
    assert all(len(t["inspectors"]) == 2 for t in body["tasks"])
    assert sum(r["tasks"] for r in body["load"]) == 6
    again = api.post(f"/plans/{plan['id']}/draw", {"seed": "other"})
    assert again.status_code == 409 and again.json()["code"] == "already_drawn"
    verify = api.get(f"/plans/{plan['id']}/verify").json()
    assert verify["identical"] is True and verify["kernel"] == "yingji.kernels.draws.draw"
    inputs = api.get(f"/plans/{plan['id']}/inputs.json")
    assert inputs.json()["fingerprint"] == body["fingerprint"]
    no_reason = api.post(f"/plans/{plan['id']}/void", {"reason": ""})
    assert no_reason.status_code == 422 and no_reason.json()["field"] == "reason"
    voided = api.post(f"/plans/{plan['id']}/void", {"reason": "重抽"})
    assert voided.json()["state"] == "void"
    redo = api.post("/plans/", plan_body(item, replaces=plan["id"]))
    assert redo.status_code == 201 and redo.json()["replaces"] == plan["id"]
    assert api.get(f"/plans/{plan['id']}").json()["replaced_by"] == redo.json()["id"]
    listed = api.get("/plans/", state="void").json()
    assert [p["id"] for p in listed["items"]] == [plan["id"]]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"share": 1e308}, "share"),
        ({"share": -1}, "share"),
        ({"share": 0.04}, "share"),
        ({"per_entity": 1}, "per_entity"),
        ({"per_entity": "2; DROP TABLE"}, "per_entity"),
        ({"title": "x" * 10_000}, "title"),
        ({"item": 999_999}, "item"),
        ({"item": -1}, "item"),
        ({"region": "' OR 1=1"}, "region"),
        ({"key_colours": ["ultraviolet"]}, "key_colours"),
        ({"filters": {"colours": ["black"]}}, "colours"),
        ({"filters": {"x": 1}}, "filters.x"),
        ({"due_on": "yesterday"}, "due_on"),
        ({"unknown": 1}, "unknown"),
        ({"replaces": 0}, "replaces"),
    ],
)
def test_hostile_plan_bodies(api, crew, item, body, field):
    response = api.as_(crew.county).post("/plans/", plan_body(item, **body))
    assert response.status_code == 422, response.content
    error = response.json()
    assert error["code"] == "invalid" and error["field"] == field and error["message"]
    assert not DrawPlan.objects.exists()


def test_malformed_json_and_hostile_seed(api, crew, item, coloured, client):
    client.force_login(crew.county)
    broken = client.post(API + "/plans/", "{not json", content_type="application/json")
    assert broken.status_code in (400, 422)
    plan = api.post("/plans/", plan_body(item)).json()
    long_seed = api.post(f"/plans/{plan['id']}/draw", {"seed": "s" * 65})
    assert long_seed.status_code == 422 and long_seed.json()["field"] == "seed"
    control = api.post(f"/plans/{plan['id']}/draw", {"seed": "a\nb"})
    assert control.status_code == 422


def test_scoping_over_the_api(api, crew, item, coloured, firms):
    plan = api.as_(crew.county).post("/plans/", plan_body(item)).json()
    api.as_(crew.other_county)
    for path in (
        f"/plans/{plan['id']}",
        f"/plans/{plan['id']}/preview",
        f"/plans/{plan['id']}/verify",
    ):
        assert api.get(path).status_code == 404
    assert api.post(f"/plans/{plan['id']}/draw").status_code == 404
    assert api.get("/plans/").json()["total"] == 0
    api.as_(firms.manager)
    assert api.get("/plans/").json()["total"] == 0
    assert api.get(f"/plans/{plan['id']}").status_code == 404
    assert api.get("/pool", item=item.pk).status_code == 404
    assert api.get("/inspectors/").json()["total"] == 0
    api.as_(crew.viewer)
    assert api.post(f"/plans/{plan['id']}/draw").status_code == 403
    assert api.post("/plans/", plan_body(item)).status_code == 403


def test_items_inspectors_conflicts_and_pool(api, crew, item, coloured, firms, make_user):
    api.as_(crew.county)
    made = api.post(
        "/items/",
        {
            "code": "XH-API",
            "name": "接口新增",
            "legal_basis": "依据",
            "region": "330106",
            "share": 0.2,
            "industries": ["C33"],
            "checklist": [{"id": "1", "text": "要点"}],
        },
    )
    assert made.status_code == 201 and made.json()["industries"] == ["C33"]
    assert api.get("/items/", q="接口").json()["total"] == 1
    bad = api.post(
        "/items/",
        {
            "code": "XH-BAD",
            "name": "n",
            "legal_basis": "b",
            "checklist": [{"id": "1", "text": "t", "evil": 1}],
        },
    )
    assert bad.status_code == 422
    province = api.patch(f"/items/{item.pk}", {"name": "改"})
    assert province.status_code == 403
    patched = api.patch(f"/items/{made.json()['id']}", {"share": 0.3})
    assert patched.json()["share"] == 0.3
    assert api.post(f"/items/{made.json()['id']}/void", {"reason": "作废"}).json()["voided"]
    make_user("xh_insp9", "330106", "inspector")
    added = api.post("/inspectors/", {"user": "xh_insp9", "certificate_number": "ZJ-9999"})
    assert added.status_code == 201
    assert api.get("/inspectors/").json()["total"] == 5
    off = api.post(f"/inspectors/{added.json()['id']}/active", {"active": False, "reason": "调离"})
    assert off.json()["active"] is False
    person = Inspector.objects.get(user=crew.i2)
    declared = api.post(
        "/conflicts/",
        {"inspector": person.pk, "enterprise": firms.xihu[0].credit_code, "reason": "relative"},
    )
    assert declared.status_code == 201
    twice = api.post(
        "/conflicts/",
        {"inspector": person.pk, "enterprise": str(firms.xihu[0].pk), "reason": "employment"},
    )
    assert twice.status_code == 409
    assert (
        api.post(f"/conflicts/{declared.json()['id']}/withdraw", {"reason": "误报"}).status_code
        == 200
    )
    pool = api.get("/pool", item=item.pk, colours="orange").json()
    assert pool["total"] == 2 and pool["counts"]["orange"] == 2
    assert {e["colour"] for e in pool["items"]} == {"orange"}
    assert api.get("/pool", item=item.pk, scales="huge").status_code == 422
    assert api.get("/pool", item=item.pk, region="330108").status_code == 422
