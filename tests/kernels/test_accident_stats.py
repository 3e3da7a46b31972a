"""The accident statistics kernel: totals, groupings, months, years, change and the death
rate per 100 million yuan of GDP, with its refusals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from yingji.kernels import accident_stats as k


def rec(
    day: str,
    region: str = "330106002",
    *,
    dead: int = 0,
    missing: int = 0,
    injured: int = 0,
    loss: str = "0",
    kind: str = "fall",
    section: str = "C",
    grade: int = 0,
) -> k.Record:
    return k.Record(
        dt.date.fromisoformat(day),
        region,
        section,
        kind,
        grade,
        dead,
        missing,
        injured,
        Decimal(loss),
    )


RECORDS = [
    rec("2025-01-05", dead=1, missing=1, loss="100.50"),
    rec("2025-01-20", "330106004", dead=2, injured=3, kind="fire", section=""),
    rec("2025-03-01", "330106", dead=0, loss="10"),
    rec("2024-12-31", dead=4),
]


def test_totals_keep_missing_apart_from_deaths():
    t = k.totals(RECORDS[:3])
    assert (t.accidents, t.dead, t.missing, t.injured) == (3, 3, 1, 3)
    assert t.loss_yuan == Decimal("110.50")
    assert t.as_dict()["loss_yuan"] == "110.50"


def test_child_regions_of_a_county_are_its_townships():
    groups = k.grouped(RECORDS[:3], k.child_key("330106"))
    assert {key: g.accidents for key, g in groups.items()} == {
        "330106": 1,
        "330106002": 1,
        "330106004": 1,
    }
    assert next(iter(k.grouped(RECORDS, k.child_key("33")))) == "3301"
    assert k.child_key("330106002001")(rec("2025-01-01", "330106002001")) == "330106002001"
    with pytest.raises(ValueError, match="outside"):
        k.child_key("330108")(RECORDS[0])
    with pytest.raises(ValueError, match="not a region path"):
        k.child_key("3301x")


def test_months_cover_the_range_including_empty_ones():
    months = k.monthly(RECORDS, dt.date(2024, 12, 1), dt.date(2025, 2, 28))
    assert [(m, t.accidents) for m, t in months] == [("2024-12", 1), ("2025-01", 2), ("2025-02", 0)]
    with pytest.raises(ValueError, match="lies after"):
        k.monthly(RECORDS, dt.date(2025, 2, 1), dt.date(2025, 1, 1))


def test_years_and_change():
    years = k.yearly(RECORDS, [2023, 2024, 2025])
    assert [years[y].dead for y in (2023, 2024, 2025)] == [0, 4, 3]
    assert k.change(3, 4) == -0.25
    assert k.change(5, 0) is None


def test_death_rate_is_deaths_over_gdp_in_100_million_yuan():
    rate = k.death_rate(
        3, ["330106", "330108"], {"330106": Decimal("2412.7"), "330108": Decimal("2480.25")}
    )
    assert rate.gdp_100m_yuan == Decimal("4892.95")
    assert rate.value == (Decimal(3) / Decimal("4892.95")).quantize(Decimal("0.000001"))
    assert rate.as_dict()["reason"] == ""


def test_a_missing_county_withholds_the_rate_and_is_named():
    rate = k.death_rate(3, ["330108", "330106", "330102"], {"330106": Decimal(1), "330102": None})
    assert (rate.value, rate.reason, rate.missing) == (None, "missing_gdp", ("330102", "330108"))
    assert k.death_rate(1, [], {}).reason == "no_counties"
    assert k.death_rate(1, ["330106"], {"330106": Decimal(0)}).reason == "zero_gdp"


@pytest.mark.parametrize(
    ("deaths", "counties"), [(-1, ["330106"]), (True, ["330106"]), (1.5, ["330106"]), (1, ["3301"])]
)
def test_death_rate_refuses_nonsense(deaths, counties):
    with pytest.raises(ValueError, match=r"deaths|county"):
        k.death_rate(deaths, counties, {"330106": Decimal(1)})
