"""Points in CAP polygons and circles (issue 7, done means 3: villages inside an area)."""

from __future__ import annotations

import numpy as np
import pytest

from yingji.kernels.targeting import in_circle, in_polygon, in_shapes

# A square 30.0–30.2 N × 120.0–120.2 E, CAP order [lat, lon], closed.
SQUARE = [[30.0, 120.0], [30.0, 120.2], [30.2, 120.2], [30.2, 120.0], [30.0, 120.0]]
# An L shape: the square minus its north-east quarter.
ELL = [[30.0, 120.0], [30.0, 120.2], [30.1, 120.2], [30.1, 120.1], [30.2, 120.1],
       [30.2, 120.0], [30.0, 120.0]]  # fmt: skip


def test_points_in_a_square_and_an_l_shape():
    lons = [120.05, 120.15, 120.15, 120.25, 119.99, 120.05]
    lats = [30.05, 30.05, 30.15, 30.05, 30.05, 30.15]
    assert in_polygon(lons, lats, SQUARE).tolist() == [True, True, True, False, False, True]
    assert in_polygon(lons, lats, ELL).tolist() == [True, True, False, False, False, True]


def test_open_and_closed_rings_agree_and_bad_polygons_are_refused():
    lons, lats = np.random.default_rng(1).uniform(119.9, 120.3, (2, 2000))
    assert (in_polygon(lons, lats, SQUARE) == in_polygon(lons, lats, SQUARE[:-1])).all()
    with pytest.raises(ValueError, match="at least 3"):
        in_polygon(lons, lats, [[30, 120], [31, 121]])
    with pytest.raises(ValueError, match="finite"):
        in_polygon(lons, lats, [[30, 120], [31, float("nan")], [30, 121]])


def test_circle_uses_great_circle_distance_inclusive():
    # one degree of latitude is 111.195 km on the mean sphere
    lats = np.array([30.0, 31.0, 31.0001, 30.0])
    lons = np.array([120.0, 120.0, 120.0, 121.0])
    inside = in_circle(lons, lats, 30.0, 120.0, 111.1951)
    assert inside.tolist() == [True, True, False, True]  # 1° of longitude at 30° N is 96.3 km
    assert not in_circle([np.nan], [30.0], 30.0, 120.0, 10).any()
    with pytest.raises(ValueError, match="positive"):
        in_circle(lons, lats, 30.0, 120.0, 0)


def test_union_of_shapes():
    lons, lats = [120.05, 121.0, 122.0], [30.05, 30.0, 30.0]
    got = in_shapes(lons, lats, polygons=[SQUARE], circles=[[30.0, 121.0, 5]])
    assert got.tolist() == [True, True, False]
