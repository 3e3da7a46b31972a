"""Excel for every registry: the import template, reading a workbook, annotating its errors,
and the export (through :mod:`yingji.core.exports`)."""

from __future__ import annotations

import datetime as dt
import io
import secrets
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from python_calamine import CalamineWorkbook

from yingji.core import exports
from yingji.core.errors import InvalidInput
from yingji.core.files import check_unpacked_size, write_atomic
from yingji.core.registry import selectors
from yingji.core.registry.spec import RegistrySpec

if TYPE_CHECKING:
    from yingji.core.registry.services import RowError

DATA_SHEET = "数据"
LISTS_SHEET = "选项"
FIRST_DATA_ROW = 3  # row 1: labels, row 2: field keys
MAX_ROWS = 500_000
MAX_FILE_BYTES = 100 * 1024 * 1024
MAX_UNPACKED_BYTES = 600 * 1024 * 1024  # 500,000 rows of a wide registry unpack to ~400 MB
RED = PatternFill("solid", fgColor="F8D7DA")
GREY = Font(color="808080", italic=True)


def template(spec: RegistrySpec) -> bytes:
    """An empty workbook to fill: Chinese headers, field keys, one example, pick lists."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # noqa: S101 - a new workbook has one sheet
    sheet.title = DATA_SHEET
    lists = book.create_sheet(LISTS_SHEET)
    lists.sheet_state = "hidden"
    for index, column in enumerate(spec.columns, start=1):
        letter = get_column_letter(index)
        sheet.cell(1, index, column.label + (" *" if column.required else "")).font = Font(
            bold=True
        )
        sheet.cell(2, index, column.name).font = GREY
        example = sheet.cell(3, index, column.display(column.example))
        example.font = GREY
        sheet.column_dimensions[letter].width = max(12, len(column.label) * 2 + 4)
        options = [label for _v, label in column.choices] or (
            ["是", "否"] if column.kind == "bool" else []
        )
        if options:
            for row, option in enumerate(options, start=1):
                lists.cell(row, index, option)
            rule = DataValidation(
                type="list", formula1=f"'{LISTS_SHEET}'!${letter}$1:${letter}${len(options)}",
                allow_blank=not column.required, showErrorMessage=True,
                error=f"请选择 {column.label} 的可选值", errorTitle=column.label,
            )  # fmt: skip
            sheet.add_data_validation(rule)
            rule.add(f"{letter}{FIRST_DATA_ROW}:{letter}{MAX_ROWS}")
    sheet.freeze_panes = "A3"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def read(spec: RegistrySpec, content: bytes) -> list[tuple[int, dict[str, Any]]]:
    """``[(row number, {field: cell value})]`` of the data rows (empty rows skipped)."""
    if len(content) > MAX_FILE_BYTES:
        raise InvalidInput(f"The file is larger than {MAX_FILE_BYTES // 2**20} MB", field="file")
    check_unpacked_size(content, MAX_UNPACKED_BYTES)
    try:  # calamine (Rust) reads about 10× faster than openpyxl: 100,000 rows in seconds
        book = CalamineWorkbook.from_filelike(io.BytesIO(content))
        name = DATA_SHEET if DATA_SHEET in book.sheet_names else book.sheet_names[0]
        rows = iter(book.get_sheet_by_name(name).to_python(skip_empty_area=False))
    except Exception as exc:  # the reader raises many types for a file that is not xlsx
        raise InvalidInput("This is not an Excel (.xlsx) workbook", field="file") from exc
    labels = list(next(rows, ()) or ())
    keys = list(next(rows, ()) or ())
    mapping = _map_columns(spec, labels, keys)
    example = tuple(_text(c.display(c.example)) for c in spec.columns)
    result: list[tuple[int, dict[str, Any]]] = []
    for number, values in enumerate(rows, start=FIRST_DATA_ROW):
        if values is None or all(v is None or str(v).strip() == "" for v in values):
            continue
        row = {name: values[i] if i < len(values) else None for i, name in mapping.items()}
        if number == FIRST_DATA_ROW and _is_example(spec, row, example):
            continue
        result.append((number, row))
        if len(result) > MAX_ROWS:
            raise InvalidInput(f"More than {MAX_ROWS} rows; split the workbook", field="file")
    if not result:
        raise InvalidInput("The workbook has no data rows (they start on row 3)", field="file")
    return result


def _map_columns(spec: RegistrySpec, labels: Sequence[Any], keys: Sequence[Any]) -> dict[int, str]:
    by_label = {c.label: c.name for c in spec.columns}
    mapping: dict[int, str] = {}
    for index in range(max(len(labels), len(keys))):
        key = str(keys[index]).strip() if index < len(keys) and keys[index] else ""
        label = str(labels[index]).strip().rstrip("*").strip() if index < len(labels) and \
            labels[index] else ""  # fmt: skip
        name = key if key in spec.by_name else by_label.get(label)
        if name:
            mapping[index] = name
    missing = [c.label for c in spec.columns if c.required and c.name not in mapping.values()]
    if missing:
        raise InvalidInput(
            f"Missing required column(s): {'、'.join(missing)}. Start from the template "
            f"(yingji registry template {spec.name}).",
            field="file",
        )
    return mapping


def _is_example(spec: RegistrySpec, row: dict[str, Any], example: tuple[str, ...]) -> bool:
    return tuple(_text(row.get(c.name)) for c in spec.columns) == example


def _text(value: Any) -> str:
    """A cell as text, the same whichever reader produced it (300 and 300.0 alike)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.date):
        return value.isoformat()[:10]
    return str(value).strip()


