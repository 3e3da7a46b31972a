"""The database side of a backup: a consistent snapshot with its row counts and migrations,
and putting a snapshot back.

SQLite: the online backup API copies the live database in one step inside a read
transaction, so web and workers keep writing (WAL) while the copy sees one instant; the
counts are taken from the copy. PostgreSQL: a REPEATABLE READ transaction exports its
snapshot, counts the rows in it, and ``pg_dump --snapshot`` dumps exactly that snapshot; the
password reaches pg_dump and pg_restore through PGPASSWORD, never their command line.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from django.conf import settings
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader

from yingji.core.backup.manifest import VENDOR_NAMES, BackupError

TOOL_TIMEOUT: Final = 6 * 3600  # seconds: a province-size dump is long, a hung one is not
_VERSION = re.compile(r"\(PostgreSQL\)\s+(\d+)")


@dataclass(frozen=True)
class Snapshot:
    tables: dict[str, int]
    migrations: dict[str, str]
    server_version: int | None = None
    tool_version: int | None = None


def vendor() -> str:
    name = str(connection.vendor)
    if name not in VENDOR_NAMES:
        raise BackupError(f"backups of a {name} database are not supported (SQLite, PostgreSQL)")
    return name


def sqlite_path() -> Path:
    return Path(str(settings.DATABASES["default"]["NAME"])).resolve()


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _latest(rows: Iterable[tuple[Any, Any]]) -> dict[str, str]:
    latest: dict[str, str] = {}
    for app, name in rows:
        latest[str(app)] = max(latest.get(str(app), ""), str(name))
    return latest


# ---------------------------------------------------------------- snapshot


def snapshot(dest: Path) -> Snapshot:
    """Dump the configured database into ``dest`` (a new file); what it holds."""
    if vendor() == "sqlite":
        return _sqlite_snapshot(dest)
    return _pg_snapshot(dest)


def _sqlite_snapshot(dest: Path) -> Snapshot:
    source_path = sqlite_path()
    if not source_path.is_file():
        raise BackupError(f"the SQLite database {source_path} does not exist")
    source = sqlite3.connect(source_path, timeout=20)
    target = sqlite3.connect(dest)
    try:
        source.backup(target)  # pages=-1: one step, one read transaction, one instant
        target.execute("PRAGMA journal_mode=DELETE")  # the copy is one self-contained file
        return Snapshot(tables=sqlite_counts(target), migrations=_sqlite_migrations(target))
    except sqlite3.Error as exc:
        raise BackupError(f"cannot copy the SQLite database {source_path}: {exc}") from exc
    finally:
        target.close()
        source.close()


def sqlite_counts(db: sqlite3.Connection) -> dict[str, int]:
    names = [
        str(row[0])
        for row in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"
        )
    ]
    return {n: int(db.execute(f"SELECT count(*) FROM {_quote(n)}").fetchone()[0]) for n in names}  # noqa: S608 - quoted names from sqlite_master


def _sqlite_migrations(db: sqlite3.Connection) -> dict[str, str]:
    try:
        return _latest(db.execute("SELECT app, name FROM django_migrations"))
    except sqlite3.OperationalError:
        raise BackupError(
            "the database has no django_migrations table: is it a migrated Yingji database?"
        ) from None


def _pg_snapshot(dest: Path) -> Snapshot:
    pg_dump = require_tool("pg_dump")
    tool = tool_version(pg_dump)
    server = server_version()
    check_tool_version("pg_dump", tool, server)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot_id = str(cursor.fetchone()[0])
        tables = pg_counts(cursor)
        cursor.execute("SELECT app, name FROM django_migrations")
        migrations = _latest(cursor.fetchall())
        # the transaction stays open until pg_dump has dumped the snapshot it exported
        run_tool(
            [pg_dump, "--format=custom", "--compress=0", f"--snapshot={snapshot_id}",
             "--no-password", f"--file={dest}"],
            "pg_dump",
        )  # fmt: skip
    return Snapshot(tables, migrations, server_version=server, tool_version=tool)


def pg_counts(cursor: Any) -> dict[str, int]:
    counts = {}
    for name in sorted(connection.introspection.table_names(cursor)):
        cursor.execute(f"SELECT count(*) FROM {_quote(name)}")  # noqa: S608 - quoted catalogue names
        counts[name] = int(cursor.fetchone()[0])
    return counts


def counts() -> dict[str, int]:
    """Rows per table in the configured database as it is now."""
    if vendor() == "sqlite":
        db = sqlite3.connect(sqlite_path(), timeout=20)
        try:
            return sqlite_counts(db)
        finally:
            db.close()
    with connection.cursor() as cursor:
        return pg_counts(cursor)


# ---------------------------------------------------------------- tools (PostgreSQL)


def require_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} is not on PATH: install the PostgreSQL client tools of the server's major "
            "version (e.g. `apt install postgresql-client-15`) to back up or restore a "
            "PostgreSQL database",
            code="tool_missing",
        )
    return path


def tool_version(path: str) -> int:
    done = subprocess.run(  # noqa: S603 - a PostgreSQL tool found on PATH, fixed arguments
        [path, "--version"], capture_output=True, text=True, timeout=30, check=False
    )
    match = _VERSION.search(done.stdout)
    if done.returncode != 0 or match is None:
        raise BackupError(f"cannot tell the version of {path}: {done.stdout or done.stderr}")
    return int(match.group(1))


def check_tool_version(name: str, tool: int, server: int) -> None:
    if tool < server:
        raise BackupError(
            f"{name} {tool} is older than the PostgreSQL {server} server and cannot dump or "
            f"restore it: install the PostgreSQL {server} client tools "
            f"(e.g. `apt install postgresql-client-{server}`) and put them first on PATH",
            code="tool_version",
        )


def server_version() -> int:
    connection.ensure_connection()
    return int(connection.pg_version) // 10000  # type: ignore[attr-defined]


def pg_env() -> dict[str, str]:
    """The environment for pg_dump/pg_restore: the connection of DATABASE_URL as PG* variables."""
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    for key, var in (
        ("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"), ("NAME", "PGDATABASE"),
    ):  # fmt: skip
        if db.get(key):
            env[var] = str(db[key])
    for option, value in (db.get("OPTIONS") or {}).items():
        if option in ("sslmode", "sslrootcert", "sslcert", "sslkey"):
            env[f"PG{option.upper()}"] = str(value)
    env.setdefault("PGCONNECT_TIMEOUT", "10")
    env["PGAPPNAME"] = "yingji-backup"
    return env


def run_tool(args: list[str], name: str) -> str:
    try:
        done = subprocess.run(  # noqa: S603 - a PostgreSQL tool, arguments without secrets
            args, env=pg_env(), capture_output=True, text=True, timeout=TOOL_TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired:
        raise BackupError(f"{name} did not finish in {TOOL_TIMEOUT // 3600} hours") from None
    if done.returncode != 0:
        tail = " | ".join(done.stderr.strip().splitlines()[-5:])
        raise BackupError(f"{name} failed (exit {done.returncode}): {tail}", code="tool_failed")
    return done.stdout


def database_name() -> str:
    name = str(settings.DATABASES["default"]["NAME"])
    if "=" in name or "://" in name:
        raise BackupError(f"unexpected PostgreSQL database name {name!r}")
    return name


# ---------------------------------------------------------------- restoring


def unknown_migrations(migrations: dict[str, str]) -> list[str]:
    """The archive's latest migrations that this code does not have (it is newer)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = set(loader.disk_migrations)
    for migration in loader.disk_migrations.values():
        known.update(migration.replaces)
    return [f"{app}.{name}" for app, name in sorted(migrations.items()) if (app, name) not in known]


