"""The demo monitoring network: synthetic, deterministic for a seed, inserted in bulk.

Run after the demo registries (it reads the disaster-prone villages and the major hazard
sources). What a province's platform would hold, in kind and rough size:

- a rain gauge in every township (≈ 1,390, reporting each minute), three in ten with a
  thermometer (两要素站);
- automatic weather stations on the coast (wind speed, gust, temperature), three per coastal
  county;
- water-level gauges every ~12 km along the main rivers (the river lines are coarse
  approximations of the real ones), with 警戒/保证水位 set per gauge;
- urban waterlogging points (易涝点积水) in each city's central district;
- landslide displacement monitors (GNSS, crack meters) at 300 disaster-prone villages, more
  of them in the south-western mountains;
- at each major hazard source, 2–6 gas detectors (%LEL for flammables, ppm for toxic
  gases, by the chemicals the source holds) and a level/pressure/temperature set per storage
  unit, with set points following the tank (atmospheric tanks in kPa, pressure vessels in MPa).

Every row is marked synthetic.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
from django.db import transaction

from yingji.core import audit
from yingji.core import services as core_services
from yingji.core.models import User
from yingji.monitoring.ingest import ingest
from yingji.monitoring.models import Sensor, SensorState, Station, StationKind
from yingji.monitoring.models import SensorType as T
from yingji.registry.demo.context import DemoContext, Place
from yingji.registry.models.hazard import HazardChemical, HazardSource, UnitKind

# Counties on the open sea or Hangzhou Bay (GB/T 2260 codes; all in the 2023 divisions).
COASTAL_COUNTIES: Final = (
    "330114", "330206", "330211", "330212", "330213", "330225", "330226", "330281", "330282",
    "330303", "330305", "330326", "330327", "330381", "330382", "330383", "330424", "330481",
    "330482", "330603", "330604", "330902", "330903", "330921", "330922", "331002", "331004",
    "331022", "331081", "331082", "331083",
)  # fmt: skip
WIND_PER_COUNTY = 3
WATERLOGGING_PER_CITY = 3
LANDSLIDE_SITES = 300
RIVER_SPACING_KM = 12.0
# Main rivers as (lon, lat) polylines through the towns they pass, upstream first.
RIVERS: Final[dict[str, tuple[tuple[float, float], ...]]] = {
    "新安江—富春江—钱塘江": ((118.90, 29.60), (119.28, 29.48), (119.69, 29.80),
                              (119.95, 30.05), (120.20, 30.20), (120.55, 30.40)),
    "衢江—兰江": ((118.51, 28.90), (118.87, 28.94), (119.17, 29.03), (119.46, 29.21),
                  (119.28, 29.48)),
    "婺江": ((120.24, 29.29), (120.07, 29.31), (119.65, 29.08), (119.46, 29.21)),
    "瓯江": ((119.13, 28.07), (119.92, 28.45), (120.29, 28.14), (120.65, 28.02)),
    "椒江—灵江": ((120.73, 28.85), (121.13, 28.85), (121.44, 28.68)),
    "甬江—姚江": ((121.15, 30.04), (121.55, 29.88), (121.72, 29.95)),
    "曹娥江": ((120.90, 29.50), (120.82, 29.59), (120.87, 30.03)),
    "苕溪": ((119.68, 30.63), (120.10, 30.87), (120.13, 31.00)),
    "飞云江": ((120.09, 27.79), (120.65, 27.78)),
    "浦阳江": ((119.89, 29.45), (120.24, 29.71), (120.27, 30.10)),
}  # fmt: skip
# Demo set points of toxic-gas detectors (ppm), of the order of 100 %/200 % of the substances'
# occupational limits; synthetic, not a reference (see thresholds.DEFAULTS[toxic_ppm]).
TOXIC_SETPOINTS: Final = {"液氯": 0.5, "液氨": 25.0, "苯": 2.0, "氯乙烯": 4.0}
ALSO_FLAMMABLE: Final = {"液氨"}  # toxic (J) but also flammable
PRESSURISED: Final = {"液氯", "液氨", "液化石油气", "氯乙烯", "天然气", "氢"}
CRYOGENIC: Final = {"天然气"}  # LNG: the alarm is on warming
FIRST_INSTALLED: Final = dt.date(2016, 1, 1)  # sensors were installed over the ten years since


@dataclass
class Network:
    stations: list[Station] = field(default_factory=list)
    sensors: list[tuple[str, Sensor]] = field(default_factory=list)  # (station code, sensor)
    serial: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def code(self, prefix: str, county: str) -> str:
        self.serial[f"{prefix}-{county}"] += 1
        return f"33-{prefix}-{county}-{self.serial[f'{prefix}-{county}']:03d}"

    def at(self, prefix: str, place: Place, lon: float, lat: float, **fields: Any) -> Station:
        """A station near ``place``, coded by its county: 33-RAIN-330106-001."""
        return self.station(code=self.code(prefix, place.path[:6]), region_id=place.code,
                            lon=float(lon), lat=float(lat), **fields)  # fmt: skip

    def station(self, **fields: Any) -> Station:
        station = Station(**fields)
        self.stations.append(station)
        return station

    def sensor(
        self, station: Station, suffix: str, kind: str, unit: str, every: int, **fields: Any
    ) -> None:
        sensor = Sensor(
            code=f"{station.code}-{suffix}", type=kind, unit=unit, expected_interval_s=every,
            **fields,
        )  # fmt: skip
        self.sensors.append((station.code, sensor))


def already_loaded() -> bool:
    return Station.objects.filter(synthetic=True).exists()


def load(seed: int = 20210101, *, scale: str = "default") -> dict[str, int]:
    """Generate the network in one transaction; ``{}`` when it is already loaded."""
    if already_loaded():
        return {}
    ctx = DemoContext(seed=seed, scale=scale)
    with transaction.atomic():
        generate(ctx)
        audit.record(actor=None, action="load", object_type="monitoring.demo",
                     object_id=str(seed), object_repr="demo monitoring network",
                     after=dict(ctx.counts))  # fmt: skip
    return dict(ctx.counts)


def generate(ctx: DemoContext) -> None:
    net = Network()
    counties = {c.path: c.name for c in ctx.counties}
    _rain_gauges(ctx, net, counties)
    _wind_stations(ctx, net, counties)
    _river_gauges(ctx, net, counties)
    _waterlogging(ctx, net)
    _landslides(ctx, net, counties)
    _hazard_sources(ctx, net)
    ctx.insert("stations", Station, net.stations)
    pks = _pks(s.code for s in net.stations)
    for station_code, sensor in net.sensors:
        sensor.station_id = pks[station_code]
    sensors = [s for _code, s in net.sensors]
    rng = ctx.rng("monitoring-installed")
    days = rng.integers(0, 3650, len(sensors)).tolist()
    in_service = (rng.random(len(sensors)) >= 0.015).tolist()  # a few are out for maintenance
    for sensor, day, active in zip(sensors, days, in_service, strict=True):
        sensor.installed_on, sensor.active = FIRST_INSTALLED + dt.timedelta(days=day), active
    ctx.insert("sensors", Sensor, sensors)


def _pks(codes: Any) -> dict[str, int]:
    wanted = list(codes)
    found: dict[str, int] = {}
    for start in range(0, len(wanted), 900):
        chunk = wanted[start : start + 900]
        found.update(Station.objects.filter(code__in=chunk).values_list("code", "pk"))
    return found


def _sample(rng: np.random.Generator, items: Sequence[Place], size: int) -> list[Place]:
    chosen = rng.choice(len(items), min(size, len(items)), replace=False)
    return [items[i] for i in sorted(chosen.tolist())]


def _rain_gauges(ctx: DemoContext, net: Network, counties: dict[str, str]) -> None:
    rng = ctx.rng("monitoring-rain")
    townships = ctx.townships
    lon, lat = ctx.points_near(townships, 0.01, rng)
    two_element = (rng.random(len(townships)) < 0.3).tolist()
    for place, x, y, thermo in zip(townships, lon, lat, two_element, strict=True):
        county = counties.get(place.path[:6], "")
        station = net.at("RAIN", place, x, y, kind=StationKind.WEATHER,
                         name=f"{place.name}自动雨量站", operator=f"{county}气象局",
                         address=f"{county}{place.name}")  # fmt: skip
        net.sensor(station, "R1", T.RAIN, "mm", 60)
        if thermo:
            net.sensor(station, "T1", T.TEMPERATURE, "℃", 60)


def _wind_stations(ctx: DemoContext, net: Network, counties: dict[str, str]) -> None:
    rng = ctx.rng("monitoring-wind")
    by_county: dict[str, list[Place]] = defaultdict(list)
    for place in ctx.townships:
        by_county[place.path[:6]].append(place)
    for code in COASTAL_COUNTIES:
        picked = _sample(rng, by_county.get(code, []), WIND_PER_COUNTY)
        if not picked:
            continue
        lon, lat = ctx.points_near(picked, 0.01, rng)
        for place, x, y in zip(picked, lon, lat, strict=True):
            station = net.at("AWS", place, x, y, kind=StationKind.WEATHER,
                             name=f"{place.name}自动气象站", operator=f"{counties[code]}气象局",
                             address=f"{counties[code]}{place.name}")  # fmt: skip
            net.sensor(station, "WS", T.WIND_SPEED, "m/s", 60)
            net.sensor(station, "WG", T.WIND_GUST, "m/s", 60)
            net.sensor(station, "T1", T.TEMPERATURE, "℃", 60)


def _along(
    line: Sequence[tuple[float, float]], spacing_km: float
) -> list[tuple[float, float, float]]:
    """Points every ``spacing_km`` along a polyline: (lon, lat, fraction of the way down)."""
    pts = np.asarray(line)
    scale = np.array([111.3 * np.cos(np.radians(pts[:, 1].mean())), 111.3])
    legs = np.linalg.norm(np.diff(pts, axis=0) * scale, axis=1)
    ends = np.cumsum(legs)
    out = []
    for dist in np.arange(spacing_km / 2, float(ends[-1]), spacing_km):
        leg = int(np.searchsorted(ends, dist))
        x, y = pts[leg] + (pts[leg + 1] - pts[leg]) * (dist - (ends[leg] - legs[leg])) / legs[leg]
        out.append((float(x), float(y), float(dist / ends[-1])))
    return out


def _reach(river: str, down: float) -> str:
    """The name of the stretch a point lies on: 新安江—富春江—钱塘江 in thirds, and so on."""
    names = river.split("—")
    return names[min(int(down * len(names)), len(names) - 1)]


def _nearest(places: Sequence[Place], lon: float, lat: float) -> Place:
    xy = np.array([(p.lon, p.lat) for p in places])
    return places[int(np.argmin(((xy - (lon, lat)) ** 2).sum(axis=1)))]


def _river_gauges(ctx: DemoContext, net: Network, counties: dict[str, str]) -> None:
    rng = ctx.rng("monitoring-rivers")
    for river, line in RIVERS.items():
        for lon, lat, down in _along(line, RIVER_SPACING_KM):
            x, y = round(lon + rng.normal(0, 0.003), 6), round(lat + rng.normal(0, 0.003), 6)
            place = _nearest(ctx.townships, x, y)
            county = counties[place.path[:6]]
            station = net.at("WL", place, x, y, kind=StationKind.HYDROLOGY,
                             name=f"{_reach(river, down)}{place.name}水位站",
                             operator=f"{county}水利局",
                             address=f"{county}{place.name}")  # fmt: skip
            datum = 60.0 * (1 - down) ** 2 + 2.0  # the water surface falls towards the sea
            warn = round(datum + rng.uniform(3.0, 6.0), 2)  # 警戒水位
            alarm = round(warn + rng.uniform(1.0, 2.5), 2)  # 保证水位
            net.sensor(station, "H1", T.WATER_LEVEL, "m", 300, warn_on=warn,
                       warn_off=round(warn - 0.1, 2), alarm_on=alarm,
                       alarm_off=round(alarm - 0.1, 2))  # fmt: skip


def _waterlogging(ctx: DemoContext, net: Network) -> None:
    """易涝点积水监测: water depth on streets and underpasses of each city's central district."""
    rng = ctx.rng("monitoring-waterlogging")
    centres: dict[str, Place] = {}
    for county in ctx.counties:
        centres.setdefault(county.path[:4], county)  # the lowest code: the central district
    for centre in centres.values():
        towns = [t for t in ctx.townships if t.path.startswith(centre.path)]
        picked = _sample(rng, towns, WATERLOGGING_PER_CITY)
        lon, lat = ctx.points_near(picked, 0.005, rng)
        for place, x, y in zip(picked, lon, lat, strict=True):
            station = net.at("JS", place, x, y, kind=StationKind.OTHER,
                             name=f"{place.name}易涝点积水监测",
                             operator=f"{centre.name}城市管理局",
                             address=f"{centre.name}{place.name}")  # fmt: skip
            net.sensor(station, "D1", T.WATER_LEVEL, "m", 300, substance="积水深度",
                       warn_on=0.15, warn_off=0.1, alarm_on=0.3, alarm_off=0.25)  # fmt: skip


