"""Tests that run Yingji in separate processes (a server to kill, a worker to kill): a fresh
migrated database of their own (SQLite in a throwaway data directory, or a throwaway
PostgreSQL database next to DATABASE_URL), and helpers to run code and commands against it.
Registered for every test by ``tests/conftest.py`` (``pytest_plugins``)."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

TIMEOUT = 60.0  # seconds: upper bound of any wait


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
        run_cli(env, "manage", "migrate", "--verbosity", "0")
        run_cli(env, "regions", "load")
        yield env


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
