"""The inspection-item list in Excel: export what the user sees, edit, import it back.

One workbook, two sheets: 抽查事项 (one row per item) and 检查要点 (one row per check point,
by item code), so a checklist of any length fits. The export is the import template — a
round trip — which is why it is written here rather than by the generic single-sheet export
job: a list has hundreds of items at most, so it is built in the request.

An import checks every row with the same rules as the form and the API
(:func:`lists.clean_item`), then writes all of it or nothing; each refusal names the sheet,
the row and the field. A row whose code exists updates that item (if the user may change
it), others create items; every write is audited like a form edit.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from django.db import transaction
from openpyxl import Workbook, load_workbook  # type: ignore[import-untyped]
from openpyxl.styles import Font  # type: ignore[import-untyped]

from yingji.core import exports
from yingji.core.errors import DomainError, InvalidInput
from yingji.core.files import check_unpacked_size
from yingji.core.permissions import Cap, require
from yingji.enforcement.models import InspectionItem
from yingji.enforcement.services import lists
from yingji.kernels import codes

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yingji.core.models import User

    Actor = User | AnonymousUser

ITEMS: Final = "抽查事项"
POINTS: Final = "检查要点"
ITEM_COLUMNS: Final = (
    ("code", "事项编码"),
    ("name", "事项名称"),
    ("legal_basis", "法律依据"),
    ("region", "发布区域代码"),
    ("share", "抽查比例"),
    ("key_colours", "重点全查风险色"),
    ("industries", "适用行业代码"),
    ("hazchem_only", "仅危化企业"),
    ("active", "启用"),
)
POINT_COLUMNS: Final = (
    ("item", "事项编码"),
    ("id", "要点编号"),
    ("text", "检查内容"),
    ("basis", "依据"),
)
MAX_BYTES: Final = 5 * 2**20
MAX_UNPACKED_BYTES: Final = 100 * 2**20
MAX_ITEMS: Final = 2000
MAX_ROWS: Final = 50_000
XLSX: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def export(found: Iterable[InspectionItem]) -> bytes:
    """The items (already scoped and filtered by the caller) as the import workbook."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # noqa: S101 - a new workbook has one sheet
    sheet.title = ITEMS
    points = book.create_sheet(POINTS)
    for target, columns in ((sheet, ITEM_COLUMNS), (points, POINT_COLUMNS)):
        target.append([f"{label} {key}" for key, label in columns])
        for cell in target[1]:
            cell.font = Font(bold=True)
        target.freeze_panes = "A2"
    for item in found:
        sheet.append(
            [
                item.code,
                item.name,
                item.legal_basis,
                codes.display(item.region_id),
                item.share,
                item.key_colours,
                item.industries,
                "是" if item.hazchem_only else "否",
                "是" if item.active else "否",
            ]
        )
        for point in item.checklist or []:
            points.append(
                [item.code, point.get("id", ""), point.get("text", ""), point.get("basis", "")]
            )
    for target, widths in (
        (sheet, (16, 30, 50, 14, 10, 16, 16, 10, 8)),
        (points, (16, 10, 60, 40)),
    ):
        for index, width in enumerate(widths):
            target.column_dimensions[chr(65 + index)].width = width
    buffer = io.BytesIO()
    exports.no_formulas(book).save(buffer)
    return buffer.getvalue()


@dataclass(frozen=True)
class RowError:
    sheet: str
    row: int
    field: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"sheet": self.sheet, "row": self.row, "field": self.field, "message": self.message}


class ImportRefused(InvalidInput):
    """Nothing was imported; ``errors`` lists every row at fault."""

    def __init__(self, errors: list[RowError]) -> None:
        first = errors[0]
        super().__init__(f"{first.sheet} row {first.row}: {first.message}", field=first.field)
        self.errors = errors


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int