def _landslides(ctx: DemoContext, net: Network, counties: dict[str, str]) -> None:
    rng = ctx.rng("monitoring-landslides")
    villages = ctx.disaster_prone_villages
    if not villages:
        return
    lon = np.array([v.lon for v in villages])
    lat = np.array([v.lat for v in villages])
    mountains = 1 / (1 + np.exp(-(120.4 - lon) * 3)) / (1 + np.exp(-(29.7 - lat) * 3))
    weight = 0.05 + mountains
    size = min(LANDSLIDE_SITES, len(villages))
    chosen = np.sort(rng.choice(len(villages), size, replace=False, p=weight / weight.sum()))
    picked = [villages[i] for i in chosen.tolist()]
    px, py = ctx.points_near(picked, 0.004, rng)
    for place, x, y in zip(picked, px, py, strict=True):
        county = counties[place.path[:6]]
        station = net.at("DZ", place, x, y, kind=StationKind.GEOHAZARD,
                         name=f"{place.name}滑坡隐患点监测", operator=f"{county}自然资源和规划局",
                         address=f"{county}{place.name}")  # fmt: skip
        for k in range(1, int(rng.integers(1, 4)) + 1):
            warn = float(rng.choice([20.0, 30.0, 50.0]))  # cumulative mm, set per slope
            net.sensor(station, f"D{k}", T.DISPLACEMENT, "mm", 600,
                       substance="GNSS 地表位移" if k == 1 else "裂缝位移",
                       warn_on=warn, alarm_on=2 * warn)  # fmt: skip


