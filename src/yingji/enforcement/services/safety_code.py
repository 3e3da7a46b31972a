"""安全码 and credit, kept current: recomputed whenever one of their inputs changes.

Every part whose change affects an enterprise (a hidden hazard, 挂牌督办, a penalty, an
accident, an inspection, a 信用修复) calls :func:`refresh` with the enterprise ids. The work is
deferred to the commit of the caller's transaction, so a change that is rolled back never
changes a code, and a failure here never undoes the caller's change (it is logged; the daily
sweep recomputes everything anyway).

:func:`recompute` gathers the facts of a batch in a fixed number of queries
(:mod:`.facts`), rates each enterprise with the credit kernel, decides its code with the
safety-code kernel (the rating feeds rules R5/Y6), and writes both with bulk upserts. When a
code's colour changes it keeps a :class:`SafetyCodeChange` and tells the enterprise's accounts
and its county office; an unchanged colour keeps its ``since``. The first code of an
enterprise is recorded in the history but notifies nobody.

Windows such as "a penalty in the last 12 months" end without any event, hence the daily
sweep (:func:`run_sweep`, job kind :data:`SWEEP_KIND`) over every live enterprise.

This module also holds the list's filters (:func:`search`), shared by the page, the API and
the Excel export registered here (``enforcement_codes``).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final

from django.db import transaction
from django.db.models import Case, Q, QuerySet, Value, When
from django.utils import timezone

from yingji.core import jobs, notify
from yingji.core.errors import InvalidInput
from yingji.core.exports import Column, Export, export
from yingji.core.permissions import Cap
from yingji.enforcement import selectors
from yingji.enforcement.models import (
    CodeColour,
    CreditRating,
    Rating,
    SafetyCode,
    SafetyCodeChange,
)
from yingji.enforcement.services import credit
from yingji.enforcement.services import facts as gathering
from yingji.kernels import codes as region_codes
from yingji.kernels import credit as credit_kernel
from yingji.kernels import safety_code as kernel
from yingji.registry.models.enterprise import Enterprise, EnterpriseAccount, InsuranceStatus

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yingji.core.models import User

    Actor = User | AnonymousUser

logger = logging.getLogger(__name__)
SWEEP_KIND: Final = "enforcement.code_sweep"
BATCH: Final = 1000
LICENCE_KIND: Final = "safety"  # 安全生产许可证: the licence of rule Y7
_INDUSTRY = re.compile(r"^[A-T](\d{1,4})?$")


def _ids(enterprise_ids: Iterable[Any]) -> list[int]:
    return sorted({int(i) for i in enterprise_ids if i is not None})


def refresh(enterprise_ids: Iterable[int], *, cause: str = "") -> None:
    """Recompute credit and 安全码 of these enterprises once the caller's transaction commits."""
    ids = _ids(enterprise_ids)
    if ids:
        transaction.on_commit(functools.partial(recompute, ids, cause=cause), robust=True)


def code_facts(f: gathering.EnterpriseFacts, rating: str) -> kernel.Facts:
    """The safety-code kernel's input: open hazards now, dated records, colours, expiries."""
    h = f.hazards
    licence = f.licence(LICENCE_KIND)
    insured = f.insurance_status in (InsuranceStatus.INSURED, InsuranceStatus.EXPIRED)
    return kernel.Facts(
        today=f.today,
        supervised_major_hazards=len(h.supervised),
        open_major_hazards=max(0, h.open_major - len(h.supervised)),
        overdue_major_hazards=h.overdue_major,
        overdue_hazards=max(0, h.overdue - h.overdue_major),
        accidents=tuple(
            credit_kernel.Accident(a.occurred_on, a.grade, a.deaths, a.repaired, a.rectified)
            for a in f.accidents
        ),
        penalties=tuple(
            credit_kernel.Penalty(
                p.decided_on, p.amount_yuan, p.circumstance, p.repaired, p.rectified
            )
            for p in f.penalties
        ),
        risk_colour=f.risk_colour,
        credit_rating=rating,
        licence_expires_on=licence.expires_on if licence else None,
        insurance_expires_on=f.insurance_expires_on if insured else None,
    )


def reasons_json(code: kernel.SafetyCode) -> list[dict[str, str]]:
    return [{"rule": r.rule_id, "colour": r.colour, "text": r.text} for r in code.reasons]


