"""Tests that run Yingji in separate processes (a server to kill, a worker to kill): a fresh
migrated database of their own (SQLite in a throwaway data directory, or a throwaway
PostgreSQL database next to DATABASE_URL), and helpers to run code and commands against it.
Registered for every test by ``tests/conftest.py`` (``pytest_plugins``)."""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

TIMEOUT = float(os.environ.get("YINGJI_TEST_TIMEOUT", "60"))  # seconds: bound of any wait


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """The environment of a server with its own fresh, migrated database."""
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "YINGJI_TEST_DATA_DIR")}
    env.update(YINGJI_DATA_DIR=str(tmp_path), YINGJI_SECRET_KEY=secrets.token_urlsafe(40))
    with throwaway_database(env.get("DATABASE_URL")) as url:
        if url:
            env["DATABASE_URL"] = url
        build_database(env)
        yield env


# A fresh database for a process test in seconds instead of a minute (see build_database).
BUILD = """
import contextlib
import os
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yingji.settings")
django.setup()
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection, migrations
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

graph = MigrationLoader(None, ignore_no_migrations=True).graph
plan = [graph.nodes[key] for key in graph.leaf_nodes() for key in graph.forwards_plan(key)]
seen, ordered = set(), []
for migration in plan:
    if (migration.app_label, migration.name) not in seen:
        seen.add((migration.app_label, migration.name))
        ordered.append(migration)


class NoMigrations(dict):
    def __contains__(self, item):
        return True

    def __getitem__(self, item):
        return None


settings.MIGRATION_MODULES = NoMigrations()
call_command("migrate", run_syncdb=True, verbosity=0, interactive=False)
# The project's data steps (reference data such as the hazard criteria). Third-party apps'
# data steps convert existing rows of older versions, which a fresh database does not have.
with connection.schema_editor() as editor:
    for migration in ordered:
        if not type(migration).__module__.startswith("yingji."):
            continue
        for operation in migration.operations:
            if isinstance(operation, migrations.RunPython):
                operation.code(apps, editor)
recorder = MigrationRecorder(connection)
recorder.ensure_schema()
for migration in ordered:
    recorder.record_applied(migration.app_label, migration.name)

from yingji.regions.services import load_dataset
load_dataset()
"""


def build_database(env: dict[str, str]) -> None:
    """Tables, reference data and regions in the (empty) database ``env`` points at.
    ``migrate`` spends most of its time re-rendering model states (some 17 s of CPU for this
    project, a minute on a busy 2-core machine), which two fault tests cannot afford each. The
    tables are made from the models instead, exactly as pytest-django's ``--nomigrations`` makes
    the test database: the models and the migrations agree (CI runs ``makemigrations --check``)
    and no migration runs raw SQL. The project's data steps (RunPython: reference data such as
    the hazard criteria) then run in order, every migration is recorded as applied — so a later
    ``migrate`` has nothing to do — and the real regions are loaded.
    """
    run_python(env, BUILD)


@contextmanager
def serving(
    env: dict[str, str], log_path: Path, *, log_level: str = "error"
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A real `yingji serve` on a free loopback port with ``env``, its output in ``log_path``:
    (base URL, process) once /healthz answers; killed (if still running) afterwards."""
    port = free_port()
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "yingji.cli", "serve", "--port", str(port),
             "--log-level", log_level],
            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc, log_path)
        yield url, proc
    finally:
        with contextlib.suppress(ProcessLookupError):  # the master and its worker processes
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=TIMEOUT)


def wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"server exited ({proc.returncode}): {log.read_text()[-1000:]}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)  # polling a port that is not open yet: no event to wait on
    pytest.fail("the server did not become healthy in time")


def run_python(env: dict[str, str], script: str, stdin: str = "") -> str:
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def run_cli(env: dict[str, str], *args: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "yingji.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]


@contextmanager
def throwaway_database(url: str | None) -> Iterator[str | None]:
    """A fresh PostgreSQL database next to ``url``, dropped afterwards; None for SQLite."""
    if not url or not url.startswith(("postgres://", "postgresql://")):
        yield None
        return
    import psycopg

    name = f"yingji_durability_{secrets.token_hex(4)}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urllib.parse.urlsplit(url)._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class RedisServer:
    """A redis-server of a test's own (no persistence) on a free port, stopped and started
    again at will (the Redis-down fault)."""

    def __init__(self, exe: str, workdir: Path) -> None:
        self.exe, self.workdir, self.port = exe, workdir, free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        import redis

        self.proc = subprocess.Popen(
            [self.exe, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if self.proc.poll() is not None:
                    pytest.fail(f"redis-server exited with {self.proc.returncode}")
                time.sleep(0.025)  # the server starts in a few milliseconds
        pytest.fail("redis-server did not start")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=TIMEOUT)


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    import shutil

    exe = shutil.which("redis-server")
    if exe is None:
        message = "redis-server is not installed (apt-get install redis-server)"
        if os.environ.get("YINGJI_REQUIRE_REDIS"):
            pytest.fail(message)
        pytest.skip(message)
    server = RedisServer(exe, tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()
