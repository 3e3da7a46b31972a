"""Redis down (issue 11, fault test): the web stays up, a job started meanwhile is kept in the
database and says why it waits, /healthz reports the queue, and once Redis is back a worker
queues and runs the job. Real processes: `yingji serve` and `yingji worker` on the RQ backend
with a redis-server of the test's own, which is killed and started again on the same port."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.processes import TIMEOUT, run_python, serving

SETUP = """
import json, os
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yingji.settings")
django.setup()
from yingji.core import services
services.create_user(actor=None, username="staff", password="x-" + "y" * 20,
                     region_code="330106", roles=["county_staff"])
issued = services.create_api_token(actor=None, username="staff", name="redis down")
print(json.dumps({"token": issued.secret, "export": "users"}))
"""


def _call(url: str, token: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(  # noqa: S310 - a loopback test server
        url,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST" if body is not None else "GET",
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


@pytest.mark.slow
def test_redis_down_keeps_the_web_up_and_the_job_safe(server_env, redis_server, tmp_path: Path):
    env = {**server_env, "REDIS_URL": redis_server.url}
    spec = json.loads(run_python(env, SETUP))
    token = spec["token"]
    with serving(env, tmp_path / "server.log", log_level="warning") as (url, web):
        assert _call(f"{url}/healthz", token)[1]["queue"] == {
            "status": "ok", "backend": "redis", "depth": 0,
        }  # fmt: skip

        redis_server.stop()
        status, health = _call(f"{url}/healthz", token)
        assert status == 200  # the site serves; background work waits
        assert health["status"] == "degraded"
        assert health["queue"]["status"] == "error"
        assert _call(f"{url}/api/me", token)[0] == 200
        status, job = _call(f"{url}/api/exports/", token, {"name": spec["export"]})
        assert status == 202, job
        status, job = _call(f"{url}/api/jobs/{job['id']}", token)
        assert status == 200
        assert job["status"] == "queued"
        assert "task queue unreachable" in job["log"][-1]
        assert _call(f"{url}/api/jobs/", token)[0] == 200

        redis_server.start()  # back on the same port, empty: the job is not in it
        worker = subprocess.Popen(
            [sys.executable, "-m", "yingji.cli", "worker"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + TIMEOUT
            while time.monotonic() < deadline:
                job = _call(f"{url}/api/jobs/{job['id']}", token)[1]
                if job["status"] not in ("queued", "running"):
                    break
                time.sleep(0.1)  # another process's progress: polled
        finally:
            worker.kill()
            worker.wait(timeout=TIMEOUT)
        assert job["status"] == "succeeded", job
        assert job["result"]["rows"] >= 0
        assert web.poll() is None  # the web process never went down
