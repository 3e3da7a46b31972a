"""`yingji worker`: runs queued tasks and reports a heartbeat.

Two backends, chosen by the settings (``REDIS_URL``): the database backend (embedded default,
django-tasks-db's worker, claiming with ``SELECT … FOR UPDATE SKIP LOCKED``) and RQ on Redis
(workers on many hosts). Either way the worker beats every few seconds (``/healthz`` shows
which are alive), starts the periodic jobs that are due (:mod:`yingji.core.schedule`), and
hands jobs that could not reach the queue back to it (:func:`yingji.core.jobs.requeue_stranded`).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import uuid
from datetime import datetime

from django.conf import settings
from django.db import close_old_connections, connections
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker

from yingji.core import health, jobs, schedule
from yingji.core.models import WorkerHeartbeat

logger = logging.getLogger(__name__)
HEARTBEAT_SECONDS = 10.0


def beat(worker_id: str, started_at: datetime) -> None:
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={
            "hostname": socket.gethostname()[:128],
            "pid": os.getpid(),
            "started_at": started_at,
            "last_seen": timezone.now(),
        },
    )


def alive_workers() -> set[str]:
    fresh_after = timezone.now() - settings.YINGJI_WORKER_STALE_AFTER
    return set(
        WorkerHeartbeat.objects.filter(last_seen__gte=fresh_after).values_list(
            "worker_id", flat=True
        )
    )


def _heartbeat_loop(worker_id: str, started_at: datetime, stop: threading.Event) -> None:
    while not stop.wait(HEARTBEAT_SECONDS):
        try:
            beat(worker_id, started_at)
            schedule.tick()  # periodic jobs: whichever worker sees one due first starts it
            jobs.requeue_stranded()  # jobs started while the queue was unreachable
            jobs.fail_orphans(alive_workers())  # jobs of workers that were killed
        except Exception:  # a missed beat must not kill the worker; /healthz will show it
            logger.exception("heartbeat failed")
        finally:
            close_old_connections()


def uses_rq() -> bool:
    return bool(
        getattr(settings, "TASKS", {}).get("default", {}).get("BACKEND", "").endswith("RQBackend")
    )


def run(*, queues: str = "*", interval: float = 1.0, batch: bool = False) -> None:
    """Process tasks until stopped (or, with ``batch``, until the queue is empty)."""
    worker_id = f"{socket.gethostname()[:40]}-{uuid.uuid4().hex[:8]}"
    started_at = timezone.now()
    beat(worker_id, started_at)
    jobs.CURRENT_WORKER[0] = worker_id
    jobs.requeue_stranded(older_than=dt.timedelta(0))  # jobs left while the queue was down
    stop = threading.Event()
    thread = threading.Thread(
        target=_heartbeat_loop, args=(worker_id, started_at, stop), daemon=True
    )
    thread.start()
    try:
        if health.uses_rq():
            _run_rq(worker_id, queues, batch)
        else:
            _run_db(worker_id, queues, interval, batch)
    finally:
        stop.set()
        WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()


def _run_db(worker_id: str, queues: str, interval: float, batch: bool) -> None:
    Worker(
        queue_names=queues.split(","),
        interval=interval,
        batch=batch,
        backend_name="default",
        startup_delay=not batch,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    ).run()


def _run_rq(worker_id: str, queues: str, batch: bool) -> None:
    """An RQ worker on the named queues ("*": all configured). A long-running worker forks a
    work horse per job (a crash or a leak ends with the job, RQ's time limit applies); a batch
    run works in this process and connection (tests, `yingji worker --batch`)."""
    import django_rq  # noqa: PLC0415 - the redis extra is optional

    names = list(settings.RQ_QUEUES) if queues == "*" else queues.split(",")
    if not batch:
        connections.close_all()  # a forked work horse must open its own connections
    worker = django_rq.get_worker(
        *names,
        job_class="django_tasks_rq.backend.Job",
        worker_class="rq.worker.SimpleWorker" if batch else "rq.worker.Worker",
        name=worker_id,
    )
    worker.work(burst=batch, logging_level="WARNING", with_scheduler=False)
