"""Formula injection through the warning-measures workbook: a headline starting with "=" (as
an upstream CAP feed may send one) is written as text, never as a formula."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from tests.alerts.test_measures import issued  # noqa: F401 - the fixture
from tests.hostile_files import FORMULA
from yingji.alerts.measures import workbook


def test_a_warning_headline_from_upstream_stays_text_in_the_workbook(issued):  # noqa: F811
    issued.headline = FORMULA  # e.g. taken from an upstream CAP feed
    issued.save(update_fields=["headline"])
    book = load_workbook(io.BytesIO(workbook(issued)))
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    assert any(c.value == FORMULA and c.data_type == "s" for c in cells)
    assert not any(c.data_type == "f" for c in cells)
