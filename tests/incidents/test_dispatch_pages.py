"""The 力量调度 panel, its API and the rescue coverage page (issue 8, done means 4 and 5): the
forces with the incident's specialty come first, fastest first; dispatching, each step of an
order, requesting supplies and allocating them work through the forms and the API, and an
allocation beyond the stock is refused with nothing written; hostile input is refused naming
the field and another county's objects are 404; coverage tables the villages per county and
draws the uncovered ones, recomputed when a rescue base is added."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.test import Client

from tests.incidents.conftest import accident
from tests.incidents.test_dispatch import force
from yingji.core.registry import services as generic
from yingji.incidents import panels
from yingji.incidents.dispatch_models import Allocation, DispatchOrder, SupplyRequest
from yingji.incidents.dispatch_views import dispatch_panel
from yingji.incidents.services import dispatch
from yingji.registry import services as stock
from yingji.registry.models.depot import StockItem, StockMovement
from yingji.registry.models.rescue import AviationSite
from yingji.registry.specs.depots import DEPOTS

pytestmark = pytest.mark.usefixtures("_english")
XIHU_VILLAGE = (30.26, 120.12)


def as_(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies["django_language"] = "en"
    client.force_login(user)
    return client


def post(user, url, data=None):
    return as_(user).post(url, data or {}, content_type="application/json")


def shown(response) -> str:
    return response.content.decode()


@pytest.fixture
def forces(db):
    return {
        "far_hazchem": force("F1", "危化", 30),
        "near_hazchem": force("F2", "危化", 5),
        "near_flood": force("F3", "防汛,水域", 1),
        "other_county": force("F5", "危化", 3, region="330108"),
    }


@pytest.fixture
def tents(db):
    depot = generic.create(actor=None, spec=DEPOTS, data={
        "code": "330106-WZ01", "name": "西湖区物资储备库", "level": "county", "region": "330106",
        "lat": 30.27, "lon": 120.10})  # fmt: skip
    return stock.register_item(actor=None, depot_id=depot.pk, category="生活", name="帐篷",
                               unit="顶", quantity=50, reason="采购入库")  # fmt: skip


def codes_in(html: str, table: str) -> list[str]:
    part = html.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    return [chunk.split('"', 1)[0] for chunk in part.split('data-code="')[1:]]


# ---------------------------------------------------------------- the panel


def test_the_panel_ranks_the_incidents_specialty_first_by_travel_time(offices, forces, rf):
    assert dispatch_panel in panels.registered()
    incident = accident(offices["county"])  # a chemical accident: 危化 first
    room = f"/incidents/{incident.pk}/"
    html = shown(as_(offices["county"]).get(room))
    assert 'id="dispatch"' in html and "For this type of incident (危化)" in html
    assert codes_in(html, "dp-suggestions") == ["F2", "F1"]  # fastest first; no flood team
    assert "great-circle distance × 1.3" in html  # the travel model, under the table
    flood = shown(as_(offices["county"]).get(room, {"specialty": "水域"}))
    assert codes_in(flood, "dp-suggestions") == ["F3"]
    assert '<option value="水域" selected>' in flood
    wider = shown(as_(offices["city"]).get(f"/incidents/{incident.pk}/dispatch/panel/"))
    assert codes_in(wider, "dp-suggestions") == ["F5", "F2", "F1"]  # the city sees 滨江 too
    bad = shown(as_(offices["county"]).get(room, {"specialty": "魔法\u0301" * 30}))
    assert "Unknown specialty" in bad and "(specialty)" in bad
    assert 'id="dp-fallback"' not in html
    mine = accident(offices["county"], event_type="mining", title="矿山透水")  # nobody has 矿山
    fallback = shown(as_(offices["county"]).get(f"/incidents/{mine.pk}/"))
    assert codes_in(fallback, "dp-suggestions") == ["F3", "F2", "F1"]  # all, fastest first
    assert 'id="dp-fallback"' in fallback and "has 矿山: all forces on standby" in fallback
    request = rf.get("/")
    request.user = offices["grid"]  # may see incidents, not command them
    template, context = dispatch_panel(request, incident)
    assert template == "incidents/_dispatch_panel.html" and context["suggested"] is None
    grid = shown(as_(offices["grid"]).get(room))
    assert 'id="dispatch"' in grid and "dp-suggestions" not in grid and "dp-supply-form" not in grid


def test_the_forms_dispatch_and_move_an_order_through_its_steps(offices, forces):
    incident = accident(offices["county"])
    base = f"/incidents/{incident.pk}/dispatch"
    county = as_(offices["county"])
    sent = county.post(f"{base}/orders/", {"force": str(forces["near_hazchem"].pk)}, follow=True)
    assert "Dispatched F2救援队: about " in shown(sent)
    assert sent.redirect_chain[-1][0].endswith(f"/incidents/{incident.pk}/#dispatch")
    order = DispatchOrder.objects.get()
    html = shown(sent)
    assert f'data-order="{order.pk}" data-status="dispatched"' in html
    assert 'data-step="en_route"' in html and 'data-step="cancelled"' in html
    assert "F2" not in codes_in(html, "dp-suggestions")  # on a mission now
    again = county.post(f"{base}/orders/", {"force": str(forces["near_hazchem"].pk)}, follow=True)
    assert "already on a mission" in shown(again) or "not on standby" in shown(again)
    for step in ("en_route", "on_scene"):
        county.post(f"{base}/orders/{order.pk}/advance/", {"status": step})
    wrong = county.post(f"{base}/orders/{order.pk}/advance/", {"status": "flying"}, follow=True)
    assert "Unknown order status flying" in shown(wrong)
    done = county.post(f"{base}/orders/{order.pk}/advance/", {"status": "released"}, follow=True)
    order.refresh_from_db()
    assert order.status == "released" and order.en_route_at <= order.on_scene_at
    assert "F2救援队: 已归队." in shown(done) and "F2" in codes_in(shown(done), "dp-suggestions")
    for bad, text in [("abc", "(force)"), ("", "(force)"), ("9" * 40, "(force)"),
                      (str(forces["other_county"].pk), "No such rescue force")]:  # fmt: skip
        refused = county.post(f"{base}/orders/", {"force": bad}, follow=True)
        assert text in shown(refused)
    assert DispatchOrder.objects.count() == 1


def test_the_forms_request_and_allocate_supplies_never_beyond_the_stock(offices, tents):
    incident = accident(offices["county"])
    base = f"/incidents/{incident.pk}/dispatch"
    county = as_(offices["county"])
    form = {"category": "living", "name": "帐篷", "unit": "顶", "quantity": "８０"}
    for changes, field in [({"quantity": "-5"}, "quantity"), ({"quantity": "9" * 200}, "quantity"),
                           ({"quantity": "1e30"}, "quantity"), ({"quantity": "9" * 30}, "quantity"),
                           ({"category": "gold"}, "category"), ({"name": "x" * 150}, "name"),
                           ({"unit": ""}, "unit")]:  # fmt: skip
        refused = county.post(f"{base}/supplies/", {**form, **changes}, follow=True)
        assert f"({field})" in shown(refused)
    assert SupplyRequest.objects.count() == 0
    made = county.post(f"{base}/supplies/", form, follow=True)
    assert "Supplies requested: 帐篷 80 顶." in shown(made)
    request = SupplyRequest.objects.get()
    assert request.quantity == Decimal(80)
    html = shown(made)
    assert f'data-request="{request.pk}"' in html and f'data-item="{tents.pk}"' in html
    assert 'name="quantity" value="50"' in html  # offered: all the stock there is
    movements = StockMovement.objects.count()
    over = county.post(f"{base}/supplies/{request.pk}/allocate/",
                       {"item": str(tents.pk), "quantity": "60"}, follow=True)  # fmt: skip
    assert "Only 50 顶 of 帐篷" in shown(over) and "cannot take 60 (quantity)" in shown(over)
    assert Allocation.objects.count() == 0 and StockMovement.objects.count() == movements
    assert StockItem.objects.get(pk=tents.pk).quantity == Decimal(50)
    sent = county.post(f"{base}/supplies/{request.pk}/allocate/",
                       {"item": str(tents.pk), "quantity": "50"}, follow=True)  # fmt: skip
    assert "Allocated 50 顶 of 帐篷 from 西湖区物资储备库." in shown(sent)
    assert StockItem.objects.get(pk=tents.pk).quantity == Decimal(0)
    assert "30 顶 still needed" in shown(sent) and "50 of 80 顶 allocated" in shown(sent)


def test_hostile_input_and_other_counties_are_refused(offices, forces, tents):
    incident = accident(offices["county"])
    theirs = accident(offices["binjiang"], region="330108001", lon=120.2, lat=30.2)
    base = f"/incidents/{incident.pk}/dispatch"
    county, binjiang = as_(offices["county"]), as_(offices["binjiang"])
    form = {"category": "living", "name": "帐\x00篷", "unit": "顶", "quantity": "1"}
    browser = "application/x-www-form-urlencoded"  # how a browser sends the form
    nul = county.post(f"{base}/supplies/", urlencode(form), content_type=browser)
    assert nul.status_code == 400
    for changes, field in [({}, "name"), ({"name": "帐篷", "note": "\x00"}, "note")]:
        refused = county.post(f"{base}/supplies/", {**form, **changes}, follow=True)  # multipart
        assert f"({field})" in shown(refused)
    assert SupplyRequest.objects.count() == 0
    assert binjiang.get(f"{base}/panel/").status_code == 404
    near = str(forces["near_hazchem"].pk)
    assert binjiang.post(f"{base}/orders/", {"force": near}).status_code == 404
    other = dispatch.request_supplies(offices["binjiang"], theirs.pk, {
        "category": "living", "name": "帐篷", "unit": "顶", "quantity": 5})  # fmt: skip
    assert county.post(f"{base}/supplies/{other.pk}/allocate/",
                       {"item": str(tents.pk), "quantity": "1"}).status_code == 404  # fmt: skip
    order = dispatch.dispatch(offices["county"], incident.pk, forces["near_hazchem"].pk)
    elsewhere = f"/incidents/{theirs.pk}/dispatch/orders/{order.pk}/advance/"
    assert binjiang.post(elsewhere, {"status": "en_route"}).status_code == 404
    assert county.post(f"{base}/orders/{2**70}/advance/", {"status": "en_route"}).status_code == 404
    assert county.get(f"/incidents/{2**70}/dispatch/panel/").status_code == 404
    assert county.get(f"{base}/orders/").status_code == 405  # POST only
    assert Client().post(f"{base}/orders/").status_code == 302  # to sign in
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(offices["county"])
    assert strict.post(f"{base}/orders/", {"force": near}).status_code == 403
    assert strict.post(f"/api/incidents/{incident.pk}/orders", {"force": forces["far_hazchem"].pk},
                       content_type="application/json").status_code == 403  # fmt: skip
    assert DispatchOrder.objects.count() == 1


# ---------------------------------------------------------------- the API


def test_the_api_suggests_dispatches_and_advances(offices, forces):
    incident = accident(offices["county"])
    api = f"/api/incidents/{incident.pk}"
    got = as_(offices["county"]).get(f"{api}/suggestions").json()
    assert [f["code"] for f in got["forces"]] == ["F2", "F1"] and got["travel"]
    assert got["forces"][0]["matches"] == ["危化"] and got["forces"][0]["minutes"] < 7
    flood = as_(offices["county"]).get(f"{api}/suggestions", {"specialty": "水域", "limit": 1})
    assert [f["code"] for f in flood.json()["forces"]] == ["F3"]
    for query, field in [({"specialty": "魔法"}, "specialty"), ({"limit": 0}, "limit"),
                         ({"limit": "many"}, "limit")]:  # fmt: skip
        refused = as_(offices["county"]).get(f"{api}/suggestions", query)
        assert refused.status_code == 422 and refused.json()["field"] == field
    assert as_(offices["grid"]).get(f"{api}/suggestions").status_code == 403
    assert as_(offices["binjiang"]).get(f"{api}/suggestions").status_code == 404
    near = forces["near_hazchem"].pk
    for body, field in [({"force": str(near)}, "force"), ({"force": True}, "force"),
                        ({"force": near, "extra": 1}, "extra"),
                        ({"force": near, "note": "a\x00"}, None)]:  # fmt: skip
        refused = post(offices["county"], f"{api}/orders", body)
        assert refused.status_code == 422 and refused.json()["field"] == field
    elsewhere = post(offices["county"], f"{api}/orders", {"force": forces["other_county"].pk})
    assert elsewhere.status_code == 404 and elsewhere.json()["field"] == "force"
    made = post(offices["county"], f"{api}/orders", {"force": near})
    assert made.status_code == 201 and made.json()["status"] == "dispatched"
    order = made.json()["id"]
    assert made.json()["next"] == ["en_route", "cancelled"]
    assert post(offices["county"], f"{api}/orders", {"force": near}).status_code == 409
    bad = post(offices["county"], f"{api}/orders/{order}/advance", {"status": "flying"})
    assert bad.status_code == 422 and bad.json()["field"] == "status"
    assert post(offices["county"], f"{api}/orders/{order}/advance",
                {"status": "on_scene"}).status_code == 409  # fmt: skip
    moved = post(offices["county"], f"{api}/orders/{order}/advance", {"status": "en_route"})
    assert moved.status_code == 200 and moved.json()["en_route_at"]
    listed = as_(offices["grid"]).get(f"{api}/orders").json()
    assert [(o["force"]["code"], o["status"]) for o in listed] == [("F2", "en_route")]
    assert post(offices["binjiang"], f"{api}/orders/{order}/advance",
                {"status": "on_scene"}).status_code == 404  # fmt: skip


def test_the_api_requests_and_allocates_supplies_refusing_more_than_the_stock(offices, tents):
    incident = accident(offices["county"])
    api = f"/api/incidents/{incident.pk}"
    body = {"category": "living", "name": "帐篷", "unit": "顶", "quantity": 80}
    for changes, field in [({"quantity": True}, "quantity"), ({"quantity": [1]}, "quantity"),
                           ({"quantity": "lots"}, "quantity"), ({"name": "x" * 101}, "name"),
                           ({"quantity": 1e300}, "quantity"), ({"quantity": "1e30"}, "quantity"),
                           ({"category": "gold"}, "category"),
                           ({"colour": "red"}, "colour")]:  # fmt: skip
        refused = post(offices["county"], f"{api}/supplies", {**body, **changes})
        assert refused.status_code == 422 and refused.json()["field"] == field
    made = post(offices["county"], f"{api}/supplies", body)
    assert made.status_code == 201 and made.json()["remaining"] == 80
    supply = made.json()["id"]
    sources = as_(offices["county"]).get(f"/api/incidents/supplies/{supply}/sources").json()
    assert [(s["item"], s["quantity"]) for s in sources] == [(tents.pk, 50)]
    theirs = as_(offices["binjiang"]).get(f"/api/incidents/supplies/{supply}/sources")
    assert theirs.status_code == 404
    url = f"/api/incidents/supplies/{supply}/allocations"
    movements = StockMovement.objects.count()
    over = post(offices["county"], url, {"item": tents.pk, "quantity": 60})
    assert over.status_code == 409 and over.json()["field"] == "quantity"
    assert Allocation.objects.count() == 0
    assert StockMovement.objects.count() == movements
    assert StockItem.objects.get(pk=tents.pk).quantity == Decimal(50)
    too_many = post(offices["county"], url, {"item": tents.pk, "quantity": 81})
    assert too_many.json()["field"] == "quantity"  # more than the request still needs
    assert post(offices["county"], url, {"item": "1", "quantity": 1}).json()["field"] == "item"
    assert post(offices["binjiang"], url, {"item": tents.pk, "quantity": 1}).status_code == 404
    done = post(offices["county"], url, {"item": tents.pk, "quantity": "50"})
    assert done.status_code == 201, done.content
    assert (done.json()["allocated"], done.json()["remaining"]) == (50, 30)
    assert done.json()["allocations"][0]["depot"] == "西湖区物资储备库"
    assert as_(offices["county"]).get(f"{api}/supplies").json()[0]["allocated"] == 50


# ---------------------------------------------------------------- coverage


def test_coverage_tables_and_draws_the_uncovered_villages_and_follows_the_bases(offices):
    county = as_(offices["county"])
    table = county.get("/api/incidents/coverage").json()
    (xihu,) = table["counties"]
    assert xihu["code"] == "330106" and xihu["ground"] == 0 and xihu["villages"] > 100
    assert table["rule"]["ground_km"] == 50 and table["rule"]["air_minutes"] == 30
    layer = county.get("/api/incidents/coverage/ground.geojson").json()
    assert len(layer["features"]) == xihu["villages"]  # no force anywhere yet
    assert all(f["properties"]["path"].startswith("330106") for f in layer["features"])
    assert layer["features"][0]["properties"]["nearest"] is None
    city = as_(offices["city"]).get("/api/incidents/coverage").json()
    assert len(city["counties"]) > 5 and all(c["code"].startswith("3301") for c in city["counties"])
    force("G1", "防汛", 0)  # a rescue base in 西湖区: the layer is recomputed
    AviationSite.objects.create(code="H1", name="杭州直升机场", kind="base", surface="concrete",
                                max_aircraft="medium", region_id="330106000000",
                                lat=XIHU_VILLAGE[0], lon=XIHU_VILLAGE[1])  # fmt: skip
    assert county.get("/api/incidents/coverage/ground.geojson").json()["features"] == []
    assert county.get("/api/incidents/coverage/air.geojson").json()["features"] == []
    far = as_(offices["province"]).get("/api/incidents/coverage/ground.geojson",
                                       {"region": "3303"}).json()  # fmt: skip
    props = [f["properties"] for f in far["features"]]
    assert props and all(p["nearest"] == "G1" and p["minutes"] > 60 for p in props)
    narrowed = county.get("/api/incidents/coverage", {"region": "330108"}).json()
    assert narrowed["counties"] == []  # outside the jurisdiction: nothing
    for url, field in [("/api/incidents/coverage/sea.geojson", "mode"),
                       ("/api/incidents/coverage?region=abc", "region")]:  # fmt: skip
        refused = county.get(url)
        assert refused.status_code == 422 and refused.json()["field"] == field
    assert Client().get("/api/incidents/coverage").status_code == 401


def test_the_coverage_page_tables_the_counties_and_lists_a_countys_villages(offices, make_user):
    page = as_(offices["city"]).get("/incidents/coverage/")
    html = shown(page)
    assert page.status_code == 200 and 'id="cov-map"' in html and 'data-county="330106"' in html
    assert "/api/incidents/coverage/ground.geojson" in html and "vendor/leaflet/leaflet.js" in html
    assert "/api/regions/3301/boundary.geojson?level=county" in html
    assert "within 50 km and 60 minutes" in html and "great-circle distance × 1.3" in html
    listed = shown(as_(offices["county"]).get("/incidents/coverage/", {"county": "330106"}))
    assert 'id="cov-village-list"' in listed and 'data-village="330106' in listed
    refused = shown(as_(offices["county"]).get("/incidents/coverage/", {"county": "330108"}))
    assert "No such county in your jurisdiction (county)" in refused
    assert 'id="cov-village-list"' not in refused
    company = make_user("some_company", "330106002", "enterprise_user")
    assert as_(company).get("/incidents/coverage/").status_code == 403
    assert Client().get("/incidents/coverage/").status_code == 302
    zh = as_(offices["county"])
    zh.cookies["django_language"] = "zh-hans"
    chinese = shown(zh.get("/incidents/coverage/", HTTP_ACCEPT_LANGUAGE="zh-hans"))
    assert "救援覆盖分析" in chinese and "Rescue coverage" not in chinese
