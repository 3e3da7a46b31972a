"""Warning pages (预警发布): the list with state tabs, the drafting form, a warning's page with
the lifecycle buttons its viewer may use, the edit page of a draft; and, without sign-in,
the public list of active warnings with their map, an Atom index and each one's CAP file.

Reads share the API's payloads (:mod:`yingji.alerts.api`) and writes go through
:mod:`yingji.alerts.services`, whose refusals are shown on the page they came from (the field
named next to it): 422 for bad input, 409 for a step the state does not allow, 403 for a role.
A warning outside the user's jurisdiction is 404, as if it did not exist.
"""

from __future__ import annotations

from typing import Any, Final

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import feedgenerator, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_POST

from yingji.alerts import api, capio, catalogue, forms, measures, selectors, services
from yingji.alerts.models import Certainty, MsgType, State, Urgency, Warning
from yingji.core import pages, tablecache
from yingji.core.errors import DomainError, InvalidInput, NotFound
from yingji.core.permissions import Cap, has
from yingji.regions.models import Level, Region

PAGE_SIZE: Final = 30
PUBLIC_MAX: Final = 500
FILTER_KEYS: Final = ("state", "type", "level", "region", "q")
FORM_FIELDS: Final = (
    "event_type", "level", "urgency", "certainty", "onset", "expires", "areas", "shapes",
    *forms.TEXT_FIELDS,
)  # fmt: skip
ACTION_LABELS: Final[dict[str, Any]] = {
    "submit": gettext_lazy("Submit for review"),
    "return": gettext_lazy("Return to the drafter"),
    "review": gettext_lazy("Approve (审核)"),
    "issue": gettext_lazy("Issue (签发)"),
    "withdraw": gettext_lazy("Withdraw"),
    "update": gettext_lazy("Update"),
    "cancel": gettext_lazy("Cancel (解除)"),
}
EVENT_LABELS: Final[dict[str, Any]] = {
    "create": gettext_lazy("Drafted"),
    "edit": gettext_lazy("Edited"),
    "submit": gettext_lazy("Submitted"),
    "return": gettext_lazy("Returned"),
    "review": gettext_lazy("Approved"),
    "issue": gettext_lazy("Issued"),
    "withdraw": gettext_lazy("Withdrawn"),
    "expire": gettext_lazy("Expired"),
    "update": gettext_lazy("Update drafted"),
    "cancel": gettext_lazy("Cancellation drafted"),
    "updated": gettext_lazy("Replaced by an update"),
    "cancelled": gettext_lazy("Cancelled"),
}


def _labels(table: dict[str, Any]) -> dict[str, str]:
    """The labels in the request's language."""
    return {key: str(value) for key, value in table.items()}


def _deny(request: HttpRequest, message: str | None = None) -> HttpResponse:
    messages.error(request, message or _("Your roles do not include warnings."))
    return render(request, "web/forbidden.html", status=403)


def _status(exc: DomainError) -> int:
    """A form field naming something outside the jurisdiction is bad input (422), not a 404."""
    return 422 if isinstance(exc, NotFound) and exc.field else exc.status


# ---------------------------------------------------------------- the list


def _filters(request: HttpRequest) -> api.ListQuery:
    return pages.list_filters(request, api.ListQuery, FILTER_KEYS)


def _query(filters: api.ListQuery, **changes: Any) -> str:
    return pages.filter_query(filters, FILTER_KEYS, **changes)


def _child_regions(user: Any) -> list[Region]:
    home = getattr(user, "region", None)
    if home is None or home.level in (Level.TOWNSHIP, Level.VILLAGE):
        return []
    return list(Region.objects.filter(parent=home).order_by("code").only("path", "name"))


# What a list row shows, read as plain values (30 whole warnings cost twice the CPU).
LIST_COLUMNS: Final = (
    "pk", "state", "level", "headline", "msg_type", "event_type", "identifier", "sender__name",
    "expires", "created_at",
)  # fmt: skip


