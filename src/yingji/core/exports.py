"""Excel export, the one way every registry exports: an asynchronous, chunked job.

A registry declares an :class:`Export` (columns and a scoped queryset for an actor) with
:func:`export`. Starting an export creates a job; the worker streams the rows into an .xlsx
file in the data directory chunk by chunk, reporting progress, so a province-wide export of
hundreds of thousands of rows neither times out a web request nor fills memory. The file is
downloadable by whoever may see the job.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Model, QuerySet
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from yingji.core import jobs
from yingji.core.errors import InvalidInput, NotFound
from yingji.core.models import Job, JobStatus, User

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yingji.regions.models import Region

CHUNK = 2000
MAX_ROWS = 1_000_000  # one sheet holds 1,048,576 rows
EXPORT_KIND = "core.export"


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
    path = export_dir() / str(job.result["file"])
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
    workbook.save(path)
    return done


def get(name: str) -> Export | None:
    return _EXPORTS.get(name)


@jobs.job_kind(EXPORT_KIND, "Excel export")
def run_export(context: jobs.JobContext, name: str, filters: dict[str, str]) -> dict[str, Any]:
    spec = _EXPORTS[name]
    actor = context.job.created_by
    if actor is None:
        raise InvalidInput("The user who asked for this export no longer exists")
    filename = f"{name}-{context.job.pk}.xlsx"
    done = write_workbook(spec, actor, filters, export_dir() / filename, context.progress)
    context.progress(100, f"wrote {filename}")
    return {"file": filename, "rows": done, "export": name}
