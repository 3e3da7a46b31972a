"""Rows as users type them into the station and sensor registries, and a small network."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.utils import translation

from yingji.core.registry import services
from yingji.monitoring.ingest import ingest
from yingji.monitoring.specs import SENSORS, STATIONS
from yingji.registry.models.enterprise import Enterprise
from yingji.registry.models.hazard import HazardSource

XIHU_STATION = "33-RAIN-330106-001"
BINJIANG_STATION = "33-RAIN-330108-001"


def station_row(code: str = XIHU_STATION, **changes: Any) -> dict[str, Any]:
    row = {
        "code": code, "name": "北山街道自动雨量站", "kind": "气象站", "region": "330106002",
        "address": "西湖区北山街道", "lon": 120.148, "lat": 30.262, "operator": "西湖区气象局",
        "active": "是",
    }  # fmt: skip
    row.update(changes)
    return row


def sensor_row(code: str = f"{XIHU_STATION}-R1", **changes: Any) -> dict[str, Any]:
    row = {
        "code": code, "station": XIHU_STATION, "type": "雨量", "unit": "mm",
        "expected_interval_s": 60, "active": "是", "installed_on": "2024-05-20",
    }  # fmt: skip
    row.update(changes)
    return row


@pytest.fixture
def stations(xihu_staff, binjiang_staff):
    """One rain station in 西湖区 and one in 滨江区, each created by its own county."""
    return (
        services.create(actor=xihu_staff, spec=STATIONS, data=station_row()),
        services.create(
            actor=binjiang_staff,
            spec=STATIONS,
            data=station_row(
                BINJIANG_STATION,
                name="西兴街道自动雨量站",
                region="330108001",
                address="滨江区西兴街道",
                lon=120.21,
                lat=30.2,
                operator="滨江区气象局",
            ),
        ),
    )


@pytest.fixture
def make_sensor(xihu_staff) -> Callable[..., Any]:
    def make(code: str = f"{XIHU_STATION}-R1", actor: Any = None, **changes: Any) -> Any:
        return services.create(
            actor=actor or xihu_staff, spec=SENSORS, data=sensor_row(code, **changes)
        )

    return make


@pytest.fixture
def make_source(db: None) -> Callable[..., HazardSource]:
    """A major hazard source (ORM) of ``enterprise``, numbered in 西湖区."""
    counter = iter(range(1, 1000))

    def make(enterprise: Enterprise, region: str = "330106002000") -> HazardSource:
        return HazardSource.objects.create(
            code=f"330106-WXY-{next(counter):04d}",
            name=f"{enterprise.name}储罐区重大危险源",
            enterprise=enterprise,
            people_within_500m=60,
            region_id=region,
            lon=120.14,
            lat=30.26,
        )

    return make


RAIN = f"{XIHU_STATION}-R1"
GAS = f"{XIHU_STATION}-G1"
SLOPE = f"{XIHU_STATION}-D1"
WIND = f"{XIHU_STATION}-W1"
STEP = 600  # the rain gauge reports every 10 minutes


@pytest.fixture
def gateway(make_user, stations, make_sensor):
    make_sensor(RAIN, expected_interval_s=STEP)
    make_sensor(GAS, type="可燃气体", unit="%LEL", expected_interval_s=5)
    make_sensor(SLOPE, type="地表位移", unit="mm", expected_interval_s=600)
    make_sensor(WIND, type="风速", unit="m/s", expected_interval_s=600)
    user = make_user("xihu-gateway", "330106", "viewer")
    user.is_machine = True
    user.save(update_fields=["is_machine"])
    return user


def post(user: Any, code: str, series: list[tuple[int, float]], batch: int = 7) -> None:
    """Ingest (epoch, value) readings of one sensor in batches, as a gateway would."""
    for start in range(0, len(series), batch):
        rows = [{"sensor": code, "ts": ts, "value": v} for ts, v in series[start : start + batch]]
        result = ingest(user, rows)
        assert result.rejected == []


BINJIANG_GAS = f"{BINJIANG_STATION}-G1"


@pytest.fixture
def binjiang_gateway(make_user, stations, make_sensor, binjiang_staff):
    """A gas detector in 滨江区 and the machine account of 滨江's gateway."""
    make_sensor(
        BINJIANG_GAS,
        actor=binjiang_staff,
        station=BINJIANG_STATION,
        type="可燃气体",
        unit="%LEL",
        expected_interval_s=5,
    )
    user = make_user("binjiang-gateway", "330108", "viewer")
    user.is_machine = True
    user.save(update_fields=["is_machine"])
    return user


@pytest.fixture(autouse=True)
def _english():
    """Messages are checked in English (the catalogue may translate them)."""
    with translation.override("en"):
        yield
