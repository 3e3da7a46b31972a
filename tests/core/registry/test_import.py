"""Excel import: the whole workbook or nothing, with every bad row reported."""

from __future__ import annotations

import io
import json

import pytest
from openpyxl import load_workbook

from tests.core.registry.conftest import plain_workbook, shelter_row, workbook
from yingji.cli import main
from yingji.core.errors import InvalidInput
from yingji.core.registry import excel, services
from yingji.core.registry import spec as specs
from yingji.registry.models.shelter import Shelter

SHELTERS = specs.get("shelters")


def _rows(count: int, bad: dict[int, dict] | None = None) -> list[dict]:
    bad = bad or {}
    return [shelter_row(n, **bad.get(n, {})) for n in range(1, count + 1)]


BAD = {
    17: {"capacity": "很多"},
    480: {"region": "330108"},  # 滨江区: outside 西湖区
    993: {"lon": 30.26, "lat": 120.14},  # swapped
}


def test_three_bad_rows_among_1000_import_nothing_and_are_reported(xihu_staff):
    rows = excel.read(SHELTERS, workbook(_rows(1000, BAD)))
    with pytest.raises(services.RowErrors) as exc:
        services.import_rows(actor=xihu_staff, spec=SHELTERS, rows=rows)
    reported = {(e.row, e.field) for e in exc.value.errors}
    # Workbook rows: data starts on row 3, so record n is on row n + 2.
    assert reported == {(19, "capacity"), (482, "region"), (995, "lon"), (995, "lat")}
    assert not Shelter.objects.exists()
    messages = {e.row: e.message for e in exc.value.errors}
    assert "outside your jurisdiction" in messages[482]
    assert "swapped" in messages[995]


def test_fixed_workbook_imports_all_1000(xihu_staff):
    rows = excel.read(SHELTERS, workbook(_rows(1000)))
    result = services.import_rows(actor=xihu_staff, spec=SHELTERS, rows=rows)
    assert (result.created, result.updated) == (1000, 0)
    assert Shelter.objects.filter(region_path__startswith="330106").count() == 1000
    again = services.import_rows(actor=xihu_staff, spec=SHELTERS, rows=rows)
    assert (again.created, again.updated) == (0, 1000)  # the natural key updates
    assert Shelter.objects.count() == 1000


def test_duplicate_keys_within_a_workbook_are_reported(xihu_staff):
    rows = excel.read(SHELTERS, workbook([shelter_row(1), shelter_row(2, code="330106-T-00001")]))
    with pytest.raises(services.RowErrors) as exc:
        services.import_rows(actor=xihu_staff, spec=SHELTERS, rows=rows)
    assert [(e.row, e.field) for e in exc.value.errors] == [(4, "code")]
    assert "repeats row 3" in exc.value.errors[0].message


def test_annotated_workbook_marks_the_bad_cells(xihu_staff):
    content = workbook(_rows(20, {5: {"manager_phone": "12345"}}))
    with pytest.raises(services.RowErrors) as exc:
        services.import_rows(actor=xihu_staff, spec=SHELTERS, rows=excel.read(SHELTERS, content))
    marked = load_workbook(io.BytesIO(excel.annotate(content, exc.value.errors, SHELTERS)))
    sheet = marked[excel.DATA_SHEET]
    phone_column = [c.value for c in sheet[2]].index("manager_phone") + 1
    cell = sheet.cell(7, phone_column)
    assert cell.fill.fgColor.rgb.endswith("F8D7DA")
    assert "手机号" in cell.comment.text
    assert "手机号" in sheet.cell(7, sheet.max_column).value


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"not a workbook", "not an Excel"),
        (plain_workbook([["名称"], ["x"]]), "Missing required column"),
        (workbook([]), "no data rows"),
    ],
)
def test_unreadable_workbooks_are_refused_clearly(content, fragment):
    with pytest.raises(InvalidInput, match=fragment):
        excel.read(SHELTERS, content)


def test_template_has_labels_keys_example_and_pick_lists():
    book = load_workbook(io.BytesIO(excel.template(SHELTERS)))
    sheet = book[excel.DATA_SHEET]
    keys = [c.value for c in sheet[2]]
    assert keys[:4] == ["code", "name", "level", "kind"]
    assert sheet.cell(1, 1).value.endswith("*")  # required
    assert sheet.cell(3, 2).value == "北山街道避灾安置中心"
    formulas = {dv.formula1 for dv in sheet.data_validations.dataValidation}
    assert any(excel.LISTS_SHEET in f for f in formulas)
    assert book[excel.LISTS_SHEET].sheet_state == "hidden"


def test_unchanged_template_imports_nothing():
    with pytest.raises(InvalidInput, match="no data rows"):
        excel.read(SHELTERS, excel.template(SHELTERS))


def test_cli_import_reports_json_errors_and_exit_2(db, tmp_path, capsys):
    path = tmp_path / "shelters.xlsx"
    path.write_bytes(workbook(_rows(30, {3: {"capacity": -5}, 9: {"kind": "帐篷"}})))
    assert main(["registry", "import", "shelters", str(path), "--json"]) == 2
    report = json.loads(capsys.readouterr().out)
    assert [(e["row"], e["field"]) for e in report["errors"]] == [(5, "capacity"), (11, "kind")]
    assert not Shelter.objects.exists()


def test_cli_import_dry_run_then_real(db, tmp_path, capsys):
    path = tmp_path / "shelters.xlsx"
    path.write_bytes(workbook(_rows(30)))
    assert main(["registry", "import", "shelters", str(path), "--dry-run", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["imported"] == 30
    assert not Shelter.objects.exists()
    assert main(["registry", "import", "shelters", str(path), "--json"]) == 0
    assert Shelter.objects.count() == 30


def test_cli_template_and_export(db, tmp_path, capsys):
    template = tmp_path / "t.xlsx"
    assert main(["registry", "template", "shelters", "--out", str(template)]) == 0
    assert load_workbook(template)[excel.DATA_SHEET].cell(2, 1).value == "code"
    rows = excel.read(SHELTERS, workbook(_rows(12)))
    services.import_rows(actor=None, spec=SHELTERS, rows=rows)
    out = tmp_path / "e.xlsx"
    assert main(["registry", "export", "shelters", "--out", str(out), "--region", "330106"]) == 0
    assert load_workbook(out).active.max_row == 13
    assert main(["registry", "template", "nothing", "--out", str(template)]) == 2
