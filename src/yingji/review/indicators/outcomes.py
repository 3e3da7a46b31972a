"""Outcomes measured against GDP — deaths per 100 million yuan (亿元GDP死亡率, with the
accidents app's kernel and county GDP table) and direct disaster loss as a share of GDP — and
the accident evaluation coverage the accidents app defines (评估 ÷ investigations closed).

Both GDP ratios exist for a county or anything larger (GDP is kept per county) and for the
latest calendar year, up to ``as_of``, for which the table holds GDP; a region with a county
lacking that year's GDP gets no figure rather than a ratio over a partial sum.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Max, Q, Sum
from django.utils import timezone

from yingji.accidents.models import Accident, RegionEconomy
from yingji.accidents.models import State as InvestigationState
from yingji.incidents.models import Incident
from yingji.kernels import accident_stats
from yingji.regions.models import Level, Region
from yingji.review.indicators import base
from yingji.review.indicators.base import Result, Row

COUNTY = 6


def gdp_year(scope: str, as_of: dt.date) -> int | None:
    rows = base.within(RegionEconomy.objects.filter(year__lte=as_of.year), "region__path", scope)
    year = rows.aggregate(y=Max("year"))["y"]
    return int(year) if year is not None else None


def _year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime(year, 1, 1))  # noqa: DTZ001 - made aware
    return start, start.replace(year=year + 1)


def _gdp_ratio(scope: str, as_of: dt.date, amounts: dict[str, Decimal], scale: Decimal) -> Result:
    """``amounts`` per child (and the scope's own key) ÷ the child's GDP in 亿元 × ``scale``."""
    year = gdp_year(scope, as_of)
    if len(scope) > COUNTY or year is None:
        return Result(None, None, None, [], note="GDP is kept per county: no figure here")
    counties = list(
        base.within(Region.objects.filter(level=Level.COUNTY), "path", scope).values_list(
            "path", flat=True
        )
    )
    gdp = dict(
        base.within(RegionEconomy.objects.filter(year=year), "region__path", scope).values_list(
            "region__path", "gdp_100m_yuan"
        )
    )
    size = base.child_length(scope) or len(scope)
    groups: dict[str, list[str]] = defaultdict(list)
    for county in counties:
        groups[county[:size] if size <= COUNTY else scope].append(county)

    def figure(num: Decimal, members: list[str]) -> tuple[float | None, float | None]:
        if not members or any(gdp.get(c) is None for c in members):
            return None, None
        total = sum((Decimal(gdp[c]) for c in members), Decimal(0))
        return (float((num / total * scale).quantize(accident_stats.RATE_PLACES))
                if total > 0 else None), float(total)  # fmt: skip

    rows = []
    for path, name in base.children(scope).items():
        num = amounts.get(path, Decimal(0))
        value, den = figure(num, groups.get(path, []))
        rows.append(Row(path, name, value, float(num), den))
    total_num = sum(amounts.values(), Decimal(0))
    value, den = figure(total_num, counties)
    return Result(value, float(total_num), den, rows, note=f"year {year}")


def deaths_per_gdp(scope: str, as_of: dt.date) -> Result:
    year = gdp_year(scope, as_of) or as_of.year
    start, end = _year_bounds(year)
    live = Accident.objects.filter(voided_at__isnull=True, occurred_at__gte=start,
                                   occurred_at__lt=end)  # fmt: skip
    table = base.grouped(live, "region_path", scope, dead=Sum("dead"))
    deaths = {key: Decimal(row["dead"] or 0) for key, row in table.items()}
    return _gdp_ratio(scope, as_of, deaths, Decimal(1))


def disaster_loss_share(scope: str, as_of: dt.date) -> Result:
    """Direct loss of the year's natural-disaster incidents (drills excluded) ÷ GDP, in %."""
    year = gdp_year(scope, as_of) or as_of.year
    start, end = _year_bounds(year)
    events = Incident.objects.filter(category="natural", exercise=False, occurred_at__gte=start,
                                     occurred_at__lt=end)  # fmt: skip
    table = base.grouped(events, "region_path", scope, loss=Sum("direct_loss_yuan"))
    # yuan ÷ (亿元 × 10^8) × 100 %  =  yuan ÷ 亿元 × 10^-6
    losses = {key: Decimal(row["loss"] or 0) for key, row in table.items()}
    return _gdp_ratio(scope, as_of, losses, Decimal("0.000001"))


def evaluation_coverage(scope: str, as_of: dt.date) -> Result:
    """As :func:`yingji.accidents.selectors.coverage`: evaluated ÷ investigations closed."""
    live = Accident.objects.filter(voided_at__isnull=True)
    table = base.grouped(
        live, "region_path", scope,
        den=Count("pk", filter=Q(investigation__state=InvestigationState.CLOSED)),
        num=Count("pk", filter=Q(evaluation__isnull=False)),
    )  # fmt: skip
    return base.ratio_result(scope, base.pairs(table, "num", "den"))
