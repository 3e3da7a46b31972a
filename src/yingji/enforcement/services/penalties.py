"""Penalty cases (行政处罚案件): one table of steps, each role-checked, recorded and audited.

    filed ─notify→ notified ─decide→ decided ─close→ closed
      └──────── withdraw (撤销立案, before the decision) ──→ withdrawn
    decided ─pay→ decided        payment: paid, or deferred/instalments (行政处罚法 Art. 66)
    decided ─execute→ decided    enforcement: court applied for, then executed

The fine must lie inside the range of the discretion row the case cites (a number outside is
refused with the range); a case closes only when paid or executed. Court enforcement can be
applied for only once the periods for review and litigation have run out without payment
(行政强制法 Art. 53; the later of them is six months from the decision, 行政诉讼法 Art. 46).
The decision opens its publication and recomputes the enterprise's credit and safety code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yingji.core import audit
from yingji.core.errors import Conflict, Forbidden, InvalidInput
from yingji.core.permissions import Cap, has, require
from yingji.core.scoping import scope
from yingji.enforcement import selectors
from yingji.enforcement.models import (
    CaseEvent,
    CaseState,
    DiscretionRule,
    DocumentKind,
    Execution,
    Finding,
    Payment,
    PenaltyCase,
)
from yingji.enforcement.services import penalty_documents, publication, safety_code
from yingji.enforcement.services.calendar import parse_optional_date
from yingji.enforcement.services.discretion import applicable, parse_amount
from yingji.registry.models.enterprise import Enterprise

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yingji.core.models import User

    Actor = User | AnonymousUser

FACTS_MAX: Final = 5000
NUMBER_MAX: Final = 60
MEASURES_MAX: Final = 300
LITIGATION_MONTHS: Final = 6
_S, _MANAGE, _INSPECT = CaseState, Cap.MANAGE_ENFORCEMENT, Cap.INSPECT


@dataclass(frozen=True)
class Step:
    action: str
    sources: tuple[str, ...]
    target: str
    caps: tuple[Cap, ...]  # any one of them
    label: str
    # Offered only when this holds (pages, API "allowed"); the step itself explains a refusal.
    ready: Callable[[PenaltyCase], bool] = lambda case: True


def _unsettled(case: PenaltyCase) -> bool:
    return case.payment != Payment.PAID and case.execution != Execution.DONE


def _settled(case: PenaltyCase) -> bool:
    return not _unsettled(case)


# fmt: off
STEPS: Final = (
    Step("notify",   (_S.FILED,),              _S.NOTIFIED,  (_MANAGE, _INSPECT), "告知"),
    Step("decide",   (_S.NOTIFIED,),           _S.DECIDED,   (_MANAGE,),          "决定"),
    Step("pay",      (_S.DECIDED,),            _S.DECIDED,   (_MANAGE,),          "缴款",
         _unsettled),
    Step("execute",  (_S.DECIDED,),            _S.DECIDED,   (_MANAGE,),          "强制执行",
         _unsettled),
    Step("close",    (_S.DECIDED,),            _S.CLOSED,    (_MANAGE,),          "结案",
         _settled),
    Step("withdraw", (_S.FILED, _S.NOTIFIED),  _S.WITHDRAWN, (_MANAGE,),          "撤销立案"),
)
# fmt: on
BY_ACTION: Final = {s.action: s for s in STEPS}


class IllegalStep(Conflict):
    """Not possible from the case's state (HTTP 409); names the steps that are."""

    code = "illegal_transition"

    def __init__(self, case: PenaltyCase, action: str, allowed: list[str]) -> None:
        names = "、".join(f"{BY_ACTION[a].label} ({a})" for a in allowed) or _("none")
        super().__init__(
            _("Cannot %(action)s case %(code)s while it is %(state)s; allowed now: %(allowed)s")
            % {
                "action": action,
                "code": case.code,
                "state": case.get_state_display(),
                "allowed": names,
            }
        )
        self.allowed = allowed


def may(actor: Actor, step: Step) -> bool:
    return any(has(actor, cap) for cap in step.caps)


