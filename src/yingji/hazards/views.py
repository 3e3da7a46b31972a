"""Hidden-hazard pages: the bureau's queue, the report form (a grid worker's phone), a hazard's
page with one form per allowed step, the 挂牌督办 board, an enterprise's own list and the
in-app inbox.

Reads go through :mod:`yingji.hazards.selectors` (a hazard outside the user's jurisdiction is
404, like one that does not exist) and writes through the services, whose refusals are shown
in the form they came from with the service's message: 422 for bad input, 409 for a step the
hazard's state does not allow (with the steps it does), 403 for a role that may not act.
"""

from __future__ import annotations

from typing import Any, Final
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Case, IntegerField, Value, When
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from yingji.core import notify, tablecache
from yingji.core.errors import DomainError, Forbidden, InvalidInput, NotFound
from yingji.core.permissions import Cap, has
from yingji.core.photos import open_photo
from yingji.core.registry import selectors as registry_selectors
from yingji.core.registry import spec as registry_specs
from yingji.hazards import forms, selectors
from yingji.hazards.models import (
    OPEN_STATES,
    Category,
    EvidenceKind,
    Grade,
    HiddenHazard,
    Source,
    Supervision,
    SupervisionLevel,
)
from yingji.hazards.services import report, supervision, workflow
from yingji.hazards.services.workflow import IllegalTransition
from yingji.regions.models import Region

PAGE_SIZE: Final = 30
MAX_PK: Final = 2**63 - 1
MAX_BOARD: Final = 500  # supervised majors on the board; a province has tens, not thousands
PHOTO_KINDS: Final = {"submit": EvidenceKind.RECTIFICATION, "accept": EvidenceKind.ACCEPTANCE}


def _deny(request: HttpRequest, message: str) -> HttpResponse:
    messages.error(request, message)
    return render(request, "web/forbidden.html", status=403)


def _need(request: HttpRequest, cap: Cap) -> HttpResponse | None:
    if has(request.user, cap):
        return None
    if cap == Cap.REPORT_HAZARD:
        return _deny(request, _("Your roles do not allow reporting hidden hazards."))
    return _deny(request, _("Your roles do not include hidden hazards."))


def _hazard(request: HttpRequest, pk: int, *, whole: bool = False) -> HiddenHazard:
    """The hazard, 404 outside the jurisdiction; ``whole``: with what its page shows joined."""
    if pk > MAX_PK:
        raise Http404("No such hidden hazard")
    related = selectors.PAGE_RELATED if whole else ()
    try:
        return selectors.get_hazard(request.user, pk, related=related)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _status(exc: DomainError) -> int:
    """A form field naming something outside the jurisdiction is bad input (422), not a 404."""
    return 422 if isinstance(exc, NotFound) and exc.field else exc.status


def _failure(exc: DomainError, **extra: Any) -> dict[str, Any]:
    """The refusal as the form shows it: the field's label, then the service's message."""
    field = exc.field or ""
    message = exc.message
    if field and message.startswith(f"{field}: ") and field in forms.FIELD_LABELS:
        message = message[len(field) + 2 :]  # the label stands in for the field's name
    return {
        "field": field,
        "label": forms.FIELD_LABELS.get(field, ""),
        "message": message,
        **extra,
    }


