"""The hidden-hazard state machine: one table of transitions, role-checked and audited.

    reported ─register→ registered ─start→ rectifying ─submit→ submitted ─accept→ accepted
                                             ↑                     │                 │
                                             └───────reject────────┘              close→ closed
    any open state ─void (a supervisor, with a reason)→ voided

Each transition names the capability it needs and what must be filled in before it can
happen (a deadline to register, a 治理方案 to start rectifying a major, evidence to submit,
an opinion to accept or reject). An illegal transition raises :class:`IllegalTransition`
(HTTP 409) naming the transitions allowed from the current state; nothing changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yingji.core import audit
from yingji.core.errors import Conflict, Forbidden, InvalidInput
from yingji.core.models import User
from yingji.core.permissions import Cap, has
from yingji.hazards.models import (
    Category,
    Criterion,
    EvidenceKind,
    Grade,
    HazardEvent,
    HiddenHazard,
    State,
    Supervision,
)
from yingji.hazards.selectors import enterprise_of, get_hazard
from yingji.kernels.identifiers import mobile_problem

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    Actor = User | AnonymousUser

CHOICES: Final = {"grade": Grade.values, "category": Category.values}
TEXT_LIMITS: Final = {"responsible_unit": 100, "responsible_person": 50}
PLAN_FIELDS: Final = (
    "plan_goal",
    "plan_measures",
    "plan_funding",
    "plan_organisation",
    "plan_deadline",
    "plan_safety",
)
Check = Callable[[HiddenHazard, Mapping[str, Any]], dict[str, str]]


class IllegalTransition(Conflict):
    """This action is not possible from the hazard's state (HTTP 409); ``allowed`` lists what is."""

    def __init__(self, hazard: HiddenHazard, action: str, allowed: list[str]) -> None:
        names = "、".join(f"{LABELS.get(a, a)} ({a})" for a in allowed) or _("none")
        super().__init__(
            _("Cannot %(action)s hazard %(code)s while it is %(state)s; allowed now: %(allowed)s")
            % {
                "action": f"{LABELS.get(action, action)} ({action})",
                "code": hazard.code,
                "state": State(hazard.state).label,
                "allowed": names,
            },
            code="illegal_transition",
        )
        self.allowed = allowed


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    target: str
    cap: Cap
    own_enterprise: bool  # an enterprise user may do it for their own enterprise's hazard
    check: Check | None = None


def _registered(h: HiddenHazard, data: Mapping[str, Any]) -> dict[str, str]:
    """Checked after the transition's fields are written onto ``h``."""
    problems = {}
    if h.deadline is None:
        problems["deadline"] = _("a rectification deadline is required to register a hazard")
    elif h.deadline < timezone.localdate():
        problems["deadline"] = _("the deadline lies in the past")
    if not h.responsible_person:
        problems["responsible_person"] = _("name the person responsible for the rectification")
    if h.grade == Grade.MAJOR and not h.criterion_id:
        problems["criterion"] = _(
            "a major hazard needs the criterion (判定标准条目) that makes it major"
        )
    return problems


def _planned(h: HiddenHazard, data: Mapping[str, Any]) -> dict[str, str]:
    if h.grade != Grade.MAJOR:
        return {}
    return {
        name: _("a major hazard's 治理方案 must state this before rectification starts")
        for name in PLAN_FIELDS
        if not getattr(h, name)
    }


def _rectified(h: HiddenHazard, data: Mapping[str, Any]) -> dict[str, str]:
    problems = {}
    if not h.rectification_note:
        problems["rectification_note"] = _("describe what was done")
    has_photo = h.evidence.filter(kind=EvidenceKind.RECTIFICATION).exists()
    if h.grade == Grade.MAJOR and not has_photo and not data.get("_photos"):
        problems["photo"] = _("a major hazard needs at least one rectification photo")
    return problems


def _opinion(h: HiddenHazard, data: Mapping[str, Any]) -> dict[str, str]:
    if not str(data.get("note") or "").strip():
        return {"note": _("give the acceptance opinion (or the reasons for rejecting)")}
    return {}


