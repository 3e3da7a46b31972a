"""Health of the platform for /healthz: database reachability and worker liveness."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from yingji import __version__
from yingji.core.models import WorkerHeartbeat


def check() -> tuple[bool, dict[str, Any]]:
    """(healthy, report). Healthy means the database answers; a missing worker degrades."""
    report: dict[str, Any] = {"status": "ok", "version": __version__}
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        report["status"] = "error"
        report["database"] = {
            "status": "error",
            "vendor": connection.vendor,
            "error": str(exc)[:200],
        }
        report["worker"] = {"status": "unknown"}
        return False, report
    report["database"] = {
        "status": "ok",
        "vendor": connection.vendor,
        "latency_ms": round((time.perf_counter() - started) * 1000, 2),
    }
    report["worker"] = _worker_status()
    if report["worker"]["status"] != "ok":
        report["status"] = "degraded"
    return True, report


def _worker_status() -> dict[str, Any]:
    fresh_after = timezone.now() - settings.YINGJI_WORKER_STALE_AFTER
    beats = list(WorkerHeartbeat.objects.order_by("-last_seen")[:50])
    alive = [b for b in beats if b.last_seen >= fresh_after]
    queued = DBTaskResult.objects.ready().count()
    if alive:
        status = "ok"
    elif beats:
        status = "stale"
    else:
        status = "absent"
    return {
        "status": status,
        "alive": len(alive),
        "last_seen": beats[0].last_seen.isoformat() if beats else None,
        "queue_depth": queued,
    }
