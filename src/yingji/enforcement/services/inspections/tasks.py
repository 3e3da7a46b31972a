"""Tasks: reads, input checks and the state machine (see the package docstring)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from django.db import transaction
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yingji.core import audit
from yingji.core.errors import Conflict, Forbidden, InvalidInput
from yingji.core.permissions import Cap, has
from yingji.core.scoping import jurisdiction_of
from yingji.enforcement import selectors
from yingji.enforcement.models import (
    InspectionTask,
    Outcome,
    TaskInspector,
    TaskKind,
    TaskState,
)
from yingji.enforcement.services import publication, safety_code

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yingji.core.models import User

    Actor = User | AnonymousUser

MAX_PHOTOS: Final = 6  # per finding, as many as a hazard report takes
MAX_PHOTO_BYTES: Final = 10 * 1024 * 1024
MAX_TEXT: Final = 2000
MAX_CREW: Final = 6
MAX_DUE_DAYS: Final = 366
AD_HOC_KINDS: Final = (TaskKind.COMPLAINT, TaskKind.FOLLOW_UP)
CODE_PREFIX: Final[dict[str, str]] = {TaskKind.COMPLAINT: "JB", TaskKind.FOLLOW_UP: "FC"}
OPEN_STATES: Final = (TaskState.ASSIGNED, TaskState.IN_PROGRESS)
YES: Final = ("1", "true", "yes", "on", "compliant")
NO: Final = ("0", "false", "no", "off", "non_compliant")
CREW, MANAGER = "crew", "manager"

audit.ACTION_LABELS.update(
    inspection_open=gettext_lazy("inspection task opened"),
    inspection_start=gettext_lazy("inspection started"),
    inspection_finding=gettext_lazy("finding recorded"),
    inspection_hazard=gettext_lazy("hidden hazard created from a finding"),
    inspection_complete=gettext_lazy("inspection completed"),
    inspection_cancel=gettext_lazy("inspection cancelled"),
)


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    target: str
    who: str  # CREW: the crew or bureau staff; MANAGER: bureau staff only


TRANSITIONS: Final = {
    "start": Transition("start", (TaskState.ASSIGNED,), TaskState.IN_PROGRESS, CREW),
    "complete": Transition("complete", (TaskState.IN_PROGRESS,), TaskState.COMPLETED, CREW),
    "cancel": Transition("cancel", OPEN_STATES, TaskState.CANCELLED, MANAGER),
}
# Work inside a state: what may be done to a task in which states.
WORK: Final = {
    "finding": (TaskState.IN_PROGRESS,),
    "hazard": (TaskState.IN_PROGRESS, TaskState.COMPLETED),
    "document": (TaskState.IN_PROGRESS, TaskState.COMPLETED),
}


class IllegalTransition(Conflict):
    """Not possible in the task's state (HTTP 409); ``allowed`` lists what is."""

    def __init__(self, task: InspectionTask, action: str, allowed: list[str]) -> None:
        super().__init__(
            _("Cannot %(action)s task %(code)s while it is %(state)s; allowed now: %(allowed)s")
            % {
                "action": action,
                "code": task.code,
                "state": TaskState(task.state).label,
                "allowed": ", ".join(allowed) or _("nothing"),
            },
            code="illegal_transition",
        )
        self.allowed = allowed


# ---------------------------------------------------------------- reads


def get_task(actor: Actor, pk: Any, *, for_update: bool = False) -> InspectionTask:
    """A task the actor may see (404 otherwise)."""
    qs = selectors.tasks(actor).select_related("item", "enterprise", "plan")
    return selectors.get(qs, pk, "inspection task", for_update=for_update)


def crew(task: InspectionTask) -> list[TaskInspector]:
    """The crew, lead first, with their pool entries."""
    return list(task.crew.select_related("inspector").order_by("-lead", "inspector__name"))


def is_crew(actor: Actor, task: InspectionTask) -> bool:
    me = selectors.inspector_of(actor)
    return me is not None and task.crew.filter(inspector=me).exists()


def may_act(actor: Actor, task: InspectionTask, who: str = CREW) -> bool:
    manages = has(actor, Cap.MANAGE_ENFORCEMENT) and jurisdiction_of(actor).covers(task.region_path)
    if who == MANAGER:
        return manages
    return manages or (has(actor, Cap.INSPECT) and is_crew(actor, task))


