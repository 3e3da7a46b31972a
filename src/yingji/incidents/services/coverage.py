"""Rescue coverage (救援覆盖): which villages the plan's response circles do not reach.

- **Ground**: a village is covered when a rescue force (registry, not voided, located) is
  within 50 km great-circle and reachable within 60 minutes by the travel model — the plan's
  "50 公里/1 小时" ground rescue circle (:mod:`yingji.kernels.dispatch`: at 60 km/h with a
  1.3 detour the hour binds first, at 46 km).
- **Aviation**: covered when a helicopter base or landing point can reach it in 30 minutes,
  launch time included (settings ``YINGJI_AIR_SPEED_KMH``, default 200, and
  ``YINGJI_AIR_LAUNCH_MINUTES``, default 10).

The analysis runs in tens of milliseconds (``bench/bench_dispatch.py``); the result is kept
per process and recomputed whenever the forces, sites or villages change (their counts and
latest update time form its version), so the pages always reflect the current registries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import numpy as np
from django.conf import settings
from django.db.models import Count, Max, QuerySet

from yingji.kernels import dispatch as kernel
from yingji.regions.models import Level, Region
from yingji.registry.models.rescue import AviationSite, RescueForce

GROUND_KM: Final = kernel.GROUND_RADIUS_KM
GROUND_MINUTES: Final = kernel.GROUND_MAX_MINUTES
AIR_MINUTES: Final = kernel.AIR_MAX_MINUTES
MODES: Final = ("ground", "air")


@dataclass(frozen=True)
class Result:
    paths: list[str]  # villages, sorted
    names: list[str]
    lats: np.ndarray
    lons: np.ndarray
    ground: kernel.Coverage
    air: kernel.Coverage
    force_codes: list[str]
    site_codes: list[str]


_cache: dict[str, Any] = {"version": None, "result": None}


def model() -> kernel.GreatCircleModel:
    return kernel.GreatCircleModel(
        air_speed_kmh=float(getattr(settings, "YINGJI_AIR_SPEED_KMH", 200.0)),
        air_launch_minutes=float(getattr(settings, "YINGJI_AIR_LAUNCH_MINUTES", 10.0)),
    )


def _located(queryset: QuerySet[Any]) -> QuerySet[Any]:
    return queryset.filter(voided_at__isnull=True, lat__isnull=False, lon__isnull=False)


def _version() -> tuple[Any, ...]:
    parts: list[Any] = []
    for queryset in (_located(RescueForce.objects.all()), _located(AviationSite.objects.all())):
        parts += list(queryset.aggregate(n=Count("id"), at=Max("updated_at")).values())
    parts.append(Region.objects.filter(level=Level.VILLAGE, lat__isnull=False).count())
    m = model()
    return (*parts, m.air_speed_kmh, m.air_launch_minutes)


def _points(rows: list[tuple[Any, ...]]) -> tuple[np.ndarray, np.ndarray]:
    return (np.array([r[1] for r in rows], dtype=float),
            np.array([r[2] for r in rows], dtype=float))  # fmt: skip


def analyse() -> Result:
    """The current coverage (recomputed when the registries changed since the last call)."""
    version = _version()
    if _cache["version"] == version and _cache["result"] is not None:
        return _cache["result"]  # type: ignore[no-any-return]
    villages = list(
        Region.objects.filter(level=Level.VILLAGE, lat__isnull=False, lon__isnull=False)
        .order_by("path").values_list("path", "name", "lat", "lon")
    )  # fmt: skip
    lats = np.array([v[2] for v in villages], dtype=float)
    lons = np.array([v[3] for v in villages], dtype=float)
    forces = list(_located(RescueForce.objects.all()).values_list("code", "lat", "lon"))
    sites = list(_located(AviationSite.objects.all()).values_list("code", "lat", "lon"))
    m = model()
    f_lat, f_lon = _points(forces)
    s_lat, s_lon = _points(sites)
    ground = kernel.coverage(f_lat, f_lon, lats, lons, radius_km=GROUND_KM,
                             max_minutes=GROUND_MINUTES, model=m, mode="ground")  # fmt: skip
    air = kernel.coverage(s_lat, s_lon, lats, lons, max_minutes=AIR_MINUTES, model=m, mode="air")
    result = Result([v[0] for v in villages], [v[1] for v in villages], lats, lons, ground, air,
                    [f[0] for f in forces], [s[0] for s in sites])  # fmt: skip
    _cache["version"], _cache["result"] = version, result
    return result


def by_county(within: str | None = None) -> list[dict[str, Any]]:
    """Per county (within a jurisdiction path): villages, covered by ground and by air,
    and the shares."""
    result = analyse()
    counties: dict[str, dict[str, Any]] = {}
    for i, path in enumerate(result.paths):
        if within and not path.startswith(within):
            continue
        row = counties.setdefault(path[:6], {"code": path[:6], "villages": 0, "ground": 0,
                                             "air": 0})  # fmt: skip
        row["villages"] += 1
        row["ground"] += int(result.ground.covered[i])
        row["air"] += int(result.air.covered[i])
    names = dict(Region.objects.filter(path__in=list(counties)).values_list("path", "name"))
    rows = []
    for code, row in sorted(counties.items()):
        n = row["villages"] or 1
        rows.append({**row, "name": names.get(code, code), "ground_uncovered":
                     row["villages"] - row["ground"], "air_uncovered": row["villages"] - row["air"],
                     "ground_share": round(row["ground"] / n, 4),
                     "air_share": round(row["air"] / n, 4)})  # fmt: skip
    return rows


def uncovered(mode: str, within: str | None = None, limit: int = 30_000) -> list[dict[str, Any]]:
    """The villages a mode does not cover, with the nearest base and how far off it is."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}")
    result = analyse()
    found = result.ground if mode == "ground" else result.air
    codes = result.force_codes if mode == "ground" else result.site_codes
    rows = []
    for i in np.flatnonzero(~found.covered).tolist():
        path = result.paths[i]
        if within and not path.startswith(within):
            continue
        base = int(found.base[i])
        rows.append({
            "path": path, "name": result.names[i], "lat": float(result.lats[i]),
            "lon": float(result.lons[i]), "nearest": codes[base] if base >= 0 else None,
            "km": round(float(found.km[i]), 1) if base >= 0 else None,
            "minutes": round(float(found.minutes[i]), 1) if base >= 0 else None,
        })  # fmt: skip
        if len(rows) >= limit:
            break
    return rows


def geojson(mode: str, within: str | None = None) -> dict[str, Any]:
    """The uncovered villages as a GeoJSON layer for the maps."""
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
             "properties": {k: r[k] for k in ("path", "name", "nearest", "km", "minutes")}}
            for r in uncovered(mode, within)
        ],
    }  # fmt: skip
