"""Area risk (五色图) per level and hazard type, and the control index (管控力指数)."""

from __future__ import annotations

import datetime as dt

import pytest

from yingji.core.errors import InvalidInput
from yingji.regions.models import Level, Region
from yingji.registry.models.shelter import Shelter
from yingji.risk.models import AreaHazard, AreaRisk, ControlIndex, RiskFacts
from yingji.risk.services import area, control
from yingji.risk.services import enterprises as assessing
from yingji.risk.sources import Selection

pytestmark = pytest.mark.django_db


def load_inputs(hot_prefix: str = "330106") -> None:
    """Every village gets inputs; villages of one county have high typhoon hazard."""
    rows = []
    for code, path in Region.objects.filter(level=Level.VILLAGE).values_list("code", "path"):
        hot = path.startswith(hot_prefix)
        for kind in ("flood", "typhoon", "geological", "forest_fire", "earthquake"):
            h = 0.9 if hot and kind == "typhoon" else 0.2 + (int(path[-3:]) % 7) / 20
            rows.append(AreaHazard(region_id=code, region_path=path, hazard_type=kind, hazard=h,
                                   vulnerability=0.5))  # fmt: skip
    AreaHazard.objects.bulk_create(rows, batch_size=5000)


def test_without_inputs_the_error_says_what_to_load():
    with pytest.raises(InvalidInput, match="area hazard inputs"):
        area.assess_areas()


def test_every_region_gets_a_level_per_hazard_type_at_three_levels():
    load_inputs()
    summary = area.assess_areas()
    for level in (Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE):
        regions = Region.objects.filter(level=level).count()
        stored = AreaRisk.objects.filter(level_name=level)
        assert stored.count() == regions * 5
        assert set(stored.values_list("level", flat=True)) == {0, 1, 2, 3, 4}
    assert (
        sum(summary["levels"]["village"]["typhoon"])
        == Region.objects.filter(level=Level.VILLAGE).count()
    )
    for level in (Level.CITY, Level.PROVINCE):  # the people-weighted mean of their counties
        assert (
            AreaRisk.objects.filter(level_name=level).count()
            == Region.objects.filter(level=level).count() * 5
        )
    hangzhou = AreaRisk.objects.get(region_id="330100000000", hazard_type="typhoon")
    counties = AreaRisk.objects.filter(
        level_name="county", hazard_type="typhoon", region_path__startswith="3301"
    )
    assert min(c.risk for c in counties) < hangzhou.risk < max(c.risk for c in counties)
    xihu = AreaRisk.objects.get(region_id="330106000000", hazard_type="typhoon")
    assert xihu.level == 4  # the hot county is 高 for typhoons
    assert AreaRisk.objects.get(region_id="330106000000", hazard_type="flood").level < 4


def test_more_shelter_capacity_lowers_the_risk_of_a_county():
    load_inputs()
    area.assess_areas()
    before = AreaRisk.objects.get(region_id="330106000000", hazard_type="typhoon")
    Shelter.objects.create(code="SH-1", name="大型避灾中心", level="county", kind="centre",
                           capacity=200_000, region_id="330106002000")  # fmt: skip
    area.assess_areas()
    after = AreaRisk.objects.get(region_id="330106000000", hazard_type="typhoon")
    assert after.capacity > before.capacity
    assert after.risk < before.risk


def test_unknown_classifier_is_refused():
    with pytest.raises(InvalidInput, match="classifier"):
        area.assess_areas(classifier="astrology")


def test_control_index_reweights_what_is_missing():
    value, parts = control.combine({
        "rectification": (9, 10), "timeliness": (9, 9), "inspection": (1, 2),
    })  # fmt: skip
    # weights 0.25, 0.15, 0.25 over the three present: (0.25·0.9 + 0.15·1 + 0.25·0.5) / 0.65
    assert value == pytest.approx(100 * (0.225 + 0.15 + 0.125) / 0.65, abs=0.05)
    by_key = {p["key"]: p for p in parts}
    assert by_key["alarms"]["counted"] is False
    assert by_key["acknowledgement"]["available"] is False
    assert sum(p["effective_weight"] for p in parts) == pytest.approx(1.0)
    assert control.combine({}) == (None, control.combine({})[1])


def test_control_index_is_published_per_county_for_the_month(make_enterprise):
    good = make_enterprise(facts={"hazards_found_12m": 10, "hazards_rectified_12m": 10,
                                  "hazards_on_time_12m": 10, "inspected_12m": True})  # fmt: skip
    make_enterprise(region="330108001", facts={"hazards_found_12m": 10, "hazards_rectified_12m": 2,
                                               "hazards_on_time_12m": 0})  # fmt: skip
    red = make_enterprise(region="330108001", facts={"open_major_hazards": 1})
    assessing.assess(Selection(), reason="test")
    assert control.publish(dt.date(2026, 11, 15)) == 2
    xihu = ControlIndex.objects.get(region_id="330106000000", month=dt.date(2026, 11, 1))
    binjiang = ControlIndex.objects.get(region_id="330108000000")
    assert xihu.value == 100.0
    assert binjiang.value < 30
    supervision = next(c for c in binjiang.components if c["key"] == "supervision")
    assert supervision["denominator"] == 1 and supervision["rate"] == 0  # red, not supervised
    RiskFacts.objects.filter(enterprise=red).update(under_supervision=True)
    control.publish(dt.date(2026, 11, 30))  # the same month: updated, not duplicated
    assert ControlIndex.objects.filter(region_id="330108000000").count() == 1
    assert ControlIndex.objects.get(region_id="330108000000").value > binjiang.value
    assert good.pk
