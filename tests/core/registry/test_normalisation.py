"""Values are normalised by their field before duplicates are looked for."""

from __future__ import annotations

import pytest

from tests.core.registry.conftest import workbook
from yingji.core.registry import excel, services
from yingji.core.registry import spec as specs
from yingji.kernels.identifiers import credit_code_check

ENTERPRISES = specs.get("enterprises")


def _code(body: str) -> str:
    return body + credit_code_check(body)


def test_same_credit_code_in_two_cases_is_one_duplicate_row(xihu_staff):
    code = _code("91330106MA2H0Q0K0")
    rows = [
        {**ENTERPRISES.examples, "credit_code": code, "name": "甲公司"},
        {**ENTERPRISES.examples, "credit_code": code.lower(), "name": "乙公司"},
    ]
    parsed = excel.read(ENTERPRISES, workbook(rows, "enterprises"))
    with pytest.raises(services.RowErrors) as exc:
        services.import_rows(actor=xihu_staff, spec=ENTERPRISES, rows=parsed)
    assert [(e.row, e.field) for e in exc.value.errors] == [(4, "credit_code")]
    assert "repeats row 3" in exc.value.errors[0].message


def test_lower_case_code_finds_the_existing_record_on_reimport(xihu_staff):
    code = _code("91330106MA2H0Q0K1")
    first = [{**ENTERPRISES.examples, "credit_code": code, "name": "甲公司"}]
    services.import_rows(
        actor=xihu_staff,
        spec=ENTERPRISES,
        rows=excel.read(ENTERPRISES, workbook(first, "enterprises")),
    )
    again = [{**ENTERPRISES.examples, "credit_code": code.lower(), "name": "甲公司（更名）"}]
    result = services.import_rows(
        actor=xihu_staff,
        spec=ENTERPRISES,
        rows=excel.read(ENTERPRISES, workbook(again, "enterprises")),
    )
    assert (result.created, result.updated) == (0, 1)
