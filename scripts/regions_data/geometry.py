"""Boundaries (GCJ-02 -> WGS-84, cleaned and simplified) and the point of every region.

Province, city and county points are a representative point of the real boundary;
township and village points are synthetic, hash-seeded points inside the county.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import MultiPolygon, Point, Polygon

from yingji.kernels.coords import gcj02_to_wgs84

from .common import (
    COORD_DECIMALS,
    GRID,
    KM_PER_DEG,
    LEVELS,
    SRC_SYNTHETIC,
    ZHEJIANG_BBOX,
    BuildError,
    Region,
    by_level,
    check,
    hash_uniforms,
    round_coord,
)
from .sources import BoundarySource

# --------------------------------------------------------------------------- boundaries


def to_wgs84(geom: Any) -> Any:
    """Convert a GCJ-02 geometry to WGS-84 vertex by vertex (iterative inverse)."""

    def convert(xy: NDArray[np.float64]) -> NDArray[np.float64]:
        lon, lat = gcj02_to_wgs84(xy[:, 0], xy[:, 1])
        return np.column_stack([lon, lat])

    return shapely.transform(geom, convert)


def polygons(geom: Any) -> list[Polygon]:
    """The polygon parts of any (multi)polygon or geometry collection."""
    if isinstance(geom, Polygon):
        return [geom]
    if hasattr(geom, "geoms"):
        return [p for g in geom.geoms for p in polygons(g)]
    return []


def area_km2(geom: Any) -> float:
    """Approximate area (km²) of a lon/lat geometry, good enough for thresholds."""
    if geom.is_empty:
        return 0.0
    scale = KM_PER_DEG**2 * math.cos(math.radians(geom.centroid.y))
    return float(geom.area) * scale


def clean_boundary(geom: Any, tolerance: float, min_part_km2: float) -> MultiPolygon:
    """Simplify, drop slivers/tiny islands (never the largest part), snap to 1e-5°."""
    simplified = shapely.simplify(shapely.make_valid(geom), tolerance, preserve_topology=True)
    parts = polygons(shapely.make_valid(simplified))
    check(bool(parts), "a boundary became empty")
    largest = max(parts, key=lambda p: p.area)
    kept = [p for p in parts if p is largest or area_km2(p) >= min_part_km2]
    snapped = shapely.set_precision(MultiPolygon(kept), GRID)  # output is valid
    result = MultiPolygon(sorted(polygons(snapped), key=lambda p: -p.area))
    check(result.is_valid and not result.is_empty, "a cleaned boundary is invalid/empty")
    return result


def build_boundaries(
    source: BoundarySource, regions: dict[str, Region], tolerance: float, min_part_km2: float
) -> dict[str, MultiPolygon]:
    """WGS-84 boundaries keyed by 12-digit code for province, cities and counties."""
    wanted = {r.code[:6]: r.code for lvl in LEVELS[:3] for r in by_level(regions, lvl)}
    available = set(source.land_codes())
    missing = sorted(set(wanted) - available)
    check(not missing, f"no boundary for division codes {missing}")
    extra = sorted(available - set(wanted))
    check(not extra, f"boundaries without a 2023 division code: {extra}")
    return {
        wanted[c]: clean_boundary(to_wgs84(source.geometry(c)), tolerance, min_part_km2)
        for c in sorted(wanted)
    }


def check_boundaries(regions: dict[str, Region], shapes: dict[str, MultiPolygon]) -> None:
    lon_min, lat_min, lon_max, lat_max = ZHEJIANG_BBOX
    for code, geom in shapes.items():
        x0, y0, x1, y1 = geom.bounds
        check(
            lon_min <= x0 and x1 <= lon_max and lat_min <= y0 and y1 <= lat_max,
            f"{code} lies outside the Zhejiang box",
        )
    for region in by_level(regions, "county") + by_level(regions, "city"):
        point = Point(region.lon, region.lat)
        parent_shape = shapes[region.parent_code]
        check(
            parent_shape.buffer(0.01).contains(point),
            f"{region.name}'s point is not inside its parent's boundary",
        )


# --------------------------------------------------------------------------- locations


def anchor_point(geom: MultiPolygon) -> tuple[float, float]:
    """representative_point() of the boundary, rounded, and checked to stay inside."""
    for candidate in (geom, geom.buffer(-0.002)):
        if candidate.is_empty:
            continue
        p = candidate.representative_point()
        x, y = round(p.x, COORD_DECIMALS), round(p.y, COORD_DECIMALS)
        if geom.contains(Point(x, y)):
            return x, y
    raise BuildError("no representative point inside a boundary")


def sampling_area(county: MultiPolygon, inset_deg: float) -> Any:
    """The county shrunk by ``inset_deg`` so rounded synthetic points stay well inside."""
    inner = county.buffer(-inset_deg)
    area = inner if not inner.is_empty and inner.area > 0.02 * county.area else county
    shapely.prepare(area)
    return area


def first_inside(area: Any, xs: NDArray[np.float64], ys: NDArray[np.float64]) -> NDArray[Any]:
    """Index of the first candidate (per row) inside ``area``, -1 where none is."""
    inside = shapely.contains_xy(area, xs.ravel(), ys.ravel()).reshape(xs.shape)
    first = np.argmax(inside, axis=1)
    return np.where(inside.any(axis=1), first, -1)


def place_townships(kids: list[Region], area: Any, tries: int = 64) -> None:
    """Uniform points inside the (inset) county, hash-seeded by the township code."""
    x0, y0, x1, y1 = area.bounds
    for kid in kids:
        for attempt in range(20):
            u = hash_uniforms(f"loc:{kid.code}:{attempt}", 2 * tries).reshape(2, 1, tries)
            xs, ys = round_coord(x0 + u[0] * (x1 - x0)), round_coord(y0 + u[1] * (y1 - y0))
            idx = int(first_inside(area, xs, ys)[0])
            if idx >= 0:
                kid.lon, kid.lat = float(xs[0, idx]), float(ys[0, idx])
                break
        else:
            p = area.representative_point()
            kid.lon, kid.lat = round(p.x, COORD_DECIMALS), round(p.y, COORD_DECIMALS)
        kid.location_source = SRC_SYNTHETIC


def place_villages(township: Region, kids: list[Region], area: Any, radius: float) -> None:
    """Points within ``radius`` of the township point (uniform on the disc), inside the
    county; a village that finds no such point gets the township's own point."""
    tries = 32
    u = hash_uniforms(f"loc:{township.code}:villages", 2 * tries * len(kids))
    u = u.reshape(2, len(kids), tries)
    r = radius * np.sqrt(u[0])
    theta = 2.0 * np.pi * u[1]
    xs = round_coord(township.lon + r * np.cos(theta) / math.cos(math.radians(township.lat)))
    ys = round_coord(township.lat + r * np.sin(theta))
    first = first_inside(area, xs, ys)
    for row, kid in enumerate(kids):
        idx = int(first[row])
        kid.lon = float(xs[row, idx]) if idx >= 0 else township.lon
        kid.lat = float(ys[row, idx]) if idx >= 0 else township.lat
        kid.location_source = SRC_SYNTHETIC


def assign_locations(
    regions: dict[str, Region],
    index: dict[str, list[Region]],
    shapes: dict[str, MultiPolygon],
    inset_deg: float,
) -> None:
    for code, geom in shapes.items():
        regions[code].lon, regions[code].lat = anchor_point(geom)
        regions[code].location_source = "boundary"
    for county in by_level(regions, "county"):
        area = sampling_area(shapes[county.code], inset_deg)
        townships = index[county.code]
        place_townships(townships, area)
        # about half the typical spacing of township seats in this county
        radius = 0.5 * math.sqrt(area.area / len(townships))
        for township in townships:
            place_villages(township, index[township.code], area, radius)


def check_synthetic_points(regions: dict[str, Region], shapes: dict[str, MultiPolygon]) -> None:
    counties = {r.short_code: shapes[r.code] for r in by_level(regions, "county")}
    for geom in counties.values():
        shapely.prepare(geom)
    for level in ("township", "village"):
        for region in by_level(regions, level):
            county = counties[region.short_code[:6]]
            check(
                bool(shapely.contains_xy(county, region.lon, region.lat)),
                f"{region.code} point lies outside its county",
            )
