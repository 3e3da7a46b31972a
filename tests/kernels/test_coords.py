"""Tests for the WGS-84 <-> GCJ-02 kernel (yingji.kernels.coords)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from yingji.kernels.coords import gcj02_to_wgs84, in_china, wgs84_to_gcj02

# Published reference pairs, (wgs_lon, wgs_lat, gcj_lon, gcj_lat).
# googollee/eviltransform, go/transform_test.go and python/test.py (shanghai, shenzhen,
# beijing), the de-facto reference implementation of the public GCJ-02 formula.
EVILTRANSFORM_PAIRS = [
    (121.5272106, 31.1774276, 121.531541859215, 31.17530398364597),
    (113.912316, 22.543847, 113.9171764808363, 22.540796131694766),
    (116.377817, 39.911954, 116.38404722455657, 39.91334545536069),
]
# coord-convert on PyPI (sshuair/coord-convert) README: wgs2gcj(120, 40) gives
# "120.00567568355486 40.0013047896019".
COORD_CONVERT_PAIR = (120.0, 40.0, 120.00567568355486, 40.0013047896019)

HANGZHOU_WEST_LAKE = (120.15, 30.25)
M_PER_DEG_LAT = 111_320.0


def metres(dlon: float, dlat: float, lat: float) -> tuple[float, float]:
    """East and north components (m) of a small lon/lat difference."""
    return dlon * M_PER_DEG_LAT * math.cos(math.radians(lat)), dlat * M_PER_DEG_LAT


def zhejiang_grid() -> tuple[np.ndarray, np.ndarray]:
    lon, lat = np.meshgrid(np.linspace(118.0, 123.5, 23), np.linspace(27.0, 31.5, 19))
    return lon.ravel(), lat.ravel()


@pytest.mark.parametrize(("wlon", "wlat", "glon", "glat"), EVILTRANSFORM_PAIRS)
def test_forward_matches_eviltransform(wlon: float, wlat: float, glon: float, glat: float) -> None:
    lon, lat = wgs84_to_gcj02(wlon, wlat)
    assert lon == pytest.approx(glon, abs=1e-9)
    assert lat == pytest.approx(glat, abs=1e-9)


@pytest.mark.parametrize(("wlon", "wlat", "glon", "glat"), EVILTRANSFORM_PAIRS)
def test_inverse_recovers_eviltransform_wgs(
    wlon: float, wlat: float, glon: float, glat: float
) -> None:
    lon, lat = gcj02_to_wgs84(glon, glat)
    assert lon == pytest.approx(wlon, abs=1e-8)
    assert lat == pytest.approx(wlat, abs=1e-8)


def test_forward_matches_coord_convert_readme() -> None:
    wlon, wlat, glon, glat = COORD_CONVERT_PAIR
    assert wgs84_to_gcj02(wlon, wlat) == pytest.approx((glon, glat), abs=1e-10)


def test_inverse_matches_gcoord_to_5_decimals() -> None:
    # hujiulong/gcoord test/unit/crs/GCJ02.spec.js: GCJ02 -> WGS84 of [123, 45] is
    # toBeCloseTo [122.99395597, 44.99804071] with 5 digits (gcoord uses a cruder inverse).
    lon, lat = gcj02_to_wgs84(123.0, 45.0)
    assert lon == pytest.approx(122.99395597, abs=5e-6)
    assert lat == pytest.approx(44.99804071, abs=5e-6)


def test_hangzhou_offset_is_a_few_hundred_metres_east_and_south() -> None:
    wlon, wlat = HANGZHOU_WEST_LAKE
    glon, glat = wgs84_to_gcj02(wlon, wlat)
    east, north = metres(glon - wlon, glat - wlat, wlat)
    assert 300.0 < math.hypot(east, north) < 800.0
    assert 350.0 < east < 550.0  # GCJ-02 pushes Zhejiang east ...
    assert -350.0 < north < -200.0  # ... and south


def test_round_trip_wgs_gcj_wgs_within_1e7_degrees() -> None:
    lon, lat = zhejiang_grid()
    back_lon, back_lat = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    assert np.max(np.abs(back_lon - lon)) < 1e-7
    assert np.max(np.abs(back_lat - lat)) < 1e-7


def test_inverse_is_accurate_to_a_centimetre() -> None:
    # gcj02_to_wgs84 must be a true inverse of the forward formula: re-applying the
    # forward transform to its output lands within 1e-9 deg (~0.1 mm) of the input.
    glon, glat = zhejiang_grid()
    again_lon, again_lat = wgs84_to_gcj02(*gcj02_to_wgs84(glon, glat))
    east, north = metres(again_lon - glon, again_lat - glat, 30.0)
    assert np.max(np.hypot(east, north)) < 0.01


def test_vectorised_equals_scalar_calls() -> None:
    lon, lat = zhejiang_grid()
    for func in (wgs84_to_gcj02, gcj02_to_wgs84):
        vec_lon, vec_lat = func(lon, lat)
        scalar = np.array([func(float(x), float(y)) for x, y in zip(lon, lat, strict=True)])
        np.testing.assert_allclose(vec_lon, scalar[:, 0], rtol=0, atol=1e-12)
        np.testing.assert_allclose(vec_lat, scalar[:, 1], rtol=0, atol=1e-12)


def test_types_and_shapes_follow_the_input() -> None:
    lon_s, lat_s = wgs84_to_gcj02(120.0, 30.0)
    assert isinstance(lon_s, float)
    assert isinstance(lat_s, float)
    grid_lon = np.full((3, 4), 120.0)
    grid_lat = np.full((3, 4), 30.0)
    lon_a, lat_a = gcj02_to_wgs84(grid_lon, grid_lat)
    assert lon_a.shape == (3, 4)
    assert lat_a.dtype == np.float64
    assert isinstance(in_china(120.0, 30.0), bool)


@pytest.mark.parametrize(
    ("lon", "lat"),
    [(2.3522, 48.8566), (-74.006, 40.7128), (151.2093, -33.8688), (139.0, 35.0)],
)
def test_points_outside_china_are_unchanged(lon: float, lat: float) -> None:
    assert not in_china(lon, lat)
    assert wgs84_to_gcj02(lon, lat) == (lon, lat)
    assert gcj02_to_wgs84(lon, lat) == (lon, lat)


def test_mixed_array_only_shifts_points_in_china() -> None:
    lon = np.array([120.15, 2.3522, 121.5])
    lat = np.array([30.25, 48.8566, 31.2])
    glon, glat = wgs84_to_gcj02(lon, lat)
    np.testing.assert_array_equal(in_china(lon, lat), [True, False, True])
    assert glon[1] == lon[1]
    assert glat[1] == lat[1]
    assert np.all(glon[[0, 2]] != lon[[0, 2]])
