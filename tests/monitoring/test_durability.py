"""Durability of ingest (issue 6): `kill -9` of the server during a load loses no reading whose
batch was acknowledged (answered 200).

A real `yingji serve` process runs on its own fresh database: an SQLite file in a throwaway
data directory, or, when DATABASE_URL points at PostgreSQL, a throwaway database created next
to it (its role needs CREATEDB, as CI's has) and dropped afterwards. Several threads post
batches over HTTP with a gateway's API token and note every batch answered 200; the server is
killed with SIGKILL in the middle of that; then a separate process opens the database and
every acknowledged reading must be there. Each reading carries a unique value, so the check
does not depend on how timestamps are stored.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.monitoring.conftest import XIHU_STATION, sensor_row, station_row
from tests.processes import TIMEOUT, run_python, serving

SENSORS = [f"{XIHU_STATION}-R{n}" for n in range(1, 6)]
THREADS = 4
BATCH = 100  # readings a request
ACKED_BEFORE_KILL = 40  # batches answered 200 before the kill; more arrive during it

SETUP = """
import json, os, sys
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yingji.settings")
django.setup()
from yingji.core import services
from yingji.core.registry import services as registry
from yingji.monitoring.specs import SENSORS, STATIONS
spec = json.load(sys.stdin)
staff = services.create_user(actor=None, username="staff", password=spec["password"],
                             region_code="330106", roles=["county_staff"])
registry.create(actor=staff, spec=STATIONS, data=spec["station"])
for row in spec["sensors"]:
    registry.create(actor=staff, spec=SENSORS, data=row)
services.create_user(actor=None, username="gateway", password=spec["password"],
                     region_code="330106", roles=["viewer"], is_machine=True)
issued = services.create_api_token(actor=None, username="gateway", name="load test")
print(json.dumps({"token": issued.secret}))
"""

STORED = """
import json, os
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yingji.settings")
django.setup()
from yingji.monitoring.models import Reading
print(json.dumps(list(Reading.objects.values_list("sensor__code", "value"))))
"""


@pytest.fixture
def server(server_env: dict[str, str], tmp_path: Path) -> Iterator[tuple[str, Any]]:
    with serving(server_env, tmp_path / "server.log") as running:
        yield running


@pytest.mark.slow
def test_kill_9_during_a_load_loses_no_acknowledged_reading(server_env, server):
    url, proc = server
    token = _setup_network(server_env)
    load = Load(f"{url}/api/ingest/readings", token)
    threads = [threading.Thread(target=load.post_until_refused) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    reached = load.wait_acknowledged(ACKED_BEFORE_KILL)
    os.kill(proc.pid, signal.SIGKILL)  # mid-load: requests are in flight in every thread
    proc.wait(timeout=TIMEOUT)
    load.stop.set()
    for thread in threads:
        thread.join(TIMEOUT)
    assert reached, f"only {len(load.acknowledged)} batches were answered: {load.errors[:3]}"
    assert not load.errors, load.errors[:3]

    stored = {tuple(row) for row in json.loads(run_python(server_env, STORED))}
    acknowledged = {reading for batch in load.acknowledged for reading in batch}
    assert len(acknowledged) >= ACKED_BEFORE_KILL * BATCH
    missing = acknowledged - stored
    assert not missing, f"{len(missing)} acknowledged readings lost, e.g. {sorted(missing)[:3]}"


class Load:
    """Threads posting batches of readings, each reading with a unique value and instant."""

    def __init__(self, url: str, token: str) -> None:
        self.url, self.token = url, token
        self.start = int(time.time()) - 30 * 86400  # well within the retention period
        self.acknowledged: list[list[tuple[str, float]]] = []
        self.errors: list[str] = []
        self.stop = threading.Event()
        self._serial = 0
        self._lock = threading.Condition()

    def post_until_refused(self) -> None:
        while not self.stop.is_set():
            batch = self._next_batch()
            body = [{"sensor": code, "ts": ts, "value": value} for code, ts, value in batch]
            try:
                answer = self._post(body)
            except (OSError, http.client.HTTPException, ValueError):
                return  # the server is gone: this batch was not acknowledged
            with self._lock:
                if answer.get("accepted") == len(batch):
                    self.acknowledged.append([(code, value) for code, _, value in batch])
                else:
                    self.errors.append(str(answer)[:300])
                self._lock.notify_all()

    def wait_acknowledged(self, count: int) -> bool:
        with self._lock:
            return (
                self._lock.wait_for(
                    lambda: len(self.acknowledged) >= count or bool(self.errors), TIMEOUT
                )
                and not self.errors
            )

    def _next_batch(self) -> list[tuple[str, int, float]]:
        with self._lock:
            first, self._serial = self._serial, self._serial + BATCH
        # value n/1000 mm: unique and within a rain gauge's physical range
        return [
            (SENSORS[n % len(SENSORS)], self.start + n, n / 1000)
            for n in range(first, first + BATCH)
        ]

    def _post(self, body: list[dict[str, Any]]) -> dict[str, Any]:
        status, _headers, raw = post_readings(self.url, self.token, body)
        if status == 200:
            return dict(json.loads(raw))
        return {"status": status, "body": raw[:200].decode(errors="replace")}


# ---------------------------------------------------------------- helpers


def post_readings(
    url: str, token: str, readings: list[dict[str, Any]]
) -> tuple[int, dict[str, str], bytes]:
    """POST a batch to the ingest endpoint: status, headers (names lower-cased: they are
    case-insensitive, and servers send either case) and body. A dropped connection raises."""
    request = urllib.request.Request(  # noqa: S310 - a local test server
        url,
        data=json.dumps({"readings": readings}).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            answer = response
            raw = response.read()
    except urllib.error.HTTPError as exc:
        answer, raw = exc, exc.read()
    return answer.status, {k.lower(): v for k, v in answer.headers.items()}, raw


def _setup_network(env: dict[str, str]) -> str:
    spec = {
        "password": "correct-horse-battery-staple-9",
        "station": station_row(),
        "sensors": [sensor_row(code) for code in SENSORS],
    }
    return str(json.loads(run_python(env, SETUP, stdin=json.dumps(spec)))["token"])