def recompute(
    enterprise_ids: Iterable[int], *, cause: str = "", today: dt.date | None = None
) -> dict[str, int]:
    """Recompute now, in batches; counts of codes by colour and of colour changes."""
    ids = _ids(enterprise_ids)
    counts: Counter[str] = Counter()
    day = today or timezone.localdate()
    for start in range(0, len(ids), BATCH):
        _batch(ids[start : start + BATCH], cause.strip()[:100], day, counts)
    return dict(counts)


def _batch(ids: list[int], cause: str, today: dt.date, counts: Counter[str]) -> None:
    with transaction.atomic():
        # Lock the current codes first: two refreshes of one enterprise write one after the
        # other, the later from the facts the earlier committed.
        old = {
            r["pk"]: r
            for r in SafetyCode.objects.select_for_update()
            .filter(pk__in=ids)
            .values("pk", "colour", "since")
        }
        found = gathering.gather(ids, today)
        now = timezone.now()
        ratings, rows, changes = [], [], []
        for pk, f in found.items():
            result = credit.rate(f)
            code = kernel.decide(code_facts(f, result.rating))
            reasons = reasons_json(code)
            ratings.append(CreditRating(
                enterprise_id=pk, region_path=f.region_path, score=result.score,
                rating=result.rating, items=credit.items_json(result),
                repair_eligible_on=result.repair.possible_from, computed_at=now,
            ))  # fmt: skip
            before = old.get(pk)
            previous, since = (before["colour"], before["since"]) if before else ("", now)
            same = previous == code.colour
            rows.append(SafetyCode(
                enterprise_id=pk, region_path=f.region_path, colour=code.colour,
                reasons=reasons, computed_at=now, since=since if same else now,
            ))  # fmt: skip
            if not same:
                changes.append(SafetyCodeChange(
                    enterprise_id=pk, from_colour=previous,
                    to_colour=code.colour, reasons=reasons, cause=cause,
                ))  # fmt: skip
            counts[code.colour] += 1
        CreditRating.objects.bulk_create(
            ratings, update_conflicts=True, unique_fields=["enterprise"],
            update_fields=["region_path", "score", "rating", "items", "repair_eligible_on",
                           "computed_at"],
        )  # fmt: skip
        SafetyCode.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["enterprise"],
            update_fields=["region_path", "colour", "reasons", "computed_at", "since"],
        )  # fmt: skip
        SafetyCodeChange.objects.bulk_create(changes)
        counts["enterprises"] += len(rows)
        counts["changed"] += len(changes)
        _tell([c for c in changes if c.from_colour], found)


def _tell(changes: list[SafetyCodeChange], found: Mapping[int, gathering.EnterpriseFacts]) -> None:
    """Tell the enterprise's accounts and its county office that its code changed colour."""
    if not changes:
        return
    accounts: dict[int, list[Any]] = {}
    for account in EnterpriseAccount.objects.filter(
        enterprise_id__in=[c.enterprise_id for c in changes]
    ).select_related("user"):
        accounts.setdefault(account.enterprise_id, []).append(account.user)
    offices: dict[str, list[Any]] = {}
    labels = dict(CodeColour.choices)
    for change in changes:
        f = found[change.enterprise_id]
        county = f.region_path[:6]
        if county not in offices:
            offices[county] = notify.office(county, Cap.MANAGE_ENFORCEMENT)
        reasons = "；".join(r["text"] for r in change.reasons) or "无红码、黄码情形"
        notify.notify(
            [*accounts.get(change.enterprise_id, []), *offices[county]],
            kind="safety_code_changed",
            title=f"安全码变为{kernel.CODES[change.to_colour]}：{f.name}",
            body=f"{labels.get(change.from_colour, change.from_colour)} → "
            f"{labels.get(change.to_colour, change.to_colour)}。{reasons}",
            link=f"/enforcement/codes/{change.enterprise_id}/",
        )


def refresh_all(
    region_path: str | None = None,
    *,
    cause: str = "全量重算 full recompute",
    today: dt.date | None = None,
    progress: Callable[[int, str], None] | None = None,
) -> dict[str, Any]:
    """Every live enterprise (of a region subtree), in batches; counts and the time taken."""
    started = time.monotonic()
    live = Enterprise.objects.filter(voided_at__isnull=True)
    if region_path:
        low, high = region_codes.subtree_bounds(region_path)
        live = live.filter(region_path__gte=low, region_path__lt=high)
    ids = list(live.order_by("pk").values_list("pk", flat=True))
    counts: Counter[str] = Counter()
    for start in range(0, len(ids), BATCH):
        part = recompute(ids[start : start + BATCH], cause=cause, today=today)
        counts.update(part)
        if progress:
            done = min(start + BATCH, len(ids))
            progress(int(99 * done / max(len(ids), 1)), f"{done}/{len(ids)}")
    result: dict[str, Any] = {key: counts.get(key, 0) for key in
                              ("enterprises", "changed", *CodeColour.values)}  # fmt: skip
    result["seconds"] = round(time.monotonic() - started, 2)
    return result


