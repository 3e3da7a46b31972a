"""Backup and restore (issue 11): backup → wipe → restore gives back the same rows and the
same files, on SQLite and on PostgreSQL (whichever DATABASE_URL names).

A site of its own (a migrated database in a throwaway data directory, or a throwaway
PostgreSQL database) gets users, a rain station, a hidden hazard with its photo, an accident
report file, a file in MEDIA_ROOT and their audit entries; `yingji backup` runs in a separate
process, as every command here does. Rows are compared as per-table digests of every row
(not counts), files byte for byte. A bad archive (cut short, a byte altered, a member that
would land outside the site, a link, another vendor's database, newer migrations, …) is
refused before anything changes: the database and the files are then compared before and
after, and nothing may appear outside the site.
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
import os
import pty
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.monitoring.conftest import station_row
from tests.processes import throwaway_database
from yingji.core import backup
from yingji.core.backup import database as backup_database

PASSWORD = "correct-horse-battery-staple-9"
ESCAPED = ("escaped-x", "yingji-backup-test-escaped-x")  # names a bad member tries to write
TIMEOUT = 300  # seconds: only bounds a hang (a migration from scratch on a busy 2-core box)
STORES = ("photos", "accidents/reports", "media")  # the file stores, in the data directory

SEED = r"""
import io, json, os, sys
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yingji.settings")
django.setup()
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from yingji.accidents import documents
from yingji.core import services
from yingji.core.registry import services as registry
from yingji.hazards.services import report
from yingji.monitoring.specs import STATIONS
spec = json.load(sys.stdin)
staff = services.create_user(actor=None, username="xh_staff", password=spec["password"],
                             region_code="330106", roles=["county_staff"],
                             display_name="西湖区应急管理局")
grid = services.create_user(actor=None, username="xh_grid", password=spec["password"],
                            region_code="330106002", roles=["grid_worker"])
registry.create(actor=staff, spec=STATIONS, data=spec["station"])
jpeg = io.BytesIO()
Image.new("RGB", (64, 48), (200, 60, 40)).save(jpeg, "JPEG")
report.report(actor=grid, photos=[SimpleUploadedFile("现场.jpg", jpeg.getvalue())], data={
    "region": "330106002", "category": "equipment", "title": "压力表失效",
    "description": "反应釜压力表指针卡滞"})
documents.store(SimpleUploadedFile("调查报告.pdf", b"%PDF-1.4\n" + os.urandom(4000) + b"\n%%EOF\n"))
default_storage.save("imports/名单 2024.xlsx", ContentFile(os.urandom(3000)))
"""

WRITER = r"""
import os, time
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yingji.settings")
django.setup()
from datetime import timedelta
from django.contrib.sessions.models import Session
from django.utils import timezone
n = 0
while True:
    n += 1
    Session.objects.create(session_key=f"backup-test-{n:08d}", session_data="x" * 200,
                           expire_date=timezone.now() + timedelta(days=1))
    print(n, flush=True)
    time.sleep(0.005)  # about 150 sessions a second: a busy site, not a busy loop
