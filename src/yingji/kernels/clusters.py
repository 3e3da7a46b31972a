"""Grid clustering of map points for one view (a bounding box at a zoom level).

Why a grid and not a distance-based algorithm
---------------------------------------------
The one map shows registries of up to half a million located rows (enterprises at
province scale). Sending them all to a browser is impossible, and distance-based
clustering (what the browser's markercluster does) is O(n log n) per zoom with a Python
loop per point. A fixed screen-space grid answers the question the map asks — "how many
things are roughly here, at this zoom?" — with a handful of vectorised numpy passes:
bin, sort, reduce.

Cells are square *on screen*: their size is a fixed number of pixels (:data:`CELL_PX`)
converted to Web-Mercator units for the zoom (a 256-pixel tile spans 360°/2^zoom of
longitude), and latitudes are projected to Mercator before binning. The grid is anchored
at the projection's origin, not at the view's corner, so panning the map never re-cuts the
cells: the same points fall into the same clusters whatever the view, and a cluster does not
jump around while the user drags.

Each occupied cell yields its centroid (mean of its points), its point count, the
bounding box of its points (to zoom in on a click), and, when it holds a single point,
that point's index in the input so the caller can show the point itself.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["CELL_PX", "MAX_MERCATOR_LAT", "Clusters", "cell_degrees", "grid_clusters", "view_px"]

CELL_PX = 64
"""Width of a grid cell on screen, in pixels (about the size of a drawn cluster)."""
TILE_PX = 256
"""Width of a Web-Mercator tile, in pixels: the world is TILE_PX * 2**zoom pixels wide."""
MAX_MERCATOR_LAT = 85.05112878
"""Web Mercator stops here (the world is square); latitudes beyond are clipped."""

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class Clusters:
    """One row per occupied grid cell, ordered by cell (west to east, then south to north).

    ``index`` is the position in the input of the cell's only point, or -1 for a cell with
    several points. ``bounds`` rows are (min_lon, min_lat, max_lon, max_lat) of the cell's
    points.
    """

    lon: FloatArray
    lat: FloatArray
    count: IntArray
    index: IntArray
    bounds: FloatArray
    cell_deg: float

    def __len__(self) -> int:
        return int(self.count.size)

    @property
    def total(self) -> int:
        return int(self.count.sum())


def cell_degrees(zoom: float, cell_px: int = CELL_PX) -> float:
    """Cell size in degrees of longitude (and Mercator units) at ``zoom``."""
    if not math.isfinite(zoom):
        raise ValueError("zoom must be finite")
    return float(cell_px * 360.0 / (TILE_PX * 2.0**zoom))


def mercator_y(lat: ArrayLike) -> FloatArray:
    """Latitude → Web-Mercator y in degree-like units (equal to longitude degrees on screen)."""
    clipped = np.clip(np.asarray(lat, dtype=np.float64), -MAX_MERCATOR_LAT, MAX_MERCATOR_LAT)
    return np.degrees(np.log(np.tan(np.pi / 4.0 + np.radians(clipped) / 2.0)))


def view_px(bbox: tuple[float, float, float, float], zoom: float) -> tuple[float, float]:
    """Width and height on screen, in pixels, of ``bbox`` shown at ``zoom``.

    Callers use it to refuse a view far larger than any screen (a request that would
    return one cluster per point).
    """
    min_lon, min_lat, max_lon, max_lat = bbox
    per_degree = TILE_PX * 2.0**zoom / 360.0
    low, high = mercator_y([min_lat, max_lat])
    return (max_lon - min_lon) * per_degree, float(high - low) * per_degree


def grid_clusters(
    lon: ArrayLike,
    lat: ArrayLike,
    bbox: tuple[float, float, float, float],
    zoom: float,
    *,
    cell_px: int = CELL_PX,
) -> Clusters:
    """Cluster the points inside ``bbox`` (min_lon, min_lat, max_lon, max_lat) at ``zoom``.

    Points outside the box or with a NaN coordinate are ignored; every other point is
    counted in exactly one cluster. Which points share a cluster depends only on their
    coordinates and the zoom, not on the box or the input order; the same input always
    gives the same output.
    """
    lons = np.asarray(lon, dtype=np.float64).ravel()
    lats = np.asarray(lat, dtype=np.float64).ravel()
    if lons.shape != lats.shape:
        raise ValueError(f"lon and lat differ in length ({lons.size} != {lats.size})")
    min_lon, min_lat, max_lon, max_lat = bbox
    cell = cell_degrees(zoom, cell_px)
    inside = (lons >= min_lon) & (lons <= max_lon) & (lats >= min_lat) & (lats <= max_lat)
    positions = np.flatnonzero(inside)  # NaN compares False: dropped here
    if positions.size == 0:
        return _empty(cell)
    x, y = lons[positions], lats[positions]
    column = np.floor(x / cell).astype(np.int64)
    row = np.floor(mercator_y(y) / cell).astype(np.int64)
    # One integer key per cell, relative to the box's first row/column so it cannot overflow.
    column -= column.min()
    row -= row.min()
    key = column * (int(row.max()) + 1) + row
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    starts = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1]])
    count = np.diff(np.r_[starts, sorted_key.size]).astype(np.int64)
    xs, ys = x[order], y[order]
    centroid_lon = np.add.reduceat(xs, starts) / count
    centroid_lat = np.add.reduceat(ys, starts) / count
    bounds = np.column_stack(
        (
            np.minimum.reduceat(xs, starts),
            np.minimum.reduceat(ys, starts),
            np.maximum.reduceat(xs, starts),
            np.maximum.reduceat(ys, starts),
        )
    )
    index = np.where(count == 1, positions[order[starts]], -1).astype(np.int64)
    return Clusters(centroid_lon, centroid_lat, count, index, bounds, cell)


def _empty(cell: float) -> Clusters:
    nothing = np.empty(0, dtype=np.float64)
    return Clusters(
        nothing,
        nothing.copy(),
        np.empty(0, dtype=np.int64),
        np.empty(0, dtype=np.int64),
        np.empty((0, 4), dtype=np.float64),
        cell,
    )
