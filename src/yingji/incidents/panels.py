"""Extra cards on the incident page, contributed by other apps.

The incident page is the command room; other capabilities add their own card to it — the
plans app a "预案启动" panel (choose a plan and a level, see the tasks it made), dispatch the
forces on their way, shelters the evacuees housed — without the incidents app knowing them.

An app registers a panel function once, when it is ready::

    # yingji/plans/apps.py
    class PlansConfig(AppConfig):
        def ready(self) -> None:
            from yingji.incidents import panels
            from yingji.plans.views import activation_panel

            panels.register(activation_panel)

    # yingji/plans/views.py
    def activation_panel(request, incident):
        if not has(request.user, Cap.VIEW_INCIDENTS):
            return None                      # nothing to show this person
        return "plans/_activation_panel.html", {"incident": incident, "plans": ...}

``fn(request, incident)`` returns ``(template_name, context)`` or ``None``. The page renders
the panels in the order they were registered, each template with its context and the request
(so ``{% csrf_token %}``, ``caps`` and ``user`` work), as a card below the tasks. A panel's
forms post to its own app's views, which redirect back to ``/incidents/<id>/``. A panel that
raises is logged and shown as "unavailable": one broken card never takes the room down.
Registering the same function twice keeps one.

The incident page's script tells panels what happens in the room: each new timeline entry
from the live stream is dispatched on ``document`` as an ``inc:entry`` event whose ``detail``
is the entry as the API lists it (``kind`` "task", "report" …), so a panel can refresh itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.template.loader import render_to_string
from django.utils.safestring import SafeString

if TYPE_CHECKING:
    from django.http import HttpRequest

    from yingji.incidents.models import Incident

Panel = Callable[["HttpRequest", "Incident"], "tuple[str, dict[str, Any]] | None"]

log = logging.getLogger(__name__)
_panels: list[Panel] = []


def register(fn: Panel) -> Panel:
    """Add a panel to every incident page (usable as a decorator); returns ``fn``."""
    if fn not in _panels:
        _panels.append(fn)
    return fn


def unregister(fn: Panel) -> None:
    """Remove a panel (tests)."""
    if fn in _panels:
        _panels.remove(fn)


def registered() -> list[Panel]:
    return list(_panels)


def render(request: HttpRequest, incident: Incident) -> list[dict[str, Any]]:
    """The panels' cards for this request: ``{"name", "html"}`` or ``{"name", "error"}``."""
    cards: list[dict[str, Any]] = []
    for fn in list(_panels):
        name = getattr(fn, "__qualname__", repr(fn))
        try:
            result = fn(request, incident)
            if result is None:
                continue
            template, context = result
            html = render_to_string(template, context, request=request)
        except Exception:  # one broken panel must not take the command room down
            log.exception("incident panel %s failed for incident %s", name, incident.pk)
            cards.append({"name": name, "error": True})
            continue
        cards.append({"name": name, "html": SafeString(html)})
    return cards


# ---------------------------------------------------------------- for the panels' own views


def incident_or_404(request: HttpRequest, pk: int) -> Incident:
    """The incident for a panel's view: 404 for one the user may not see, as if it did not
    exist (and for an id no database holds)."""
    from django.http import Http404  # noqa: PLC0415 - keep this module light to import

    from yingji.core.errors import NotFound  # noqa: PLC0415
    from yingji.core.permissions import Cap, has  # noqa: PLC0415
    from yingji.incidents.selectors import MAX_PK  # noqa: PLC0415
    from yingji.incidents.services import get_incident  # noqa: PLC0415

    if not has(request.user, Cap.VIEW_INCIDENTS) or pk > MAX_PK:
        raise Http404("No such incident")
    try:
        return get_incident(request.user, pk)  # type: ignore[arg-type]
    except NotFound as exc:
        raise Http404(exc.message) from exc


def fragment_view(panel: Panel) -> Callable[..., Any]:
    """A view that renders ``panel`` alone, which the incident page fetches again when the
    timeline moves (signed-in users; 404 when the panel has nothing for them)."""
    from django.contrib.auth.decorators import login_required  # noqa: PLC0415
    from django.http import Http404  # noqa: PLC0415
    from django.shortcuts import render as render_page  # noqa: PLC0415

    @login_required
    def fragment(request: HttpRequest, pk: int) -> Any:
        found = panel(request, incident_or_404(request, pk))
        if found is None:
            raise Http404("No such incident")
        template, context = found
        return render_page(request, template, context)

    fragment.__doc__ = f"The {getattr(panel, '__name__', 'panel')} alone."
    return fragment


def act_and_return(request: HttpRequest, pk: int, action: Callable[[], str], anchor: str) -> Any:
    """Run a panel's write: success or the refusal (naming the field) as a message, then
    back to the panel's card on the incident page (``#anchor``)."""
    from django.contrib import messages  # noqa: PLC0415
    from django.shortcuts import redirect  # noqa: PLC0415
    from django.urls import reverse  # noqa: PLC0415

    from yingji.core.errors import DomainError  # noqa: PLC0415

    try:
        text = action()
    except DomainError as exc:
        where = f" ({exc.field})" if exc.field else ""
        messages.error(request, f"{exc.message}{where}")
    else:
        messages.success(request, text)
    return redirect(reverse("incidents-room", args=[pk]) + f"#{anchor}")
