"""Long jobs: persisted, run by the worker through the Django Tasks API, with progress."""

from __future__ import annotations

import pytest
from django.test import TestCase

from yingji.core import jobs
from yingji.core.errors import InvalidInput
from yingji.core.models import Job, JobStatus
from yingji.core.worker import run as run_worker


@jobs.job_kind("tests.count", "Count to N")
def _count(context: jobs.JobContext, n: int = 3) -> dict[str, int]:
    for i in range(n):
        context.progress(int(100 * (i + 1) / n), f"step {i + 1} of {n}")
    return {"counted": n}


@jobs.job_kind("tests.fail", "Always fails")
def _fail(context: jobs.JobContext) -> None:
    context.log("about to fail")
    raise RuntimeError("disk on fire")


def test_job_runs_in_the_worker_with_progress_and_log(xihu_staff, on_commit):
    with on_commit(execute=True):
        job = jobs.start(
            actor=xihu_staff, kind="tests.count", params={"n": 4}, region=xihu_staff.region
        )
    assert Job.objects.get(pk=job.pk).status == JobStatus.QUEUED
    run_worker(batch=True, interval=0)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert job.progress == 100
    assert job.result == {"counted": 4}
    assert [line.split(" ", 1)[1] for line in job.log] == [
        "step 1 of 4",
        "step 2 of 4",
        "step 3 of 4",
        "step 4 of 4",
    ]
    assert job.task_id


def test_failure_is_recorded_not_raised(xihu_staff, on_commit):
    with on_commit(execute=True):
        job = jobs.start(actor=xihu_staff, kind="tests.fail")
    run_worker(batch=True, interval=0)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error == "RuntimeError: disk on fire"
    assert any("about to fail" in line for line in job.log)


def test_unknown_kind_and_bad_params_are_refused(xihu_staff):
    with pytest.raises(InvalidInput):
        jobs.start(actor=xihu_staff, kind="no.such.kind")
    with pytest.raises(InvalidInput) as exc:
        jobs.start(actor=xihu_staff, kind="tests.count", params={"bogus": 1})
    assert exc.value.field == "params"
    assert not Job.objects.exists()


def test_job_api_and_page(client, xihu_staff, binjiang_staff, on_commit):
    client.force_login(xihu_staff)
    with on_commit(execute=True):
        response = client.post(
            "/api/jobs/",
            {"kind": "tests.count", "params": {"n": 2}},
            content_type="application/json",
        )
    assert response.status_code == 202
    job_id = response.json()["id"]
    run_worker(batch=True, interval=0)
    body = client.get(f"/api/jobs/{job_id}").json()
    assert body["status"] == "succeeded" and body["progress"] == 100
    assert "step 2 of 2" in client.get(f"/jobs/{job_id}/").content.decode()
    client.force_login(binjiang_staff)
    assert client.get(f"/api/jobs/{job_id}").status_code == 404
    assert client.get("/api/jobs/not-a-uuid").status_code == 404


class RegionsLoadJob(TestCase):
    def test_regions_load_job_is_registered(self) -> None:
        assert "regions.load" in jobs.kinds()


def test_a_job_queued_twice_runs_once(xihu_staff, on_commit):
    with on_commit(execute=True):
        job = jobs.start(actor=xihu_staff, kind="tests.count", params={"n": 2})
    assert jobs.execute(str(job.pk)).status == JobStatus.SUCCEEDED
    again = jobs.execute(str(job.pk))  # e.g. re-enqueued after a queue outage
    assert again.status == JobStatus.SUCCEEDED
    assert len(again.log) == 2  # the handler did not run a second time


def test_running_jobs_of_a_dead_worker_are_marked_failed(xihu_staff):
    def running(worker: str) -> Job:
        return Job.objects.create(
            kind="tests.count", title="t", status=JobStatus.RUNNING, worker=worker
        )

    dead, live, inline = running("host-dead"), running("host-live"), running("")
    assert jobs.fail_orphans(alive={"host-live"}) == 1
    dead.refresh_from_db()
    assert dead.status == JobStatus.FAILED
    assert dead.error == jobs.WORKER_DIED
    assert dead.finished_at is not None
    assert Job.objects.get(pk=live.pk).status == JobStatus.RUNNING
    assert Job.objects.get(pk=inline.pk).status == JobStatus.RUNNING  # not a worker's job
