"""Deterministic outputs: gzip with mtime=0, rows and features sorted by code."""

from __future__ import annotations

import csv
import gzip
import io
import json
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
from shapely.geometry import MultiPolygon

from .common import (
    BOUNDARIES_FILE,
    CSV_HEADER,
    DIVISIONS_FILE,
    LEVELS,
    Region,
    by_level,
    round_coord,
)


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
