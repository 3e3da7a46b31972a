"""Sensors in and out of Excel: the template, a filled workbook imported whole or not at all,
and the export a county gets back."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tests.monitoring.conftest import BINJIANG_STATION, XIHU_STATION, sensor_row
from yingji.core import exports
from yingji.core.registry import excel, services
from yingji.monitoring.models import Sensor
from yingji.monitoring.specs import SENSORS


def _workbook(rows: list[dict]) -> bytes:
    """The template as a user fills it: example row deleted, data from row 3."""
    book = load_workbook(io.BytesIO(excel.template(SENSORS)))
    sheet = book[excel.DATA_SHEET]
    sheet.delete_rows(3)
    for index, row in enumerate(rows, start=3):
        for column, field in enumerate(SENSORS.columns, start=1):
            sheet.cell(index, column, row.get(field.name))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


ROWS = [
    sensor_row(),
    sensor_row(f"{XIHU_STATION}-WS", type="风速", unit="m/s", expected_interval_s=60),
    sensor_row(
        f"{XIHU_STATION}-G1",
        type="可燃气体",
        unit="%LEL",
        substance="甲烷",
        warn_on=20,
        alarm_on=40,
    ),
    sensor_row(
        f"{XIHU_STATION}-H1",
        type="水位",
        unit="m",
        expected_interval_s=300,
        warn_on=4.2,
        warn_off=4.1,
        alarm_on=5.5,
        alarm_off=5.4,
    ),
    sensor_row(
        f"{XIHU_STATION}-T1P",
        type="储罐压力",
        unit="kPa",
        warn_on=3.2,
        alarm_on=3.6,
        installed_on=None,
        active="否",
    ),
]


def test_template_lists_every_field_with_pick_lists():
    book = load_workbook(io.BytesIO(excel.template(SENSORS)))
    sheet = book[excel.DATA_SHEET]
    keys = [c.value for c in sheet[2]]
    assert keys == list(SENSORS.fields)
    example = {k: sheet.cell(3, i + 1).value for i, k in enumerate(keys)}
    assert example["station"] == XIHU_STATION
    assert example["type"] == "雨量"  # choices by their Chinese label
    lists = book[excel.LISTS_SHEET]
    type_column = keys.index("type") + 1
    labels = {lists.cell(r, type_column).value for r in range(1, 12)}
    assert {"雨量", "可燃气体", "有毒气体", "储罐压力", "地表位移"} <= labels


def test_filled_template_imports_then_updates_and_exports(xihu_staff, stations, tmp_path):
    rows = excel.read(SENSORS, _workbook(ROWS))
    assert [number for number, _row in rows] == [3, 4, 5, 6, 7]
    result = services.import_rows(actor=xihu_staff, spec=SENSORS, rows=rows)
    assert (result.created, result.updated) == (5, 0)
    gas = Sensor.objects.get(code=f"{XIHU_STATION}-G1")
    assert (gas.type, gas.unit, gas.substance, gas.warn_on, gas.alarm_on) == (
        "gas_lel", "%LEL", "甲烷", 20.0, 40.0,
    )  # fmt: skip
    tank = Sensor.objects.get(code=f"{XIHU_STATION}-T1P")
    assert (tank.active, tank.installed_on, tank.expected_interval_s) == (False, None, 60)

    changed = [*ROWS[:2], {**ROWS[2], "warn_on": 22}, *ROWS[3:]]
    again = services.import_rows(actor=xihu_staff, spec=SENSORS,
                                 rows=excel.read(SENSORS, _workbook(changed)))  # fmt: skip
    assert (again.created, again.updated) == (0, 5)
    gas.refresh_from_db()
    assert gas.warn_on == 22.0

    out = tmp_path / "sensors.xlsx"
    assert exports.write_workbook(exports.get("registry.sensors"), xihu_staff, {}, out) == 5
    exported = list(load_workbook(out, read_only=True).active.values)
    names = [str(h).rsplit(" ", 1)[-1] for h in exported[0]]  # headers are "label name"
    by_code = {row[names.index("code")]: dict(zip(names, row, strict=True)) for row in exported[1:]}
    gas_row = by_code[f"{XIHU_STATION}-G1"]
    assert (gas_row["station"], gas_row["type"], gas_row["warn_on"]) == (
        XIHU_STATION,
        "可燃气体",
        22,
    )
    assert by_code[f"{XIHU_STATION}-T1P"]["active"] == "否"


def test_one_bad_row_rejects_the_whole_workbook_with_row_numbers(xihu_staff, stations):
    bad = [
        *ROWS,
        sensor_row(f"{XIHU_STATION}-X1", unit="ppm"),  # row 8: rain in ppm
        sensor_row(f"{XIHU_STATION}-X2", expected_interval_s=-5),  # row 9
        sensor_row(f"{XIHU_STATION}-X3", type="可燃气体", unit="%LEL", warn_off=30),  # row 10
        sensor_row(f"{XIHU_STATION}-X4", station="33-NOPE-999"),  # row 11
        sensor_row(f"{XIHU_STATION}-X5", station=BINJIANG_STATION),  # row 12: another county
        sensor_row(f"{XIHU_STATION}-R1"),  # row 13: repeats row 3
    ]
    content = _workbook(bad)
    with pytest.raises(services.RowErrors) as exc:
        services.import_rows(actor=xihu_staff, spec=SENSORS, rows=excel.read(SENSORS, content))
    reported = {(e.row, e.field) for e in exc.value.errors}
    assert reported == {(8, "unit"), (9, "expected_interval_s"), (10, "warn_off"),
                        (11, "station"), (12, "station"), (13, "code")}  # fmt: skip
    assert not Sensor.objects.exists()
    marked = load_workbook(io.BytesIO(excel.annotate(content, exc.value.errors, SENSORS)))
    sheet = marked[excel.DATA_SHEET]
    unit_column = [c.value for c in sheet[2]].index("unit") + 1
    assert sheet.cell(8, unit_column).comment is not None
