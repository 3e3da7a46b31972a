"""Backup and restore of a whole Yingji site: the database and the uploaded files.

:func:`create` writes one ``.tar.gz`` (layout and manifest: :mod:`.manifest`) from a
consistent snapshot of the database (:mod:`.database`) while web and workers keep running.
:func:`check` proves an archive whole and restorable here without changing anything.
:func:`restore` does the same check while staging every member beside where it belongs, asks
``confirm``, then swaps the database and each file store in (the previous ones are kept as
``*.before-restore-<stamp>``) and compares the rows per table with the manifest.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings

import yingji
from yingji.core.backup import archive, database
from yingji.core.backup.archive import Place, Progress
from yingji.core.backup.manifest import (
    DATABASE_MEMBERS,
    FILES_PREFIX,
    VENDOR_NAMES,
    BackupError,
    Manifest,
    Member,
    check_name,
    stores,
)

__all__ = [
    "BackupError",
    "BackupResult",
    "Manifest",
    "RestoreResult",
    "check",
    "create",
    "default_path",
    "restore",
]
UPLOAD_TEMP_PREFIX = ".upload-"  # core.files.write_atomic's files being written: skipped


def _quiet(_what: str, _done: int, _total: int) -> None:
    return None


def _stamp(now: datetime) -> str:
    return now.strftime("%Y%m%dT%H%M%SZ")


def default_path(now: datetime | None = None) -> Path:
    stamp = _stamp(now or datetime.now(UTC))
    return Path(settings.DATA_DIR).resolve() / "backups" / f"yingji-{stamp}.tar.gz"


@dataclass(frozen=True)
class BackupResult:
    path: Path
    manifest: Manifest
    size: int
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        m = self.manifest
        return {
            "path": str(self.path),
            "size": self.size,
            "vendor": m.vendor,
            "created_at": m.created_at,
            "tables": len(m.tables),
            "rows": m.rows,
            "files": len(m.files),
            "file_bytes": m.file_bytes,
            "database_bytes": m.database.size,
            "skipped": m.skipped,
            "seconds": round(self.seconds, 2),
        }


def create(*, path: Path | None = None, progress: Progress = _quiet) -> BackupResult:
    """Back the site up into ``path`` (default: :func:`default_path`; a directory: a new
    file in it). The archive appears under its name only when it is complete."""
    started, now = time.monotonic(), datetime.now(UTC)
    target = (path or default_path(now)).expanduser().resolve()
    if target.is_dir():
        target = target / default_path(now).name
    if target.exists():
        raise BackupError(f"{target} already exists: choose another name")
    vendor = database.vendor()
    try:
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with tempfile.TemporaryDirectory(dir=target.parent, prefix=".yingji-backup-") as work:
            dump = Path(work) / Path(DATABASE_MEMBERS[vendor]).name
            progress(f"dumping the {VENDOR_NAMES[vendor]} database", 0, 0)
            snap = database.snapshot(dump)
            files, sources, skipped = _collect(progress)
            progress("hashing the database dump", 0, 0)
            db_member = Member(
                DATABASE_MEMBERS[vendor], dump.stat().st_size, archive.sha256_of(dump)
            )
            manifest = Manifest(
                vendor=vendor,
                created_at=now.isoformat(timespec="seconds").replace("+00:00", "Z"),
                yingji_version=yingji.__version__,
                database=db_member,
                migrations=snap.migrations,
                tables=snap.tables,
                files=files,
                server_version=snap.server_version,
                tool_version=snap.tool_version,
                skipped=skipped,
            )
            sources[db_member.path] = dump
            partial = Path(work) / "archive.partial"
            archive.write(partial, manifest, sources, progress)
            _publish(partial, target)
    except FileExistsError:
        raise BackupError(f"{target} already exists: choose another name") from None
    except OSError as exc:
        raise _os_error("backup", exc) from exc
    return BackupResult(target, manifest, target.stat().st_size, time.monotonic() - started)


def _collect(progress: Progress) -> tuple[list[Member], dict[str, Path], list[str]]:
    """Every regular file of every store, hashed; links and special files are skipped."""
    found: list[tuple[str, Path, int]] = []
    skipped: list[str] = []
    for store, root in stores().items():
        if not root.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            here = Path(dirpath)
            for name in [*sorted(filenames), *(d for d in dirnames if (here / d).is_symlink())]:
                full = here / name
                if name.startswith(UPLOAD_TEMP_PREFIX):
                    continue
                member = f"{FILES_PREFIX}{store}/{full.relative_to(root).as_posix()}"
                info = full.lstat()
                if not stat.S_ISREG(info.st_mode):
                    skipped.append(f"{member} (not a regular file)")
                    continue
                try:
                    check_name(member)
                except BackupError:
                    skipped.append(f"{member} (a name that cannot be restored safely)")
                    continue
                found.append((member, full, info.st_size))
    total, done = sum(size for _m, _f, size in found), 0

    def seen(n: int) -> None:
        nonlocal done
        done += n
        progress("hashing files", done, total)

    # a file changed after this is caught when the archive is written (hashed again)
    files, sources = [], {}
    for name, full, size in found:
        try:
            files.append(Member(name, size, archive.sha256_of(full, seen)))
        except FileNotFoundError:  # an upload rolled back meanwhile: no row refers to it
            continue
        sources[name] = full
    return files, sources, skipped


@dataclass
class RestoreResult:
    manifest: Manifest
    counts: dict[str, int]  # rows per table after the restore
    kept: list[str] = field(default_factory=list)  # the previous database and stores
    pending_migrations: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def mismatches(self) -> dict[str, tuple[int | None, int | None]]:
        """Tables whose rows differ from the manifest: (manifest, restored)."""
        names = set(self.manifest.tables) | set(self.counts)
        return {
            n: (self.manifest.tables.get(n), self.counts.get(n))
            for n in sorted(names)
            if self.manifest.tables.get(n) != self.counts.get(n)
        }

    def as_dict(self) -> dict[str, Any]:
        m = self.manifest
        return {
            "ok": not self.mismatches,
            "archive_created_at": m.created_at,
            "vendor": m.vendor,
            "tables": len(m.tables),
            "rows": sum(self.counts.values()),
            "files": len(m.files),
            "mismatches": {
                n: {"manifest": a, "restored": b} for n, (a, b) in self.mismatches.items()
            },
            "kept": self.kept,
            "pending_migrations": self.pending_migrations,
            "seconds": round(self.seconds, 2),
        }


def _fits_here(manifest: Manifest) -> None:
    """Refuse an archive of the other database vendor, or one migrated past this code."""
    here = database.vendor()
    if manifest.vendor != here:
        raise BackupError(
            f"this archive holds a {VENDOR_NAMES[manifest.vendor]} database and this site runs "
            f"on {VENDOR_NAMES[here]}: a backup restores into the same kind of database only "
            "(to move between them, use `yingji manage dumpdata`/`loaddata`)",
            code="vendor",
        )
    newer = database.unknown_migrations(manifest.migrations)
    if newer:
        raise BackupError(
            f"the archive's database was migrated by a newer Yingji ({manifest.yingji_version}):"
            f" this code lacks {', '.join(newer[:5])}; upgrade Yingji, then restore",
            code="migrations",
        )


def check(path: Path, *, progress: Progress = _quiet) -> Manifest:
    """Prove ``path`` whole and restorable here; nothing is changed (the database dump is
    checked in a temporary directory in the data directory, then removed)."""
    data_dir = Path(settings.DATA_DIR).resolve()
    with tempfile.TemporaryDirectory(prefix=".yingji-check-", dir=data_dir) as work:
        dump = Path(work) / "database"

        def prepare(manifest: Manifest) -> Place:
            _fits_here(manifest)
            return lambda name: dump if name == manifest.database.path else None

        manifest = archive.scan(path, progress, prepare)
        _check_dump(manifest, dump)
    return manifest


def _check_dump(manifest: Manifest, dump: Path) -> None:
    if manifest.vendor == "sqlite":
        database.sqlite_integrity(dump)
    else:
        database.pg_check_dump(dump, manifest.tool_version)


class _Staging:
    """Where an archive's members are written before they are swapped in: beside their final
    place (same file system, so each swap is one rename)."""

    def __init__(self, stamp: str) -> None:
        self.stamp = stamp
        self.stores = stores()
        self.dirs = {
            name: root.parent / f".{root.name}.restore-{stamp}"
            for name, root in self.stores.items()
        }
        if database.vendor() == "sqlite":
            live = database.sqlite_path()
            self.dump = live.with_name(f".{live.name}.restore-{stamp}")
        else:
            self.dump = Path(settings.DATA_DIR).resolve() / f".yingji.pgdump.restore-{stamp}"
        self.database_member = ""
        self.created: list[Path] = []  # removed by clean(), whatever happens

    def open(self, manifest: Manifest) -> Place:
        self.database_member = manifest.database.path
        for path in (*self.dirs.values(), self.dump):
            if path.exists():
                raise BackupError(f"{path} is in the way (another restore?); remove it")
        self.dump.parent.mkdir(parents=True, exist_ok=True)
        needed = manifest.database.size + manifest.file_bytes
        free = shutil.disk_usage(self.dump.parent).free
        if needed > free:
            raise BackupError(
                f"the archive needs {needed / 2**20:,.0f} MB beside the database, "
                f"{free / 2**20:,.0f} MB are free in {self.dump.parent}; nothing was changed",
                code="disk_full",
            )
        for directory in self.dirs.values():
            directory.parent.mkdir(parents=True, exist_ok=True)
            directory.mkdir(mode=0o750)
            self.created.append(directory)
        self.created.append(self.dump)
        return self.place

    def place(self, name: str) -> Path:
        if name == self.database_member:
            return self.dump
        _files, store, rel = name.split("/", 2)
        base = self.dirs[store].resolve()
        dest = (base / rel).resolve()
        if not dest.is_relative_to(base):  # check_name already refused such names
            raise BackupError(f"refused: {name!r} points outside the restore directory")
        return dest

    def swap_stores(self) -> list[str]:
        """Each store's staged directory in its place; the previous ones kept (if not empty)."""
        kept = []
        for name, root in self.stores.items():
            staged = self.dirs[name]
            if not root.exists() and not any(staged.iterdir()):
                staged.rmdir()  # nothing there before, nothing in the archive
                continue
            old = root.with_name(f"{root.name}.before-restore-{self.stamp}")
            moved = root.exists()
            if moved:
                os.rename(root, old)
            try:
                os.rename(staged, root)
            except OSError:
                if moved:
                    os.rename(old, root)  # the store as it was
                raise
            _fsync_dir(root.parent)
            if moved and any(old.iterdir()):
                kept.append(str(old))
            elif moved:
                old.rmdir()
        return kept

    def clean(self) -> None:
        for path in self.created:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()


