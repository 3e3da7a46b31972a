"""Formula injection through Excel exports: a user's text starting with "=" is written as
text, in the streamed registry exports and in the workbooks built in memory (warning
measures, review reports, the inspection-item list) alike. The registry export and the item
list are checked end to end next to their importers (test_import_hostile.py,
test_lists_excel_hostile.py), the measures workbook in tests/alerts/test_measures_hostile.py."""

from __future__ import annotations

import io

from openpyxl import Workbook, load_workbook

from tests.hostile_files import FORMULA
from yingji.core import exports


def _cells(content: bytes) -> list:
    book = load_workbook(io.BytesIO(content))
    return [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]


def test_no_formulas_keeps_the_text_and_the_numbers():
    book = Workbook()
    book.active.append([FORMULA, "plain", 42, "=1+1"])
    buffer = io.BytesIO()
    exports.no_formulas(book).save(buffer)
    cells = _cells(buffer.getvalue())
    assert [c.value for c in cells] == [FORMULA, "plain", 42, "=1+1"]
    assert [c.data_type for c in cells] == ["s", "s", "n", "s"]


def test_text_cell_marks_only_what_would_be_a_formula():
    sheet = Workbook(write_only=True).create_sheet()
    assert exports.text_cell(sheet, "西湖区") == "西湖区"
    assert exports.text_cell(sheet, 3) == 3
    cell = exports.text_cell(sheet, FORMULA)
    assert (cell.value, cell.data_type) == (FORMULA, "s")
