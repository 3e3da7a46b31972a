"""Alarm episodes (yingji.kernels.alarms): one alarm per sensor and rule, levels rising and
falling, a hold time before closing, and the exact end instant."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yingji.kernels.alarms import Carried, Episode, episodes

MIN = 60


def run(levels, *, step=5 * MIN, hold=60 * MIN, sensor=1, until=None):
    times = np.arange(1, len(levels) + 1) * step
    return episodes([sensor] * len(levels), times, levels, hold_seconds=hold, until=until)


def at(k, step=5 * MIN):
    """The timestamp of the k-th point (0-based) in :func:`run`."""
    return (k + 1) * step


def test_levels_rise_and_fall_within_one_episode_which_ends_hold_after_the_clear():
    levels = [-1, 0, 2, 3, 2, 1, 0, -1] + [-1] * 12
    (ep,) = run(levels)
    assert ep.start == at(1)
    assert ep.levels == ((0, at(1)), (2, at(2)), (3, at(3)), (2, at(4)), (1, at(5)), (0, at(6)))
    assert ep.peak == 3
    assert ep.end == at(7) + 60 * MIN  # the clear + the hold, exactly
    assert (ep.first, ep.stop) == (1, 19)  # the point at the end instant is not in it


def test_a_return_within_the_hold_is_the_same_episode():
    (ep,) = run([0, 1, -1, -1, 1, -1] + [-1] * 12)
    assert ep.levels == ((0, at(0)), (1, at(1)))  # the dip is not a level of the alarm
    assert ep.end == at(5) + 60 * MIN


def test_a_return_at_another_colour_is_recorded():
    (ep,) = run([2, -1, 0, -1] + [-1] * 12)
    assert ep.levels == ((2, at(0)), (0, at(2)))
    assert ep.peak == 2


def test_the_hold_boundary_itself_still_counts_as_within_the_hold():
    clear = 2
    back = clear + 12  # exactly 60 minutes later at 5-minute steps
    levels = [0, 0] + [-1] * 12 + [0] + [-1] * 13
    assert levels[back] == 0 and levels[back - 1] == -1
    (ep,) = run(levels)
    assert ep.levels == ((0, at(0)),)
    assert ep.end == at(back + 1) + 60 * MIN


def test_a_return_after_the_hold_is_a_new_episode():
    levels = [0, 0] + [-1] * 13 + [1] + [-1] * 13
    first, second = run(levels)
    assert first.end == at(2) + 60 * MIN
    assert first.stop == 14  # points before the end instant
    assert second.start == at(15)
    assert second.levels == ((1, at(15)),)


def test_the_end_instant_does_not_depend_on_the_reading_cadence():
    # the same clear time (01:00) on a 1-minute and a 10-minute gauge
    one = episodes([1] * 200, np.arange(200) * MIN, [0] * 60 + [-1] * 140, hold_seconds=3600)
    ten = episodes([1] * 20, np.arange(20) * 600, [0] * 6 + [-1] * 14, hold_seconds=3600)
    assert one[0].end == ten[0].end == 2 * 3600


def test_an_episode_is_open_while_the_hold_has_not_elapsed_by_the_end_of_the_data():
    assert run([0, 1, 1])[0].end is None  # still alarming
    (ep,) = run([0, -1, -1, -1])  # cleared, but only 15 minutes of data after
    assert ep.end is None
    assert ep.stop == 4
    (closed,) = run([0, -1, -1, -1], until=at(1) + 60 * MIN)  # data known up to the hold
    assert closed.end == at(1) + 60 * MIN


def test_hold_zero_closes_at_the_clear():
    first, second = run([0, -1, 0, -1], hold=0)
    assert (first.end, second.start, second.end) == (at(1), at(2), at(3))


def test_sensors_get_their_own_episodes():
    codes = [1, 1, 1, 2, 2, 2]
    times = [0, 60, 120, 0, 60, 120]
    levels = [0, 1, 1, -1, 3, -1]
    found = episodes(codes, times, levels, hold_seconds=60)
    assert [(e.sensor, e.start, e.end, e.peak) for e in found] == [
        (1, 0, None, 1),
        (2, 60, None, 3),
    ]
    later = episodes(codes, times, levels, hold_seconds=60, until=180)
    assert [(e.sensor, e.end, e.first, e.stop) for e in later] == [(1, None, 0, 3), (2, 180, 4, 6)]


def test_malformed_levels_are_refused():
    with pytest.raises(ValueError, match=r"-1 \(none\) or 0\.\.3"):
        run([0, 4])
    with pytest.raises(ValueError, match="hold_seconds"):
        run([0], hold=-1)
    with pytest.raises(ValueError, match="sorted"):
        episodes([1, 1], [60, 0], [0, 0], hold_seconds=0)


def naive(levels, times, hold, until):
    """A per-point simulation of the documented rules, for one sensor."""
    found, cur = [], None
    for k, (lvl, t) in enumerate(zip(levels, times, strict=True)):
        if cur and cur["cleared"] is not None and t - cur["cleared"] > hold:
            found.append((cur, cur["cleared"] + hold))
            cur = None
        if lvl >= 0:
            if cur is None:
                cur = {"start": t, "levels": [], "cleared": None, "first": k}
            cur["cleared"] = None
            if not cur["levels"] or cur["levels"][-1][0] != lvl:
                cur["levels"].append((lvl, t))
        elif cur and cur["cleared"] is None:
            cur["cleared"] = t
    if cur:
        closes = cur["cleared"] is not None and cur["cleared"] + hold <= until
        found.append((cur, cur["cleared"] + hold if closes else None))
    return [(c["start"], end, tuple(c["levels"]), c["first"]) for c, end in found]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(-1, 3), st.integers(1, 40)), min_size=1, max_size=60),
    st.integers(0, 100),
    st.integers(0, 50),
)
def test_episodes_equal_a_naive_simulation(points, hold, extra):
    levels = [lvl for lvl, _ in points]
    times = np.cumsum([gap for _, gap in points])
    until = int(times[-1]) + extra
    got = episodes([3] * len(levels), times, levels, hold_seconds=hold, until=until)
    assert [(e.start, e.end, e.levels, e.first) for e in got] == naive(levels, times, hold, until)
    assert all(isinstance(e, Episode) and e.peak == max(lv for lv, _ in e.levels) for e in got)


def _clear_instant(levels: np.ndarray, times: np.ndarray, start: int) -> int | None:
    """When the open episode's level last dropped below 蓝 (None if it is above now)."""
    cleared = None
    for level, at in zip(levels.tolist(), times.tolist(), strict=True):
        if at >= start:
            cleared = (cleared or at) if level < 0 else None
    return cleared


@pytest.mark.parametrize("seed", range(40))
def test_batches_carrying_the_open_alarm_give_the_alarms_of_the_whole_series(seed: int) -> None:
    """A live system judges each batch as it arrives: carrying the open episode across the cut
    gives exactly the episodes of evaluating everything at once (start, end, levels)."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 80))
    times = np.cumsum(rng.integers(1, 40, n)) * 60
    levels = rng.choice([-1, -1, 0, 1, 2, 3], n)
    sensors = np.zeros(n, dtype=np.int64)
    hold = int(rng.integers(0, 5)) * 60
    whole = episodes(sensors, times, levels, hold_seconds=hold)
    cut = int(rng.integers(1, n))
    before = episodes(sensors[:cut], times[:cut], levels[:cut], hold_seconds=hold)
    carry = {}
    if before and before[-1].end is None:
        last = before.pop()
        cleared = _clear_instant(levels[:cut], times[:cut], last.start)
        carry[0] = Carried(last.start, last.levels, cleared)
    after = episodes(sensors[cut:], times[cut:], levels[cut:], hold_seconds=hold, carry=carry)
    shape = [(e.start, e.end, e.peak, e.levels) for e in before + after]
    assert shape == [(e.start, e.end, e.peak, e.levels) for e in whole]
