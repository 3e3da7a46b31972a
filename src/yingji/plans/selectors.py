"""Reads of the plan library, shared by pages, the API and exports; always jurisdiction-scoped.

A user sees the plans issued within their jurisdiction and the approved plans of the offices
above them (a county works under the city's and the province's plans), never another
county's, nor a higher office's drafts. Managing and activating a plan is for its issuing
office and those above it (:func:`manages`).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from yingji.core.errors import InvalidInput, NotFound
from yingji.core.models import User
from yingji.core.permissions import Cap, require
from yingji.core.scoping import jurisdiction_of
from yingji.incidents import catalogue
from yingji.incidents.models import Incident
from yingji.kernels import codes
from yingji.plans.models import Activation, Kind, Mode, Plan, Status


def _ancestors(path: str) -> list[str]:
    return [path[:n] for n in codes.SHORT_LENGTHS if n < len(path)]


def visible(actor: User) -> QuerySet[Plan]:
    require(actor, Cap.VIEW_INCIDENTS)
    jurisdiction = jurisdiction_of(actor)
    plans = Plan.objects.select_related("region")
    if jurisdiction.everything:
        return plans
    if jurisdiction.nothing or not jurisdiction.path:
        return plans.none()
    low, high = codes.subtree_bounds(jurisdiction.path)
    above = Q(region_path__in=_ancestors(jurisdiction.path)) & ~Q(status=Status.DRAFT)
    return plans.filter(Q(region_path__gte=low, region_path__lt=high) | above)


def get_plan(actor: User, pk: Any) -> Plan:
    if isinstance(pk, bool) or not isinstance(pk, int) or not 0 < pk < 2**63:
        raise NotFound(_("No such plan"))
    found = visible(actor).filter(pk=pk).first()
    if found is None:
        raise NotFound(_("No such plan"))
    return found


def manages(actor: User, plan: Plan) -> bool:
    """The actor's office issued the plan or is above the office that did."""
    return jurisdiction_of(actor).covers(plan.region_path)


def covers_type(event_type: str) -> Q:
    """Plans whose canonical comma list holds ``event_type`` (exactly, not as a substring)."""
    return (
        Q(event_types=event_type)
        | Q(event_types__startswith=f"{event_type},")
        | Q(event_types__endswith=f",{event_type}")
        | Q(event_types__contains=f",{event_type},")
    )


def search(
    actor: User, *, q: str = "", event_type: str = "", kind: str = "", region: str = "",
    status: str = "",
) -> QuerySet[Plan]:  # fmt: skip
    """The library filtered: words of the title, code or scope; a type; a kind; the issuing
    region's subtree; a status. A bad filter is refused naming it."""
    plans = visible(actor)
    if event_type:
        if event_type not in catalogue.TYPE_NAMES:
            raise InvalidInput(_("Unknown incident type %(type)r") % {"type": event_type[:30]},
                               field="event_type")  # fmt: skip
        plans = plans.filter(covers_type(event_type))
    if kind:
        if kind not in Kind.values:
            raise InvalidInput(_("Unknown plan kind %(kind)r") % {"kind": kind[:20]}, field="kind")
        plans = plans.filter(kind=kind)
    if status:
        if status not in Status.values:
            raise InvalidInput(_("Unknown status %(status)r") % {"status": status[:20]},
                               field="status")  # fmt: skip
        plans = plans.filter(status=status)
    if region:
        try:
            low, high = codes.subtree_bounds(codes.short(region))
        except codes.CodeError as exc:
            raise InvalidInput(str(exc), field="region") from None
        plans = plans.filter(region_path__gte=low, region_path__lt=high)
    words = q.strip()[:60]
    if words:
        plans = plans.filter(
            Q(title__icontains=words) | Q(code__icontains=words) | Q(scope__icontains=words)
        )
    return plans.order_by("code", "-version")


def versions(plan: Plan) -> QuerySet[Plan]:
    return Plan.objects.filter(code=plan.code).order_by("-version")


def activatable(actor: User, incident: Incident) -> QuerySet[Plan]:
    """Current plans the actor may activate on the incident: covering its type, issued by an
    office whose area holds the incident, within the actor's jurisdiction."""
    areas = [*_ancestors(incident.region_path), incident.region_path]
    plans = visible(actor).filter(
        covers_type(incident.event_type), status=Status.CURRENT, region_path__in=areas
    )
    jurisdiction = jurisdiction_of(actor)
    if not jurisdiction.everything:
        if not jurisdiction.path:
            return plans.none()
        low, high = codes.subtree_bounds(jurisdiction.path)
        plans = plans.filter(region_path__gte=low, region_path__lt=high)
    return plans.order_by("kind", "code")


def on_incident(incident: Incident) -> QuerySet[Activation]:
    """The plans started on an incident (caller has checked the incident is visible)."""
    return (
        Activation.objects.filter(incident=incident)
        .select_related("plan", "by", "evaluation")
        .order_by("-at", "-pk")
    )


def drills(actor: User) -> QuerySet[Activation]:
    """Drill activations on incidents within the actor's jurisdiction, newest first."""
    require(actor, Cap.VIEW_INCIDENTS)
    rows = Activation.objects.filter(mode=Mode.DRILL).select_related(
        "plan", "incident", "by", "evaluation"
    )
    jurisdiction = jurisdiction_of(actor)
    if jurisdiction.everything:
        return rows.order_by("-at", "-pk")
    if not jurisdiction.path:
        return rows.none()
    low, high = codes.subtree_bounds(jurisdiction.path)
    return rows.filter(incident__region_path__gte=low,
                       incident__region_path__lt=high).order_by("-at", "-pk")  # fmt: skip


def incident_of(activation_pk: int) -> int | None:
    """The incident of an activation the caller has already been allowed to act on."""
    return Activation.objects.filter(pk=activation_pk).values_list("incident_id", flat=True).first()
