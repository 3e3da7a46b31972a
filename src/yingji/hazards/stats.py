"""Hidden-hazard statistics: found, closed, open, overdue and the rates, over any period.

What a county bureau reports each quarter (16号令: 每季、每年 analysis of 隐患排查治理), grouped
by child region, industry (GB/T 4754 section), grade, source or category, always over the
hazards the actor may see (:func:`yingji.hazards.selectors.visible`). Each figure is one
conditional aggregate in one ``GROUP BY`` query, so a province-wide table costs two queries
whatever the number of hazards.

Definitions, for the period ``[start, end]`` (whole local days, Asia/Shanghai):

- **found**: reported within the period;
- **closed**: closed (销号) within the period;
- **open_now**: open at the end of ``end``: reported by then and neither closed nor voided by
  then (the void time is the hazard's ``void`` event), whatever its state today — so a past
  period reads the same next year;
- **overdue_now**: open at the end, not yet accepted (验收) by then, with a rectification
  deadline before ``end``;
- **rectification_rate**: of the hazards found in the period, the share closed by the end
  (None when none were found);
- **on_time_rate**: of the hazards closed in the period, the share closed on or before their
  deadline (local date; a hazard without a deadline does not count as on time);
- **avg_days_to_close**: mean days from report to 销号 of the hazards closed in the period.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, TypedDict

from django.db.models import (
    Avg,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
)
from django.db.models.functions import Substr, TruncDate, TruncMonth
from django.utils import timezone

from yingji.core.errors import InvalidInput
from yingji.core.scoping import region_for
from yingji.hazards.models import Category, Grade, HazardEvent, HiddenHazard, Source
from yingji.hazards.selectors import visible
from yingji.kernels import codes
from yingji.regions.models import Region

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yingji.core.models import User

    Actor = User | AnonymousUser

GROUPS: Final = ("region", "industry", "grade", "source", "category")
MAX_YEARS: Final = 5
TOTAL_KEY: Final = "total"
NO_ENTERPRISE: Final = "none"
# GB/T 4754-2017 国民经济行业分类: the 20 sections (门类).
SECTIONS: Final = {
    "A": "农、林、牧、渔业",
    "B": "采矿业",
    "C": "制造业",
    "D": "电力、热力、燃气及水生产和供应业",
    "E": "建筑业",
    "F": "批发和零售业",
    "G": "交通运输、仓储和邮政业",
    "H": "住宿和餐饮业",
    "I": "信息传输、软件和信息技术服务业",
    "J": "金融业",
    "K": "房地产业",
    "L": "租赁和商务服务业",
    "M": "科学研究和技术服务业",
    "N": "水利、环境和公共设施管理业",
    "O": "居民服务、修理和其他服务业",
    "P": "教育",
    "Q": "卫生和社会工作",
    "R": "文化、体育和娱乐业",
    "S": "公共管理、社会保障和社会组织",
    "T": "国际组织",
}
CHOICES: Final = {"grade": Grade, "source": Source, "category": Category}
COUNTS: Final = ("found", "closed", "open_now", "overdue_now", "rectified", "on_time")


class Row(TypedDict):
    key: str
    label: str
    found: int
    closed: int
    open_now: int
    overdue_now: int
    rectified: int  # found in the period and closed by its end (the rate's numerator)
    on_time: int  # closed in the period by the deadline (the rate's numerator)
    rectification_rate: float | None
    on_time_rate: float | None
    avg_days_to_close: float | None


class Month(TypedDict):
    month: str  # YYYY-MM
    found: int
    closed: int


@dataclass(frozen=True)
class Period:
    """Whole local days from ``start`` to ``end`` inclusive; ``low``/``high`` bound it [)."""

    start: dt.date
    end: dt.date

    @property
    def low(self) -> dt.datetime:
        return _midnight(self.start)

    @property
    def high(self) -> dt.datetime:
        return _midnight(self.end + dt.timedelta(days=1))


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _years_later(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def default_period(today: dt.date | None = None) -> Period:
    """This year to date."""
    today = today or timezone.localdate()
    return Period(today.replace(month=1, day=1), today)


def period(start: dt.date | None, end: dt.date | None) -> Period:
    """A checked period; a missing bound defaults to this year to date."""
    default = default_period()
    end = end or default.end
    start = start or (default.start if default.start <= end else end.replace(month=1, day=1))
    if start > end:
        raise InvalidInput(f"start {start} lies after end {end}", field="start")
    if end > _years_later(start, MAX_YEARS):
        raise InvalidInput(
            f"the period {start} … {end} is longer than {MAX_YEARS} years", field="end"
        )
    return Period(start, end)


def check_by(by: str) -> str:
    if by not in GROUPS:
        raise InvalidInput(f"by: {by[:20]!r} is not one of {', '.join(GROUPS)}", field="by")
    return by


def hazards_in(actor: Actor, region: Region) -> QuerySet[HiddenHazard]:
    """The hazards the actor may see, within ``region``'s subtree."""
    low, high = codes.subtree_bounds(region.path)
    return visible(actor).filter(region_path__gte=low, region_path__lt=high)


