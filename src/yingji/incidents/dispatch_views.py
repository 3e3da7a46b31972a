"""The 力量调度 panel of the incident page and the rescue coverage page (救援覆盖分析).

The panel lists the rescue forces on standby ranked by estimated travel time (the specialty
the incident's type needs first, or the one chosen), the dispatch orders with the buttons for
their next step, and the supply requests with their allocations and the depot stock to meet
them. It registers with :mod:`yingji.incidents.panels` (``IncidentsConfig.ready``); its forms
post here, every write goes through :mod:`yingji.incidents.services.dispatch`, a refusal is
shown on the incident page as a message naming the field and success redirects back to the
panel. The coverage page tables the villages per county the 50 km / 1 h ground circle and the
30-minute aviation circle do not reach, and draws them. ``dispatch_urlpatterns`` are relative
to ``/incidents/``.
"""

from __future__ import annotations

import logging
import unicodedata
from typing import Any, Final

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from yingji.core.errors import DomainError, InvalidInput
from yingji.core.permissions import Cap, has
from yingji.incidents import dispatch_api as payloads
from yingji.incidents.dispatch_models import DispatchOrder, SupplyRequest
from yingji.incidents.forms import clip
from yingji.incidents.models import Incident, Status
from yingji.incidents.panels import act_and_return, fragment_view, incident_or_404
from yingji.incidents.selectors import MAX_PK
from yingji.incidents.services import coverage
from yingji.incidents.services import dispatch as services
from yingji.registry.models.depot import StockCategory
from yingji.registry.models.rescue import SPECIALTIES

log = logging.getLogger(__name__)

TEMPLATE: Final = "incidents/_dispatch_panel.html"
SOURCED: Final = 8  # open requests shown with their depot sources (a query each)
SOURCES_EACH: Final = 5  # depot sources offered per request, nearest first
UNCOVERED_ROWS: Final = 2_000  # villages listed for one county on the coverage page
STEPS: Final = {
    "en_route": gettext_lazy("Set out"),
    "on_scene": gettext_lazy("Arrived on scene"),
    "released": gettext_lazy("Released"),
    "cancelled": gettext_lazy("Cancel"),
}


def _typed(raw: Any, n: int = 40) -> str:
    """What was typed, with full-width digits from a Chinese input method made plain."""
    return unicodedata.normalize("NFKC", clip(raw, n)).strip()


def _text(raw: Any, n: int, field: str) -> str:
    """Free text as typed (clipped); a NUL character is refused naming the field."""
    text = clip(raw, n)
    if "\x00" in text:
        raise InvalidInput(_("NUL characters are not allowed"), field=field)
    return text


def _suggestions(request: HttpRequest, incident: Incident) -> dict[str, Any]:
    chosen = _typed(request.GET.get("specialty"), 20)
    found: dict[str, Any] = {"specialty": chosen, "forces": [], "error": ""}
    try:
        found["forces"] = services.suggest(
            request.user,
            incident.pk,
            specialty=chosen or None,  # type: ignore[arg-type]
            incident=incident,
        )
    except DomainError as exc:
        where = f" ({exc.field})" if exc.field else ""
        found["error"] = f"{exc.message}{where}"
    needed = services.SPECIALTY_FOR.get(incident.event_type, ())
    # the service lists every force when none on standby has what the type needs: say so
    found["fallback"] = bool(not chosen and needed and found["forces"]
                             and not any(f["matches"] for f in found["forces"]))  # fmt: skip
    return found