def allowed(actor: Actor, case: PenaltyCase) -> list[str]:
    return [s.action for s in STEPS if case.state in s.sources and may(actor, s) and s.ready(case)]


def _text(
    data: Mapping[str, Any], name: str, limit: int, *, required: bool = True, line: bool = False
) -> str:
    text = str(data.get(name) if data.get(name) is not None else "").strip()
    if required and not text:
        raise InvalidInput(f"{name}: " + _("this field is required"), field=name)
    if len(text) > limit:
        raise InvalidInput(
            f"{name}: "
            + _("at most %(n)s characters (got %(got)s)") % {"n": limit, "got": len(text)},
            field=name,
        )
    if any(ord(c) < 32 and (line or c not in "\n\r\t") for c in text):
        raise InvalidInput(f"{name}: " + _("control characters are not allowed"), field=name)
    return text


def _pk(value: Any, name: str) -> int | None:
    if value in (None, ""):
        return None
    text = str(value).strip()
    if not text.isascii() or not text.isdigit() or not 0 < int(text) < 2**63:
        raise InvalidInput(f"{name}: {text[:20]!r} " + _("is not an id"), field=name)
    return int(text)


def _day(data: Mapping[str, Any], name: str, *, after: dt.date | None, what: str) -> dt.date:
    """A date of a step: given or today, never in the future, never before the previous step."""
    today = timezone.localdate()
    day = parse_optional_date(data.get(name), name) or today
    if day > today:
        raise InvalidInput(f"{name}: " + _("the date lies in the future"), field=name)
    if after is not None and day < after:
        raise InvalidInput(
            f"{name}: " + _("must not be before %(what)s (%(day)s)") % {"what": what, "day": after},
            field=name,
        )
    return day


def in_range(rule: DiscretionRule, value: Any, field: str = "amount") -> Any:
    amount = parse_amount(value, field)
    if not rule.min_yuan <= amount <= rule.max_yuan:
        raise InvalidInput(
            f"{field}: "
            + _("%(amount)s yuan is outside the range of rule %(rule)s: %(low)s–%(high)s yuan")
            % {
                "amount": f"{amount:,}",
                "rule": str(rule),
                "low": f"{rule.min_yuan:,}",
                "high": f"{rule.max_yuan:,}",
            },
            field=field,
        )
    return amount


# ---------------------------------------------------------------- filing


def file_case(*, actor: Actor, data: Mapping[str, Any]) -> PenaltyCase:
    """立案: an enterprise, a discretion row and the facts; optionally from a task's finding."""
    if not (has(actor, _MANAGE) or has(actor, _INSPECT)):
        require(actor, _MANAGE)
    task_id, finding_id = _pk(data.get("task"), "task"), _pk(data.get("finding"), "finding")
    task = None
    if task_id is not None:
        task = selectors.tasks(actor).filter(pk=task_id).first()
        if task is None:
            raise InvalidInput("task: " + _("no such inspection task of yours"), field="task")
    elif not has(actor, _MANAGE):
        raise InvalidInput("task: " + _("an inspector files a case from one of their tasks"),
                           field="task")  # fmt: skip
    enterprise = _enterprise(actor, data.get("enterprise"), task)
    finding = None
    if finding_id is not None:
        finding = Finding.objects.filter(pk=finding_id, task=task).first() if task else None
        if finding is None or finding.compliant:
            raise InvalidInput("finding: " + _("a non-compliant finding of the task is needed"),
                               field="finding")  # fmt: skip
    rule_id = _pk(data.get("rule"), "rule")
    rule = applicable(enterprise.region_path).filter(pk=rule_id).first() if rule_id else None
    if rule is None:
        raise InvalidInput(
            "rule: " + _("cite a discretion rule in force for the enterprise's region"),
            field="rule",
        )
    facts = _text(data, "facts", FACTS_MAX)
    filed_on = _day(data, "filed_on", after=None, what="")
    with transaction.atomic():
        case = _create(
            enterprise=enterprise, region_path=enterprise.region_path, task=task,
            finding=finding, rule=rule, facts=facts, filed_on=filed_on,
            created_by=actor if actor.is_authenticated else None,
        )  # fmt: skip
        _record(case, "file", "", CaseState.FILED, actor=actor, note=str(rule))
    return case


