"""Time-window kernels over many sensor series at once: rolling sums, rate of change, stale and
stuck sensors.

Input layout
------------
A batch of readings is parallel arrays, one row per reading: ``sensors`` (integer sensor codes;
map ids with ``np.unique(ids, return_inverse=True)``), ``times`` (int64 epoch seconds) and
``values`` (float), sorted by (sensor, time) with at most one reading per sensor and second.
:class:`SeriesIndex` checks the order once (``ValueError`` naming the first bad row) and is
reused by every window of a batch. Sorting is the caller's job because the caller knows whether
the data already arrives sorted (a database query ordered by sensor and time does).

Windows
-------
A window of length h ending at t holds the readings with timestamps in **(t − h, t]**: the
reading at t counts, one exactly h earlier does not. For rainfall, where a reading is the rain
of the interval ending at its timestamp, this makes back-to-back windows partition time: the
3-hour windows ending at 03:00 and 06:00 share no reading.

Missing values
--------------
NaN and ±inf are refused (``ValueError``): a missing rain reading is not zero rain, and
silently treating it as zero could hide a red signal. Drop such rows before calling (the window
then simply has no reading there; :func:`stale` shows the gap) or fill them explicitly.

Exact sums
----------
Thresholds are inclusive ("50 毫米以上" includes 50), so a window holding exactly 50.0 mm must
not sum to 49.99999999. Sums are therefore computed on integers: values are rounded to
``10**-decimals`` (default 0.001, finer than any rain gauge) and prefix-summed in int64, so
every window sum is the exact decimal total, returned as the nearest float (50.0 is 50.0).

Speed
-----
Prefix sums plus one lower bound per reading and window: for a series with a constant step
(the usual case: a gauge reporting every minute) the first reading in the window is simply
``i − ceil(h / step) + 1``; for irregular series it is a ``searchsorted`` on keys that offset
each sensor's timestamps into a disjoint range, so one global binary search serves every
sensor. No Python loop runs per reading. Measured on a shared 2-core machine, 24 hours of
10,000 gauges at 1-minute resolution (14.4 M readings), 5 windows + rainstorm levels: 1.0–1.7 s
on the constant-step path (up to 3.6 s under load), 2.8–2.9 s with 2 % of readings missing
(searchsorted path); alarm episodes on top: 0.3–0.8 s.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import ArrayLike, NDArray

from yingji.kernels.arrays import BoolArray, FloatArray

IntArray = NDArray[np.int64]

__all__ = [
    "DEFAULT_HOURS",
    "HOUR",
    "SeriesIndex",
    "Staleness",
    "evaluation_points",
    "latest_at",
    "rate_of_change",
    "stale",
    "stuck",
    "window_sums",
]

HOUR: Final = 3600
DEFAULT_HOURS: Final = (1, 3, 6, 12, 24)
"""The rain windows of the issue: 1, 3, 6, 12 and 24 hours."""
_BIG: Final = np.iinfo(np.int64).max
_KEY_LIMIT: Final = 2**62


def _int_array(values: ArrayLike, name: str) -> IntArray:
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}")
    if array.size and not np.issubdtype(array.dtype, np.integer):
        raise ValueError(
            f"{name} must be integers (sensor codes / epoch seconds), not {array.dtype}"
        )
    return array.astype(np.int64, copy=False)


def _finite(values: ArrayLike, n: int, name: str = "values") -> FloatArray:
    array = np.asarray(values, dtype=np.float64)
    if array.shape != (n,):
        raise ValueError(f"{name} must have one entry per reading ({n}), got shape {array.shape}")
    bad = np.flatnonzero(~np.isfinite(array))
    if bad.size:
        raise ValueError(
            f"{name}[{bad[0]}] is {array[bad[0]]}: NaN and infinity are refused; "
            "drop missing readings or fill them explicitly"
        )
    return array


def _seconds(hours: float) -> int:
    seconds = round(float(hours) * HOUR)
    if seconds <= 0:
        raise ValueError(f"a window must be longer than zero seconds, got {hours!r} h")
    return seconds


class SeriesIndex:
    """Readings sorted by (sensor, time), checked once; window lookups for every reading.

    ``extent`` widens the code and time range used for the search keys so that query points
    (see :meth:`keys_of`) outside the readings' range can be looked up too.
    """

    def __init__(
        self,
        sensors: ArrayLike,
        times: ArrayLike,
        *,
        extent: tuple[int, int, int, int] | None = None,
    ) -> None:
        self.codes = _int_array(sensors, "sensors")
        self.times = _int_array(times, "times")
        if self.codes.shape != self.times.shape:
            raise ValueError(f"{self.codes.size} sensors but {self.times.size} times")
        self.n = int(self.codes.size)
        if extent is None and self.n:
            extent = (
                int(self.codes.min()),
                int(self.codes.max()),
                int(self.times.min()),
                int(self.times.max()),
            )
        self._c0, c1, self._t0, t1 = extent or (0, 0, 0, 0)
        self._range = t1 - self._t0
        # Keys of one sensor lie in [c·span, c·span + range]; a lookback of at most range + 1
        # seconds then never reaches the previous sensor's keys (span > 2·range + 1).
        self._span = 2 * self._range + 2
        if (c1 - self._c0 + 1) * self._span >= _KEY_LIMIT:
            raise ValueError("too many sensor codes × too long a time range for one batch")
        self.key = self.keys_of(self.codes, self.times)
        if self.n > 1:
            bad = np.flatnonzero(self.key[1:] <= self.key[:-1])
            if bad.size:
                i = int(bad[0]) + 1
                raise ValueError(
                    "readings must be sorted by (sensor, time) with one reading per sensor and "
                    f"second: reading [{i}] (sensor {self.codes[i]}, time {self.times[i]}) follows "
                    f"(sensor {self.codes[i - 1]}, time {self.times[i - 1]})"
                )
        new = np.ones(self.n, dtype=bool)
        new[1:] = self.codes[1:] != self.codes[:-1]
        self.starts: IntArray = np.flatnonzero(new)
        """Index of each sensor's first reading."""
        self.group: IntArray = np.cumsum(new, dtype=np.int64) - 1
        """Per reading: the position of its sensor in :attr:`starts`."""
        self.first: IntArray = self.starts[self.group]
        """Per reading: the index of its sensor's first reading."""
        self.rows: IntArray = np.arange(self.n, dtype=np.int64)
        self._steps: IntArray | None = None

    def keys_of(self, codes: IntArray, times: IntArray) -> IntArray:
        """Search keys of (sensor, time) points inside this index's extent."""
        keys: IntArray = (codes - self._c0) * self._span + (times - self._t0)
        return keys

    def _lookback(self, seconds: int) -> int:
        return min(seconds, self._range + 1)  # a longer window holds the whole series anyway

    def _group_steps(self) -> IntArray:
        """Per sensor: its constant step in seconds, or 0 for an irregular series."""
        if self._steps is None:
            step = np.zeros(self.n, dtype=np.int64)
            step[1:] = np.diff(self.times)
            step[self.starts] = 0
            low = np.minimum.reduceat(np.where(step > 0, step, _BIG), self.starts)
            high = np.maximum.reduceat(step, self.starts)
            # one reading: any step will do; several: regular when all steps are equal
            self._steps = np.where(low == _BIG, 1, np.where(low == high, low, 0))
        return self._steps

    def window_start(self, seconds: int) -> IntArray:
        """Per reading i: the index of the first reading of its sensor in (t_i − s, t_i]."""
        if self.n == 0:
            return np.zeros(0, dtype=np.int64)
        steps = self._group_steps()
        regular = steps > 0
        if regular.all() and (steps == steps[0]).all():
            m = -(-seconds // int(steps[0]))  # readings per window on a constant grid
            start: IntArray = np.maximum(self.first, self.rows - (m - 1))
            return start
        start = np.empty(self.n, dtype=np.int64)
        steady = regular[self.group]  # readings of sensors on a constant grid
        m_each = -(-seconds // steps[self.group[steady]])
        start[steady] = np.maximum(self.first[steady], self.rows[steady] - m_each + 1)
        whole = ~steady & (self.times - seconds < self.times[self.first])  # window holds all
        start[whole] = self.first[whole]
        odd = ~steady & ~whole
        start[odd] = np.searchsorted(self.key, self.key[odd] - self._lookback(seconds), "right")
        return start

    def bounds_at(self, keys: IntArray, seconds: int) -> tuple[IntArray, IntArray]:
        """For query keys: readings [lo, hi) of the same sensor in (t − s, t]."""
        hi: IntArray = np.searchsorted(self.key, keys, "right")
        lo: IntArray = np.searchsorted(self.key, keys - self._lookback(seconds), "right")
        return lo, hi


def _query_index(
    sensors: ArrayLike, times: ArrayLike, at: tuple[ArrayLike, ArrayLike]
) -> tuple[SeriesIndex, IntArray]:
    codes, times_ = _int_array(sensors, "sensors"), _int_array(times, "times")
    q_codes, q_times = _int_array(at[0], "at sensors"), _int_array(at[1], "at times")
    if q_codes.shape != q_times.shape:
        raise ValueError(f"{q_codes.size} query sensors but {q_times.size} query times")
    both_c, both_t = np.concatenate([codes, q_codes]), np.concatenate([times_, q_times])
    extent = (0, 0, 0, 0)
    if both_c.size:
        extent = (int(both_c.min()), int(both_c.max()), int(both_t.min()), int(both_t.max()))
    index = SeriesIndex(codes, times_, extent=extent)
    return index, index.keys_of(q_codes, q_times)


def window_sums(
    sensors: ArrayLike,
    times: ArrayLike,
    values: ArrayLike,
    hours: Sequence[float] = DEFAULT_HOURS,
    *,
    at: tuple[ArrayLike, ArrayLike] | None = None,
    decimals: int = 3,
    index: SeriesIndex | None = None,
) -> FloatArray:
    """Sums of the readings in (t − h, t] for each window h (hours), shape (points, windows).

    The points are the readings themselves, or ``at = (sensors, times)`` (any order): e.g.
    the instants a window empties, see :func:`evaluation_points`. Values are rounded to
    ``10**-decimals`` and summed exactly (module docstring). Without ``at``, a prebuilt
    ``index`` of the same readings may be passed to reuse its checks across calls.
    """
    keys: IntArray | None = None
    if at is not None:
        index, keys = _query_index(sensors, times, at)
    elif index is None:
        index = SeriesIndex(sensors, times)
    raw = _finite(values, index.n)
    scale = 10**decimals
    if index.n and float(np.abs(raw).max()) * scale * index.n >= _KEY_LIMIT:
        raise ValueError(f"values too large to sum exactly at {decimals} decimals")
    prefix = np.zeros(index.n + 1, dtype=np.int64)
    np.cumsum(np.rint(raw * scale).astype(np.int64), out=prefix[1:])
    points = index.n if keys is None else int(keys.size)
    out: FloatArray = np.empty((points, len(hours)), dtype=np.float64, order="F")
    for j, h in enumerate(hours):
        seconds = _seconds(h)
        if keys is None:
            total = prefix[1:] - prefix[index.window_start(seconds)]
        else:
            lo, hi = index.bounds_at(keys, seconds)
            total = prefix[hi] - prefix[lo]
        np.divide(total, scale, out=out[:, j])
    return out


def rate_of_change(
    sensors: ArrayLike,
    times: ArrayLike,
    values: ArrayLike,
    hours: float = 1.0,
    *,
    index: SeriesIndex | None = None,
) -> FloatArray:
    """Change per hour over the window (t − h, t]: (v_i − v_j) / (t_i − t_j) × 3600.

    j is the earliest reading of the same sensor inside the window, so the rate uses the real
    elapsed time even when readings are missing (e.g. landslide displacement in mm/h). NaN
    where the window holds only the reading itself.
    """
    index = index or SeriesIndex(sensors, times)
    v = _finite(values, index.n)
    j = index.window_start(_seconds(hours))
    elapsed = (index.times - index.times[j]).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate: FloatArray = np.where(elapsed > 0, (v - v[j]) * HOUR / elapsed, np.nan)
    return rate


def latest_at(
    sensors: ArrayLike,
    times: ArrayLike,
    values: ArrayLike,
    at_sensors: ArrayLike,
    at_times: ArrayLike,
    *,
    fill: float = np.nan,
) -> FloatArray:
    """The value of the latest reading of the same sensor at or before each query point.

    An as-of join: a reading holds until the next one of its sensor. ``fill`` where the sensor
    has no reading yet.
    """
    index, keys = _query_index(sensors, times, (at_sensors, at_times))
    v = _finite(values, index.n)
    row = np.searchsorted(index.key, keys, "right") - 1
    q_codes = _int_array(at_sensors, "at sensors")
    found = row >= 0
    found[found] = index.codes[row[found]] == q_codes[found]
    out: FloatArray = np.where(found, v[np.maximum(row, 0)] if v.size else fill, fill)
    return out


def evaluation_points(
    sensors: ArrayLike,
    times: ArrayLike,
    values: ArrayLike,
    hours: Sequence[float] = (),
    *,
    until: int | None = None,
) -> tuple[IntArray, IntArray]:
    """Instants at which window sums can change: every reading, and every instant t + h at
    which a non-zero reading leaves a window of length h (up to ``until``).

    Evaluating sums at these points makes levels fall at the exact instant a window empties,
    also for a gauge that only reports while it rains. Returns (sensors, times), sorted by
    (sensor, time), without repeats; the input need not be sorted.
    """
    codes, t = _int_array(sensors, "sensors"), _int_array(times, "times")
    if codes.shape != t.shape:
        raise ValueError(f"{codes.size} sensors but {t.size} times")
    v = _finite(values, int(codes.size))
    wet = v != 0
    parts_c, parts_t = [codes], [t]
    for h in hours:
        parts_c.append(codes[wet])
        parts_t.append(t[wet] + _seconds(h))
    all_c, all_t = np.concatenate(parts_c), np.concatenate(parts_t)
    if until is not None:
        keep = all_t <= until
        all_c, all_t = all_c[keep], all_t[keep]
    order = np.lexsort((all_t, all_c))
    all_c, all_t = all_c[order], all_t[order]
    new = np.ones(all_c.size, dtype=bool)
    new[1:] = (all_c[1:] != all_c[:-1]) | (all_t[1:] != all_t[:-1])
    return all_c[new], all_t[new]


@dataclass(frozen=True)
class Staleness:
    """Per sensor (``expected`` in its order, else ascending codes): last reading at or before
    ``now`` and whether the sensor is stale."""

    sensors: IntArray
    last: IntArray
    """Epoch seconds of the last reading at or before now; -1 where there is none."""
    seen: BoolArray
    stale: BoolArray


def stale(
    sensors: ArrayLike,
    times: ArrayLike,
    *,
    now: int,
    interval: float | ArrayLike,
    k: float = 3.0,
    expected: ArrayLike | None = None,
) -> Staleness:
    """Sensors silent for more than k × their expected reporting interval at ``now``.

    Stale when now − last > k × interval: exactly k intervals of silence is not yet stale
    (the k-th reading may be in flight). Readings after ``now`` are ignored (a replay evaluated
    at an instant in the past). ``expected`` lists the sensors that should report (a sensor
    with no reading at all is stale); without it, the sensors present in the data.
    ``interval`` is one number or one per sensor of ``expected``.
    """
    index = SeriesIndex(sensors, times)
    keep = index.times <= now
    codes, t = index.codes[keep], index.times[keep]
    ends = np.flatnonzero(np.append(codes[1:] != codes[:-1], True)) if codes.size else codes
    have, have_last = codes[ends], t[ends]
    wanted = np.unique(index.codes) if expected is None else _int_array(expected, "expected")
    last = np.full(wanted.size, -1, dtype=np.int64)
    seen = np.zeros(wanted.size, dtype=bool)
    if have.size:
        pos = np.minimum(np.searchsorted(have, wanted), have.size - 1)
        seen = have[pos] == wanted
        last[seen] = have_last[pos[seen]]
    limit = k * np.asarray(interval, dtype=np.float64)
    if limit.ndim and limit.shape != wanted.shape:
        raise ValueError("interval must be one number or one per expected sensor")
    if not np.isfinite(limit).all() or (limit <= 0).any():
        raise ValueError("k × interval must be a positive number of seconds")
    silent = ~seen | ((now - last) > limit)
    return Staleness(wanted, last, seen, silent)


def stuck(
    sensors: ArrayLike,
    times: ArrayLike,
    values: ArrayLike,
    *,
    min_count: int,
    min_seconds: int = 0,
    index: SeriesIndex | None = None,
) -> BoolArray:
    """Per reading: it ends a run of identical values of its sensor that is at least
    ``min_count`` readings long and spans at least ``min_seconds`` (first to this reading).

    Causal, like a live detector: a reading is flagged once the run so far is long enough.
    Equality is exact; quantise noisy values first. A rain gauge reads 0 for days, so apply this
    to sensors that should vary (water level, tank pressure) or mask zeros.
    """
    if min_count < 2:
        raise ValueError("min_count must be at least 2 (one reading is never 'the same value')")
    index = index or SeriesIndex(sensors, times)
    v = _finite(values, index.n)
    new = np.ones(index.n, dtype=bool)
    new[1:] = v[1:] != v[:-1]
    new[index.starts] = True
    run_start = np.maximum.accumulate(np.where(new, index.rows, 0))
    count = index.rows - run_start + 1
    flagged: BoolArray = (count >= min_count) & (
        index.times - index.times[run_start] >= min_seconds
    )
    return flagged
