"""Helpers for the generic registry tests: workbooks built the way users fill them."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from yingji.core.registry import excel
from yingji.core.registry import spec as specs


def shelter_row(number: int, **changes: Any) -> dict[str, Any]:
    row = {
        "code": f"330106-T-{number:05d}", "name": f"测试安置点{number}", "level": "村级",
        "kind": "学校", "capacity": 100 + number % 50, "floor_area": 300.5,
        "region": "330106002", "address": "北山街道", "lon": 120.14, "lat": 30.26,
        "standardised": "是", "standardised_on": "2024-05-01", "visualised": "否",
        "manager": "王强", "manager_phone": "13800000000",
    }  # fmt: skip
    row.update(changes)
    return row


def workbook(rows: Sequence[dict[str, Any]], name: str = "shelters") -> bytes:
    """A workbook laid out like the template (labels, keys, then data from row 3)."""
    spec = specs.get(name)
    assert spec is not None
    book = load_workbook(io.BytesIO(excel.template(spec)))
    sheet = book[excel.DATA_SHEET]
    sheet.delete_rows(3)  # drop the example row, as users do
    for index, row in enumerate(rows, start=3):
        for column, field in enumerate(spec.columns, start=1):
            sheet.cell(index, column, row.get(field.name))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def make_workbook() -> Callable[..., bytes]:
    return workbook


def plain_workbook(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