def _closable(h: HiddenHazard, data: Mapping[str, Any]) -> dict[str, str]:
    supervision = Supervision.objects.filter(hazard=h, lifted_at__isnull=True).first()
    if supervision is not None:  # a conflict of state, not missing input: 409
        raise Conflict(
            f"{h.code} is under {supervision.get_level_display()}挂牌督办: lift it first",
            code="supervised",
        )
    return {}


def _reason(h: HiddenHazard, data: Mapping[str, Any]) -> dict[str, str]:
    if len(str(data.get("note") or "").strip()) < 4:
        return {"note": _("say why the hazard is voided (at least a few words)")}
    return {}


OPEN = (State.REPORTED, State.REGISTERED, State.RECTIFYING, State.SUBMITTED)
_S, _MANAGE, _SUPERVISE = State, Cap.MANAGE_HAZARDS, Cap.SUPERVISE_HAZARDS
# fmt: off
TRANSITIONS: Final = (
    #          action      from                to               capability  own*   check
    Transition("register", (_S.REPORTED,),   _S.REGISTERED,  _MANAGE,    True,  _registered),
    Transition("start",    (_S.REGISTERED,), _S.RECTIFYING,  _MANAGE,    True,  _planned),
    Transition("submit",   (_S.RECTIFYING,), _S.SUBMITTED,   _MANAGE,    True,  _rectified),
    Transition("accept",   (_S.SUBMITTED,),  _S.ACCEPTED,    _MANAGE,    False, _opinion),
    Transition("reject",   (_S.SUBMITTED,),  _S.RECTIFYING,  _MANAGE,    False, _opinion),
    Transition("close",    (_S.ACCEPTED,),   _S.CLOSED,      _MANAGE,    False, _closable),
    Transition("void",     OPEN,             _S.VOIDED,      _SUPERVISE, False, _reason),
)
# fmt: on
# * own: an enterprise user may also do it for their own enterprise's hazard (register: generals).
BY_ACTION: Final = {t.action: t for t in TRANSITIONS}
LABELS: Final = {
    "register": "登记", "start": "开始整改", "submit": "提交验收", "accept": "验收通过",
    "reject": "验收不通过", "close": "销号", "void": "作废",
}  # fmt: skip
# What each transition may write on the hazard besides the state.
WRITABLE: Final = {
    "register": (
        "grade",
        "criterion",
        "category",
        "deadline",
        "responsible_unit",
        "responsible_person",
        "responsible_phone",
    ),
    "start": PLAN_FIELDS,
    "submit": ("rectification_note",),
    "accept": (),
    "reject": (),
    "close": (),
    "void": (),
}


def may(actor: Actor, transition: Transition, hazard: HiddenHazard) -> bool:
    """Whether the actor's roles allow this transition on this hazard (state aside)."""
    own = enterprise_of(actor)
    if own is None:
        return has(actor, transition.cap)
    if not transition.own_enterprise or own.pk != hazard.enterprise_id:
        return False
    # An enterprise registers only its own general hazards; a major goes to the bureau.
    return not (transition.action == "register" and hazard.grade == Grade.MAJOR)


def allowed(actor: Actor, hazard: HiddenHazard) -> list[str]:
    return [t.action for t in TRANSITIONS if hazard.state in t.sources and may(actor, t, hazard)]


