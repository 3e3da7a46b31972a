"""Accident pages, mounted at /accidents/: the list (search, filters, pages, Excel), the form
that records an accident (also from an incident), and an accident's page — its grade and
figures, the investigation with its deadline and timeline, findings, measures with 回头看,
the evaluation and the typical case — whose forms post to :func:`accident_act`.

Writes go through :mod:`yingji.accidents.services`; a refusal re-renders the page it came
from with the message next to the form (422 bad input, 409 a step the state does not allow,
403 a role). An accident outside the user's reach is 404, as if it did not exist.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, Final
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yingji.accidents import catalogue, documents, forms, selectors
from yingji.accidents.models import Accident, MeasureState, State
from yingji.accidents.services import followup, investigation, records
from yingji.core.errors import DomainError, Forbidden, NotFound
from yingji.core.pages import deny, searched, status_of
from yingji.core.permissions import Cap, has
from yingji.regions.models import Level, Region

PAGE_SIZE: Final = 30
FILTER_KEYS: Final = ("q", "grade", "accident_type", "region", "year", "investigation", "evaluated")


def _deny(request: HttpRequest, message: str | None = None) -> HttpResponse:
    return deny(request, message or _("Your roles do not include accidents."))


def _accident(request: HttpRequest, pk: Any) -> Accident:
    try:
        return selectors.get_accident(request.user, pk)  # type: ignore[arg-type]
    except NotFound as exc:
        raise Http404(exc.message) from exc


# ---------------------------------------------------------------- the list


@login_required
def accident_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not has(user, Cap.VIEW_ACCIDENTS):
        return _deny(request)
    filters, found = searched(request, FILTER_KEYS, selectors.search, user)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    home = getattr(user, "region", None)
    regions = []
    if home is not None and home.level not in (Level.VILLAGE,):
        regions = [home, *Region.objects.filter(parent=home).order_by("code")]
    today = timezone.localdate()
    context = {
        "page": page,
        "rows": [_row(a, today) for a in page.object_list],
        "filters": filters,
        "regions": regions,
        "years": list(range(today.year, today.year - 8, -1)),
        "states": State.choices,
        "coverage": selectors.coverage(found),
        "can_manage": has(user, Cap.MANAGE_ACCIDENTS),
        **forms.choices(),
    }
    return render(request, "accidents/list.html", context)


def _row(accident: Accident, today: dt.date) -> dict[str, Any]:
    inv = selectors.investigation_of(accident)
    return {
        "accident": accident,
        "investigation": inv,
        "overdue": inv is not None and inv.overdue(today),
        "evaluated": hasattr(accident, "evaluation"),
    }


# ---------------------------------------------------------------- recording


def _form(
    request: HttpRequest,
    values: dict[str, Any],
    error: DomainError | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    context = {
        "values": forms.values_for_form(values),
        "error": error,
        "error_field": (error.field or "form") if error else None,
        "error_top": error is not None and error.field not in forms.ACCIDENT_FIELDS,
        "places": forms.places(user),  # type: ignore[arg-type]
        "incidents": list(selectors.linkable_incidents(user)[:50]),  # type: ignore[arg-type]
        **forms.choices(),
    }
    return render(request, "accidents/form.html", context, status=status)


@login_required
def accident_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not has(user, Cap.MANAGE_ACCIDENTS):
        return _deny(request, _("Your roles do not allow recording accidents."))
    if request.method == "POST":
        data = forms.posted(request.POST)
        try:
            accident = records.record_accident(actor=user, data=data)  # type: ignore[arg-type]
        except DomainError as exc:
            return _form(request, data, exc, status_of(exc))
        messages.success(
            request,
            _("Recorded %(code)s, graded %(grade)s.")
            % {"code": accident.code, "grade": accident.grade_name},
        )
        return redirect("accidents-detail", pk=accident.pk)
    values: dict[str, Any] = {"occurred_at": timezone.localtime().replace(second=0)}
    incident = request.GET.get("incident", "").strip()[:20]
    if incident:
        try:
            values = records.prefill_from_incident(user, incident)  # type: ignore[arg-type]
        except DomainError as exc:
            messages.error(request, exc.message)
    return _form(request, values)


# ---------------------------------------------------------------- an accident


def _detail(
    request: HttpRequest,
    accident: Accident,
    *,
    error: DomainError | None = None,
    action: str = "",
    values: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    today = timezone.localdate()
    inv = selectors.investigation_of(accident)
    manage = has(user, Cap.MANAGE_ACCIDENTS) and not accident.voided
    leads = inv is not None and investigation.leads(user, inv.office_path)  # type: ignore[arg-type]
    state = inv.state if inv is not None else ""
    wanted = catalogue.LEVEL_BY_GRADE[accident.grade]
    may_open = inv is None and investigation.leads(
        user, investigation.office_path(accident, wanted)
    )  # type: ignore[arg-type]
    steps = investigation.allowed(state) if manage and (may_open or leads) else []
    measures = list(inv.measures.all()) if inv else []
    closes = records.window_closes(accident)
    days_left = (inv.effective_due(today) - today).days if inv else None
    case = getattr(accident, "typical_case", None)
    context = {
        "accident": accident,
        "inv": inv,
        "overdue": inv is not None and inv.overdue(today),
        "effective_due": inv.effective_due(today) if inv else None,
        "days_left": days_left,
        "days_over": -days_left if days_left is not None and days_left < 0 else 0,
        "findings": list(inv.findings.all()) if inv else [],
        "measures": measures,
        "open_measures": [m for m in measures if m.state == MeasureState.OPEN],
        "evaluation": getattr(accident, "evaluation", None),
        "case": case,
        "case_form": {
            name: (values or {}).get(name) or (getattr(case, name) if case else "")
            for name in ("title", "body", "lessons")
        },
        "events": [
            {
                "event": e,
                "label": forms.EVENT_LABELS.get(e.action, e.action),
                "to_label": State(e.to_state).label if e.to_state in State.values else "",
            }
            for e in accident.events.all()
        ],
        "decided_by": accident.grade_decided_by.split(",") if accident.grade_decided_by else [],
        "window_closes": closes,
        "window_open": timezone.now() < closes,
        "can_manage": manage,
        "leads": leads,
        "wanted_level": wanted.label,
        "steps": steps,
        "can_work": manage and leads and state in investigation.WORK_STATES,
        "can_check": manage and state in followup.CHECKED_STATES,
        "closed": state == State.CLOSED,
        "error": error,
        "error_action": action,
        "values": values or {},
        "today": today,
        **forms.choices(),
    }
    return render(request, "accidents/detail.html", context, status=status)


@login_required
def accident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if not has(request.user, Cap.VIEW_ACCIDENTS):
        return _deny(request)
    return _detail(request, _accident(request, pk))


def _perform(request: HttpRequest, pk: int, action: str, data: dict[str, Any]) -> Any:
    """Call the service behind a form of the accident page (``action`` is a known slug)."""
    user: Any = request.user
    mine = {"actor": user, "pk": pk}
    measure = data.get("measure")
    handlers: dict[str, Callable[[], Any]] = {
        "casualties": lambda: records.update_casualties(**mine, data=data),
        "void": lambda: records.void_accident(**mine, reason=data.get("reason", "")),
        "open": lambda: investigation.open_investigation(**mine, data=data),
        "finding": lambda: investigation.add_finding(**mine, data=data),
        "measure": lambda: followup.add_measure(**mine, data=data),
        "measure-done": lambda: followup.complete_measure(**mine, measure_id=measure, data=data),
        "followup": lambda: followup.record_followup(**mine, measure_id=measure, data=data),
        "evaluate": lambda: followup.evaluate(**mine, data=data),
        "publish": lambda: followup.publish_case(**mine, data=data),
        "withdraw": lambda: followup.withdraw_case(**mine, reason=data.get("reason", "")),
    }
    if action in handlers:
        return handlers[action]()
    return investigation.transition(
        **mine, action=action, data=data, upload=request.FILES.get("report")
    )


@login_required
@require_POST
def accident_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if not has(request.user, Cap.VIEW_ACCIDENTS):
        return _deny(request)
    accident = _accident(request, pk)
    if action not in forms.ACTIONS:
        raise Http404("No such action")
    label, anchor = forms.ACTIONS[action]
    data = forms.posted(request.POST)
    try:
        _perform(request, accident.pk, action, data)
    except NotFound as exc:
        if not exc.field:
            raise Http404(exc.message) from exc
        return _detail(request, accident, error=exc, action=action, values=data, status=422)
    except Forbidden as exc:
        return _deny(request, exc.message)
    except DomainError as exc:
        fresh = _accident(request, pk)
        return _detail(request, fresh, error=exc, action=action, values=data, status=status_of(exc))
    messages.success(request, _("Done: %(step)s.") % {"step": label})
    return redirect(f"/accidents/{accident.pk}/#{anchor}")


@login_required
def report_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The investigation report, to whoever may see the accident."""
    if not has(request.user, Cap.VIEW_ACCIDENTS):
        return _deny(request)
    inv = selectors.investigation_of(_accident(request, pk))
    if inv is None or not inv.report_file:
        raise Http404("No report")
    try:
        path = documents.open_document(inv.report_file)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    response = FileResponse(path.open("rb"), content_type=inv.report_type, as_attachment=True)
    ext = documents.KINDS.get(inv.report_type, "")
    response["Content-Disposition"] = (
        f'attachment; filename="report-{inv.accident_id}{ext}"; '
        f"filename*=UTF-8''{quote(inv.report_name or 'report' + ext)}"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
