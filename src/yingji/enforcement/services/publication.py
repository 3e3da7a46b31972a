"""公开: inspection results and penalty decisions published within 20 working days.

《企业信息公示暂行条例》 Art. 6 gives 20 working days to publish; the same limit is applied to
抽查检查结果 (STANDARDS.md §9). A completed inspection task and a decided case each open one
:class:`Publication` due on the 20th working day after the fact (:mod:`.calendar`); staff
publish it (it appears on the public site) or withdraw it with a reason. A daily sweep flags
items past due once and tells the county office.

The public text is written when the item opens, from fields that carry no personal data
(enterprise name and credit code, item, dates, outcome, check points, rule and amount); the
facts of a decision are public by law, so they go in with mobile and ID numbers masked.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from typing import TYPE_CHECKING, Any, Final

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from yingji.core import audit, jobs, notify
from yingji.core.errors import Conflict, InvalidInput
from yingji.core.permissions import Cap, require
from yingji.enforcement import selectors
from yingji.enforcement.models import (
    InspectionTask,
    Outcome,
    PenaltyCase,
    Publication,
    PublicationKind,
    TaskKind,
)
from yingji.enforcement.services import calendar
from yingji.regions.models import Region

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yingji.core.models import User

    Actor = User | AnonymousUser

SWEEP_KIND: Final = "enforcement.publication_sweep"
REASON_MIN: Final = 4
REASON_MAX: Final = 200
OUTCOME_TEXT: Final[dict[str, str]] = {
    Outcome.NO_ISSUES: "未发现问题",
    Outcome.RECTIFY: "发现问题，已责令限期整改",
    Outcome.PENALTY: "发现问题，已立案查处",
    Outcome.NOT_FOUND: "未在登记地址找到该企业",
}
KIND_TEXT: Final[dict[str, str]] = {
    TaskKind.RANDOM: "双随机抽查",
    TaskKind.KEY: "重点检查",
    TaskKind.COMPLAINT: "举报、转办核查",
    TaskKind.FOLLOW_UP: "复查",
}
_MOBILE = re.compile(r"(?<![0-9])(1[3-9][0-9])[0-9]{4}([0-9]{4})(?![0-9])")
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])([1-9][0-9]{5})[0-9]{8}([0-9]{3}[0-9Xx])(?![0-9A-Za-z])")


def redact(text: str) -> str:
    """Mask mobile numbers (138****5678) and ID numbers (330106********123X) in free text."""
    return _ID_NUMBER.sub(r"\1********\2", _MOBILE.sub(r"\1****\2", text))


def organ_name(region_path: str) -> str:
    """The deciding organ of a county: 杭州市西湖区应急管理局."""
    county = Region.objects.filter(path=region_path[:6]).select_related("parent").first()
    if county is None:
        return "应急管理局"
    city = county.parent.name if county.parent and county.level == "county" else ""
    return f"{city}{county.name}应急管理局"


def yuan(amount: Any) -> str:
    return f"{amount:,.2f}" if amount is not None else "—"


# ---------------------------------------------------------------- opening (cross-part calls)


def _open(subject: dict[str, Any], **fields: Any) -> Publication:
    """Create the publication once; a second call (or a racing one) returns the first."""
    existing = Publication.objects.filter(**subject).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            item = Publication.objects.create(**subject, **fields)
    except IntegrityError:
        return Publication.objects.get(**subject)
    audit.record(
        actor=None, action="publication_open", obj=item, region_path=item.region_path,
        after=audit.snapshot(item),
    )  # fmt: skip
    return item


def result_text(task: InspectionTask, fact_on: dt.date) -> str:
    enterprise = task.enterprise
    findings = list(task.findings.order_by("point_id"))
    failed = [f for f in findings if not f.compliant]
    lines = [
        f"被检查单位：{enterprise.name}",
        f"统一社会信用代码：{enterprise.credit_code}",
        f"抽查事项：{task.item.name}",
        f"检查方式：{KIND_TEXT.get(task.kind, task.kind)}",
        f"检查日期：{fact_on.isoformat()}",
        f"检查结果：{OUTCOME_TEXT.get(task.outcome, '已完成检查')}",
        f"检查情况：共检查 {len(findings)} 项，{len(failed)} 项不符合要求。",
    ]
    lines += [f"{n}. {f.point_text}" for n, f in enumerate(failed, 1)]
    lines.append(f"检查机关：{organ_name(task.region_path)}")
    return "\n".join(lines)


def on_task_completed(task: InspectionTask) -> Publication:
    """Open the result's publication (inside the caller's transaction); idempotent per task."""
    fact_on = timezone.localdate(task.completed_at or timezone.now())
    due_on, provisional = calendar.publication_due(fact_on)
    return _open(
        {"task": task},
        kind=PublicationKind.RESULT,
        enterprise_id=task.enterprise_id,
        region_path=task.region_path,
        fact_on=fact_on,
        due_on=due_on,
        due_provisional=provisional,
        title=f"{task.enterprise.name} {task.item.name} 检查结果"[:200],
        body=result_text(task, fact_on),
    )


def decision_text(case: PenaltyCase) -> str:
    rule = case.rule
    measures = "；".join(m for m in (case.other_measures or rule.other_measures,) if m)
    penalty = f"罚款人民币 {yuan(case.amount_yuan)} 元" + (f"；{measures}" if measures else "")
    return "\n".join(
        [
            f"行政处罚决定书文号：{case.decision_number}",
            f"被处罚单位：{case.enterprise.name}",
            f"统一社会信用代码：{case.enterprise.credit_code}",
            f"违法行为：{rule.violation}",
            f"主要违法事实：{redact(case.facts)}",
            f"违反的规定：{rule.violated_provision}",
            f"处罚依据：{rule.penalty_provision}",
            f"处罚内容：{penalty}",
            f"作出决定日期：{case.decided_on.isoformat() if case.decided_on else ''}",
            f"作出决定机关：{organ_name(case.region_path)}",
        ]
    )


def on_case_decided(case: PenaltyCase) -> Publication:
    """Open the decision's publication (inside the caller's transaction); idempotent per case."""
    if case.decided_on is None:
        raise Conflict(_("The case has no decision to publish"), code="not_decided")
    due_on, provisional = calendar.publication_due(case.decided_on)
    return _open(
        {"case": case},
        kind=PublicationKind.DECISION,
        enterprise_id=case.enterprise_id,
        region_path=case.region_path,
        fact_on=case.decided_on,
        due_on=due_on,
        due_provisional=provisional,
        title=f"{case.enterprise.name} 行政处罚决定（{case.decision_number}）"[:200],
        body=decision_text(case),
    )


# ---------------------------------------------------------------- staff actions


def publish(*, actor: Actor, pk: Any) -> Publication:
    """Put the item on the public site now."""
    require(actor, Cap.MANAGE_ENFORCEMENT)
    with transaction.atomic():
        item = selectors.get(selectors.publications(actor), pk, "publication", for_update=True)
        if item.withdrawn_at is not None:
            raise Conflict(_("A withdrawn item is not published again"), code="withdrawn")
        if item.published_at is not None:
            raise Conflict(_("Already published"), code="published")
        before = audit.snapshot(item)
        item.published_at = timezone.now()
        item.published_by = actor if actor.is_authenticated else None
        item.save(update_fields=["published_at", "published_by"])
        audit.record(
            actor=actor, action="publication_publish", obj=item, region_path=item.region_path,
            before=before, after=audit.snapshot(item),
        )  # fmt: skip
    return item


def withdraw(*, actor: Actor, pk: Any, reason: Any) -> Publication:
    """Take the item off the public site (or never publish it), with the reason."""
    require(actor, Cap.MANAGE_ENFORCEMENT)
    text = str(reason if reason is not None else "").strip()
    if len(text) < REASON_MIN or len(text) > REASON_MAX:
        raise InvalidInput(
            "reason: "
            + _("give the reason in %(a)s to %(b)s characters")
            % {"a": REASON_MIN, "b": REASON_MAX},
            field="reason",
        )
    with transaction.atomic():
        item = selectors.get(selectors.publications(actor), pk, "publication", for_update=True)
        if item.withdrawn_at is not None:
            raise Conflict(_("Already withdrawn"), code="withdrawn")
        before = audit.snapshot(item)
        item.withdrawn_at, item.withdraw_reason = timezone.now(), text
        item.save(update_fields=["withdrawn_at", "withdraw_reason"])
        audit.record(
            actor=actor, action="publication_withdraw", obj=item, region_path=item.region_path,
            before=before, after=audit.snapshot(item), message=text,
        )  # fmt: skip
    return item


def reschedule(day: dt.date | None = None) -> int:
    """Recount open deadlines a calendar change at ``day`` can move, and every provisional
    one (its year may be covered now); how many moved."""
    cal = calendar.current()
    today = timezone.localdate()
    moved = 0
    affected = Q(due_provisional=True)
    if day is not None:
        affected |= Q(fact_on__lt=day, due_on__gte=day)
    for item in pending().filter(affected):
        due, provisional = calendar.publication_due(item.fact_on, cal)
        if due != item.due_on or provisional != item.due_provisional:
            item.due_on, item.due_provisional = due, provisional
            if item.overdue_flagged_at is not None and due >= today:
                item.overdue_flagged_at = None  # no longer late: the sweep may flag it again
            item.save(update_fields=["due_on", "due_provisional", "overdue_flagged_at"])
            moved += 1
    return moved


# ---------------------------------------------------------------- reads


def pending() -> QuerySet[Publication]:
    return Publication.objects.filter(published_at__isnull=True, withdrawn_at__isnull=True)


TABS: Final = ("due", "overdue", "published", "withdrawn")


def tab(qs: QuerySet[Publication], name: str, today: dt.date) -> QuerySet[Publication]:
    """One list of the staff page: due (not yet late), overdue, published, withdrawn."""
    open_ = Q(published_at__isnull=True, withdrawn_at__isnull=True)
    filters = {
        "due": open_ & Q(due_on__gte=today),
        "overdue": open_ & Q(due_on__lt=today),
        "published": Q(published_at__isnull=False, withdrawn_at__isnull=True),
        "withdrawn": Q(withdrawn_at__isnull=False),
    }
    if name not in filters:
        raise InvalidInput(f"tab: {name[:20]!r} is not one of {', '.join(TABS)}", field="tab")
    return qs.filter(filters[name])


def public() -> QuerySet[Publication]:
    """What the public site shows: published and not withdrawn, nothing else."""
    return Publication.objects.filter(published_at__isnull=False, withdrawn_at__isnull=True)


# ---------------------------------------------------------------- the overdue sweep


def sweep(today: dt.date | None = None) -> dict[str, int]:
    """Flag unpublished items past their deadline once each, and tell each county office."""
    today = today or timezone.localdate()
    counts = {"flagged": 0, "offices": 0, "people_told": 0, "recounted": reschedule()}
    late = pending().filter(due_on__lt=today, overdue_flagged_at__isnull=True)
    by_office: dict[str, list[Publication]] = defaultdict(list)
    now = timezone.now()
    with transaction.atomic():
        for item in late.select_for_update().select_related("enterprise").order_by("due_on"):
            item.overdue_flagged_at = now
            item.save(update_fields=["overdue_flagged_at"])
            audit.record(
                actor=None, action="publication_overdue", obj=item,
                region_path=item.region_path, after={"due_on": item.due_on.isoformat()},
            )  # fmt: skip
            by_office[item.region_path[:6]].append(item)
        for office, items in sorted(by_office.items()):
            first = items[0]
            counts["people_told"] += notify.notify(
                notify.office(office, Cap.MANAGE_ENFORCEMENT),
                kind="publication_overdue",
                title=f"{len(items)} 项执法信息逾期未公开",
                body="；".join(f"{i.title}（应于 {i.due_on} 前公开）" for i in items[:20]),
                link="/enforcement/publications/?tab=overdue",
                obj=first if len(items) == 1 else None,
            )
            counts["flagged"] += len(items)
            counts["offices"] += 1
    return counts


@jobs.job_kind(SWEEP_KIND, "公开期限巡检 publication deadline sweep")
def run_sweep(context: jobs.JobContext, today: str = "") -> dict[str, Any]:
    result = sweep(dt.date.fromisoformat(today) if today else None)
    context.log(f"{result}")
    return result
