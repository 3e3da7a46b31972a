"""The warning lifecycle (预警发布流程): one table of transitions, role-checked, audited.

    draft ─submit→ submitted ─review→ reviewed ─issue→ issued ─(time)→ expired
      ↑               │                                  │
      └────return─────┘                 an issued Update/Cancel of it → updated / cancelled
    draft or submitted ─withdraw→ withdrawn

- Drafting needs ``Cap.DRAFT_WARNINGS``, review ``Cap.REVIEW_WARNINGS`` (审核), issue
  ``Cap.ISSUE_WARNINGS`` (签发), each within the actor's jurisdiction (the warning's issuing
  office must be in it). With ``settings.WARNING_SEPARATION`` (the default) the reviewer is
  not the drafter and the issuer is neither: one person cannot push a warning out alone.
- An update or a cancellation starts as a new draft copied from an issued warning (CAP
  ``msgType`` Update/Cancel, ``references`` the original) and takes the same path; issuing it
  ends the original (``updated`` / ``cancelled``).
- An illegal transition raises :class:`IllegalTransition` (HTTP 409) naming what is allowed
  now; bad input raises ``InvalidInput`` (422) naming the field; nothing changes either way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yingji.alerts import catalogue, outbox
from yingji.alerts.models import (
    Area,
    Event,
    Guidance,
    MsgType,
    Source,
    State,
    Warning,
)
from yingji.alerts.services import fields
from yingji.alerts.services.fields import EDITABLE
from yingji.core import audit, jobs
from yingji.core.errors import Conflict, Forbidden, InvalidInput
from yingji.core.permissions import Cap, has, require
from yingji.core.scoping import get_scoped, jurisdiction_of
from yingji.kernels import cap
from yingji.monitoring.selectors import get_alarm

if TYPE_CHECKING:
    from yingji.core.models import User

EXPIRE_KIND: Final = "alerts.expire"
SNAPSHOT: Final = (*EDITABLE, "state", "msg_type", "identifier", "drafted_by", "reviewed_by",
                   "issued_by")  # fmt: skip


class IllegalTransition(Conflict):
    """Not possible from the warning's state (HTTP 409); ``allowed`` lists what is."""

    def __init__(self, warning: Warning, action: str, allowed: list[str]) -> None:
        super().__init__(
            _("Cannot %(action)s a warning that is %(state)s; allowed now: %(allowed)s")
            % {
                "action": action,
                "state": State(warning.state).label,
                "allowed": ", ".join(allowed) or _("nothing"),
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


TRANSITIONS: Final = {
    t.action: t
    for t in (
        Transition("submit", (State.DRAFT,), State.SUBMITTED, Cap.DRAFT_WARNINGS),
        Transition("return", (State.SUBMITTED,), State.DRAFT, Cap.REVIEW_WARNINGS),
        Transition("review", (State.SUBMITTED,), State.REVIEWED, Cap.REVIEW_WARNINGS),
        Transition("issue", (State.REVIEWED,), State.ISSUED, Cap.ISSUE_WARNINGS),
        Transition("withdraw", (State.DRAFT, State.SUBMITTED), State.WITHDRAWN, Cap.DRAFT_WARNINGS),
    )
}


def allowed_actions(actor: User, warning: Warning) -> list[str]:
    """The transitions ``actor`` could take on ``warning`` now (for the page's buttons)."""
    found = []
    for action, step in TRANSITIONS.items():
        if warning.state in step.sources and _problem(actor, warning, step) is None:
            found.append(action)
    replaceable = warning.state == State.ISSUED and warning.msg_type != MsgType.CANCEL
    if replaceable and _may(actor, Cap.DRAFT_WARNINGS, warning):
        found += ["update", "cancel"]
    return found


def _may(actor: User, cap: Cap, warning: Warning) -> bool:
    return has(actor, cap) and jurisdiction_of(actor).covers(warning.region_path)


def _problem(actor: User, warning: Warning, step: Transition) -> str | None:
    if not _may(actor, step.cap, warning):
        return _("Your roles do not allow %(action)s here") % {"action": step.action}
    if not settings.WARNING_SEPARATION:
        return None
    if step.action == "review" and warning.drafted_by_id == actor.pk:
        return _("The drafter cannot review their own warning (审核 needs a second person)")
    if step.action == "issue" and actor.pk in (warning.drafted_by_id, warning.reviewed_by_id):
        return _(
            "The issuer must be neither the drafter nor the reviewer (签发 needs a third person)"
        )
    return None


def get_warning(actor: User, pk: int) -> Warning:
    require(actor, Cap.VIEW_WARNINGS)
    return get_scoped(Warning.objects.select_related("sender"), actor, label="warning", pk=pk)


# ---------------------------------------------------------------- drafting


def create_draft(actor: User, data: Mapping[str, Any]) -> Warning:
    """A new warning (msgType Alert) from ``data``: the editable fields, ``sender`` (region
    code of the issuing office, default the actor's home region) and ``areas``."""
    require(actor, Cap.DRAFT_WARNINGS)
    sender = fields.sender(actor, data.get("sender"))
    values = fields.parse_fields(data, partial=False)
    areas = fields.parse_areas(actor, data.get("areas"))
    with transaction.atomic():
        source = data.get("source")
        warning = Warning(
            **values, sender=sender, region_path=sender.path, drafted_by=actor,
            source=source if source in Source.values else Source.MANUAL,
        )  # fmt: skip
        if not warning.instruction:
            warning.instruction = guidance_for(warning.event_type, warning.level)
        fields.check_type_level(warning.event_type, warning.level)
        warning.save()
        _save_areas(warning, areas)
        _record(warning, "create", State.DRAFT, State.DRAFT, actor, "")
    return warning


def edit_draft(actor: User, pk: int, data: Mapping[str, Any]) -> Warning:
    """Change a draft's fields and (when given) its areas; only a draft can be edited."""
    with transaction.atomic():
        warning = _locked(actor, pk)
        if warning.state != State.DRAFT:
            raise IllegalTransition(warning, "edit", allowed_actions(actor, warning))
        if not _may(actor, Cap.DRAFT_WARNINGS, warning):
            raise Forbidden(_("Your roles do not allow editing this warning"))
        before = audit.snapshot(warning, SNAPSHOT)
        for name, value in fields.parse_fields(data, partial=True).items():
            setattr(warning, name, value)
        fields.check_type_level(warning.event_type, warning.level)
        fields.check_times(warning.onset, warning.expires)
        warning.save()
        if "areas" in data:
            warning.areas.all().delete()
            _save_areas(warning, fields.parse_areas(actor, data["areas"]))
        _record(warning, "edit", State.DRAFT, State.DRAFT, actor, "", before=before)
    return warning


def start_replacement(actor: User, pk: int, kind: str) -> Warning:
    """A draft Update or Cancel of an issued warning, copied from it (areas included)."""
    if kind not in (MsgType.UPDATE, MsgType.CANCEL):
        raise InvalidInput(_("kind must be Update or Cancel"), field="kind")
    with transaction.atomic():
        original = _locked(actor, pk)
        if original.state != State.ISSUED or original.msg_type == MsgType.CANCEL:
            raise IllegalTransition(original, kind.lower(), allowed_actions(actor, original))
        if not _may(actor, Cap.DRAFT_WARNINGS, original):
            raise Forbidden(_("Your roles do not allow replacing this warning"))
        copy = Warning(
            **{name: getattr(original, name) for name in EDITABLE},
            msg_type=kind, references=original, sender=original.sender,
            region_path=original.region_path, drafted_by=actor, source=Source.MANUAL,
        )  # fmt: skip
        if kind == MsgType.CANCEL:
            copy.headline = (_("Cancelled: %(headline)s") % {"headline": original.headline})[:200]
        copy.save()
        Area.objects.bulk_create(
            Area(warning=copy, description=a.description, region=a.region, polygon=a.polygon,
                 circle=a.circle)
            for a in original.areas.all()
        )  # fmt: skip
        _record(copy, kind.lower(), State.DRAFT, State.DRAFT, actor, f"→ #{original.pk}")
    return copy


def draft_from_alarm(actor: User, alarm_id: int) -> Warning:
    """A draft pre-filled from a monitoring alarm: type by rule, level by its peak, the
    station's region as the area, the alarm's figures in the description."""
    alarm = get_alarm(actor, alarm_id)
    station = alarm.sensor.station
    kind = catalogue.FROM_RULE.get(alarm.rule, "other")
    level = max(0, min(3, alarm.peak))
    allowed = catalogue.BY_CODE[kind].levels
    level = min((lv for lv in allowed if lv >= level), default=max(allowed))
    now = timezone.now()
    data = {
        "event_type": kind,
        "level": level,
        "urgency": "Immediate",
        "certainty": "Observed",
        "headline": f"{station.name}{catalogue.title(kind, level)}",
        "description": f"{alarm.get_rule_display()}: {station.name} ({alarm.sensor.code}) "
        f"{alarm.detail}".strip(),
        "onset": now.isoformat(),
        "expires": (now + dt.timedelta(hours=6)).isoformat(),
        "areas": [{"region": station.region_id, "description": station.name}],
        "source": Source.ALARM,
    }
    warning = create_draft(actor, data)
    Warning.objects.filter(pk=warning.pk).update(source_alarm=alarm)
    warning.source_alarm = alarm
    return warning


def guidance_for(event_type: str, level: int) -> str:
    """The 防御指南 template for a type and level ('' when none is stored)."""
    found = Guidance.objects.filter(event_type=event_type, level=level).first()
    return found.instruction if found else ""


# ---------------------------------------------------------------- transitions


def act(actor: User, pk: int, action: str, *, note: str = "") -> Warning:
    """Take one lifecycle step (submit, return, review, issue, withdraw) on a warning."""
    step = TRANSITIONS.get(action)
    if step is None:
        raise InvalidInput(
            _("Unknown action %(action)r; use one of %(allowed)s")
            % {"action": str(action)[:20], "allowed": ", ".join(TRANSITIONS)},
            field="action",
        )
    if not isinstance(note, str) or len(note) > 2000:
        raise InvalidInput(_("The note must be text of at most 2000 characters"), field="note")
    if action == "return" and not note.strip():
        raise InvalidInput(_("Say in the note what must change"), field="note")
    with transaction.atomic():
        warning = _locked(actor, pk)
        if warning.state not in step.sources:
            raise IllegalTransition(warning, action, allowed_actions(actor, warning))
        problem = _problem(actor, warning, step)
        if problem:
            separation = _may(actor, step.cap, warning)  # not the message: it is translated
            raise Forbidden(problem, code="separation" if separation else "forbidden")
        before = audit.snapshot(warning, SNAPSHOT)
        source = warning.state
        now = timezone.now()
        if action == "submit":
            _ready(warning)
            warning.submitted_at = now
        elif action == "review":
            _ready(warning)
            warning.reviewed_by, warning.reviewed_at = actor, now
        elif action == "return":
            warning.reviewed_by, warning.reviewed_at = None, None
        elif action == "issue":
            _ready(warning, issuing=True)
            warning.issued_by, warning.issued_at = actor, now
            warning.identifier = issue_identifier(warning, now)
            _end_original(warning, actor, now)
            warning.state = step.target
            warning.save()
            sent = outbox.enqueue(warning, now)
            note = note or _("%(recipients)d people, %(messages)d messages") % sent
            jobs.start(actor=actor, kind="alerts.drain", title=f"发送 {warning.identifier}")
        elif action == "withdraw":
            warning.ended_at = now
        warning.state = step.target
        warning.save()
        _record(warning, action, source, step.target, actor, note.strip(), before=before)
    return warning


def _ready(warning: Warning, *, issuing: bool = False) -> None:
    """A warning must be complete to be submitted, reviewed or issued."""
    problems = {}
    if not warning.headline.strip():
        problems["headline"] = _("required")
    if not warning.description.strip():
        problems["description"] = _("required")
    if not warning.areas.exists():
        problems["areas"] = _("at least one area")
    if issuing and warning.expires <= timezone.now():
        problems["expires"] = _("already past: set a later expiry before issuing")
    if problems:
        name, why = next(iter(problems.items()))
        raise InvalidInput(
            _("The warning is not complete: %(field)s %(why)s") % {"field": name, "why": why},
            field=name,
        )


def _end_original(warning: Warning, actor: User, now: dt.datetime) -> None:
    """Issuing an Update or Cancel ends the warning it replaces."""
    original = warning.references
    if original is None:
        return
    original = Warning.objects.select_for_update().get(pk=original.pk)
    if original.state != State.ISSUED:
        raise Conflict(
            _("The warning this replaces (#%(pk)s) is %(state)s, no longer issued")
            % {"pk": original.pk, "state": State(original.state).label},
            code="original_not_issued",
        )
    target = State.CANCELLED if warning.msg_type == MsgType.CANCEL else State.UPDATED
    original.state, original.ended_at = target, now
    original.save(update_fields=["state", "ended_at", "updated_at"])
    _record(original, target, State.ISSUED, target, actor, f"← #{warning.pk}")


def issue_identifier(warning: Warning, sent: dt.datetime) -> str:
    """The CAP identifier of an issued warning in the GB/T 35965.1 form: the sender's GB/T 2260
    code, the organisation code (``settings.WARNING_ORG_CODE``), the time in Beijing time and
    the sequence (0–9) of warnings the same office issued in the same second."""
    second = sent.replace(microsecond=0)
    same_second = (
        Warning.objects.filter(
            sender=warning.sender, issued_at__gte=second,
            issued_at__lt=second + dt.timedelta(seconds=1),
        )
        .exclude(pk=warning.pk)
        .count()
    )  # fmt: skip
    if same_second > 9:
        raise Conflict(_("Ten warnings issued by this office this second; try again"))
    return cap.make_identifier(
        warning.sender.code[:6], settings.WARNING_ORG_CODE, sent, sequence=same_second
    )


# ---------------------------------------------------------------- expiry


@jobs.job_kind(EXPIRE_KIND, "预警到期 warning expiry")
def expire_job(ctx: jobs.JobContext) -> dict[str, int]:
    return {"expired": expire()}


def expire(now: dt.datetime | None = None) -> int:
    """Issued warnings past their ``expires`` become ``expired``."""
    now = now or timezone.now()
    done = 0
    with transaction.atomic():
        for warning in Warning.objects.select_for_update().filter(
            state=State.ISSUED, expires__lte=now
        ):
            warning.state, warning.ended_at = State.EXPIRED, warning.expires
            warning.save(update_fields=["state", "ended_at", "updated_at"])
            _record(warning, "expire", State.ISSUED, State.EXPIRED, None, "")
            done += 1
    return done


# ---------------------------------------------------------------- input


def _locked(actor: User, pk: int) -> Warning:
    require(actor, Cap.VIEW_WARNINGS)
    return get_scoped(
        Warning.objects.select_for_update(of=("self",)).select_related("sender", "references"),
        actor, label="warning", pk=pk,
    )  # fmt: skip


def _save_areas(warning: Warning, areas: list[Area]) -> None:
    for area in areas:
        area.warning = warning
    Area.objects.bulk_create(areas)


def _record(  # noqa: PLR0917 - a row of the history, in its order
    warning: Warning,
    action: str,
    source: str,
    target: str,
    actor: User | None,
    note: str,
    *,
    before: dict[str, Any] | None = None,
) -> None:
    Event.objects.create(warning=warning, action=action, from_state=source, to_state=target,
                         actor=actor, note=note)  # fmt: skip
    audit.record(
        actor=actor, action=f"warning_{action}", obj=warning, region_path=warning.region_path,
        before=before, after=audit.snapshot(warning, SNAPSHOT), message=note,
    )  # fmt: skip