def _list_rows(found: Any, detail_prefix: str) -> list[dict[str, Any]]:
    """What each list row prints, worked out once here (not per row by includes, ``{% url %}``
    and date filters): the fields of :func:`api.item` the list shows, times as local
    "Y-m-d H:i". ``detail_prefix`` is a warning page's address up to its number."""
    states = {value: str(label) for value, label in State.choices}
    kinds = {value: str(label) for value, label in MsgType.choices}
    rows = []
    for values in found:
        pk, state, level, headline, msg_type, event_type, identifier, sender = values[:8]
        rows.append(
            {
                "id": pk,
                "url": f"{detail_prefix}{pk}/",
                "state": state,
                "state_label": states.get(state, state),
                "level": level,
                "level_label": catalogue.LEVEL_NAMES[level],
                "headline": headline,
                "msg_type": msg_type,
                "msg_type_label": kinds.get(msg_type, msg_type),
                "title": catalogue.title(event_type, level),
                "identifier": identifier,
                "sender": sender,
                "expires": _minute(values[8]),
                "created": _minute(values[9]),
            }
        )
    return rows


def _minute(value: Any) -> str:
    """``value|date:"Y-m-d H:i"`` in the current time zone ("" for none)."""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


@login_required
def warning_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not has(user, Cap.VIEW_WARNINGS):
        return _deny(request)
    filters = _filters(request)
    try:
        found = api.filtered(user, filters)
    except InvalidInput as exc:
        messages.error(request, exc.message)
        filters = api.ListQuery.model_validate({})
        found = api.filtered(user, filters)
    counts = dict(api.visible(user).values_list("state").annotate(n=Count("pk")).order_by())
    known = None
    if not (filters.type or filters.level is not None or filters.region or filters.q.strip()):
        # Filtered by state alone, the total is the state's tab count, already there.
        known = counts.get(filters.state, 0) if filters.state else sum(counts.values())
    paginator = tablecache.CountedPaginator(
        found.values_list(*LIST_COLUMNS), PAGE_SIZE, known=known
    )
    page = paginator.get_page(request.GET.get("page"))
    tabs = [
        {
            "key": "",
            "label": _("All"),
            "count": sum(counts.values()),
            "query": _query(filters, state=""),
            "current": not filters.state,
        },
        *(
            {
                "key": state.value,
                "label": state.label,
                "count": counts.get(state.value, 0),
                "query": _query(filters, state=state.value),
                "current": filters.state == state.value,
            }
            for state in State
        ),
    ]
    context = {
        "page": page,
        "rows": _list_rows(page.object_list, reverse("alerts-list")),
        "filters": filters,
        "tabs": tabs,
        "types": catalogue.CHOICES,
        "levels": forms.level_choices(),
        "regions": _child_regions(user),
        "can_draft": has(user, Cap.DRAFT_WARNINGS),
    }
    return render(request, "alerts/list.html", context)


# ---------------------------------------------------------------- drafting


def _form_context(
    user: Any, values: dict[str, Any], error: DomainError | None = None
) -> dict[str, Any]:
    return {
        "values": values,
        "error": error,
        "error_field": (error.field or "form") if error else None,
        "error_top": error is not None and error.field not in FORM_FIELDS,
        "types": catalogue.CHOICES,
        "levels": forms.level_choices(),
        "type_options": forms.type_options(),
        "urgencies": Urgency.choices,
        "certainties": Certainty.choices,
        "region_choices": forms.region_choices(user, values.get("regions", [])),
        "field_labels": {k: str(v) for k, v in forms.FIELD_LABELS.items()},
        "home_name": getattr(getattr(user, "region", None), "name", ""),
    }


@login_required
def warning_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not has(user, Cap.DRAFT_WARNINGS):
        return _deny(request, _("Your roles do not allow drafting warnings."))
    if request.method == "POST":
        try:
            warning = services.create_draft(user, forms.draft_data(request.POST))  # type: ignore[arg-type]
        except DomainError as exc:
            context = _form_context(user, forms.posted(request.POST), exc)
            context["title"] = _("New warning")
            return render(request, "alerts/form.html", context, status=_status(exc))
        messages.success(request, _("Draft saved."))
        return redirect("alerts-detail", pk=warning.pk)
    context = _form_context(user, forms.initial(user))  # type: ignore[arg-type]
    context["title"] = _("New warning")
    return render(request, "alerts/form.html", context)


