"""Stations and sensors through the generic registry: what a bureau types is checked where it
enters (unit against type, interval, threshold direction), and a county sees only its own."""

from __future__ import annotations

import pytest

from tests.monitoring.conftest import (
    BINJIANG_STATION,
    XIHU_STATION,
    sensor_row,
    station_row,
)
from yingji.core.errors import NotFound
from yingji.core.models import AuditEntry
from yingji.core.registry import selectors, services
from yingji.core.registry.services import RowErrors
from yingji.monitoring import thresholds
from yingji.monitoring.models import Sensor, Station
from yingji.monitoring.specs import SENSORS, STATIONS


def _refused(actor, spec, data) -> dict[str, str]:
    with pytest.raises(RowErrors) as exc:
        services.create(actor=actor, spec=spec, data=data)
    return {e.field: e.message for e in exc.value.errors}


def test_a_station_and_its_sensors_are_registered_and_audited(xihu_staff, stations, make_sensor):
    rain = make_sensor()
    gas = make_sensor(f"{XIHU_STATION}-g1", type="可燃气体", unit="%LEL", substance="甲烷",
                      expected_interval_s="30")  # fmt: skip
    assert rain.station.code == XIHU_STATION
    assert (rain.type, rain.unit, rain.expected_interval_s) == ("rain", "mm", 60)
    assert gas.code == f"{XIHU_STATION}-G1"  # codes are stored upper-case, found either way
    assert stations[0].region_path == "330106002"
    entry = AuditEntry.objects.get(object_type="monitoring.sensor", object_id=str(gas.pk))
    assert entry.action == "create"
    assert entry.region_path == ""  # a sensor's region is its station's
    # The gas detector has no overrides: GB/T 50493-2019 defaults apply.
    applied = thresholds.effective(gas)
    assert (applied["warn_on"], applied["alarm_on"]) == (25.0, 50.0)
    assert applied["source"]["warn_on"] == "default"
    assert thresholds.effective(rain)["rule"] == "rainstorm"


SENSOR_PROBLEMS = [
    ({"unit": "ppm"}, "unit", "not a unit for"),  # rain is in mm
    ({"unit": "furlongs"}, "unit", "is not one of"),
    ({"type": "可燃气体", "unit": "ppm"}, "unit", "%LEL"),
    ({"type": "储罐压力", "unit": "m"}, "unit", "MPa / kPa"),
    ({"expected_interval_s": -60}, "expected_interval_s", "between 1 and 86400"),
    ({"expected_interval_s": 0}, "expected_interval_s", "between 1 and 86400"),
    ({"expected_interval_s": 86_401}, "expected_interval_s", "between 1 and 86400"),
    ({"expected_interval_s": "1.5"}, "expected_interval_s", "whole number"),
    ({"expected_interval_s": "每分钟"}, "expected_interval_s", "whole number"),
    ({"expected_interval_s": ""}, "expected_interval_s", "required"),
    ({"station": "33-NOPE-000"}, "station", "no 监测站点 33-NOPE-000"),
    ({"station": BINJIANG_STATION}, "station", "in your jurisdiction"),
    ({"code": "X" * 49}, "code", "at most 48"),
    ({"code": "<script>alert(1)</script>"}, "code", "letters, digits"),
    ({"code": "../../etc/passwd"}, "code", "letters, digits"),
    ({"code": "A\x00B"}, "code", "NUL"),
    ({"substance": "甲" * 51}, "substance", "at most 50"),
    ({"type": "水位", "unit": "m", "warn_on": "NaN"}, "warn_on", "finite"),
    ({"type": "水位", "unit": "m", "warn_on": "inf"}, "warn_on", "finite"),
    ({"type": "水位", "unit": "m", "warn_on": "高"}, "warn_on", "not a number"),
    # thresholds a type does not use are refused, not ignored
    ({"warn_on": 30}, "warn_on", "not used by 雨量"),
    ({"type": "风速", "unit": "m/s", "alarm_on": 17.2}, "alarm_on", "Beaufort"),
    ({"type": "可燃气体", "unit": "%LEL", "rate_per_hour": 5}, "rate_per_hour", "not used"),
    # ranges and a standard's ceilings
    ({"type": "可燃气体", "unit": "%LEL", "alarm_on": 150}, "alarm_on", "outside 0 – 100"),
    ({"type": "可燃气体", "unit": "%LEL", "warn_on": 30}, "warn_on", "GB/T 50493"),
    ({"type": "有毒气体", "unit": "ppm", "warn_on": -1}, "warn_on", "outside"),
    ({"type": "地表位移", "unit": "mm", "rate_per_hour": -2}, "rate_per_hour", "greater than 0"),
    # hysteresis: the off threshold must lie on the safe side of its on threshold
    ({"type": "水位", "unit": "m", "warn_on": 5.0, "warn_off": 5.2}, "warn_off", "at or below"),
    ({"type": "可燃气体", "unit": "%LEL", "warn_off": 26}, "warn_off", "warning on (25)"),
    ({"type": "可燃气体", "unit": "%LEL", "alarm_on": 20}, "alarm_on", "must come before"),
    ({"type": "水位", "unit": "m", "alarm_off": 7.0}, "alarm_off", "needs"),
    ({"type": "储罐液位", "unit": "%", "warn_on": 90, "alarm_on": 85}, "alarm_on", "before"),
]


