"""The demo network: every kind of station and type of sensor, valid by the registry's own
rules, placed where such stations stand, deterministic, and loaded once."""

from __future__ import annotations

from collections import Counter

import pytest

from yingji.monitoring import demo, thresholds
from yingji.monitoring.models import Alarm, Reading, Rule, Sensor, SensorType, Station, StationKind
from yingji.regions.models import Level, Region
from yingji.registry.models.hazard import HazardChemical, HazardUnit

ENTERPRISE_STATION_SENSORS = {SensorType.GAS_LEL, SensorType.TOXIC_PPM, SensorType.TANK_LEVEL,
                              SensorType.TANK_PRESSURE, SensorType.TANK_TEMPERATURE}  # fmt: skip


@pytest.fixture
def registries(make_enterprise, make_source):
    """What the registry demo leaves behind, in small: disaster-prone villages and two major
    hazard sources (a chlorine store; a methanol tank farm with an LPG sphere)."""
    villages = Region.objects.filter(level=Level.VILLAGE).order_by("code")
    paths = list(villages.values_list("path", flat=True)[::40])
    for start in range(0, len(paths), 500):
        Region.objects.filter(path__in=paths[start : start + 500]).update(disaster_prone=True)
    chlorine = make_source(make_enterprise(name="西湖氯碱有限公司"))
    solvents = make_source(make_enterprise(name="西湖溶剂有限公司"))
    stock = [
        (chlorine, "U1", "storage", [("液氯", "7782-50-5", "J3")]),
        (solvents, "U1", "storage", [("甲醇", "67-56-1", "W5.3"), ("甲苯", "108-88-3", "W5.3")]),
        (solvents, "U2", "storage", [("液化石油气", "68476-85-7", "W2")]),
    ]
    for source, suffix, kind, chemicals in stock:
        unit = HazardUnit.objects.create(code=f"{source.code}-{suffix}", source=source,
                                         name=suffix, kind=kind)  # fmt: skip
        for name, cas, category in chemicals:
            HazardChemical.objects.create(unit=unit, name=name, cas=cas,
                                          hazard_category=category, quantity=50)  # fmt: skip
    return chlorine, solvents


def _snapshot() -> list[tuple]:
    return list(
        Sensor.objects.order_by("code").values_list(
            "code",
            "station__code",
            "station__lon",
            "station__lat",
            "type",
            "unit",
            "expected_interval_s",
            "warn_on",
            "warn_off",
            "alarm_on",
            "alarm_off",
            "rate_per_hour",
            "installed_on",
            "active",
        )
    )


def test_demo_network_has_every_kind_and_type_and_loads_once(registries):
    assert not demo.already_loaded()
    counts = demo.load()
    assert demo.already_loaded()
    assert counts == {"stations": Station.objects.count(), "sensors": Sensor.objects.count()}
    assert not Station.objects.filter(synthetic=False).exists()
    assert not Sensor.objects.filter(synthetic=False).exists()
    assert set(Station.objects.values_list("kind", flat=True)) == set(StationKind.values)
    assert set(Sensor.objects.values_list("type", flat=True)) == set(SensorType.values)

    # About one rain gauge per township, reporting each minute.
    townships = Region.objects.filter(level=Level.TOWNSHIP).count()
    rain = Sensor.objects.filter(type=SensorType.RAIN)
    assert rain.count() == townships
    assert set(rain.values_list("expected_interval_s", flat=True)) == {60}
    assert rain.values("station__region_id").distinct().count() == townships
    # Wind on the coast only; landslide monitors at disaster-prone villages only.
    wind_counties = {p[:6] for p in Station.objects.filter(sensors__type="wind_gust")
                     .values_list("region_path", flat=True)}  # fmt: skip
    assert wind_counties and wind_counties <= set(demo.COASTAL_COUNTIES)
    slopes = Station.objects.filter(kind=StationKind.GEOHAZARD)
    assert 100 <= slopes.count() <= demo.LANDSLIDE_SITES
    prone = set(Region.objects.filter(disaster_prone=True).values_list("code", flat=True))
    assert set(slopes.values_list("region_id", flat=True)) <= prone

    # Hazard-source stations: linked both ways, 2–6 detectors plus a set per storage unit.
    chlorine, solvents = registries
    for source in registries:
        station = Station.objects.get(hazard_source=source)
        assert (station.kind, station.enterprise_id) == (StationKind.ENTERPRISE,
                                                         source.enterprise_id)  # fmt: skip
        types = Counter(station.sensors.values_list("type", flat=True))
        assert set(types) <= ENTERPRISE_STATION_SENSORS
        assert 2 <= types["gas_lel"] + types["toxic_ppm"] <= 6
    chlorine_types = set(Sensor.objects.filter(station__hazard_source=chlorine)
                         .values_list("type", "unit"))  # fmt: skip
    assert ("toxic_ppm", "ppm") in chlorine_types and ("gas_lel", "%LEL") not in chlorine_types
    tanks = dict(Sensor.objects.filter(station__hazard_source=solvents, type="tank_pressure")
                 .values_list("substance", "unit"))  # fmt: skip
    assert tanks == {"甲醇": "kPa", "液化石油气": "MPa"}  # atmospheric tank vs pressure vessel

    # Every generated sensor passes the registry's own rule (units, ranges, hysteresis).
    for sensor in Sensor.objects.all():
        values = {name: getattr(sensor, name) for name in ("type", "unit", *thresholds.FIELDS)}
        assert thresholds.check(values) == {}, sensor.code
    water = Sensor.objects.filter(type=SensorType.WATER_LEVEL, station__kind="hydrology")
    assert water.count() >= 50 and not water.filter(warn_on__isnull=True).exists()

    # Loaded once: a second call changes nothing.
    before = _snapshot()
    assert demo.load() == {}
    assert _snapshot() == before


def test_demo_is_deterministic_for_a_seed(registries):
    demo.load(seed=7)
    first = _snapshot()
    Sensor.objects.all().delete()
    Station.objects.all().delete()
    demo.load(seed=7)
    assert _snapshot() == first
    Sensor.objects.all().delete()
    Station.objects.all().delete()
    demo.load(seed=8)
    assert _snapshot() != first


def test_demo_feed_opens_with_alarms_to_handle_and_runs_once(registries):
    demo.load()
    counts = demo.feed_recent()
    assert counts["gauges"] > 0 and counts["readings"] == Reading.objects.count()
    rules = set(Alarm.objects.values_list("rule", flat=True))
    assert Rule.RAINSTORM in rules
    peaks = set(Alarm.objects.filter(rule=Rule.RAINSTORM).values_list("peak", flat=True))
    assert 3 in peaks and len(peaks) >= 2  # storm cells of different strength
    assert demo.feed_recent() == {}