def _warning(request: HttpRequest, pk: int, *, whole: bool = False) -> Warning:
    """The warning, 404 outside the jurisdiction; ``whole``: with the people its page names."""
    if pk > api.MAX_PK:
        raise Http404("No such warning")
    try:
        if whole:
            return selectors.warning_file(request.user, pk)
        return services.get_warning(request.user, pk)  # type: ignore[arg-type]
    except NotFound as exc:
        raise Http404(exc.message) from exc


@login_required
def warning_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    if not has(user, Cap.VIEW_WARNINGS):
        return _deny(request)
    warning = _warning(request, pk)
    if warning.state != State.DRAFT or not has(user, Cap.DRAFT_WARNINGS):
        messages.error(request, _("Only a draft can be edited, by someone who may draft."))
        return redirect("alerts-detail", pk=pk)
    title = _("Edit draft #%(pk)s") % {"pk": pk}
    if request.method == "POST":
        try:
            services.edit_draft(user, pk, forms.draft_data(request.POST))  # type: ignore[arg-type]
        except DomainError as exc:
            context = _form_context(user, forms.posted(request.POST), exc)
            context.update(title=title, warning=warning)
            return render(request, "alerts/form.html", context, status=_status(exc))
        messages.success(request, _("Draft saved."))
        return redirect("alerts-detail", pk=pk)
    context = _form_context(user, forms.values_of(warning))
    context.update(title=title, warning=warning)
    return render(request, "alerts/form.html", context)


@require_POST
@login_required
def from_alarm(request: HttpRequest) -> HttpResponse:
    """The button on an alarm's page: a draft filled from the alarm, then its page."""
    user = request.user
    raw = request.POST.get("alarm", "")
    if not raw.isdigit() or int(raw) > api.MAX_PK:
        raise Http404("No such alarm")
    try:
        warning = services.draft_from_alarm(user, int(raw))  # type: ignore[arg-type]
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("monitoring-alarm", pk=int(raw))
    messages.success(request, _("Draft made from the alarm: check it and submit it for review."))
    return redirect("alerts-detail", pk=warning.pk)


# ---------------------------------------------------------------- one warning


def _detail_context(request: HttpRequest, pk: int) -> dict[str, Any]:
    warning = _warning(request, pk, whole=True)  # read once: the file, measures and preview
    body = api.file_of(request.user, warning)
    labels = _labels(EVENT_LABELS)
    for event in body["events"]:
        event["label"] = labels.get(event["action"], event["action"])
        event["to_label"] = (
            State(event["to_state"]).label if event["to_state"] in State.values else ""
        )
    actions = _labels(ACTION_LABELS)
    before_issue = (State.DRAFT, State.SUBMITTED, State.REVIEWED)
    issued = body["state"] not in (*before_issue, State.WITHDRAWN)
    return {
        "w": body,
        "measures": measures.measures(warning) if issued else None,
        "live": body["state"] == State.ISSUED,
        "preview": selectors.preview(warning) if body["state"] in before_issue else None,
        "actions": [{"key": a, "label": actions.get(a, a)} for a in body["allowed_actions"]],
        "map_data": {"warnings": [_map_row(body)]},
        "public_url": reverse("alerts-public-cap", args=[body["identifier"]])
        if body["identifier"]
        else "",
    }


@login_required
def warning_measures_fragment(request: HttpRequest, pk: int) -> HttpResponse:
    """The dissemination section alone, which the warning page refreshes while it is in
    force (delivery and 叫应 figures move by the minute)."""
    if not has(request.user, Cap.VIEW_WARNINGS):
        return _deny(request)
    warning = _warning(request, pk)
    context = {
        "w": {"id": warning.pk},
        "measures": measures.measures(warning),
        "live": warning.state == State.ISSUED,
    }
    return render(request, "alerts/_measures.html", context)


@login_required
def warning_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if not has(request.user, Cap.VIEW_WARNINGS):
        return _deny(request)
    return render(request, "alerts/detail.html", _detail_context(request, pk))


