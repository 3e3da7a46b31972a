"""What the penalty and publication lists filter on, shared by the pages, the API and the
Excel exports so that all three show the same rows for the same filters.

No rule lives here: filters only narrow the scoped selectors. A filter value that is not
understood raises InvalidInput naming it (pages show the message and drop the filter). The
Excel exports registered at the bottom are started from the list pages through
:mod:`yingji.core.exports`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Final

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.http import urlencode

from yingji.core.errors import DomainError, InvalidInput
from yingji.core.exports import Column, Export, export
from yingji.core.scoping import jurisdiction_of
from yingji.enforcement import selectors
from yingji.enforcement.models import (
    CaseState,
    Payment,
    PenaltyCase,
    Publication,
    PublicationKind,
)
from yingji.enforcement.services import calendar, publication
from yingji.regions.models import Level, Region

if TYPE_CHECKING:
    from yingji.core.models import User

Q_MAX: Final = 60


def clip(value: Any, limit: int = Q_MAX) -> str:
    return str(value or "").strip()[:limit]


def _choice(value: str, allowed: list[str], name: str) -> str:
    if value and value not in allowed:
        raise InvalidInput(f"{name}: {value[:20]!r} is not one of {', '.join(allowed)}", field=name)
    return value


def _year(value: str) -> int | None:
    if not value:
        return None
    if len(value) != 4 or not value.isdigit() or not 2000 <= int(value) <= 2199:
        raise InvalidInput(f"year: {value[:20]!r} is not a year", field="year")
    return int(value)


def _county(value: str) -> str:
    if value and (not value.isascii() or not value.isdigit() or len(value) not in (2, 4, 6)):
        raise InvalidInput(f"region: {value[:20]!r} is not a region code", field="region")
    return value


def county_choices(user: Any) -> list[Region]:
    """Counties of the user's jurisdiction (none for a user limited to one county or less)."""
    where = jurisdiction_of(user)
    qs = Region.objects.filter(level=Level.COUNTY).order_by("code")
    if where.everything:
        return list(qs)
    if not where.path or len(where.path) >= 6:
        return []
    return list(qs.filter(path__startswith=where.path))


def _text_filter(q: str, *, prefix: str = "") -> Q:
    return Q(**{f"{prefix}enterprise__name__icontains": q}) | Q(
        **{f"{prefix}enterprise__credit_code__iexact": q.upper()}
    )


@dataclass(frozen=True)
class _Filters:
    """A list's filters: the query string with some of them changed, and the form's values."""

    def query(self, **changes: str) -> str:
        return urlencode({k: v for k, v in {**asdict(self), **changes}.items() if v})

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


# ---------------------------------------------------------------- cases


@dataclass(frozen=True)
class CaseFilters(_Filters):
    q: str = ""
    state: str = ""
    payment: str = ""
    year: str = ""
    region: str = ""


def case_filters(data: Any) -> CaseFilters:
    return CaseFilters(
        q=clip(data.get("q")),
        state=_choice(clip(data.get("state"), 12), CaseState.values, "state"),
        payment=_choice(clip(data.get("payment"), 12), Payment.values, "payment"),
        year=str(_year(clip(data.get("year"), 8)) or ""),
        region=_county(clip(data.get("region"), 12)),
    )


def case_rows(actor: User, filters: CaseFilters) -> QuerySet[PenaltyCase]:
    qs = selectors.cases(actor).select_related("enterprise", "rule")
    if filters.q:
        q = filters.q
        qs = qs.filter(_text_filter(q) | Q(code__icontains=q) | Q(decision_number__icontains=q))
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.payment:
        qs = qs.filter(payment=filters.payment)
    if filters.year:
        qs = qs.filter(filed_on__year=int(filters.year))
    if filters.region:
        qs = qs.filter(region_path__startswith=filters.region)
    return qs.order_by("-filed_on", "-pk")


# ---------------------------------------------------------------- publications


@dataclass(frozen=True)
class PublicationFilters(_Filters):
    tab: str = "due"
    q: str = ""
    kind: str = ""
    year: str = ""
    region: str = ""