def _measures(p: Period) -> dict[str, Any]:
    """The conditional aggregates, one per figure, for ``p``."""
    low, high = p.low, p.high
    events = HazardEvent.objects.filter(hazard=OuterRef("pk"), at__lt=high)
    voided = Exists(events.filter(action="void"))
    accepted = Exists(events.filter(action="accept"))
    found = Q(reported_at__gte=low, reported_at__lt=high)
    closed = Q(closed_at__gte=low, closed_at__lt=high)
    open_now = (
        Q(reported_at__lt=high) & (Q(closed_at__isnull=True) | Q(closed_at__gte=high)) & ~Q(voided)
    )
    duration = ExpressionWrapper(F("closed_at") - F("reported_at"), output_field=DurationField())
    return {
        "found": Count("pk", filter=found),
        "closed": Count("pk", filter=closed),
        "open_now": Count("pk", filter=open_now),
        "overdue_now": Count("pk", filter=open_now & ~Q(accepted) & Q(deadline__lt=p.end)),
        "rectified": Count("pk", filter=found & Q(closed_at__lt=high)),
        "on_time": Count("pk", filter=closed & Q(deadline__gte=TruncDate("closed_at"))),
        "avg_close": Avg(duration, filter=closed),
    }


def _row(key: str, label: str, figures: dict[str, Any] | None) -> Row:
    figures = figures or {}
    n = {name: int(figures.get(name) or 0) for name in COUNTS}
    average = figures.get("avg_close")
    if isinstance(average, (int, float)):  # a backend that returns microseconds
        average = dt.timedelta(microseconds=average)
    return Row(
        key=key,
        label=label,
        found=n["found"],
        closed=n["closed"],
        open_now=n["open_now"],
        overdue_now=n["overdue_now"],
        rectified=n["rectified"],
        on_time=n["on_time"],
        rectification_rate=_rate(n["rectified"], n["found"]),
        on_time_rate=_rate(n["on_time"], n["closed"]),
        avg_days_to_close=(
            round(average.total_seconds() / 86400, 2) if isinstance(average, dt.timedelta) else None
        ),
    )


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def summary(
    actor: Actor,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    region: str = "",
    by: str = "region",
) -> list[Row]:
    """One row per group, then the total (key ``"total"``): the statistics table."""
    check_by(by)
    p = period(start, end)
    place = region_for(actor, region)
    qs = hazards_in(actor, place)
    measures = _measures(p)
    total = _row(TOTAL_KEY, "合计", qs.aggregate(**measures))
    return [*_grouped(qs, place, by, measures), total]


def _group_figures(qs: QuerySet[HiddenHazard], key: Any, measures: dict[str, Any]) -> Any:
    return qs.annotate(group_key=key).order_by().values("group_key").annotate(**measures)


