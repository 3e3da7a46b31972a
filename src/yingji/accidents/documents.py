"""Investigation reports as files: PDF or Word (.docx), checked by content and stored safely.

An upload is identified by its bytes, not its name or declared type: a PDF starts with
``%PDF-`` and ends with ``%%EOF``; a .docx is a ZIP holding ``[Content_Types].xml`` that
declares a Word main document. Refused: empty or oversized files, anything else (old .doc,
macro-enabled .docm, HTML, programs), names that claim another type, and ZIPs that would
expand enormously (a zip bomb) or hold too many entries. Nothing is extracted or executed.

Files live under ``DATA_DIR/accidents/reports/<yyyy>/<mm>/<sha256>.<ext>``, named by the hash
of their bytes and written atomically; a path read back from the database is checked to lie
inside that directory before it is opened.

A file is written before the Investigation row that names it is saved. When that transaction
rolls back (a later step of the service fails, the caller's outer block fails, the process is
killed before the commit), the file has no row. Such files are removed by the sweep of
:mod:`yingji.core.orphans` (job ``accidents.report_sweep``, every 6 hours, files older than 6
hours), which keeps a file that an Investigation row names (``report_file``, exactly) or that
the audit trail of investigations names as a report once filed: an entry's ``changes`` holds
``report_file: [old, new]`` whenever a report is attached or replaced, so a replaced report —
evidence of what was filed — stays with its entry. Files are placed with
:func:`yingji.core.orphans.place` (a file already there is touched), so the sweep never
removes a file an upload is about to share. A service that wraps its transaction in
:func:`discarded_on_error` removes at once what it wrote when that transaction fails.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import logging
import os
import re
import unicodedata
import zipfile
from collections.abc import Collection, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from yingji.accidents.models import Investigation
from yingji.core import orphans
from yingji.core.errors import InvalidInput, NotFound
from yingji.core.files import read_capped
from yingji.core.models import AuditEntry

log = logging.getLogger(__name__)

MAX_BYTES: Final = 20 * 1024 * 1024  # settings.YINGJI_DOCUMENT_MAX_BYTES overrides
MAX_ZIP_ENTRIES: Final = 2000
MAX_ZIP_EXPANDED: Final = 200 * 1024 * 1024
MAX_ZIP_RATIO: Final = 200  # expanded ÷ compressed, per entry
NAME_MAX: Final = 200
PDF: Final = "application/pdf"
DOCX: Final = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
KINDS: Final = {PDF: ".pdf", DOCX: ".docx"}
WORD_MAIN: Final = b"wordprocessingml.document.main+xml"
SWEEP_KIND: Final = "accidents.report_sweep"
REPORT_NAME: Final = re.compile(
    rf"[0-9a-f]{{64}}(?:{'|'.join(sorted(re.escape(ext) for ext in KINDS.values()))})"
)
# (absolute path, mtime, relative path) of the files store() wrote inside discarded_on_error()
_WRITTEN: ContextVar[list[tuple[Path, int, str]] | None] = ContextVar(
    "yingji_reports_written", default=None
)


@dataclass(frozen=True)
class Stored:
    file: str  # relative to documents_root()
    name: str  # the uploaded name, cleaned
    content_type: str
    size: int
    sha256: str


def documents_root() -> Path:
    return Path(settings.DATA_DIR).resolve() / "accidents" / "reports"


def _limit() -> int:
    value = getattr(settings, "YINGJI_DOCUMENT_MAX_BYTES", None)
    return int(value) if value else MAX_BYTES


def _refuse(message: str, code: str) -> InvalidInput:
    return InvalidInput(message, field="report", code=code)


def clean_name(name: str) -> str:
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip()
    if len(base) > NAME_MAX:
        stem, ext = os.path.splitext(base)
        base = stem[: NAME_MAX - len(ext[:10])] + ext[:10]
    return base


def _is_pdf(data: bytes) -> bool:
    return data.startswith(b"%PDF-") and b"%%EOF" in data[-2048:]


def _check_docx(data: bytes) -> None:
    """A Word document (not a macro-enabled one), whose ZIP is of sane size."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise _refuse(_("The file is a damaged ZIP/Word document."), "report_damaged") from exc
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ZIP_ENTRIES:
            raise _refuse(_("The Word document holds too many parts."), "report_too_large")
        expanded = 0
        for entry in entries:
            expanded += entry.file_size
            ratio = entry.file_size / max(entry.compress_size, 1)
            if expanded > MAX_ZIP_EXPANDED or (
                entry.file_size > 1_000_000 and ratio > MAX_ZIP_RATIO
            ):
                raise _refuse(
                    _("The Word document expands to an implausible size."), "report_too_large"
                )
        names = {entry.filename for entry in entries}
        if "[Content_Types].xml" not in names:
            raise _refuse(_("Only PDF and Word (.docx) files are accepted."), "report_type")
        if any(n.lower().endswith("vbaproject.bin") for n in names):
            raise _refuse(
                _("Macro-enabled Word files are not accepted; save it as .docx."), "report_type"
            )
        try:
            types = archive.open("[Content_Types].xml").read(1_000_000)
        except (zipfile.BadZipFile, OSError, RuntimeError) as exc:  # encrypted, corrupt
            raise _refuse(_("The file is a damaged ZIP/Word document."), "report_damaged") from exc
    if WORD_MAIN not in types or b"macroEnabled" in types:
        raise _refuse(_("Only PDF and Word (.docx) files are accepted."), "report_type")


