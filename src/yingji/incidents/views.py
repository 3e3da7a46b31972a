"""Incident pages (应急处置), mounted at /incidents/: the list, the 信息报送 form (also the grid
worker's 灾情上报 on a phone, with a photo and the phone's location), and the incident page,
which is the command room: header, countdowns of the reporting time limits, the reports and
the 续报 form, 上报, grading, roles and hand-offs, tasks, the timeline (live through
:mod:`yingji.incidents.stream`) and the cards other apps add (:mod:`yingji.incidents.panels`).

Reads share the API's shapes (:mod:`yingji.incidents.selectors`) and writes go through
:mod:`yingji.incidents.services`, whose refusals are shown on the page next to the form they
came from: 422 for bad input, 409 for a state that does not allow the step, 403 for a role.
An incident outside the user's jurisdiction is 404, as if it did not exist.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yingji.core import pages, tablecache
from yingji.core.errors import DomainError, InvalidInput, NotFound
from yingji.core.models import Role as UserRoleName
from yingji.core.permissions import Cap, has, roles_of
from yingji.core.photos import open_photo, store_photo
from yingji.hazards.forms import js_strings as locate_strings
from yingji.incidents import api, catalogue, forms, panels, selectors, services
from yingji.incidents.models import Incident, ReportKind, Source, Status
from yingji.incidents.selectors import MAX_PK
from yingji.incidents.services import room

PAGE_SIZE: Final = 30
_SLOT: Final = 987654321  # a placeholder id: the room's URL around it is the rows' link
FILTER_KEYS: Final = ("status", "category", "event_type", "grade", "region", "q")
PARTS: Final = ("head", "limits", "reports", "roles", "tasks")
ACTIONS: Final = ("report", "forward", "grade", "role", "task")
ROOM_RELATED: Final = ("region", "reported_by")  # what the room's header shows of them


def _deny(request: HttpRequest, message: str | None = None) -> HttpResponse:
    messages.error(request, message or _("Your roles do not include incidents."))
    return render(request, "web/forbidden.html", status=403)


def _status(exc: DomainError) -> int:
    """A form field naming something outside the jurisdiction is bad input (422), not a 404."""
    return 422 if isinstance(exc, NotFound) and exc.field else exc.status


def _incident(request: HttpRequest, pk: int, *, related: tuple[str, ...] = ()) -> Incident:
    if pk > MAX_PK:
        raise Http404("No such incident")
    try:
        return services.get_incident(request.user, pk, related=related)  # type: ignore[arg-type]
    except NotFound as exc:
        raise Http404(exc.message) from exc


# ---------------------------------------------------------------- the list


def _filters(request: HttpRequest) -> api.ListQuery:
    return pages.list_filters(request, api.ListQuery, FILTER_KEYS)


def _query(filters: api.ListQuery, **changes: Any) -> str:
    return pages.filter_query(filters, FILTER_KEYS, **changes)


def _rows(incidents: Iterable[Incident], late: set[int]) -> list[dict[str, Any]]:
    """The list's rows with what each shows worked out once here, not by tags per row: the
    link, the local time of the event and the figures line."""
    head, tail = reverse("incidents-room", args=[_SLOT]).split(str(_SLOT))
    figures = _("%(d)s dead · %(m)s missing · %(s)s seriously injured")
    rows = []
    for incident in incidents:
        row = selectors.item(incident, overdue=incident.pk in late)
        at = timezone.localtime(row["occurred_at"])
        row["url"] = f"{head}{incident.pk}{tail}"
        row["occurred_text"] = (
            f"{at.year:04d}-{at.month:02d}-{at.day:02d} {at.hour:02d}:{at.minute:02d}"
        )
        row["figures_text"] = mark_safe(  # noqa: S308 - the figures are escaped, as the tag does
            figures % {key: conditional_escape(localize(row[name])) for key, name in
                       (("d", "dead"), ("m", "missing"), ("s", "seriously_injured"))}
        )  # fmt: skip
        rows.append(row)
    return rows


@login_required
def incident_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not has(user, Cap.VIEW_INCIDENTS):
        return _deny(request)
    filters = _filters(request)
    criteria = filters.model_dump(exclude={"limit", "offset"})
    try:
        found = selectors.filtered(user, **criteria)
    except InvalidInput as exc:
        messages.error(request, exc.message)
        filters = api.ListQuery.model_validate({})
        found = selectors.filtered(user)
    counts = dict(selectors.visible(user).values_list("status").annotate(n=Count("pk")).order_by())
    known = None
    if not any(value not in ("", None) for key, value in filters.model_dump(
            exclude={"limit", "offset", "status"}).items()):  # fmt: skip
        # filtered by status at most: the tabs' counts hold the total (one COUNT less)
        known = counts.get(filters.status, 0) if filters.status else sum(counts.values())
    paginator = tablecache.CountedPaginator(found.select_related("region"), PAGE_SIZE, known=known)
    page = paginator.get_page(request.GET.get("page"))
    late = selectors.overdue_ids(page.object_list)
    tabs = [
        {"key": "", "label": _("All"), "count": sum(counts.values()),
         "query": _query(filters, status=""), "current": not filters.status},
        *({"key": s.value, "label": s.label, "count": counts.get(s.value, 0),
           "query": _query(filters, status=s.value), "current": filters.status == s.value}
          for s in Status),
    ]  # fmt: skip
    home = getattr(user, "region", None)
    context = {
        "page": page,
        "rows": _rows(page.object_list, late),
        "filters": filters,
        "tabs": tabs,
        "categories": catalogue.CATEGORIES,
        "type_groups": forms.type_groups(),
        "grades": list(enumerate(catalogue.GRADE_NAMES)),
        "regions": list(home.children.order_by("code")) if home is not None else [],
        "can_report": has(user, Cap.REPORT_INCIDENT),
    }
    return render(request, "incidents/list.html", context)


# ---------------------------------------------------------------- 信息报送


def _attach_photo(user: Any, incident: Incident, request: HttpRequest) -> None:
    """The optional photo of a report, on a timeline entry (inside the report's transaction,
    so a refused photo refuses the report and nothing is half-written)."""
    photos = request.FILES.getlist("photo")
    if not photos:
        return
    if len(photos) > 1:
        raise InvalidInput(_("Send one photo with a report."), field="photo")
    keep = request.POST.get("keep_location") == "1"
    photo = store_photo(photos[0], purpose="incident", actor=user, keep_location=keep)
    room.entry(incident, "photo", _("Photo from the scene"), actor=user,
               data={"photo": str(photo.pk)})  # fmt: skip


def _form_context(user: Any, values: dict[str, Any], error: DomainError | None) -> dict[str, Any]:
    return {
        "values": values,
        "failure": error,
        "error_field": (error.field or "form") if error else None,
        "type_groups": forms.type_groups(),
        "region_choices": forms.region_choices(user, str(values.get("region", ""))),
        "field_labels": {k: str(v) for k, v in forms.FIELD_LABELS.items()},
        "max_photos": 1,
        "i18n": {**locate_strings(), **forms.js_strings()},
    }


@login_required
def incident_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not has(user, Cap.REPORT_INCIDENT):
        return _deny(request, _("Your roles do not allow reporting incidents."))
    if request.method == "POST":
        data = forms.report_data(request.POST)
        grid = UserRoleName.GRID_WORKER in roles_of(user)
        alarm = request.POST.get("alarm", "").strip()[:20]
        try:
            with transaction.atomic():
                if alarm:
                    incident = services.report_from_alarm(user, alarm, data)  # type: ignore[arg-type]
                else:
                    incident = services.report_incident(
                        user,  # type: ignore[arg-type]
                        data,
                        source=Source.PHONE if grid else Source.WEB,
                    )
                _attach_photo(user, incident, request)
        except DomainError as exc:
            context = _form_context(user, forms.posted(request.POST), exc)
            context["alarm"] = alarm
            return render(request, "incidents/form.html", context, status=_status(exc))
        messages.success(
            request,
            _("Incident %(code)s reported; the county duty office is told.")
            % {"code": incident.code},
        )
        return redirect("incidents-room", pk=incident.pk)
    values = forms.initial(user)  # type: ignore[arg-type]
    alarm = request.GET.get("alarm", "").strip()[:20]
    if alarm:
        try:
            found = services.alarm_prefill(user, alarm)  # type: ignore[arg-type]
        except DomainError:
            raise Http404("No such alarm") from None
        values.update({k: (forms.local(v) if k == "occurred_at" else ("" if v is None else v))
                       for k, v in found.items()})  # fmt: skip
    context = _form_context(user, values, None)
    context["alarm"] = alarm if alarm else ""
    return render(request, "incidents/form.html", context)


# ---------------------------------------------------------------- the command room


def _room_context(
    request: HttpRequest, incident: Incident, *, failure: DomainError | None = None,
    failed: str = "", values: dict[str, Any] | None = None,
) -> dict[str, Any]:  # fmt: skip
    user = request.user
    rows = selectors.timeline(incident)
    body = selectors.detail(user, incident, entries=rows)
    entries = [selectors.entry_item(e) for e in rows]
    newest = max((e["id"] for e in entries), default=0)
    command = body["allowed"]["command"]
    kinds = [(ReportKind.UPDATE, ReportKind.UPDATE.label),
             (ReportKind.SUPPLEMENT, ReportKind.SUPPLEMENT.label)]  # fmt: skip
    if body["allowed"]["final"]:
        kinds.append((ReportKind.FINAL, ReportKind.FINAL.label))
    posted = values or {}
    return {
        "i": body,
        "incident": incident,
        "entries": entries,
        "older": entries[-1]["id"] if len(entries) == selectors.TIMELINE_PAGE else None,
        "followup": posted if failed == "report" else forms.followup_initial(incident),
        "posted": posted,
        "failure": failure,
        "failed": failed,
        "kinds": kinds,
        "grades": list(enumerate(catalogue.GRADE_NAMES)),
        "members": selectors.members(user, incident) if command else [],
        "role_names": room.ROLES,
        "panels": panels.render(request, incident),
        "stream_url": f"/incidents/{incident.pk}/stream?after={newest}",
        "i18n": forms.js_strings(),
        "locate_i18n": locate_strings(),
        "max_photos": 1,
    }


@login_required
def incident_room(request: HttpRequest, pk: int) -> HttpResponse:
    if not has(request.user, Cap.VIEW_INCIDENTS):
        return _deny(request)
    incident = _incident(request, pk, related=ROOM_RELATED)
    return render(request, "incidents/room.html", _room_context(request, incident))


def _perform(request: HttpRequest, pk: int, action: str) -> str:
    """Run one step of the room through the services; the success message."""
    user: Any = request.user
    post = request.POST
    if action == "report":
        data = forms.report_data(post)
        with transaction.atomic():
            report = services.add_report(user, pk, data)
            _attach_photo(user, report.incident, request)
        return _("%(kind)s filed.") % {"kind": report.get_kind_display()}
    if action == "forward":
        receipt = services.forward(user, pk)
        return _("Reported to the %(level)s level.") % {
            "level": selectors.LEVEL_LABELS.get(receipt.level, receipt.level)
        }
    if action == "grade":
        raw = forms.clip(post.get("grade"), 2)
        level = int(raw) if raw.isascii() and raw.isdigit() else -1
        note = forms.no_nul(post.get("note"), "note", 200)
        services.set_grade(user, pk, level, note)
        return _("Grade set.")
    if action == "role":
        room.assign_role(
            user, pk, forms.clip(post.get("role"), 60), forms.clip(post.get("user"), 19)
        )
        return _("Role assigned.")
    data = {
        "title": forms.clip(post.get("title"), 400),
        "role": forms.no_nul(post.get("role"), "role", 40),
        "owner": forms.clip(post.get("owner"), 19).strip() or None,
        "due_at": forms.clip(post.get("due_at"), 40).strip() or None,
    }
    room.add_task(user, pk, data)
    return _("Task added.")


@require_POST
@login_required
def incident_act(request: HttpRequest, pk: str, action: str) -> HttpResponse:
    """One step of the room (``action``: one of :data:`ACTIONS`, as the URL allows)."""
    if not has(request.user, Cap.VIEW_INCIDENTS):
        return _deny(request)
    if action not in ACTIONS:
        raise Http404("No such step")
    incident = _incident(request, int(pk))
    try:
        done = _perform(request, incident.pk, action)
    except DomainError as exc:
        values = {k: forms.clip(v, forms.CLIP) for k, v in request.POST.items()}
        incident.refresh_from_db()
        context = _room_context(request, incident, failure=exc, failed=action, values=values)
        return render(request, "incidents/room.html", context, status=_status(exc))
    messages.success(request, done)
    return redirect("incidents-room", pk=incident.pk)


@require_POST
@login_required
def task_finish(request: HttpRequest, pk: int, task: int) -> HttpResponse:
    if not has(request.user, Cap.VIEW_INCIDENTS):
        return _deny(request)
    incident = _incident(request, pk)
    status = forms.clip(request.POST.get("status"), 20)
    try:
        if task > MAX_PK:
            raise NotFound(_("No such task"))
        note = forms.no_nul(request.POST.get("note"), "note", 500)
        room.finish_task(request.user, pk, task, status=status, note=note)  # type: ignore[arg-type]
    except DomainError as exc:
        context = _room_context(request, incident, failure=exc, failed="finish")
        return render(request, "incidents/room.html", context, status=exc.status)
    messages.success(request, _("Task updated."))
    return redirect("incidents-room", pk=pk)


@login_required
def incident_part(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """One section of the room, which the page fetches again when the timeline moves."""
    if not has(request.user, Cap.VIEW_INCIDENTS):
        return _deny(request)
    if name not in PARTS:
        raise Http404("No such part")
    incident = _incident(request, pk, related=ROOM_RELATED)
    context = {"i": selectors.detail(request.user, incident), "incident": incident}
    return render(request, f"incidents/_{name}.html", context)


@login_required
def incident_photo(request: HttpRequest, pk: int, photo_id: UUID) -> FileResponse:
    """A photo of the incident, to those who may see it."""
    if not has(request.user, Cap.VIEW_INCIDENTS):
        raise Http404("No such photo")
    incident = _incident(request, pk)
    photo = selectors.photo_of(incident, str(photo_id))
    if photo is None:
        raise Http404("No such photo of this incident")
    try:
        path = open_photo(photo)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    response = FileResponse(path.open("rb"), content_type=photo.content_type)
    response["Cache-Control"] = "private, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response
