"""The "生产安全事故" card of a work-safety incident's page: the accident record made from the
incident, or, for those who record accidents, the link that opens the accident form filled
from the incident's figures and description (registered in :mod:`yingji.accidents.apps`)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from yingji.accidents import selectors
from yingji.accidents.models import Accident
from yingji.core.permissions import Cap, has
from yingji.incidents import catalogue
from yingji.incidents.models import Incident


def accident_panel(request: HttpRequest, incident: Incident) -> tuple[str, dict[str, Any]] | None:
    """``fn(request, incident) -> (template, context) | None`` for the incident page."""
    user = request.user
    if not catalogue.work_safety(incident.event_type) or incident.exercise:
        return None
    if not has(user, Cap.VIEW_ACCIDENTS):
        return None
    linked = Accident.objects.filter(incident=incident).first()
    visible = linked is not None and selectors.visible(user).filter(pk=linked.pk).exists()  # type: ignore[arg-type]
    context = {
        "incident": incident,
        "accident": linked if visible else None,
        "can_record": linked is None and has(user, Cap.MANAGE_ACCIDENTS),
    }
    return "accidents/_panel.html", context
