"""WGS-84 <-> GCJ-02 coordinate conversion (pure Python + numpy, no Django).

Why this exists
---------------
Maps published in mainland China (Amap/高德, Tencent, the China edition of Google Maps)
do not use plain WGS-84 longitude/latitude.  By regulation they use **GCJ-02**
("国测局坐标", nicknamed "Mars coordinates"): WGS-84 positions pushed by a smooth,
deliberately obfuscating offset of a few hundred metres.  GPS receivers, satellite
imagery, OpenStreetMap, typhoon tracks and most sensors report WGS-84.  Mixing the
two puts a shelter or a flood gauge on the wrong side of a river, so Yingji stores
everything in WGS-84 and converts data that comes from Chinese web maps.

Method
------
* Forward (WGS-84 -> GCJ-02): the standard publicly circulated formula (as in
  eviltransform, coordtransform and gcoord): a polynomial-plus-sines offset in
  ``(lon - 105, lat - 35)`` expressed in metres, turned into degrees on the
  **Krasovsky 1940** ellipsoid (``a = 6378245.0``, ``ee = 0.00669342162296594323``).
  It matches the published reference pairs of those implementations to 1e-9°.
* Inverse (GCJ-02 -> WGS-84): there is no closed form, so it is solved by
  **fixed-point iteration** ``w <- w - (F(w) - g)`` starting from ``w = g``, where ``F``
  is the forward transform.  The offset changes slowly with position (its spatial
  derivative is about 3e-3), so the iteration is a strong contraction: each step shrinks
  the error ~300-fold and 4-5 steps reach the 1e-10° stopping tolerance (~0.01 mm),
  far inside 0.01 m.
* Outside China (:func:`in_china` bounding box) GCJ-02 is defined as WGS-84: no offset.

All functions accept Python floats (returning floats) or numpy arrays (returning
float64 arrays, element-wise, no Python loop).
"""

from __future__ import annotations

from typing import Any, overload

import numpy as np
from numpy.typing import NDArray

__all__ = ["KRASOVSKY_A", "KRASOVSKY_EE", "gcj02_to_wgs84", "in_china", "wgs84_to_gcj02"]

KRASOVSKY_A = 6378245.0
"""Semi-major axis (m) of the Krasovsky 1940 ellipsoid used by the GCJ-02 formula."""
KRASOVSKY_EE = 0.00669342162296594323
"""First eccentricity squared of the Krasovsky 1940 ellipsoid."""

# Bounding box used by the public implementations to decide "in China".  It is a
# rectangle (it includes e.g. parts of Mongolia and Korea); inside it the offset applies.
CHINA_LON_MIN = 72.004
CHINA_LON_MAX = 137.8347
CHINA_LAT_MIN = 0.8293
CHINA_LAT_MAX = 55.8271

INVERSE_TOLERANCE_DEG = 1e-10
"""Stop the inverse iteration when every step is below this (1e-10° ≈ 0.01 mm)."""
INVERSE_MAX_ITERATIONS = 30

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


def _box_mask(lon: FloatArray, lat: FloatArray) -> BoolArray:
    inside: BoolArray = (
        (lon >= CHINA_LON_MIN)
        & (lon <= CHINA_LON_MAX)
        & (lat >= CHINA_LAT_MIN)
        & (lat <= CHINA_LAT_MAX)
    )
    return inside