def _with_sources(request: HttpRequest, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The open requests (the first few) with the depot stock that could meet them."""
    left = SOURCED
    for row in rows:
        row["sources"] = []
        if row["remaining"] <= 0 or left <= 0:
            continue
        left -= 1
        try:
            found = services.sources(request.user, row["id"])  # type: ignore[arg-type]
        except DomainError:
            continue
        same = sorted(found, key=lambda s: s["name"] != row["name"])  # the item asked for first
        row["sources"] = [
            {**payloads.source_item(s), "offer": min(payloads.source_item(s)["quantity"],
                                                     row["remaining"])}
            for s in same[:SOURCES_EACH]
        ]  # fmt: skip
    return rows


def dispatch_panel(request: HttpRequest, incident: Incident) -> tuple[str, dict[str, Any]] | None:
    """The panel for :func:`yingji.incidents.panels.register`; nothing for those who may not
    see incidents."""
    user: Any = request.user
    if not has(user, Cap.VIEW_INCIDENTS):
        return None
    try:
        reverse("incidents-dispatch-panel", args=[incident.pk])
    except NoReverseMatch:  # dispatch_urlpatterns are not mounted: no forms to post to
        log.warning("dispatch_urlpatterns are not included under /incidents/; no dispatch panel")
        return None
    can_command = incident.status == Status.OPEN and has(user, Cap.COMMAND_INCIDENTS)
    orders = payloads.orders_of(incident)
    for order in orders:
        order["steps"] = [{"status": s, "label": STEPS[s]} for s in order["next"]]
    requests = payloads.requests_of(incident)
    return TEMPLATE, {
        "incident": incident,
        "can_command": can_command,
        "suggested": _suggestions(request, incident) if can_command else None,
        "specialties": SPECIALTIES,
        "type_specialties": "、".join(services.SPECIALTY_FOR.get(incident.event_type, ())),
        "travel_note": services.travel_note(),
        "orders": orders,
        "requests": _with_sources(request, requests) if can_command else requests,
        "categories": StockCategory.choices,
    }


panel_fragment = require_GET(fragment_view(dispatch_panel))


@require_POST
@login_required
def order_post(request: HttpRequest, pk: int) -> HttpResponse:
    incident_or_404(request, pk)
    post = request.POST

    def act() -> str:
        note = _text(post.get("note"), 300, "note")
        order = services.dispatch(request.user, pk, _typed(post.get("force"), 20), note=note)  # type: ignore[arg-type]
        return _("Dispatched %(name)s: about %(min).0f min away.") % {
            "name": order.force.name, "min": order.eta_minutes}  # fmt: skip

    return act_and_return(request, pk, act, "dispatch")


@require_POST
@login_required
def advance_post(request: HttpRequest, pk: int, order: int) -> HttpResponse:
    incident_or_404(request, pk)
    if order > MAX_PK or not DispatchOrder.objects.filter(pk=order, incident_id=pk).exists():
        raise Http404("No such dispatch order")

    def act() -> str:
        row = services.advance(request.user, pk, order, clip(request.POST.get("status"), 12))  # type: ignore[arg-type]
        return _("%(name)s: %(status)s.") % {
            "name": row.force.name, "status": row.get_status_display()}  # fmt: skip

    return act_and_return(request, pk, act, "dispatch")


@require_POST
@login_required
def supply_post(request: HttpRequest, pk: int) -> HttpResponse:
    incident_or_404(request, pk)
    post = request.POST

    def act() -> str:
        data = {
            "category": clip(post.get("category"), 16),
            "name": clip(post.get("name"), 200).strip(),
            "unit": clip(post.get("unit"), 40).strip(),
            "quantity": payloads.guard_quantity(_typed(post.get("quantity"), 41)),
            "note": _text(post.get("note"), 300, "note"),
        }
        row = services.request_supplies(request.user, pk, data)  # type: ignore[arg-type]
        return _("Supplies requested: %(name)s %(q)s %(unit)s.") % {
            "name": row.name, "q": f"{row.quantity.normalize():f}", "unit": row.unit}  # fmt: skip

    return act_and_return(request, pk, act, "dispatch")


@require_POST
@login_required
def allocate_post(request: HttpRequest, pk: int, supply: int) -> HttpResponse:
    incident_or_404(request, pk)
    if supply > MAX_PK or not SupplyRequest.objects.filter(pk=supply, incident_id=pk).exists():
        raise Http404("No such supply request")
    post = request.POST

    def act() -> str:
        amount = payloads.guard_quantity(_typed(post.get("quantity"), 41))
        done = services.allocate(request.user, supply, _typed(post.get("item"), 20), amount)  # type: ignore[arg-type]
        return _("Allocated %(q)s %(unit)s of %(name)s from %(depot)s.") % {
            "q": f"{done.quantity.normalize():f}", "unit": done.item.unit, "name": done.item.name,
            "depot": done.item.depot.name}  # fmt: skip

    return act_and_return(request, pk, act, "dispatch")


# ---------------------------------------------------------------- the coverage page


def _boundary_url(path: str | None) -> str:
    """County outlines of the jurisdiction, for the map's background (no tiles needed)."""
    if path is None:
        return "/api/regions/33/boundary.geojson?level=county"
    if not path.isdigit():
        return ""
    if len(path) <= len("3301"):  # a province or a city: its counties
        return f"/api/regions/{path}/boundary.geojson?level=county"
    return f"/api/regions/{path[:6]}/boundary.geojson"


def _uncovered(path: str) -> list[dict[str, Any]]:
    """One county's villages either circle misses, with the nearest base of each mode."""
    rows: dict[str, dict[str, Any]] = {}
    for mode in coverage.MODES:
        for row in coverage.uncovered(mode, path, limit=UNCOVERED_ROWS):
            rows.setdefault(row["path"], {"path": row["path"], "name": row["name"]})[mode] = row
    return [rows[key] for key in sorted(rows)][:UNCOVERED_ROWS]


@login_required
@require_GET
def coverage_page(request: HttpRequest) -> HttpResponse:
    if not has(request.user, Cap.VIEW_INCIDENTS):
        messages.error(request, _("Your roles do not include incidents."))
        return render(request, "web/forbidden.html", status=403)
    path = payloads.within(request.user)
    table = payloads.coverage_table(path)
    county = _typed(request.GET.get("county"), 12)
    chosen = next((row for row in table["counties"] if row["code"] == county), None)
    if county and chosen is None:
        messages.error(request, _("No such county in your jurisdiction (county)"))
    return render(request, "incidents/coverage.html", {
        "t": table,
        "rule": table["rule"],
        "county": chosen,
        "villages": _uncovered(chosen["code"]) if chosen else [],
        "boundary_url": _boundary_url(path),
        "i18n": {
            "ground": _("Outside the ground circle"), "air": _("Outside the air circle"),
            "nearest": _("Nearest base"), "none": _("No base at all"), "min": _("min"),
            "limit_ground": _("Limit: %(km)s km and %(min)s min") % {
                "km": f"{table['rule']['ground_km']:g}",
                "min": f"{table['rule']['ground_minutes']:g}"},
            "limit_air": _("Limit: %(min)s min, launch included") % {
                "min": f"{table['rule']['air_minutes']:g}"},
            "over": _("%(n)s min over the limit"), "drawn": _("%(g)s outside ground · %(a)s "
                                                              "outside air"),
            "failed": _("The map layers could not be loaded."),
        },
    })  # fmt: skip


dispatch_urlpatterns = [
    path("coverage/", coverage_page, name="incidents-coverage"),
    path("<int:pk>/dispatch/panel/", panel_fragment, name="incidents-dispatch-panel"),
    path("<int:pk>/dispatch/orders/", order_post, name="incidents-dispatch-order"),
    path("<int:pk>/dispatch/orders/<int:order>/advance/", advance_post,
         name="incidents-dispatch-advance"),
    path("<int:pk>/dispatch/supplies/", supply_post, name="incidents-dispatch-supply"),
    path("<int:pk>/dispatch/supplies/<int:supply>/allocate/", allocate_post,
         name="incidents-dispatch-allocate"),
]  # fmt: skip
