"""Staff pages of 公开 and of the working-day calendar.

``/enforcement/publications/``: what is due, overdue, published or withdrawn, with the working
days left until each deadline, filters, pages, an Excel export and the publish / withdraw
actions. ``/enforcement/calendar/``: the national holiday arrangement in force, the
province's own days (added and removed by province staff) and a deadline calculator. A
deadline that reaches a year the calendar does not cover shows why and how to fix it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from yingji.core.errors import DomainError, Forbidden, InvalidInput, NotFound
from yingji.core.permissions import Cap, has
from yingji.enforcement import penalty_forms as forms
from yingji.enforcement import selectors
from yingji.enforcement.models import CalendarDay, DayKind, PublicationKind
from yingji.enforcement.penalty_views import deny, failure, status_of
from yingji.enforcement.services import calendar, publication

PAGE_SIZE: Final = 30
MAX_PK: Final = 2**63 - 1
TAB_LABELS: Final = {
    "due": gettext_lazy("Due"), "overdue": gettext_lazy("Overdue"),
    "published": gettext_lazy("Published"), "withdrawn": gettext_lazy("Withdrawn"),
}  # fmt: skip


@login_required
def publication_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not has(user, Cap.VIEW_ENFORCEMENT):
        return deny(request, _("Your roles do not include enforcement."))
    try:
        filters = forms.publication_filters(request.GET)
    except InvalidInput as exc:
        messages.error(request, exc.message)
        filters = forms.PublicationFilters()
    today = timezone.localdate()
    page = Paginator(forms.publication_rows(user, filters, today), PAGE_SIZE).get_page(  # type: ignore[arg-type]
        request.GET.get("page")
    )
    gap = None
    try:
        cal = calendar.current()
    except DomainError as exc:
        cal, gap = None, exc.message
    rows: list[dict[str, Any]] = []
    for item in page:
        left = calendar.workdays_left(item.due_on, today, cal) if cal else None
        late = item.due_on < today
        rows.append({"item": item, "left": left, "late": late, "overdue_by": -left if left else 0})
    if cal is not None and any(r["left"] is None and not r["item"].published_at for r in rows):
        gap = _("Some deadlines reach a year the working-day calendar does not cover.")
    visible = forms.narrow(selectors.publications(user), filters)
    tabs = [
        {"key": key, "label": label, "query": filters.query(tab=key),
         "count": publication.tab(visible, key, today).count()}
        for key, label in TAB_LABELS.items()
    ]  # fmt: skip
    context = {
        "page": page,
        "rows": rows,
        "filters": filters,
        "tabs": tabs,
        "kinds": PublicationKind.choices,
        "regions": forms.county_choices(user),
        "gap": gap,
        "can_manage": has(user, Cap.MANAGE_ENFORCEMENT),
        "back": request.get_full_path(),
    }
    return render(request, "enforcement/publication_list.html", context)


def _back(request: HttpRequest) -> HttpResponse:
    link = str(request.POST.get("next") or "")
    safe = link.startswith("/") and url_has_allowed_host_and_scheme(
        link, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return redirect(link if safe else reverse("enforcement-publications"))


@login_required
@require_POST
def publication_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if pk > MAX_PK or action not in ("publish", "withdraw"):
        raise Http404("No such publication")
    try:
        if action == "publish":
            item = publication.publish(actor=request.user, pk=pk)
            messages.success(request, _("Published: %(t)s") % {"t": item.title})
        else:
            item = publication.withdraw(
                actor=request.user, pk=pk, reason=request.POST.get("reason")
            )
            messages.success(request, _("Withdrawn: %(t)s") % {"t": item.title})
    except Forbidden as exc:
        return deny(request, exc.message)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except DomainError as exc:
        messages.error(request, exc.message)
    return _back(request)


# ---------------------------------------------------------------- the calendar


def _calculator(request: HttpRequest) -> dict[str, Any]:
    raw_from = str(request.GET.get("from", ""))[:20]
    raw_days = str(request.GET.get("days", "") or calendar.PUBLICATION_LIMIT)[:6]
    result: dict[str, Any] = {"from": raw_from, "days": raw_days}
    if not raw_from:
        return result
    try:
        start = calendar.parse_date(raw_from, "from")
        if not raw_days.isdigit():
            raise InvalidInput("days: " + _("a whole number of working days"), field="days")
        result["due"] = calendar.due_date(start, int(raw_days))
    except DomainError as exc:
        result["error"] = exc.message
    return result


def _years(today: dt.date) -> tuple[list[dict[str, Any]], str | None, str | None]:
    try:
        base = calendar.national()
    except DomainError as exc:
        return [], exc.message, None
    years = [{"year": y, "source": base.sources.get(y, "")} for y in sorted(base.covered_years)]
    soon = today + dt.timedelta(days=60)  # a deadline opened today can reach this far
    missing = next((y for y in (today.year, soon.year) if y not in base.covered_years), None)
    warning = str(calendar.CalendarGap(missing).message) if missing else None
    return years, None, warning


@login_required
def calendar_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not has(user, Cap.VIEW_ENFORCEMENT):
        return deny(request, _("Your roles do not include enforcement."))
    return _calendar(request)


def _calendar(
    request: HttpRequest, failed: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    today = timezone.localdate()
    years, broken, warning = _years(today)
    context = {
        "years": years,
        "broken": broken,
        "warning": warning,
        "days": CalendarDay.objects.order_by("-date")[:500],
        "kinds": DayKind.choices,
        "can_edit": calendar.may_edit(request.user),
        "calc": _calculator(request),
        "failure": failed,
        "posted": request.POST if failed else {},
        "limit": calendar.PUBLICATION_LIMIT,
    }
    return render(request, "enforcement/calendar_page.html", context, status=status)


@login_required
@require_POST
def calendar_add(request: HttpRequest) -> HttpResponse:
    data = {k: str(request.POST.get(k, ""))[:1000] for k in ("date", "kind", "name", "source")}
    try:
        row = calendar.add_day(actor=request.user, **data)
    except Forbidden as exc:
        return deny(request, exc.message)
    except DomainError as exc:
        return _calendar(request, failure(exc), status_of(exc))
    messages.success(request, _("%(day)s added to the calendar.") % {"day": row.date})
    return redirect("enforcement-calendar")


@login_required
@require_POST
def calendar_remove(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        day = calendar.remove_day(actor=request.user, pk=min(pk, MAX_PK),
                                  reason=request.POST.get("reason"))  # fmt: skip
    except Forbidden as exc:
        return deny(request, exc.message)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except DomainError as exc:
        return _calendar(request, failure(exc), status_of(exc))
    messages.success(request, _("%(day)s removed from the calendar.") % {"day": day})
    return redirect("enforcement-calendar")