# ---------------------------------------------------------------- the queue


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    if denied := _need(request, Cap.VIEW_HAZARDS):
        return denied
    user = request.user
    if selectors.enterprise_of(user) is not None:
        return redirect("hazards-mine")
    filters = forms.queue_filters(request.GET)
    try:
        found = selectors.queue(user, **filters.selector_args())
    except InvalidInput as exc:
        messages.error(request, exc.message)
        filters = forms.QueueFilters()
        found = selectors.queue(user, **filters.selector_args())
    # The page's rows by id after the sort, joined then (selectors.by_ids): with joins in the
    # sort the planner joined all 4,500 open hazards of the province to keep 30.
    found = found.select_related(None)
    counts, overdue_count = selectors.state_counts(user)
    totals = {"open": sum(counts.get(s, 0) for s in OPEN_STATES), "all": sum(counts.values())}
    tabs = [
        {
            "key": key,
            "label": label,
            "count": totals.get(key, counts.get(key, 0)),
            "query": filters.query(state=key),
        }
        for key, label in forms.TABS
    ]
    # Filtered by state alone, the page's total is its tab's count, already there.
    known = None if filters.narrowed else totals.get(filters.state, counts.get(filters.state, 0))
    page = tablecache.CountedPaginator(found, PAGE_SIZE, known=known).get_page(
        request.GET.get("page")
    )
    page.object_list = selectors.by_ids(list(page.object_list.values_list("pk", flat=True)))
    context = {
        "page": page,
        "rows": forms.queue_items(page.object_list, reverse("hazards-queue")),
        "filters": filters,
        "tabs": tabs,
        "overdue_count": overdue_count,
        "grades": Grade.choices,
        "sources": Source.choices,
        "regions": forms.region_choices(user),
        "can_report": has(user, Cap.REPORT_HAZARD),
    }
    return render(request, "hazards/queue.html", context)


# ---------------------------------------------------------------- reporting


@login_required
def report_form(request: HttpRequest) -> HttpResponse:
    if denied := _need(request, Cap.REPORT_HAZARD):
        return denied
    user = request.user
    values = forms.report_initial(user)
    failure: dict[str, Any] | None = None
    status = 200
    if request.method == "POST":
        values = forms.report_values(request.POST)
        photos = request.FILES.getlist("photo")
        try:
            hazard = report.report(actor=user, data=values, photos=photos)
        except Forbidden as exc:
            return _deny(request, exc.message)
        except DomainError as exc:
            failure, status = _failure(exc, photos=len(photos)), _status(exc)
        else:
            messages.success(
                request, _("Hazard %(code)s reported; the office is told.") % {"code": hazard.code}
            )
            return redirect("hazards-detail", pk=hazard.pk)
    context = {
        **forms.report_context(user),
        "values": values,
        "failure": failure,
        "enterprise": selectors.enterprise_of(user),
        "chosen": _chosen_enterprise(request, values.get("enterprise", "")),
        "i18n": forms.js_strings(),
    }
    return render(request, "hazards/report.html", context, status=status)


def _enterprises(request: HttpRequest) -> Any:
    if not has(request.user, Cap.VIEW_REGISTRY):
        return None
    spec = registry_specs.get("enterprises")
    return registry_selectors.records(request.user, spec).select_related("region")


def _chosen_enterprise(request: HttpRequest, key: str) -> Any:
    """The enterprise picked before a refused post, to show it picked again."""
    found = _enterprises(request)
    if not key.isdigit() or len(key) > 12 or found is None:
        return None
    return found.filter(pk=int(key)).first()


@login_required
def enterprise_search(request: HttpRequest) -> HttpResponse:
    """The report form's enterprise picker: enterprises in the jurisdiction matching ``q``."""
    text = forms.clip(request.GET.get("q"), 60)
    found = _enterprises(request)
    results = []
    if text and found is not None:
        try:
            spec = registry_specs.get("enterprises")
            results = list(
                registry_selectors.records(
                    request.user, spec, {"q": text, "sort": "name"}
                ).select_related("region")[:20]
            )
        except DomainError:
            results = []
    return render(request, "hazards/_enterprises.html", {"results": results, "q": text})


# ---------------------------------------------------------------- one hazard


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    if denied := _need(request, Cap.VIEW_HAZARDS):
        return denied
    return _detail(request, _hazard(request, pk, whole=True))