def _hazard_sources(ctx: DemoContext, net: Network) -> None:
    rng = ctx.rng("monitoring-hazard-sources")
    sources = list(
        HazardSource.objects.filter(voided_at__isnull=True)
        .order_by("code")
        .values_list(
            "pk",
            "code",
            "name",
            "enterprise_id",
            "enterprise__name",
            "region_id",
            "address",
            "lon",
            "lat",
        )
    )
    held: dict[int, list[tuple[str, str, str, str]]] = defaultdict(list)
    rows = (
        HazardChemical.objects.filter(voided_at__isnull=True, unit__voided_at__isnull=True)
        .order_by("unit__code", "pk")
        .values_list("unit__source_id", "unit__code", "unit__kind", "name", "hazard_category")
    )
    for source_id, unit, kind, name, category in rows:
        held[source_id].append((unit, kind, name, category))
    for pk, code, name, enterprise, owner, region, address, lon, lat in sources:
        station = net.station(
            code=f"{code}-JC", name=f"{name[:96]}监测点", kind=StationKind.ENTERPRISE,
            region_id=region, address=address, lon=lon, lat=lat, operator=owner[:100],
            enterprise_id=enterprise, hazard_source_id=pk,
        )  # fmt: skip
        chemicals = list(dict.fromkeys((n, c) for _u, _k, n, c in held[pk]))
        _detectors(net, station, chemicals, int(rng.integers(2, 7)))
        tanks: dict[str, str] = {}  # storage unit → its first chemical
        for unit, kind, chemical, _c in held[pk]:
            if kind == UnitKind.STORAGE:
                tanks.setdefault(unit, chemical)
        for index, chemical in enumerate(tanks.values(), start=1):
            _tank(net, station, index, chemical, rng)