def allowed_actions(actor: Actor, task: InspectionTask) -> list[str]:
    return [
        t.action
        for t in TRANSITIONS.values()
        if task.state in t.sources and may_act(actor, task, t.who)
    ]


def _check(actor: Actor, task: InspectionTask, who: str = CREW) -> None:
    if not may_act(actor, task, who):
        if who == MANAGER:
            raise Forbidden(_("Only bureau staff of the jurisdiction may do this."))
        raise Forbidden(_("Only the task's inspectors (or bureau staff) may act on it."))


def checklist(task: InspectionTask) -> list[dict[str, str]]:
    """The item's check points as ``{"id", "text", "basis"}`` (ids as text)."""
    points = task.item.checklist if isinstance(task.item.checklist, list) else []
    return [
        {
            "id": str(p.get("id", "")),
            "text": str(p.get("text", "")),
            "basis": str(p.get("basis", "")),
        }
        for p in points
        if isinstance(p, dict) and str(p.get("id", ""))
    ]


def task_list(actor: Actor, filters: Mapping[str, Any] | None = None) -> QuerySet[InspectionTask]:
    """The tasks the actor sees with the list filters; overdue first, then the nearest due."""
    f = filters or {}
    qs = selectors.tasks(actor).select_related("item", "enterprise", "plan")
    state = str(f.get("state") or "")
    if state == "open":
        qs = qs.filter(state__in=OPEN_STATES)
    elif state:
        if state not in TaskState.values:
            raise InvalidInput(f"state: {state[:20]!r} is not a task state", field="state")
        qs = qs.filter(state=state)
    for name, field in (("plan", "plan_id"), ("item", "item_id"), ("inspector", "crew__inspector")):
        raw = str(f.get(name) or "").strip()
        if raw:
            if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
                raise InvalidInput(f"{name}: {raw[:20]!r} is not an id", field=name)
            qs = qs.filter(**{field: int(raw)})
    today = timezone.localdate()
    late = Q(state__in=OPEN_STATES, due_on__lt=today)
    if str(f.get("overdue") or "").lower() in YES:
        qs = qs.filter(late)
    words = str(f.get("q") or "").strip()[:60]
    if words:
        qs = qs.filter(Q(code__icontains=words) | Q(enterprise__name__icontains=words))
    flag = Case(When(late, then=Value(1)), default=Value(0), output_field=IntegerField())
    return qs.distinct().annotate(late=flag).order_by("-late", "due_on", "code")


def is_overdue(task: InspectionTask, today: dt.date | None = None) -> bool:
    return task.state in OPEN_STATES and task.due_on < (today or timezone.localdate())


# ---------------------------------------------------------------- input checks


def field_text(data: Mapping[str, Any], name: str, limit: int, *, required: bool = False) -> str:
    raw = data.get(name)
    value = "" if raw is None else str(raw).strip()
    if required and not value:
        raise InvalidInput(f"{name}: required", field=name)
    if len(value) > limit:
        raise InvalidInput(f"{name}: at most {limit} characters ({len(value)} given)", field=name)
    return value


def _coordinate(data: Mapping[str, Any], name: str, limit: float) -> float | None:
    raw = data.get(name)
    if raw is None or str(raw).strip() == "":
        return None
    try:
        value = float(str(raw)[:40])
    except ValueError as exc:
        raise InvalidInput(f"{name}: {str(raw)[:20]!r} is not a number", field=name) from exc
    if not math.isfinite(value) or not -limit <= value <= limit:
        raise InvalidInput(f"{name}: {value} is outside -{limit:g}…{limit:g}", field=name)
    return value


def location(data: Mapping[str, Any]) -> tuple[float | None, float | None]:
    """``(lon, lat)`` from the phone, both or neither, each within its range."""
    lon, lat = _coordinate(data, "lon", 180), _coordinate(data, "lat", 90)
    if (lon is None) != (lat is None):
        raise InvalidInput("lat: longitude and latitude go together", field="lat")
    return lon, lat


