"""Each computed plan target against an independent count on a small fixture: Hangzhou (3301)
as the scope, 西湖区 (330106) and 滨江区 (330108) holding the records."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.review.conftest import (
    NOW,
    TODAY,
    accident,
    ack,
    force,
    gdp,
    incident,
    plan,
    region,
    relief,
    shelter,
    task,
    volunteer,
    warning,
)
from yingji.alerts.measures import measures
from yingji.review.indicators import BY_ID

pytestmark = pytest.mark.django_db


def compute(indicator: str, scope: str = "3301"):
    return BY_ID[indicator].compute(scope, TODAY)


def row(result, path):
    return next(r for r in result.by_region if r.path == path)


def test_lead_time_is_the_mean_of_the_warning_measures_lead_times(offices):
    author = offices["county"]
    made = [warning("330106", author, lead_minutes=m) for m in (30, 90, 75)]
    warning("330108", author, lead_minutes=120)
    warning("330106", author, lead_minutes=5, event_type="geohazard")  # not weather
    warning("330106", author, lead_minutes=5, issued=NOW - dt.timedelta(days=400))  # too old
    warning("330106", author, lead_minutes=5, onset=None)  # no onset: not measurable
    xihu = [measures(w)["lead_time_minutes"] for w in made]
    result = compute("warning-lead-time")
    assert row(result, "330106").value == pytest.approx(sum(xihu) / 3, abs=0.05)
    assert (row(result, "330106").num, row(result, "330106").den) == (2, 3)  # ≥ 60: 90 and 75
    assert row(result, "330108").value == 120
    assert result.value == pytest.approx((30 + 90 + 75 + 120) / 4, abs=0.05)
    assert BY_ID["warning-lead-time"].status(result.value) == "met"


def test_ack_rate_counts_answered_people(offices):
    warn = warning("3301", offices["city"], lead_minutes=60)
    for answered in (True, True, False):
        ack(warn, "330106002051", answered=answered)
    ack(warn, "330108001001", answered=False)
    result = compute("warning-ack-rate")
    assert (result.num, result.den, result.value) == (2, 4, 50.0)
    assert row(result, "330106").value == pytest.approx(200 / 3, abs=1e-3)


def test_relief_within_ten_hours_counts_decided_groups_only(offices):
    author = offices["county"]
    old = incident("330106", author, occurred=NOW - dt.timedelta(days=2))
    relief(old, author, "330106002051", met_after_hours=4)  # on time
    relief(old, author, "330106002051", met_after_hours=10)  # exactly 10 h: on time
    relief(old, author, None, met_after_hours=11)  # late (incident's county)
    relief(old, author, "330106002052", met_after_hours=None)  # open past 10 h: late
    fresh = incident("330108", author, occurred=NOW - dt.timedelta(hours=2))
    relief(fresh, author, None, met_after_hours=None)  # still within its 10 hours: undecided
    result = compute("relief-within-10h")
    assert (result.num, result.den) == (2, 4)
    assert result.value == 50.0
    assert row(result, "330108").den == 0 and row(result, "330108").value is None


def test_firefighters_and_volunteers_per_population():
    force("330106", members=300)
    force("330106002", members=200)
    force("330106", kind="social", members=999)  # not a firefighter
    force("330108", members=100, voided_at=NOW)  # voided
    for _ in range(3):
        volunteer("330108001")
    population = region("330106").population
    fire = compute("firefighters-per-population")
    assert row(fire, "330106").value == pytest.approx(500 / population * 1000, rel=1e-3)
    assert fire.num == 500
    assert fire.den == region("3301").population
    assert row(fire, "330108").value == 0
    people = compute("volunteers-per-residents")
    assert row(people, "330108").value == pytest.approx(
        3 / region("330108").population * 1000, rel=1e-3
    )


def test_shelter_standardisation_and_visualisation():
    shelter("330106002051", standardised=True)
    shelter("330106002", standardised=True, level="township", visualised=False)
    shelter("330106002", standardised=False, level="township")
    shelter("330108001001", standardised=False, visualised=False)
    shelter("330108001001", standardised=True, voided_at=NOW)  # voided: not counted
    assert compute("shelters-standardised").value == 50.0
    assert row(compute("shelters-standardised"), "330108").value == 0
    assert compute("township-shelters-standardised").value == 50.0
    assert compute("shelters-visualised").value == 50.0


def test_safety_standardisation_groups(make_enterprise):
    make_enterprise("330106002")  # grade1, above scale, C3311
    make_enterprise("330106002", safety_grade="below", scale="below")
    make_enterprise("330108001", safety_grade="", industry_code="B0610", scale="below")
    make_enterprise("330108001", safety_grade="grade3", hazchem_role="produce",
                    industry_code="C2614", in_chemical_park=True)  # fmt: skip
    make_enterprise("330108001", safety_grade="below", hazchem_role="produce",
                    industry_code="C2614", scale="below")  # fmt: skip
    make_enterprise("330108001", safety_grade="below", voided_at=NOW)  # voided
    overall = compute("safety-standardisation")
    assert (overall.num, overall.den) == (2, 5)
    high = compute("safety-standardisation-high-risk")  # mining + two producers
    assert (high.num, high.den) == (1, 3)
    above = compute("safety-standardisation-above-scale")
    assert (above.num, above.den) == (2, 2)
    parks = compute("hazchem-producers-in-parks")
    assert (parks.num, parks.den, parks.value) == (1, 2, 50.0)


def test_liability_insurance_in_the_listed_industries(make_enterprise):
    later = TODAY + dt.timedelta(days=30)
    make_enterprise("330106002", industry_code="B0610")  # mining, insured
    make_enterprise("330106002", industry_code="E4710", insurance_status="uninsured")
    expired = TODAY - dt.timedelta(days=1)
    make_enterprise("330108001", industry_code="G5430", insurance_expires_on=expired)
    make_enterprise("330108001", hazchem_role="use", insurance_expires_on=later)
    make_enterprise("330108001", industry_code="C1810", insurance_status="uninsured")  # not listed
    result = compute("liability-insurance")
    assert (result.num, result.den, result.value) == (2, 4, 50.0)
    assert row(result, "330108").value == 50.0


def test_electronic_plans_need_roles_and_actions():
    plan("330106", structured=True)
    plan("330106", structured=False)
    plan("330108", structured=True)
    plan("330108", structured=False, status="retired")  # not current
    result = compute("electronic-plans")
    assert (result.num, result.den) == (2, 3)
    assert row(result, "330108").value == 100.0


def test_mobile_enforcement_counts_the_phone_flow(make_enterprise):
    xihu, binjiang = make_enterprise("330106002"), make_enterprise("330108001")
    task(xihu, phone="start")
    task(xihu, phone="finding")
    task(xihu, phone="")
    task(binjiang, kind="key", phone="start")
    task(binjiang, state="in_progress", phone="start")  # not completed
    task(binjiang, phone="start", completed=NOW - dt.timedelta(days=400))  # too old
    random = compute("mobile-enforcement-random")
    assert (random.num, random.den) == (2, 3)
    every = compute("mobile-enforcement-all")
    assert (every.num, every.den) == (3, 4)
    assert row(every, "330108").value == 100.0


def test_accident_evaluation_coverage():
    accident("330106002", closed=True, evaluated=True)
    accident("330106002", closed=True)
    accident("330108001", closed=True, evaluated=True)
    accident("330108001")  # investigation still open: not in the denominator
    result = compute("accident-evaluation")
    assert (result.num, result.den) == (2, 3)
    assert row(result, "330106").value == 50.0


def test_deaths_per_100_million_yuan_of_gdp():
    year = TODAY.year
    counties = list(region("3301").children.values_list("path", flat=True))
    for path in counties:
        gdp(path, year, "1000")
    accident("330106002", dead=3, occurred=NOW)
    accident("330108001", dead=1, occurred=NOW)
    accident("330108001", dead=5, occurred=NOW - dt.timedelta(days=800))  # another year
    result = compute("deaths-per-gdp")
    assert result.value == pytest.approx(4 / (1000 * len(counties)), abs=1e-6)
    assert row(result, "330106").value == pytest.approx(0.003)
    assert BY_ID["deaths-per-gdp"].status(result.value) == "met"
    # a county without GDP withholds the figure rather than dividing by a partial sum
    region_economy = counties[-1]
    from yingji.accidents.models import RegionEconomy

    RegionEconomy.objects.filter(region__path=region_economy).delete()
    assert compute("deaths-per-gdp").value is None


def test_coverage_matches_the_coverage_service():
    from yingji.incidents.services import coverage

    force("330106002", lat=30.26, lon=120.13)
    table = {r["code"]: r for r in coverage.by_county("3301")}
    result = compute("ground-50km-1h")
    for path in ("330106", "330108"):
        if path in table:
            assert row(result, path).num == table[path]["ground"]
            assert row(result, path).den == table[path]["villages"]
    assert result.num == sum(r["ground"] for r in table.values())
    air = compute("aviation-30min")
    assert air.num == sum(r["air"] for r in table.values())
