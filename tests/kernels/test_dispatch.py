"""Travel time, k nearest bases and rescue coverage (yingji.kernels.dispatch, issue 8)."""

from __future__ import annotations

import math
from dataclasses import FrozenInstanceError

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yingji.kernels.dispatch import (
    AIR_MAX_MINUTES,
    DEFAULT_MODEL,
    GROUND_MAX_MINUTES,
    GROUND_RADIUS_KM,
    GreatCircleModel,
    coverage,
    nearest,
    rank,
)
from yingji.kernels.geo import EARTH_RADIUS_KM, haversine_km

KM_PER_DEGREE = math.radians(1) * EARTH_RADIUS_KM  # along a meridian: 111.195 km


def north_of(lat, km):
    """The latitude ``km`` great-circle km due north of ``lat``."""
    return lat + km / KM_PER_DEGREE


def brute_force(bases_lat, bases_lon, lat, lon, *, mode, extra=None, model=DEFAULT_MODEL):
    """The targets × bases matrix of minutes, computed directly."""
    km = haversine_km(np.asarray(lat)[:, None], np.asarray(lon)[:, None], bases_lat, bases_lon)
    return model.minutes(km, mode) + (0.0 if extra is None else np.asarray(extra))


def random_places(seed, n):
    """Points over Zhejiang's bounding box (27–31.2 N, 118–123 E)."""
    rng = np.random.default_rng(seed)
    return rng.uniform(27.0, 31.2, n), rng.uniform(118.0, 123.0, n)


def test_the_default_model_is_the_documented_one():
    # ground: 60 km great-circle is 78 km by road at 60 km/h
    assert DEFAULT_MODEL.minutes(np.array([0.0, 60.0]), "ground").tolist() == [0.0, 78.0]
    # air: 10 min launch + 100 km at 200 km/h
    assert DEFAULT_MODEL.minutes(np.array([0.0, 100.0]), "air").tolist() == [10.0, 40.0]
    slow = GreatCircleModel(ground_speed_kmh=30.0, ground_launch_minutes=5.0)
    assert slow.minutes(np.array([10.0]), "ground").tolist() == [31.0]
    with pytest.raises(FrozenInstanceError):
        DEFAULT_MODEL.air_speed_kmh = 1.0  # type: ignore[misc]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"ground_speed_kmh": 0.0}, "ground_speed_kmh must be a positive number"),
        ({"air_speed_kmh": math.nan}, "air_speed_kmh"),
        ({"ground_detour": 0.9}, "ground_detour must be a number ≥ 1"),
        ({"air_launch_minutes": -1.0}, "air_launch_minutes must be a number ≥ 0"),
    ],
)
def test_bad_model_parameters_are_refused(params, message):
    with pytest.raises(ValueError, match=message):
        GreatCircleModel(**params)


def test_rank_orders_bases_for_one_incident_by_travel_time():
    # Hangzhou (the incident), bases at Ningbo (141 km), Shaoxing (~47 km) and Huzhou (~70 km)
    lat, lon = [29.8683, 30.0023, 30.8943], [121.5440, 120.5810, 120.0868]
    order, minutes = rank(lat, lon, 30.2741, 120.1551, mode="ground")
    assert order.tolist() == [1, 2, 0]
    assert minutes[2] == pytest.approx(141.06 * 1.3, abs=0.05)
    assert np.all(np.diff(minutes) >= 0)
    # Shaoxing's team needs an hour to assemble; Huzhou is not eligible (wrong specialty).
    order, minutes = rank(
        lat,
        lon,
        30.2741,
        120.1551,
        mode="ground",
        extra_minutes=[0, 60, 0],
        eligible=np.array([True, True, False]),
    )
    assert order.tolist() == [1, 0]
    assert rank([], [], 30.0, 120.0, mode="air")[0].size == 0