def pending_migrations() -> list[str]:
    """Migrations of this code not applied to the restored database (`yingji manage migrate`)."""
    connection.close()
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{m.app_label}.{m.name}" for m, _backwards in plan]


def sqlite_integrity(path: Path) -> None:
    try:
        db = sqlite3.connect(path)
        try:
            result = [str(row[0]) for row in db.execute("PRAGMA integrity_check")]
        finally:
            db.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"the archived SQLite database is not usable: {exc}") from exc
    if result != ["ok"]:
        raise BackupError("the archived SQLite database fails its integrity check: " + result[0])


def sqlite_swap(staged: Path, stamp: str) -> Path | None:
    """Put ``staged`` in place of the live SQLite file atomically; the old file's new name.

    The live file's write-ahead log is checkpointed into it first, so the kept copy is whole;
    a hard link keeps it while ``os.replace`` swaps the name in one step (at every instant
    the database path is the old file or the new one). Leftover -wal/-shm files of the old
    database are moved aside: SQLite would otherwise replay them into the new one.
    """
    live = sqlite_path()
    kept: Path | None = None
    if live.exists():
        db = sqlite3.connect(live, timeout=20)
        try:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.DatabaseError:
            pass  # a damaged database is kept as it is
        finally:
            db.close()
        kept = live.with_name(f"{live.name}.before-restore-{stamp}")
        try:
            os.link(live, kept)
        except OSError:
            shutil.copy2(live, kept)
    os.replace(staged, live)
    for suffix in ("-wal", "-shm"):
        leftover = live.with_name(live.name + suffix)
        if leftover.exists():
            if kept is not None and suffix == "-wal" and leftover.stat().st_size:
                os.replace(leftover, kept.with_name(kept.name + suffix))
            else:
                leftover.unlink()
    return kept


