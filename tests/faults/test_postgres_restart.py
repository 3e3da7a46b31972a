"""PostgreSQL restarting during ingest (issue 11): acknowledged readings survive, the clients
get a retryable 503 (never a 500, never a 200 for readings that were not stored), and the
server reconnects by itself once the database is back.

The shared cluster other tests use is left alone: the test starts a PostgreSQL instance of its
own (initdb into a throwaway directory, its own port and socket directory), builds a fresh
database there (tests.processes.build_database) and runs a real `yingji serve` on it. Threads post
batches of readings with a gateway's token, as in tests/monitoring/test_durability.py, and
keep posting while the instance is stopped (fast shutdown: sessions are terminated
mid-transaction), kept down until enough requests were answered 503, and started again. Each
reading carries a unique value, so the check that every acknowledged reading is stored does
not depend on timestamps.
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.faults import pgserver
from tests.monitoring.test_durability import (
    BATCH,
    STORED,
    THREADS,
    Load,
    _setup_network,
    post_readings,
)
from tests.processes import TIMEOUT, build_database, run_python, serving

ACKED_BEFORE = 20  # batches answered 200 before the stop
REFUSED_DURING = 12  # 503s seen while the database is down before it is started again
ACKED_AFTER = 20  # batches answered 200 after the start: the server reconnected by itself
REQUIRE = "YINGJI_REQUIRE_POSTGRES_FAULTS"


def _skip_unless_possible() -> None:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        pytest.skip(
            "runs in the SQLite pass only: it starts a PostgreSQL instance of its own whatever "
            "DATABASE_URL is, so the PostgreSQL pass would run the same test again"
        )
    reason = pgserver.unavailable_reason()
    if reason is None:
        return
    if os.environ.get(REQUIRE) == "1":
        pytest.fail(f"{REQUIRE}=1 but a private PostgreSQL cannot be started: {reason}")
    pytest.skip(f"a private PostgreSQL instance cannot be started: {reason}")


@pytest.fixture
def postgres() -> Iterator[pgserver.PrivatePostgres]:
    _skip_unless_possible()
    instance = pgserver.PrivatePostgres()
    try:
        instance.start()
        instance.create_database()
        yield instance
    finally:
        instance.destroy()


@pytest.fixture
def pg_env(postgres: pgserver.PrivatePostgres, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "YINGJI_TEST_DATA_DIR")}
    env.update(
        YINGJI_DATA_DIR=str(tmp_path),
        YINGJI_SECRET_KEY=secrets.token_urlsafe(40),
        DATABASE_URL=postgres.url,
    )
    build_database(env)
    return env


@pytest.fixture
def server(pg_env: dict[str, str], tmp_path: Path) -> Iterator[tuple[str, Any, Path]]:
    log_path = tmp_path / "server.log"
    with serving(pg_env, log_path) as (url, proc):
        yield url, proc, log_path


def test_restarting_postgres_during_ingest_loses_no_acknowledged_reading(
    postgres: pgserver.PrivatePostgres, pg_env: dict[str, str], server: tuple[str, Any, Path]
) -> None:
    url, proc, log_path = server
    token = _setup_network(pg_env)
    load = RestartLoad(f"{url}/api/ingest/readings", token)
    threads = [threading.Thread(target=load.post_until_stopped) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    try:
        assert load.wait_for(lambda: len(load.acknowledged) >= ACKED_BEFORE), load.summary()
        postgres.stop()  # fast shutdown: in-flight transactions are terminated
        down = load.snapshot()
        assert load.wait_for(lambda: load.refused - down.refused >= REFUSED_DURING), load.summary()
        postgres.start()
        back = load.snapshot()
        assert load.wait_for(lambda: len(load.acknowledged) - back.acknowledged >= ACKED_AFTER), (
            load.summary()
        )
    finally:
        load.stop.set()
        for thread in threads:
            thread.join(TIMEOUT)

    assert proc.poll() is None, f"the server died: {log_path.read_text()[-2000:]}"
    assert not load.errors, load.summary()
    assert load.dropped == 0, load.summary()  # every request was answered
    assert load.refused >= REFUSED_DURING
    stored = {tuple(row) for row in json.loads(run_python(pg_env, STORED))}
    acknowledged = {reading for batch in load.acknowledged for reading in batch}
    assert len(acknowledged) >= (ACKED_BEFORE + ACKED_AFTER) * BATCH
    missing = acknowledged - stored
    assert not missing, f"{len(missing)} acknowledged readings lost, e.g. {sorted(missing)[:3]}"
    print(load.summary())  # shown with -s: how many batches were acknowledged and refused
    # One WARNING line per refused request, naming the cause; no 500 and no traceback.
    log = log_path.read_text(errors="replace")
    assert "answered 503 (unavailable)" in log
    assert "Traceback" not in log, log[-3000:]


class Snapshot:
    def __init__(self, acknowledged: int, refused: int) -> None:
        self.acknowledged, self.refused = acknowledged, refused


class RestartLoad(Load):
    """Load that keeps posting across the outage and sorts every answer.

    200 with every reading accepted: acknowledged. 503 with ``Retry-After`` and the code
    ``unavailable``: refused (retryable; the client backs off briefly, as a real gateway waits
    Retry-After). A dropped connection is counted as such. Anything else is an error.
    """

    def __init__(self, url: str, token: str) -> None:
        super().__init__(url, token)
        self.refused = 0
        self.dropped = 0
        self.statuses: dict[int, int] = {}

    def post_until_stopped(self) -> None:
        while not self.stop.is_set():
            batch = self._next_batch()
            body = [{"sensor": code, "ts": ts, "value": value} for code, ts, value in batch]
            status, headers, answer = self._send(body)
            with self._lock:
                self.statuses[status] = self.statuses.get(status, 0) + 1
                if status == 200 and answer.get("accepted") == len(batch):
                    self.acknowledged.append([(code, value) for code, _, value in batch])
                elif status == 503 and headers.get("retry-after") and _unavailable(answer):
                    self.refused += 1
                elif status == 0:
                    self.dropped += 1
                else:
                    self.errors.append(f"{status} {headers.get('retry-after')} {answer}"[:300])
                self._lock.notify_all()
            if status != 200:
                self.stop.wait(0.1)  # back off before retrying, as Retry-After asks

    def wait_for(self, condition: Any) -> bool:
        with self._lock:
            return bool(self._lock.wait_for(lambda: condition() or bool(self.errors), TIMEOUT))

    def snapshot(self) -> Snapshot:
        with self._lock:
            return Snapshot(len(self.acknowledged), self.refused)

    def summary(self) -> str:
        with self._lock:
            return (
                f"acknowledged={len(self.acknowledged)} refused={self.refused} "
                f"dropped={self.dropped} statuses={self.statuses} errors={self.errors[:3]}"
            )

    def _send(self, body: list[dict[str, Any]]) -> tuple[int, dict[str, str], dict[str, Any]]:
        try:
            status, headers, raw = post_readings(self.url, self.token, body)
        except (OSError, http.client.HTTPException):
            return 0, {}, {}
        return status, headers, _json(raw)


def _json(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except ValueError:
        return {"raw": raw[:200].decode(errors="replace")}
    return value if isinstance(value, dict) else {"raw": str(value)[:200]}


def _unavailable(answer: dict[str, Any]) -> bool:
    return answer.get("code") == "unavailable" and answer.get("field", "") is None
