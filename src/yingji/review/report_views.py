"""复盘 report pages, mounted under /review/reports/: choose an event (a recent incident, a
recent simulation run, or a region and a window), read its report, download it as Word, PDF
or Excel.

The event is read and checked first (:mod:`yingji.review.report.event`); bad input comes
back on the chooser with the field named (422), a region or incident outside the user's
jurisdiction is 404 — in both cases nothing is computed. Reading needs ``Cap.VIEW_REVIEW``.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any, Final
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from yingji.core.errors import DomainError, NotFound
from yingji.core.permissions import Cap, has
from yingji.core.scoping import home_region, jurisdiction_of, scope
from yingji.incidents.models import Incident
from yingji.regions.models import Level, Region
from yingji.review import report
from yingji.review.report import documents, event, excel, gaps
from yingji.review.report.charts import COLOURS

log = logging.getLogger(__name__)
RECENT: Final = 20
KINDS: Final = {
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    "pdf": ("application/pdf", "pdf"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}


def _deny(request: HttpRequest) -> HttpResponse:
    messages.error(request, _("Your roles do not include review reports."))
    return render(request, "web/forbidden.html", status=403)


def _regions(request: HttpRequest) -> list[Region]:
    """The user's home region and the cities and counties under it, for the chooser."""
    home = home_region(request.user)
    below = scope(Region.objects.filter(level__in=(Level.CITY, Level.COUNTY)), request.user)
    below = below.filter(path__startswith=home.path).exclude(path=home.path).order_by("path")
    return [home, *below]


def _runs(request: HttpRequest) -> list[dict[str, Any]]:
    """Recent simulation runs as events, when the simulation app is there (it is optional)."""
    try:
        from yingji.simulation.models import Run  # noqa: PLC0415 - optional app
    except ImportError:
        return []
    seen = jurisdiction_of(request.user)
    home = home_region(request.user).path
    out = []
    try:
        with transaction.atomic():  # a savepoint: the app's table may not be migrated yet
            recent = list(Run.objects.order_by("-pk")[:RECENT])
    except DatabaseError:
        log.warning("simulation runs could not be read", exc_info=True)
        return []
    try:
        for run in recent:
            shift = dt.timedelta(days=getattr(run, "shift_days", 0) or 0)
            start = run.track_start + shift
            # the replay goes on after its last readings (people still acting, relief) and
            # ends before the run started: the event reaches up to then, within a day
            end = min(run.track_end + shift + dt.timedelta(hours=24), run.started_at)
            end = max(end, run.track_end + shift)
            path = getattr(run, "scope", "") or "33"
            if not seen.covers(path):
                if not home.startswith(path):
                    continue
                path = home  # a province-wide run: the part this user may see
            start = start.replace(second=0, microsecond=0)
            end = min(end, start + event.MAX_WINDOW) + dt.timedelta(minutes=1)
            query = {
                "region": path,
                "title": f"{run} #{run.pk}",
                "start": timezone.localtime(start).strftime("%Y-%m-%dT%H:%M"),
                "end": timezone.localtime(end).strftime("%Y-%m-%dT%H:%M"),
            }
            out.append({"run": run, "start": start, "end": end, "query": urlencode(query)})
    except (AttributeError, TypeError, ValueError):  # the app's model changed shape
        log.warning("simulation runs could not be listed as review events", exc_info=True)
        return []
    return out


def _chooser(
    request: HttpRequest, error: DomainError | None = None, status: int = 200
) -> HttpResponse:
    incidents = (
        scope(Incident.objects.all(), request.user)
        .select_related("region")
        .order_by("-occurred_at", "-pk")[:RECENT]
    )
    now = timezone.localtime()
    form = {k: request.GET.get(k, "")[:200] for k in ("region", "start", "end", "title")}
    form["start"] = form["start"] or (now - dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    form["end"] = form["end"] or now.strftime("%Y-%m-%dT%H:%M")
    return render(
        request,
        "review/reports.html",
        {
            "incidents": incidents,
            "runs": _runs(request),
            "regions": _regions(request),
            "form": form,
            "error": error,
            "max_days": event.MAX_WINDOW.days,
        },
        status=status,
    )


@login_required
def reports(request: HttpRequest) -> HttpResponse:
    if not has(request.user, Cap.VIEW_REVIEW):
        return _deny(request)
    return _chooser(request)


def _event(request: HttpRequest) -> event.Event | HttpResponse:
    try:
        return event.from_params(request.user, request.GET)
    except NotFound as exc:
        return _chooser(request, exc, 404)
    except DomainError as exc:
        return _chooser(request, exc, exc.status)


@login_required
def report_page(request: HttpRequest) -> HttpResponse:
    if not has(request.user, Cap.VIEW_REVIEW):
        return _deny(request)
    found = _event(request)
    if isinstance(found, HttpResponse):
        return found
    facts = report.build(request.user, found)
    query = urlencode(found.query())
    return render(
        request,
        "review/report.html",
        {
            **facts,
            "title": documents.title_of(found),
            "query": query,
            "kind_labels": gaps.kind_labels(),
            "lead_target": gaps.LEAD_TARGET,
            "chart_data": {
                "charts": [c.as_json() for c in facts["charts"]],
                "colours": COLOURS,
                "none": _("No data"),
            },
            "downloads": [(k.upper(), f"{reverse(f'review-report-{k}')}?{query}") for k in KINDS],
        },
    )


def _download(request: HttpRequest, kind: str) -> HttpResponse:
    if not has(request.user, Cap.VIEW_REVIEW):
        return _deny(request)
    found = _event(request)
    if isinstance(found, HttpResponse):
        return found
    facts = report.build(request.user, found)
    data = {"docx": documents.docx, "pdf": documents.pdf, "xlsx": excel.workbook}[kind](facts)
    content_type, ext = KINDS[kind]
    day = timezone.localtime(found.start).strftime("%Y%m%d")
    name = f"review-{found.region.path}-{day}.{ext}"
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def report_docx(request: HttpRequest) -> HttpResponse:
    return _download(request, "docx")


@login_required
def report_pdf(request: HttpRequest) -> HttpResponse:
    return _download(request, "pdf")


@login_required
def report_xlsx(request: HttpRequest) -> HttpResponse:
    return _download(request, "xlsx")