def _grouped(
    qs: QuerySet[HiddenHazard], place: Region, by: str, measures: dict[str, Any]
) -> list[Row]:
    if by == "region":
        return _by_region(qs, place, measures)
    if by == "industry":
        figures = {
            r["group_key"]: r
            for r in _group_figures(qs, Substr("enterprise__industry_code", 1, 1), measures)
        }
        letters = sorted(k for k in figures if k)
        rows = [_row(k, f"{k} {SECTIONS.get(k.upper(), '其他')}", figures[k]) for k in letters]
        if None in figures or "" in figures:
            merged = _merge(figures.get(None), figures.get(""))
            rows.append(_row(NO_ENTERPRISE, "无企业（地点隐患）", merged))
        return rows
    choices = CHOICES[by]
    figures = {r["group_key"]: r for r in _group_figures(qs, F(by), measures)}
    rows = [_row(value, str(label), figures.get(value)) for value, label in choices.choices]
    rows += [_row(str(k), str(k), v) for k, v in figures.items() if k not in choices.values]
    return rows


def _merge(*parts: dict[str, Any] | None) -> dict[str, Any] | None:
    present = [p for p in parts if p]
    return present[0] if len(present) == 1 else (None if not present else _sum(present))


def _sum(parts: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {name: sum(int(p.get(name) or 0) for p in parts) for name in COUNTS}
    weights = [(p.get("avg_close"), int(p.get("closed") or 0)) for p in parts]
    known = [(a, w) for a, w in weights if isinstance(a, dt.timedelta) and w]
    total = sum(w for _a, w in known)
    out["avg_close"] = sum((a * w for a, w in known), dt.timedelta()) / total if total else None
    return out


def _by_region(qs: QuerySet[HiddenHazard], place: Region, measures: dict[str, Any]) -> list[Row]:
    children = list(
        Region.objects.filter(parent=place).order_by("code").values_list("path", "name")
    )
    depth = len(children[0][0]) if children else len(place.path)
    figures = {
        r["group_key"]: r for r in _group_figures(qs, Substr("region_path", 1, depth), measures)
    }
    if not children:
        return [_row(place.path, place.name, figures.get(place.path))]
    rows = [_row(path, name, figures.get(path)) for path, name in children]
    known = {path for path, _name in children}
    # Hazards recorded at the region itself rather than in one of its children.
    own = [v for k, v in figures.items() if k not in known]
    if own:
        rows.append(_row(place.path, f"{place.name}（本级）", _merge(*own)))
    return rows


def trend(
    actor: Actor,
    start: dt.date | None = None,
    end: dt.date | None = None,
    region: str = "",
) -> list[Month]:
    """Hazards found and closed in each calendar month of the period (the trend chart)."""
    p = period(start, end)
    qs = hazards_in(actor, region_for(actor, region)).order_by()
    found = (
        qs.filter(reported_at__gte=p.low, reported_at__lt=p.high)
        .annotate(month=TruncMonth("reported_at"))
        .values("month")
        .annotate(n=Count("pk"))
    )
    closed = (
        qs.filter(closed_at__gte=p.low, closed_at__lt=p.high)
        .annotate(month=TruncMonth("closed_at"))
        .values("month")
        .annotate(n=Count("pk"))
    )
    found_by = {r["month"].strftime("%Y-%m"): int(r["n"]) for r in found}
    closed_by = {r["month"].strftime("%Y-%m"): int(r["n"]) for r in closed}
    return [
        Month(month=m, found=found_by.get(m, 0), closed=closed_by.get(m, 0))
        for m in months(p.start, p.end)
    ]


def months(start: dt.date, end: dt.date) -> list[str]:
    """Every YYYY-MM from ``start``'s month to ``end``'s, in order."""
    year, month, out = start.year, start.month, []
    while (year, month) <= (end.year, end.month):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out