def test_nearest_pads_when_there_are_fewer_eligible_bases_than_k():
    lat, lon = [30.0, 30.5, 29.5], [120.0, 120.0, 120.0]
    index, minutes = nearest(
        lat, lon, [30.1], [120.0], 3, mode="air", eligible=np.array([True, False, True])
    )
    assert index.tolist() == [[0, 2, -1]]
    assert minutes[0, 2] == np.inf
    assert minutes[0, 0] == pytest.approx(10 + 0.1 * KM_PER_DEGREE * 60 / 200)
    index, minutes = nearest([], [], [30.0, 31.0], [120.0, 121.0], 2, mode="ground")
    assert index.tolist() == [[-1, -1], [-1, -1]]
    assert np.isinf(minutes).all()
    assert nearest(lat, lon, [], [], 5, mode="ground")[0].shape == (0, 5)


@pytest.mark.parametrize("delays", [False, True])
def test_nearest_agrees_with_brute_force_on_random_bases(delays):
    b_lat, b_lon = random_places(1, 400)
    t_lat, t_lon = random_places(2, 3000)
    extra = np.random.default_rng(3).uniform(0, 40, 400) if delays else None
    index, minutes = nearest(b_lat, b_lon, t_lat, t_lon, 5, mode="ground", extra_minutes=extra)
    full = brute_force(b_lat, b_lon, t_lat, t_lon, mode="ground", extra=extra)
    expected = np.argsort(full, axis=1)[:, :5]
    assert np.allclose(minutes, np.take_along_axis(full, expected, axis=1), rtol=1e-9)
    assert (index == expected).mean() > 0.999  # continuous random times: no ties
    assert np.allclose(np.take_along_axis(full, index, axis=1), minutes, rtol=1e-9)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_bases=st.integers(0, 30),
    k=st.integers(1, 8),
    mode=st.sampled_from(["ground", "air"]),
    delays=st.sampled_from([None, "few", "many"]),
)
def test_nearest_with_per_base_delays_and_eligibility_is_exact(seed, n_bases, k, mode, delays):
    rng = np.random.default_rng(seed)
    b_lat, b_lon = rng.uniform(27, 31.2, n_bases), rng.uniform(118, 123, n_bases)
    t_lat, t_lon = rng.uniform(26, 32, 50), rng.uniform(117, 124, 50)
    extra = None
    if delays == "few":
        extra = rng.choice([0.0, 15.0, 45.0], n_bases)  # ties in delay, not in time
    elif delays == "many":
        extra = rng.exponential(30.0, n_bases)
    eligible = rng.random(n_bases) < 0.7
    index, minutes = nearest(
        b_lat, b_lon, t_lat, t_lon, k, mode=mode, eligible=eligible, extra_minutes=extra
    )
    full = brute_force(b_lat, b_lon, t_lat, t_lon, mode=mode, extra=extra)
    full[:, ~eligible] = np.inf
    expected = np.sort(full, axis=1)[:, :k]
    if expected.shape[1] < k:
        expected = np.pad(expected, ((0, 0), (0, k - n_bases)), constant_values=np.inf)
    assert np.allclose(minutes, expected, rtol=1e-9, equal_nan=False)
    assert ((index >= 0) == np.isfinite(minutes)).all()
    found = index >= 0
    assert eligible[index[found]].all()
    rows = np.nonzero(found)[0]
    assert np.allclose(full[rows, index[found]], minutes[found], rtol=1e-9)


def test_a_village_exactly_at_the_limit_is_covered():
    base_lat, lon = 30.0, 120.0
    model = GreatCircleModel(ground_detour=1.0)  # so that 50 km is 50 min: the radius binds
    lats = [north_of(base_lat, 50.0), north_of(base_lat, 50.001)]
    got = coverage(
        [base_lat],
        [lon],
        lats,
        [lon, lon],
        radius_km=50.0,
        max_minutes=60.0,
        model=model,
        mode="ground",
    )
    assert got.covered.tolist() == [True, False]
    assert got.km == pytest.approx([50.0, 50.001])
    assert got.base.tolist() == [0, 0]  # the uncovered village still names its nearest base
    # The same village, timed: exactly 60 min at 60 km/h with no detour is covered.
    edge = [north_of(base_lat, 60.0), north_of(base_lat, 60.001)]
    got = coverage(
        [base_lat], [lon], edge, [lon, lon], max_minutes=60.0, model=model, mode="ground"
    )
    assert got.covered.tolist() == [True, False]
    assert got.minutes == pytest.approx([60.0, 60.001])


