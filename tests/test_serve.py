"""`yingji serve`: uvicorn's settings, bad arguments, the two ways into Django, and a real
server behind a proxy."""

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


def test_uvicorn_trusts_forwarded_headers_from_this_host_only_by_default(monkeypatch):
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    found = serve.options("127.0.0.1", 8000, workers=2, log_level="warning", json_logs=True)
    assert found["proxy_headers"] is True and found["forwarded_allow_ips"] == "127.0.0.1,::1"
    assert found["workers"] == 2 and found["log_config"] is None  # the project's JSON logs
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "10.0.0.5")
    assert (
        serve.options("::1", 1, workers=1, log_level="info", json_logs=False)["forwarded_allow_ips"]
        == "10.0.0.5"
    )


def test_only_the_event_streams_take_the_async_way_in():
    """Every page and API operation runs in the thread pool (WSGI); the live streams, open
    for minutes, in Django's ASGI handler; an unknown path is a page's 404."""
    from yingji.asgi import is_async

    assert is_async("/monitoring/alarms/stream") and is_async("/incidents/7/stream")
    assert not any(
        is_async(path)
        for path in ("/", "/livez", "/monitoring/alarms/", "/api/ingest/readings", "/nope/")
    )


@pytest.mark.parametrize("name", ["workers", "threads"])
def test_bad_arguments_are_refused_before_anything_starts(tmp_path: Path, name):
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(YINGJI_DATA_DIR=str(tmp_path), YINGJI_SECRET_KEY="k" * 40)
    done = subprocess.run(
        [sys.executable, "-m", "yingji.cli", "serve", "--port", "1", f"--{name}", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert done.returncode == 2 and f"--{name} must be at least 1" in done.stderr


def test_pages_and_the_client_address_behind_the_proxy(server_env, tmp_path):
    """A real server: a page answers through the thread pool; a request relayed by a proxy on
    this host is logged (and rate-limited, audited) under the client's address; /metrics,
    loopback only, refuses the relayed client."""
    log = tmp_path / "server.log"
    env = {**server_env, "YINGJI_LOG_FORMAT": "json"}
    with serving(env, log, log_level="info") as (url, _proc):
        with urllib.request.urlopen(f"{url}/accounts/login/", timeout=TIMEOUT) as page:  # noqa: S310
            assert page.status == 200 and b"csrfmiddlewaretoken" in page.read()
        relayed = urllib.request.Request(f"{url}/metrics")  # noqa: S310 - local server
        relayed.add_header("X-Forwarded-For", "203.0.113.7")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(relayed, timeout=TIMEOUT)  # noqa: S310 - local server
        assert refused.value.code == 403
        deadline = time.monotonic() + TIMEOUT  # the access line follows the answer
        while not (access := _access_lines(log, "/metrics")):
            assert time.monotonic() < deadline, log.read_text()[-2000:]
            time.sleep(0.05)
    assert access[0]["message"].startswith("203.0.113.7")


def _access_lines(log: Path, path: str) -> list[dict[str, Any]]:
    lines = [line for line in log.read_text().splitlines() if line.startswith("{")]
    records = [json.loads(line) for line in lines if line.endswith("}")]
    return [r for r in records if r["logger"] == "uvicorn.access" and path in r["message"]]
