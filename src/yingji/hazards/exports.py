"""Excel exports of hidden hazards: the list (every key column) and the statistics table.

Both go through :mod:`yingji.core.exports` (a job, chunked) and read through the scoped
selectors, so an export holds exactly what its user may see.

``hazards`` takes the queue's filters (``state``, ``grade``, ``source``, ``category``,
``region``, ``overdue``, ``supervised``, ``text``) and, from the statistics page, a period
(``start``/``end``): then it lists the hazards that count in that period's figures — reported
by its end and neither closed nor voided before its start. ``hazards_stats`` takes the
statistics page's ``start``, ``end``, ``region`` and ``by``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from yingji.core.errors import InvalidInput
from yingji.core.exports import Column, Export, export
from yingji.core.models import User
from yingji.core.scoping import region_for
from yingji.hazards import selectors, stats
from yingji.hazards.models import Category, HazardEvent, HiddenHazard, Supervision
from yingji.kernels import codes

YES = ("1", "true", "on", "yes")


def _date(filters: dict[str, str], name: str) -> dt.date | None:
    raw = (filters.get(name) or "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError as exc:
        raise InvalidInput(f"{name}: {raw[:20]!r} is not a date (YYYY-MM-DD)", field=name) from exc


def _in_period(qs: QuerySet[HiddenHazard], period: stats.Period) -> QuerySet[HiddenHazard]:
    voided_before = Exists(
        HazardEvent.objects.filter(hazard=OuterRef("pk"), action="void", at__lt=period.low)
    )
    return qs.filter(
        Q(reported_at__lt=period.high),
        Q(closed_at__isnull=True) | Q(closed_at__gte=period.low),
        ~Q(voided_before),
    )


def hazard_rows(actor: User, filters: dict[str, str]) -> QuerySet[HiddenHazard]:
    qs = selectors.queue(
        actor,
        state=filters.get("state", ""),
        grade=filters.get("grade", ""),
        source=filters.get("source", ""),
        region=filters.get("region", ""),
        overdue_only=filters.get("overdue", "").lower() in YES,
        supervised=filters.get("supervised", "").lower() in YES,
        text=filters.get("text", "") or filters.get("q", ""),
    )
    category = filters.get("category", "")
    if category:
        if category not in Category.values:
            raise InvalidInput(f"Unknown category {category[:20]!r}", field="category")
        qs = qs.filter(category=category)
    start, end = _date(filters, "start"), _date(filters, "end")
    if start or end:
        qs = _in_period(qs, stats.period(start, end))
    return qs.select_related("enterprise", "criterion", "region", "supervision")


def _when(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _supervision(hazard: HiddenHazard, part: str) -> Any:
    try:
        listing = hazard.supervision
    except Supervision.DoesNotExist:
        return ""
    if part == "level":
        state = "（已解除）" if listing.lifted_at else ""
        return f"{listing.get_level_display()}{state} {listing.office}"
    return "" if listing.lifted_at else listing.deadline


def _overdue(hazard: HiddenHazard) -> str:
    late = hazard.is_open and hazard.deadline and hazard.deadline < timezone.localdate()
    return "是" if late else "否"


HAZARDS = export(
    Export(
        name="hazards",
        title="隐患清单",
        columns=(
            Column("隐患编号 code", lambda h: h.code),
            Column("隐患名称 title", lambda h: h.title),
            Column("状态 state", lambda h: h.get_state_display()),
            Column("等级 grade", lambda h: h.get_grade_display()),
            Column("判定标准条目 criterion", lambda h: str(h.criterion) if h.criterion else ""),
            Column("来源 source", lambda h: h.get_source_display()),
            Column("类别 category", lambda h: h.get_category_display()),
            Column("企业名称 enterprise", lambda h: h.enterprise.name if h.enterprise else ""),
            Column(
                "统一社会信用代码 credit code",
                lambda h: h.enterprise.credit_code if h.enterprise else "",
            ),
            Column(
                "行业代码 industry", lambda h: h.enterprise.industry_code if h.enterprise else ""
            ),
            Column("行政区划 region", lambda h: h.region.name),
            Column("区划代码 region code", lambda h: codes.display(h.region_id)),
            Column("地址 address", lambda h: h.address),
            Column("隐患描述 description", lambda h: h.description),
            Column("责任单位 responsible unit", lambda h: h.responsible_unit),
            Column("责任人 responsible person", lambda h: h.responsible_person),
            Column("联系电话 phone", lambda h: h.responsible_phone),
            Column("整改期限 deadline", lambda h: h.deadline),
            Column("是否逾期 overdue", _overdue),
            Column(
                "升级督办至 escalated to",
                lambda h: codes.display(codes.to_12(h.escalated_to)) if h.escalated_to else "",
            ),
            Column("挂牌督办 supervision", lambda h: _supervision(h, "level")),
            Column("督办期限 supervision deadline", lambda h: _supervision(h, "deadline")),
            Column("上报时间 reported", lambda h: _when(h.reported_at)),
            Column("销号时间 closed", lambda h: _when(h.closed_at)),
            Column("作废原因 void reason", lambda h: h.void_reason),
            Column("示范数据 synthetic", lambda h: "是" if h.synthetic else ""),
        ),
        rows=hazard_rows,
    )
)


class StatsRows:
    """The statistics table where :mod:`yingji.core.exports` expects a queryset.

    The export only counts, iterates and (to check the capability) empties what it is
    given; the inputs are checked when the export starts, the figures computed when the
    worker writes the file.
    """

    def __init__(self, actor: User, filters: dict[str, str], *, empty: bool = False) -> None:
        self.actor, self.filters, self.empty = actor, filters, empty
        self.by = stats.check_by(filters.get("by") or "region")
        self.period = stats.period(_date(filters, "start"), _date(filters, "end"))
        self.region = filters.get("region", "")
        region_for(actor, self.region)  # jurisdiction and code checked now
        selectors.visible(actor)  # the capability

    def _rows(self) -> list[stats.Row]:
        if self.empty:
            return []
        return stats.summary(
            self.actor,
            start=self.period.start,
            end=self.period.end,
            region=self.region,
            by=self.by,
        )

    def none(self) -> StatsRows:
        return StatsRows(self.actor, self.filters, empty=True)

    def count(self) -> int:
        return len(self._table)

    def iterator(self, chunk_size: int = 0) -> Iterator[stats.Row]:
        return iter(self._table)

    @property
    def _table(self) -> list[stats.Row]:
        if not hasattr(self, "_cache"):
            self._cache = self._rows()
        return self._cache


def _percent(value: float | None) -> float | None:
    return None if value is None else round(100 * value, 1)


HAZARDS_STATS = export(
    Export(
        name="hazards_stats",
        title="隐患统计",
        columns=(
            Column("分组 group", lambda r: r["label"]),
            Column("代码 key", lambda r: "" if r["key"] == stats.TOTAL_KEY else r["key"]),
            Column("发现 found", lambda r: r["found"]),
            Column("销号 closed", lambda r: r["closed"]),
            Column("期末未销号 open at end", lambda r: r["open_now"]),
            Column("期末逾期 overdue at end", lambda r: r["overdue_now"]),
            Column("整改率 % rectification rate", lambda r: _percent(r["rectification_rate"])),
            Column("按期整改率 % on-time rate", lambda r: _percent(r["on_time_rate"])),
            Column("平均销号天数 average days to close", lambda r: r["avg_days_to_close"]),
        ),
        rows=StatsRows,  # type: ignore[arg-type]  # a table, not a queryset: see StatsRows
    )
)
