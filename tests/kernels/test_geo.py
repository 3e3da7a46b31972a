"""Great-circle distances, unit vectors and chords (yingji.kernels.geo), for dispatch (issue 8)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from yingji.kernels import targeting
from yingji.kernels.geo import (
    EARTH_RADIUS_KM,
    chord_from_km,
    haversine_km,
    km_from_chord,
    unit_vectors,
    validate_points,
)

HANGZHOU = (30.2741, 120.1551)
NINGBO = (29.8683, 121.5440)

lats = st.floats(-90, 90)
lons = st.floats(-180, 180)


def vincenty_sphere_km(lat1, lon1, lat2, lon2):
    """An independent formula (Vincenty's, on the sphere: atan2 of the cross and dot parts)."""
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    y = math.hypot(
        math.cos(p2) * math.sin(dl),
        math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl),
    )
    x = math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(dl)
    return EARTH_RADIUS_KM * math.atan2(y, x)


def test_the_radius_is_the_warning_circles_radius():
    assert EARTH_RADIUS_KM is targeting.EARTH_RADIUS_KM
    assert EARTH_RADIUS_KM == 6371.0088


def test_known_distances():
    assert float(haversine_km(*HANGZHOU, *NINGBO)) == pytest.approx(141.06, abs=0.01)
    assert float(haversine_km(*HANGZHOU, *NINGBO)) == pytest.approx(
        vincenty_sphere_km(*HANGZHOU, *NINGBO), rel=1e-12
    )
    assert float(haversine_km(30, 120, 31, 120)) == pytest.approx(111.195, abs=0.001)  # 1° lat
    assert float(haversine_km(30, 120, 30, 121)) == pytest.approx(96.30, abs=0.01)  # 1° lon
    assert float(haversine_km(0, 0, 0, 180)) == pytest.approx(math.pi * EARTH_RADIUS_KM)
    assert float(haversine_km(*HANGZHOU, *HANGZHOU)) == 0.0
    assert float(haversine_km(0, 179.5, 0, -179.5)) == pytest.approx(111.195, abs=0.001)


def test_broadcasting_gives_a_points_by_bases_matrix():
    lat = np.array([30.0, 29.0, 28.0])
    lon = np.array([120.0, 121.0, 122.0])
    matrix = haversine_km(lat[:, None], lon[:, None], lat[:2], lon[:2])
    assert matrix.shape == (3, 2)
    assert matrix[0, 0] == 0.0
    assert matrix[1, 0] == pytest.approx(float(haversine_km(29, 121, 30, 120)))


@given(lats, lons, lats, lons)
def test_haversine_agrees_with_an_independent_formula_and_is_symmetric(a, b, c, d):
    km = float(haversine_km(a, b, c, d))
    assert km == pytest.approx(vincenty_sphere_km(a, b, c, d), rel=1e-9, abs=1e-6)
    assert km == pytest.approx(float(haversine_km(c, d, a, b)), rel=1e-12, abs=1e-9)


@given(lats, lons, lats, lons)
def test_chords_of_unit_vectors_are_great_circle_distances(a, b, c, d):
    u, v = unit_vectors([a, c], [b, d])
    assert np.linalg.norm(u) == pytest.approx(1.0)
    chord = float(np.linalg.norm(u - v))
    km = float(haversine_km(a, b, c, d))
    # Near the antipodes a chord hardly changes with the angle (its slope is 0 at 2), so it
    # pins the distance down less tightly; Zhejiang is far from that.
    slack = 1e-6 if km < 19_000 else 0.1
    assert float(km_from_chord(chord)) == pytest.approx(km, rel=1e-9, abs=slack)
    assert float(chord_from_km(km)) == pytest.approx(chord, rel=1e-9, abs=1e-12)


def test_chord_conversion_ends():
    assert float(chord_from_km(0)) == 0.0
    assert float(chord_from_km(math.pi * EARTH_RADIUS_KM)) == pytest.approx(2.0)
    assert float(chord_from_km(1e9)) == pytest.approx(2.0)  # past the antipodes: capped
    assert float(km_from_chord(np.inf)) == np.inf  # a k-d tree's "no neighbour"
    km = np.array([0.001, 1.0, 50.0, 500.0, 5000.0])
    assert np.allclose(km_from_chord(chord_from_km(km)), km, rtol=1e-12)


def test_unit_vectors_of_known_points():
    xyz = unit_vectors([0, 0, 90, -90, 0], [0, 90, 0, 0, 180])
    assert np.allclose(xyz, [[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 0, -1], [-1, 0, 0]])
    assert unit_vectors([], []).shape == (0, 3)


@pytest.mark.parametrize(
    ("lat", "lon", "message"),
    [
        ([30.0, 31.0], [120.0], "same length"),
        ([[30.0]], [[120.0]], "1-D"),
        ([30.0, float("nan")], [120.0, 121.0], "finite"),
        ([30.0], [float("inf")], "finite"),
        ([90.5], [120.0], r"latitude must be in \[-90, 90\]"),
        ([30.0], [-180.1], r"longitude must be in \[-180, 180\]"),
        (["north"], [120.0], "numbers"),
    ],
)
def test_bad_points_are_refused_with_the_rule(lat, lon, message):
    with pytest.raises(ValueError, match=f"villages: .*{message}"):
        validate_points(lat, lon, what="villages")


def test_valid_points_come_back_as_float_arrays():
    y, x = validate_points([90, -90, 0], [180, -180, 0])
    assert y.dtype == np.float64
    assert x.tolist() == [180.0, -180.0, 0.0]
    assert validate_points([], [])[0].size == 0