@pytest.mark.parametrize(("changes", "field", "fragment"), SENSOR_PROBLEMS)
def test_bad_sensor_values_are_refused_naming_the_field(
    xihu_staff, stations, changes, field, fragment
):
    problems = _refused(xihu_staff, SENSORS, sensor_row(**changes))
    assert field in problems, problems
    assert fragment in problems[field], problems[field]
    assert not Sensor.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field", "fragment"),
    [
        ({"code": "Y" * 41}, "code", "at most 40"),
        ({"code": "站点一"}, "code", "letters, digits"),
        ({"name": "名" * 101}, "name", "at most 100"),
        ({"name": ""}, "name", "required"),
        ({"kind": "火星站"}, "kind", "is not one of"),
        ({"region": "330108001"}, "region", "outside your jurisdiction"),
        ({"region": "999999"}, "region", "no region"),
        ({"lon": 30.262, "lat": 120.148}, "lon", "swapped"),
        ({"enterprise": "91330106MA2H4K7L00"}, "enterprise", "in your jurisdiction"),
        ({"kind": "企业监测点"}, "enterprise", "required for an enterprise"),
        ({"operator": "单" * 101}, "operator", "at most 100"),
        ({"active": "也许"}, "active", "是/否"),
    ],
)
def test_bad_station_values_are_refused_naming_the_field(xihu_staff, changes, field, fragment):
    problems = _refused(xihu_staff, STATIONS, station_row(**changes))
    assert field in problems, problems
    assert fragment in problems[field], problems[field]
    assert not Station.objects.exists()


def test_a_station_is_placed_in_a_county_township_or_village(db):
    problems = _refused(None, STATIONS, station_row(region="3301"))  # the command line
    assert problems == {"region": "must be a county/township/village, not a city"}


def test_enterprise_station_follows_its_hazard_source(xihu_staff, make_enterprise, make_source):
    owner, other = make_enterprise(), make_enterprise()
    source = make_source(owner)
    row = station_row("33-QY-0001", kind="企业监测点", hazard_source=source.code)
    station = services.create(actor=xihu_staff, spec=STATIONS, data=row)
    station.refresh_from_db()
    assert station.enterprise_id == owner.pk  # taken from the source
    mismatch = station_row("33-QY-0002", kind="企业监测点", enterprise=other.credit_code,
                           hazard_source=source.code)  # fmt: skip
    problems = _refused(xihu_staff, STATIONS, mismatch)
    assert problems == {"hazard_source": "belongs to another enterprise"}


def test_duplicate_codes_are_refused_whatever_the_case(xihu_staff, stations, make_sensor):
    make_sensor()
    with pytest.raises(RowErrors) as exc:
        make_sensor(f"{XIHU_STATION}-r1".lower())
    assert exc.value.errors[0].field == "code"
    assert "already registered" in exc.value.errors[0].message


