"""A private PostgreSQL instance for a fault test: its own data directory and port, so that a
test may stop and restart it without touching the cluster other tests run against.

The binaries of the newest PostgreSQL under /usr/lib/postgresql are used, run as the
``postgres`` OS user (initdb and the server refuse to run as root). Authentication is
``trust`` on the loopback address and a private socket directory: the instance lives only
as long as the test.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from tests.processes import TIMEOUT, free_port

ROOT = Path("/usr/lib/postgresql")
OS_USER = "postgres"
ROLE = "yingji"
DATABASE = "yingji"


def binaries() -> Path | None:
    """The bin directory of the newest installed PostgreSQL with initdb and pg_ctl, or None."""
    if not ROOT.is_dir():
        return None
    found = [p / "bin" for p in ROOT.iterdir() if (p / "bin" / "initdb").is_file()]
    found = [p for p in found if (p / "pg_ctl").is_file()]
    return max(found, key=lambda p: _version(p.parent.name), default=None)


def _version(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in name.split(".") if part.isdigit())


def unavailable_reason() -> str | None:
    """Why a private instance cannot be started here, or None when it can."""
    if binaries() is None:
        return f"no PostgreSQL server binaries (initdb, pg_ctl) under {ROOT}"
    try:
        pwd.getpwnam(OS_USER)
    except KeyError:
        return f"no {OS_USER!r} OS user to run PostgreSQL as"
    if os.geteuid() != 0:
        return f"running the server as {OS_USER!r} needs root (runuser)"
    if shutil.which("runuser") is None:
        return "runuser is not installed"
    return None


class PrivatePostgres:
    """initdb + pg_ctl start on a free port; ``stop``/``start``/``restart``; ``destroy``."""

    def __init__(self) -> None:
        bindir = binaries()
        assert bindir is not None, unavailable_reason()
        self.bindir = bindir
        # Not under pytest's tmp_path: its parents are root's, mode 0700, closed to postgres.
        self.base = Path(tempfile.mkdtemp(prefix="yingji-pg-"))
        self.data = self.base / "data"
        self.sockets = self.base / "run"
        self.log = self.base / "server.log"
        self.port = free_port()
        self.sockets.mkdir()
        entry = pwd.getpwnam(OS_USER)
        for path in (self.base, self.sockets):
            os.chown(path, entry.pw_uid, entry.pw_gid)
        self._as_postgres(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            OS_USER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "--no-sync",  # its files are thrown away with the test
        )

    @property
    def admin_url(self) -> str:
        return f"postgres://{OS_USER}@127.0.0.1:{self.port}/postgres"

    @property
    def url(self) -> str:
        return f"postgres://{ROLE}@127.0.0.1:{self.port}/{DATABASE}"

    def start(self) -> None:
        """Start and wait until it accepts connections (fsync and synchronous commit on, the
        defaults: what an acknowledged commit means is part of what the tests check)."""
        options = (
            f"-p {self.port} -k {self.sockets} -c listen_addresses=127.0.0.1"
            " -c shared_buffers=32MB -c max_connections=100"
        )
        self._as_postgres(
            "pg_ctl", "start", "-D", str(self.data), "-l", str(self.log), "-w", "-o", options
        )

    def stop(self) -> None:
        """A fast shutdown: open transactions are rolled back, sessions are terminated."""
        self._as_postgres("pg_ctl", "stop", "-D", str(self.data), "-m", "fast", "-w")

    def create_database(self) -> None:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as admin:
            admin.execute(f"CREATE ROLE {ROLE} LOGIN")
            admin.execute(f"CREATE DATABASE {DATABASE} OWNER {ROLE}")

    def destroy(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._as_postgres(
                "pg_ctl", "stop", "-D", str(self.data), "-m", "immediate", "-w", check=False
            )
        shutil.rmtree(self.base, ignore_errors=True)

    def _as_postgres(self, program: str, *args: str, check: bool = True) -> None:
        started = time.monotonic()
        done = subprocess.run(
            ["runuser", "-u", OS_USER, "--", str(self.bindir / program), *args],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
            cwd=self.base,
        )
        if check and done.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise AssertionError(
                f"{program} {' '.join(args[:2])} failed ({done.returncode}) after "
                f"{time.monotonic() - started:.1f}s: {done.stderr[-2000:]}\n{log}"
            )