"""


@dataclass
class Site:
    env: dict[str, str]
    data: Path
    cwd: Path  # where the commands run: a naive extraction of "../x" would land near it
    archive: Path
    summary: dict[str, Any]
    rows: dict[str, str]  # table → "count:digest of every row"
    files: dict[str, bytes]  # path under the data directory → bytes

    @property
    def postgres(self) -> bool:
        return self.env.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


def run(
    env: dict[str, str], args: list[str], cwd: Path | None = None, stdin: Any = None
) -> subprocess.CompletedProcess[str]:
    """``python ARGS`` in a separate process; ``stdin``: text to send, or a file descriptor."""
    return subprocess.run(
        [sys.executable, *args],
        env=env,
        cwd=cwd,
        input=stdin if isinstance(stdin, str) else None,
        stdin=None if isinstance(stdin, str) else (stdin or subprocess.DEVNULL),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def run_python(env: dict[str, str], script: str, stdin: str = "") -> str:
    done = run(env, ["-c", script], stdin=stdin)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def cli(site: Site, *args: str, stdin: Any = None) -> subprocess.CompletedProcess[str]:
    return run(site.env, ["-m", "yingji.cli", *args], cwd=site.cwd, stdin=stdin)


def stored_files(data: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(data)): path.read_bytes()
        for store in STORES
        for path in sorted((data / store).rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A migrated site with data and files, and its backup (the default path, --json)."""
    data = tmp_path_factory.mktemp("site")
    cwd = data.parent / f"{data.name}-cwd" / "a" / "b"
    cwd.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "YINGJI_TEST_DATA_DIR")}
    env.update(YINGJI_DATA_DIR=str(data), YINGJI_SECRET_KEY=secrets.token_urlsafe(40))
    with throwaway_database(env.get("DATABASE_URL")) as url:
        if url:
            env["DATABASE_URL"] = url
        for command in (["manage", "migrate", "--verbosity", "0"], ["regions", "load"]):
            done = run(env, ["-m", "yingji.cli", *command])
            assert done.returncode == 0, done.stderr[-2000:]
        seed = {"password": PASSWORD, "station": station_row()}
        run_python(env, SEED, stdin=json.dumps(seed))
        site = Site(env, data, cwd, Path(), {}, {}, stored_files(data))
        site.rows = rows_now(site)
        done = cli(site, "backup", "--json")
        assert done.returncode == 0, done.stderr
        site.summary = json.loads(done.stdout)
        site.archive = Path(site.summary["path"])
        yield site


def manifest_of(archive: Path) -> dict[str, Any]:
    with tarfile.open(archive, "r:gz") as tar:
        first = tar.next()
        assert first is not None
        assert first.name == "manifest.json"
        handle = tar.extractfile(first)
        assert handle is not None
        return dict(json.loads(handle.read()))


def test_backup_json_summary_and_archive_agree_with_the_site(site: Site) -> None:
    summary, archive = site.summary, site.archive
    assert archive.parent == site.data / "backups"
    assert archive.name.startswith("yingji-") and archive.name.endswith("Z.tar.gz")
    assert summary["size"] == archive.stat().st_size
    assert archive.stat().st_mode & 0o077 == 0  # everyone's data: readable by its owner only
    assert os.listdir(archive.parent) == [archive.name]  # no temporary left behind
    manifest = manifest_of(archive)
    expected_vendor = "postgresql" if site.postgres else "sqlite"
    assert manifest["database"]["vendor"] == summary["vendor"] == expected_vendor
    # the manifest's rows per table are those of the database when it was backed up
    counts = {t: int(v.split(":")[0]) for t, v in site.rows.items()}
    assert manifest["tables"] == {t: n for t, n in counts.items() if not t.startswith("sqlite_")}
    assert summary["tables"] == len(manifest["tables"]) == manifest["totals"]["tables"]
    assert summary["rows"] == sum(manifest["tables"].values()) > 27_000  # regions, users …
    assert manifest["tables"]["hazards_hiddenhazard"] == 1
    assert manifest["migrations"]["core"].startswith("00")
    # every uploaded file, with its SHA-256
    on_disk = {hashlib.sha256(data).hexdigest(): path for path, data in site.files.items()}
    listed = {f["sha256"]: f["path"] for f in manifest["files"]}
    assert summary["files"] == len(listed) == len(on_disk) == 3
    assert set(listed) == set(on_disk)
    assert any(p.startswith("files/media/imports/名单") for p in listed.values())
    assert summary["file_bytes"] == sum(len(d) for d in site.files.values())


def digest(rows: list[tuple[Any, ...]]) -> str:
    """'count:SHA-256' of a table's rows, in no particular order."""

    def canon(value: Any) -> str:
        if isinstance(value, memoryview):
            value = bytes(value)
        return "b:" + value.hex() if isinstance(value, bytes) else f"{type(value)}{value!r}"

    hashes = sorted(
        hashlib.sha256("\x1f".join(map(canon, row)).encode()).hexdigest() for row in rows
    )
    return f"{len(rows)}:" + hashlib.sha256("".join(hashes).encode()).hexdigest()


