"""Content-addressed file stores, and the sweep of their files that no row refers to.

Evidence photos (:mod:`yingji.core.photos`) and accident investigation reports
(:mod:`yingji.accidents.documents`) are stored the same way: a file named by the hash of its
bytes (``<sha256><ext>``) is written before the row that names it, so that a row never points
at a missing file. When the transaction that creates the row rolls back — the caller's own
block fails later, the database goes away, the process is killed between the write and the
commit — the file stays without a row: personal data or evidence on disk, seen by no one,
kept forever. Django offers no hook on rollback (``on_commit`` callbacks are simply dropped),
so a periodic sweep is the guarantee. A :class:`Store` says what differs between stores (its
root, the names it writes, which of some paths its rows — or its audit trail — still name);
:func:`register` gives each store a job kind of its own, run every :data:`PERIOD` seconds, and
:func:`sweep` walks the store's root and removes

- a stored file older than the grace period that nothing refers to (looked up in batches);
- a ``.upload-*.part`` temporary file of :func:`yingji.core.files.write_atomic` older than the
  grace period (left by a killed process);

and leaves alone links (never followed: the walk and every removal work through directory
descriptors), special files and names the store never writes. Files renamed aside by an
interrupted removal are put back first and judged like the others.

Race with an upload of the same bytes: the upload reaches the file through :func:`place`,
which touches a file already there (or writes it again if it is gone); :func:`discard_in`
renames the file aside before it compares the mtime it judged, so either the upload's touch
shows and the file is kept, or the upload finds the file missing and writes it anew.

Grace period: 6 hours. A row is created in the same web request (or job) that wrote the file,
so its transaction commits or rolls back within that request: seconds, minutes at worst under
a stalled lock or a PostgreSQL failover. Six hours is far beyond any request or job timeout and
any clock skew between hosts sharing a data directory, yet short enough that a rolled-back
file does not linger: with a sweep every 6 hours, an orphan is gone within 12. One job kind per
store (not one job for all): each store keeps its own audit entries (object type and action)
and job result, and a store that fails (a broken directory, a missing table) does not stop the
other's sweep.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import logging
import os
import re
import stat
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from yingji.core import audit, jobs, schedule
from yingji.core.errors import InvalidInput
from yingji.core.files import write_atomic

log = logging.getLogger(__name__)

TOMBSTONE: Final = ".upload-sweep-"  # a file being discarded; the backup skips ".upload-" names
TOUCH_STEP_NS: Final = 2_000_000_000  # see place
GRACE: Final = dt.timedelta(hours=6)
MIN_GRACE: Final = dt.timedelta(hours=1)  # never less: a request may still be committing
PERIOD: Final = 6 * 3600  # seconds between sweeps of a store
BATCH: Final = 500  # files looked up in one query
AUDIT_FILES: Final = 100  # removed paths named in the audit entry and the job result
TEMP_NAME: Final = re.compile(r"\.upload-[^/]+\.part")

Referenced = Callable[[], bool]


@dataclass(frozen=True)
class Store:
    """What the sweep needs to know of one content-addressed store."""

    noun: str  # what its files are, in messages: "photo", "report"
    kind: str  # the job kind of its sweep
    title: str  # the job kind's title
    root: Callable[[], Path]  # its directory (read from the settings when called)
    name: re.Pattern[str]  # the names of the files it writes (``<sha256><ext>``)
    # Of these paths (relative to the root, "/"-separated), the ones still referred to: by a
    # row, or whatever else the store's owner wants kept. Called with a batch, then again
    # with a single path just before that file is removed.
    referenced: Callable[[Collection[str]], set[str]]
    audit_action: str  # of the audit entry recording what a sweep removed
    object_type: str  # the rows' model label, for that audit entry


# --- placing and discarding one file ----------------------------------------------------------


def place(path: Path, data: bytes) -> int | None:
    """Put ``data`` at ``path``; the new file's mtime (ns) if this call wrote it, else None.

    A file already there holds the same bytes (its name is their hash) and may be another
    row's, or an orphan of a rolled-back upload that the sweep is about to remove. Its mtime
    is set to now before this upload's row is created: the sweep spares a file touched after
    it judged it (:func:`discard`), and a file it already took away makes the touch fail, so
    the file is written again.
    """
    for _attempt in range(3):
        if write_atomic(path, data):
            return os.stat(path, follow_symlinks=False).st_mtime_ns
        try:
            # Later than both the clock and the old mtime, by more than a coarse file system's
            # time step (ext3: 1 s, FAT: 2 s): a touch always shows, however soon it comes.
            before = os.stat(path, follow_symlinks=False).st_mtime_ns
            now = max(time.time_ns(), before + TOUCH_STEP_NS)
            os.utime(path, ns=(now, now), follow_symlinks=False)
        except FileNotFoundError:
            continue  # removed between the check and the touch: write it again
        return None
    raise FileNotFoundError(errno.ENOENT, "the stored file keeps disappearing", str(path))


def discard(path: Path, mtime_ns: int, referenced: Referenced | None = None) -> int | None:
    """Remove the stored file at ``path`` unless it was touched since it was judged unused
    (its mtime is no longer ``mtime_ns``: an upload of the same bytes now shares it) or
    ``referenced()`` finds a row for it after all; the bytes removed, None if kept or gone.

    The file is first renamed aside, so an upload touching it from then on finds it missing
    and writes it again; only then is its mtime compared. A crash in between leaves the
    renamed file, which the sweep puts back first. Names are used relative to the directory
    opened here, so a directory swapped for a symlink meanwhile leads nowhere else.
    """
    flags = os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_NOFOLLOW", 0)
    try:
        folder = os.open(path.parent, flags)
    except FileNotFoundError:
        return None
    try:
        return discard_in(folder, path.name, mtime_ns, referenced)
    finally:
        os.close(folder)


def discard_in(
    folder: int, name: str, mtime_ns: int, referenced: Referenced | None = None
) -> int | None:
    """:func:`discard` for the file ``name`` in the open directory ``folder``."""
    aside = TOMBSTONE + name
    try:
        os.rename(name, aside, src_dir_fd=folder, dst_dir_fd=folder)
    except FileNotFoundError:
        return None
    try:
        info = os.stat(aside, dir_fd=folder, follow_symlinks=False)
        keep = (
            info.st_mtime_ns != mtime_ns
            or not stat.S_ISREG(info.st_mode)
            or (referenced is not None and referenced())
        )
        if not keep:
            os.unlink(aside, dir_fd=folder)
            return info.st_size
    except FileNotFoundError:
        return None  # put back by a sweep meanwhile (it judges the file itself)
    except BaseException:
        put_back(folder, name)
        raise
    put_back(folder, name)
    return None


def put_back(folder: int, name: str) -> None:
    """The file ``name`` renamed aside by :func:`discard_in` in its place again. If an upload
    wrote it anew meanwhile, that copy (the same bytes) stays and the renamed one goes."""
    aside = TOMBSTONE + name
    try:
        os.stat(name, dir_fd=folder, follow_symlinks=False)
    except FileNotFoundError:
        with contextlib.suppress(FileNotFoundError):
            os.rename(aside, name, src_dir_fd=folder, dst_dir_fd=folder)
        return
    with contextlib.suppress(FileNotFoundError):
        os.unlink(aside, dir_fd=folder)


# --- the sweep --------------------------------------------------------------------------------


@dataclass
class SweepResult:
    noun: str = "stored"  # the store's noun, for the summary
    orphans: int = 0  # stored files without a row, removed
    orphan_bytes: int = 0
    temp_files: int = 0  # stale .upload-*.part files, removed
    temp_bytes: int = 0
    referenced: int = 0  # old enough, and a row refers to them: kept
    recent: int = 0  # younger than the grace period: judged at a later sweep
    skipped: int = 0  # links, special files, names the store never writes: left alone
    errors: int = 0  # files that could not be judged or removed (logged): tried again next time
    removed: list[str] = field(default_factory=list)  # the first AUDIT_FILES paths removed
    seconds: float = 0.0

    def note(self, relative: str) -> None:
        if len(self.removed) < AUDIT_FILES:
            self.removed.append(relative)

    def as_dict(self) -> dict[str, Any]:
        counts = {k: v for k, v in vars(self).items() if k not in ("noun", "removed", "seconds")}
        return {**counts, "removed": self.removed[:AUDIT_FILES], "seconds": self.seconds}

    def summary(self) -> str:
        return (
            f"removed {self.orphans} orphan {self.noun} file(s) ({self.orphan_bytes} bytes) and "
            f"{self.temp_files} stale temporary file(s) ({self.temp_bytes} bytes); kept "
            f"{self.referenced} with a row, {self.recent} younger than the grace period; "
            f"skipped {self.skipped} link(s) or foreign file(s)"
            + (f"; {self.errors} error(s), see the log" if self.errors else "")
        )


def sweep(
    store: Store,
    *,
    grace: dt.timedelta = GRACE,
    batch: int = BATCH,
) -> SweepResult:
    """Remove the store's files nothing refers to and its stale temporary files (module doc)."""
    if grace < MIN_GRACE:
        raise InvalidInput(f"The grace period must be at least {MIN_GRACE}", field="grace")
    started = time.monotonic()
    result = SweepResult(noun=store.noun)
    root = store.root()
    if root.is_symlink() or not root.is_dir():
        if root.exists() or root.is_symlink():
            log.warning(
                "%s sweep: %s is not a directory (a link?); nothing swept",
                store.noun,
                root,
            )
        return result
    cutoff = time.time_ns() - int(grace.total_seconds() * 1e9)
    for dirpath, _dirs, names, fd in os.fwalk(root, follow_symlinks=False):
        here = Path(dirpath).relative_to(root).as_posix()
        prefix = "" if here == "." else f"{here}/"
        _Folder(store, fd, prefix, cutoff, result).sweep(names, batch)
    result.seconds = round(time.monotonic() - started, 3)
    log.info("%s sweep: %s in %.1f s", store.noun, result.summary(), result.seconds)
    if result.orphans or result.temp_files:
        audit.record(
            actor=None,
            action=store.audit_action,
            object_type=store.object_type,
            object_repr=f"{result.orphans} orphan {store.noun} file(s)",
            after=result.as_dict(),
            message=result.summary(),
        )
    return result