def pg_tables() -> list[str]:
    with connection.cursor() as cursor:
        return sorted(connection.introspection.table_names(cursor))


def pg_dump_to(dest: Path) -> None:
    """A plain pg_dump of the current database (custom format, compressed)."""
    tool = require_tool("pg_dump")
    check_tool_version("pg_dump", tool_version(tool), server_version())
    run_tool([tool, "--format=custom", "--no-password", f"--file={dest}"], "pg_dump")


def pg_restore(dump: Path) -> None:
    """Restore the dump over the configured database in one transaction (all or nothing)."""
    tool = require_tool("pg_restore")
    connection.close()
    run_tool(
        [tool, "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
         "--exit-on-error", "--no-password", f"--dbname={database_name()}", str(dump)],
        "pg_restore",
    )  # fmt: skip


def pg_check_dump(dump: Path, made_by: int | None) -> None:
    """pg_restore can read the dump (its table of contents lists every table)."""
    tool = require_tool("pg_restore")
    if made_by is not None:
        version = tool_version(tool)
        if version < made_by:
            raise BackupError(
                f"pg_restore {version} cannot read a dump made by pg_dump {made_by}: install "
                f"the PostgreSQL {made_by} client tools and put them first on PATH",
                code="tool_version",
            )
    run_tool([tool, "--list", str(dump)], "pg_restore --list")


# ---------------------------------------------------------------- who else is using it


def other_users() -> list[str]:
    """Processes (SQLite) or sessions (PostgreSQL) other than this one using the database."""
    if vendor() == "sqlite":
        live = sqlite_path()
        return _processes_with({str(live), f"{live}-wal", f"{live}-shm"})
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, application_name, coalesce(host(client_addr), 'local') "
            "FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        )
        rows = cursor.fetchall()
    connection.close()
    return [f"session {pid} ({app or 'no name'}, {addr})" for pid, app, addr in rows]


def _processes_with(paths: set[str]) -> list[str]:
    """Processes with one of ``paths`` open (Linux /proc; elsewhere nothing is found)."""
    found = []
    me = os.getpid()
    with contextlib.suppress(OSError):
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) == me:
                continue
            if paths.intersection(_open_files(entry)):
                try:
                    raw = (entry / "cmdline").read_bytes()
                    command = raw.replace(b"\0", b" ").decode(errors="replace").strip()
                except OSError:
                    command = "?"
                found.append(f"process {entry.name} ({command[:80]})")
    return found


def _open_files(process: Path) -> set[str]:
    names: set[str] = set()
    try:
        fds = list((process / "fd").iterdir())
    except OSError:  # gone, or not ours to look at
        return names
    for fd in fds:
        with contextlib.suppress(OSError):  # closed meanwhile
            names.add(os.readlink(fd))
    return names
