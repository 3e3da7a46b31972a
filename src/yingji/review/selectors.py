"""Reads for the cockpit: a user's scope region, every indicator's live figure with its
status and trend, and one indicator's drill-down over the scope's child regions.

Scoping is the security model: the scope is the user's home region unless they ask for a
region inside it; anything outside is *not found*. A figure for the scope is computed over
the scope's subtree only, and the drill-down lists the scope's children, so nothing of
another county is ever computed for a county user.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from django.db.models import QuerySet
from django.utils import timezone

from yingji.core.errors import NotFound
from yingji.core.permissions import Cap, require
from yingji.core.scoping import jurisdiction_of
from yingji.kernels import codes
from yingji.regions.models import Region
from yingji.review.indicators import INDICATORS, Indicator, Result, Row, Status, get, status_of
from yingji.review.indicators.base import child_length, children
from yingji.review.models import ManualValue, Snapshot

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yingji.core.models import User

    Actor = User | AnonymousUser

PROVINCE: Final = "33"
Trend = list[tuple[dt.date, float | None]]
TREND_DAYS: Final = 365


@dataclass
class Figure:
    """An indicator's figure for one region: the card and the head of the indicator page."""

    indicator: Indicator
    value: float | None
    num: float | None
    den: float | None
    status: Status
    note: str = ""
    period: str = ""  # manual: the period of the value shown
    manual: ManualValue | None = None
    trend: Trend = field(default_factory=list)
    by_region: list[Row] = field(default_factory=list)


@dataclass
class DrillRow:
    row: Row
    status: Status
    drillable: bool
    units_url: str


def scope_region(actor: Actor, code: str = "") -> Region:
    """The region the actor asks for (default: their home region; the province for a user
    who sees everything), or NotFound when it is not one or outside their jurisdiction."""
    require(actor, Cap.VIEW_REVIEW)
    jurisdiction = jurisdiction_of(actor)
    text = str(code or "").strip()[:12]
    if not text:
        path = jurisdiction.path or (PROVINCE if jurisdiction.everything else "")
    else:
        try:
            path = codes.short(codes.to_12(text))
        except codes.CodeError as exc:
            raise NotFound(f"No region {text!r} in your jurisdiction", field="region") from exc
    region = Region.objects.filter(path=path).first() if path else None
    if region is None or not jurisdiction.covers(region.path):
        raise NotFound(f"No region {text!r} in your jurisdiction", field="region")
    return region


def crumbs(actor: Actor, region: Region) -> list[Region]:
    """The region's ancestors the actor may see, then the region (one query)."""
    jurisdiction = jurisdiction_of(actor)
    paths = [p for p in region.ancestor_paths() if jurisdiction.covers(p)]
    found = {r.path: r for r in Region.objects.filter(path__in=paths)}
    return [found[p] for p in paths if p in found]


def _live_manual(ids: list[str], paths: list[str], as_of: dt.date) -> QuerySet[ManualValue]:
    return ManualValue.objects.filter(
        indicator__in=ids, region_path__in=paths, voided_at__isnull=True,
        period_start__lte=as_of,
    ).select_related("entered_by").order_by("indicator", "region_path", "-period_start",
                                              "-entered_at")  # fmt: skip


def _latest(rows: QuerySet[ManualValue]) -> dict[tuple[str, str], ManualValue]:
    latest: dict[tuple[str, str], ManualValue] = {}
    for row in rows:
        latest.setdefault((row.indicator, row.region_path), row)
    return latest


def _trends(ids: list[str], path: str, as_of: dt.date) -> dict[str, Trend]:
    """Snapshots of the last 12 months per indicator for one region (one query)."""
    start = as_of - dt.timedelta(days=TREND_DAYS)
    rows = Snapshot.objects.filter(
        indicator__in=ids, region_path=path, date__gte=start, date__lt=as_of
    ).order_by("date").values_list("indicator", "date", "value")  # fmt: skip
    trends: dict[str, Trend] = defaultdict(list)
    for indicator, day, value in rows:
        trends[indicator].append((day, value))
    return trends


