"""重大危险源: sources, units and chemicals through the generic registry; CAS numbers are
checked where they enter; a county sees only its own sources; the demo inventories qualify."""

from __future__ import annotations

import json
from collections import defaultdict

import pytest
import shapely

from yingji.core.registry import services
from yingji.core.registry.services import RowErrors
from yingji.kernels.cas import cas_problem
from yingji.regions.models import Boundary
from yingji.registry.demo.context import DemoContext
from yingji.registry.demo.enterprises import generate_enterprises, generate_hazards
from yingji.registry.models.enterprise import Enterprise
from yingji.registry.models.hazard import HazardCategory, HazardChemical, HazardSource, HazardUnit
from yingji.registry.specs.enterprises import ENTERPRISES
from yingji.registry.specs.hazards import HAZARD_CHEMICALS, HAZARD_SOURCES, HAZARD_UNITS

XIHU_CODE = "91330106MA2H4K7L00"
BINJIANG_CODE = "91330108MA28Q3W5XE"
# GB 18218-2018 Table 1 thresholds Q (t) by CAS (STANDARDS.md §2), and Table 2 for 柴油 (W5.4).
TABLE_1 = {
    "7782-50-5": 5,
    "7664-41-7": 10,
    "68476-85-7": 50,
    "67-56-1": 500,
    "108-88-3": 500,
    "8006-14-2": 50,
    "1333-74-0": 5,
    "71-43-2": 50,
    "67-64-1": 500,
    "141-78-6": 500,
    "64-17-5": 500,
    "75-01-4": 50,
    "86290-81-5": 200,
}
TABLE_2 = {"W5.4": 5000}


def make_enterprise(code: str, region: str, lon: float, lat: float) -> Enterprise:
    data = {
        "credit_code": code,
        "name": f"{region}化工有限公司",
        "industry_code": "C2614",
        "scale": "above",
        "region": region,
        "lon": lon,
        "lat": lat,
        "hazchem_role": "produce",
    }
    return services.create(actor=None, spec=ENTERPRISES, data=data)


def make_chain(actor, code: str, credit_code: str, region: str) -> HazardChemical:
    """A source with one storage unit holding 30 t of liquid chlorine."""
    services.create(
        actor=actor,
        spec=HAZARD_SOURCES,
        data={
            "code": code,
            "name": "液氯储罐区重大危险源",
            "enterprise": credit_code,
            "people_within_500m": 60,
            "region": region,
        },
    )
    services.create(
        actor=actor,
        spec=HAZARD_UNITS,
        data={"code": f"{code}-U1", "source": code, "name": "液氯储罐区", "kind": "storage"},
    )
    return services.create(
        actor=actor,
        spec=HAZARD_CHEMICALS,
        data={
            "unit": f"{code}-U1",
            "name": "液氯",
            "cas": "7782-50-5",
            "hazard_category": "J3",
            "quantity": 30,
        },
    )


@pytest.fixture
def xihu_unit(xihu_staff):
    make_enterprise(XIHU_CODE, "330106002", 120.148, 30.262)
    return make_chain(xihu_staff, "330106-WXY-0001", XIHU_CODE, "330106002").unit


def chemical(**changes):
    data = {
        "unit": "330106-WXY-0001-U1",
        "name": "液氨",
        "cas": "7664-41-7",
        "hazard_category": "J3",
        "quantity": 50,
    }
    data.update(changes)
    return data


def test_api_refuses_a_cas_typo_and_names_the_field(client, xihu_staff, xihu_unit):
    client.force_login(xihu_staff)
    response = client.post(
        "/api/registry/hazard_chemicals/", chemical(cas="7664-41-6"), "application/json"
    )
    assert response.status_code == 422
    assert response.json()["field"] == "cas"
    assert "computes to 7" in response.json()["message"]
    ok = client.post("/api/registry/hazard_chemicals/", chemical(), "application/json")
    assert ok.status_code == 201
    assert ok.json()["fields"]["unit"] == "330106-WXY-0001-U1"
    assert xihu_unit.chemicals.count() == 2


def test_form_marks_the_cas_field(client, xihu_staff, xihu_unit):
    client.force_login(xihu_staff)
    response = client.post("/registry/hazard_chemicals/new/", chemical(cas="7664-41"))
    assert response.status_code == 422
    html = response.content.decode()
    block = next(b for b in html.split('<div class="field') if 'id="f-cas"' in b)
    assert block.startswith(" invalid")
    assert "CAS" in block


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"quantity": 0}, "quantity"),
        ({"quantity": -5}, "quantity"),
        ({"hazard_category": "W12"}, "hazard_category"),
        ({"cas": "", "hazard_category": ""}, "hazard_category"),  # nothing to find Q by
        ({"unit": "330106-WXY-0001-U9"}, "unit"),
    ],
)
def test_bad_chemicals_are_refused(xihu_staff, xihu_unit, changes, field):
    with pytest.raises(RowErrors) as caught:
        services.create(actor=xihu_staff, spec=HAZARD_CHEMICALS, data=chemical(**changes))
    assert [e.field for e in caught.value.errors] == [field]


def test_a_mixture_without_cas_is_accepted_with_its_category(xihu_staff, xihu_unit):
    obj = services.create(
        actor=xihu_staff,
        spec=HAZARD_CHEMICALS,
        data=chemical(name="煤气", cas="", hazard_category="W2", quantity=12.5),
    )
    assert (obj.cas, obj.hazard_category, obj.quantity) == ("", "W2", 12.5)


