"""Alarm episodes from per-point signal levels: one alarm per sensor and rule, not one per
reading.

Real deployments drown in alarms, so a level series becomes *episodes*:

- an episode **starts** at the first point with a level ≥ 0 (蓝 or above);
- while it is open, ``levels`` records (level, at) each time the named level changes, rising
  **and** falling (红 → 橙 as the 3-hour window empties);
- when the level drops below 0 at instant c (the *clear*), the episode stays open for the hold
  time; if the level comes back at any instant ≤ c + hold, it is the **same** episode (a return
  exactly at c + hold still counts: de-duplication prefers one alarm), and the dip is not
  recorded unless the level comes back at a different colour;
- otherwise it **ends at exactly c + hold**, the instant the hold elapsed. The end does not
  depend on when the next reading happens to arrive, so a 1-minute and a 10-minute gauge with
  the same clear time close at the same instant;
- an episode is still open (``end`` is None) when the data end first: a level ≥ 0 at the last
  point, or a clear whose hold has not elapsed by ``until`` (the instant up to which the data
  are known, by default the last timestamp).

The vectorised part finds the points where a sensor's level changes; the loop that assembles
episodes runs over those changes only, a handful per storm, never per reading.

Incremental use (``carry``): a live system judges each batch of new points as it arrives. The
alarm still open from the previous batches is passed in per sensor (its start, level history
and clear instant), and the batch continues it exactly as if the whole series had been
evaluated at once; the returned episode keeps the carried ``start`` and full ``levels``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike

from yingji.kernels.rolling import IntArray, SeriesIndex

__all__ = ["Carried", "Episode", "episodes"]


@dataclass(frozen=True)
class Episode:
    """One alarm of one sensor: instants in epoch seconds, levels as codes 0..3."""

    sensor: int
    start: int
    end: int | None
    peak: int
    levels: tuple[tuple[int, int], ...]
    """(level, at) each time the level changed while open, the first being (level, start)."""
    first: int
    """Index of the episode's first point in the input arrays."""
    stop: int
    """One past the index of its last point (points at or after ``end`` are not in it)."""
    cleared: int | None = None
    """While open: when the level last dropped below 蓝, if it has not come back since."""


@dataclass(frozen=True)
class Carried:
    """An episode left open by earlier points of a sensor: see "Incremental use"."""

    start: int
    levels: tuple[tuple[int, int], ...]
    cleared: int | None = None


@dataclass
class _Open:
    sensor: int
    start: int
    first: int
    levels: list[tuple[int, int]] = field(default_factory=list)
    cleared: int | None = None

    def note(self, level: int, at: int) -> None:
        if not self.levels or self.levels[-1][0] != level:
            self.levels.append((level, at))

    def close(self, end: int | None, stop: int) -> Episode:
        peak = max(level for level, _ in self.levels)
        cleared = self.cleared if end is None else None
        levels = tuple(self.levels)
        return Episode(self.sensor, self.start, end, peak, levels, self.first, stop, cleared)


def episodes(
    sensors: ArrayLike,
    times: ArrayLike,
    levels: ArrayLike,
    *,
    hold_seconds: int,
    until: int | Mapping[int, int] | None = None,
    carry: Mapping[int, Carried] | None = None,
) -> list[Episode]:
    """Alarm episodes of every sensor, in input order (points sorted by (sensor, time)).

    ``levels``: -1 = no alarm, 0..3 = blue..red, one per point. See the module docstring for
    the start, level history, hold and end rules. ``carry``: the open episode of a sensor
    (by code) before its first point here; its points must all come after ``start``.
    ``until`` may also be given per sensor code (each sensor's data known up to its own
    instant, as when gateways report at different times).
    """
    if hold_seconds < 0:
        raise ValueError("hold_seconds must be ≥ 0")
    index = SeriesIndex(sensors, times)
    level = np.asarray(levels, dtype=np.int64)
    if level.shape != (index.n,):
        raise ValueError(f"levels must have one entry per point ({index.n})")
    if index.n == 0:
        return []
    if ((level < -1) | (level > 3)).any():
        raise ValueError("levels must be -1 (none) or 0..3 (blue..red)")
    last = int(index.times.max())
    horizon: int | Mapping[int, int]
    if until is None or isinstance(until, int):
        fixed = last if until is None else until
        if fixed < last:
            raise ValueError("until must not be before the last point")
        horizon = fixed
    else:
        horizon = until
        ends = np.append(index.starts[1:], index.n) - 1
        for i in ends.tolist():
            if horizon.get(int(index.codes[i]), last) < index.times[i]:
                raise ValueError(f"until of sensor {index.codes[i]} is before its last point")
    changed = np.ones(index.n, dtype=bool)
    changed[1:] = level[1:] != level[:-1]
    changed[index.starts] = True
    builder = _Builder(index, hold_seconds, horizon, carry or {})
    for i in np.flatnonzero(changed).tolist():
        builder.point(i, int(level[i]))
    builder.flush()
    return builder.found


class _Builder:
    """Assembles episodes from the change points of a level series, in order."""

    def __init__(
        self,
        index: SeriesIndex,
        hold: int,
        horizon: int | Mapping[int, int],
        carry: Mapping[int, Carried],
    ) -> None:
        self.index, self.hold, self.horizon, self.carry = index, hold, horizon, carry
        self.ends: IntArray = np.append(index.starts[1:], index.n)  # one past each sensor
        self.found: list[Episode] = []
        self.current: _Open | None = None

    def point(self, i: int, level: int) -> None:
        sensor, at = int(self.index.codes[i]), int(self.index.times[i])
        current = self.current
        if current is not None and current.sensor != sensor:
            self.flush()
            current = None
        if current is None and i == int(self.index.first[i]) and sensor in self.carry:
            old = self.carry[sensor]
            current = self.current = _Open(sensor, old.start, i, list(old.levels), old.cleared)
        if level < 0:
            if current is not None and current.cleared is None:
                current.cleared = at
            return
        if current is not None and current.cleared is not None:
            if at - current.cleared > self.hold:  # the hold elapsed before: a new episode
                self.flush()
                current = None
            else:
                current.cleared = None
        if current is None:
            current = self.current = _Open(sensor, at, i)
        current.note(level, at)

    def flush(self) -> None:
        """Close or leave open the current episode, at the end of its sensor or hold."""
        episode, self.current = self.current, None
        if episode is None:
            return
        group_end = int(self.ends[self.index.group[episode.first]])
        horizon = self.horizon
        if not isinstance(horizon, int):
            horizon = horizon.get(episode.sensor, int(self.index.times[group_end - 1]))
        if episode.cleared is None or episode.cleared + self.hold > horizon:
            self.found.append(episode.close(None, group_end))
            return
        end = episode.cleared + self.hold
        times = self.index.times[episode.first : group_end]
        stop = episode.first + int(np.searchsorted(times, end, "left"))
        self.found.append(episode.close(end, stop))