def publication_filters(data: Any) -> PublicationFilters:
    return PublicationFilters(
        tab=_choice(clip(data.get("tab"), 12) or "due", list(publication.TABS), "tab"),
        q=clip(data.get("q")),
        kind=_choice(clip(data.get("kind"), 12), PublicationKind.values, "kind"),
        year=str(_year(clip(data.get("year"), 8)) or ""),
        region=_county(clip(data.get("region"), 12)),
    )


def narrow(qs: QuerySet[Publication], filters: Any) -> QuerySet[Publication]:
    """The filters common to the staff list and the public site (q, kind, year, region)."""
    if filters.q:
        qs = qs.filter(_text_filter(filters.q) | Q(title__icontains=filters.q))
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.year:
        qs = qs.filter(fact_on__year=int(filters.year))
    if filters.region:
        qs = qs.filter(region_path__startswith=filters.region)
    return qs


def publication_rows(
    actor: User, filters: PublicationFilters, today: dt.date | None = None
) -> QuerySet[Publication]:
    today = today or timezone.localdate()
    qs = publication.tab(selectors.publications(actor), filters.tab, today)
    order = ("due_on", "pk") if filters.tab in ("due", "overdue") else ("-published_at", "-pk")
    return narrow(qs, filters).select_related("enterprise").order_by(*order)


# ---------------------------------------------------------------- Excel exports


def _day(value: dt.date | dt.datetime | None) -> str:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return value.isoformat() if value else ""


CASES_EXPORT = export(
    Export(
        name="enforcement_cases",
        title="行政处罚案件 Penalty cases",
        columns=(
            Column("案件编号 case", lambda c: c.code),
            Column("企业 enterprise", lambda c: c.enterprise.name),
            Column("统一社会信用代码 credit code", lambda c: c.enterprise.credit_code),
            Column("状态 state", lambda c: c.get_state_display()),
            Column("裁量基准 rule", lambda c: str(c.rule)),
            Column("违法行为 violation", lambda c: c.rule.violation),
            Column("罚款（元）fine", lambda c: float(c.amount_yuan) if c.amount_yuan else None),
            Column("决定书文号 decision", lambda c: c.decision_number),
            Column("立案 filed", lambda c: _day(c.filed_on)),
            Column("告知 notified", lambda c: _day(c.notified_on)),
            Column("决定 decided", lambda c: _day(c.decided_on)),
            Column("缴款 payment", lambda c: c.get_payment_display()),
            Column("缴款日期 paid on", lambda c: _day(c.paid_on)),
            Column("强制执行 enforcement", lambda c: c.get_execution_display()),
            Column("结案 closed", lambda c: _day(c.closed_on)),
        ),
        rows=lambda actor, f: case_rows(actor, case_filters(f)),
    )
)


def _left(item: Publication) -> Any:
    if item.published_at or item.withdrawn_at:
        return None
    try:
        cal = calendar.current()
    except DomainError:  # a calendar gap must not break the export: the column stays empty
        return None
    return calendar.workdays_left(item.due_on, timezone.localdate(), cal)


PUBLICATIONS_EXPORT = export(
    Export(
        name="enforcement_publications",
        title="执法信息公开 Publications",
        columns=(
            Column("类别 kind", lambda p: p.get_kind_display()),
            Column("标题 title", lambda p: p.title),
            Column("企业 enterprise", lambda p: p.enterprise.name),
            Column("统一社会信用代码 credit code", lambda p: p.enterprise.credit_code),
            Column("检查或决定日期 fact date", lambda p: _day(p.fact_on)),
            Column("公开期限 publish by", lambda p: _day(p.due_on)),
            Column("剩余工作日 working days left", _left),
            Column("逾期标记 flagged overdue", lambda p: _day(p.overdue_flagged_at)),
            Column("公开时间 published", lambda p: _day(p.published_at)),
            Column("撤回时间 withdrawn", lambda p: _day(p.withdrawn_at)),
            Column("撤回原因 reason", lambda p: p.withdraw_reason),
        ),
        rows=lambda actor, f: publication_rows(actor, publication_filters(f)),
    )
)
