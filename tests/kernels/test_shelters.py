"""Evacuees to shelters (yingji.kernels.shelters, issue 8): nearest first within the distance,
never over capacity, largest village first, the remainder reported; bad input is refused."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yingji.kernels.geo import EARTH_RADIUS_KM, haversine_km
from yingji.kernels.shelters import DEFAULT_MAX_KM, assign

KM_PER_DEGREE = math.radians(1) * EARTH_RADIUS_KM  # along a meridian: 111.195 km
LON = 120.0


def north(km, lat=30.0):
    """The latitude ``km`` great-circle km due north of ``lat`` (on the 120° E meridian)."""
    return lat + km / KM_PER_DEGREE


def line(village_km, people, shelter_km, room, **kwargs):
    """Villages and shelters on one meridian, at the given km north of 30° N."""
    villages = [north(k) for k in village_km], [LON] * len(village_km)
    shelters = [north(k) for k in shelter_km], [LON] * len(shelter_km)
    return assign(*villages, *shelters, people=people, room=room, **kwargs)


def test_a_village_fills_its_nearest_shelter_then_the_next():
    result = line([0], [150], [15, 5, 10], [100, 100, 100])
    assert [(p.shelter, p.people) for p in result.placed] == [(1, 100), (2, 50)]
    assert result.placed[0].km == pytest.approx(5, abs=1e-6)
    assert result.unplaced.tolist() == [0] and result.room.tolist() == [100, 0, 50]
    assert (result.total_placed, result.total_unplaced) == (150, 0)


def test_capacity_exactly_filled_leaves_no_room_and_nobody_out():
    result = line([0, 1], [60, 40], [3], [100])
    assert result.room.tolist() == [0] and result.unplaced.tolist() == [0, 0]
    assert {p.village: p.people for p in result.placed} == {0: 60, 1: 40}


def test_the_largest_village_goes_first_and_the_rest_is_unplaced():
    # one shelter of 100 between a village of 30 and one of 90: the 90 go first
    result = line([0, 2], [30, 90], [1], [100])
    assert [(p.village, p.people) for p in result.placed] == [(1, 90), (0, 10)]
    assert result.unplaced.tolist() == [20, 0] and result.total_unplaced == 20
    assert result.by_village() == {1: [result.placed[0]], 0: [result.placed[1]]}


def test_shelters_beyond_the_distance_are_not_used():
    result = line([0], [50], [DEFAULT_MAX_KM + 0.5, DEFAULT_MAX_KM - 0.5], [100, 10])
    assert [(p.shelter, p.people) for p in result.placed] == [(1, 10)]
    assert result.unplaced.tolist() == [40]
    wider = line([0], [50], [DEFAULT_MAX_KM + 0.5, DEFAULT_MAX_KM - 0.5], [100, 10], max_km=25)
    assert wider.unplaced.tolist() == [0] and wider.room.tolist() == [60, 0]


def test_the_distance_limit_is_inclusive():
    result = line([0], [5], [12.0], [10], max_km=12.0)
    assert result.total_placed == 5


def test_nobody_placeable():
    far = line([0, 1], [10, 20], [80], [1000])
    assert far.placed == () and far.unplaced.tolist() == [10, 20]
    full = line([0], [10], [1], [0])
    assert full.placed == () and full.unplaced.tolist() == [10]
    none = line([0], [10], [], [])
    assert none.placed == () and none.unplaced.tolist() == [10] and none.room.size == 0
    nobody = line([0], [0], [1], [5])
    assert nobody.placed == () and nobody.room.tolist() == [5]
    empty = line([], [], [1], [5])
    assert empty.placed == () and empty.unplaced.size == 0


def test_ties_are_broken_by_the_given_order():
    result = line([0, 0], [10, 10], [4, 4], [10, 10])  # two equal villages, two equal shelters
    assert [(p.village, p.shelter) for p in result.placed] == [(0, 0), (1, 1)]
    again = line([0, 0], [10, 10], [4, 4], [10, 10])
    assert again.placed == result.placed  # deterministic


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"people": [1, 2]}, "people"),
        ({"people": [-1]}, "people"),
        ({"people": [1.5]}, "people"),
        ({"people": [math.nan]}, "people"),
        ({"people": [True]}, "people"),
        ({"people": ["ten"]}, "people"),
        ({"people": [10**12]}, "people"),
        ({"room": [-5]}, "room"),
        ({"room": [math.inf]}, "room"),
        ({"room": [None]}, "room"),
        ({"max_km": 0}, "max_km"),
        ({"max_km": -3}, "max_km"),
        ({"max_km": math.nan}, "max_km"),
        ({"max_km": "20"}, "max_km"),
        ({"max_km": True}, "max_km"),
        ({"villages_lat": [95.0]}, "villages"),
        ({"villages_lat": [30.0, 30.1]}, "villages"),
        ({"shelters_lon": ["east"]}, "shelters"),
        ({"shelters_lat": [math.inf]}, "shelters"),
    ],
)
def test_malformed_input_is_a_value_error_naming_the_argument(kwargs, message):
    args = {"villages_lat": [30.0], "villages_lon": [LON], "people": [10],
            "shelters_lat": [30.01], "shelters_lon": [LON], "room": [10]}  # fmt: skip
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        assign(**args)


def test_integral_floats_and_numpy_counts_are_accepted():
    result = assign(np.array([30.0]), np.array([LON]), [30.01], [LON], people=np.array([7.0]),
                    room=np.array([10], dtype=np.int32), max_km=np.float64(5))  # fmt: skip
    assert result.total_placed == 7 and result.room.tolist() == [3]


@settings(max_examples=60, deadline=None)
@given(
    st.integers(0, 2**32 - 1),
    st.integers(0, 25),
    st.integers(0, 15),
    st.floats(1, 60),
)
def test_never_over_capacity_everyone_accounted_for_and_no_room_left_in_reach(
    seed, n_villages, n_shelters, max_km
):
    rng = np.random.default_rng(seed)
    v_lat, v_lon = rng.uniform(29.8, 30.4, n_villages), rng.uniform(119.8, 120.4, n_villages)
    s_lat, s_lon = rng.uniform(29.8, 30.4, n_shelters), rng.uniform(119.8, 120.4, n_shelters)
    people = rng.integers(0, 500, n_villages)
    room = rng.integers(0, 400, n_shelters)
    result = assign(v_lat, v_lon, s_lat, s_lon, people=people, room=room, max_km=max_km)
    into = np.zeros(n_shelters, dtype=np.int64)
    out = np.zeros(n_villages, dtype=np.int64)
    for p in result.placed:
        assert p.people > 0 and p.km <= max_km * (1 + 1e-9)
        assert p.km == pytest.approx(
            float(haversine_km(v_lat[p.village], v_lon[p.village], s_lat[p.shelter],
                               s_lon[p.shelter])))  # fmt: skip
        into[p.shelter] += p.people
        out[p.village] += p.people
    assert (into <= room).all() and (result.room == room - into).all()
    assert (out + result.unplaced == people).all()
    # Greedy guarantee: a village left with people has no shelter with room in reach.
    km = haversine_km(v_lat[:, None], v_lon[:, None], s_lat[None, :], s_lon[None, :])
    for i in np.flatnonzero(result.unplaced):
        assert (result.room[km[i] <= max_km * (1 - 1e-9)] == 0).all()
