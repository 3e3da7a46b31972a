"""Monitoring pages (监测预警): the station map, a sensor's chart, the alarm queue (live through
:mod:`yingji.monitoring.stream`), an alarm's page and the noisy-sensor report.

Reads go through the alarm selectors (:mod:`yingji.monitoring.selectors`), so a page
shows what the API answers and nothing outside the user's jurisdiction (404, as if it did
not exist). Acknowledging and disposing are done by the pages' script through the JSON API
(:func:`yingji.monitoring.alarms_api.alarm_acknowledge` and ``alarm_dispose``), which shows
the API's refusal (403/409/422 with its message) in the row it came from.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any, Final

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import timesince_filter
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from yingji.core import pages
from yingji.core.errors import DomainError, InvalidInput, NotFound
from yingji.core.permissions import Cap, has
from yingji.core.scoping import get_scoped
from yingji.kernels import codes, signals
from yingji.monitoring import alarms_api, selectors, services, stations_api, thresholds
from yingji.monitoring.models import Disposition, Rule, Sensor, SensorState
from yingji.regions.models import Level, Region

PAGE_SIZE: Final = 30
SIDE_LIST: Final = 50  # open alarms beside the map
HOURS: Final = (6, 24, 72, 168)
DAYS: Final = (7, 30, 90)
FILTER_KEYS: Final = ("state", "rule", "level", "region", "q")
NOTE_NEEDED: Final = sorted(str(d) for d in services.NOTE_NEEDED)


def _deny(request: HttpRequest) -> HttpResponse:
    messages.error(request, _("Your roles do not include sensor alarms."))
    return render(request, "web/forbidden.html", status=403)


def _tabs() -> list[tuple[str, str]]:
    return [
        ("all", _("All")),
        ("unacknowledged", _("Unacknowledged")),
        ("open", _("Ongoing")),
        ("closed", _("Ended")),
    ]


def _i18n() -> dict[str, str]:
    """The strings the pages' scripts show."""
    return {
        "live": _("Live"),
        "reconnecting": _("Connection lost; reconnecting…"),
        "newAlarms": _("{n} new alarms: reload to see them"),
        "failed": _("The request failed: {message}"),
        "ago": _("{t} ago"),
        "justNow": _("just now"),
        "minutes": _("{n} min"),
        "hours": _("{h} h {m} min"),
        "days": _("{n} days"),
        "loading": _("Loading…"),
        "loadError": _("The data could not be loaded."),
        "noData": _("No readings in this span."),
        "noStations": _("No station in your jurisdiction."),
        "stations": _("{n} stations on the map"),
        "sensorPage": _("Chart"),
        "noValue": _("no data"),
        "value": _("Reading"),
        "hourly": _("hourly mean"),
        "hourlyRain": _("rain per hour"),
        "interval": _("rain per reading"),
        "sum": _("{h} h sum"),
        "low": _("lowest"),
        "high": _("highest"),
        "alarm": _("Alarm"),
        "ok": _("Normal"),
        "stale": _("Data fault"),
        "nodata": _("No data yet"),
        "alarms": _("Alarms per day"),
        "none": _("No alarm in this period."),
    }


def _regions(user: Any) -> list[Region]:
    """The regions one level below the user's home region, to narrow the queue."""
    home = getattr(user, "region", None)
    if home is None or home.level == Level.VILLAGE:
        return []
    return list(Region.objects.filter(parent=home).order_by("code"))


def _filters(request: HttpRequest, *, report: bool = True) -> alarms_api.AlarmQuery:
    """The queue's filters from the query string; a bad one is dropped (and reported)."""
    return pages.list_filters(
        request, alarms_api.AlarmQuery, FILTER_KEYS, fixed={"order": "priority"}, report=report
    )


def _query(filters: alarms_api.AlarmQuery, **changes: Any) -> str:
    return pages.filter_query(filters, FILTER_KEYS, blank=("", None, "all"), **changes)


def _now_ms() -> int:
    return int(time.time() * 1000)


def _handling_context(user: Any) -> dict[str, Any]:
    return {
        "can_handle": has(user, Cap.HANDLE_ALARMS),
        # (value, label, needs a note): the note test done once, not per option and row
        "dispositions": [
            (value, label, value in NOTE_NEEDED) for value, label in Disposition.choices
        ],
    }


