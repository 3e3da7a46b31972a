"""Parsing request parameters shared by several endpoints (one message per mistake)."""

from __future__ import annotations

import math

from yingji.core.errors import InvalidInput


def parse_bbox(raw: str) -> tuple[float, float, float, float] | None:
    """'minLon,minLat,maxLon,maxLat' → a checked tuple (WGS-84 degrees); '' → None."""
    if not raw:
        return None
    try:
        box = tuple(float(p) for p in raw.split(","))
    except ValueError:
        box = ()
    if len(box) != 4 or not all(math.isfinite(v) for v in box):
        raise InvalidInput("bbox must be four numbers: minLon,minLat,maxLon,maxLat", field="bbox")
    min_lon, min_lat, max_lon, max_lat = box
    if not (-180 <= min_lon <= 180 and -180 <= max_lon <= 180):
        raise InvalidInput("bbox longitudes must lie within -180…180", field="bbox")
    if not (-90 <= min_lat <= 90 and -90 <= max_lat <= 90):
        raise InvalidInput("bbox latitudes must lie within -90…90", field="bbox")
    if min_lon >= max_lon or min_lat >= max_lat:
        raise InvalidInput("bbox is inverted: give minLon,minLat,maxLon,maxLat", field="bbox")
    return min_lon, min_lat, max_lon, max_lat
