"""The inspection-item workbook (抽查事项清单) against hostile files: a zip bomb, ZIP headers
that lie, an XML external entity — and formula injection through the export."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tests.enforcement.test_lists_items import _workbook
from tests.hostile_files import FORMULA, as_text, bomb, lying_sizes, xxe
from yingji.core.errors import InvalidInput
from yingji.enforcement.models import InspectionItem
from yingji.enforcement.services import lists_excel

ROW = ["XH-H", "事项", "《安全生产法》", "330106", 0.05, "red", "", "否", "是"]
POINT = ["XH-H", "1", "要点", ""]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda good: bomb(good, megabytes=6), "unpacks to more than 4 MB"),
        (lambda good: lying_sizes(good, "xl/worksheets/sheet1.xml"), "damaged"),
        (lambda good: xxe(good, "xl/worksheets/sheet1.xml", "XH-H"), "not an Excel"),
    ],
    ids=["zip-bomb", "lying-headers", "xxe"],
)
def test_hostile_workbooks_are_refused_and_nothing_is_imported(crew, monkeypatch, make, message):
    monkeypatch.setattr(lists_excel, "MAX_UNPACKED_BYTES", 4 << 20)
    content = make(_workbook([ROW], [POINT]))
    with pytest.raises(InvalidInput, match=message) as refused:
        lists_excel.import_items(actor=crew.county, content=content)
    assert refused.value.field == "file"
    assert "root:" not in refused.value.message
    assert not InspectionItem.objects.filter(code="XH-H").exists()


def test_the_same_workbook_unharmed_imports(crew, monkeypatch):
    monkeypatch.setattr(lists_excel, "MAX_UNPACKED_BYTES", 4 << 20)
    result = lists_excel.import_items(actor=crew.county, content=_workbook([ROW], [POINT]))
    assert result.created == 1


def test_an_item_named_like_a_formula_is_exported_as_text(crew):
    lists_excel.import_items(
        actor=crew.county, content=as_text(_workbook([[ROW[0], FORMULA, *ROW[2:]]], [POINT]))
    )
    book = load_workbook(io.BytesIO(lists_excel.export(InspectionItem.objects.all())))
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    assert any(c.value == FORMULA and c.data_type == "s" for c in cells)
    assert not any(c.data_type == "f" for c in cells)
