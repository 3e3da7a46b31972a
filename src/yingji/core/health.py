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
        report["queue"] = {"status": "unknown"}
        return False, report
    report["database"] = {
        "status": "ok",
        "vendor": connection.vendor,
        "latency_ms": round((time.perf_counter() - started) * 1000, 2),
    }
    report["worker"] = _worker_status()
    report["queue"] = _queue_status()
    if report["worker"]["status"] != "ok" or report["queue"]["status"] != "ok":
        report["status"] = "degraded"
    return True, report


def _worker_status() -> dict[str, Any]:
    fresh_after = timezone.now() - settings.YINGJI_WORKER_STALE_AFTER
    beats = list(WorkerHeartbeat.objects.order_by("-last_seen")[:50])
    alive = [b for b in beats if b.last_seen >= fresh_after]
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
    }


def _queue_status() -> dict[str, Any]:
    """The task queue: which backend, whether it answers, how many tasks wait. Redis down is
    reported here (degraded), not as an error of the site: pages and the API still work, and
    jobs started meanwhile wait in the database until a worker can queue them again."""
    backend = "redis" if uses_rq() else "database"
    depth = queue_depth()
    if depth is None:
        return {"status": "error", "backend": backend, "error": "unreachable"}
    return {"status": "ok", "backend": backend, "depth": depth}


def uses_rq() -> bool:
    return "RQBackend" in settings.TASKS["default"]["BACKEND"]


def queue_depth() -> int | None:
    """Tasks waiting in the task queue (database table or Redis list); None when the queue
    cannot be reached (Redis down)."""
    if uses_rq():
        import django_rq  # noqa: PLC0415 - the redis extra is optional

        try:
            return sum(django_rq.get_queue(name).count for name in settings.RQ_QUEUES)
        except Exception:  # redis' own connection errors: the queue is unreachable
            return None
    return int(DBTaskResult.objects.ready().count())