def _rows(
    book: Any, name: str, columns: tuple[tuple[str, str], ...]
) -> list[tuple[int, dict[str, Any]]]:
    if name not in book.sheetnames:
        raise InvalidInput(
            f"The workbook has no sheet {name!r}; start from an export", field="file"
        )
    rows = book[name].iter_rows(values_only=True)
    header = [str(v or "").strip() for v in next(rows, ())]
    index: dict[str, int] = {}
    for position, title in enumerate(header):
        for key, label in columns:
            if title in (key, label, f"{label} {key}") or title.endswith(f" {key}"):
                index[key] = position
    missing = [label for key, label in columns if key not in index]
    if missing:
        raise InvalidInput(f"Sheet {name}: missing column(s) {'、'.join(missing)}", field="file")
    out = []
    for number, values in enumerate(rows, start=2):
        if number > MAX_ROWS:
            raise InvalidInput(f"Sheet {name}: more than {MAX_ROWS} rows", field="file")
        if not values or all(v is None or str(v).strip() == "" for v in values):
            continue
        out.append(
            (number, {k: (values[i] if i < len(values) else None) for k, i in index.items()})
        )
    return out


def read(
    content: bytes,
) -> tuple[list[tuple[int, dict[str, Any]]], list[tuple[int, dict[str, Any]]]]:
    if len(content) > MAX_BYTES:
        raise InvalidInput(f"The file is larger than {MAX_BYTES // 2**20} MB", field="file")
    check_unpacked_size(content, MAX_UNPACKED_BYTES)
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # zip, XML and format errors all mean "not a workbook"
        raise InvalidInput("This is not an Excel (.xlsx) workbook", field="file") from exc
    try:
        return _rows(book, ITEMS, ITEM_COLUMNS), _rows(book, POINTS, POINT_COLUMNS)
    finally:
        book.close()


def _cell(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else value


def import_items(*, actor: Actor, content: bytes, dry_run: bool = False) -> ImportResult:
    """Validate the whole workbook, then create/update every item in one transaction."""
    require(actor, Cap.MANAGE_ENFORCEMENT)
    item_rows, point_rows = read(content)
    if not item_rows:
        raise InvalidInput(f"Sheet {ITEMS} has no items (they start on row 2)", field="file")
    if len(item_rows) > MAX_ITEMS:
        raise InvalidInput(f"At most {MAX_ITEMS} items per import", field="file")
    checklists: dict[str, list[dict[str, Any]]] = {}
    first_row: dict[str, int] = {}
    for number, row in point_rows:
        code = str(_cell(row["item"])).strip()
        first_row.setdefault(code, number)
        checklists.setdefault(code, []).append(
            {k: str(_cell(row[k])).strip() for k in ("id", "text", "basis")}
        )
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    plan: list[tuple[int, dict[str, Any], InspectionItem | None]] = []
    existing = {
        i.code: i
        for i in InspectionItem.objects.filter(
            code__in=[str(_cell(r["code"])).strip() for _n, r in item_rows]
        )
    }
    for number, row in item_rows:
        data = {k: _cell(v) for k, v in row.items()}
        code = str(data.get("code") or "").strip()
        data["checklist"] = checklists.get(code, [])
        if code in seen:
            errors.append(RowError(ITEMS, number, "code", f"{code} repeats row {seen[code]}"))
            continue
        seen[code] = number
        current = existing.get(code)
        try:
            if current is not None:
                lists.get_item(actor, current.pk)  # visible, else "not found"
                lists.may_change(actor, current)
            lists.clean_item(actor, data, current=current)
        except DomainError as exc:
            errors.append(RowError(ITEMS, number, exc.field or "code", exc.message))
            continue
        plan.append((number, data, current))
    orphans = sorted(set(checklists) - set(seen))
    errors += [
        RowError(
            POINTS,
            first_row[c],
            "item",
            f"check points of {c[:30]!r}, which is not in sheet {ITEMS}",
        )
        for c in orphans
    ]
    if errors:
        raise ImportRefused(errors)
    created = sum(1 for _n, _d, current in plan if current is None)
    if not dry_run:
        with transaction.atomic():
            for _number, data, current in plan:
                if current is None:
                    lists.create_item(actor=actor, data=data)
                else:
                    lists.update_item(actor=actor, pk=current.pk, data=data)
    return ImportResult(created, len(plan) - created)
