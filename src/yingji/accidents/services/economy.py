"""County GDP (the denominator of deaths per 100 million yuan), imported from CSV or Excel.

A file is validated whole and committed whole: every row is checked (a county code in the
importer's jurisdiction, a year, a GDP in 亿元 > 0, each county-year once) and when any row is
wrong nothing is written and the refusal lists the rows at fault by their number in the file
(the header is row 1). A county-year already present is updated, so a corrected yearbook
figure can be re-imported.

Columns, by header (Chinese or English, any order): ``区划代码`` / ``region_code``,
``年份`` / ``year``, ``GDP（亿元）`` / ``gdp_100m_yuan``, optionally ``来源`` / ``source`` and
``名称`` / ``region_name`` (checked against the code, to catch shifted columns).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field as attribute
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Final

from django.db import transaction
from django.utils import timezone
from python_calamine import CalamineWorkbook

from yingji.accidents.models import RegionEconomy
from yingji.core import audit
from yingji.core.errors import InvalidInput
from yingji.core.files import check_unpacked_size
from yingji.core.permissions import Cap, require
from yingji.core.scoping import Jurisdiction, jurisdiction_of
from yingji.kernels import codes
from yingji.regions.models import Level, Region

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yingji.core.models import User

    Actor = User | AnonymousUser

MAX_BYTES: Final = 2 * 1024 * 1024
MAX_UNPACKED_BYTES: Final = 50 * 1024 * 1024
MAX_ROWS: Final = 10_000
MAX_GDP: Final = Decimal(50_000)  # 亿元: five times Hangzhou's; a county never comes close
FIRST_YEAR: Final = 1978
HEADERS: Final = {
    "region_code": ("region_code", "code", "区划代码", "行政区划代码", "代码"),
    "year": ("year", "年份", "年度"),
    "gdp_100m_yuan": (
        "gdp_100m_yuan",
        "gdp",
        "gdp（亿元）",
        "gdp(亿元)",
        "gdp亿元",
        "地区生产总值（亿元）",
        "地区生产总值(亿元)",
        "地区生产总值",
    ),
    "source": ("source", "来源", "数据来源"),
    "region_name": ("region_name", "name", "名称", "区县", "县（市、区）"),
}
REQUIRED: Final = ("region_code", "year", "gdp_100m_yuan")
SYNTHETIC_SOURCE: Final = "合成数据 synthetic (demo)"


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "message": self.message}


class ImportRejected(InvalidInput):
    """The whole file is refused; ``errors`` names every row at fault."""

    def __init__(self, errors: Sequence[RowError]) -> None:
        shown = "; ".join(f"row {e.row}: {e.field}: {e.message}" for e in errors[:10])
        more = f" (and {len(errors) - 10} more)" if len(errors) > 10 else ""
        super().__init__(
            f"Nothing imported, {len(errors)} problem(s): {shown}{more}",
            field="file",
            code="rejected",
        )
        self.errors = list(errors)


@dataclass(frozen=True)
class Row:
    number: int
    region: Region
    year: int
    gdp: Decimal
    source: str


def read_rows(content: bytes) -> list[tuple[int, dict[str, str]]]:
    """``[(row number, {column: text})]`` of a CSV or .xlsx file; blank rows skipped."""
    table = _table(content)
    if not table:
        raise InvalidInput("file: no header row", field="file")
    columns = _columns(table[0])
    out = []
    for number, row in enumerate(table[1:], start=2):
        if not any(str(v).strip() for v in row):
            continue
        values = {name: str(row[i]).strip() if i < len(row) else "" for i, name in columns.items()}
        out.append((number, values))
        if len(out) > MAX_ROWS:
            raise InvalidInput(f"file: more than {MAX_ROWS} rows", field="file")
    if not out:
        raise InvalidInput("file: no data rows under the header", field="file")
    return out


def _table(content: bytes) -> list[list[str]]:
    """The cells of the first sheet of an .xlsx, or of a CSV (UTF-8, else GB18030)."""
    if not content:
        raise InvalidInput("file: the file is empty", field="file")
    if len(content) > MAX_BYTES:
        raise InvalidInput(f"file: larger than {MAX_BYTES // 2**20} MB", field="file")
    if content.startswith(b"\xd0\xcf\x11\xe0"):
        raise InvalidInput("file: old Excel (.xls) is not read; save as .xlsx or CSV", field="file")
    if content.startswith(b"PK\x03\x04"):
        check_unpacked_size(content, MAX_UNPACKED_BYTES)
        try:
            book = CalamineWorkbook.from_filelike(io.BytesIO(content))
            grid = book.get_sheet_by_name(book.sheet_names[0]).to_python(skip_empty_area=False)
        except Exception as exc:  # calamine reports damage as several error types
            raise InvalidInput("file: not a readable .xlsx workbook", field="file") from exc
        return [[_cell(v) for v in row] for row in grid]
    for encoding in ("utf-8-sig", "gb18030"):  # GB18030: a CSV saved by Excel on Chinese Windows
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            raise InvalidInput("file: contains NUL characters; not a text CSV", field="file")
        return [list(row) for row in csv.reader(io.StringIO(text))]
    raise InvalidInput("file: neither CSV (UTF-8 or GB18030) nor .xlsx", field="file")


def _cell(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def _columns(header: Sequence[Any]) -> dict[int, str]:
    known = {alias.lower(): name for name, aliases in HEADERS.items() for alias in aliases}
    columns: dict[int, str] = {}
    for index, label in enumerate(header):
        name = known.get(str(label).strip().lower().replace(" ", ""))
        if name and name not in columns.values():
            columns[index] = name
    missing = [name for name in REQUIRED if name not in columns.values()]
    if missing:
        raise InvalidInput(
            f"file: no column for {', '.join(missing)} in the header row "
            f"(expected e.g. 区划代码, 年份, GDP（亿元）)",
            field="file",
        )
    return columns


def validate(
    actor: Actor, rows: list[tuple[int, dict[str, str]]], default_source: str
) -> tuple[list[Row], list[RowError]]:
    """Every row checked; the good rows and every problem found (all rows, not the first)."""
    wanted = set()
    for _number, row in rows:
        try:
            wanted.add(codes.to_12(row.get("region_code", "")))
        except codes.CodeError:
            continue
    check = _Checker(
        regions={r.code: r for r in Region.objects.filter(code__in=wanted)},
        jurisdiction=jurisdiction_of(actor),
        this_year=timezone.localdate().year,
        default_source=default_source,
    )
    good: list[Row] = []
    errors: list[RowError] = []
    for number, row in rows:
        found, problems = check(number, row)
        errors += [RowError(number, name, message) for name, message in problems]
        if found is not None:
            good.append(found)
    return good, errors


@dataclass
class _Checker:
    regions: dict[str, Region]
    jurisdiction: Jurisdiction
    this_year: int
    default_source: str
    seen: dict[tuple[str, int], int] = attribute(default_factory=dict)

    def region(self, code: str) -> tuple[Region | None, str]:
        try:
            region = self.regions.get(codes.to_12(code))
        except codes.CodeError as exc:
            return None, str(exc)
        if region is None:
            return None, f"no region has code {code[:20]}"
        if region.level != Level.COUNTY:
            return None, f"{region.name} is not a county: GDP is kept per county"
        if not self.jurisdiction.covers(region.path):
            return None, f"{region.name} is outside your jurisdiction"
        return region, ""

    def __call__(
        self, number: int, row: dict[str, str]
    ) -> tuple[Row | None, list[tuple[str, str]]]:
        problems: list[tuple[str, str]] = []
        region, why = self.region(code := row.get("region_code", ""))
        if why:
            problems.append(("region_code", why))
        name = row.get("region_name", "")
        if region is not None and name and name not in region.name and region.name not in name:
            problems.append(
                ("region_name", f"{name[:20]!r} is not the name of {code} ({region.name})")
            )
        text = row.get("year", "")
        year = int(text) if text.isascii() and text.isdigit() and len(text) == 4 else 0
        if not FIRST_YEAR <= year <= self.this_year:
            problems.append(("year", f"{text[:10]!r} is not a year {FIRST_YEAR}–{self.this_year}"))
        elif region is not None:
            first = self.seen.setdefault((region.code, year), number)
            if first != number:
                problems.append(("year", f"{region.name} {year} already given in row {first}"))
        gdp = _gdp(raw := row.get("gdp_100m_yuan", ""))
        if gdp is None:
            problems.append(
                ("gdp_100m_yuan", f"{raw[:20]!r} is not an amount in 亿元 between 0 and {MAX_GDP}")
            )
        source = row.get("source", "") or self.default_source
        if len(source) > 200 or "\x00" in source:
            problems.append(("source", "at most 200 characters of text"))
        if problems or region is None or gdp is None:
            return None, problems
        return Row(number, region, year, gdp, source), []


def _gdp(text: str) -> Decimal | None:
    cleaned = text.replace(",", "").strip()
    if not cleaned or len(cleaned) > 20:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    if not value.is_finite() or value <= 0 or value > MAX_GDP:
        return None
    return value.quantize(Decimal("0.0001"))


def import_gdp(
    *, actor: Actor, content: bytes, source: str = "", synthetic: bool = False
) -> dict[str, int]:
    """Import a GDP table whole, or refuse it whole (:class:`ImportRejected`)."""
    require(actor, Cap.MANAGE_ACCIDENTS)
    if len(source) > 200 or "\x00" in source:
        raise InvalidInput("source: at most 200 characters of text", field="source")
    rows, errors = validate(actor, read_rows(content), source.strip() or "导入 import")
    if errors:
        raise ImportRejected(errors)
    return save_rows(actor, rows, synthetic=synthetic)


def save_rows(actor: Actor | None, rows: list[Row], *, synthetic: bool) -> dict[str, int]:
    """Create or update the county-years in one transaction, with one audit entry."""
    with transaction.atomic():
        existing = {
            (e.region_id, e.year): e
            for e in RegionEconomy.objects.select_for_update().filter(
                region__in={r.region for r in rows}, year__in={r.year for r in rows}
            )
        }
        new, changed, changes = [], [], []
        for row in rows:
            found = existing.get((row.region.code, row.year))
            if found is None:
                new.append(
                    RegionEconomy(
                        region=row.region,
                        year=row.year,
                        gdp_100m_yuan=row.gdp,
                        source=row.source,
                        synthetic=synthetic,
                    )
                )
                changes.append([row.region.code, row.year, None, str(row.gdp)])
            elif found.gdp_100m_yuan != row.gdp or found.source != row.source:
                changes.append([row.region.code, row.year, str(found.gdp_100m_yuan), str(row.gdp)])
                found.gdp_100m_yuan, found.source, found.synthetic = row.gdp, row.source, synthetic
                found.updated_at = timezone.now()
                changed.append(found)
        RegionEconomy.objects.bulk_create(new)
        RegionEconomy.objects.bulk_update(
            changed, ["gdp_100m_yuan", "source", "synthetic", "updated_at"]
        )
        counts = {
            "rows": len(rows),
            "created": len(new),
            "updated": len(changed),
            "unchanged": len(rows) - len(new) - len(changed),
        }
        path = jurisdiction_of(actor).path or "" if actor is not None else ""
        audit.record(
            actor=actor,
            action="economy_import",
            object_type="accidents.regioneconomy",
            object_repr=f"GDP import: {counts['created']} new, {counts['updated']} changed",
            region_path=path,
            after={**counts, "changes": changes[:500]},
        )
    return counts