@dataclass
class _Folder:
    """One directory of a store's root, open as ``fd``, at ``prefix`` inside the root."""

    store: Store
    fd: int
    prefix: str
    cutoff: int  # ns: files last modified before it are old enough to judge
    result: SweepResult

    def sweep(self, names: list[str], batch: int) -> None:
        candidates = [
            (name, mtime)
            for name in sorted(self.put_back(names))
            if (mtime := self.triage(name)) is not None
        ]
        for start in range(0, len(candidates), batch):
            self.judge(candidates[start : start + batch])

    def put_back(self, names: list[str]) -> set[str]:
        """The names, with the files an interrupted removal renamed aside in place again."""
        present = set(names)
        for name in names:
            original = name.removeprefix(TOMBSTONE)
            if name.startswith(TOMBSTONE) and self.store.name.fullmatch(original):
                put_back(self.fd, original)
                present.discard(name)
                present.add(original)
        return present

    def triage(self, name: str) -> int | None:
        """Count or remove what needs no lookup; a stored file old enough: its mtime."""
        result, stored = self.result, self.store.name.fullmatch(name)
        try:
            info = os.stat(name, dir_fd=self.fd, follow_symlinks=False)
        except FileNotFoundError:
            return None
        except OSError as exc:
            self.failed(name, exc)
            return None
        if not stat.S_ISREG(info.st_mode) or not (stored or TEMP_NAME.fullmatch(name)):
            result.skipped += 1
        elif info.st_mtime_ns >= self.cutoff:
            result.recent += 1
        elif stored:
            return info.st_mtime_ns
        elif self.unlink(name):
            result.temp_files += 1
            result.temp_bytes += info.st_size
            result.note(self.prefix + name)
        return None

    def judge(self, chunk: list[tuple[str, int]]) -> None:
        """Remove the files of ``chunk`` that nothing refers to."""
        result, referenced = self.result, self.store.referenced
        kept = referenced([self.prefix + name for name, _mtime in chunk])
        for name, mtime in chunk:
            relative = self.prefix + name
            if relative in kept:
                result.referenced += 1
                continue

            def again(relative: str = relative) -> bool:
                return relative in referenced([relative])

            try:
                size = discard_in(self.fd, name, mtime, again)
            except OSError as exc:
                self.failed(name, exc)
                continue
            if size is None:  # touched by an upload meanwhile, or a row after all
                result.referenced += 1
                continue
            result.orphans += 1
            result.orphan_bytes += size
            result.note(relative)
            log.debug("%s sweep removed %s (%d bytes, no row)", self.store.noun, relative, size)

    def unlink(self, name: str) -> bool:
        try:
            os.unlink(name, dir_fd=self.fd)
        except FileNotFoundError:
            return False
        except OSError as exc:
            self.failed(name, exc)
            return False
        return True

    def failed(self, name: str, exc: OSError) -> None:
        self.result.errors += 1
        log.warning("%s sweep could not handle %s%s: %s", self.store.noun, self.prefix, name, exc)


def register(store: Store) -> Store:
    """Sweep ``store`` every :data:`PERIOD` seconds: its job kind, with the scheduler.

    Called where the store is defined, at import (like :func:`yingji.core.jobs.job_kind`), so
    the app that owns the store needs nothing more than importing it in its ``ready()``.
    """

    def run(context: jobs.JobContext) -> dict[str, Any]:
        result = sweep(store)
        context.log(result.summary())
        return result.as_dict()

    jobs.job_kind(store.kind, store.title)(run)
    schedule.every(store.kind, PERIOD)
    return store