def test_the_plans_ground_circle_the_hour_binds_before_the_50_km():
    base = ([30.0], [120.0])
    reach = 60.0 * 60.0 / 60.0 / 1.3  # km great-circle in one hour with the 1.3 detour
    lats = [north_of(30.0, 40.0), north_of(30.0, reach - 0.01), north_of(30.0, reach + 0.01),
            north_of(30.0, 49.0)]  # fmt: skip
    got = coverage(
        *base,
        lats,
        [120.0] * 4,
        radius_km=GROUND_RADIUS_KM,
        max_minutes=GROUND_MAX_MINUTES,
        mode="ground",
    )
    assert got.covered.tolist() == [True, True, False, False]
    assert got.minutes[1] < 60.0 < got.minutes[2]


def test_aviation_covers_within_launch_plus_flight():
    # 30 min − 10 min launch = 20 min at 200 km/h = 66.7 km
    lats = [north_of(30.0, 66.6), north_of(30.0, 66.7)]
    got = coverage([30.0], [120.0], lats, [120.0, 120.0], max_minutes=AIR_MAX_MINUTES, mode="air")
    assert got.covered.tolist() == [True, False]
    quick = GreatCircleModel(air_launch_minutes=0.0)  # configurable launch: now 100 km
    got = coverage([30.0], [120.0], lats, [120.0, 120.0], max_minutes=30.0, model=quick, mode="air")
    assert got.covered.all()


def test_the_covering_base_may_be_slower_than_the_fastest_one():
    # A is 55 km away with no delay (71.5 min, outside 50 km); B is 45 km away but takes
    # 15 min to assemble (73.5 min): the village is covered by B under 50 km / 75 min.
    b_lat = [north_of(30.0, 55.0), north_of(30.0, -45.0)]
    got = coverage(
        b_lat,
        [120.0, 120.0],
        [30.0],
        [120.0],
        radius_km=50.0,
        max_minutes=75.0,
        mode="ground",
        extra_minutes=[0.0, 15.0],
    )
    assert got.covered.tolist() == [True]
    assert got.base.tolist() == [1]
    assert got.minutes[0] == pytest.approx(15 + 45 * 1.3)
    # With B ineligible the village is uncovered and A, the fastest base, is named.
    got = coverage(
        b_lat,
        [120.0, 120.0],
        [30.0],
        [120.0],
        radius_km=50.0,
        max_minutes=75.0,
        mode="ground",
        extra_minutes=[0.0, 15.0],
        eligible=np.array([True, False]),
    )
    assert got.covered.tolist() == [False]
    assert got.base.tolist() == [0]
    assert got.km[0] == pytest.approx(55.0)


@pytest.mark.parametrize("delays", [False, True])
def test_coverage_agrees_with_brute_force(delays):
    b_lat, b_lon = random_places(4, 60)
    t_lat, t_lon = random_places(5, 4000)
    extra = np.random.default_rng(6).uniform(0, 30, 60) if delays else None
    got = coverage(
        b_lat,
        b_lon,
        t_lat,
        t_lon,
        radius_km=50.0,
        max_minutes=60.0,
        mode="ground",
        extra_minutes=extra,
    )
    km = haversine_km(t_lat[:, None], t_lon[:, None], b_lat, b_lon)
    minutes = brute_force(b_lat, b_lon, t_lat, t_lon, mode="ground", extra=extra)
    ok = (km <= 50.0) & (minutes <= 60.0)
    assert (got.covered == ok.any(axis=1)).all()
    assert 0.1 < got.covered.mean() < 0.9  # the test exercises both outcomes
    best_covering = np.where(ok, minutes, np.inf).min(axis=1)
    fastest = minutes.min(axis=1)
    expected = np.where(got.covered, best_covering, fastest)
    assert np.allclose(got.minutes, expected, rtol=1e-9)
    rows = np.arange(t_lat.size)
    assert np.allclose(km[rows, got.base], got.km, rtol=1e-9)


