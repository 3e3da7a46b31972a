"""Prometheus metrics at ``GET /metrics``: request latency, ingest rate, queue and outbox
backlog, open alarms, live workers.

Two kinds of figures:

- **Events** counted where they happen: every HTTP request (:class:`MetricsMiddleware`:
  latency by method, route and status class; responses by exact status code) and every batch
  of readings (:func:`count_readings`, called by the one ingest use case that HTTP, MQTT and
  file replay share). Labels are bounded: the route is the URL *pattern* that matched
  (``hazards/<int:pk>/``), never the path; unknown methods count as ``other``; a request no
  pattern matched is ``unmatched`` (or ``static``).
- **State** read from the database when Prometheus scrapes (:class:`StateCollector`, a few
  ``COUNT … GROUP BY`` queries): tasks waiting, jobs by status, outbox backlog by channel and
  state, open alarms by level, live workers. No process keeps these in memory, so every web
  process reports the same truth and a restart loses nothing.

Several processes (``yingji serve --workers N``): ``yingji serve`` points
``PROMETHEUS_MULTIPROC_DIR`` at ``<data dir>/metrics`` (emptied at start) before any worker
starts; each process then writes its counters to memory-mapped files there and a scrape of any
process sums them all. Without that variable (tests, ``manage runserver``) the process's own
registry is used, with the standard process and Python collectors.

Access: loopback addresses, or ``Authorization: Bearer <YINGJI_METRICS_TOKEN>`` when the
token is set; anyone else gets 403. Behind a reverse proxy on the same host, the proxy must
send ``X-Forwarded-For`` (``yingji serve`` trusts it from 127.0.0.1), otherwise every client
would look like loopback.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import re
import time
from collections.abc import Callable, Iterator
from typing import Any, Final

from django.conf import settings
from django.db import DatabaseError
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    values,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from yingji.core import context

logger = logging.getLogger(__name__)

# Latency buckets, seconds: dense around the 300 ms page target of the load benchmark.
BUCKETS: Final = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
METHODS: Final = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
ALARM_LEVELS: Final = ("blue", "yellow", "orange", "red")  # Alarm.level 0..3 (蓝/黄/橙/红)
BACKLOG_STATES: Final = ("queued", "sending", "failed")  # outbox rows not yet done
# An incoming X-Request-ID is kept when it is a plain token (a proxy's or a client's id);
# anything else (too long, spaces, control characters) is replaced by a fresh id.
_SANE_ID: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@/+=-]{0,127}")

REQUEST_SECONDS: Final = Histogram(
    "yingji_http_request_duration_seconds",
    "Time from request to response headers, by method, URL pattern and status class.",
    ["method", "route", "status"],
    buckets=BUCKETS,
)
RESPONSES: Final = Counter(
    "yingji_http_responses",
    "Responses by method, URL pattern and exact status code.",
    ["method", "route", "code"],
)
READINGS: Final = Counter(
    "yingji_readings",
    "Sensor readings offered to ingest: accepted (stored), duplicate (already stored), "
    "refused (invalid, reported to the sender).",
    ["outcome"],
)


def count_readings(*, accepted: int, duplicates: int, refused: int) -> None:
    """Count one ingest batch (called once the batch is committed)."""
    try:
        for outcome, number in (
            ("accepted", accepted),
            ("duplicate", duplicates),
            ("refused", refused),
        ):
            if number:
                READINGS.labels(outcome).inc(number)
    except Exception as exc:  # counting must never fail the ingest it counts
        _failed(exc)


_reported: set[type[BaseException]] = set()


def _failed(exc: Exception) -> None:
    """A metric could not be written (its file in the multiprocess directory is gone or
    unwritable): the request goes on; the problem is logged once per kind and process."""
    if type(exc) not in _reported:
        _reported.add(type(exc))
        logger.error("metrics: a counter could not be written: %s", exc)


class MetricsMiddleware:
    """Outermost middleware: times each request, counts it under its URL pattern, and gives it
    a request id (``X-Request-ID``: the client's when sane, else a new one), which log records
    written while the request is served carry (:mod:`yingji.logs`)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.static_prefix = "/" + settings.STATIC_URL.lstrip("/")
        # (method, route, code) → the two series it counts in; bounded like the labels
        self.series: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if _SANE_ID.fullmatch(incoming) else os.urandom(16).hex()
        request.request_id = request_id  # type: ignore[attr-defined]  # read by Django's 4xx log
        token = context.set_trace(context.Trace(request_id, request))
        try:
            response = self.get_response(request)
        finally:
            context.reset_trace(token)
        elapsed = time.perf_counter() - started
        key = (request.method if request.method in METHODS else "other", self.route(request))
        try:
            series = self.series.get((*key, response.status_code))
            if series is None:
                series = self._series(*key, response.status_code)
            series[0].observe(elapsed)
            series[1].inc()
        except Exception as exc:  # a metric never fails the request it counts
            _failed(exc)
        response["X-Request-ID"] = request_id
        return response

    def _series(self, method: str, route: str, code: int) -> tuple[Any, Any]:
        found = (
            REQUEST_SECONDS.labels(method, route, f"{code // 100}xx"),
            RESPONSES.labels(method, route, str(code)),
        )
        self.series[method, route, code] = found
        return found

    def route(self, request: HttpRequest) -> str:
        """The URL pattern that served the request: a bounded label, whatever the path."""
        match = request.resolver_match
        if match is None:
            # Answered before URL resolution (static file, rate limit, NUL guard) or no
            # pattern matched (404): resolve here, which is cheap next to a 404 page.
            if request.path_info.startswith(self.static_prefix):
                return "static"
            try:
                match = resolve(request.path_info)
            except Resolver404:
                return "unmatched"
        return "/" + match.route


class StateCollector:
    """Gauges read from the database at scrape time: a handful of grouped counts."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            families = list(self._families())
        except DatabaseError as exc:
            logger.warning("metrics: the database did not answer (%s)", exc)
            families = []
        up = GaugeMetricFamily("yingji_database_up", "1 when the metrics queries succeeded.")
        up.add_metric([], 1.0 if families else 0.0)
        yield up
        yield from families

    def _families(self) -> Iterator[GaugeMetricFamily]:
        # Imported here: core is below the apps, and ingest imports this module.
        from yingji.alerts.models import Delivery  # noqa: PLC0415
        from yingji.core import health  # noqa: PLC0415
        from yingji.core.models import Job, JobStatus, WorkerHeartbeat  # noqa: PLC0415
        from yingji.monitoring.models import Alarm  # noqa: PLC0415

        jobs = GaugeMetricFamily(
            "yingji_jobs", "Jobs (imports, exports…) by status.", labels=["status"]
        )
        by_status = _grouped(Job.objects.all(), "status")
        for status in JobStatus.values:
            jobs.add_metric([status], by_status.pop((status,), 0))
        yield jobs

        backlog = GaugeMetricFamily(
            "yingji_outbox_backlog",
            "Warning messages not yet handed to their channel, by channel and state.",
            labels=["channel", "state"],
        )
        pending = Delivery.objects.filter(state__in=BACKLOG_STATES)
        for (channel, state), number in sorted(_grouped(pending, "channel", "state").items()):
            backlog.add_metric([channel, state], number)
        yield backlog

        alarms = GaugeMetricFamily(
            "yingji_alarms_open", "Open alarms by current level.", labels=["level"]
        )
        by_level = _grouped(Alarm.objects.filter(ended_at__isnull=True), "level")
        for number, name in enumerate(ALARM_LEVELS):
            alarms.add_metric([name], by_level.get((number,), 0))
        yield alarms

        fresh_after = timezone.now() - settings.YINGJI_WORKER_STALE_AFTER
        workers = GaugeMetricFamily(
            "yingji_workers_alive", "Workers whose heartbeat is fresh (as /healthz counts them)."
        )
        workers.add_metric([], WorkerHeartbeat.objects.filter(last_seen__gte=fresh_after).count())
        yield workers

        queue_depth = getattr(health, "queue_depth", None)
        depth = queue_depth() if queue_depth else None
        if depth is not None:  # None: the queue (Redis) is unreachable; the gauge is absent
            queued = GaugeMetricFamily("yingji_task_queue_depth", "Tasks waiting for a worker.")
            queued.add_metric([], depth)
            yield queued


def _grouped(queryset: QuerySet[Any], *fields: str) -> dict[tuple[Any, ...], int]:
    rows = queryset.order_by().values_list(*fields).annotate(n=Count("pk"))
    return {tuple(row[:-1]): row[-1] for row in rows}


_STATE: Final = StateCollector()


def _multiprocess() -> bool:
    """Whether this process writes its metrics to the shared directory (decided when
    prometheus_client was first imported, from ``PROMETHEUS_MULTIPROC_DIR``)."""
    return bool(getattr(values.ValueClass, "_multiprocess", False)) and bool(
        os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    )


def exposition() -> bytes:
    """The text exposition of every metric (what ``/metrics`` answers)."""
    events: CollectorRegistry
    if _multiprocess():
        events = CollectorRegistry()
        MultiProcessCollector(events)  # type: ignore[no-untyped-call]
    else:
        events = REGISTRY
    state = CollectorRegistry(auto_describe=False)
    state.register(_STATE)
    return generate_latest(events) + generate_latest(state)


def allowed(request: HttpRequest) -> bool:
    """Loopback clients, or the bearer of the configured metrics token."""
    address = request.META.get("REMOTE_ADDR", "")
    try:
        if ipaddress.ip_address(address).is_loopback:
            return True
    except ValueError:
        pass
    expected = settings.CONFIG.metrics_token
    if not expected:
        return False
    scheme, _, given = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), expected.encode()
    )


@never_cache
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not allowed(request):
        how = (
            "or send Authorization: Bearer <YINGJI_METRICS_TOKEN>"
            if settings.CONFIG.metrics_token
            else "or set YINGJI_METRICS_TOKEN and send it as Authorization: Bearer <token>"
        )
        return HttpResponse(
            f"Metrics are served to loopback addresses only, {how}.\n",
            status=403,
            content_type="text/plain; charset=utf-8",
        )
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
