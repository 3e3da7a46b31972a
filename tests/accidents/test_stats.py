"""Done means: accident statistics for a county and a year match an independent count done
here, in plain Python over the same fixed list, including the deaths per 100 million yuan of
GDP; a city sums its counties; a county with no GDP for a year is named and no rate shown;
voided records and other jurisdictions never count; an enterprise sees its own only."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any, NamedTuple

import pytest
from django.utils import timezone

from yingji.accidents import stats
from yingji.accidents.models import Accident, RegionEconomy
from yingji.accidents.services import records
from yingji.core.errors import InvalidInput, NotFound
from yingji.regions.models import Level, Region

pytestmark = pytest.mark.django_db
HANGZHOU_GDP_2025 = Decimal("1234.5678")  # every other Hangzhou county, each year


class Case(NamedTuple):
    region: str  # township, 9 digits
    day: dt.date
    kind: str
    industry: str  # GB/T 4754 code ("" unknown)
    dead: int
    missing: int
    injured: int
    loss: str  # yuan


CASES = [
    Case("330106002", dt.date(2025, 1, 3), "machinery", "C3411", 1, 0, 0, "800000"),
    Case("330106002", dt.date(2025, 1, 28), "fall", "E4720", 2, 1, 3, "1200000"),
    Case("330106004", dt.date(2025, 3, 15), "fire", "H6110", 0, 0, 12, "3000000.50"),
    Case("330106004", dt.date(2025, 6, 30), "electric", "", 1, 0, 0, "250000"),
    Case("330106005", dt.date(2025, 7, 1), "vehicle", "G5430", 3, 2, 1, "600000"),
    Case("330106005", dt.date(2025, 12, 31), "collapse", "E4720", 0, 0, 0, "12000000"),
    Case("330106007", dt.date(2025, 9, 9), "poisoning", "C2614", 4, 0, 2, "5000000"),
    Case("330106002", dt.date(2024, 2, 2), "machinery", "C3411", 1, 0, 0, "300000"),
    Case("330106004", dt.date(2024, 5, 5), "fall", "E4720", 2, 0, 1, "900000"),
    Case("330106005", dt.date(2024, 8, 8), "fire", "H6110", 1, 1, 0, "450000"),
    Case("330106007", dt.date(2023, 4, 4), "drowning", "N7810", 1, 0, 0, "0"),
    Case("330106002", dt.date(2022, 10, 10), "lifting", "C3411", 2, 0, 0, "2000000"),
    Case("330106002", dt.date(2026, 1, 5), "machinery", "C3411", 1, 0, 0, "100000"),
    Case("330108001", dt.date(2025, 2, 14), "machinery", "C3971", 1, 0, 0, "700000"),
    Case("330108002", dt.date(2025, 11, 11), "fall", "E4720", 10, 0, 0, "9000000"),
    Case("330108003", dt.date(2024, 3, 3), "electric", "C3971", 1, 0, 0, "120000"),
    Case("330108001", dt.date(2023, 7, 7), "fire", "", 2, 0, 0, "3000000"),
]
GDP = {  # 亿元, by county and year; 滨江区 2023 is left out on purpose
    ("330106", 2022): "2000.1",
    ("330106", 2023): "2104.2",
    ("330106", 2024): "2250.3",
    ("330106", 2025): "2412.7",
    ("330106", 2026): "2500",
    ("330108", 2022): "2100",
    ("330108", 2024): "2300.8",
    ("330108", 2025): "2480.25",
    ("330108", 2026): "2600",
}


def local(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def grade_of(dead: int, injured: int, loss: Decimal) -> int:
    """Decree 493 Art. 3 written out again here, so the test does not trust the kernel."""
    by_dead = 3 if dead >= 30 else 2 if dead >= 10 else 1 if dead >= 3 else 0
    by_injured = 3 if injured >= 100 else 2 if injured >= 50 else 1 if injured >= 10 else 0
    by_loss = 3 if loss >= 10**8 else 2 if loss >= 5 * 10**7 else 1 if loss >= 10**7 else 0
    return max(by_dead, by_injured, by_loss)


@pytest.fixture
def world(people):
    for case in CASES:
        records.record_accident(
            actor=people.province,
            data={
                "title": f"{case.kind} {case.day}",
                "summary": "统计测试",
                "region": case.region,
                "occurred_at": local(case.day).isoformat(),
                "accident_type": case.kind,
                "industry_code": case.industry,
                "dead": case.dead,
                "missing": case.missing,
                "seriously_injured": case.injured,
                "direct_loss_yuan": case.loss,
            },
        )
    # Never counted: a voided record, and a record in another city.
    gone = records.record_accident(
        actor=people.province,
        data={
            "title": "误录",
            "summary": "x",
            "region": "330106002",
            "accident_type": "other",
            "occurred_at": local(dt.date(2025, 5, 5)).isoformat(),
            "dead": 5,
        },
    )
    records.void_accident(actor=people.province, pk=gone.pk, reason="重复录入的记录")
    records.record_accident(
        actor=people.province,
        data={
            "title": "宁波",
            "summary": "x",
            "region": "330203",
            "accident_type": "other",
            "occurred_at": local(dt.date(2025, 5, 5)).isoformat(),
            "dead": 7,
        },
    )
    for (county, year), gdp in GDP.items():
        RegionEconomy.objects.create(
            region_id=county + "000000", year=year, gdp_100m_yuan=Decimal(gdp), source="测试"
        )
    others = Region.objects.filter(level=Level.COUNTY, path__startswith="3301").exclude(
        path__in=["330106", "330108"]
    )
    for county in others:
        for year in range(2022, 2027):
            RegionEconomy.objects.create(
                region=county, year=year, gdp_100m_yuan=HANGZHOU_GDP_2025, source="测试"
            )
    return people


def expected(prefix: str, year: int) -> dict[str, Any]:
    """The figures counted independently from CASES."""
    rows = [c for c in CASES if c.region.startswith(prefix) and c.day.year == year]
    total = {
        "accidents": len(rows),
        "dead": sum(c.dead for c in rows),
        "missing": sum(c.missing for c in rows),
        "injured": sum(c.injured for c in rows),
        "loss_yuan": str(sum((Decimal(c.loss) for c in rows), Decimal("0.00"))),
    }
    by: dict[str, dict[str, int]] = {
        "type": defaultdict(int),
        "section": defaultdict(int),
        "region": defaultdict(int),
        "grade": defaultdict(int),
    }
    dead_by_region: dict[str, int] = defaultdict(int)
    for c in rows:
        by["type"][c.kind] += 1
        by["section"][c.industry[:1]] += 1
        child = c.region[: len(prefix) + (2 if len(prefix) == 4 else 3)]
        by["region"][child] += 1
        dead_by_region[child] += c.dead
        by["grade"][str(grade_of(c.dead, c.injured, Decimal(c.loss)))] += 1
    months = defaultdict(int)
    for c in rows:
        months[c.day.month] += 1
    return {"total": total, "by": by, "dead_by_region": dead_by_region, "months": months}


def keyed(rows: list[dict[str, Any]], figure: str = "accidents") -> dict[str, int]:
    return {row["key"]: row[figure] for row in rows}


def test_a_county_year_matches_the_independent_count(world):
    got = stats.statistics(world.county, year=2025)
    want = expected("330106", 2025)
    assert got["region"]["path"] == "330106"
    assert got["totals"] == want["total"]
    assert keyed(got["by_type"]) == want["by"]["type"]
    assert keyed(got["by_industry"]) == want["by"]["section"]
    assert keyed(got["by_region"]) == want["by"]["region"]
    assert keyed(got["by_region"], "dead") == want["dead_by_region"]
    assert keyed(got["by_grade"]) == want["by"]["grade"]
    assert [m["accidents"] for m in got["monthly"]] == [want["months"][m] for m in range(1, 13)]
    # deaths per 100 million yuan: dead (missing not added) ÷ the county's GDP in 亿元
    rate = Decimal(want["total"]["dead"]) / Decimal(GDP[("330106", 2025)])
    assert got["rate"]["reason"] == ""
    assert Decimal(got["rate"]["value"]) == rate.quantize(Decimal("0.000001"))
    assert float(got["rate"]["value"]) == pytest.approx(11 / 2412.7, abs=1e-6)
    labels = {row["key"]: row["label"] for row in got["by_industry"]}
    assert labels["C"] == "制造业" and labels[""] == "未注明行业"


def test_five_years_with_rates_and_year_over_year_change(world):
    got = stats.statistics(world.county, year=2025)
    years = {row["year"]: row for row in got["yearly"]}
    assert list(years) == [2021, 2022, 2023, 2024, 2025]
    for year in (2022, 2023, 2024, 2025):
        want = expected("330106", year)["total"]
        assert years[year]["accidents"] == want["accidents"]
        assert years[year]["dead"] == want["dead"]
        rate = Decimal(want["dead"]) / Decimal(GDP[("330106", year)])
        assert Decimal(years[year]["rate"]["value"]) == rate.quantize(Decimal("0.000001"))
    assert years[2021]["rate"]["reason"] == "missing_gdp"
    assert years[2025]["change_accidents"] == pytest.approx((7 - 3) / 3, abs=1e-4)
    assert years[2022]["change_accidents"] is None  # 2021 had none


def test_a_city_sums_its_counties_and_names_a_county_without_gdp(world):
    got = stats.statistics(world.city, year=2025, region="3301")
    want = {
        k: a + b
        for k, a, b in (
            (k, expected("330106", 2025)["total"][k], expected("330108", 2025)["total"][k])
            for k in ("accidents", "dead", "missing", "injured")
        )
    }
    assert {k: got["totals"][k] for k in want} == want
    assert keyed(got["by_region"]) == {"330106": 7, "330108": 2}
    gdp = Decimal(GDP[("330106", 2025)]) + Decimal(GDP[("330108", 2025)]) + 11 * HANGZHOU_GDP_2025
    assert Decimal(got["rate"]["gdp_100m_yuan"]) == gdp
    assert Decimal(got["rate"]["value"]) == (Decimal(want["dead"]) / gdp).quantize(
        Decimal("0.000001")
    )
    missing = stats.statistics(world.city, year=2023, region="3301")["rate"]
    assert (missing["value"], missing["reason"]) == (None, "missing_gdp")
    assert missing["missing_gdp"] == [{"path": "330108", "name": "滨江区"}]


def test_below_a_county_there_is_no_rate_and_ranges_have_none(world):
    township = stats.statistics(world.county, year=2025, region="330106002")
    assert township["totals"]["accidents"] == 2
    assert township["rate"]["reason"] == "no_counties"
    spring = stats.statistics(world.county, start="2025-01-01", end="2025-03-31")
    assert spring["totals"]["accidents"] == 3 and spring["rate"]["reason"] == "not_a_year"
    assert [m["month"] for m in spring["monthly"]] == ["2025-01", "2025-02", "2025-03"]
    whole = stats.statistics(world.county, start="2025-01-01", end="2025-12-31")
    assert whole["rate"]["value"] == stats.statistics(world.county, year=2025)["rate"]["value"]


def test_scoping_a_county_never_sees_another(world):
    with pytest.raises(NotFound):
        stats.statistics(world.county, year=2025, region="330108")
    bj = stats.statistics(world.other_county, year=2025)
    assert bj["totals"]["accidents"] == expected("330108", 2025)["total"]["accidents"]
    assert bj["totals"]["dead"] == 11


def test_an_enterprise_user_counts_its_own_accidents_only(world):
    Accident.objects.filter(
        pk=Accident.objects.filter(region_path="330106002").order_by("pk").first().pk
    ).update(enterprise=world.factory)
    got = stats.statistics(world.manager, year=2025)
    assert got["totals"]["accidents"] == 1
    records.record_accident(
        actor=world.city,
        data={
            "title": "外地施工",
            "summary": "x",
            "region": "330108002",
            "accident_type": "fall",
            "occurred_at": local(dt.date(2025, 8, 8)).isoformat(),
            "enterprise": world.factory.pk,
        },
    )
    got = stats.statistics(world.manager, year=2025, region="330106")  # the region is ignored
    assert got["totals"]["accidents"] == 2 and got["region"]["path"] == "33"
    assert got["rate"]["reason"] == "enterprise"
    assert stats.statistics(world.other_manager, year=2025)["totals"]["accidents"] == 0


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ({"year": "20x5"}, "year"),
        ({"year": "1066"}, "year"),
        ({"start": "2025-02-30"}, "start"),
        ({"start": "2025-05-01", "end": "2025-01-01"}, "start"),
        ({"start": "2015-01-01", "end": "2025-01-01"}, "end"),
        ({"region": "33x"}, "region"),
    ],
)
def test_bad_parameters_name_the_field(world, args, field):
    with pytest.raises(InvalidInput) as caught:
        stats.statistics(world.county, **args)
    assert caught.value.field == field


def test_evaluation_coverage_counts_closed_and_evaluated(world):
    got = stats.statistics(world.county, year=2025)
    assert got["coverage"] == {"closed": 0, "evaluated": 0, "rate": None}