def restore(
    path: Path, *, confirm: Callable[[Manifest], bool], progress: Progress = _quiet
) -> RestoreResult | None:
    """Restore ``path`` over this site; None if ``confirm`` said no (nothing changed).

    Refused before anything changes: an archive that is not whole (truncated, a file
    altered, a member missing or extra, an unsafe name or a link), of the other database
    vendor, migrated by newer code, or a database in use by another process or session.
    """
    started = time.monotonic()
    stamp = _stamp(datetime.now(UTC))
    staging = _Staging(stamp)

    def prepare(manifest: Manifest) -> Place:
        _fits_here(manifest)
        _refuse_if_in_use()
        return staging.open(manifest)

    try:
        manifest = archive.scan(path, progress, prepare)
        progress("checking the database dump", 0, 0)
        _check_dump(manifest, staging.dump)
        _refuse_extra_tables(manifest)
        if not confirm(manifest):
            return None
        _refuse_if_in_use()
        os.sync()  # the staged files are on disk before they replace anything
        progress("restoring the database", 0, 0)
        kept = _restore_database(manifest, staging, stamp)
        progress("restoring files", 0, 0)
        try:
            kept += staging.swap_stores()
        except OSError as exc:
            raise BackupError(
                f"the database was restored but the uploaded files were not ({exc.strerror}: "
                f"{exc.filename}); fix that and run the restore again"
            ) from exc
    except OSError as exc:
        raise _os_error("restore", exc) from exc
    finally:
        staging.clean()
    progress("counting rows", 0, 0)
    counts = database.counts()
    return RestoreResult(
        manifest=manifest,
        counts=counts,
        kept=kept,
        pending_migrations=database.pending_migrations(),
        seconds=time.monotonic() - started,
    )


