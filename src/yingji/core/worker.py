"""`yingji worker`: runs queued tasks (database backend) and reports a heartbeat."""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from datetime import datetime

from django.db import close_old_connections
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker

from yingji.core import schedule
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


def _heartbeat_loop(worker_id: str, started_at: datetime, stop: threading.Event) -> None:
    while not stop.wait(HEARTBEAT_SECONDS):
        try:
            beat(worker_id, started_at)
            schedule.tick()  # periodic jobs: whichever worker sees one due first starts it
        except Exception:  # a missed beat must not kill the worker; /healthz will show it
            logger.exception("heartbeat failed")
        finally:
            close_old_connections()


def run(*, queues: str = "*", interval: float = 1.0, batch: bool = False) -> None:
    """Process tasks until stopped (or, with ``batch``, until the queue is empty)."""
    worker_id = f"{socket.gethostname()[:40]}-{uuid.uuid4().hex[:8]}"
    started_at = timezone.now()
    beat(worker_id, started_at)
    stop = threading.Event()
    thread = threading.Thread(
        target=_heartbeat_loop, args=(worker_id, started_at, stop), daemon=True
    )
    thread.start()
    worker = Worker(
        queue_names=queues.split(","),
        interval=interval,
        batch=batch,
        backend_name="default",
        startup_delay=not batch,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )
    try:
        worker.run()
    finally:
        stop.set()
        WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()
