"""Rescue forces, aviation, depots and people: validation, scoping and the demo's sizes."""

from __future__ import annotations

import time

import numpy as np
import pytest
import shapely
from django.db.models import Count, F, Q, Sum

from yingji.core.registry import services as generic
from yingji.core.registry.services import RowErrors
from yingji.regions.models import Level, Region
from yingji.registry.demo import flags, resources
from yingji.registry.demo.context import DemoContext
from yingji.registry.models.depot import Depot, StockItem
from yingji.registry.models.people import Contact, Expert, Volunteer
from yingji.registry.models.rescue import AviationSite, RescueForce
from yingji.registry.specs.depots import DEPOTS
from yingji.registry.specs.people import CONTACTS, EXPERTS
from yingji.registry.specs.rescue import RESCUE_FORCES

CONTACT = {"code": "330106002051-ZR-1", "name": "王芳", "phone": "13800000005",
           "roles": "村干部,防汛责任人", "channels": "sms,voice",
           "region": "330106002051"}  # fmt: skip
FORCE = {"code": "330106-JY-0001", "name": "西湖区蓝天救援队", "kind": "社会",
         "level": "县级", "specialties": "防汛,水域", "members": 45, "readiness": "待命",
         "region": "330106"}  # fmt: skip


def _refused(spec, data, actor=None) -> dict[str, str]:
    with pytest.raises(RowErrors) as refused:
        generic.create(actor=actor, spec=spec, data=data)
    return {e.field: e.message for e in refused.value.errors}


def test_a_bad_phone_is_refused_with_the_field_named(db, xihu_staff):
    problems = _refused(CONTACTS, {**CONTACT, "phone": "0571-8888"}, xihu_staff)
    assert list(problems) == ["phone"]
    assert "手机号" in problems["phone"]
    assert "phone" in _refused(CONTACTS, {**CONTACT, "phone": ""})  # a contact must be reachable
    problems = _refused(DEPOTS, {"code": "D", "name": "库", "level": "county", "region": "330106",
                                 "manager_phone": "1380000000"})  # fmt: skip
    assert list(problems) == ["manager_phone"]


def test_the_api_names_the_phone_field_too(client, xihu_staff):
    client.force_login(xihu_staff)
    response = client.post("/api/registry/contacts/", {**CONTACT, "phone": "12345"},
                           content_type="application/json")  # fmt: skip
    assert response.status_code == 422
    assert response.json()["field"] == "phone"
    ok = client.post("/api/registry/contacts/", CONTACT, content_type="application/json")
    assert ok.status_code == 201, ok.content


def test_an_expert_id_number_is_checked_when_given(db):
    expert = {"code": "33-ZJ-0001", "name": "陈静", "specialty": "地质灾害",
              "phone": "13800000003", "region": "330000"}  # fmt: skip
    problems = _refused(EXPERTS, {**expert, "id_number": "110105194912310021"})
    assert list(problems) == ["id_number"]
    assert "身份证号" in problems["id_number"] and "check character" in problems["id_number"]
    assert generic.create(actor=None, spec=EXPERTS, data=expert).id_number == ""
    second = {**expert, "code": "33-ZJ-0002", "id_number": "11010519491231002X"}
    assert generic.create(actor=None, spec=EXPERTS, data=second).id_number == "11010519491231002X"


def test_roles_channels_and_specialties_are_checked_item_by_item(db):
    problems = _refused(CONTACTS, {**CONTACT, "roles": "村干部,队长", "channels": "sms,fax"})
    assert "队长" in problems["roles"] and "防汛责任人" in problems["roles"]
    assert "fax" in problems["channels"]
    contact = generic.create(actor=None, spec=CONTACTS, data={**CONTACT, "channels": "短信、voice"})
    assert contact.channel_list == ["sms", "voice"]
    assert contact.role_list == ["村干部", "防汛责任人"]
    problems = _refused(RESCUE_FORCES, {**FORCE, "specialties": "防汛,游泳"})
    assert list(problems) == ["specialties"] and "游泳" in problems["specialties"]
    assert generic.create(actor=None, spec=RESCUE_FORCES, data=FORCE).kind == "social"


def test_a_depot_sits_in_a_region_of_its_own_level(db):
    depot = {"code": "330106-WZ01", "name": "西湖区储备库", "level": "县级", "region": "330106002"}
    problems = _refused(DEPOTS, depot)
    assert list(problems) == ["region"] and "县级" in problems["region"]
    assert generic.create(actor=None, spec=DEPOTS, data={**depot, "region": "330106"}).pk


@pytest.fixture
def two_counties(db):
    rows = {}
    for county, name in (("330106", "西湖区"), ("330108", "滨江区")):
        rows[county] = {
            "depot": generic.create(actor=None, spec=DEPOTS, data={
                "code": f"{county}-WZ01", "name": f"{name}储备库", "level": "county",
                "region": county}),
            "force": generic.create(actor=None, spec=RESCUE_FORCES, data={
                **FORCE, "code": f"{county}-JY-1", "region": county}),
            "contact": generic.create(actor=None, spec=CONTACTS, data={
                **CONTACT, "code": f"{county}-ZR-1", "region": county}),
        }  # fmt: skip
    return rows