def _refuse_if_in_use() -> None:
    users = database.other_users()
    if users:
        more = f" and {len(users) - 3} more" if len(users) > 3 else ""
        raise BackupError(
            f"the database is in use by {'; '.join(users[:3])}{more}: stop the web server and "
            "the workers first (see docs/backup-and-recovery.md); nothing was changed",
            code="in_use",
        )


def _refuse_extra_tables(manifest: Manifest) -> None:
    """PostgreSQL: pg_restore --clean drops and re-creates the archive's tables only, so a
    database with other tables (made by another version's migrations) would end up mixed."""
    if manifest.vendor != "postgresql":
        return
    extra = sorted(set(database.pg_tables()) - set(manifest.tables))
    if extra:
        raise BackupError(
            f"the database has tables the archive does not ({', '.join(extra[:5])}): it was "
            "migrated by another Yingji version. Drop and re-create the database (DROP "
            "DATABASE …; CREATE DATABASE …), then restore; nothing was changed",
            code="extra_tables",
        )


def _restore_database(manifest: Manifest, staging: _Staging, stamp: str) -> list[str]:
    """The archived database in place of the current one; what was kept of the current one
    (SQLite: its file; PostgreSQL: a pg_dump of it, when it had tables)."""
    if manifest.vendor == "sqlite":
        kept = database.sqlite_swap(staging.dump, stamp)
        return [str(kept)] if kept else []
    saved = []
    if database.pg_tables():
        dump = Path(settings.DATA_DIR).resolve() / "backups" / f"before-restore-{stamp}.pgdump"
        dump.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        database.pg_dump_to(dump)
        saved.append(str(dump))
    database.pg_restore(staging.dump)
    return saved


def _publish(partial: Path, target: Path) -> None:
    """Give the complete archive its final name, in one step, never over another file."""
    try:
        os.link(partial, target)  # fails if the name is taken
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links
        if target.exists():
            raise FileExistsError(target) from None
        os.replace(partial, target)
    _fsync_dir(target.parent)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _os_error(what: str, exc: OSError) -> BackupError:
    where = f" ({exc.filename})" if exc.filename else ""
    return BackupError(f"{what} failed: {exc.strerror or exc}{where}")
