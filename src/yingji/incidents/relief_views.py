"""The 转移安置 panel of the incident page: people evacuated per village, placed per shelter
(with a small map of the shelters coloured by occupancy), relief groups timed against the
10-hour target, and the forms to report an evacuation count, assign shelters, record relief,
mark it met and record people going home.

The panel registers with :mod:`yingji.incidents.panels` (``IncidentsConfig.ready``); its forms
post here, and every write goes through :mod:`yingji.incidents.services.relief`. A refusal is
shown on the incident page as a message naming the field; success redirects back to the panel.
``relief_urlpatterns`` are relative to ``/incidents/``.
"""

from __future__ import annotations

import logging
import unicodedata
from html import escape
from typing import Any, Final

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from yingji.core.permissions import Cap, has
from yingji.core.scoping import scope
from yingji.incidents.forms import clip
from yingji.incidents.models import Incident, Status
from yingji.incidents.panels import act_and_return, fragment_view, incident_or_404
from yingji.incidents.relief_api import occupancy_geojson, situation
from yingji.incidents.relief_models import NEEDS
from yingji.incidents.selectors import MAX_PK
from yingji.incidents.services import relief as services
from yingji.regions.models import Level, Region

log = logging.getLogger(__name__)

TEMPLATE: Final = "incidents/_relief_panel.html"
MAX_VILLAGES: Final = 2_000  # choices offered in the form (a county has at most a few hundred)


def _options(choices: list[tuple[str, str]]) -> SafeString:
    """``<option value="code">name</option>`` of each, escaped as the template would
    (``django.utils.html.escape`` is ``html.escape``), in one join instead of a loop of nodes."""
    return mark_safe(  # noqa: S308 - every value is escaped
        "".join(f'<option value="{escape(code)}">{escape(name)}</option>' for code, name in choices)
    )


def relief_panel(request: HttpRequest, incident: Incident) -> tuple[str, dict[str, Any]] | None:
    """The panel for :func:`yingji.incidents.panels.register`; nothing for those who may not
    see incidents."""
    user: Any = request.user
    if not has(user, Cap.VIEW_INCIDENTS):
        return None
    try:
        reverse("incidents-relief-panel", args=[incident.pk])
    except NoReverseMatch:  # relief_urlpatterns are not mounted: no forms to post to
        log.warning("relief_urlpatterns are not included under /incidents/; no relief panel")
        return None
    is_open = incident.status == Status.OPEN
    county = incident.region_path[:6]
    villages = (
        Region.objects.filter(level=Level.VILLAGE, path__startswith=county) if is_open else None
    )
    nearby = services.occupancy(county, actor=user)  # the map's shelters, read once
    listed = None if villages is None else scope(villages, user).order_by("path")
    choices = [] if listed is None else list(listed.values_list("code", "name")[:MAX_VILLAGES])
    return TEMPLATE, {
        "incident": incident,
        "r": situation(incident, timezone.now(), known=nearby),
        "needs": NEEDS,
        "can_report": is_open and has(user, Cap.REPORT_INCIDENT),
        "can_command": is_open and has(user, Cap.COMMAND_INCIDENTS),
        "villages": [{"code": code, "name": name} for code, name in choices],
        # the datalist's options, built once here rather than by the template per village
        "village_options": _options(choices),
        "map_data": occupancy_geojson(user, county, rows=nearby),
        "target_hours": int(services.BASIC_NEEDS_WITHIN.total_seconds() // 3600),
    }  # fmt: skip


panel_fragment = require_GET(fragment_view(relief_panel))


def _number(raw: Any) -> Any:
    """A typed number (full-width digits from a Chinese input method too) as int or float;
    anything else as typed, for the service to refuse naming the field."""
    text = unicodedata.normalize("NFKC", str(raw or ""))[:40].strip()
    if text.isascii() and text.isdigit():
        return int(text)
    try:
        return float(text)
    except ValueError:
        return text


@require_POST
@login_required
def evacuation_post(request: HttpRequest, pk: int) -> HttpResponse:
    incident_or_404(request, pk)
    post, user = request.POST, request.user

    def act() -> str:
        people = _number(post.get("people"))
        row = services.report_evacuation(user, pk, clip(post.get("village"), 20), people)  # type: ignore[arg-type]
        return _("Evacuation count recorded: %(n)d people.") % {"n": row.people}

    return act_and_return(request, pk, act, "relief")


@require_POST
@login_required
def assign_post(request: HttpRequest, pk: int) -> HttpResponse:
    incident_or_404(request, pk)
    max_km = _number(request.POST.get("max_km") or services.shelters.DEFAULT_MAX_KM)

    def act() -> str:
        done = services.assign_shelters(request.user, pk, max_km)  # type: ignore[arg-type]
        return _("%(placed)d people placed in shelters; %(left)d still without one.") % {
            "placed": done.placed_total, "left": done.unplaced_total}  # fmt: skip

    return act_and_return(request, pk, act, "relief")


@require_POST
@login_required
def relief_post(request: HttpRequest, pk: int) -> HttpResponse:
    incident_or_404(request, pk)
    post = request.POST
    data = {
        "group": clip(post.get("group"), 400),
        "village": clip(post.get("village"), 20).strip() or None,
        "people": _number(post.get("people")),
        "needs": [clip(n, 30) for n in post.getlist("needs")[:20]],
        "started_at": clip(post.get("started_at"), 40).strip() or None,
        "note": clip(post.get("note"), 600),
    }

    def act() -> str:
        row = services.record_relief(request.user, pk, data)  # type: ignore[arg-type]
        return _("Relief recorded for %(group)s.") % {"group": row.group}

    return act_and_return(request, pk, act, "relief")


@require_POST
@login_required
def met_post(request: HttpRequest, pk: int, relief: int) -> HttpResponse:
    incident_or_404(request, pk)
    at = clip(request.POST.get("at"), 40).strip() or None
    note = clip(request.POST.get("note"), 600)

    def act() -> str:
        row = services.relief_met(request.user, pk, min(relief, MAX_PK), at=at, note=note)  # type: ignore[arg-type]
        return _("Basic needs met for %(group)s.") % {"group": row.group}

    return act_and_return(request, pk, act, "relief")


@require_POST
@login_required
def leave_post(request: HttpRequest, pk: int, placement: int) -> HttpResponse:
    incident_or_404(request, pk)

    def act() -> str:
        row = services.leave_shelter(request.user, pk, min(placement, MAX_PK))  # type: ignore[arg-type]
        return _("%(n)d people have gone home.") % {"n": row.people}

    return act_and_return(request, pk, act, "relief")


relief_urlpatterns = [
    path("<int:pk>/relief/panel/", panel_fragment, name="incidents-relief-panel"),
    path("<int:pk>/relief/evacuation/", evacuation_post, name="incidents-relief-evacuation"),
    path("<int:pk>/relief/assign/", assign_post, name="incidents-relief-assign"),
    path("<int:pk>/relief/groups/", relief_post, name="incidents-relief-group"),
    path("<int:pk>/relief/groups/<int:relief>/met/", met_post, name="incidents-relief-met"),
    path("<int:pk>/relief/placements/<int:placement>/leave/", leave_post,
         name="incidents-relief-leave"),
]  # fmt: skip
