"""Activating a plan on an incident (预案启动), ending the response, and drills (演练).

:func:`activate` turns the plan's actions for a level into the incident's tasks: one task per
action with ``from_level <= level``, due at activation time + the action's offset, owned by
the holder of the action's role in the command room (else by the person activating). It
raises the incident's response level to the plan's level, writes the timeline and the audit
trail. Activating the same plan again at a more severe level adds only the actions of the
levels in between (the current version's actions never change, so the set created before is
exactly the actions up to the previous level). A drill runs the same code on an exercise
incident (``Incident.exercise``), kept out of statistics; :func:`start_drill` files that
incident and activates the plan on it, :func:`evaluate_drill` records how it went.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from yingji.core import audit
from yingji.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from yingji.core.models import User
from yingji.core.permissions import Cap, require
from yingji.incidents import catalogue
from yingji.incidents import services as incidents
from yingji.incidents.models import Incident
from yingji.incidents.models import Status as IncidentStatus
from yingji.incidents.services import room
from yingji.plans import selectors
from yingji.plans.models import Action, Activation, DrillEvaluation, Mode, Plan, Status
from yingji.plans.services import fields


@dataclass(frozen=True)
class Planned:
    """A task an activation will create."""

    action: Action
    owner: User
    held: bool  # the owner holds the action's role (else: the person activating)
    due_at: dt.datetime


@dataclass(frozen=True)
class Check:
    plan: Plan
    incident: Incident
    level: int
    mode: str
    previous: int | None  # the plan's level already active on the incident
    planned: list[Planned]


def _mode(raw: Any) -> str:
    if raw not in Mode.values:
        raise InvalidInput(_("The mode is real or drill"), field="mode")
    return str(raw)


def _check(
    actor: User, plan_id: Any, incident_id: Any, level: Any, mode: Any, *, now: dt.datetime,
    lock: bool = False,
) -> Check:  # fmt: skip
    """Every refusal of an activation, in the order a person would want to hear it."""
    require(actor, Cap.COMMAND_INCIDENTS)
    level, mode = fields.level(level), _mode(mode)
    if isinstance(incident_id, bool) or not isinstance(incident_id, int):
        raise NotFound(_("No such incident in your jurisdiction"), field="incident")
    incident = incidents.get_incident(actor, incident_id)
    if lock:
        incident = Incident.objects.select_for_update().get(pk=incident.pk)
    plan = selectors.get_plan(actor, plan_id)
    name = f"《{plan.title}》"
    if plan.status != Status.CURRENT:
        raise Conflict(_("%(plan)s v%(n)d is %(status)s: only the current version is activated")
                       % {"plan": name, "n": plan.version, "status": plan.get_status_display()},
                       code="not_current")  # fmt: skip
    if not selectors.manages(actor, plan):
        raise Forbidden(_("%(plan)s is activated by %(office)s or an office above it") % {
            "plan": name, "office": plan.region.name})  # fmt: skip
    if not incident.region_path.startswith(plan.region_path):
        raise Conflict(_("%(plan)s covers %(area)s; the incident is outside it") % {
            "plan": name, "area": plan.region.name}, code="outside_plan")  # fmt: skip
    if incident.status == IncidentStatus.CLOSED:
        raise Conflict(_("The 终报 has been filed; this incident is closed"), code="closed")
    if incident.event_type not in plan.type_codes:
        raise Conflict(_("%(plan)s covers %(types)s, not %(type)s") % {
            "plan": name, "types": "、".join(plan.type_names), "type": incident.type_name},
            code="not_covered")  # fmt: skip
    if level not in plan.defined_levels:
        defined = "、".join(catalogue.RESPONSE_LEVELS[x] for x in plan.defined_levels)
        raise InvalidInput(_("%(plan)s defines %(levels)s only") % {"plan": name,
                                                                    "levels": defined},
                           field="level")  # fmt: skip
    if mode == Mode.DRILL and not incident.exercise:
        raise Conflict(_("A drill runs on an exercise incident, not on a real one"),
                       code="not_exercise")  # fmt: skip
    if mode == Mode.REAL and incident.exercise:
        raise Conflict(_("This incident is an exercise: activate the plan as a drill"),
                       code="exercise")  # fmt: skip
    previous = _active_level(plan, incident)
    if previous is not None and level <= previous:
        raise Conflict(_("%(plan)s is already active at %(level)s") % {
            "plan": name, "level": catalogue.RESPONSE_LEVELS[previous]},
            code="already_active")  # fmt: skip
    return Check(plan, incident, level, mode, previous,
                 _planned(actor, plan, incident, level, previous, now=now))  # fmt: skip


def _active_level(plan: Plan, incident: Incident) -> int | None:
    """The most severe level at which any version of the plan is active on the incident."""
    found = Activation.objects.filter(
        incident=incident, plan__code=plan.code, ended_at__isnull=True
    ).aggregate(top=Max("level"))["top"]
    return None if found is None else int(found)


def _planned(
    actor: User, plan: Plan, incident: Incident, level: int, previous: int | None, *,
    now: dt.datetime,
) -> list[Planned]:  # fmt: skip
    held = {r.role: r.user for r in room.holders(incident)}
    low = -1 if previous is None else previous
    actions = plan.actions.filter(from_level__gt=low, from_level__lte=level)
    return [
        Planned(action=a, owner=held.get(a.role, actor), held=a.role in held,
                due_at=now + dt.timedelta(minutes=a.offset_minutes))
        for a in actions
    ]  # fmt: skip


def preview(
    actor: User, plan_id: Any, incident_id: Any, level: Any, mode: Any = Mode.REAL,
    *, now: dt.datetime | None = None,
) -> list[Planned]:  # fmt: skip
    """The tasks :func:`activate` would create now (refusing as it would)."""
    return _check(actor, plan_id, incident_id, level, mode, now=now or timezone.now()).planned


def activate(
    actor: User, plan_id: Any, incident_id: Any, level: Any, mode: Any = Mode.REAL,
    *, now: dt.datetime | None = None,
) -> Activation:  # fmt: skip
    """Start the plan on the incident at ``level`` (0 Ⅳ … 3 Ⅰ), creating its tasks."""
    now = now or timezone.now()
    with transaction.atomic():
        check = _check(actor, plan_id, incident_id, level, mode, now=now, lock=True)
        plan, incident = check.plan, check.incident
        activation = Activation.objects.create(
            plan=plan, incident=incident, level=check.level, mode=check.mode, at=now, by=actor,
            tasks_created=len(check.planned),
        )  # fmt: skip
        old_level = incident.response_level
        if old_level is None or check.level > old_level:
            incident.response_level = check.level
            incident.save(update_fields=["response_level"])
            audit.record(
                actor=actor, action="update", obj=incident, region_path=incident.region_path,
                before={"response_level": old_level}, after={"response_level": check.level},
                message="response level",
            )  # fmt: skip
        text = _("Activated 《%(plan)s》 %(level)s response") % {
            "plan": plan.title, "level": activation.level_name}  # fmt: skip
        if check.mode == Mode.DRILL:
            text = _("[Drill] ") + text
        room.entry(incident, "plan", text, actor=actor, at=now, data={
            "activation": activation.pk, "plan": plan.pk, "code": plan.code,
            "level": check.level, "mode": check.mode, "tasks": len(check.planned),
            "response_level": [old_level, incident.response_level]})  # fmt: skip
        room.add_tasks(actor, incident, [
            {"title": p.action.title, "role": p.action.role, "owner": p.owner,
             "due_at": p.due_at, "priority": p.action.priority} for p in check.planned
        ], source=f"plan:{activation.pk}", now=now)  # fmt: skip
        audit.record(actor=actor, action="activate", obj=activation,
                     region_path=incident.region_path, message=text,
                     after=audit.snapshot(activation))  # fmt: skip
    return activation


def _activation(actor: User, pk: Any) -> Activation:
    """An activation on an incident the actor can see (404 otherwise)."""
    if isinstance(pk, bool) or not isinstance(pk, int) or not 0 < pk < 2**63:
        raise NotFound(_("No such activation"))
    found = Activation.objects.select_related("plan", "incident").filter(pk=pk).first()
    if found is None:
        raise NotFound(_("No such activation"))
    incidents.get_incident(actor, found.incident_id)  # 404 outside the jurisdiction
    return found


def end_response(actor: User, activation_id: Any, *, now: dt.datetime | None = None) -> int:
    """End the plan's response on the incident (every open activation of the plan's code)."""
    require(actor, Cap.COMMAND_INCIDENTS)
    now = now or timezone.now()
    with transaction.atomic():
        activation = _activation(actor, activation_id)
        open_rows = Activation.objects.select_for_update().filter(
            incident=activation.incident, plan__code=activation.plan.code, ended_at__isnull=True
        )
        ended = open_rows.update(ended_at=now)
        if not ended:
            raise Conflict(_("This response has already ended"), code="ended")
        text = _("Ended the 《%(plan)s》 response") % {"plan": activation.plan.title}
        room.entry(activation.incident, "plan", text, actor=actor, at=now,
                   data={"activation": activation.pk, "ended": ended})  # fmt: skip
        audit.record(actor=actor, action="end", obj=activation,
                     region_path=activation.incident.region_path, message=text)  # fmt: skip
    return ended


def start_drill(
    actor: User, plan_id: Any, level: Any, region: Any, *, now: dt.datetime | None = None
) -> Activation:
    """File an exercise incident of the plan's first type in ``region`` (a county or below)
    and activate the plan on it as a drill; nothing is kept if either step is refused."""
    require(actor, Cap.COMMAND_INCIDENTS)
    now = now or timezone.now()
    plan = selectors.get_plan(actor, plan_id)
    level = fields.level(level)
    if plan.status != Status.CURRENT:
        raise Conflict(_("Only the current version of a plan is drilled"), code="not_current")
    if not isinstance(region, str | int) or isinstance(region, bool) or region in ("", 0):
        raise InvalidInput(_("Choose the region where the drill takes place"), field="region")
    title = (_("[Drill] ") + f"{plan.title}{catalogue.RESPONSE_LEVELS[level]}响应")[:200]
    data = {
        "event_type": plan.type_codes[0], "region": str(region), "title": title,
        "occurred_at": now, "exercise": True,
        "description": _("Drill of 《%(plan)s》 at %(level)s response") % {
            "plan": plan.title, "level": catalogue.RESPONSE_LEVELS[level]},
    }  # fmt: skip
    with transaction.atomic():
        incident = incidents.report_incident(actor, data, now=now)
        return activate(actor, plan.pk, incident.pk, level, Mode.DRILL, now=now)


def evaluate_drill(
    actor: User, activation_id: Any, *, score: Any, findings: Any, improvements: Any = "",
    now: dt.datetime | None = None,
) -> DrillEvaluation:  # fmt: skip
    """Record how a drill went (0–100, findings, improvements); the drill's response ends."""
    require(actor, Cap.MANAGE_PLANS)
    now = now or timezone.now()
    values = {"findings": findings, "improvements": improvements}
    with transaction.atomic():
        activation = _activation(actor, activation_id)
        if activation.mode != Mode.DRILL:
            raise Conflict(_("Only a drill is evaluated"), code="not_drill")
        checked = {
            "score": fields.whole(score, "score", 0, 100),
            "findings": fields.text(values, "findings", required=True),
            "improvements": fields.text(values, "improvements"),
        }
        if DrillEvaluation.objects.filter(activation=activation).exists():
            raise Conflict(_("This drill has been evaluated"), code="evaluated")
        evaluation = DrillEvaluation.objects.create(activation=activation, evaluator=actor,
                                                    at=now, **checked)  # fmt: skip
        Activation.objects.filter(incident=activation.incident, plan__code=activation.plan.code,
                                  ended_at__isnull=True).update(ended_at=now)  # fmt: skip
        text = _("Drill evaluated: %(score)d points") % {"score": checked["score"]}
        room.entry(activation.incident, "plan", text, actor=actor, at=now,
                   data={"activation": activation.pk, "score": checked["score"]})  # fmt: skip
        audit.record(actor=actor, action="evaluate", obj=activation,
                     region_path=activation.incident.region_path,
                     after=audit.snapshot(evaluation))  # fmt: skip
    return evaluation
