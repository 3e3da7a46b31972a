"""Excel export, the one way every registry exports: an asynchronous, chunked job.

A registry declares an :class:`Export` (columns and a scoped queryset for an actor) with
:func:`export`. Starting an export creates a job; the worker streams the rows into an .xlsx
file in the data directory chunk by chunk, reporting progress, so a province-wide export of
hundreds of thousands of rows neither times out a web request nor fills memory. The file is
downloadable by whoever may see the job.

The workbook is written to a temporary file beside its final name, flushed to disk and only
then renamed into place: a full disk (or any error) mid-write leaves no truncated .xlsx under
the name the download serves, and the job fails saying the disk is full.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import logging
import os
import stat
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Final

from django.conf import settings
from django.db.models import Model, QuerySet
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.writer.excel import ExcelWriter

from yingji.core import faults, jobs
from yingji.core.errors import DomainError, InvalidInput, NotFound
from yingji.core.files import write_via_temp
from yingji.core.models import Job, JobStatus, User

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yingji.regions.models import Region

log = logging.getLogger(__name__)

CHUNK = 2000
MAX_ROWS = 1_000_000  # one sheet holds 1,048,576 rows
EXPORT_KIND = "core.export"
PART: Final = ".part"  # a workbook being written: ".<final name>.<random>.part"
STALE_PART: Final = 3600  # seconds without a write after which a .part file is abandoned


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[Any], Any]


@dataclass(frozen=True)
class Export:
    name: str
    title: str
    columns: tuple[Column, ...]
    rows: Callable[[User, dict[str, str]], QuerySet[Any]]  # must be jurisdiction-scoped


_EXPORTS: dict[str, Export] = {}


def export(spec: Export) -> Export:
    """Register an export under its name."""
    _EXPORTS[spec.name] = spec
    return spec


def available() -> dict[str, str]:
    return {name: spec.title for name, spec in _EXPORTS.items()}


def start(
    *,
    actor: User | AnonymousUser,
    name: str,
    filters: dict[str, str] | None = None,
    region: Region | None = None,
) -> Job:
    """Queue an export of ``name`` as the actor sees it (their jurisdiction, their filters)."""
    spec = _EXPORTS.get(name)
    if spec is None:
        raise InvalidInput(f"Unknown export {name!r}", field="name")
    if not actor.is_authenticated:
        raise InvalidInput("Sign in to export", field="name")
    clean = {str(k)[:40]: str(v)[:100] for k, v in (filters or {}).items()}
    spec.rows(actor, clean).none()  # checks the actor's capability before queuing
    described = ", ".join(f"{k}={v}" for k, v in clean.items() if v)
    title = f"导出 Excel export: {spec.title}" + (f" ({described})" if described else "")
    params = {"name": name, "filters": clean}
    return jobs.start(actor=actor, kind=EXPORT_KIND, params=params, region=region, title=title)


def export_dir() -> Path:
    path = Path(settings.DATA_DIR) / "exports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def file_for(job: Job) -> Path:
    """The finished export file of a job (the job must already be access-checked)."""
    if job.kind != EXPORT_KIND or job.status != JobStatus.SUCCEEDED or not job.result:
        raise NotFound("This job has no file to download")
    name = str(job.result.get("file") or "")
    if not name or name.startswith(".") or "/" in name or "\\" in name:  # never a .part file
        raise NotFound("This job has no file to download")
    path = export_dir() / name
    if not path.is_file():
        raise NotFound("The export file is gone; run the export again")
    return path


def text_cell(sheet: Any, value: Any) -> Any:
    """``value`` for a write-only sheet; text that starts with "=" stays text.

    openpyxl writes such a string as a formula, so a record named ``=HYPERLINK(…)`` would run
    in the spreadsheet of whoever opens the export (formula injection).
    """
    if isinstance(value, str) and value.startswith("="):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    return value


def no_formulas(book: Workbook) -> Workbook:
    """``book`` with every cell openpyxl took for a formula turned back into its text.

    For the workbooks built in memory from records (reports, lists): no cell of theirs is
    meant to be a formula, and a user's text starting with "=" must not become one.
    """
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
    return book


def _chunks(queryset: QuerySet[Any]) -> Iterator[list[Model]]:
    chunk: list[Model] = []
    for row in queryset.iterator(chunk_size=CHUNK):
        chunk.append(row)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def write_workbook(
    spec: Export,
    actor: User | None,
    filters: dict[str, str],
    path: Path,
    progress: Callable[[int, str], None] | None = None,
) -> int:
    """Stream the rows the actor may see into ``path`` (xlsx), chunk by chunk; the row count."""
    queryset = spec.rows(actor, filters)  # type: ignore[arg-type]
    total = queryset.count()
    if total > MAX_ROWS:
        raise InvalidInput(f"{total} rows exceed one sheet ({MAX_ROWS}); narrow the filters")
    workbook = Workbook(write_only=True)
    try:
        done = _fill(workbook, spec, queryset, total, progress)
        save_atomic(workbook, path)
    except BaseException:
        _drop_streamed_rows(workbook)
        raise
    return done


def _fill(
    workbook: Workbook,
    spec: Export,
    queryset: QuerySet[Any],
    total: int,
    progress: Callable[[int, str], None] | None,
) -> int:
    sheet = workbook.create_sheet(spec.title[:31])
    bold = Font(bold=True)
    header = []
    for column in spec.columns:
        cell = WriteOnlyCell(sheet, value=column.header)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    done = 0
    for chunk in _chunks(queryset):
        for row in chunk:
            sheet.append([text_cell(sheet, column.value(row)) for column in spec.columns])
        done += len(chunk)
        if progress:
            progress(int(95 * done / max(total, 1)), f"{done}/{total} rows")
    return done


def _drop_streamed_rows(workbook: Workbook) -> None:
    """After a failed export, remove the rows openpyxl streamed to temporary files of its own.

    A write-only sheet writes its rows to a file in the system's temporary directory that is
    removed once the workbook is saved, or else only when the process exits: a worker that
    failed an export would keep the exported rows (personal data) there for its lifetime.
    """
    for sheet in workbook.worksheets:
        writer = getattr(sheet, "_writer", None)
        if writer is None or not getattr(writer, "out", None):
            continue
        for stream in (getattr(sheet, "_rows", None), getattr(writer, "xf", None)):
            if stream is not None:
                with contextlib.suppress(Exception):  # the XML left unfinished: no matter
                    stream.close()
        with contextlib.suppress(Exception):  # removed already, when it was saved
            writer.cleanup()


def save_atomic(workbook: Workbook, path: Path) -> None:
    """Save ``workbook`` as ``path``, which appears only complete (temporary file, fsync,
    rename); on any error no temporary file remains and an earlier file at ``path`` is kept.

    A path that is not a regular file (``/dev/stdout``, a pipe: the CLI's ``--out``) is
    written as it is; a symbolic link is followed, and the file it names replaced.
    """
    target = path.resolve() if path.is_symlink() else path
    if target.exists() and not target.is_file():
        workbook.save(target)
        return
    write_via_temp(
        target, functools.partial(_save_to, workbook), prefix=f".{target.name}.", suffix=PART
    )
    _fsync_dir(target.parent)


def _save_to(workbook: Workbook, fh: IO[bytes]) -> None:
    """``workbook.save(fh)`` (openpyxl's ``save_workbook``), closing the ZIP archive on
    failure too: left open, it would try to finish itself on the closed file when collected."""
    if workbook.write_only and not workbook.worksheets:
        workbook.create_sheet()
    workbook.properties.modified = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    archive = zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
    try:
        ExcelWriter(workbook, archive).save()
    except BaseException:
        with contextlib.suppress(Exception):  # the disk may still be full: nothing to keep
            archive.close()
        raise


def _fsync_dir(path: Path) -> None:
    """The rename on disk too (a crash right after it could otherwise lose it)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:  # some file systems refuse to sync a directory; the file itself is
        pass
    finally:
        os.close(fd)


def remove_stale_parts(directory: Path, older_than: float = STALE_PART) -> int:
    """Remove the temporary workbooks a killed worker left in ``directory``; how many.

    A workbook being saved is written to continuously, so one untouched for ``older_than``
    seconds belongs to no running export.
    """
    cutoff, removed = time.time() - older_than, 0
    with os.scandir(directory) as entries:
        for entry in entries:
            if not (entry.name.startswith(".") and entry.name.endswith(PART)):
                continue
            with contextlib.suppress(FileNotFoundError):
                info = entry.stat(follow_symlinks=False)
                if stat.S_ISREG(info.st_mode) and info.st_mtime < cutoff:
                    os.unlink(entry.path)
                    removed += 1
    if removed:
        log.info("removed %d abandoned export file(s) from %s", removed, directory)
    return removed


def get(name: str) -> Export | None:
    return _EXPORTS.get(name)


@jobs.job_kind(EXPORT_KIND, "Excel export")
def run_export(context: jobs.JobContext, name: str, filters: dict[str, str]) -> dict[str, Any]:
    spec = _EXPORTS[name]
    actor = context.job.created_by
    if actor is None:
        raise InvalidInput("The user who asked for this export no longer exists")
    filename = f"{name}-{context.job.pk}.xlsx"
    directory = export_dir()
    try:
        remove_stale_parts(directory)
    except OSError as exc:  # tidying up is no reason to fail the export
        log.warning("could not tidy %s: %s", directory, exc)
    try:
        done = write_workbook(spec, actor, filters, directory / filename, context.progress)
    except Exception as exc:
        fault = faults.classify(exc)
        if fault is None or fault.code != "disk_full":
            raise
        raise DomainError(disk_full_message(fault), code="disk_full") from exc
    context.progress(100, f"wrote {filename}")
    return {"file": filename, "rows": done, "export": name}


def disk_full_message(fault: faults.Fault) -> str:
    """The job's error when the disk filled up during an export (the project's disk-full
    message, what was not written, and the cause for the administrator)."""
    return (
        "服务器数据磁盘已满，导出文件未写入；请通知系统管理员清理磁盘空间后重新导出。 "
        f"{fault.message} "
        f"The export file was not written ({fault.cause}); run the export again once space "
        "is freed."
    )