def transition(
    *, actor: Actor, pk: Any, action: str, data: Mapping[str, Any] | None = None
) -> HiddenHazard:
    """Apply ``action`` to hazard ``pk`` as ``actor``: the one way a hazard's state changes."""
    data = dict(data or {})
    step = BY_ACTION.get(action)
    if step is None:
        raise InvalidInput(
            f"Unknown action {action!r}: one of {', '.join(BY_ACTION)}", field="action"
        )
    with transaction.atomic():
        hazard = get_hazard(actor, pk, for_update=True)
        possible = [t.action for t in TRANSITIONS if hazard.state in t.sources]
        if hazard.state not in step.sources:
            raise IllegalTransition(hazard, action, allowed(actor, hazard))
        if not may(actor, step, hazard):
            raise Forbidden(
                f"Your roles do not allow '{action}' on {hazard.code}"
                f" (possible now for others: {', '.join(possible)})"
            )
        before = audit.snapshot(hazard)
        _write_fields(hazard, step, data)
        if (
            step.action == "register"
            and hazard.grade == Grade.MAJOR
            and not may(actor, step, hazard)
        ):
            raise Forbidden(_("A major hazard is registered by the bureau, not by the enterprise"))
        problems = step.check(hazard, data) if step.check else {}
        if problems:
            field, message = next(iter(problems.items()))
            raise InvalidInput(f"{field}: {message}", field=field, code="incomplete")
        previous = hazard.state
        hazard.state = step.target
        now = timezone.now()
        if step.target == State.CLOSED:
            hazard.closed_at = now
        if step.action == "accept":
            hazard.acceptance_note = str(data.get("note", ""))[:2000]
        if step.action == "void":
            hazard.void_reason = str(data.get("note", ""))[:200]
            # A voided hazard leaves the supervision board: the listing ends with it.
            Supervision.objects.filter(hazard=hazard, lifted_at__isnull=True).update(
                lifted_at=now,
                lifted_by=actor if isinstance(actor, User) else None,
                lift_note=f"隐患作废 voided: {hazard.void_reason}",
            )
        hazard.save()
        note = str(data.get("note", ""))
        record_event(hazard, action, previous, step.target, actor=actor, note=note, at=now)
        audit.record(
            actor=actor,
            action=f"hazard_{action}",
            obj=hazard,
            region_path=hazard.region_path,
            before=before,
            after=audit.snapshot(hazard),
        )
        after_change(hazard)
    return hazard


def _write_fields(hazard: HiddenHazard, step: Transition, data: Mapping[str, Any]) -> None:
    """Write the fields this action may set, each checked (nothing is saved on a problem)."""
    if data.get("grade") == Grade.GENERAL and "grade" in WRITABLE[step.action]:
        hazard.criterion = None  # a general hazard cites no major-hazard criterion
    for name in WRITABLE[step.action]:
        value = data.get(name)
        if value in (None, ""):
            continue
        if name == "criterion":
            key = str(getattr(value, "pk", value))
            found = Criterion.objects.filter(
                pk=int(key) if key.isascii() and key.isdigit() else -1, active=True
            ).first()
            if found is None:
                raise InvalidInput(f"criterion: no criterion {key[:20]!r} in force", field=name)
            hazard.criterion = found
        elif name in ("deadline", "plan_deadline"):
            try:
                day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
            except ValueError as exc:
                message = f"{name}: {str(value)[:20]!r} is not a date (YYYY-MM-DD)"
                raise InvalidInput(message, field=name) from exc
            setattr(hazard, name, day)
        elif name in CHOICES and str(value) not in CHOICES[name]:
            known = ", ".join(CHOICES[name])
            raise InvalidInput(f"{name}: {str(value)[:20]!r} is not one of {known}", field=name)
        elif name == "responsible_phone" and (problem := mobile_problem(str(value))):
            raise InvalidInput(f"responsible_phone: {problem}", field=name)
        else:
            limit = TEXT_LIMITS.get(name, 2000)
            if len(str(value)) > limit:
                raise InvalidInput(f"{name}: at most {limit} characters", field=name)
            setattr(hazard, name, str(value))


def record_event(
    hazard: HiddenHazard,
    action: str,
    previous: str,
    target: str,
    *,
    actor: Actor | None,
    note: str = "",
    at: dt.datetime | None = None,
) -> HazardEvent:
    user = actor if actor is not None and actor.is_authenticated else None
    return HazardEvent.objects.create(
        hazard=hazard,
        action=action,
        from_state=previous,
        to_state=target,
        note=note[:2000],
        actor=user,
        actor_label=user.get_username() if user else "(system)",
        at=at or timezone.now(),
    )


def after_change(hazard: HiddenHazard) -> None:
    """A hazard is a risk input of its enterprise: re-score it (when the risk app is present)."""
    if hazard.enterprise_id is None:
        return
    from yingji.hazards.links import hazard_changed  # noqa: PLC0415 - optional link

    hazard_changed(hazard.enterprise_id)