def _detectors(
    net: Network, station: Station, chemicals: Sequence[tuple[str, str]], count: int
) -> None:
    """Gas detectors cycling over the chemicals held: ppm for toxic ones, %LEL for flammable."""
    kinds: list[tuple[str, str]] = []
    for name, category in chemicals:
        toxic = name in TOXIC_SETPOINTS or category.startswith("J")
        if toxic:
            kinds.append((T.TOXIC_PPM, name))
        if not category.startswith("J") or name in ALSO_FLAMMABLE:
            kinds.append((T.GAS_LEL, name))
    kinds = kinds or [(T.GAS_LEL, "可燃气体")]
    for i in range(count):
        kind, substance = kinds[i % len(kinds)]
        if kind == T.TOXIC_PPM:
            on = TOXIC_SETPOINTS.get(substance)
            limits = {} if on is None else {"warn_on": on, "warn_off": 0.8 * on,
                                            "alarm_on": 2 * on, "alarm_off": 1.6 * on}  # fmt: skip
            net.sensor(station, f"G{i + 1}", kind, "ppm", 60, substance=substance, **limits)
        else:
            net.sensor(station, f"G{i + 1}", kind, "%LEL", 60, substance=substance)


def _tank(
    net: Network, station: Station, index: int, chemical: str, rng: np.random.Generator
) -> None:
    """Level, pressure and temperature of one tank, with set points following its design."""
    level: dict[str, float]
    pressure: dict[str, float]
    if chemical in PRESSURISED:  # a pressure vessel: fill ratio in %, pressure in MPa
        level_unit, pressure_unit = "%", "MPa"
        level = {"warn_on": 85.0, "warn_off": 83.0, "alarm_on": 90.0, "alarm_off": 88.0}
        design = float(rng.uniform(1.6, 2.5))  # design pressure, MPa
    else:  # an atmospheric tank: level in m of its height, pressure in kPa
        level_unit, pressure_unit = "m", "kPa"
        height = float(rng.uniform(8.0, 20.0))
        level = {"warn_on": round(0.85 * height, 2), "alarm_on": round(0.9 * height, 2)}
        design = float(rng.uniform(2.0, 6.0))  # design pressure, kPa
    pressure = {"warn_on": round(0.8 * design, 3), "alarm_on": round(0.9 * design, 3)}
    cold = chemical in CRYOGENIC
    heat = {"warn_on": -150.0, "alarm_on": -140.0} if cold else {"warn_on": 40.0, "alarm_on": 50.0}
    tank = f"T{index}"
    net.sensor(station, f"{tank}L", T.TANK_LEVEL, level_unit, 60, substance=chemical, **level)
    net.sensor(station, f"{tank}P", T.TANK_PRESSURE, pressure_unit, 60, substance=chemical,
               **pressure)  # fmt: skip
    net.sensor(station, f"{tank}T", T.TANK_TEMPERATURE, "℃", 60, substance=chemical, **heat)