def compliance_flag(data: Mapping[str, Any], name: str) -> bool:
    raw = data.get(name)
    value = raw if isinstance(raw, bool) else str(raw if raw is not None else "").strip().lower()
    if value is True or value in YES:
        return True
    if value is False or value in NO:
        return False
    raise InvalidInput(f"{name}: say whether the point is compliant (1 or 0)", field=name)


# ---------------------------------------------------------------- transitions


def _transition(actor: Actor, pk: Any, action: str) -> tuple[InspectionTask, dict[str, Any]]:
    """The task locked for the transition, after the permission and state checks."""
    step = TRANSITIONS[action]
    task = get_task(actor, pk, for_update=True)
    _check(actor, task, step.who)
    if task.state not in step.sources:
        raise IllegalTransition(task, action, allowed_actions(actor, task))
    return task, audit.snapshot(task)


def _done(actor: Actor, task: InspectionTask, action: str, before: dict[str, Any]) -> None:
    task.save()
    audit.record(
        actor=actor,
        action=f"inspection_{action}",
        obj=task,
        region_path=task.region_path,
        before=before,
        after=audit.snapshot(task),
    )


def start(*, actor: Actor, pk: Any, data: Mapping[str, Any] | None = None) -> InspectionTask:
    """开始检查: records the time and, if the phone gave it, where the inspectors are."""
    lon, lat = location(data or {})
    with transaction.atomic():
        task, before = _transition(actor, pk, "start")
        task.state = TaskState.IN_PROGRESS
        task.started_at = timezone.now()
        task.start_lon, task.start_lat = lon, lat
        _done(actor, task, "start", before)
    return task


def complete(*, actor: Actor, pk: Any, data: Mapping[str, Any]) -> InspectionTask:
    """Every check point answered; the outcome agrees with the findings."""
    outcome = field_text(data, "outcome", 12, required=True)
    if outcome not in Outcome.values:
        raise InvalidInput(
            f"outcome: {outcome[:20]!r} is not one of {', '.join(Outcome.values)}", field="outcome"
        )
    summary = field_text(data, "summary", MAX_TEXT, required=outcome != Outcome.NO_ISSUES)
    present = field_text(data, "present_person", 50)
    with transaction.atomic():
        task, before = _transition(actor, pk, "complete")
        findings = {f.point_id: f for f in task.findings.all()}
        if outcome != Outcome.NOT_FOUND:  # nothing can be checked where nobody is found
            missing = [p["id"] for p in checklist(task) if p["id"] not in findings]
            if missing:
                raise InvalidInput(
                    f"findings: check points {', '.join(missing)} are not answered yet",
                    field="findings",
                )
        faults = [f for f in findings.values() if not f.compliant]
        if outcome == Outcome.NO_ISSUES and faults:
            raise InvalidInput(
                f"outcome: {len(faults)} point(s) are not compliant; 'no issues' is not possible",
                field="outcome",
            )
        if outcome in (Outcome.RECTIFY, Outcome.PENALTY) and not faults:
            raise InvalidInput(
                "outcome: every point is compliant; record what is wrong first", field="outcome"
            )
        task.state = TaskState.COMPLETED
        task.completed_at = timezone.now()
        task.outcome, task.summary = outcome, summary
        if present:
            task.present_person = present
        _done(actor, task, "complete", before)
        publication.on_task_completed(task)
        safety_code.refresh([task.enterprise_id], cause=f"inspection {task.code} completed")
    return task


def cancel(*, actor: Actor, pk: Any, data: Mapping[str, Any]) -> InspectionTask:
    reason = field_text(data, "reason", 200, required=True)
    with transaction.atomic():
        task, before = _transition(actor, pk, "cancel")
        task.state = TaskState.CANCELLED
        task.cancel_reason = reason
        _done(actor, task, "cancel", before)
    return task


def at_work(actor: Actor, pk: Any, work: str) -> InspectionTask:
    task = get_task(actor, pk, for_update=True)
    _check(actor, task)
    if task.state not in WORK[work]:
        raise Conflict(
            _("Task %(code)s is %(state)s: this is possible only while it is %(states)s")
            % {
                "code": task.code,
                "state": TaskState(task.state).label,
                "states": " / ".join(str(TaskState(s).label) for s in WORK[work]),
            },
            code="wrong_state",
        )
    return task
