"""Long jobs as persisted records, run by `yingji worker` through the Django Tasks API.

A job kind is a function ``handler(job_context, **params) -> result`` registered with
:func:`job_kind`. :func:`start` creates the :class:`Job` row and enqueues the task; the
worker runs it and the handler reports progress and log lines, which pages and the API show.
"""

from __future__ import annotations

import inspect
import logging
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from yingji.core import audit
from yingji.core.errors import DomainError, InvalidInput
from yingji.core.models import Job, JobStatus

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yingji.core.models import User
    from yingji.regions.models import Region

logger = logging.getLogger(__name__)
MAX_LOG_LINES = 500
Handler = Callable[..., Any]
_KINDS: dict[str, tuple[str, Handler]] = {}


class JobContext:
    """Handed to a job handler: report progress (0–100) and log lines as work proceeds."""

    def __init__(self, job: Job) -> None:
        self.job = job

    def progress(self, percent: int, message: str = "") -> None:
        percent = max(0, min(100, int(percent)))
        if message:
            self.job.log = [*self.job.log, f"{timezone.now():%H:%M:%S} {message}"][-MAX_LOG_LINES:]
        self.job.progress = percent
        Job.objects.filter(pk=self.job.pk).update(progress=percent, log=self.job.log)

    def log(self, message: str) -> None:
        self.progress(self.job.progress, message)


def job_kind(kind: str, title: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        _KINDS[kind] = (title, handler)
        return handler

    return register


def kinds() -> dict[str, str]:
    return {kind: title for kind, (title, _h) in _KINDS.items()}


def start(
    *,
    actor: User | AnonymousUser | None,
    kind: str,
    params: dict[str, Any] | None = None,
    region: Region | None = None,
    title: str | None = None,
) -> Job:
    """Create the job record and enqueue it once the surrounding transaction commits."""
    if kind not in _KINDS:
        raise InvalidInput(f"Unknown job kind {kind!r}", field="kind")
    kind_title, handler = _KINDS[kind]
    try:
        inspect.signature(handler).bind(None, **(params or {}))
    except TypeError as exc:
        raise InvalidInput(f"Wrong parameters for {kind}: {exc}", field="params") from exc
    with transaction.atomic():
        job = Job.objects.create(
            kind=kind,
            title=(title or kind_title)[:200],
            params=params or {},
            created_by=actor if actor is not None and actor.is_authenticated else None,
            region=region,
        )
        audit.record(
            actor=actor,
            action="start",
            obj=job,
            region_path=region.path if region else "",
            after=audit.snapshot(job),
        )
        transaction.on_commit(lambda: _enqueue(job))
    return job


def _enqueue(job: Job) -> None:
    result = run_job.enqueue(str(job.pk))
    Job.objects.filter(pk=job.pk).update(task_id=str(result.id))


def execute(job_id: str) -> Job:
    """Run a job now, in this process: what the worker does for each queued job."""
    job = Job.objects.get(pk=job_id)
    if job.status != JobStatus.QUEUED:
        logger.warning("job %s is %s, not queued; skipped", job_id, job.status)
        return job
    job.status, job.started_at = JobStatus.RUNNING, timezone.now()
    job.save(update_fields=["status", "started_at"])
    _title, handler = _KINDS[job.kind]
    context = JobContext(job)
    try:
        result = handler(context, **job.params)
    except Exception as exc:  # the job records any failure; the worker keeps running
        message = exc.message if isinstance(exc, DomainError) else f"{type(exc).__name__}: {exc}"
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        job.status, job.error = JobStatus.FAILED, message
        job.result = getattr(exc, "job_result", None)  # e.g. an import's list of bad rows
        job.log = [*job.log, traceback.format_exc(limit=5)][-MAX_LOG_LINES:]
    else:
        job.status, job.result, job.progress = JobStatus.SUCCEEDED, result, 100
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "error", "log", "result", "progress", "finished_at"])
    return job


@task()
def run_job(job_id: str) -> str:
    return execute(job_id).status