def annotate(content: bytes, errors: Sequence[RowError], spec: RegistrySpec) -> bytes:
    """The uploaded workbook with bad cells in red, each with a comment saying why, and an
    errors column at the end of each bad row — so a user can fix and re-upload it."""
    book = load_workbook(io.BytesIO(content))
    sheet = book[DATA_SHEET] if DATA_SHEET in book.sheetnames else book.worksheets[0]
    keys = [str(c.value).strip() if c.value else "" for c in sheet[2]]
    labels = [str(c.value).strip().rstrip("*").strip() if c.value else "" for c in sheet[1]]
    by_label = {c.label: c.name for c in spec.columns}
    index = {(k if k in spec.by_name else by_label.get(lab, "")): i + 1
             for i, (k, lab) in enumerate(zip(keys, labels, strict=False))}  # fmt: skip
    notes_column = sheet.max_column + 1
    sheet.cell(1, notes_column, "错误 errors").font = Font(bold=True, color="9C0006")
    per_row: dict[int, list[str]] = {}
    for error in errors:
        per_row.setdefault(error.row, []).append(f"{error.label}: {error.message}")
        column = index.get(error.field)
        if column:
            cell = sheet.cell(error.row, column)
            cell.fill = RED
            cell.comment = Comment(error.message, "Yingji")
    for row, messages in per_row.items():
        sheet.cell(row, notes_column, "；".join(messages))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def register_export(spec: RegistrySpec) -> None:
    """Every registry exports its current filtered list, as a job, in chunks."""
    refs = [c.name for c in spec.columns if c.kind in ("ref", "region")]
    columns = tuple(
        exports.Column(f"{c.label} {c.name}", _cell(spec, c)) for c in spec.display_columns
    )
    exports.export(
        exports.Export(
            name=f"registry.{spec.name}",
            title=spec.title,
            columns=columns,
            rows=lambda actor, filters: selectors.records(actor, spec, filters).select_related(
                *refs
            ),
        )
    )


def _cell(spec: RegistrySpec, column: Any) -> Any:
    def value(obj: Any) -> Any:
        return column.display(selectors.values_of_column(spec, column, obj))

    return value


def imports_dir() -> Path:
    path = exports.export_dir().parent / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def save_upload(content: bytes, name: str) -> Path:
    """Keep an uploaded workbook in the data directory for a background import (written
    atomically: a full disk leaves no half-written workbook for the job to choke on)."""
    path = imports_dir() / name
    write_atomic(path, content)
    return path


def keep_annotated(spec: RegistrySpec, content: bytes, errors: Sequence[RowError]) -> str:
    """Save the annotated workbook under an unguessable name; return the name."""
    name = f"{spec.name}-errors-{secrets.token_hex(16)}.xlsx"
    save_upload(annotate(content, errors, spec), name)
    return name
