"""The task queue unreachable (Redis down): starting a job still succeeds, the job waits in the
database saying why, and a worker queues it again once the queue answers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from yingji.core import jobs
from yingji.core.models import Job, JobStatus
from yingji.core.worker import run as run_worker


@jobs.job_kind("tests.queue_down", "Counts")
def _count(context: jobs.JobContext, n: int = 2) -> dict[str, int]:
    return {"counted": n}


class QueueDown(ConnectionError):
    pass


class UnreachableQueue:
    """Stands in for the task: its queue refuses the connection, as Redis down does."""

    def enqueue(self, *_args, **_kwargs):
        raise QueueDown("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


@pytest.fixture
def queue_down(monkeypatch):
    monkeypatch.setattr(jobs, "run_job", UnreachableQueue())


def test_a_job_started_while_the_queue_is_down_waits_and_says_why(
    xihu_staff, on_commit, queue_down
):
    with on_commit(execute=True):
        job = jobs.start(actor=xihu_staff, kind="tests.queue_down", region=xihu_staff.region)
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED
    assert job.task_id == ""
    assert jobs.QUEUE_DOWN in job.log[-1]


def test_stranded_jobs_are_queued_again_once_the_queue_is_back(xihu_staff, on_commit, monkeypatch):
    original = jobs.run_job
    monkeypatch.setattr(jobs, "run_job", UnreachableQueue())
    with on_commit(execute=True):
        job = jobs.start(actor=xihu_staff, kind="tests.queue_down", params={"n": 5})
    assert jobs.requeue_stranded() == 0  # too young: its start may still be in flight
    later = timezone.now() + jobs.STRANDED_AFTER + dt.timedelta(seconds=1)
    assert jobs.requeue_stranded(now=later) == 0  # still down: it stays, unclaimed
    assert Job.objects.get(pk=job.pk).task_id == ""

    monkeypatch.setattr(jobs, "run_job", original)
    assert jobs.requeue_stranded(now=later) == 1
    assert jobs.requeue_stranded(now=later) == 0  # handed over once only
    assert Job.objects.get(pk=job.pk).task_id
    run_worker(batch=True, interval=0)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert job.result == {"counted": 5}
