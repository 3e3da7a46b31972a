"""Tests over the committed region data files in data/regions/.

The files are built by scripts/build_regions_data.py; see data/README.md.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections import Counter, defaultdict
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely
from shapely.geometry import shape

DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "regions"
DIVISIONS = DATA_DIR / "zhejiang_divisions.csv.gz"
BOUNDARIES = DATA_DIR / "zhejiang_boundaries.geojson.gz"

HEADER = [
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
]
SHORT_LEN = {"province": 2, "city": 4, "county": 6, "township": 9, "village": 12}
ZHEJIANG_POPULATION_2020 = 64_567_588  # 7th census, Zhejiang total
LON_RANGE = (118.0, 123.5)
LAT_RANGE = (27.0, 31.5)


@cache
def rows() -> tuple[dict[str, str], ...]:
    with gzip.open(DIVISIONS, "rt", encoding="utf-8", newline="") as handle:
        return tuple(csv.DictReader(handle))


@cache
def by_code() -> dict[str, dict[str, str]]:
    return {r["code"]: r for r in rows()}


@cache
def features() -> tuple[dict[str, Any], ...]:
    with gzip.open(BOUNDARIES, "rt", encoding="utf-8") as handle:
        collection = json.load(handle)
    assert collection["type"] == "FeatureCollection"
    return tuple(collection["features"])


@cache
def geometries() -> dict[str, Any]:
    """Boundary geometry keyed by the 6-digit code, prepared for point tests."""
    shapes = {f["properties"]["code"]: shape(f["geometry"]) for f in features()}
    for geom in shapes.values():
        shapely.prepare(geom)
    return shapes


def level_rows(level: str) -> list[dict[str, str]]:
    return [r for r in rows() if r["level"] == level]


def test_header_and_sort_order() -> None:
    with gzip.open(DIVISIONS, "rt", encoding="utf-8") as handle:
        assert next(csv.reader(io.StringIO(handle.readline()))) == HEADER
    codes = [r["code"] for r in rows()]
    assert codes == sorted(codes)
    assert len(codes) == len(set(codes))


def test_counts_per_level() -> None:
    counts = Counter(r["level"] for r in rows())
    assert counts["province"] == 1
    assert counts["city"] == 11
    assert counts["county"] == 90
    assert counts["township"] >= 1350
    assert counts["village"] >= 25000
    assert set(counts) == set(SHORT_LEN)


def test_codes_short_codes_and_parents_nest() -> None:
    index = by_code()
    for r in rows():
        assert len(r["code"]) == 12
        assert r["code"].isdigit()
        assert len(r["short_code"]) == SHORT_LEN[r["level"]]
        assert r["code"] == r["short_code"].ljust(12, "0")
        if r["level"] == "province":
            assert r["parent_code"] == ""
            continue
        parent = index[r["parent_code"]]
        assert r["short_code"].startswith(parent["short_code"])
        assert list(SHORT_LEN).index(parent["level"]) + 1 == list(SHORT_LEN).index(r["level"])


def test_county_populations_sum_to_the_census_total() -> None:
    assert sum(int(r["population"]) for r in level_rows("county")) == ZHEJIANG_POPULATION_2020
    assert int(level_rows("province")[0]["population"]) == ZHEJIANG_POPULATION_2020


def test_children_sum_to_parents() -> None:
    pop: dict[str, int] = defaultdict(int)
    households: dict[str, int] = defaultdict(int)
    for r in rows():
        pop[r["parent_code"]] += int(r["population"])
        households[r["parent_code"]] += int(r["households"])
    for r in rows():
        if r["level"] == "village":
            continue
        assert pop[r["code"]] == int(r["population"]), r["code"]
        assert households[r["code"]] == int(r["households"]), r["code"]


@pytest.mark.parametrize(
    ("short_code", "population", "source"),
    [
        ("330106", 1_112_992, "census2020"),  # 西湖区 incl. the scenic area
        ("330113", 1_175_841, "census2020-hz-bulletin"),  # 临平区 (created 2021)
        ("330114", 769_150, "census2020-hz-bulletin"),  # 钱塘区 (created 2021)
        ("330303", 475_693 + 249_343, "census2020-merged"),  # 龙湾区 + Wenzhou ETDZ
        ("330383", 464_732, "census2020"),  # 龙港市 (split from 苍南 2019)
        ("330922", 66_903, "census2020"),  # 嵊泗县
    ],
)
def test_real_county_figures(short_code: str, population: int, source: str) -> None:
    row = by_code()[short_code.ljust(12, "0")]
    assert int(row["population"]) == population
    assert row["population_source"] == source
    assert 1.5 < population / int(row["households"]) < 4.0


def test_population_sources_and_values() -> None:
    expected = {
        "province": {"sum-of-children"},
        "city": {"sum-of-children"},
        "county": {"census2020", "census2020-merged", "census2020-hz-bulletin"},
        "township": {"synthetic"},
        "village": {"synthetic"},
    }
    for level, sources in expected.items():
        assert {r["population_source"] for r in level_rows(level)} <= sources
    assert all(int(r["population"]) > 0 for r in rows())
    assert all(0 <= int(r["households"]) <= int(r["population"]) for r in rows())


def test_points_are_in_zhejiang_with_five_decimals() -> None:
    for r in rows():
        lon, lat = float(r["lon"]), float(r["lat"])
        assert LON_RANGE[0] < lon < LON_RANGE[1]
        assert LAT_RANGE[0] < lat < LAT_RANGE[1]
        assert len(r["lon"].split(".")[1]) == 5
        real = r["level"] in {"province", "city", "county"}
        assert r["location_source"] == ("boundary" if real else "synthetic")


def test_boundaries_cover_every_province_city_and_county() -> None:
    codes = {f["properties"]["code"] for f in features()}
    wanted = {
        r["short_code"].ljust(6, "0")
        for r in rows()
        if r["level"] in {"province", "city", "county"}
    }
    assert len(features()) == 102
    assert codes == wanted
    assert {"330113", "330114", "330383"} <= codes
    for f in features():
        row = by_code()[f["properties"]["code"].ljust(12, "0")]
        assert f["properties"]["name"] == row["name"]
        assert f["properties"]["level"] == row["level"]


def test_geometries_are_valid_wgs84_around_zhejiang() -> None:
    for code, geom in geometries().items():
        assert geom.geom_type == "MultiPolygon", code
        assert geom.is_valid, code
        assert not geom.is_empty, code
        x0, y0, x1, y1 = geom.bounds
        assert LON_RANGE[0] <= x0 < x1 <= LON_RANGE[1], code
        assert LAT_RANGE[0] <= y0 < y1 <= LAT_RANGE[1], code


def test_coordinates_are_rounded_to_five_decimals() -> None:
    coords = np.concatenate([shapely.get_coordinates(g) for g in geometries().values()])
    np.testing.assert_allclose(coords, np.round(coords, 5), rtol=0, atol=1e-9)


@pytest.mark.parametrize("code", ["330922", "330921", "330305", "330903"])
def test_island_counties_keep_their_islands(code: str) -> None:
    geom = geometries()[code]
    assert len(geom.geoms) >= 5  # 嵊泗/岱山/洞头/普陀 are archipelagos
    assert geom.area > 1e-3


def test_boundary_points_lie_inside_their_boundaries() -> None:
    for r in rows():
        if r["level"] in {"province", "city", "county"}:
            geom = geometries()[r["short_code"].ljust(6, "0")]
            assert shapely.contains_xy(geom, float(r["lon"]), float(r["lat"])), r["code"]


def test_synthetic_points_fall_inside_their_county() -> None:
    sample = level_rows("township") + level_rows("village")[::7]
    for r in sample:
        county = geometries()[r["short_code"][:6]]
        assert shapely.contains_xy(county, float(r["lon"]), float(r["lat"])), r["code"]


def test_files_stay_small() -> None:
    assert DIVISIONS.stat().st_size < 2_000_000
    assert BOUNDARIES.stat().st_size < 3_000_000
