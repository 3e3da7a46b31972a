"""Signal rules (yingji.kernels.signals): CMA rainstorm and gale levels at their boundaries,
the Beaufort table, and hysteresis with a minimum duration."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yingji.kernels import signals

HOURS = (1, 3, 6, 12, 24)


def level_of(mm_3h=0.0, mm_6h=0.0, mm_12h=0.0):
    sums = np.array([[0.0, mm_3h, mm_6h, mm_12h, mm_12h]])
    return int(signals.rainstorm_levels(sums, HOURS)[0])


@pytest.mark.parametrize(
    ("sums", "level"),
    [
        ({"mm_12h": 49.9}, -1),
        ({"mm_12h": 50.0}, 0),  # "50 毫米以上" includes 50
        ({"mm_6h": 49.9, "mm_12h": 80.0}, 0),
        ({"mm_6h": 50.0, "mm_12h": 50.0}, 1),
        ({"mm_3h": 49.9, "mm_6h": 60.0, "mm_12h": 60.0}, 1),
        ({"mm_3h": 50.0, "mm_6h": 50.0, "mm_12h": 50.0}, 2),  # straight from none to 橙
        ({"mm_3h": 99.9, "mm_6h": 150.0, "mm_12h": 200.0}, 2),
        ({"mm_3h": 100.0, "mm_6h": 100.0, "mm_12h": 100.0}, 3),
    ],
)
def test_rainstorm_observed_levels_at_their_boundaries(sums, level):
    assert level_of(**sums) == level


def test_rainstorm_needs_the_windows_of_its_thresholds():
    with pytest.raises(ValueError, match="the 12 h window"):
        signals.rainstorm_levels(np.zeros((1, 2)), (3, 6))


def test_rainstorm_from_readings_jumps_from_blue_to_orange():
    # 5-minute readings: 4.2 mm each for an hour crosses 50 mm in 12 h (blue), then a
    # 30 mm burst makes 3 h and 6 h reach 50 at the same reading: orange, never yellow
    times = np.arange(1, 14) * 300
    rain = np.array([4.2] * 12 + [30.0])
    rain[0] = 3.8  # 3.8 + 11 × 4.2 = 50.0 exactly at the 12th reading
    sums, levels = signals.rainstorm(np.zeros(13, dtype=np.int64), times, rain)
    assert sums[11, 3] == 50.0
    assert levels.tolist() == [-1] * 11 + [2, 2]


def test_rainstorm_refuses_negative_rain():
    with pytest.raises(ValueError, match="≥ 0"):
        signals.rainstorm([1], [0], [-0.1])


# --- Beaufort ---------------------------------------------------------------------------------

UPPER_MS = (0.2, 1.5, 3.3, 5.4, 7.9, 10.7, 13.8, 17.1, 20.7, 24.4, 28.4, 32.6, 36.9, 41.4, 46.1,
            50.9, 56.0)  # fmt: skip
"""GB/T 28591-2012 upper bounds of forces 0..16 (force 17 is 56.1–61.2 m/s)."""


@pytest.mark.parametrize("force", range(17))
def test_beaufort_bounds_of_every_force(force):
    lower = 0.0 if force == 0 else signals.BEAUFORT_FROM_MS[force - 1]
    upper = UPPER_MS[force]
    assert signals.beaufort([lower, upper]).tolist() == [force, force]
    assert int(signals.beaufort(round(upper + 0.1, 1))) == force + 1


@pytest.mark.parametrize(
    ("speed", "force"),
    [(32.6, 11), (32.7, 12), (36.9, 12), (37.0, 13), (56.1, 17), (61.2, 17), (80.0, 17),
     (13.849, 6), (13.85, 7)],
)  # fmt: skip
def test_beaufort_table_points_and_rounding(speed, force):
    assert int(signals.beaufort(speed)) == force


def test_beaufort_missing_and_invalid_speeds():
    assert signals.beaufort([np.nan, 0.0]).tolist() == [-1, 0]
    with pytest.raises(ValueError, match="≥ 0"):
        signals.beaufort([-0.1])


@given(st.lists(st.floats(0, 100), min_size=2, max_size=50))
def test_beaufort_never_decreases_with_speed(speeds):
    forces = signals.beaufort(sorted(speeds))
    assert (np.diff(forces) >= 0).all()


@pytest.mark.parametrize(
    ("mean", "gust", "level"),
    [
        (5, 6, -1),
        (6, -1, 0),
        (-1, 7, 0),
        (7, 8, 0),
        (8, 0, 1),
        (0, 9, 1),
        (9, 10, 1),
        (10, 0, 2),
        (0, 11, 2),
        (11, 12, 2),
        (12, 0, 3),
        (0, 13, 3),
        (7, 12, 2),  # the higher of the two colours
        (-1, -1, -1),
    ],
)
def test_gale_observed_levels(mean, gust, level):
    assert int(signals.gale_levels(mean, gust)) == level


# --- hysteresis -------------------------------------------------------------------------------


def test_hysteresis_switches_on_at_on_and_off_below_off():
    values = [10, 19.9, 20, 15, 12.1, 12, 11.9, 15, 20]
    state = signals.hysteresis([1] * 9, np.arange(9) * 60, values, on=20, off=12)
    assert state.tolist() == [False, False, True, True, True, True, False, False, True]


def test_hysteresis_starts_off_between_the_thresholds_and_per_sensor():
    codes = [1, 1, 2, 2]
    state = signals.hysteresis(codes, [0, 60, 0, 60], [25, 15, 15, 25], on=20, off=12)
    assert state.tolist() == [True, True, False, True]


def test_hysteresis_minimum_duration_suppresses_short_spikes():
    times = np.arange(8) * 60
    values = [25, 25, 5, 25, 25, 25, 25, 5]
    state = signals.hysteresis([1] * 8, times, values, on=20, off=12, min_seconds=120)
    # the first spike lasts 60 s; the second is shown from 120 s after it switched on
    assert state.tolist() == [False, False, False, False, False, True, True, False]


def test_hysteresis_below_for_low_limits():
    # e.g. a tank pressure that must not fall: on at ≤ 2.0, off above 2.5
    state = signals.hysteresis(
        [1] * 5, np.arange(5), [3.0, 2.0, 2.4, 2.5, 2.6], on=2.0, off=2.5, direction="below"
    )
    assert state.tolist() == [False, True, True, True, False]


def test_hysteresis_refuses_crossed_thresholds():
    with pytest.raises(ValueError, match="must not be beyond"):
        signals.hysteresis([1], [0], [1.0], on=10, off=12)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 3), st.integers(0, 30)), min_size=1, max_size=60),
    st.integers(0, 240),
)
def test_hysteresis_equals_a_naive_state_machine(readings, min_seconds):
    readings = sorted(readings, key=lambda r: r[0])
    codes = np.array([c for c, _ in readings])
    values = np.array([v for _, v in readings], dtype=float)
    times = np.zeros(len(readings), dtype=np.int64)
    for i in range(1, len(readings)):
        times[i] = 0 if codes[i] != codes[i - 1] else times[i - 1] + 60
    got = signals.hysteresis(codes, times, values, on=20, off=10, min_seconds=min_seconds)
    on, since, previous = False, 0, None
    for i, (code, value) in enumerate(readings):
        if code != previous:
            on, previous = False, code
        if not on and value >= 20:
            on, since = True, times[i]
        elif on and value < 10:
            on = False
        assert got[i] == (on and times[i] - since >= min_seconds)