def _raw_offset_lat(x: FloatArray, y: FloatArray) -> FloatArray:
    """Latitude offset in (scaled) metres, before conversion to degrees."""
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    ret = ret + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret = ret + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    ret = ret + (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    return np.asarray(ret, dtype=np.float64)


def _raw_offset_lon(x: FloatArray, y: FloatArray) -> FloatArray:
    """Longitude offset in (scaled) metres, before conversion to degrees."""
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    ret = ret + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret = ret + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    ret = ret + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    return np.asarray(ret, dtype=np.float64)


def _offset_deg(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """GCJ-02 minus WGS-84, in degrees, at WGS-84 position (lon, lat); zero outside China."""
    x = lon - 105.0
    y = lat - 35.0
    rad_lat = lat / 180.0 * np.pi
    magic = 1.0 - KRASOVSKY_EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (_raw_offset_lat(x, y) * 180.0) / (
        (KRASOVSKY_A * (1.0 - KRASOVSKY_EE)) / (magic * sqrt_magic) * np.pi
    )
    dlon = (_raw_offset_lon(x, y) * 180.0) / (KRASOVSKY_A / sqrt_magic * np.cos(rad_lat) * np.pi)
    inside = _box_mask(lon, lat)
    zero = np.zeros_like(lon)
    return np.where(inside, dlon, zero), np.where(inside, dlat, zero)


def _as_float_arrays(lon: Any, lat: Any) -> tuple[FloatArray, FloatArray]:
    lon_arr, lat_arr = np.broadcast_arrays(
        np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
    )
    return np.array(lon_arr, dtype=np.float64), np.array(lat_arr, dtype=np.float64)


def _forward(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    dlon, dlat = _offset_deg(lon, lat)
    return lon + dlon, lat + dlat


def _inverse(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    # Fixed point of w = g - offset(w): start at w = g and correct by the residual.
    wlon, wlat = lon.copy(), lat.copy()
    for _ in range(INVERSE_MAX_ITERATIONS):
        glon, glat = _forward(wlon, wlat)
        step_lon, step_lat = glon - lon, glat - lat
        wlon, wlat = wlon - step_lon, wlat - step_lat
        if (
            max(
                float(np.max(np.abs(step_lon), initial=0.0)),
                float(np.max(np.abs(step_lat), initial=0.0)),
            )
            < INVERSE_TOLERANCE_DEG
        ):
            break
    inside = _box_mask(lon, lat)
    return np.where(inside, wlon, lon), np.where(inside, wlat, lat)


@overload
def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]: ...
@overload
def wgs84_to_gcj02(lon: NDArray[Any], lat: NDArray[Any]) -> tuple[FloatArray, FloatArray]: ...
def wgs84_to_gcj02(lon: Any, lat: Any) -> tuple[Any, Any]:
    """Convert WGS-84 (GPS) lon/lat in degrees to GCJ-02 (Amap/高德 and other Chinese maps).

    Use it to draw WGS-84 data on a GCJ-02 base map.  Outside :func:`in_china` the input
    is returned unchanged, because GCJ-02 is only defined (offset) inside China.
    """
    lon_arr, lat_arr = _as_float_arrays(lon, lat)
    out_lon, out_lat = _forward(lon_arr, lat_arr)
    return _like_input(lon, lat, out_lon, out_lat)


@overload
def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]: ...
@overload
def gcj02_to_wgs84(lon: NDArray[Any], lat: NDArray[Any]) -> tuple[FloatArray, FloatArray]: ...
def gcj02_to_wgs84(lon: Any, lat: Any) -> tuple[Any, Any]:
    """Convert GCJ-02 lon/lat (e.g. Amap boundaries or geocodes) back to WGS-84.

    The GCJ-02 offset has no published inverse, so this iterates the forward formula to
    a fixed point (see the module docstring); the round trip error is below 1e-10° (about
    0.01 mm), much better than the metre-level error of the common one-step approximation.
    """
    lon_arr, lat_arr = _as_float_arrays(lon, lat)
    out_lon, out_lat = _inverse(lon_arr, lat_arr)
    return _like_input(lon, lat, out_lon, out_lat)


@overload
def in_china(lon: float, lat: float) -> bool: ...
@overload
def in_china(lon: NDArray[Any], lat: NDArray[Any]) -> BoolArray: ...
def in_china(lon: Any, lat: Any) -> Any:
    """True where (lon, lat) lies in the bounding box in which GCJ-02 applies an offset.

    It is the conventional rectangle (lon 72.004-137.8347, lat 0.8293-55.8271), not the
    national border: the obfuscation is defined on that box, so matching it exactly is what
    makes conversions agree with other implementations.  Outside it GCJ-02 == WGS-84.
    """
    lon_arr, lat_arr = _as_float_arrays(lon, lat)
    mask = _box_mask(lon_arr, lat_arr)
    if _is_scalar(lon) and _is_scalar(lat):
        return bool(mask)
    return mask


def _is_scalar(value: Any) -> bool:
    return np.ndim(value) == 0 and not isinstance(value, np.ndarray)


def _like_input(lon: Any, lat: Any, out_lon: FloatArray, out_lat: FloatArray) -> tuple[Any, Any]:
    if _is_scalar(lon) and _is_scalar(lat):
        return float(out_lon), float(out_lat)
    return out_lon, out_lat
