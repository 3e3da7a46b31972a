"""Which places a warning area covers: points (village centres) inside CAP polygons and circles.

A warning reaches villages, and through them people; a village is inside an area when its
centre point is. Shapes come in CAP order ([lat, lon] pairs, WGS-84; a circle is a centre and
a radius in km); points come as longitude and latitude arrays, as the regions table keeps them.

- Polygon: even–odd ray casting, vectorised over the points (one pass per edge, so 25,000
  villages × a 1,000-point polygon is 25 M cheap operations). A point exactly on an edge may
  fall either side; village centres are points, so this is a set of measure zero. A bounding
  box test skips the points that cannot be inside.
- Circle: great-circle (haversine) distance on a sphere of radius 6,371.0088 km (the mean
  Earth radius), inclusive: a point at exactly the radius is inside.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import numpy as np
from numpy.typing import ArrayLike

from yingji.kernels.arrays import BoolArray, FloatArray

__all__ = ["EARTH_RADIUS_KM", "in_circle", "in_polygon", "in_shapes"]

EARTH_RADIUS_KM: Final = 6371.0088


def _points(lons: ArrayLike, lats: ArrayLike) -> tuple[FloatArray, FloatArray]:
    x = np.asarray(lons, dtype=np.float64)
    y = np.asarray(lats, dtype=np.float64)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError("lons and lats must be 1-D arrays of the same length")
    return x, y


def in_polygon(lons: ArrayLike, lats: ArrayLike, polygon: Sequence[Sequence[float]]) -> BoolArray:
    """Per point: inside the polygon given as CAP [lat, lon] vertices (closed or not)."""
    x, y = _points(lons, lats)
    ring = np.asarray(polygon, dtype=np.float64)
    if ring.ndim != 2 or ring.shape[1] != 2 or ring.shape[0] < 3:
        raise ValueError("a polygon needs at least 3 [lat, lon] vertices")
    if not np.isfinite(ring).all():
        raise ValueError("polygon vertices must be finite numbers")
    lat_v, lon_v = ring[:, 0], ring[:, 1]
    inside = np.zeros(x.size, dtype=bool)
    box = (
        ((x >= lon_v.min()) & (x <= lon_v.max()) & (y >= lat_v.min()) & (y <= lat_v.max()))
        & np.isfinite(x)
        & np.isfinite(y)
    )
    idx = np.flatnonzero(box)
    if not idx.size:
        return inside
    px, py = x[idx], y[idx]
    odd = np.zeros(idx.size, dtype=bool)
    x0, y0 = lon_v, lat_v
    x1, y1 = np.roll(lon_v, -1), np.roll(lat_v, -1)
    for ax, ay, bx, by in zip(x0.tolist(), y0.tolist(), x1.tolist(), y1.tolist(), strict=True):
        if ay == by:
            continue  # a horizontal edge never crosses the horizontal ray
        crosses = (ay > py) != (by > py)
        at_x = ax + (py - ay) * (bx - ax) / (by - ay)
        odd ^= crosses & (px < at_x)
    inside[idx] = odd
    return inside


def in_circle(
    lons: ArrayLike, lats: ArrayLike, lat: float, lon: float, radius_km: float
) -> BoolArray:
    """Per point: within ``radius_km`` of (lat, lon) along the great circle, inclusive."""
    x, y = _points(lons, lats)
    if not (np.isfinite(radius_km) and radius_km > 0):
        raise ValueError("the radius must be a positive number of km")
    phi1, phi2 = np.radians(lat), np.radians(y)
    d_phi = phi2 - phi1
    d_lambda = np.radians(x - lon)
    h = np.sin(d_phi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(d_lambda / 2) ** 2
    distance = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    found: BoolArray = np.nan_to_num(distance, nan=np.inf) <= radius_km * (1 + 1e-12)
    return found


def in_shapes(
    lons: ArrayLike,
    lats: ArrayLike,
    polygons: Sequence[Sequence[Sequence[float]]] = (),
    circles: Sequence[Sequence[float]] = (),
) -> BoolArray:
    """Per point: inside any of the polygons or circles (CAP: an area is their union)."""
    x, y = _points(lons, lats)
    found = np.zeros(x.size, dtype=bool)
    for polygon in polygons:
        found |= in_polygon(x, y, polygon)
    for circle in circles:
        if len(circle) != 3:
            raise ValueError("a circle is [lat, lon, radius km]")
        found |= in_circle(x, y, circle[0], circle[1], circle[2])
    return found
