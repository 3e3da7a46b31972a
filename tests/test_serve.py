"""`yingji serve`: gunicorn's settings, bad arguments, and a real server behind a proxy."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.processes import TIMEOUT, serving
from yingji import serve


def test_processes_of_threads_with_access_logs_only_when_asked():
    quiet = serve.options("127.0.0.1", 8000, workers=2, threads=4, log_level="warning", timeout=60)
    assert quiet["worker_class"] == "gthread" and quiet["workers"] == 2 and quiet["threads"] == 4
    assert quiet["accesslog"] is None and quiet["bind"] == "127.0.0.1:8000"
    assert quiet["control_socket_disable"] is True  # no shared socket in the home directory
    loud = serve.options("::1", 8001, workers=1, threads=1, log_level="info", timeout=60)
    assert loud["accesslog"] == "-" and loud["bind"] == "[::1]:8001"


def _serve(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "yingji.cli", "serve", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    found = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    found.update(
        YINGJI_DATA_DIR=str(tmp_path),
        YINGJI_SECRET_KEY="k" * 40,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    return found


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--workers", "0"], "--workers must be at least 1"),
        (["--threads", "-3"], "--threads must be at least 1"),
        (["--timeout", "0"], "--timeout must be at least 1"),
    ],
)
def test_bad_arguments_are_refused_before_anything_starts(env, args, message):
    done = _serve(["--port", "1", *args], env)
    assert done.returncode == 2 and message in done.stderr


def test_a_malformed_proxy_list_stops_the_start(env):
    done = _serve(["--port", "1"], {**env, "FORWARDED_ALLOW_IPS": "127.0.0.1,proxy.example"})
    assert done.returncode == 2
    assert "FORWARDED_ALLOW_IPS" in done.stderr and "proxy.example" in done.stderr


def test_the_client_address_behind_the_proxy_reaches_the_log(server_env, tmp_path):
    """A real server: a request relayed by a proxy on this host is logged (and rate-limited,
    audited) under the client's address; /metrics, loopback only, refuses the relayed client."""
    log = tmp_path / "server.log"
    env = {**server_env, "YINGJI_LOG_FORMAT": "json"}
    with serving(env, log, log_level="info") as (url, _proc):
        relayed = urllib.request.Request(f"{url}/metrics")  # noqa: S310 - local server
        relayed.add_header("X-Forwarded-For", "203.0.113.7")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(relayed, timeout=TIMEOUT)  # noqa: S310 - local server
        assert refused.value.code == 403
        # the access line is written after the answer is sent: wait for it
        deadline = time.monotonic() + TIMEOUT
        while not (access := _access_lines(log, "/metrics")):
            assert time.monotonic() < deadline, log.read_text()[-2000:]
            time.sleep(0.05)
    assert access[0]["message"].startswith("203.0.113.7 ")


def _access_lines(log: Path, path: str) -> list[dict[str, Any]]:
    lines = [line for line in log.read_text().splitlines() if line.startswith("{")]
    records = [json.loads(line) for line in lines if line.endswith("}")]
    return [r for r in records if r["logger"] == "gunicorn.access" and path in r["message"]]