# ---------------------------------------------------------------- recent readings

FEED_COUNTIES: Final = ("330106", "330108", "330110", "330127")  # 西湖, 滨江, 余杭, 淳安
FEED_GAUGES: Final = 24
GATEWAY: Final = "demo-gateway"


def feed_recent(now: dt.datetime | None = None, seed: int = 20190809) -> dict[str, int]:
    """The last 24 hours of some rain gauges and gas detectors around Hangzhou, posted through
    the real ingest path by a gateway account, so the demo opens with alarms to handle: a
    storm cell over a third of the gauges (蓝 to 红 by its strength) and one gas leak.

    Skipped when readings exist. The feed then stops, so these sensors go 数据中断 (stale)
    a few minutes later, as a real network would show a silent gateway.
    """
    if SensorState.objects.exists():
        return {}
    gateway = User.objects.filter(username=GATEWAY).first()
    if gateway is None:  # a machine account signs in with API tokens only: a throwaway password
        gateway = core_services.create_user(
            actor=None, username=GATEWAY, password=secrets.token_urlsafe(24), region_code="33",
            roles=["viewer"], display_name="示范数据网关", is_machine=True,
        )  # fmt: skip
    now = (now or dt.datetime.now(dt.UTC)).replace(second=0, microsecond=0)
    end = int(now.timestamp())
    rng = np.random.default_rng(seed)
    rows: list[tuple[str, int, float]] = []
    gauges = list(
        Sensor.objects.filter(
            type=T.RAIN, station__region_path__regex=rf"^({'|'.join(FEED_COUNTIES)})"
        )
        .order_by("code")
        .values_list("code", flat=True)[:FEED_GAUGES]
    )
    minutes = np.arange(-24 * 60 + 1, 1)
    for i, code in enumerate(gauges):
        rain = np.round(rng.gamma(0.2, 0.05, minutes.size), 1)
        if i % 3 == 0:  # a storm cell 5 hours ago, 3 hours long, 40-130 mm in all
            total = 40 + 90 * (i / max(1, len(gauges) - 1))
            cell = (minutes > -8 * 60) & (minutes <= -5 * 60)
            rain[cell] += np.round(total / cell.sum(), 1)
        rows += [(code, end + 60 * int(m), float(v)) for m, v in zip(minutes, rain, strict=True)]
    detectors = list(
        Sensor.objects.filter(type=T.GAS_LEL, station__region_path__startswith="3301")
        .order_by("code")
        .values_list("code", "expected_interval_s")[:5]
    )
    for j, (code, interval) in enumerate(detectors):
        ticks = np.arange(end - 3600, end + 1, max(interval, 10))
        level = np.round(np.clip(rng.normal(3, 1, ticks.size), 0, 100), 1)
        if j == 0:  # a leak 40 minutes ago, peaking at 62 %LEL for ten minutes
            leak = (ticks > end - 2400) & (ticks <= end - 1800)
            level[leak] = np.round(np.linspace(20, 62, int(leak.sum())), 1)
        rows += [(code, int(t), float(v)) for t, v in zip(ticks, level, strict=True)]
    accepted = 0
    for start in range(0, len(rows), 10_000):
        accepted += ingest(gateway, rows[start : start + 10_000]).accepted
    return {"readings": accepted, "gauges": len(gauges), "detectors": len(detectors)}
