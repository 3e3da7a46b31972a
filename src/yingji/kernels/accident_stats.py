"""Accident statistics over plain records: totals, groupings, trends and the death rate per
100 million yuan of GDP (亿元GDP生产安全事故死亡率). No Django: the accidents app reads the rows
and the county GDP, this module counts.

Definitions (the statistics page states them too):

- **deaths** are the ``dead`` figure only. People missing (失踪) are reported next to it and
  are *not* added: a missing person may still be found, and mixing the two would make a
  county's death figure change when nobody died. Official tables that count "死亡（含失踪）"
  can be rebuilt from the two columns.
- **injured** is the serious-injury figure of Decree 493 (重伤, acute industrial poisoning
  included).
- **death rate** = deaths in a calendar year ÷ the GDP of that year, in 亿元, summed over the
  counties in scope. GDP is kept per county, so the rate exists for a county or anything
  larger; when any county in scope lacks that year's GDP the rate is withheld and the
  counties are named, rather than dividing by a partial sum (which would overstate it).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final

__all__ = [
    "RATE_PLACES",
    "Rate",
    "Record",
    "Totals",
    "change",
    "child_key",
    "death_rate",
    "grouped",
    "monthly",
    "totals",
    "yearly",
]

PATH_LENGTHS: Final = (2, 4, 6, 9, 12)
COUNTY_LENGTH: Final = 6
RATE_PLACES: Final = Decimal("0.000001")


@dataclass(frozen=True)
class Record:
    """One accident as the statistics see it."""

    day: dt.date  # local date of the accident
    region: str  # short code of the accident's region (materialised path)
    section: str  # GB/T 4754 section letter ("" when unknown)
    kind: str  # GB 6441 accident type
    grade: int  # 0 一般 … 3 特别重大
    dead: int
    missing: int
    injured: int
    loss_yuan: Decimal


@dataclass
class Totals:
    accidents: int = 0
    dead: int = 0
    missing: int = 0
    injured: int = 0
    loss_yuan: Decimal = field(default_factory=Decimal)

    def add(self, record: Record) -> None:
        self.accidents += 1
        self.dead += record.dead
        self.missing += record.missing
        self.injured += record.injured
        self.loss_yuan += record.loss_yuan

    def as_dict(self) -> dict[str, Any]:
        return {
            "accidents": self.accidents,
            "dead": self.dead,
            "missing": self.missing,
            "injured": self.injured,
            "loss_yuan": str(self.loss_yuan),
        }


def totals(records: Iterable[Record]) -> Totals:
    out = Totals()
    for record in records:
        out.add(record)
    return out


def grouped(records: Iterable[Record], key: Callable[[Record], str]) -> dict[str, Totals]:
    """Totals per key, keys sorted (so a table reads the same every time)."""
    groups: dict[str, Totals] = defaultdict(Totals)
    for record in records:
        groups[key(record)].add(record)
    return {name: groups[name] for name in sorted(groups)}


def child_key(scope: str) -> Callable[[Record], str]:
    """Groups records by the child region of ``scope`` they lie in (a county's townships, a
    city's counties). A record placed at the scope itself, or a scope that has no children,
    keeps the scope's own code."""
    if len(scope) not in PATH_LENGTHS or not scope.isdigit():
        raise ValueError(f"not a region path: {scope!r}")
    deeper = [n for n in PATH_LENGTHS if n > len(scope)]
    if not deeper:
        return lambda record: scope
    length = deeper[0]

    def key(record: Record) -> str:
        if not record.region.startswith(scope):
            raise ValueError(f"record in {record.region} lies outside the scope {scope}")
        return record.region[:length] if len(record.region) >= length else record.region

    return key


def monthly(records: Iterable[Record], start: dt.date, end: dt.date) -> list[tuple[str, Totals]]:
    """``[("YYYY-MM", totals)]`` for every month from ``start`` to ``end`` (empty ones too),
    counting the records whose day lies within ``[start, end]``."""
    if start > end:
        raise ValueError(f"start {start} lies after end {end}")
    months: dict[str, Totals] = {}
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        months[f"{year:04d}-{month:02d}"] = Totals()
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    for record in records:
        if start <= record.day <= end:
            months[f"{record.day.year:04d}-{record.day.month:02d}"].add(record)
    return list(months.items())


def yearly(records: Iterable[Record], years: Sequence[int]) -> dict[int, Totals]:
    """Totals per year for each of ``years`` (a year without records has zero totals)."""
    out = {year: Totals() for year in years}
    for record in records:
        if record.day.year in out:
            out[record.day.year].add(record)
    return out


def change(current: int | Decimal, previous: int | Decimal) -> float | None:
    """Year-over-year change as a fraction (0.25 = +25 %); None when last year had none."""
    if not previous:
        return None
    return round(float((Decimal(current) - Decimal(previous)) / Decimal(previous)), 4)


@dataclass(frozen=True)
class Rate:
    """Deaths per 亿元 of GDP for a year, or why it is not given."""

    value: Decimal | None
    deaths: int
    gdp_100m_yuan: Decimal | None  # the sum over the counties in scope, when all are known
    missing: tuple[str, ...] = ()  # counties in scope without GDP for the year
    reason: str = ""  # "" | "no_counties" | "missing_gdp" | "zero_gdp"

    def as_dict(self) -> dict[str, Any]:
        return {
            "value": None if self.value is None else str(self.value),
            "deaths": self.deaths,
            "gdp_100m_yuan": None if self.gdp_100m_yuan is None else str(self.gdp_100m_yuan),
            "missing_gdp": list(self.missing),
            "reason": self.reason,
        }


def death_rate(
    deaths: int, counties: Sequence[str], gdp_100m_yuan: Mapping[str, Decimal | None]
) -> Rate:
    """Deaths ÷ the summed GDP (亿元) of ``counties``; 亿元 = 100 million yuan, so this *is*
    deaths per 100 million yuan. Rounded to six decimals (a province's rate is ~0.01)."""
    if isinstance(deaths, bool) or not isinstance(deaths, int) or deaths < 0:
        raise ValueError(f"deaths must be a whole number ≥ 0, got {deaths!r}")
    wrong = [c for c in counties if len(c) != COUNTY_LENGTH or not c.isdigit()]
    if wrong:
        raise ValueError(f"not a county code: {wrong[0]!r}")
    if not counties:
        return Rate(None, deaths, None, (), "no_counties")
    missing = tuple(sorted(c for c in set(counties) if gdp_100m_yuan.get(c) is None))
    if missing:
        return Rate(None, deaths, None, missing, "missing_gdp")
    total = sum((Decimal(gdp_100m_yuan[c] or 0) for c in set(counties)), Decimal(0))
    if total <= 0:
        return Rate(None, deaths, total, (), "zero_gdp")
    return Rate((Decimal(deaths) / total).quantize(RATE_PLACES), deaths, total)
