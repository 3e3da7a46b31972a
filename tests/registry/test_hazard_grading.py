"""Major hazard sources are identified and graded by GB 18218 whenever their inventory changes."""

from __future__ import annotations

import pytest

from yingji.core.registry import services
from yingji.core.registry import spec as specs
from yingji.registry.models.hazard import HazardChemical, HazardSource, HazardUnit

SOURCES, UNITS, CHEMICALS = (specs.get(n) for n in
                             ("hazard_sources", "hazard_units", "hazard_chemicals"))  # fmt: skip


@pytest.fixture
def unit(xihu_staff):
    for name in ("enterprises", "hazard_sources", "hazard_units"):
        spec = specs.get(name)
        services.create(actor=xihu_staff, spec=spec, data=dict(spec.examples))
    return HazardUnit.objects.get()


def add(actor, unit, name, quantity, **extra):
    return services.create(actor=actor, spec=CHEMICALS, data={
        "unit": unit.code, "name": name, "quantity": quantity, **extra})  # fmt: skip


def test_the_standards_worked_example_grades_the_unit_and_source(xihu_staff, unit):
    add(xihu_staff, unit, "液氯", 30, cas="7782-50-5")
    add(xihu_staff, unit, "液氨", 50, cas="7664-41-7")
    add(xihu_staff, unit, "甲醇", 1000, cas="67-56-1", hazard_category="W5.3")
    unit.refresh_from_db()
    assert (unit.s_value, unit.r_value, unit.grade, unit.is_major) == (13.0, 54.0, "二级", True)
    source = HazardSource.objects.get()
    assert (source.grade, source.r_value, source.is_major) == ("二级", 54.0, True)
    assert source.graded_at is not None


def test_changing_and_voiding_chemicals_regrades(xihu_staff, unit):
    chlorine = add(xihu_staff, unit, "液氯", 30, cas="7782-50-5")
    add(xihu_staff, unit, "液氨", 50, cas="7664-41-7")
    add(xihu_staff, unit, "甲醇", 1000, cas="67-56-1", hazard_category="W5.3")
    services.update(actor=xihu_staff, spec=CHEMICALS, pk=chlorine.pk, data={"quantity": 130})
    unit.refresh_from_db()
    assert (unit.s_value, unit.r_value, unit.grade) == (33.0, 174.0, "一级")
    for chemical in HazardChemical.objects.exclude(name="甲醇"):
        services.void(actor=xihu_staff, spec=CHEMICALS, pk=chemical.pk, reason="已清空")
    unit.refresh_from_db()
    assert (unit.s_value, unit.r_value, unit.grade) == (2.0, 3.0, "四级")


def test_fewer_people_nearby_lowers_alpha(xihu_staff, unit):
    add(xihu_staff, unit, "液氯", 30, cas="7782-50-5")
    source = HazardSource.objects.get()
    services.update(actor=xihu_staff, spec=SOURCES, pk=source.pk, data={"people_within_500m": 0})
    unit.refresh_from_db()
    assert unit.r_value == 0.5 * 4 * 6  # α = 0.5 with nobody within 500 m


def test_below_the_threshold_is_not_major(xihu_staff, unit):
    add(xihu_staff, unit, "液氯", 4.9, cas="7782-50-5")
    unit.refresh_from_db()
    assert unit.is_major is False
    assert unit.grade == ""
    assert unit.r_value is None
    assert HazardSource.objects.get().is_major is False


def test_an_ungradable_inventory_says_why(xihu_staff, unit):
    add(xihu_staff, unit, "某混合溶剂", 10, hazard_category="W5.4")
    HazardChemical.objects.update(hazard_category="")  # an old record without a category
    from yingji.registry.services import grade_sources

    grade_sources([unit.source_id])
    unit.refresh_from_db()
    assert unit.grade == ""
    assert "某混合溶剂" in unit.grading_note


def test_the_detail_page_shows_the_grade(client, xihu_staff, unit):
    add(xihu_staff, unit, "液氯", 30, cas="7782-50-5")
    client.force_login(xihu_staff)
    page = client.get(f"/registry/hazard_sources/{unit.source_id}/").content.decode()
    assert "三级" in page  # R = 1.5 × 4 × 6 = 36
