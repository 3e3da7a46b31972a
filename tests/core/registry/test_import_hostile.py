"""Registry Excel import and export against hostile workbooks: zip bombs, ZIP headers that
lie, an XML external entity, damaged files — and formula injection through the export.

Each refusal is a clear InvalidInput naming the file, with nothing imported.
"""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tests.core.registry.conftest import shelter_row, workbook
from tests.hostile_files import FORMULA, as_text, bomb, lying_sizes, xxe
from yingji.core import exports
from yingji.core.errors import InvalidInput
from yingji.core.registry import excel, services
from yingji.core.registry import spec as specs
from yingji.registry.models.shelter import Shelter

SHELTERS = specs.get("shelters")


def test_a_zip_bomb_is_refused_before_it_is_unpacked(monkeypatch):
    monkeypatch.setattr(excel, "MAX_UNPACKED_BYTES", 8 << 20)
    content = bomb(workbook([shelter_row(1)]), megabytes=12)
    assert len(content) < 200_000  # twelve megabytes of zeros pack into a few kilobytes
    with pytest.raises(InvalidInput, match="unpacks to more than 8 MB") as caught:
        excel.read(SHELTERS, content)
    assert caught.value.field == "file"


def test_a_zip_whose_headers_understate_a_member_is_refused_as_damaged():
    content = lying_sizes(workbook([shelter_row(1)]), "xl/worksheets/sheet1.xml")
    with pytest.raises(InvalidInput, match="damaged") as caught:
        excel.read(SHELTERS, content)
    assert caught.value.field == "file"


def test_the_default_limit_leaves_room_for_the_largest_import():
    """500,000 rows (MAX_ROWS) of a wide registry unpack to about 400 MB."""
    assert excel.MAX_UNPACKED_BYTES >= 500 << 20
    rows = excel.read(SHELTERS, workbook([shelter_row(n) for n in range(1, 4)]))
    assert [number for number, _row in rows] == [3, 4, 5]


def test_an_external_entity_is_refused_not_resolved():
    marker = "XXE-PLACEHOLDER"
    content = xxe(workbook([shelter_row(1, name=marker)]), "xl/worksheets/sheet1.xml", marker)
    with pytest.raises(InvalidInput) as caught:
        excel.read(SHELTERS, content)
    assert caught.value.field == "file"
    assert "root:" not in caught.value.message


@pytest.mark.parametrize(
    "content",
    [
        workbook([shelter_row(1)])[:2000],  # truncated in the middle of the archive
        b"code,name\n330106-T-1,=1+1\n",  # a CSV named .xlsx
        b"PK\x05\x06" + b"\x00" * 18,  # an empty ZIP
        b"",
    ],
    ids=["truncated", "csv", "empty-zip", "empty"],
)
def test_damaged_and_foreign_files_are_refused_clearly(content):
    with pytest.raises(InvalidInput) as caught:
        excel.read(SHELTERS, content)
    assert caught.value.field == "file"
    assert "\n" not in caught.value.message


def test_a_formula_typed_into_a_cell_is_imported_as_its_text_and_exported_as_text(
    xihu_staff, tmp_path, settings
):
    settings.DATA_DIR = tmp_path
    rows = excel.read(SHELTERS, as_text(workbook([shelter_row(1, name=FORMULA)])))
    assert services.import_rows(actor=xihu_staff, spec=SHELTERS, rows=rows).created == 1
    stored = Shelter.objects.get(code="330106-T-00001")
    assert stored.name == FORMULA

    out = tmp_path / "shelters.xlsx"
    exports.write_workbook(exports.get("registry.shelters"), xihu_staff, {}, out)
    sheet = load_workbook(io.BytesIO(out.read_bytes())).active
    header = [c.value for c in sheet[1]]
    name = sheet.cell(2, next(i for i, h in enumerate(header, 1) if h.endswith(" name")))
    assert name.value == FORMULA
    assert name.data_type == "s"  # text: the spreadsheet shows it, never runs it
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)
