"""Two RQ workers on a real Redis share the fan-out of a warning (issue 11, done means 1 and
the "kill -9 a worker during fan-out" fault): one worker is killed with SIGKILL — its work
horse with it, as when a host is lost — in the middle of sending; the other carries on, and
every person gets exactly one message.

Everything is real: `yingji worker` processes on the RQ backend, a redis-server of the test's
own, the database of a fresh `server_env` (SQLite, or PostgreSQL where rows are claimed with
``FOR UPDATE SKIP LOCKED``), the HTTP SMS adapter talking to a fake gateway that, like a real
one with client message ids, delivers a re-sent id once. The killed worker's claimed rows are
retaken when their lease (3 s here, 60 s by default) runs out; the periodic drain does that
every minute in production, the test starts one drain job instead of waiting a minute.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.alerts.fakes.sms_gateway import TOKEN, FakeSmsGateway
from tests.alerts.test_drain_kill import PEOPLE, SETUP, STATES
from tests.processes import TIMEOUT, run_python

START_DRAINS = """
import os, sys
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yingji.settings")
django.setup()
from yingji.alerts import dispatch
from yingji.core import jobs
for _ in range(int(sys.argv[1]) if len(sys.argv) > 1 else 1):
    jobs.start(actor=None, kind=dispatch.DRAIN_KIND)
"""

JOBS = """
import json, os
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yingji.settings")
django.setup()
from yingji.core.models import Job
print(json.dumps([[j.status, j.worker, j.task_id] for j in Job.objects.all()]))
"""


@pytest.fixture
def gateway():
    with FakeSmsGateway() as fake:
        yield fake


def _worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    # a session of its own: SIGKILL to the group takes the work horse down with the worker
    return subprocess.Popen(
        [sys.executable, "-m", "yingji.cli", "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def _until(condition, what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)  # another process's progress: polled
    pytest.fail(f"timed out waiting for {what}")


@pytest.mark.slow
def test_two_rq_workers_share_a_fan_out_and_survive_one_killed(
    server_env, redis_server, gateway, tmp_path: Path
):
    channels = tmp_path / "channels.json"
    channels.write_text(json.dumps({"sms": {
        "url": gateway.endpoint, "token": TOKEN, "rate_per_second": 400, "batch_size": 25,
    }}))  # fmt: skip
    env = {
        **server_env,
        "REDIS_URL": redis_server.url,
        "YINGJI_CHANNELS_FILE": str(channels),
        "YINGJI_OUTBOX_LEASE_SECONDS": "3",
    }
    run_python(env, SETUP)  # issues a red warning to PEOPLE: its drain job is queued in Redis
    run_python(env, START_DRAINS.replace("sys.argv[1]", "'1'"))  # a second drain, for two workers
    first, second = _worker(env), _worker(env)
    try:
        _until(
            lambda: gateway.delivered_count() >= PEOPLE // 4,
            "a quarter of the messages",
        )
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=TIMEOUT)
        killed_at = gateway.delivered_count()
        assert killed_at < PEOPLE, "the kill must land mid-fan-out"

        time.sleep(3.2)  # the killed worker's leases (3 s) run out; then one more drain
        run_python(env, START_DRAINS)
        _until(lambda: gateway.delivered_count() >= PEOPLE, "every message")
        _until(
            lambda: json.loads(run_python(env, STATES)) == {"sent": PEOPLE},
            "every delivery recorded as sent",
        )
    finally:
        for proc in (first, second):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=TIMEOUT)

    per_phone = {phone: len(texts) for phone, texts in gateway.deliveries.items()}
    assert len(per_phone) == PEOPLE  # nobody missing
    assert set(per_phone.values()) == {1}  # nobody twice
    jobs = json.loads(run_python(env, JOBS))
    assert all(task_id for _status, _worker, task_id in jobs)  # every job went through Redis
    workers = {worker for _status, worker, _t in jobs if worker}
    assert len(workers) == 2, jobs  # both workers took drain jobs
    assert [s for s, _w, _t in jobs].count("succeeded") >= 2  # the survivor's jobs finished