def identify(data: bytes, name: str) -> str:
    """The content type of an acceptable report, or the refusal (field "report")."""
    limit = _limit()
    if not data:
        raise _refuse(_("The report file is empty."), "report_empty")
    if len(data) > limit:
        raise _refuse(
            _("The report is larger than %(mb)d MB.") % {"mb": limit // 2**20}, "report_too_large"
        )
    ext = os.path.splitext(name)[1].lower()
    if _is_pdf(data):
        kind = PDF
    elif data.startswith(b"PK\x03\x04"):
        _check_docx(data)
        kind = DOCX
    else:
        raise _refuse(_("Only PDF and Word (.docx) files are accepted."), "report_type")
    if ext and ext != KINDS[kind]:
        raise _refuse(
            _("The file is named %(ext)s but is a %(kind)s; the name must match.")
            % {"ext": ext[:12], "kind": KINDS[kind]},
            "report_extension",
        )
    return kind


def prepare(upload: Any) -> tuple[bytes, str, str]:
    """Read and check an upload: ``(bytes, clean name, content type)``; nothing written."""
    name = clean_name(getattr(upload, "name", "") or "")
    data = read_capped(upload, _limit())
    return data, name, identify(data, name)


def store(upload: Any) -> Stored:
    """Check and write one report; the stored file's description."""
    data, name, kind = prepare(upload)
    sha = hashlib.sha256(data).hexdigest()
    now = timezone.now()
    relative = f"{now:%Y}/{now:%m}/{sha}{KINDS[kind]}"
    path = documents_root() / relative
    written = orphans.place(path, data)  # a file already there is touched: the sweep spares it
    pending = _WRITTEN.get()
    if written is not None and pending is not None:
        pending.append((path, written, relative))
    return Stored(relative, name or f"report{KINDS[kind]}", kind, len(data), sha)


@contextlib.contextmanager
def discarded_on_error() -> Iterator[None]:
    """Remove the report files :func:`store` newly writes in this block if the block fails.

    Put it outside the transaction that saves their rows (``with discarded_on_error(),
    transaction.atomic():``), so the rollback comes first. A file an upload of the same bytes
    touched meanwhile, or that a row names after all, is kept. A rollback this block does not
    see (an outer transaction failing later) is left to the sweep.
    """
    written: list[tuple[Path, int, str]] = []
    token = _WRITTEN.set(written)
    try:
        yield
    except BaseException:
        for path, mtime, relative in written:
            try:
                orphans.discard(path, mtime, functools.partial(_is_referenced, relative))
            except Exception as exc:  # the sweep removes it later; the first error matters
                log.warning("report file %s left for the sweep: %s", relative, exc)
        raise
    finally:
        _WRITTEN.reset(token)


def referenced(paths: Collection[str]) -> set[str]:
    """Of these report paths, the ones kept: named by an Investigation row, or by the audit
    trail of investigations as a report once attached (replaced reports are evidence).

    Two queries whatever the number of paths: investigations are few (hundreds), and the
    audit entries read are those of investigations only (the ``object_type`` index), filtered
    in the database to the ones whose ``changes`` name one of these paths.
    """
    wanted = set(paths)
    rows = Investigation.objects.filter(report_file__in=wanted)
    named = set(rows.values_list("report_file", flat=True))
    rest = sorted(wanted - named)
    if rest:
        trail = AuditEntry.objects.filter(
            Q(changes__report_file__0__in=rest) | Q(changes__report_file__1__in=rest),
            object_type=Investigation._meta.label_lower,
        ).values_list("changes__report_file", flat=True)
        for change in trail:
            if isinstance(change, list):
                named.update(value for value in change if isinstance(value, str))
    return named & wanted


def _is_referenced(relative: str) -> bool:
    return relative in referenced([relative])


REPORTS: Final = orphans.register(
    orphans.Store(
        noun="report",
        kind=SWEEP_KIND,
        title="事故调查报告孤立文件清理 orphan investigation report sweep",
        root=documents_root,
        name=REPORT_NAME,
        referenced=referenced,
        audit_action="report_sweep",
        object_type=Investigation._meta.label_lower,
    )
)


def open_document(relative: str) -> Path:
    """The absolute path of a stored report, refused if it would lead outside the store."""
    root = documents_root()
    path = (root / relative).resolve()
    if not relative or not path.is_relative_to(root):
        log.warning("report path points outside the report store: %r", relative)
        raise NotFound(_("The report file is missing."), field="report")
    if not path.is_file():
        raise NotFound(_("The report file is missing."), field="report")
    return path
