"""County GDP import against hostile files: a zip bomb, ZIP headers that lie, an XML external
entity, and a formula where a figure belongs. Each is refused whole; nothing is stored."""

from __future__ import annotations

import pytest

from tests.accidents.test_economy import xlsx
from tests.hostile_files import bomb, lying_sizes, xxe
from yingji.accidents.models import RegionEconomy
from yingji.accidents.services import economy
from yingji.core.errors import InvalidInput

pytestmark = pytest.mark.django_db

ROWS = [["region_code", "year", "gdp_100m_yuan", "source"], ["330106", 2024, 2250.3, "XXE-HERE"]]


@pytest.mark.parametrize(
    ("make", "needle"),
    [
        (lambda good: bomb(good, megabytes=3), "unpacks to more than 2 MB"),
        (lambda good: lying_sizes(good, "xl/worksheets/sheet1.xml"), "damaged"),
        (lambda good: xxe(good, "xl/worksheets/sheet1.xml", "XXE-HERE"), "not a readable"),
    ],
    ids=["zip-bomb", "lying-headers", "xxe"],
)
def test_hostile_workbooks_are_refused(people, monkeypatch, make, needle):
    monkeypatch.setattr(economy, "MAX_UNPACKED_BYTES", 2 << 20)
    assert economy.import_gdp(actor=people.county, content=xlsx(ROWS))["created"] == 1
    RegionEconomy.objects.all().delete()  # the unharmed workbook imports; its variants do not
    with pytest.raises(InvalidInput) as caught:
        economy.import_gdp(actor=people.county, content=make(xlsx(ROWS)))
    assert caught.value.field == "file"
    assert needle in caught.value.message and "root:" not in caught.value.message
    assert not RegionEconomy.objects.exists()


@pytest.mark.parametrize("figure", ["=1+1", '=HYPERLINK("http://evil")', "@SUM(A1)", "-1+1"])
def test_a_formula_is_not_a_figure(people, figure):
    content = f"region_code,year,gdp_100m_yuan\n330106,2024,{figure}\n".encode()
    with pytest.raises(InvalidInput, match="row 2: gdp_100m_yuan"):
        economy.import_gdp(actor=people.county, content=content)
    assert not RegionEconomy.objects.exists()
