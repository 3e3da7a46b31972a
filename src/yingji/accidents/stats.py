"""Accident statistics for a region and a year (or a date range), as the page, the API and
the tests read them: counts, deaths, missing, serious injuries and loss; by industry (GB/T
4754 section), by child region, by accident type and by grade; the monthly trend; the five
years up to the period with year-over-year change; deaths per 100 million yuan of GDP; and
the evaluation coverage.

The rows come from :func:`yingji.accidents.selectors.visible` (the actor's jurisdiction, or an
enterprise user's own enterprise), voided records left out; the counting itself is the pure
:mod:`yingji.kernels.accident_stats`, whose docstring defines every figure. Two queries read
the accidents and the GDP, whatever the size of the region.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from django.db.models import QuerySet
from django.utils import timezone

from yingji.accidents import selectors
from yingji.accidents.catalogue import GRADE_NAMES, AccidentType
from yingji.accidents.models import Accident, RegionEconomy
from yingji.core.errors import InvalidInput
from yingji.core.scoping import region_for
from yingji.hazards.stats import SECTIONS
from yingji.kernels import accident_stats as kernel
from yingji.kernels import codes
from yingji.regions.models import Level, Region

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yingji.core.models import User

    Actor = User | AnonymousUser

YEARS: Final = 5  # the year-over-year table: the period's year and the four before
MAX_DAYS: Final = 366 * 5
NO_SECTION: Final = "未注明行业"


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date
    year: int | None  # a whole calendar year (the death rate needs one)


def period(year: Any = None, start: Any = None, end: Any = None) -> Period:
    """A calendar year (default: this year), or a checked date range."""
    if start or end:
        first, last = _date(start, "start"), _date(end, "end")
        if first > last:
            raise InvalidInput(f"start: {first} lies after end {last}", field="start")
        if (last - first).days > MAX_DAYS:
            raise InvalidInput("end: a range covers at most five years", field="end")
        whole = first == dt.date(first.year, 1, 1) and last == dt.date(first.year, 12, 31)
        return Period(first, last, first.year if whole else None)
    text = str(year if year not in (None, "") else timezone.localdate().year).strip()
    if not (text.isascii() and text.isdigit() and len(text) == 4 and 1990 <= int(text) <= 2100):
        raise InvalidInput(f"year: {text[:10]!r} is not a year", field="year")
    number = int(text)
    return Period(dt.date(number, 1, 1), dt.date(number, 12, 31), number)


def _date(raw: Any, name: str) -> dt.date:
    if isinstance(raw, dt.date):
        return raw
    try:
        return dt.date.fromisoformat(str(raw or "").strip()[:10])
    except ValueError:
        raise InvalidInput(
            f"{name}: {str(raw)[:20]!r} is not a date (YYYY-MM-DD)", field=name
        ) from None


def _in(qs: QuerySet[Accident], region: Region, start: dt.date, end: dt.date) -> QuerySet[Accident]:
    low, high = codes.subtree_bounds(region.path)
    first = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    after = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min))
    return qs.filter(
        voided_at__isnull=True,
        region_path__gte=low,
        region_path__lt=high,
        occurred_at__gte=first,
        occurred_at__lt=after,
    )


def records(qs: QuerySet[Accident]) -> list[kernel.Record]:
    rows = qs.values_list(
        "occurred_at",
        "region_path",
        "industry_code",
        "accident_type",
        "grade",
        "dead",
        "missing",
        "seriously_injured",
        "direct_loss_yuan",
    )
    return [
        kernel.Record(
            day=timezone.localtime(at).date(),
            region=path,
            section=(industry or "")[:1],
            kind=kind,
            grade=grade,
            dead=dead,
            missing=missing,
            injured=injured,
            loss_yuan=Decimal(loss),
        )
        for at, path, industry, kind, grade, dead, missing, injured, loss in rows
    ]


def counties_in(region: Region) -> dict[str, str]:
    """County path → name of the counties in the region's subtree (none below a county)."""
    if len(region.path) > 6:
        return {}
    low, high = codes.subtree_bounds(region.path)
    rows = Region.objects.filter(level=Level.COUNTY, path__gte=low, path__lt=high)
    return dict(rows.order_by("path").values_list("path", "name"))


