"""Long jobs as persisted records, run by `yingji worker` through the Django Tasks API.

A job kind is a function ``handler(job_context, **params) -> result`` registered with
:func:`job_kind`. :func:`start` creates the :class:`Job` row and enqueues the task; the
worker runs it and the handler reports progress and log lines, which pages and the API show.
"""

from __future__ import annotations

import datetime as dt
import inspect
import logging
import traceback
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

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


CURRENT_WORKER = [""]  # set by `yingji worker` (inherited by RQ's forked work horses)
WORKER_DIED: Final = "执行该任务的工作进程已停止 (the worker running this job stopped)"
QUEUE_DOWN: Final = "任务队列不可达，恢复后自动排队 (task queue unreachable; queued once back)"
STRANDED_AFTER: Final = dt.timedelta(seconds=30)


def _enqueue(job: Job) -> None:
    """Hand the job to the task queue. If the queue (Redis) is unreachable the job stays
    recorded as queued, says so in its log, and a worker re-enqueues it once the queue answers
    again (:func:`requeue_stranded`): the request that started it does not fail."""
    try:
        result = run_job.enqueue(str(job.pk))
    except Exception as exc:  # the queue's client raises its own connection errors
        logger.error("job %s (%s) could not be queued: %s", job.pk, job.kind, exc)
        line = f"{timezone.now():%H:%M:%S} {QUEUE_DOWN}: {type(exc).__name__}"
        Job.objects.filter(pk=job.pk).update(log=[*job.log, line][-MAX_LOG_LINES:])
        return
    Job.objects.filter(pk=job.pk).update(task_id=str(result.id))


def fail_orphans(alive: set[str]) -> int:
    """Mark failed the running jobs whose worker is no longer alive (killed, host lost): the
    job list shows what happened instead of "running" forever. ``alive``: the worker ids with
    a fresh heartbeat. A job that can be resumed safely (the outbox drain) is simply started
    again by its schedule; others are re-run by hand."""
    orphans = Job.objects.filter(status=JobStatus.RUNNING).exclude(worker__in=alive)
    orphans = orphans.exclude(worker="")  # started outside a worker (tests, `--batch` CLI)
    count = orphans.update(status=JobStatus.FAILED, error=WORKER_DIED, finished_at=timezone.now())
    if count:
        logger.warning("%d job(s) failed: their worker stopped", count)
    return count


def requeue_stranded(
    now: dt.datetime | None = None, older_than: dt.timedelta = STRANDED_AFTER
) -> int:
    """Enqueue the queued jobs that never reached the queue (no task id) and are older than
    ``older_than``; the number handed over. Called by every worker's heartbeat (and with no
    age at its start): a job started while Redis was down runs once it is back. Each job is
    claimed by setting its task id in a conditional update, so two workers do not enqueue the
    same job twice; a job enqueued twice anyway runs once (:func:`execute`)."""
    cutoff = (now or timezone.now()) - older_than
    handed = 0
    stranded = Job.objects.filter(status=JobStatus.QUEUED, task_id="", created_at__lt=cutoff)
    for job_id in stranded.values_list("pk", flat=True)[:100]:
        claim = f"requeue-{uuid.uuid4().hex[:16]}"
        if not Job.objects.filter(pk=job_id, task_id="").update(task_id=claim):
            continue  # another worker took it
        try:
            result = run_job.enqueue(str(job_id))
        except Exception as exc:
            Job.objects.filter(pk=job_id, task_id=claim).update(task_id="")
            logger.warning("queue still unreachable (%s); %s waits", type(exc).__name__, job_id)
            break
        Job.objects.filter(pk=job_id).update(task_id=str(result.id))
        handed += 1
    if handed:
        logger.info("%d stranded job(s) queued again", handed)
    return handed


def execute(job_id: str) -> Job:
    """Run a job now, in this process: what the worker does for each queued job. Taking the
    job is one conditional update, so a job queued twice (re-enqueued after a queue outage)
    still runs once."""
    started = timezone.now()
    taken = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=started, worker=CURRENT_WORKER[0]
    )
    job = Job.objects.get(pk=job_id)
    if not taken:
        logger.warning("job %s is %s, not queued; skipped", job_id, job.status)
        return job
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