@jobs.job_kind(SWEEP_KIND, "安全码与信用每日重算 daily safety code and credit sweep")
def run_sweep(context: jobs.JobContext, region_path: str = "", today: str = "") -> dict[str, Any]:
    day = dt.date.fromisoformat(today) if today else None
    result = refresh_all(
        region_path or None, cause="每日重算 daily sweep", today=day, progress=context.progress
    )
    context.log(f"{result}")
    return result


# ---------------------------------------------------------------- the list's filters

FILTERS: Final = ("colour", "rating", "county", "industry", "q")


def search(actor: Actor, filters: Mapping[str, Any]) -> QuerySet[SafetyCode]:
    """Codes the actor may see, filtered; a bad filter is :class:`InvalidInput` naming it."""
    qs = selectors.codes(actor).filter(enterprise__voided_at__isnull=True)
    colour = str(filters.get("colour") or "").strip()
    if colour:
        if colour not in CodeColour.values:
            raise InvalidInput(f"colour: one of {', '.join(CodeColour.values)}", field="colour")
        qs = qs.filter(colour=colour)
    rating = str(filters.get("rating") or "").strip().upper()
    if rating:
        if rating not in Rating.values:
            raise InvalidInput(f"rating: one of {', '.join(Rating.values)}", field="rating")
        qs = qs.filter(enterprise__credit__rating=rating)
    county = str(filters.get("county") or "").strip()
    if county:
        if not (county.isascii() and county.isdigit() and len(county) in (2, 4, 6)):
            raise InvalidInput("county: a region code of 2, 4 or 6 digits", field="county")
        low, high = region_codes.subtree_bounds(county)
        qs = qs.filter(region_path__gte=low, region_path__lt=high)
    industry = str(filters.get("industry") or "").strip().upper()
    if industry:
        if not _INDUSTRY.match(industry):
            raise InvalidInput("industry: a GB/T 4754 section letter and up to 4 digits, e.g. C26",
                               field="industry")  # fmt: skip
        qs = qs.filter(enterprise__industry_code__startswith=industry)
    text = str(filters.get("q") or "").strip()
    if len(text) > 60:
        raise InvalidInput("q: at most 60 characters", field="q")
    if text:
        qs = qs.filter(Q(enterprise__name__icontains=text) |
                       Q(enterprise__credit_code__startswith=text.upper()))  # fmt: skip
    severity = Case(When(colour=CodeColour.RED, then=Value(0)),
                    When(colour=CodeColour.YELLOW, then=Value(1)), default=Value(2))  # fmt: skip
    return (
        qs.select_related("enterprise", "enterprise__credit", "enterprise__region")
        .annotate(severity=severity)
        .order_by("severity", "enterprise__name", "pk")
    )


def _reasons_text(code: SafetyCode) -> str:
    return "；".join(str(r.get("text", "")) for r in code.reasons)


def _rating(code: SafetyCode, part: str) -> Any:
    rating = getattr(code.enterprise, "credit", None)
    return getattr(rating, part, "") if rating is not None else ""


def _local(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


CODES_EXPORT = export(
    Export(
        name="enforcement_codes",
        title="企业安全码",
        columns=(
            Column("企业名称 enterprise", lambda c: c.enterprise.name),
            Column("统一社会信用代码 credit code", lambda c: c.enterprise.credit_code),
            Column("行政区划 region", lambda c: c.enterprise.region.name),
            Column("区划代码 region code", lambda c: region_codes.display(c.enterprise.region_id)),
            Column("行业代码 industry", lambda c: c.enterprise.industry_code),
            Column("安全码 code", lambda c: kernel.CODES.get(c.colour, c.colour)),
            Column("理由 reasons", _reasons_text),
            Column("此颜色起始 since", lambda c: _local(c.since)),
            Column("信用等级 rating", lambda c: _rating(c, "rating")),
            Column("信用分 score", lambda c: _rating(c, "score")),
            Column("计算时间 computed", lambda c: _local(c.computed_at)),
        ),
        rows=search,
    )
)
