"""Plan activation and drill pages: an incident's plans (the panel as a page of its own), the
activation with its task preview, ending a response, the drills list with starting a drill
and its evaluation form. Writes go through :mod:`yingji.plans.services.activation`.
"""

from __future__ import annotations

from typing import Any, Final

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yingji.core.errors import DomainError, NotFound
from yingji.core.permissions import Cap, has
from yingji.incidents import services as incidents
from yingji.incidents.models import Incident
from yingji.plans import selectors
from yingji.plans.models import LEVEL_CHOICES, Status
from yingji.plans.panel import panel_context
from yingji.plans.services import activation
from yingji.plans.views import deny, pk_of, status_of

PAGE_SIZE: Final = 30


def _incident(request: HttpRequest, pk: int) -> Incident:
    try:
        return incidents.get_incident(request.user, pk)  # type: ignore[arg-type]
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _back(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _page(request: HttpRequest, incident: Incident, status: int = 200,
          **extra: Any) -> HttpResponse:  # fmt: skip
    context = panel_context(request, incident, **extra)
    return render(request, "plans/incident.html", context, status=status)


@login_required
def incident_plans(request: HttpRequest, pk: int) -> HttpResponse:
    if not has(request.user, Cap.VIEW_INCIDENTS):
        return deny(request)
    return _page(request, _incident(request, pk))


@login_required
def panel(request: HttpRequest, pk: int) -> HttpResponse:
    """The card alone, for the room to refresh when a plan entry reaches its timeline."""
    if not has(request.user, Cap.VIEW_INCIDENTS):
        return deny(request)
    incident = _incident(request, pk)
    back = reverse("incidents-room", args=[incident.pk])
    return render(request, "plans/_panel.html", panel_context(request, incident, back=back))


def _chosen(data: Any) -> dict[str, Any]:
    return {"plan": pk_of(data.get("plan")), "level": str(data.get("level", ""))[:2]}


@login_required
def preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The tasks an activation would create (an htmx fragment of the activation form)."""
    if not has(request.user, Cap.VIEW_INCIDENTS):
        return deny(request)
    incident = _incident(request, pk)
    chosen = _chosen(request.GET)
    mode = "drill" if incident.exercise else "real"
    context: dict[str, Any] = {"error": None, "planned": None}
    try:
        context["planned"] = activation.preview(request.user, chosen["plan"], incident.pk,  # type: ignore[arg-type]
                                                chosen["level"], mode)  # fmt: skip
    except DomainError as exc:
        context["error"] = exc
    return render(request, "plans/_preview.html", context)


@login_required
@require_POST
def activate(request: HttpRequest, pk: int) -> HttpResponse:
    if not has(request.user, Cap.COMMAND_INCIDENTS):
        return deny(request, _("Your roles do not allow commanding incidents."))
    incident = _incident(request, pk)
    chosen = _chosen(request.POST)
    mode = "drill" if incident.exercise else "real"
    try:
        done = activation.activate(request.user, chosen["plan"], incident.pk, chosen["level"],  # type: ignore[arg-type]
                                   mode)  # fmt: skip
    except DomainError as exc:
        incident.refresh_from_db()
        return _page(request, incident, status_of(exc), error=exc, values=chosen)
    messages.success(request, _("Plan activated: %(n)d tasks created.") % {
        "n": done.tasks_created})  # fmt: skip
    return redirect(_back(request, reverse("incidents-room", args=[incident.pk])))


@login_required
@require_POST
def end(request: HttpRequest, pk: int) -> HttpResponse:
    if not has(request.user, Cap.COMMAND_INCIDENTS):
        return deny(request, _("Your roles do not allow commanding incidents."))
    try:
        activation.end_response(request.user, pk)  # type: ignore[arg-type]
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Response ended."))
    found = selectors.incident_of(pk)
    return redirect(_back(request, reverse("incidents-room", args=[found]) if found else "/plans/"))


# ---------------------------------------------------------------- drills


def _drills(request: HttpRequest, status: int = 200, **extra: Any) -> HttpResponse:
    user = request.user
    page = Paginator(selectors.drills(user), PAGE_SIZE).get_page(request.GET.get("page"))  # type: ignore[arg-type]
    plans = []
    if has(user, Cap.COMMAND_INCIDENTS):
        plans = list(selectors.visible(user).filter(status=Status.CURRENT)  # type: ignore[arg-type]
                     .order_by("kind", "code"))  # fmt: skip
    context = {
        "page": page,
        "plans": plans,
        "levels": list(reversed(LEVEL_CHOICES)),
        "can_evaluate": has(user, Cap.MANAGE_PLANS),
        "home": getattr(user, "region", None),
        "error": None,
        "values": {},
        "evaluating": None,
        **extra,
    }
    return render(request, "plans/drills.html", context, status=status)


@login_required
def drills(request: HttpRequest) -> HttpResponse:
    """The drills list; POST starts a drill (an exercise incident with the plan activated)."""
    user = request.user
    if not has(user, Cap.VIEW_INCIDENTS):
        return deny(request)
    if request.method != "POST":
        return _drills(request)
    if not has(user, Cap.COMMAND_INCIDENTS):
        return deny(request, _("Your roles do not allow commanding incidents."))
    values = {"plan": pk_of(request.POST.get("plan")),
              "level": request.POST.get("level", "")[:2],
              "region": request.POST.get("region", "").strip()[:12]}  # fmt: skip
    try:
        done = activation.start_drill(user, values["plan"], values["level"], values["region"])  # type: ignore[arg-type]
    except DomainError as exc:
        return _drills(request, status_of(exc), error=exc, values=values)
    messages.success(request, _("Drill started: %(n)d tasks created.") % {
        "n": done.tasks_created})  # fmt: skip
    return redirect("incidents-room", pk=done.incident_id)


@login_required
@require_POST
def evaluate(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    if not has(user, Cap.MANAGE_PLANS):
        return deny(request, _("Your roles do not allow managing plans."))
    values = {key: request.POST.get(key, "") for key in ("score", "findings", "improvements")}
    try:
        activation.evaluate_drill(user, pk, **values)  # type: ignore[arg-type]
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except DomainError as exc:
        return _drills(request, status_of(exc), error=exc, values=values, evaluating=pk)
    messages.success(request, _("Evaluation recorded."))
    return redirect("plans-drills")
