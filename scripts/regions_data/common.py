"""Constants, the region record and small helpers shared by the build modules."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

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


def full_code(short_code: str) -> str:
    """12-digit statistical code from a 2/4/6/9/12-digit one (330106 -> 330106000000)."""
    return short_code.ljust(12, "0")


def by_level(regions: dict[str, Region], level: str) -> list[Region]:
    return sorted((r for r in regions.values() if r.level == level), key=lambda r: r.code)


def children_index(regions: dict[str, Region]) -> dict[str, list[Region]]:
    index: dict[str, list[Region]] = {}
    for region in sorted(regions.values(), key=lambda r: r.code):
        index.setdefault(region.parent_code, []).append(region)
    return index


def hash_uniforms(key: str, count: int) -> NDArray[np.float64]:
    """``count`` deterministic uniforms in [0, 1) derived from ``key`` (SHAKE-256).

    Used instead of a seeded numpy Generator, whose distributions numpy does not promise
    to keep stable across versions; these depend on nothing but the key.
    """
    raw = np.frombuffer(hashlib.shake_256(key.encode()).digest(8 * count), dtype="<u8")
    return (raw >> np.uint64(11)).astype(np.float64) / float(2**53)


def round_coord(values: NDArray[np.float64]) -> NDArray[np.float64]:
    """Round coordinates to the output grid (5 decimals, about 1 m)."""
    return np.round(values, COORD_DECIMALS)
