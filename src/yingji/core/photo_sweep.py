"""Evidence photo files that no row refers to: removed once no transaction can still commit one.

A photo's file is written before its row (:func:`yingji.core.photos.store_photo`), so that a
row never points at a file that is not there. When the transaction that creates the row rolls
back — the caller's own block fails after the photo (a hidden-hazard report refused for another
field), the database goes away, the process is killed between the write and the commit — the
file stays without a row: personal data on disk, seen by no one, kept forever. Django offers
no hook on rollback (``on_commit`` callbacks are simply dropped), so this periodic sweep is
the guarantee. It walks ``DATA_DIR/photos`` and removes

- a photo file (``<sha256><ext>``, the only names the store writes) older than the grace
  period that no Photo row refers to: rows are looked up by ``sha256`` (indexed) in batches,
  and a row's ``file`` must be this file's path exactly — the same bytes stored for another
  purpose or month are another file, with rows of their own;
- a ``.upload-*.part`` temporary file of :func:`yingji.core.files.write_atomic` older than the
  grace period (left by a killed process);

and leaves alone links (never followed: the walk and every removal work through directory
descriptors), special files and names the store never writes. A file is removed through
:func:`yingji.core.photos.discard_in`, so an upload that shares an old orphan's bytes at that
moment keeps it (or writes it again). Files renamed aside by an interrupted removal are put
back first and judged like the others.

Grace period: 6 hours. A row is created in the same web request (or job) that wrote the file,
so its transaction commits or rolls back within that request: seconds, minutes at worst under
a stalled lock or a PostgreSQL failover. Six hours is far beyond any request or job timeout and
any clock skew between hosts sharing a data directory, yet short enough that a rolled-back
photo does not linger: with a sweep every 6 hours, an orphan is gone within 12.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import os
import re
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from yingji.core import audit, jobs
from yingji.core.errors import InvalidInput
from yingji.core.models import Photo
from yingji.core.photos import FORMATS, TOMBSTONE, discard_in, photos_root, put_back

log = logging.getLogger(__name__)

SWEEP_KIND: Final = "core.photo_sweep"
GRACE: Final = dt.timedelta(hours=6)
MIN_GRACE: Final = dt.timedelta(hours=1)  # never less: a request may still be committing
PERIOD: Final = 6 * 3600  # seconds between sweeps (schedule.every in core/apps.py)
BATCH: Final = 500  # files looked up in one query
AUDIT_FILES: Final = 100  # removed paths named in the audit entry and the job result
_EXTENSIONS = "|".join(sorted(re.escape(ext) for ext, _type, _names in FORMATS.values()))
PHOTO_NAME: Final = re.compile(rf"[0-9a-f]{{64}}(?:{_EXTENSIONS})")
TEMP_NAME: Final = re.compile(r"\.upload-[^/]+\.part")


@dataclass
class SweepResult:
    orphans: int = 0  # photo files without a row, removed
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
        counts = {k: v for k, v in vars(self).items() if k not in ("removed", "seconds")}
        return {**counts, "removed": self.removed[:AUDIT_FILES], "seconds": self.seconds}

    def summary(self) -> str:
        return (
            f"removed {self.orphans} orphan photo file(s) ({self.orphan_bytes} bytes) and "
            f"{self.temp_files} stale temporary file(s) ({self.temp_bytes} bytes); kept "
            f"{self.referenced} with a row, {self.recent} younger than the grace period; "
            f"skipped {self.skipped} link(s) or foreign file(s)"
            + (f"; {self.errors} error(s), see the log" if self.errors else "")
        )


def sweep(*, grace: dt.timedelta = GRACE, batch: int = BATCH) -> SweepResult:
    """Remove the photo files no row refers to and the stale temporary files (module doc)."""
    if grace < MIN_GRACE:
        raise InvalidInput(f"The grace period must be at least {MIN_GRACE}", field="grace")
    started = time.monotonic()
    result = SweepResult()
    root = photos_root()
    if root.is_symlink() or not root.is_dir():
        if root.exists() or root.is_symlink():
            log.warning("photo sweep: %s is not a directory (a link?); nothing swept", root)
        return result
    cutoff = time.time_ns() - int(grace.total_seconds() * 1e9)
    for dirpath, _dirs, names, folder in os.fwalk(root, follow_symlinks=False):
        here = Path(dirpath).relative_to(root).as_posix()
        _Folder(folder, "" if here == "." else f"{here}/", cutoff, result).sweep(names, batch)
    result.seconds = round(time.monotonic() - started, 3)
    log.info("photo sweep: %s in %.1f s", result.summary(), result.seconds)
    if result.orphans or result.temp_files:
        audit.record(
            actor=None,
            action="photo_sweep",
            object_type=Photo._meta.label_lower,
            object_repr=f"{result.orphans} orphan photo file(s)",
            after=result.as_dict(),
            message=result.summary(),
        )
    return result


@dataclass
class _Folder:
    """One directory of the photo root, open as ``fd``, at ``prefix`` inside the root."""

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
            if name.startswith(TOMBSTONE) and PHOTO_NAME.fullmatch(original):
                put_back(self.fd, original)
                present.discard(name)
                present.add(original)
        return present

    def triage(self, name: str) -> int | None:
        """Count or remove what needs no row lookup; a photo file old enough: its mtime."""
        result = self.result
        try:
            info = os.stat(name, dir_fd=self.fd, follow_symlinks=False)
        except FileNotFoundError:
            return None
        except OSError as exc:
            self.failed(name, exc)
            return None
        if not stat.S_ISREG(info.st_mode) or not (
            PHOTO_NAME.fullmatch(name) or TEMP_NAME.fullmatch(name)
        ):
            result.skipped += 1
        elif info.st_mtime_ns >= self.cutoff:
            result.recent += 1
        elif PHOTO_NAME.fullmatch(name):
            return info.st_mtime_ns
        elif self.unlink(name):
            result.temp_files += 1
            result.temp_bytes += info.st_size
            result.note(self.prefix + name)
        return None

    def judge(self, chunk: list[tuple[str, int]]) -> None:
        """Remove the files of ``chunk`` that no row refers to."""
        result = self.result
        shas = {name[:64] for name, _mtime in chunk}
        files = set(Photo.objects.filter(sha256__in=shas).values_list("file", flat=True))
        for name, mtime in chunk:
            relative = self.prefix + name
            if relative in files:
                result.referenced += 1
                continue
            again = functools.partial(_has_row, name[:64], relative)
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
            log.debug("photo sweep removed %s (%d bytes, no row)", relative, size)

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
        log.warning("photo sweep could not handle %s%s: %s", self.prefix, name, exc)


def _has_row(sha: str, relative: str) -> bool:
    return Photo.objects.filter(sha256=sha, file=relative).exists()


@jobs.job_kind(SWEEP_KIND, "照片孤立文件清理 orphan photo file sweep")
def run_sweep(context: jobs.JobContext) -> dict[str, Any]:
    result = sweep()
    context.log(result.summary())
    return result.as_dict()