def rows_now(site: Site) -> dict[str, str]:
    """Every row of every table, as a digest per table (read directly, connection closed)."""
    if site.postgres:
        import psycopg
        from psycopg import sql

        with psycopg.connect(site.env["DATABASE_URL"]) as conn:
            tables = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            return {
                table: digest(
                    conn.execute(
                        sql.SQL("SELECT * FROM {}").format(sql.Identifier(table))
                    ).fetchall()
                )
                for (table,) in sorted(tables.fetchall())
            }
    db = sqlite3.connect(site.data / "yingji.sqlite3")
    try:
        tables = db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        return {
            table: digest(db.execute(f'SELECT * FROM "{table}"').fetchall())  # noqa: S608
            for (table,) in sorted(tables)
        }
    finally:
        db.close()


def wipe(site: Site) -> None:
    """The disaster: the database and every uploaded file gone."""
    for store in STORES:
        shutil.rmtree(site.data / store)
    if not site.postgres:
        for suffix in ("", "-wal", "-shm"):
            (site.data / f"yingji.sqlite3{suffix}").unlink(missing_ok=True)
        return
    import psycopg

    url = site.env["DATABASE_URL"]
    name = urllib.parse.urlsplit(url).path.lstrip("/")
    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as admin:
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


def test_round_trip_restores_the_same_rows_and_files(site: Site) -> None:
    wipe(site)
    assert stored_files(site.data) == {}
    done = cli(site, "restore", str(site.archive), "--yes", "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["ok"] is True
    assert result["mismatches"] == {}
    assert result["kept"] == []  # nothing was there to keep
    assert rows_now(site) == site.rows
    assert stored_files(site.data) == site.files


def count(line: str) -> int:
    assert line, "the writer stopped"
    return int(line)


def backup_while_writing(site: Site, archive: Path) -> tuple[int, int]:
    """Back up while another process writes sessions, one a transaction; restoring meanwhile
    is refused. (sessions in the backup, sessions written in the end)."""
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER], env=site.env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert writer.stdout is not None
        written = 0
        while written < 20:
            written = count(writer.stdout.readline())
        done = cli(site, "backup", str(archive), "--json")
        assert done.returncode == 0, done.stderr
        sessions = manifest_of(archive)["tables"]["django_session"]
        assert sessions >= 20
        while written <= sessions:  # the writer goes on after the snapshot
            written = count(writer.stdout.readline())
        done = cli(site, "restore", str(archive), "--yes")
        assert done.returncode == 2
        assert "in use by" in done.stderr and "stop the web server" in done.stderr
    finally:
        writer.terminate()
        writer.wait(timeout=TIMEOUT)
    written = int(rows_now(site)["django_session"].split(":")[0])
    assert written > sessions
    return sessions, written