def test_county_users_see_only_their_county_rows(client, xihu_staff, two_counties):
    client.force_login(xihu_staff)
    binjiang = two_counties["330108"]
    response = client.get(f"/api/registry/depots/{binjiang['depot'].pk}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    own = client.get(f"/api/registry/depots/{two_counties['330106']['depot'].pk}")
    assert own.status_code == 200
    for entity in ("depots", "rescue_forces", "contacts"):
        rows = client.get(f"/api/registry/{entity}/").json()["items"]
        assert [r["fields"]["region"] for r in rows] == ["330106"], entity
    for entity, obj in (("rescue_forces", binjiang["force"]), ("contacts", binjiang["contact"])):
        assert client.get(f"/api/registry/{entity}/{obj.pk}").status_code == 404
        assert client.get(f"/registry/{entity}/{obj.pk}/").status_code == 404


def _inside_county(ctx: DemoContext, rows) -> bool:
    """Every (region path, lon, lat) lies inside the polygon of its county.

    Province and city bodies sit in the first county of their seat (杭州 for the province).
    """
    seat = {c.path[:4]: c.path for c in reversed(ctx.counties)}  # first county of each city
    by_county: dict[str, list[tuple[float, float]]] = {}
    for path, lon, lat in rows:
        county = seat["3301"] if len(path) == 2 else seat[path] if len(path) == 4 else path[:6]
        by_county.setdefault(county, []).append((lon, lat))
    for county, points in by_county.items():
        polygon = ctx._polygons[ctx.county_of(county)]
        xs, ys = np.array(points).T
        if not shapely.contains_xy(polygon, xs, ys).all():
            return False
    return True


def test_the_demo_generators_match_the_plan_figures(db, capsys):
    ctx = DemoContext()
    flags.generate(ctx)
    timings = {}
    for generate in (resources.generate_depots, resources.generate_rescue,
                     resources.generate_people):  # fmt: skip
        start = time.perf_counter()
        generate(ctx)
        timings[generate.__name__] = round(time.perf_counter() - start, 2)
    with capsys.disabled():
        print(f"\ngenerator seconds: {timings}; counts: {ctx.counts}")
    villages, townships = len(ctx.villages), len(ctx.townships)

    levels = dict(Depot.objects.values_list("level").annotate(n=Count("pk")))
    assert levels == {"province": 1, "city": 11, "county": 90, "township": townships,
                      "village": 2000}  # fmt: skip
    prone = set(Region.objects.filter(level=Level.VILLAGE, disaster_prone=True)
                .values_list("path", flat=True))  # fmt: skip
    village_depots = Depot.objects.filter(level="village")
    assert set(village_depots.values_list("region_path", flat=True)) <= prone
    key_kit = ["卫星电话", "应急发电机", "排水泵"]
    kit = StockItem.objects.filter(depot__level="village", name__in=key_kit)
    assert kit.count() == 3 * 2000
    assert ctx.counts["stock_items"] == ctx.counts["stock_movements"] == StockItem.objects.count()
    assert not Depot.objects.filter(items__isnull=True).exists()
    mismatched = StockItem.objects.annotate(ledger=Sum("movements__delta")).exclude(
        ledger=F("quantity")
    )
    assert not mismatched.exists()  # every count equals the sum of its ledger

    forces = RescueForce.objects
    assert forces.filter(kind="professional", backbone=False).count() == 28
    assert forces.filter(kind="professional", backbone=True, level="province").count() == 21
    assert forces.filter(kind="social").count() == 240
    assert forces.filter(kind="fire", level="county").count() == 90
    assert forces.filter(kind="grassroots").count() == townships
    assert AviationSite.objects.filter(kind="landing").count() == 300
    assert AviationSite.objects.filter(kind="base").count() == 11

    assert Expert.objects.count() == 500
    assert Volunteer.objects.count() == 20_000
    per_village = (Contact.objects.filter(region__level=Level.VILLAGE).values("region_path")
                   .annotate(responsible=Count("pk", filter=Q(roles__contains="防汛责任人")),
                             grid=Count("pk", filter=Q(roles__contains="网格员"))))  # fmt: skip
    assert len(per_village) == villages
    assert min(row["responsible"] for row in per_village) >= 2
    assert min(row["grid"] for row in per_village) >= 1
    assert Contact.objects.filter(roles__contains="乡镇值班").values("region_path").distinct() \
        .count() == townships  # fmt: skip
    assert Contact.objects.count() == 3 * villages + 2 * townships + 2 * 90

    for name, model in (("depots", Depot), ("rescue_forces", RescueForce),
                        ("aviation_sites", AviationSite), ("experts", Expert),
                        ("volunteers", Volunteer), ("contacts", Contact)):  # fmt: skip
        synthetic = model.objects.filter(synthetic=True).count()
        assert ctx.counts[name] == model.objects.count() == synthetic, name
        points = model.objects.values_list("region_path", "lon", "lat")
        assert _inside_county(ctx, points), name