def test_an_update_is_checked_against_the_whole_record(xihu_staff, stations, make_sensor):
    sensor = make_sensor(type="可燃气体", unit="%LEL")
    with pytest.raises(RowErrors) as exc:  # changing only the type leaves %LEL behind
        services.update(actor=xihu_staff, spec=SENSORS, pk=sensor.pk, data={"type": "有毒气体"})
    assert [e.field for e in exc.value.errors] == ["unit"]
    changed = services.update(actor=xihu_staff, spec=SENSORS, pk=sensor.pk,
                              data={"type": "有毒气体", "unit": "ppm", "warn_on": 5})  # fmt: skip
    applied = thresholds.effective(changed)
    assert (applied["warn_on"], applied["warn_off"]) == (5.0, 4.0)  # the default band: 80 %
    assert applied["source"] == {"warn_on": "sensor", "warn_off": "band", "alarm_on": "default",
                                 "alarm_off": "default", "rate_per_hour": None}  # fmt: skip


def test_effective_thresholds_per_type(xihu_staff, stations, make_sensor):
    level = make_sensor(f"{XIHU_STATION}-H1", type="水位", unit="m", warn_on=4.5, alarm_on=6)
    slope = make_sensor(f"{XIHU_STATION}-D1", type="地表位移", unit="mm", warn_on=30)
    tank_m = make_sensor(f"{XIHU_STATION}-T1L", type="储罐液位", unit="m")
    gas = make_sensor(f"{XIHU_STATION}-G1", type="可燃气体", unit="%LEL", warn_on=20)
    water = thresholds.effective(level)
    assert (water["warn_on"], water["warn_off"], water["alarm_on"]) == (4.5, 4.5, 6.0)
    assert water["source"]["warn_off"] == "band"  # no default band: clears below 4.5
    displacement = thresholds.effective(slope)
    assert displacement["rate_per_hour"] == 5.0
    assert displacement["source"]["rate_per_hour"] == "default"
    assert thresholds.effective(tank_m)["warn_on"] is None  # tank-specific, no default
    lowered = thresholds.effective(gas)
    assert (lowered["warn_on"], lowered["warn_off"], lowered["alarm_on"]) == (20.0, 16.0, 50.0)
    assert "GB/T 50493-2019" in lowered["basis"]
    heat = make_sensor(f"{XIHU_STATION}-T1", type="气温", unit="℃", warn_on=30)
    hot = thresholds.effective(heat)  # a fixed 1 ℃ band, not a proportion, for temperatures
    assert (hot["warn_on"], hot["warn_off"], hot["alarm_on"], hot["alarm_off"]) == (
        30.0, 29.0, 40.0, 39.0,
    )  # fmt: skip


def test_void_keeps_the_sensor_out_of_lists(xihu_staff, stations, make_sensor):
    sensor = make_sensor()
    services.void(actor=xihu_staff, spec=SENSORS, pk=sensor.pk, reason="拆除")
    assert not selectors.records(xihu_staff, SENSORS).exists()
    assert selectors.records(xihu_staff, SENSORS, {"voided": "1"}).get() == sensor


def test_a_county_sees_only_its_own_stations_and_sensors(
    xihu_staff, binjiang_staff, stations, make_sensor
):
    make_sensor()
    make_sensor(f"{BINJIANG_STATION}-R1", actor=binjiang_staff, station=BINJIANG_STATION)
    xihu, binjiang = stations
    assert list(selectors.records(xihu_staff, STATIONS)) == [xihu]
    assert list(selectors.records(binjiang_staff, STATIONS)) == [binjiang]
    mine = selectors.records(xihu_staff, SENSORS)
    assert [s.code for s in mine] == [f"{XIHU_STATION}-R1"]
    assert [s.code for s in selectors.records(binjiang_staff, SENSORS)] == [
        f"{BINJIANG_STATION}-R1"
    ]
    assert selectors.records(None, SENSORS).count() == 2  # the command line sees all
    # Narrowing and filters work on the station's region; another county's rows are 404.
    assert not selectors.records(xihu_staff, SENSORS, {"region": "330108"}).exists()
    assert selectors.records(xihu_staff, SENSORS, {"type": "雨量"}).count() == 1
    other = Sensor.objects.get(code=f"{BINJIANG_STATION}-R1")
    with pytest.raises(NotFound):
        selectors.record(xihu_staff, SENSORS, other.pk)
    with pytest.raises(NotFound):
        selectors.record(xihu_staff, STATIONS, binjiang.pk)
    with pytest.raises(NotFound):
        services.update(actor=xihu_staff, spec=SENSORS, pk=other.pk, data={"active": "否"})


def test_city_staff_see_both_counties(make_user, stations):
    city = make_user("hz_staff", "3301", "city_staff")
    assert selectors.records(city, STATIONS).count() == 2