def test_no_bases_means_nothing_is_covered():
    got = coverage([], [], [30.0, 29.0], [120.0, 121.0], max_minutes=30.0, mode="air")
    assert got.covered.tolist() == [False, False]
    assert got.base.tolist() == [-1, -1]
    assert np.isinf(got.km).all() and np.isinf(got.minutes).all()
    got = coverage([30.0], [120.0], [], [], radius_km=50.0, mode="ground")
    assert got.covered.size == 0
    got = coverage(
        [30.0], [120.0], [30.0], [120.0], radius_km=50.0, mode="ground", eligible=np.array([False])
    )
    assert got.covered.tolist() == [False]


def test_points_either_side_of_the_antimeridian_are_neighbours():
    index, minutes = nearest([0.0, 0.0], [179.9, 170.0], [0.0], [-179.9], 2, mode="air")
    assert index.tolist() == [[0, 1]]
    assert minutes[0, 0] == pytest.approx(10 + 0.2 * KM_PER_DEGREE * 60 / 200)
    got = coverage([0.0], [180.0], [0.0], [-180.0], max_minutes=10.0, mode="air")
    assert got.covered.tolist() == [True]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: nearest([30.0], [120.0], [30.0], [120.0], 0, mode="ground"), "k must be"),
        (lambda: nearest([30.0], [120.0], [30.0], [120.0], 2.5, mode="ground"), "k must be"),
        (lambda: nearest([30.0], [120.0], [30.0], [120.0], True, mode="ground"), "k must be"),
        (
            lambda: nearest([30.0, 31.0], [120.0], [30.0], [120.0], 1, mode="ground"),
            "bases: .*same length",
        ),
        (lambda: nearest([30.0], [120.0], [30.0], [np.nan], 1, mode="ground"), "targets: .*finite"),
        (
            lambda: nearest([91.0], [120.0], [30.0], [120.0], 1, mode="ground"),
            r"bases: latitude must be in \[-90, 90\]",
        ),
        (
            lambda: nearest([30.0], [120.0], [30.0], [181.0], 1, mode="ground"),
            r"targets: longitude must be in \[-180, 180\]",
        ),
        (lambda: nearest([30.0], [120.0], [30.0], [120.0], 1, mode="boat"), "mode must be"),
        (lambda: nearest([], [], [30.0], [120.0], 1, mode="boat"), "mode must be"),
        (
            lambda: nearest([30.0], [120.0], [30.0], [120.0], 1, mode="ground", eligible=[1]),
            "eligible must be a boolean array",
        ),
        (
            lambda: nearest(
                [30.0], [120.0], [30.0], [120.0], 1, mode="ground", extra_minutes=[-5.0]
            ),
            "extra_minutes must be finite numbers ≥ 0",
        ),
        (
            lambda: nearest(
                [30.0], [120.0], [30.0], [120.0], 1, mode="ground", extra_minutes=[1.0, 2.0]
            ),
            "one value per base",
        ),
        (lambda: rank([30.0], [120.0], 30.0, math.inf, mode="air"), "incident: .*finite"),
        (
            lambda: coverage([30.0], [120.0], [30.0], [120.0], mode="air"),
            "radius_km or max_minutes",
        ),
        (
            lambda: coverage([30.0], [120.0], [30.0], [120.0], radius_km=0.0, mode="ground"),
            "radius_km must be a positive number",
        ),
        (
            lambda: coverage([30.0], [120.0], [30.0], [120.0], max_minutes=-1, mode="air"),
            "max_minutes must be a positive number",
        ),
    ],
)
def test_bad_input_is_refused_with_the_rule(call, message):
    with pytest.raises(ValueError, match=message):
        call()


class RiverCrossing:
    """A stand-in for a road router: ground travel is slower, a fixed 20 min ferry wait."""

    def minutes(self, distance_km, mode):
        return 20.0 + np.asarray(distance_km) * 2.0


def test_another_travel_model_can_replace_the_great_circle_one():
    got = coverage(
        [30.0],
        [120.0],
        [north_of(30.0, 20.0), north_of(30.0, 21.0)],
        [120.0, 120.0],
        max_minutes=60.0,
        model=RiverCrossing(),
        mode="ground",
    )
    assert got.covered.tolist() == [True, False]
    _, minutes = nearest([30.0], [120.0], [30.0], [120.0], 1, model=RiverCrossing(), mode="ground")
    assert minutes.tolist() == [[20.0]]
