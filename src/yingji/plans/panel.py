"""The "预案启动" panel of an incident's page: the plans started on it, and for those who
command, the form to activate a current plan covering the incident's type at a level, with a
preview of the tasks it will create.

Registered with the incident page's extension point (``yingji.incidents.panels``) when the
incidents app provides it; the same panel is the body of ``/plans/incidents/<pk>/``.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from yingji.core.errors import DomainError
from yingji.core.permissions import Cap, has
from yingji.incidents.models import Incident
from yingji.incidents.models import Status as IncidentStatus
from yingji.plans import selectors
from yingji.plans.models import LEVEL_CHOICES, Mode
from yingji.plans.services.activation import Planned


def panel_context(
    request: HttpRequest, incident: Incident, *, error: DomainError | None = None,
    values: dict[str, Any] | None = None, planned: list[Planned] | None = None,
    back: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """What the panel shows; its forms return to ``back`` (default: the page it is on)."""
    user = request.user
    can_activate = has(user, Cap.COMMAND_INCIDENTS) and incident.status == IncidentStatus.OPEN
    plans = list(selectors.activatable(user, incident)) if can_activate else []  # type: ignore[arg-type]
    levels = [{"value": v, "label": label} for v, label in reversed(LEVEL_CHOICES)]
    return {
        "incident": incident,
        "activations": list(selectors.on_incident(incident)),
        "can_activate": can_activate,
        "can_end": has(user, Cap.COMMAND_INCIDENTS),
        "plans": [{"plan": p, "levels": p.defined_levels} for p in plans],
        "levels": levels,
        "mode": Mode.DRILL if incident.exercise else Mode.REAL,
        "error": error,
        "values": values or {},
        "planned": planned,
        "next": back or request.get_full_path(),
    }


def activation_panel(request: HttpRequest, incident: Incident) -> tuple[str, dict[str, Any]] | None:
    """The incident page's panel (``fn(request, incident) -> (template, context) | None``)."""
    if not has(request.user, Cap.VIEW_INCIDENTS):
        return None
    return "plans/_panel.html", panel_context(request, incident)
