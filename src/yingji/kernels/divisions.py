"""Parsing and checking the administrative-divisions dataset (pure, no Django).

The loader in ``yingji.regions.services`` validates the whole file with these functions
before it writes anything, so a corrupt file changes nothing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from yingji.kernels import codes

COLUMNS = (
    "code", "short_code", "level", "name", "parent_code", "population", "households",
    "population_source", "lon", "lat", "location_source",
)  # fmt: skip
MAX_POPULATION = 200_000_000
_PATH_LENGTH = dict(zip(codes.LEVELS, codes.SHORT_LENGTHS, strict=True))


class DatasetError(ValueError):
    """The dataset is malformed; the message names the line or code at fault."""


@dataclass(frozen=True, slots=True)
class Division:
    code: str
    path: str
    level: str
    name: str
    parent: str | None
    population: int
    households: int
    population_source: str
    lon: float | None
    lat: float | None
    location_source: str


def parse(text: str) -> list[Division]:
    """Every row of the CSV text, validated; raises :class:`DatasetError` on the first bad row."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if tuple(header or ()) != COLUMNS:
        raise DatasetError(f"unexpected columns {header}; expected {list(COLUMNS)}")
    rows = []
    for line, fields in enumerate(reader, start=2):
        try:
            rows.append(_division(fields))
        except (ValueError, KeyError) as exc:
            raise DatasetError(f"line {line}: {exc}") from exc
    return rows


def _division(fields: list[str]) -> Division:
    if len(fields) != len(COLUMNS):
        raise ValueError(f"{len(fields)} fields instead of {len(COLUMNS)}")
    code, path, level, name, parent, pop, hh, pop_source, lon, lat, loc_source = fields
    full = codes.to_12(code)
    if level not in _PATH_LENGTH:
        raise ValueError(f"unknown level {level!r}")
    if codes.short(full) != path or len(path) != _PATH_LENGTH[level]:
        raise ValueError(f"short code {path} does not match {full} ({level})")
    population, households = int(pop), int(hh)
    if not (0 <= population <= MAX_POPULATION and 0 <= households <= population):
        raise ValueError(f"population {population} / households {households} out of range")
    return Division(
        code=full,
        path=path,
        level=level,
        name=name.strip()[:64],
        parent=codes.to_12(parent) if parent else None,
        population=population,
        households=households,
        population_source=pop_source[:40],
        lon=_coordinate(lon, -180, 180),
        lat=_coordinate(lat, -90, 90),
        location_source=loc_source[:20],
    )


def _coordinate(text: str, low: float, high: float) -> float | None:
    if not text:
        return None
    value = float(text)
    if not low <= value <= high:  # also rejects NaN
        raise ValueError(f"coordinate {text} out of range")
    return value


def check_tree(rows: Iterable[Division]) -> None:
    """One province at the root; every other row's parent exists and is its prefix ancestor."""
    paths = {row.code: row.path for row in rows}
    roots = 0
    for row in rows:
        if row.parent is None:
            if row.level != "province":
                raise DatasetError(f"region {row.code} has no parent")
            roots += 1
            continue
        parent_path = paths.get(row.parent)
        if parent_path is None or not row.path.startswith(parent_path):
            raise DatasetError(f"region {row.code}: parent {row.parent} is not its ancestor")
    if roots != 1:
        raise DatasetError(f"expected one province at the root, found {roots}")


def descendant_counts(rows: Iterable[Division]) -> dict[str, tuple[int, int]]:
    """``{path: (townships, villages)}`` below each region, in one pass (no query)."""
    rows = list(rows)
    counts = {row.path: [0, 0] for row in rows}
    for row in rows:
        if row.level not in ("township", "village"):
            continue
        slot = 0 if row.level == "township" else 1
        for length in codes.SHORT_LENGTHS:
            if length < len(row.path) and row.path[:length] in counts:
                counts[row.path[:length]][slot] += 1
    return {path: (pair[0], pair[1]) for path, pair in counts.items()}


def bbox(geometry: dict[str, Any]) -> tuple[float, float, float, float]:
    """(min lon, min lat, max lon, max lat) of a GeoJSON Polygon or MultiPolygon."""
    if geometry.get("type") not in ("Polygon", "MultiPolygon"):
        raise DatasetError(f"geometry type {geometry.get('type')!r} is not a (Multi)Polygon")
    polygons = geometry["coordinates"]
    if geometry["type"] == "Polygon":
        polygons = [polygons]
    xs = [float(pt[0]) for polygon in polygons for ring in polygon for pt in ring]
    ys = [float(pt[1]) for polygon in polygons for ring in polygon for pt in ring]
    if not xs:
        raise DatasetError("empty geometry")
    return min(xs), min(ys), max(xs), max(ys)