def _enterprise(actor: Actor, value: Any, task: Any) -> Enterprise:
    key = _pk(value, "enterprise")
    if task is not None:
        if key is not None and key != task.enterprise_id:
            raise InvalidInput("enterprise: " + _("the task inspected another enterprise"),
                               field="enterprise")  # fmt: skip
        return task.enterprise  # type: ignore[no-any-return]
    live = Enterprise.objects.filter(voided_at__isnull=True)
    found = scope(live, actor).filter(pk=key).first() if key else None
    if found is None:
        raise InvalidInput("enterprise: " + _("no such enterprise in your jurisdiction"),
                           field="enterprise")  # fmt: skip
    return found


def _create(**fields: Any) -> PenaltyCase:
    """The case with the next number of its county and year: 330106-2025-CF-0001."""
    prefix = f"{fields['region_path'][:6]}-{fields['filed_on'].year}-CF-"
    for _attempt in range(5):
        last = PenaltyCase.objects.filter(code__startswith=prefix).order_by("-code").first()
        serial = int(last.code.rsplit("-", 1)[1]) + 1 if last else 1
        try:
            with transaction.atomic():
                return PenaltyCase.objects.create(code=f"{prefix}{serial:04d}", **fields)
        except IntegrityError:
            continue
    raise Conflict(_("Could not number the case; try again"), code="busy")


# ---------------------------------------------------------------- the steps


def act(
    *, actor: Actor, pk: Any, action: str, data: Mapping[str, Any] | None = None
) -> PenaltyCase:
    """Apply one step to case ``pk`` as ``actor``: the one way a case changes after filing."""
    data = dict(data or {})
    step = BY_ACTION.get(str(action))
    if step is None:
        raise InvalidInput(f"action: {str(action)[:20]!r} is not one of {', '.join(BY_ACTION)}",
                           field="action")  # fmt: skip
    with transaction.atomic():
        case = selectors.get(selectors.cases(actor), pk, "penalty case", for_update=True)
        if case.state not in step.sources:
            raise IllegalStep(case, step.action, allowed(actor, case))
        if not may(actor, step):
            raise Forbidden(_("Your roles do not allow '%(a)s' on a case") % {"a": step.action})
        before, previous = audit.snapshot(case), case.state
        note = HANDLERS[step.action](case, data, actor)
        case.state = step.target
        case.save()
        _record(case, step.action, previous, step.target, actor=actor, note=note, before=before)
        if step.action == "decide":
            publication.on_case_decided(case)
        if step.action in ("decide", "close"):
            safety_code.refresh([case.enterprise_id], cause=f"penalty_{step.action}:{case.code}")
    return case


def _notify(case: PenaltyCase, data: Mapping[str, Any], actor: Actor) -> str:
    amount = in_range(case.rule, data.get("amount"))
    case.other_measures = _text(data, "other_measures", MEASURES_MAX, required=False)
    case.notified_on = _day(data, "notified_on", after=case.filed_on, what=_("the filing date"))
    case.amount_yuan = amount
    document = penalty_documents.notice(case, amount)
    penalty_documents.store(case, DocumentKind.PENALTY_NOTICE, document, actor=actor,
                            extra={"amount_yuan": str(amount)})  # fmt: skip
    return f"{document.number}: {amount:,} 元"


def _decide(case: PenaltyCase, data: Mapping[str, Any], actor: Actor) -> str:
    number = _text(data, "decision_number", NUMBER_MAX, line=True)
    if PenaltyCase.objects.filter(decision_number=number).exclude(pk=case.pk).exists():
        raise Conflict(_("Decision number %(n)s is already used") % {"n": number},
                       code="decision_number_taken")  # fmt: skip
    case.amount_yuan = in_range(case.rule, data.get("amount", case.amount_yuan))
    if "other_measures" in data:
        case.other_measures = _text(data, "other_measures", MEASURES_MAX, required=False)
    case.decided_on = _day(data, "decided_on", after=case.notified_on, what=_("the notice"))
    case.decision_number = number
    try:
        with transaction.atomic():
            penalty_documents.store(case, DocumentKind.PENALTY_DECISION,
                                    penalty_documents.decision(case), actor=actor,
                                    extra={"amount_yuan": str(case.amount_yuan)})  # fmt: skip
    except IntegrityError:
        raise Conflict(_("Document number %(n)s is already used") % {"n": number},
                       code="decision_number_taken") from None  # fmt: skip
    return f"{number}: {case.amount_yuan:,} 元"