def test_backup_while_writing_then_restore_over_the_live_site(site: Site, tmp_path: Path) -> None:
    """The backup is one instant of a site being written to (its manifest's counts are those
    of its dump, proven by the restore's own comparison); a restore over a live site keeps
    the previous database (whole, with its write-ahead log) and files aside."""
    second = tmp_path / "while-writing.tar.gz"
    sessions, written = backup_while_writing(site, second)
    done = cli(site, "restore", "--check", str(second))
    assert done.returncode == 0, done.stderr
    assert "archive OK" in done.stdout

    photo = next(p for p in site.files if p.startswith("photos/"))
    (site.data / photo).unlink()
    done = cli(site, "restore", str(second), "--yes", "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["ok"] is True  # every table has the manifest's rows: the snapshot's
    after = rows_now(site)
    assert after["django_session"].startswith(f"{sessions}:")
    assert {t: v for t, v in after.items() if t != "django_session"} == {
        t: v for t, v in site.rows.items() if t != "django_session"
    }
    assert stored_files(site.data) == site.files
    kept = [Path(p) for p in result["kept"]]
    assert any(p.name.startswith("photos.before-restore-") for p in kept)
    old_photos = next(p for p in kept if p.name.startswith("photos.before-restore-"))
    assert not (old_photos / photo.removeprefix("photos/")).exists()  # as it was: deleted
    if site.postgres:
        assert any(p.name.endswith(".pgdump") and p.stat().st_size > 0 for p in kept)
    else:
        old_db = next(p for p in kept if p.name.startswith("yingji.sqlite3.before-restore-"))
        db = sqlite3.connect(old_db)
        try:  # whole, with what was still in its write-ahead log
            assert db.execute("SELECT count(*) FROM django_session").fetchone()[0] == written
        finally:
            db.close()


# ---------------------------------------------------------------- refusals


Members = list[tuple[tarfile.TarInfo, bytes]]


_members: dict[Path, Members] = {}


def rewrite(site: Site, dest: Path, edit: Callable[[Members], Members]) -> Path:
    """A copy of the site's archive with ``edit`` applied to its members."""
    if site.archive not in _members:
        with tarfile.open(site.archive, "r:gz") as tar:
            _members[site.archive] = [
                (info, handle.read() if (handle := tar.extractfile(info)) else b"")
                for info in tar.getmembers()
            ]
    members = [(copy.copy(info), data) for info, data in _members[site.archive]]
    with tarfile.open(dest, "w:gz", compresslevel=1) as out:
        for info, data in edit(members):
            info.size = len(data) if info.isreg() else 0
            out.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return dest


def edit_manifest(change: Callable[[dict[str, Any]], None]) -> Callable[[Members], Members]:
    def edit(members: Members) -> Members:
        manifest = json.loads(members[0][1])
        change(manifest)
        return [(members[0][0], json.dumps(manifest).encode()), *members[1:]]

    return edit


def member(name: str, data: bytes = b"", kind: bytes = tarfile.REGTYPE, link: str = "") -> Any:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, link
    return info, data


def insert_after_database(*extra: tuple[tarfile.TarInfo, bytes]) -> Callable[[Members], Members]:
    """Extra members after the database dump: by then the restore has staged something."""
    return lambda members: [*members[:2], *extra, *members[2:]]


def flip_a_byte_of_a_file(members: Members) -> Members:
    out = []
    for info, data in members:
        flipped = bytes([data[0] ^ 1]) + data[1:] if info.name.startswith("files/photos/") else data
        out.append((info, flipped))
    return out


def broken_dump(members: Members) -> Members:
    """A database member that is not a database, with a manifest that agrees."""
    garbage = b"this is not a database dump " * 200
    manifest = json.loads(members[0][1])
    manifest["database"].update(size=len(garbage), sha256=hashlib.sha256(garbage).hexdigest())
    return [
        (members[0][0], json.dumps(manifest).encode()),
        (members[1][0], garbage),
        *members[2:],
    ]


def other_vendor(members: Members) -> Members:
    manifest = json.loads(members[0][1])
    theirs = "sqlite" if manifest["database"]["vendor"] == "postgresql" else "postgresql"
    name = {"sqlite": "database/yingji.sqlite3", "postgresql": "database/yingji.pgdump"}[theirs]
    manifest["database"].update(vendor=theirs, path=name)
    members[1][0].name = name
    return [(members[0][0], json.dumps(manifest).encode()), *members[1:]]


def without(prefix: str) -> Callable[[Members], Members]:
    return lambda members: [(i, d) for i, d in members if not i.name.startswith(prefix)]


def set_migration(manifest: dict[str, Any]) -> None:
    manifest["migrations"]["core"] = "9999_from_a_newer_yingji"


TAMPERED: dict[str, tuple[Callable[[Members], Members], str, str]] = {
    # name: (edit, error code, words of the message)
    "a photo's byte altered": (flip_a_byte_of_a_file, "tampered", "does not match its SHA-256"),
    "relative path out": (
        insert_after_database(member("files/photos/../../../escaped-x", b"x")),
        "unsafe_member",
        "outside the restore directory",
    ),
    "parent path": (
        insert_after_database(member("../../escaped-x", b"x")),
        "unsafe_member",
        "outside the restore directory",
    ),
    "absolute path": (
        insert_after_database(member(f"{tempfile.gettempdir()}/{ESCAPED[1]}", b"x")),
        "unsafe_member",
        "outside the restore directory",
    ),
    "symbolic link": (
        insert_after_database(member("files/photos/x.jpg", kind=tarfile.SYMTYPE, link="/etc")),
        "unsafe_member",
        "is a symbolic link",
    ),
    "hard link": (
        insert_after_database(
            member("files/photos/y.jpg", kind=tarfile.LNKTYPE, link="manifest.json")
        ),
        "unsafe_member",
        "is a hard link",
    ),
    "member not in the manifest": (
        insert_after_database(member("files/photos/extra.jpg", b"x")),
        "tampered",
        "not listed in its manifest",
    ),
    "photo missing": (without("files/photos/"), "incomplete", "lacks files/photos/"),
    "database dump missing": (without("database/"), "incomplete", "lacks database/yingji."),
    "no manifest": (without("manifest.json"), "manifest", "first member must be manifest.json"),
    "unknown format version": (
        edit_manifest(lambda m: m.update(format_version=99)),
        "format_version",
        "backup format 99",
    ),
    "newer migrations": (edit_manifest(set_migration), "migrations", "newer Yingji"),
    "other database vendor": (other_vendor, "vendor", "SQLite"),
    "dump not a database": (broken_dump, "", ""),
}


@pytest.mark.parametrize("case", list(TAMPERED))
def test_check_refuses_a_bad_archive(site: Site, tmp_path: Path, case: str) -> None:
    edit, code, words = TAMPERED[case]
    bad = rewrite(site, tmp_path / "bad.tar.gz", edit)
    with pytest.raises(backup.BackupError) as caught:
        backup.check(bad)
    if case == "other database vendor":  # names both vendors
        assert "SQLite" in caught.value.message and "PostgreSQL" in caught.value.message
    elif case == "dump not a database":
        expected = "pg_restore" if site.postgres else "not usable"
        assert expected in caught.value.message
    else:
        assert caught.value.code == code, caught.value.message
        assert words in caught.value.message


def test_check_refuses_a_truncated_archive_and_garbage(site: Site, tmp_path: Path) -> None:
    data = site.archive.read_bytes()
    for cut in (len(data) // 2, len(data) - 100):
        short = tmp_path / f"short-{cut}.tar.gz"
        short.write_bytes(data[:cut])
        with pytest.raises(backup.BackupError, match="truncated or corrupt") as caught:
            backup.check(short)
        assert caught.value.code == "corrupt"
    garbage = tmp_path / "garbage.tar.gz"
    garbage.write_bytes(os.urandom(5000))
    with pytest.raises(backup.BackupError, match="truncated or corrupt"):
        backup.check(garbage)


def state(site: Site) -> dict[str, Any]:
    """What a refused restore must not change: the database, the files, the directory."""
    found: dict[str, Any] = {
        "files": stored_files(site.data),
        "entries": sorted(p.name for p in site.data.iterdir()),
    }
    if site.postgres:
        import psycopg
        from psycopg import sql

        with psycopg.connect(site.env["DATABASE_URL"]) as conn:
            tables = conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            ).fetchall()
            for (table,) in tables:
                query = sql.SQL(
                    "SELECT count(*), md5(coalesce(string_agg(md5(t::text), '' "
                    "ORDER BY md5(t::text)), '')) FROM {} t"
                ).format(sql.Identifier(table))
                found[table] = conn.execute(query).fetchone()
    else:
        for suffix in ("", "-wal"):
            path = site.data / f"yingji.sqlite3{suffix}"
            found[path.name] = path.read_bytes() if path.exists() else None
    return found


def escaped(site: Site) -> list[Path]:
    places = [site.data, *site.data.parents[:3], site.cwd, *site.cwd.parents[:4]]
    places.append(Path(tempfile.gettempdir()))
    return [place / name for place in places for name in ESCAPED if (place / name).exists()]


@pytest.mark.parametrize("case", ["a photo's byte altered", "parent path", "symbolic link"])
def test_restore_refuses_a_bad_archive_and_changes_nothing(
    site: Site, tmp_path: Path, case: str
) -> None:
    edit, _code, words = TAMPERED[case]
    bad = rewrite(site, tmp_path / "bad.tar.gz", edit)
    before = state(site)
    done = cli(site, "restore", str(bad), "--yes")
    assert done.returncode == 2
    assert words in done.stderr and "nothing was changed" in done.stderr
    assert state(site) == before
    assert escaped(site) == []


def test_restore_without_yes_asks_on_a_terminal_and_refuses_elsewhere(site: Site) -> None:
    before = state(site)
    done = cli(site, "restore", str(site.archive))  # stdin: /dev/null, not a terminal
    assert done.returncode == 2
    assert "refusing to restore without --yes" in done.stderr
    assert state(site) == before

    parent, child = pty.openpty()
    try:
        os.write(parent, b"no\n")
        done = cli(site, "restore", str(site.archive), stdin=child)
    finally:
        os.close(child)
        os.close(parent)
    assert done.returncode == 1, done.stderr
    assert "Type yes to restore" in done.stderr
    assert "restore cancelled; nothing was changed" in done.stderr
    assert state(site) == before


# ---------------------------------------------------------------- PostgreSQL tools


def test_an_old_pg_dump_is_named_in_the_error() -> None:
    backup_database.check_tool_version("pg_dump", 15, 15)
    backup_database.check_tool_version("pg_dump", 16, 15)
    with pytest.raises(backup.BackupError, match=r"pg_dump 14 is older than the PostgreSQL 15"):
        backup_database.check_tool_version("pg_dump", 14, 15)


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
    reason="pg_dump is used for PostgreSQL only",
)
def test_backup_names_a_missing_or_old_pg_dump(site: Site, tmp_path: Path) -> None:
    fake = tmp_path / "bin"
    fake.mkdir()
    target = tmp_path / "out"
    target.mkdir()
    original_path = site.env["PATH"]
    try:
        site.env["PATH"] = str(fake)  # no pg_dump at all
        done = cli(site, "backup", str(target))
        assert done.returncode == 2
        assert "pg_dump is not on PATH" in done.stderr
        tool = fake / "pg_dump"
        tool.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 11.22'\n")
        tool.chmod(0o755)
        site.env["PATH"] = f"{fake}:{original_path}"
        done = cli(site, "backup", str(target))
        assert done.returncode == 2
        assert "pg_dump 11 is older than the PostgreSQL" in done.stderr
    finally:
        site.env["PATH"] = original_path
    assert list(target.iterdir()) == []  # no archive, not even half of one


def test_restore_exits_non_zero_when_rows_differ_from_the_manifest(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import argparse

    from yingji import cli_backup
    from yingji.core.backup.manifest import Member

    manifest = backup.Manifest(
        vendor="sqlite",
        created_at="2026-03-01T02:15:00Z",
        yingji_version="0.1.0",
        database=Member("database/yingji.sqlite3", 1, "0" * 64),
        migrations={"core": "0001_initial"},
        tables={"core_user": 3, "hazards_hiddenhazard": 2, "django_session": 0},
    )
    args = argparse.Namespace(path=Path("x.tar.gz"), json=True)
    same = backup.RestoreResult(
        manifest, {"core_user": 3, "hazards_hiddenhazard": 2, "django_session": 0}
    )
    assert cli_backup._report_restore(args, same) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True
    short = backup.RestoreResult(manifest, {"core_user": 3, "hazards_hiddenhazard": 1})
    assert cli_backup._report_restore(args, short) == 1
    out, err = capsys.readouterr()
    assert json.loads(out)["mismatches"] == {
        "django_session": {"manifest": 0, "restored": None},
        "hazards_hiddenhazard": {"manifest": 2, "restored": 1},
    }
    assert "row counts differ from the manifest in django_session, hazards_hiddenhazard" in err
