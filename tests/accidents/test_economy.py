"""County GDP import: CSV (UTF-8 or GB18030) and .xlsx; a good file is imported and can be
re-imported as corrections; a bad file is refused whole with every row at fault named."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import Workbook

from yingji.accidents.models import RegionEconomy
from yingji.accidents.services import economy
from yingji.core.errors import Forbidden, InvalidInput
from yingji.core.models import AuditEntry

pytestmark = pytest.mark.django_db

GOOD = (
    "区划代码,名称,年份,GDP（亿元）,来源\n"
    "330106,西湖区,2024,2250.3,统计年鉴\n"
    "330106,西湖区,2025,2412.70,统计年鉴\n"
)


def xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_csv_is_imported_and_audited(people):
    counts = economy.import_gdp(actor=people.county, content=GOOD.encode())
    assert counts == {"rows": 2, "created": 2, "updated": 0, "unchanged": 0}
    row = RegionEconomy.objects.get(region_id="330106000000", year=2025)
    assert (row.gdp_100m_yuan, row.source, row.synthetic) == (Decimal("2412.7"), "统计年鉴", False)
    entry = AuditEntry.objects.get(action="economy_import")
    assert entry.after["created"] == 2 and entry.region_path == "330106"


def test_reimporting_updates_a_corrected_figure(people):
    economy.import_gdp(actor=people.county, content=GOOD.encode())
    fixed = GOOD.replace("2412.70", "2420.00")
    counts = economy.import_gdp(actor=people.county, content=fixed.encode("gb18030"))
    assert counts == {"rows": 2, "created": 0, "updated": 1, "unchanged": 1}
    assert RegionEconomy.objects.get(year=2025).gdp_100m_yuan == Decimal("2420")


def test_an_xlsx_with_english_headers_and_numbers(people):
    content = xlsx(
        [
            ["year", "region_code", "gdp_100m_yuan"],
            [2023, 330106, 2104.2],
            [2023, "330108", 2200],
            [None, None, None],
        ]
    )
    counts = economy.import_gdp(actor=people.city, content=content, source="杭州统计年鉴2024")
    assert counts["created"] == 2
    assert RegionEconomy.objects.get(region_id="330108000000").source == "杭州统计年鉴2024"


def test_a_bad_file_is_refused_whole_with_every_row_named(people):
    bad = (
        "区划代码,名称,年份,GDP（亿元）\n"
        "330106,西湖区,2024,2250.3\n"  # row 2: fine, yet not imported
        "330106002,北山街道,2024,10\n"  # row 3: a township
        "330108,滨江区,2024,2300\n"  # row 4: outside a 西湖区 user's jurisdiction
        "330106,西湖区,24,100\n"  # row 5: not a year
        "330106,西湖区,2023,-5\n"  # row 6: negative GDP
        "330106,西湖区,2024,2250.3\n"  # row 7: 2024 given twice
        "330106,上城区,2022,1\n"  # row 8: name does not match the code
        "abc,,2022,1\n"  # row 9: not a code
        "330106,西湖区,2021,NaN\n"  # row 10
        "330106,西湖区,2999,1\n"  # row 11: future
    )
    with pytest.raises(economy.ImportRejected) as caught:
        economy.import_gdp(actor=people.county, content=bad.encode())
    rows = {(e.row, e.field) for e in caught.value.errors}
    assert rows == {
        (3, "region_code"),
        (4, "region_code"),
        (5, "year"),
        (6, "gdp_100m_yuan"),
        (7, "year"),
        (8, "region_name"),
        (9, "region_code"),
        (10, "gdp_100m_yuan"),
        (11, "year"),
    }
    assert "row 3: region_code" in caught.value.message
    assert not RegionEconomy.objects.exists()
    assert not AuditEntry.objects.filter(action="economy_import").exists()


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"", "empty"),
        (b"region,year\n330106,2024\n", "no column for"),
        ("区划代码,年份,GDP\n".encode(), "no data rows"),
        (b"\xd0\xcf\x11\xe0" + b"\x00" * 100, ".xls"),
        (b"PK\x03\x04garbage", "not a readable .xlsx"),
        (b"\xff\xfe\x00\x00\x81\x30", "neither CSV"),
        (b"code,year,gdp\n330106,2024,1\x00\n", "NUL"),
        (b"a" * (economy.MAX_BYTES + 1), "larger than"),
    ],
)
def test_unreadable_files_are_refused(people, content, needle):
    with pytest.raises(InvalidInput) as caught:
        economy.import_gdp(actor=people.county, content=content)
    assert caught.value.field == "file"
    assert needle in caught.value.message


def test_too_many_rows(people, monkeypatch):
    monkeypatch.setattr(economy, "MAX_ROWS", 3)
    content = "code,year,gdp\n" + "330106,2020,1\n" * 5
    with pytest.raises(InvalidInput, match="more than 3 rows"):
        economy.import_gdp(actor=people.county, content=content.encode())


def test_only_managers_import(people):
    for actor in (people.viewer, people.manager):
        with pytest.raises(Forbidden):
            economy.import_gdp(actor=actor, content=GOOD.encode())