def test_a_county_sees_only_its_own_sources_units_and_chemicals(client, xihu_staff, binjiang_staff):
    make_enterprise(BINJIANG_CODE, "330108001", 120.199, 30.196)
    chem = make_chain(binjiang_staff, "330108-WXY-0001", BINJIANG_CODE, "330108001")
    ids = {
        "hazard_sources": chem.unit.source_id,
        "hazard_units": chem.unit_id,
        "hazard_chemicals": chem.pk,
    }
    client.force_login(xihu_staff)
    for name, pk in ids.items():
        assert client.get(f"/registry/{name}/{pk}/").status_code == 404
        assert client.get(f"/api/registry/{name}/{pk}").status_code == 404
        assert client.get(f"/api/registry/{name}/").json()["count"] == 0
    client.force_login(binjiang_staff)
    for name, pk in ids.items():
        assert client.get(f"/registry/{name}/{pk}/").status_code == 200
        assert [i["id"] for i in client.get(f"/api/registry/{name}/").json()["items"]] == [pk]


def test_import_of_a_whole_chain_refuses_a_bad_row_then_accepts_the_fix(xihu_staff):
    make_enterprise(XIHU_CODE, "330106002", 120.148, 30.262)
    source = {
        "code": "330106-WXY-0009",
        "name": "罐区重大危险源",
        "enterprise": XIHU_CODE,
        "people_within_500m": "120",
        "region": "330106002",
    }
    services.import_rows(actor=xihu_staff, spec=HAZARD_SOURCES, rows=[(3, source)])
    units = [
        (
            3,
            {
                "code": "330106-WXY-0009-U1",
                "source": "330106-WXY-0009",
                "name": "罐区",
                "kind": "储存单元",
            },
        )
    ]
    services.import_rows(actor=xihu_staff, spec=HAZARD_UNITS, rows=units)
    rows = [
        (3, chemical(unit="330106-WXY-0009-U1", name="甲醇", cas="67-56-1", quantity="1000")),
        (4, chemical(unit="330106-WXY-0009-U1", name="液氯", cas="7782-50-5", quantity="30")),
        (5, chemical(unit="330106-WXY-0009-U1", name="液氨", cas="7664-41-1", quantity="50")),
    ]
    with pytest.raises(RowErrors) as caught:
        services.import_rows(actor=xihu_staff, spec=HAZARD_CHEMICALS, rows=rows)
    assert [(e.row, e.field) for e in caught.value.errors] == [(5, "cas")]
    assert not HazardChemical.objects.exists()
    rows[2][1]["cas"] = "7664-41-7"
    result = services.import_rows(actor=xihu_staff, spec=HAZARD_CHEMICALS, rows=rows)
    assert result.created == 3
    assert HazardUnit.objects.get().kind == "storage"  # the Chinese label was understood


def test_demo_hazard_sources_are_realistic_and_qualify(db):
    ctx = DemoContext(seed=1)
    generate_enterprises(ctx)
    generate_hazards(ctx)
    sources = list(HazardSource.objects.select_related("enterprise"))
    assert ctx.counts["hazard_sources"] == len(sources) == 300
    assert len({s.code for s in sources}) == 300
    assert all(s.synthetic and s.enterprise.hazchem_role != "none" for s in sources)
    assert all(s.region_id == s.enterprise.region_id for s in sources)

    units = defaultdict(list)
    for unit in HazardUnit.objects.all():
        units[unit.source_id].append(unit)
    assert all(1 <= len(units[s.pk]) <= 3 for s in sources)
    held = defaultdict(list)
    categories = {c.value for c in HazardCategory}
    for chem in HazardChemical.objects.all():
        assert cas_problem(chem.cas) is None, chem.cas
        assert chem.hazard_category in categories
        assert chem.quantity > 0
        held[chem.unit_id].append(chem)
    assert ctx.counts["hazard_chemicals"] == sum(len(v) for v in held.values())
    for source in sources:  # GB 18218: the source's first unit holds S = Σq/Q ≥ 1
        first = min(units[source.pk], key=lambda u: u.code)
        s = sum(
            c.quantity / (TABLE_1.get(c.cas) or TABLE_2[c.hazard_category]) for c in held[first.pk]
        )
        assert s >= 1, (first.code, [(c.name, c.quantity) for c in held[first.pk]])
    names = {c.name for chems in held.values() for c in chems}
    assert {"液氯", "液氨", "液化石油气", "甲醇"} <= names

    polygons = {
        b.region_id: shapely.from_geojson(json.dumps(b.geometry))
        for b in Boundary.objects.filter(
            region_id__in={s.region_id[:6] + "000000" for s in sources}
        )
    }
    assert all(
        polygons[s.region_id[:6] + "000000"].contains(shapely.Point(s.lon, s.lat)) for s in sources
    )


def test_the_template_examples_import_as_a_valid_chain(xihu_staff):
    """What the import templates show as an example is itself accepted, parent first."""
    from yingji.registry.specs.enterprises import LICENCES, TRAININGS

    for spec in (ENTERPRISES, LICENCES, TRAININGS, HAZARD_SOURCES, HAZARD_UNITS, HAZARD_CHEMICALS):
        example = {k: str(v) if not isinstance(v, bool) else v for k, v in spec.examples.items()}
        result = services.import_rows(actor=xihu_staff, spec=spec, rows=[(3, example)])
        assert result.created == 1, spec.name
    unit = HazardUnit.objects.select_related("source__enterprise").get()
    assert unit.source.enterprise.credit_code == ENTERPRISES.examples["credit_code"]
