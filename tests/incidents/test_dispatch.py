"""Dispatch (issue 8, done means 4 and 5): forces with the right specialty ordered by travel
time; an order's steps; supplies allocated from depots through stock movements, refused when
they exceed the stock; coverage lists the villages no circle reaches, per county."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.incidents.conftest import accident
from yingji.core.errors import Conflict, InvalidInput, NotFound
from yingji.core.registry import services as generic
from yingji.incidents.dispatch_models import DispatchOrder
from yingji.incidents.models import Entry
from yingji.incidents.services import coverage, dispatch
from yingji.registry import services as stock
from yingji.registry.models.depot import StockItem
from yingji.registry.models.rescue import AviationSite, RescueForce
from yingji.registry.specs.depots import DEPOTS

pytestmark = pytest.mark.usefixtures("_english")
SITE = (30.26, 120.12)  # the accident's point in 西湖区


def force(code, specialties, km_north, region="330106", readiness="standby"):
    """A force ``km_north`` km due north of the accident."""
    return RescueForce.objects.create(
        code=code, name=f"{code}救援队", kind="professional", specialties=specialties,
        level="county", members=20, readiness=readiness, region_id=f"{region}000000",
        lat=SITE[0] + km_north / 111.2, lon=SITE[1],
    )  # fmt: skip


@pytest.fixture
def forces(db):
    return {
        "far_hazchem": force("F1", "危化", 30),
        "near_hazchem": force("F2", "危化", 5),
        "near_flood": force("F3", "防汛,水域", 1),
        "busy_hazchem": force("F4", "危化", 2, readiness="on_mission"),
        "other_county": force("F5", "危化", 3, region="330108"),
    }


def test_suggestions_keep_the_specialty_and_order_by_travel_time(offices, forces):
    incident = accident(offices["county"])  # a chemical accident: 危化 first
    got = dispatch.suggest(offices["county"], incident.pk)
    assert [row["code"] for row in got] == ["F2", "F1"]  # no flood team, no busy one, own county
    assert got[0]["minutes"] < got[1]["minutes"] and got[0]["matches"] == ["危化"]
    assert got[0]["km"] == pytest.approx(5.0, abs=0.1)
    flood = dispatch.suggest(offices["county"], incident.pk, specialty="水域")
    assert [row["code"] for row in flood] == ["F3"]
    wider = dispatch.suggest(offices["city"], incident.pk)
    assert [row["code"] for row in wider] == ["F5", "F2", "F1"]  # the city sees 滨江 too
    with pytest.raises(InvalidInput):
        dispatch.suggest(offices["county"], incident.pk, specialty="魔法")


def test_an_order_moves_through_its_steps_and_the_force_is_busy_meanwhile(offices, forces):
    incident = accident(offices["county"])
    order = dispatch.dispatch(offices["county"], incident.pk, forces["near_hazchem"].pk)
    assert order.eta_minutes == pytest.approx(5 * 1.3, abs=0.2)  # 60 km/h, detour 1.3
    assert RescueForce.objects.get(pk=forces["near_hazchem"].pk).readiness == "on_mission"
    with pytest.raises(Conflict):
        dispatch.dispatch(offices["county"], incident.pk, forces["near_hazchem"].pk)
    for step in ("en_route", "on_scene", "released"):
        order = dispatch.advance(offices["county"], incident.pk, order.pk, step)
    assert order.en_route_at <= order.on_scene_at <= order.released_at
    assert RescueForce.objects.get(pk=forces["near_hazchem"].pk).readiness == "standby"
    with pytest.raises(Conflict):
        dispatch.advance(offices["county"], incident.pk, order.pk, "on_scene")
    assert Entry.objects.filter(incident=incident, kind="dispatch").count() == 4
    with pytest.raises(NotFound):
        dispatch.dispatch(offices["county"], incident.pk, forces["other_county"].pk)
    for bad in (None, "x", True, -1, 10**30):
        with pytest.raises((InvalidInput, NotFound)):
            dispatch.dispatch(offices["county"], incident.pk, bad)
    assert DispatchOrder.objects.count() == 1


@pytest.fixture
def tents(db):
    depot = generic.create(actor=None, spec=DEPOTS, data={
        "code": "330106-WZ01", "name": "西湖区物资储备库", "level": "county", "region": "330106",
        "lat": 30.27, "lon": 120.10})  # fmt: skip
    return stock.register_item(actor=None, depot_id=depot.pk, category="生活", name="帐篷",
                               unit="顶", quantity=50, reason="采购入库")  # fmt: skip


def test_supplies_are_allocated_through_stock_movements_never_below_zero(offices, tents):
    incident = accident(offices["county"])
    request = dispatch.request_supplies(offices["county"], incident.pk, {
        "category": "living", "name": "帐篷", "unit": "顶", "quantity": "80"})  # fmt: skip
    (source,) = dispatch.sources(offices["county"], request.pk)
    assert source["item"] == tents.pk and source["km"] < 3
    dispatch.allocate(offices["county"], request.pk, tents.pk, 50)
    assert StockItem.objects.get(pk=tents.pk).quantity == Decimal(0)
    with pytest.raises(Conflict):  # the stock is gone: refused, nothing written
        dispatch.allocate(offices["county"], request.pk, tents.pk, 10)
    assert request.allocations.count() == 1
    with pytest.raises(InvalidInput):  # more than the request still needs
        dispatch.allocate(offices["county"], request.pk, tents.pk, 31)
    for bad in ({"category": "x", "name": "帐篷", "unit": "顶", "quantity": 1},
                {"category": "living", "name": "", "unit": "顶", "quantity": 1},
                {"category": "living", "name": "帐篷", "unit": "顶", "quantity": -5},
                {"category": "living", "name": "a\x00", "unit": "顶", "quantity": 1}):  # fmt: skip
        with pytest.raises(InvalidInput):
            dispatch.request_supplies(offices["county"], incident.pk, bad)
    with pytest.raises(NotFound):
        dispatch.allocate(offices["binjiang"], request.pk, tents.pk, 1)


def test_coverage_lists_the_villages_no_circle_reaches_per_county(db):
    assert coverage.by_county("330106")[0]["ground"] == 0  # no force registered yet
    everyone = coverage.uncovered("ground", "330106")
    assert everyone and everyone[0]["nearest"] is None
    force("G1", "防汛", 0)  # one force at the site: the nearby villages are covered now
    AviationSite.objects.create(code="H1", name="杭州直升机场", kind="base", surface="concrete",
                                max_aircraft="medium", region_id="330106000000",
                                lat=SITE[0], lon=SITE[1])  # fmt: skip
    (xihu,) = coverage.by_county("330106")
    assert 0 < xihu["ground"] <= xihu["villages"] and xihu["air"] == xihu["villages"]
    far = coverage.uncovered("ground", "3303")  # 温州: beyond an hour
    assert far and all(row["nearest"] == "G1" and row["minutes"] > 60 for row in far)
    layer = coverage.geojson("ground", "3303")
    assert layer["features"][0]["geometry"]["type"] == "Point"
    with pytest.raises(ValueError, match="mode"):
        coverage.uncovered("sea")


def test_the_situation_report_downloads_as_docx_and_reads_back(offices, forces):
    import io

    from docx import Document

    from yingji.incidents.services import room, sitrep

    incident = accident(offices["county"])
    dispatch.dispatch(offices["county"], incident.pk, forces["near_hazchem"].pk)
    room.assign_role(offices["county"], incident.pk, "指挥长", offices["county"].pk)
    data = sitrep.docx(offices["county"], incident.pk)
    doc = Document(io.BytesIO(data))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = "\n".join(c.text for t in doc.tables for row in t.rows for c in row.cells)
    assert "某化工企业泄漏爆炸（较大）情况报告" in text
    assert "F2救援队" in cells and "指挥长" in cells and incident.code in cells
    assert "首报" in cells


def test_the_room_links_the_situation_report_page_and_word_file(offices, client):
    import io

    from docx import Document

    incident = accident(offices["county"])
    client.force_login(offices["county"])
    room = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert f"/incidents/{incident.pk}/sitrep.docx" in room
    page = client.get(f"/incidents/{incident.pk}/sitrep/").content.decode()
    assert "某化工企业泄漏爆炸（较大）情况报告" in page
    word = client.get(f"/incidents/{incident.pk}/sitrep.docx")
    assert word["Content-Type"].endswith("wordprocessingml.document")
    assert "情况报告" in Document(io.BytesIO(word.content)).paragraphs[0].text
    client.force_login(offices["binjiang"])
    assert client.get(f"/incidents/{incident.pk}/sitrep.docx").status_code == 404