def _local(value: dt.datetime | None, fmt: str) -> str:
    """``value|date:fmt`` as a template shows it (in the current time zone)."""
    return str(date_filter(timezone.template_localtime(value), fmt))


def _shown(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Alarm items (:func:`selectors.items`) with the times their row shows, formatted here
    once per row: the same filters, without a template's per-row cost (a queue page shows 30)."""
    ago = _("%(t)s ago")
    for r in rows:
        r["shown"] = {
            "updated": _local(r["updated_at"], "U.u"),
            "raised_iso": _local(r["raised_at"], "c"),
            "raised": _local(r["raised_at"], "Y-m-d H:i"),
            "ago": ago % {"t": timesince_filter(r["raised_at"])},
            "acknowledged": _local(r["acknowledged_at"], "Y-m-d H:i"),
            "escalated": _local(r["escalated_at"], "Y-m-d H:i"),
        }
    return rows


# ---------------------------------------------------------------- the station map


@login_required
def station_map(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not has(user, Cap.VIEW_ALARMS):
        return _deny(request)
    open_alarms = selectors.visible(user).filter(ended_at__isnull=True)
    by_level = dict(open_alarms.values_list("level").annotate(n=Count("pk")).order_by())
    rows = _shown(
        selectors.items(selectors.with_related(selectors.prioritised(open_alarms))[:SIDE_LIST])
    )
    context = {
        "rows": rows,
        "open_total": sum(by_level.values()),
        "levels": [
            {
                "code": code,
                "name": name,
                "label": signals.LEVEL_ZH[name],
                "n": by_level.get(code, 0),
            }
            for code, name in reversed(list(enumerate(signals.LEVELS)))
        ],
        "stream_url": f"/monitoring/alarms/stream?since={_now_ms()}",
        "outline": _outline(getattr(user, "region", None)),
        "i18n": _i18n(),
        "compact": True,
        **_handling_context(user),
        "can_handle": False,  # the side list links to the queue, where alarms are handled
    }
    return render(request, "monitoring/map.html", context)


def _outline(region: Region | None) -> str:
    """The boundary that frames the map: the home region's, or the county a township is in."""
    if region is None:
        return ""
    if region.level in (Level.PROVINCE, Level.CITY, Level.COUNTY):
        return codes.display(region.code)
    return region.path[:6]


# ---------------------------------------------------------------- one sensor


@login_required
def sensor_page(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    if not has(user, Cap.VIEW_ALARMS):
        return _deny(request)
    if pk > selectors.MAX_PK:
        raise Http404("No such sensor")
    try:
        sensor = get_scoped(Sensor.objects.select_related("station"), user, label="sensor", pk=pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    raw_hours = request.GET.get("hours", "")
    hours = int(raw_hours) if raw_hours.isdigit() and int(raw_hours) in HOURS else 24
    history = selectors.visible(user).filter(sensor=sensor).order_by("-started_at", "-pk")
    page = Paginator(selectors.with_related(history), PAGE_SIZE).get_page(request.GET.get("page"))
    limits = thresholds.effective(sensor)
    context = {
        "sensor": sensor,
        "station": sensor.station,
        "region": Region.objects.filter(path=sensor.station.region_path).first(),
        "state": SensorState.objects.filter(sensor=sensor).first(),
        "hours": hours,
        "hour_choices": HOURS,
        "series_url": f"/api/monitoring/sensors/{sensor.pk}/series",
        "limits": limits,
        "lines": stations_api.lines(sensor, limits),
        "page": page,
        "rows": _shown(selectors.items(page.object_list)),
        "i18n": _i18n(),
        "compact": True,
        **_handling_context(user),
        "can_handle": False,
    }
    return render(request, "monitoring/sensor.html", context)


# ---------------------------------------------------------------- the alarm queue


@login_required
def alarm_queue(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not has(user, Cap.VIEW_ALARMS):
        return _deny(request)
    filters = _filters(request)
    try:
        found = selectors.alarms_for(user, filters)
    except InvalidInput as exc:
        messages.error(request, exc.message)
        filters = alarms_api.AlarmQuery(order="priority")
        found = selectors.alarms_for(user, filters)
    page = Paginator(selectors.with_related(found), PAGE_SIZE).get_page(request.GET.get("page"))
    counts = selectors.visible(user).aggregate(
        all=Count("pk"),
        unacknowledged=Count("pk", filter=Q(acknowledged_at__isnull=True)),
        open=Count("pk", filter=Q(ended_at__isnull=True)),
        closed=Count("pk", filter=Q(ended_at__isnull=False)),
    )
    tabs = [
        {
            "key": key,
            "label": label,
            "count": counts[key],
            "query": _query(filters, state=key),
            "current": key == (filters.state or "all"),
        }
        for key, label in _tabs()
    ]
    context = {
        "page": page,
        "rows": _shown(selectors.items(page.object_list)),
        "filters": filters,
        "tabs": tabs,
        "rules": Rule.choices,
        "levels": [(code, signals.LEVEL_ZH[name]) for code, name in enumerate(signals.LEVELS)],
        "regions": _regions(user),
        "row_query": _query(filters),
        "stream_url": f"/monitoring/alarms/stream?since={_now_ms()}",
        "i18n": _i18n(),
        **_handling_context(user),
    }
    return render(request, "monitoring/queue.html", context)


@never_cache
@login_required
def alarm_row(request: HttpRequest, pk: int) -> HttpResponse:
    """One row of the queue (or the map's side list) for the live update: 204 when the alarm no
    longer matches the page's filters."""
    user = request.user
    if not has(user, Cap.VIEW_ALARMS):
        return _deny(request)
    try:
        alarm = selectors.get_alarm(user, pk)
        filters = _filters(request, report=False)
        if not selectors.alarms_for(user, filters).filter(pk=alarm.pk).exists():
            return HttpResponse(status=204)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except DomainError:
        return HttpResponse(status=204)
    compact = request.GET.get("compact") == "1"
    context = {
        "r": _shown(selectors.items([alarm]))[0],
        "compact": compact,
        **_handling_context(user),
    }
    if compact:
        context["can_handle"] = False
    return render(request, "monitoring/_alarm_row.html", context)


# ---------------------------------------------------------------- one alarm


@login_required
def alarm_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    if not has(user, Cap.VIEW_ALARMS):
        return _deny(request)
    try:
        body = selectors.detail(user, pk)
    except (NotFound, InvalidInput) as exc:
        raise Http404(exc.message) from exc
    _shown([body])
    region = body["region"]["path"]
    context = {
        "r": body,
        "region_code": codes.display(codes.to_12(region)) if region.isdigit() else region,
        "i18n": _i18n(),
        **_handling_context(user),
    }
    return render(request, "monitoring/alarm.html", context)


# ---------------------------------------------------------------- noisy sensors


@login_required
def noisy(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not has(user, Cap.VIEW_ALARMS):
        return _deny(request)
    raw_days = request.GET.get("days", "")
    days = int(raw_days) if raw_days.isdigit() and int(raw_days) in DAYS else 30
    stats = services.alarm_stats(user, days=days)
    counted = {row["day"]: row for row in stats["per_day"]}
    today = timezone.localdate()
    every_day = [(today - dt.timedelta(days=n)).isoformat() for n in range(days - 1, -1, -1)]
    every_day = sorted({*every_day, *counted})  # a day counted in UTC before local midnight
    chart = {
        "days": every_day if counted else [],
        "rules": [
            {
                "key": key,
                "label": label,
                "counts": [counted.get(day, {}).get(key, 0) for day in every_day],
            }
            for key, label in Rule.choices
        ],
        "i18n": _i18n(),
    }
    labels = dict(Disposition.choices)
    context = {
        "stats": stats,
        "days": days,
        "day_choices": DAYS,
        "chart": chart,
        "type_labels": dict(Sensor._meta.get_field("type").choices or []),
        "by_disposition": [
            {"key": key, "label": labels.get(key, key), "n": n}
            for key, n in sorted(stats["by_disposition"].items(), key=lambda kv: -kv[1])
        ],
    }
    return render(request, "monitoring/noisy.html", context)
