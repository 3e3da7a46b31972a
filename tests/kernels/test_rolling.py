"""Rolling windows over many sensors (yingji.kernels.rolling): exact edges, exact sums, and
agreement with a naive per-reading computation on random irregular data."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yingji.kernels import rolling

H = rolling.HOUR


def naive_sums(codes, times, tenths, hours, at_codes=None, at_times=None):
    """Window sums by brute force, in exact tenths: readings of the sensor in (t − h, t]."""
    at_codes = codes if at_codes is None else at_codes
    at_times = times if at_times is None else at_times
    out = np.zeros((len(at_codes), len(hours)))
    for q, (c, t) in enumerate(zip(at_codes, at_times, strict=True)):
        for j, h in enumerate(hours):
            inside = (codes == c) & (times > t - round(h * H)) & (times <= t)
            out[q, j] = int(tenths[inside].sum()) / 10
    return out


@st.composite
def series(draw, regular_share=0.5):
    """Readings of 1–5 sensors sorted by (sensor, time): some on a constant grid, some not."""
    codes, times = [], []
    for sensor in sorted(draw(st.sets(st.integers(0, 40), min_size=1, max_size=5))):
        if draw(st.floats(0, 1)) < regular_share:
            step = draw(st.sampled_from([60, 300, 420, 600, 3600]))
            count = draw(st.integers(1, 40))
            start = draw(st.integers(0, 3 * H))
            stamps = [start + k * step for k in range(count)]
        else:
            stamps = sorted(draw(st.sets(st.integers(0, 8 * H), min_size=1, max_size=40)))
        codes += [sensor] * len(stamps)
        times += stamps
    tenths = draw(st.lists(st.integers(0, 500), min_size=len(times), max_size=len(times)))
    return np.array(codes), np.array(times), np.array(tenths)


HOURS = (0.25, 1, 2.5, 3, 6)


@settings(max_examples=150, deadline=None)
@given(series())
def test_window_sums_equal_a_naive_computation(data):
    codes, times, tenths = data
    got = rolling.window_sums(codes, times, tenths / 10, HOURS)
    assert np.array_equal(got, naive_sums(codes, times, tenths, HOURS))


@settings(max_examples=100, deadline=None)
@given(series(), st.lists(st.tuples(st.integers(0, 45), st.integers(-H, 10 * H)), max_size=20))
def test_window_sums_at_query_points_equal_a_naive_computation(data, queries):
    codes, times, tenths = data
    q_codes = np.array([c for c, _ in queries], dtype=np.int64)
    q_times = np.array([t for _, t in queries], dtype=np.int64)
    got = rolling.window_sums(codes, times, tenths / 10, HOURS, at=(q_codes, q_times))
    assert np.array_equal(got, naive_sums(codes, times, tenths, HOURS, q_codes, q_times))


def test_a_reading_exactly_h_earlier_is_outside_the_window():
    times = np.array([0, 3 * H - 1, 3 * H, 6 * H])
    sums = rolling.window_sums([7] * 4, times, [10.0, 1.0, 2.0, 4.0], (3,))
    # (−3h, 0] = {0}; (−1, 3h−1] = {0, 3h−1}; (0, 3h] excludes 0; (3h, 6h] excludes 3h.
    assert sums[:, 0].tolist() == [10.0, 11.0, 3.0, 4.0]


@pytest.mark.parametrize(("tenths", "total"), [(500, 50.0), (499, 49.9)])
def test_sums_are_exact_decimals_so_inclusive_thresholds_hold(tenths, total):
    # 100 readings of 0.7 mm, then 0.1 mm readings, one a minute; the window of the 0.1 mm
    # readings holds exactly 50.0 (or 49.9) mm, which a float prefix sum misses by ~1e-12
    values = np.array([0.7] * 100 + [0.1] * tenths)
    prefix = np.cumsum(values)
    assert prefix[-1] - prefix[99] != total
    times = np.arange(values.size) * 60
    window = tenths / 60  # hours: exactly the 0.1 mm readings
    sums = rolling.window_sums(np.zeros(values.size, dtype=np.int64), times, values, (window,))
    assert sums[-1, 0] == total


def test_sensors_do_not_share_windows():
    codes = np.array([1, 1, 2, 2])
    times = np.array([0, 60, 30, 90])
    sums = rolling.window_sums(codes, times, [1.0, 2.0, 4.0, 8.0], (1,))
    assert sums[:, 0].tolist() == [1.0, 3.0, 4.0, 12.0]


@pytest.mark.parametrize(
    ("codes", "times", "message"),
    [
        ([1, 1], [60, 0], r"reading \[1\] .*follows"),
        ([1, 1], [60, 60], r"one reading per sensor and second: reading \[1\]"),
        ([2, 1], [0, 60], r"reading \[1\] \(sensor 1"),
        ([1.0, 1.0], [0, 60], "integers"),
    ],
)
def test_unsorted_or_repeated_readings_are_refused(codes, times, message):
    with pytest.raises(ValueError, match=message):
        rolling.window_sums(codes, times, [1.0, 1.0], (1,))


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_missing_values_are_refused_not_taken_as_zero(bad):
    with pytest.raises(ValueError, match=r"values\[1\] is .*refused"):
        rolling.window_sums([1, 1], [0, 60], [1.0, bad], (1,))


def test_a_window_must_be_positive():
    with pytest.raises(ValueError, match="longer than zero"):
        rolling.window_sums([1], [0], [1.0], (0,))


def test_empty_input_gives_empty_sums():
    assert rolling.window_sums([], [], [], (1, 3)).shape == (0, 2)


# --- rate of change ---------------------------------------------------------------------------


def test_rate_of_change_uses_the_real_elapsed_time():
    # a landslide extensometer, mm: readings every 30 min, one missing at 01:30
    times = np.array([0, 1800, 3600, 7200, 9000])
    mm = np.array([0.0, 1.0, 2.0, 8.0, 11.0])
    rate = rolling.rate_of_change([5] * 5, times, mm, hours=1)
    # window (t − 1 h, t]: the earliest reading inside it is the base; at 02:00 the window
    # holds no earlier reading (01:30 is missing, 01:00 is exactly 1 h earlier): unknown
    assert rate.tolist()[1:3] == [2.0, 2.0]
    assert np.isnan(rate[0]) and np.isnan(rate[3])
    assert rate[4] == 6.0
    two_hours = rolling.rate_of_change([5] * 5, times, mm, hours=2)
    assert two_hours[3] == pytest.approx((8.0 - 1.0) / 1.5)


def test_latest_at_is_an_as_of_join_per_sensor():
    got = rolling.latest_at(
        [1, 1, 2], [0, 100, 50], [1.0, 2.0, 5.0], [1, 1, 1, 2, 2, 3], [-1, 0, 99, 49, 500, 0]
    )
    assert np.array_equal(got, [np.nan, 1.0, 1.0, np.nan, 5.0, np.nan], equal_nan=True)


def test_evaluation_points_add_the_instants_windows_empty():
    codes, times = rolling.evaluation_points(
        [2, 1, 1], [0, 0, 600], [1.0, 0.0, 3.0], hours=(1, 3), until=3 * H
    )
    # sensor 1: readings 0 (dry: no expiry) and 600 (wet: +1 h, +3 h is after until)
    assert list(zip(codes.tolist(), times.tolist(), strict=True)) == [
        (1, 0),
        (1, 600),
        (1, 600 + H),
        (2, 0),
        (2, H),
        (2, 3 * H),
    ]


# --- stale and stuck --------------------------------------------------------------------------


def test_stale_after_more_than_k_intervals_of_silence():
    codes = np.array([1, 1, 2, 3])
    times = np.array([0, 600, 300, 5000])
    result = rolling.stale(codes, times, now=1500, interval=300, k=3, expected=[1, 2, 3, 4])
    # 1: silent 900 s = exactly 3 × 300 → not yet stale; 2: 1200 s → stale;
    # 3: its only reading is after now → never seen; 4: no reading at all
    assert result.sensors.tolist() == [1, 2, 3, 4]
    assert result.last.tolist() == [600, 300, -1, -1]
    assert result.seen.tolist() == [True, True, False, False]
    assert result.stale.tolist() == [False, True, True, True]
    later = rolling.stale(codes, times, now=1501, interval=300, k=3)
    assert later.sensors.tolist() == [1, 2, 3]
    assert later.stale.tolist() == [True, True, True]


def test_stale_takes_one_interval_per_expected_sensor():
    result = rolling.stale([1, 2], [0, 0], now=700, interval=[100, 300], k=3, expected=[1, 2])
    assert result.stale.tolist() == [True, False]
    with pytest.raises(ValueError, match="one per expected sensor"):
        rolling.stale([1, 2], [0, 0], now=700, interval=[100, 300, 5], k=3, expected=[1, 2])


def test_stuck_flags_a_long_enough_run_of_one_value():
    codes = np.array([1] * 6 + [2] * 3)
    times = np.array([0, 60, 120, 180, 240, 300, 0, 60, 120])
    values = np.array([5.0, 7.2, 7.2, 7.2, 7.2, 7.3, 7.3, 7.3, 7.3])
    flagged = rolling.stuck(codes, times, values, min_count=3)
    # sensor 2 starts its own run although its first value equals sensor 1's last
    assert flagged.tolist() == [False, False, False, True, True, False, False, False, True]
    timed = rolling.stuck(codes, times, values, min_count=2, min_seconds=180)
    assert timed.tolist() == [False, False, False, False, True, False, False, False, False]


@settings(max_examples=100, deadline=None)
@given(series(), st.integers(2, 4), st.integers(0, 900))
def test_stuck_equals_a_naive_run_count(data, min_count, min_seconds):
    codes, times, tenths = data
    values = (tenths // 200).astype(float)  # few distinct values, so runs happen
    got = rolling.stuck(codes, times, values, min_count=min_count, min_seconds=min_seconds)
    for i in range(len(codes)):
        j = i
        while j > 0 and codes[j - 1] == codes[i] and values[j - 1] == values[i]:
            j -= 1
        expected = i - j + 1 >= min_count and times[i] - times[j] >= min_seconds
        assert got[i] == expected