def _manual_trend(rows: list[ManualValue], as_of: dt.date) -> Trend:
    start = as_of - dt.timedelta(days=TREND_DAYS)
    seen: dict[dt.date, float] = {}
    for row in rows:  # newest entry first per period
        if row.period_start >= start:
            seen.setdefault(row.period_start, row.value)
    return sorted(seen.items())


def _figure(indicator: Indicator, region: Region, as_of: dt.date,
            manual: ManualValue | None) -> Figure:  # fmt: skip
    if indicator.compute is None:
        value = manual.value if manual else None
        return Figure(indicator, value, None, None, status_of(indicator, value),
                      period=manual.period if manual else "", manual=manual)  # fmt: skip
    result: Result = indicator.compute(region.path, as_of)
    status = status_of(indicator, result.value)
    return Figure(indicator, result.value, result.num, result.den, status, result.note,
                  by_region=result.by_region)  # fmt: skip


def cockpit(actor: Actor, code: str = "", as_of: dt.date | None = None) -> dict[str, Any]:
    """Every indicator for the scope region: value, status, trend; and the tally met / all."""
    region = scope_region(actor, code)
    as_of = as_of or timezone.localdate()
    ids = [i.id for i in INDICATORS]
    manual = _latest(_live_manual(ids, [region.path], as_of))
    history: dict[str, list[ManualValue]] = defaultdict(list)
    for row in _live_manual(ids, [region.path], as_of):
        history[row.indicator].append(row)
    trends = _trends(ids, region.path, as_of)
    figures = []
    for indicator in INDICATORS:
        figure = _figure(indicator, region, as_of, manual.get((indicator.id, region.path)))
        if indicator.kind == "manual":
            figure.trend = _manual_trend(history[indicator.id], as_of)
        else:
            figure.trend = [*trends.get(indicator.id, []), (as_of, figure.value)]
        figure.by_region = []  # the cards do not show the drill-down
        figures.append(figure)
    met = sum(1 for f in figures if f.status == "met")
    return {"region": region, "as_of": as_of, "figures": figures, "met": met,
            "total": len(figures), "crumbs": crumbs(actor, region)}  # fmt: skip


def indicator(actor: Actor, indicator_id: str, code: str = "",
              as_of: dt.date | None = None) -> dict[str, Any]:  # fmt: skip
    """One indicator for the scope region with its drill-down over the child regions, worst
    first (furthest from the target; regions without data after those with)."""
    found = get(str(indicator_id)[:64])
    if found is None:
        raise NotFound(f"No indicator {str(indicator_id)[:64]!r}")
    region = scope_region(actor, code)
    as_of = as_of or timezone.localdate()
    history = list(_live_manual([found.id], [region.path], as_of))
    figure = _figure(found, region, as_of, history[0] if history else None)
    if found.kind == "manual":
        figure.trend = _manual_trend(history, as_of)
        figure.by_region = _manual_children(found, region, as_of)
    else:
        figure.trend = [*_trends([found.id], region.path, as_of).get(found.id, []),
                        (as_of, figure.value)]  # fmt: skip
    rows = [_drill(found, row) for row in figure.by_region]
    rows.sort(key=lambda d: _badness(found, d.row))
    return {"region": region, "as_of": as_of, "figure": figure, "rows": rows,
            "history": history, "crumbs": crumbs(actor, region),
            "units_url": found.units_link(region.path) if found.units_link else ""}  # fmt: skip


def _manual_children(found: Indicator, region: Region, as_of: dt.date) -> list[Row]:
    names = children(region.path)
    latest = _latest(_live_manual([found.id], list(names), as_of))
    return [Row(path, name, latest[(found.id, path)].value if (found.id, path) in latest
                else None, None, None) for path, name in names.items()]  # fmt: skip


def _drill(found: Indicator, row: Row) -> DrillRow:
    link = found.units_link(row.path) if found.units_link and not row.own else ""
    return DrillRow(row, status_of(found, row.value),
                    drillable=not row.own and child_length(row.path) is not None,
                    units_url=link)  # fmt: skip


def _badness(found: Indicator, row: Row) -> tuple[int, float, str]:
    if row.value is None:
        return (1, 0.0, row.path)
    return (0, -found.target.gap(row.value), row.path)