def _detail(
    request: HttpRequest,
    hazard: HiddenHazard,
    *,
    failure: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    initial = forms.action_initial(hazard, user)
    if failure:
        kept = dict(failure.get("values", {}))
        if failure.get("action") == "supervise":
            kept["supervise_deadline"] = kept.pop("deadline", "")
        initial.update({k: v for k, v in kept.items() if v not in ("", None)})
    actions = forms.actions_for(user, hazard)
    escalated = None
    if hazard.escalated_to:
        escalated = Region.objects.filter(path=hazard.escalated_to).only("name").first()
    context = {
        "hazard": hazard,
        "row": forms.row(hazard),
        "escalated": escalated,
        "lifted": _lifted(hazard),
        "photos": forms.evidence_groups(hazard),
        "events": [
            {
                "event": e,
                "label": forms.EVENT_LABELS.get(e.action, e.action),
                "to_label": forms.state_label(e.to_state),
            }
            for e in hazard.events.all()
        ],
        "actions": actions,
        "action_forms": [{"key": a, "label": forms.ACTION_LABELS.get(a, a)} for a in actions],
        "initial": initial,
        "plan_fields": [
            {"name": n, "label": label, "value": initial.get(n, "")}
            for n, label in forms.PLAN_TEXTS
        ],
        "failure": failure,
        "criteria": forms.criteria_groups() if "register" in actions else [],
        "categories": Category.choices,
        "grades": Grade.choices,
        "i18n": forms.js_strings(),
        "max_photos": report.MAX_PHOTOS,
        "can_registry": has(user, Cap.VIEW_REGISTRY),
    }
    return render(request, "hazards/detail.html", context, status=status)


def _lifted(hazard: HiddenHazard) -> Any:
    try:
        listing = hazard.supervision
    except Supervision.DoesNotExist:
        return None
    return listing if listing.lifted_at is not None else None


@login_required
@require_POST
def act(request: HttpRequest, pk: int) -> HttpResponse:
    """One step on a hazard: a workflow transition, evidence photos, 挂牌督办 or lifting it."""
    if denied := _need(request, Cap.VIEW_HAZARDS):
        return denied
    hazard = _hazard(request, pk)
    action = forms.clip(request.POST.get("action"), 20)
    data = forms.action_data(action, request.POST)
    photos = request.FILES.getlist("photo")
    try:
        _perform(request, hazard, action, data, photos)
    except DomainError as exc:
        failure = _failure(
            exc, action=action, values=data, action_label=forms.ACTION_LABELS.get(action, action)
        )
        if isinstance(exc, IllegalTransition):
            failure["allowed"] = [forms.ACTION_LABELS.get(a, a) for a in exc.allowed]
        return _detail(request, hazard, failure=failure, status=_status(exc))
    label = forms.ACTION_LABELS.get(action, action)
    messages.success(
        request, _("Done: %(action)s (%(code)s).") % {"action": label, "code": hazard.code}
    )
    return redirect("hazards-detail", pk=hazard.pk)


def _perform(
    request: HttpRequest, hazard: HiddenHazard, action: str, data: dict[str, Any], photos: list
) -> None:
    user, pk = request.user, hazard.pk
    if action == "evidence":
        report.add_evidence(actor=user, pk=pk, kind=EvidenceKind.RECTIFICATION, photos=photos)
    elif action == "supervise":
        supervision.supervise(actor=user, pk=pk, data=data)
    elif action == "lift":
        supervision.lift(actor=user, pk=pk, note=data["note"])
    else:
        # The step and its photos together or not at all: the step first, so a step the state
        # does not allow is a 409 whatever the photos are.
        with transaction.atomic():
            workflow.transition(
                actor=user, pk=pk, action=action, data={**data, "_photos": bool(photos)}
            )
            if photos and action in PHOTO_KINDS:
                report.add_evidence(actor=user, pk=pk, kind=PHOTO_KINDS[action], photos=photos)


@login_required
def photo(request: HttpRequest, pk: int, photo_id: UUID) -> FileResponse:
    """An evidence photo, to those who may see its hazard."""
    if not has(request.user, Cap.VIEW_HAZARDS):
        raise Http404("No such photo")
    hazard = _hazard(request, pk)
    evidence = hazard.evidence.select_related("photo").filter(photo_id=photo_id).first()
    if evidence is None:
        raise Http404("No such photo on this hazard")
    try:
        path = open_photo(evidence.photo)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    response = FileResponse(path.open("rb"), content_type=evidence.photo.content_type)
    response["Cache-Control"] = "private, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# ---------------------------------------------------------------- lists


@login_required
def supervision_board(request: HttpRequest) -> HttpResponse:
    """挂牌督办: the majors listed for supervision in the jurisdiction, by listing level."""
    if denied := _need(request, Cap.VIEW_HAZARDS):
        return denied
    found = selectors.queue(request.user, supervised=True).select_related("region", "supervision")
    listed = [r for r in forms.rows(found[:MAX_BOARD]) if r.supervision is not None]
    levels = []
    for level, label in SupervisionLevel.choices:
        here = [r for r in listed if r.supervision.level == level]  # type: ignore[union-attr]
        here.sort(key=lambda r: (r.supervision.deadline, r.hazard.code))  # type: ignore[union-attr]
        levels.append({"level": level, "label": label, "rows": here})
    context = {
        "levels": levels,
        "total": len(listed),
        "late": sum(1 for r in listed if r.overdue or (r.supervision_left or 0) < 0),
    }
    return render(request, "hazards/supervision.html", context)


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """An enterprise's safety manager: the enterprise's own hazards, deadlines and next steps."""
    if denied := _need(request, Cap.VIEW_HAZARDS):
        return denied
    user = request.user
    own = selectors.enterprise_of(user)
    if own is None:
        messages.info(request, _("“My enterprise” is the page of enterprise accounts."))
        return redirect("hazards-queue")
    show = "all" if request.GET.get("show") == "all" else "open"
    found = selectors.queue(user, state=show).select_related("region", "supervision")
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    items = [
        {
            "row": r,
            "actions": [
                {"key": a, "label": forms.ACTION_LABELS.get(a, a)}
                for a in forms.actions_for(user, r.hazard)
            ],
        }
        for r in forms.rows(page)
    ]
    context = {"enterprise": own, "page": page, "items": items, "show": show}
    return render(request, "hazards/mine.html", context)


# ---------------------------------------------------------------- in-app inbox


def _inbox(request: HttpRequest) -> Any:
    return notify.inbox(request.user)  # type: ignore[arg-type]


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    unread_first = Case(
        When(read_at__isnull=True, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    rows = _inbox(request).annotate(done=unread_first).order_by("done", "-created_at", "-pk")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    unread = _inbox(request).filter(read_at__isnull=True).count()
    return render(request, "hazards/inbox.html", {"page": page, "unread": unread})


@never_cache
def inbox_count(request: HttpRequest) -> HttpResponse:
    """The bell's number in the page header (loaded by htmx after the page); signed out, none
    (not a redirect to the sign-in page, which htmx would paste into the header)."""
    unread = 0
    if request.user.is_authenticated:
        unread = _inbox(request).filter(read_at__isnull=True).count()
    return render(request, "hazards/_bell_count.html", {"unread": unread})


@login_required
@require_POST
def inbox_read(request: HttpRequest) -> HttpResponse:
    """Mark one message (``id``) or all of them (``all=1``) read."""
    ids = None
    if request.POST.get("all") != "1":
        ids = [
            int(i)
            for i in request.POST.getlist("id")
            if i.isascii() and i.isdigit() and len(i) < 19
        ]
    done = notify.mark_read(request.user, ids)  # type: ignore[arg-type]
    messages.success(request, _("%(n)s messages marked read.") % {"n": done})
    return redirect("hazards-inbox")


@login_required
@require_POST
def inbox_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Open a message's link, marking it read."""
    note = _inbox(request).filter(pk=pk).first() if pk <= MAX_PK else None
    if note is None:
        raise Http404("No such message")
    if note.read_at is None:
        notify.mark_read(request.user, [note.pk])  # type: ignore[arg-type]
    link = note.link
    safe = link.startswith("/") and url_has_allowed_host_and_scheme(
        link, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return redirect(link if safe else reverse("hazards-inbox"))