@login_required
def warning_measures(request: HttpRequest, pk: int) -> HttpResponse:
    """The warning's measures as an Excel workbook (发布效果.xlsx)."""
    if not has(request.user, Cap.VIEW_WARNINGS):
        return _deny(request)
    warning = _warning(request, pk)
    response = HttpResponse(
        measures.workbook(warning),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    name = f"warning-{warning.pk}-measures.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_POST
@login_required
def warning_act(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    if not has(user, Cap.VIEW_WARNINGS):
        return _deny(request)
    _warning(request, pk)
    action = request.POST.get("action", "")[:20]
    note = request.POST.get("note", "")[:2100]
    try:
        if action in ("update", "cancel"):
            copy = services.start_replacement(user, pk, action.capitalize())  # type: ignore[arg-type]
            messages.success(request, _("A draft replacing the warning was made."))
            return redirect("alerts-edit", pk=copy.pk)
        services.act(user, pk, action, note=note)  # type: ignore[arg-type]
    except DomainError as exc:
        context = _detail_context(request, pk)
        context.update(failure=exc, failed_action=action, note=note)
        return render(request, "alerts/detail.html", context, status=_status(exc))
    messages.success(
        request, _("Done: %(action)s.") % {"action": _labels(ACTION_LABELS).get(action, action)}
    )
    return redirect("alerts-detail", pk=pk)


# ---------------------------------------------------------------- public


def _map_row(w: dict[str, Any]) -> dict[str, Any]:
    """What the map script draws for a warning: its colour and areas."""
    return {
        "id": w.get("id"),
        "title": w["title"],
        "headline": w["headline"],
        "level": w["level"],
        "areas": w["areas"],
    }


def active() -> Any:
    """The issued warnings in force now (public: no jurisdiction)."""
    return (
        Warning.objects.filter(state=State.ISSUED, expires__gt=timezone.now())
        .select_related("sender")
        .order_by("-level", "-issued_at")
    )


def public_list(request: HttpRequest) -> HttpResponse:
    rows = []
    for warning in active()[:PUBLIC_MAX]:
        row = {
            "identifier": warning.identifier,
            "title": warning.title,
            "headline": warning.headline,
            "description": warning.description,
            "instruction": warning.instruction,
            "level": warning.level,
            "level_label": catalogue.LEVEL_NAMES[warning.level],
            "msg_type": warning.msg_type,
            "msg_type_label": MsgType(warning.msg_type).label,
            "sender": warning.sender.name,
            "issued_at": warning.issued_at,
            "expires": warning.expires,
            "areas": api.areas(warning),
            "cap_url": reverse("alerts-public-cap", args=[warning.identifier]),
        }
        rows.append(row)
    context = {
        "rows": rows,
        "map_data": {"warnings": [{**_map_row(r), "id": None} for r in rows]},
    }
    return render(request, "alerts/public.html", context)


@cache_control(public=True, max_age=60)
def public_cap(request: HttpRequest, identifier: str) -> HttpResponse:
    """The CAP file of a warning that has been issued (public, like the warning itself)."""
    warning = (
        Warning.objects.filter(identifier=identifier[:64], state__in=capio.ACTUAL_STATES)
        .select_related("sender", "references__sender")
        .first()
    )
    if warning is None:
        raise Http404("No such warning")
    return api.cap_response(warning)


@cache_control(public=True, max_age=60)
def public_feed(request: HttpRequest) -> HttpResponse:
    """An Atom index of the active warnings, each entry linking to its CAP file."""
    home = request.build_absolute_uri(reverse("alerts-public"))
    feed = feedgenerator.Atom1Feed(
        title=_("Yingji: warnings in force"),
        link=home,
        description=_("Active warnings issued through Yingji, as CAP 1.2"),
        language="zh-CN",
        feed_url=request.build_absolute_uri(reverse("alerts-feed")),
        feed_guid=home,
    )
    for warning in active()[:PUBLIC_MAX]:
        url = request.build_absolute_uri(reverse("alerts-public-cap", args=[warning.identifier]))
        feed.add_item(
            title=f"{warning.headline} ({warning.title})",
            link=url,
            description=warning.description,
            unique_id=f"urn:oid:{warning.identifier}",
            unique_id_is_permalink=False,
            pubdate=warning.issued_at,
            updateddate=warning.issued_at,
            author_name=warning.sender.name,
            categories=[catalogue.BY_CODE[warning.event_type].name],
            enclosures=[feedgenerator.Enclosure(url, "0", capio.CONTENT_TYPE)],
        )
    response = HttpResponse(content_type="application/atom+xml; charset=utf-8")
    feed.write(response, "utf-8")
    return response