def _pay(case: PenaltyCase, data: Mapping[str, Any], actor: Actor) -> str:
    status = str(data.get("payment") or "")
    if status not in (Payment.PAID, Payment.DEFERRED):
        raise InvalidInput("payment: " + _("paid or deferred"), field="payment")
    if case.payment == Payment.PAID:
        raise Conflict(_("The fine is recorded as paid already"), code="paid")
    note = _text(data, "note", 500, required=status == Payment.DEFERRED)
    case.payment = status
    if status == Payment.PAID:
        case.paid_on = _day(data, "paid_on", after=case.decided_on, what=_("the decision"))
    return f"{status} {case.paid_on or ''} {note}".strip()


def court_from(decided_on: dt.date) -> dt.date:
    """The first day court enforcement may be applied for: six months after the decision."""
    month = decided_on.month - 1 + LITIGATION_MONTHS
    year, month = decided_on.year + month // 12, month % 12 + 1
    for day in range(decided_on.day, 0, -1):
        try:
            return dt.date(year, month, day) + dt.timedelta(days=1)
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


def _execute(case: PenaltyCase, data: Mapping[str, Any], actor: Actor) -> str:
    status = str(data.get("execution") or "")
    today = timezone.localdate()
    if status == Execution.COURT:
        if case.payment == Payment.PAID or case.execution != Execution.NONE:
            raise Conflict(_("Court enforcement is for an unpaid fine, applied for once"),
                           code="execution")  # fmt: skip
        earliest = court_from(case.decided_on or today)
        if today < earliest:
            raise Conflict(
                _(
                    "Court enforcement may be applied for from %(day)s, when the periods for "
                    "review and litigation have run out (行政强制法 第五十三条)"
                )
                % {"day": earliest},
                code="too_early",
            )
    elif status == Execution.DONE:
        if case.execution != Execution.COURT:
            raise Conflict(_("Apply for court enforcement first"), code="execution")
    else:
        raise InvalidInput("execution: " + _("court or done"), field="execution")
    case.execution = status
    return _text(data, "note", 500, required=False)


def _close(case: PenaltyCase, data: Mapping[str, Any], actor: Actor) -> str:
    if case.payment != Payment.PAID and case.execution != Execution.DONE:
        raise Conflict(_("A case closes only when the fine is paid or executed"),
                       code="not_settled")  # fmt: skip
    case.closed_on = timezone.localdate()
    return _text(data, "note", 500, required=False)


def _withdraw(case: PenaltyCase, data: Mapping[str, Any], actor: Actor) -> str:
    reason = _text(data, "reason", 200)
    if len(reason) < 4:
        raise InvalidInput("reason: " + _("say why (at least a few words)"), field="reason")
    case.withdraw_reason = reason
    return reason


HANDLERS: Final[dict[str, Callable[[PenaltyCase, Mapping[str, Any], Any], str]]] = {
    "notify": _notify, "decide": _decide, "pay": _pay, "execute": _execute,
    "close": _close, "withdraw": _withdraw,
}  # fmt: skip


def _record(
    case: PenaltyCase, action: str, previous: str, target: str, *, actor: Actor, note: str = "",
    before: dict[str, Any] | None = None,
) -> None:  # fmt: skip
    CaseEvent.objects.create(
        case=case, action=action, from_state=previous, to_state=target, note=note[:500],
        actor=actor if actor.is_authenticated else None,
    )  # fmt: skip
    audit.record(
        actor=actor, action=f"case_{action}", obj=case, region_path=case.region_path,
        before=before, after=audit.snapshot(case), message=note,
    )  # fmt: skip