def gdp_by_year(counties: Iterable[str], years: Iterable[int]) -> dict[int, dict[str, Decimal]]:
    table: dict[int, dict[str, Decimal]] = {year: {} for year in years}
    rows = RegionEconomy.objects.filter(region__path__in=list(counties), year__in=list(table))
    for path, year, gdp in rows.values_list("region__path", "year", "gdp_100m_yuan"):
        table[year][path] = gdp
    return table


def _rate(deaths: int, counties: dict[str, str], gdp: dict[str, Decimal]) -> dict[str, Any]:
    rate = kernel.death_rate(deaths, list(counties), gdp)
    body = rate.as_dict()
    body["missing_gdp"] = [{"path": p, "name": counties.get(p, p)} for p in rate.missing]
    return body


def _rows(groups: dict[str, kernel.Totals], label: dict[str, str]) -> list[dict[str, Any]]:
    return [
        {"key": key, "label": label.get(key, key), **figures.as_dict()}
        for key, figures in groups.items()
    ]


def statistics(
    actor: Actor, *, region: str = "", year: Any = None, start: Any = None, end: Any = None
) -> dict[str, Any]:
    """Everything the statistics page shows, JSON-ready (amounts and rates as strings)."""
    p = period(year, start, end)
    enterprise = selectors.is_enterprise_user(actor)
    # An enterprise's accidents count wherever they happened: its statistics span the province.
    place = Region.objects.get(path="33") if enterprise else region_for(actor, region)
    first_year = p.end.year - YEARS + 1
    since = min(p.start, dt.date(first_year, 1, 1))
    history = records(_in(selectors.visible(actor), place, since, dt.date(p.end.year, 12, 31)))
    current = [r for r in history if p.start <= r.day <= p.end]
    counties = {} if enterprise else counties_in(place)
    years = list(range(first_year, p.end.year + 1))
    gdp = gdp_by_year(counties, years)
    by_year = kernel.yearly(history, years)
    totals = kernel.totals(current)
    yearly = []
    for number in years:
        figures, last = by_year[number], by_year.get(number - 1)
        yearly.append(
            {
                "year": number,
                **figures.as_dict(),
                "rate": _rate(figures.dead, counties, gdp[number]) if not enterprise else None,
                "change_accidents": kernel.change(figures.accidents, last.accidents)
                if last
                else None,
                "change_dead": kernel.change(figures.dead, last.dead) if last else None,
            }
        )
    if enterprise:
        rate: dict[str, Any] | None = {"value": None, "reason": "enterprise", "missing_gdp": []}
    elif p.year is None:
        rate = {"value": None, "reason": "not_a_year", "missing_gdp": []}
    else:
        rate = _rate(totals.dead, counties, gdp[p.year])
    children = kernel.grouped(current, kernel.child_key(place.path))
    names = dict(Region.objects.filter(path__in=list(children)).values_list("path", "name"))
    in_scope = _in(selectors.visible(actor), place, p.start, p.end)
    return {
        "region": {
            "code": codes.display(place.code),
            "path": place.path,
            "name": place.name,
            "level": place.level,
        },
        "period": {"start": p.start.isoformat(), "end": p.end.isoformat(), "year": p.year},
        "totals": totals.as_dict(),
        "rate": rate,
        "by_industry": _rows(
            kernel.grouped(current, lambda r: r.section), {**SECTIONS, "": NO_SECTION}
        ),
        "by_region": _rows(children, names),
        "by_type": _rows(kernel.grouped(current, lambda r: r.kind), dict(AccidentType.choices)),
        "by_grade": _rows(
            kernel.grouped(current, lambda r: str(r.grade)),
            {str(i): name for i, name in enumerate(GRADE_NAMES)},
        ),
        "monthly": [
            {"month": m, **t.as_dict()} for m, t in kernel.monthly(current, p.start, p.end)
        ],
        "yearly": yearly,
        "coverage": selectors.coverage(in_scope),
    }
