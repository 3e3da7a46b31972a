"""Signal rules on sensor series: the CMA rainstorm and gale observed levels, the Beaufort
scale, and on/off thresholds with hysteresis and a minimum duration.

Levels
------
Codes rise with severity: -1 = no signal, 0..3 = 蓝/黄/橙/红 (blue, yellow, orange, red), as
in :mod:`yingji.kernels.methods`. Every threshold is inclusive: "50 毫米以上" includes 50
(STANDARDS.md §3 on 以上/以下).

CMA signals (中国气象局令第16号, attached 预警信号; STANDARDS.md §1)
-----------------------------------------------------------------
Only the *observed* branch ("已达…且可能持续") is evaluated here, on measured data; the forecast
branch needs a forecast, and "可能持续" is a forecaster's judgement, so an observed level is an
alarm for a duty officer to confirm, not an issued warning.

- 暴雨 rainstorm: 蓝 ≥ 50 mm in 12 h, 黄 ≥ 50 mm in 6 h, 橙 ≥ 50 mm in 3 h, 红 ≥ 100 mm in 3 h.
  The level is the highest one met, so a burst that brings 50 mm in 3 h goes straight from
  蓝 to 橙 (≥ 50 in 3 h implies ≥ 50 in 6 h), and a fading storm falls back through 黄.
- 大风 gale (observed): 蓝 平均风力 6~7 级 or 阵风 7~8 级, 黄 8~9 / 9~10, 橙 10~11 / 11~12,
  红 ≥ 12 / ≥ 13. So the mean force starts the colours at 6, 8, 10, 12 and the gust force at
  7, 9, 11, 13; the level is the higher of the two.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
from numpy.typing import ArrayLike

from yingji.kernels.arrays import BoolArray, CodeArray, FloatArray
from yingji.kernels.rolling import DEFAULT_HOURS, SeriesIndex, window_sums

__all__ = [
    "BEAUFORT_FROM_MS",
    "GALE_GUST_FROM",
    "GALE_MEAN_FROM",
    "LEVELS",
    "LEVEL_ZH",
    "RAINSTORM_OBSERVED",
    "WindowThreshold",
    "beaufort",
    "gale_levels",
    "hysteresis",
    "rainstorm",
    "rainstorm_levels",
]

LEVELS: Final = ("blue", "yellow", "orange", "red")
"""Signal colours by code 0..3 (Ⅳ级 一般 … Ⅰ级 特别严重)."""
LEVEL_ZH: Final = {"blue": "蓝", "yellow": "黄", "orange": "橙", "red": "红"}


@dataclass(frozen=True)
class WindowThreshold:
    """Level ``level`` when the rain of the last ``hours`` reaches ``mm`` (inclusive)."""

    level: int
    hours: float
    mm: float


RAINSTORM_OBSERVED: Final = (
    WindowThreshold(0, 12, 50.0),
    WindowThreshold(1, 6, 50.0),
    WindowThreshold(2, 3, 50.0),
    WindowThreshold(3, 3, 100.0),
)
"""暴雨 observed branch: 蓝 50 mm/12 h, 黄 50 mm/6 h, 橙 50 mm/3 h, 红 100 mm/3 h."""


def rainstorm_levels(
    sums: ArrayLike,
    hours: Sequence[float],
    thresholds: Sequence[WindowThreshold] = RAINSTORM_OBSERVED,
) -> CodeArray:
    """Level per row of window sums (columns follow ``hours``): the highest level met, or -1."""
    table = np.asarray(sums, dtype=np.float64)
    if table.ndim != 2 or table.shape[1] != len(hours):
        raise ValueError(f"sums must be (points, {len(hours)} windows), got {table.shape}")
    column = {float(h): j for j, h in enumerate(hours)}
    levels = np.full(table.shape[0], -1, dtype=np.int8)
    for rule in sorted(thresholds, key=lambda r: r.level):
        if float(rule.hours) not in column:
            raise ValueError(f"the {rule.hours} h window is needed by level {rule.level}")
        met = table[:, column[float(rule.hours)]] >= rule.mm
        levels[met] = np.maximum(levels[met], rule.level)
    return levels


def rainstorm(
    sensors: ArrayLike,
    times: ArrayLike,
    rain_mm: ArrayLike,
    *,
    at: tuple[ArrayLike, ArrayLike] | None = None,
    index: SeriesIndex | None = None,
) -> tuple[FloatArray, CodeArray]:
    """Window sums over :data:`~yingji.kernels.rolling.DEFAULT_HOURS` and rainstorm levels.

    ``rain_mm`` is the rain of the interval ending at each timestamp (≥ 0); ``at`` evaluates
    at other instants (see :func:`yingji.kernels.rolling.evaluation_points`).
    """
    values = np.asarray(rain_mm, dtype=np.float64)
    if (values < 0).any():
        raise ValueError("rainfall must be ≥ 0 mm")
    sums = window_sums(sensors, times, values, DEFAULT_HOURS, at=at, index=index)
    return sums, rainstorm_levels(sums, DEFAULT_HOURS)


# --- wind ------------------------------------------------------------------------------------

BEAUFORT_FROM_MS: Final = (
    0.3, 1.6, 3.4, 5.5, 8.0, 10.8, 13.9, 17.2, 20.8, 24.5, 28.5, 32.7, 37.0, 41.5, 46.2, 51.0, 56.1,
)  # fmt: skip
"""Lowest 10-m wind speed (m/s) of Beaufort forces 1..17.

GB/T 28591-2012《风力等级》 (the WMO Beaufort scale extended to 17 as used by CMA):
0 0.0–0.2, 1 0.3–1.5, 2 1.6–3.3, 3 3.4–5.4, 4 5.5–7.9, 5 8.0–10.7, 6 10.8–13.8,
7 13.9–17.1, 8 17.2–20.7, 9 20.8–24.4, 10 24.5–28.4, 11 28.5–32.6, 12 32.7–36.9,
13 37.0–41.4, 14 41.5–46.1, 15 46.2–50.9, 16 51.0–56.0, 17 56.1–61.2 m/s. Checked against
the same table reproduced by the (Taiwan) Central Weather Bureau, e.g.
https://www.highpeaktent.com/en/page/beaufort-wind-scale-table.html; WMO's 0–12 bounds are
the same up to 12 (≥ 32.7). Speeds above 61.2 m/s stay at 17, the top of the table.
"""
_BEAUFORT_TENTHS: Final = np.rint(np.asarray(BEAUFORT_FROM_MS) * 10).astype(np.int64)


def beaufort(speed_ms: ArrayLike) -> CodeArray:
    """Beaufort force 0..17 per wind speed in m/s; NaN → -1; negative speeds are refused.

    The table is published to 0.1 m/s with gaps between classes (…13.8 | 13.9…), so a speed
    is first rounded half up to 0.1 m/s: 13.849 is force 6, 13.85 is force 7.
    """
    v = np.asarray(speed_ms, dtype=np.float64)
    if (v < 0).any() or np.isinf(v).any():
        raise ValueError("wind speed must be a finite number ≥ 0 m/s (NaN for missing)")
    tenths = np.floor(np.nan_to_num(v) * 10 + 0.5 + 1e-9).astype(np.int64)
    force = np.searchsorted(_BEAUFORT_TENTHS, tenths, side="right").astype(np.int8)
    forces: CodeArray = np.where(np.isnan(v), -1, force).astype(np.int8)
    return forces


GALE_MEAN_FROM: Final = (6, 8, 10, 12)
"""大风 observed: mean force from which 蓝, 黄, 橙, 红 apply."""
GALE_GUST_FROM: Final = (7, 9, 11, 13)
"""大风 observed: gust force from which 蓝, 黄, 橙, 红 apply."""


def gale_levels(mean_force: ArrayLike, gust_force: ArrayLike) -> CodeArray:
    """大风 observed level from mean and gust Beaufort forces (-1 = unknown force): the higher
    of the two colours, -1 below 蓝."""
    mean = np.asarray(mean_force, dtype=np.int64)
    gust = np.asarray(gust_force, dtype=np.int64)
    by_mean = np.searchsorted(np.asarray(GALE_MEAN_FROM), mean, side="right") - 1
    by_gust = np.searchsorted(np.asarray(GALE_GUST_FROM), gust, side="right") - 1
    levels: CodeArray = np.maximum(by_mean, by_gust).astype(np.int8)
    return levels


# --- hysteresis ------------------------------------------------------------------------------


def hysteresis(
    sensors: ArrayLike,
    times: ArrayLike,
    values: ArrayLike,
    *,
    on: float | ArrayLike,
    off: float | ArrayLike,
    min_seconds: int | ArrayLike = 0,
    direction: Literal["above", "below"] = "above",
    index: SeriesIndex | None = None,
) -> BoolArray:
    """Per reading: is the alarm on? (readings sorted by (sensor, time), finite values)

    ``direction="above"`` (e.g. gas %LEL): a reading ≥ ``on`` switches on, the alarm stays on
    while readings stay ≥ ``off`` and a reading < ``off`` switches it off (off ≤ on); each
    sensor starts off. ``"below"`` mirrors it (on at ≤ on, off above off; off ≥ on).
    ``min_seconds``: the alarm shows only once it has been on for that long, measured from the
    reading that switched it on to the current reading, so a spike shorter than that never
    alarms. Vectorised: the state is the last switching event, carried forward per sensor.
    ``on``, ``off`` and ``min_seconds`` are one number or one per reading (sensors with their
    own thresholds in one call).
    """
    index = index or SeriesIndex(sensors, times)
    v = np.asarray(values, dtype=np.float64)
    if v.shape != (index.n,) or not np.isfinite(v).all():
        raise ValueError("values must be finite, one per reading")
    if direction not in ("above", "below"):
        raise ValueError(f"direction must be 'above' or 'below', not {direction!r}")
    sign = 1.0 if direction == "above" else -1.0
    on_at = sign * np.asarray(on, dtype=np.float64)
    off_at = sign * np.asarray(off, dtype=np.float64)
    minimum = np.asarray(min_seconds, dtype=np.int64)
    v = sign * v
    for name, given in (("on", on_at), ("off", off_at), ("min_seconds", minimum)):
        if given.ndim and given.shape != (index.n,):
            raise ValueError(f"{name} must be one number or one per reading ({index.n})")
    if (off_at > on_at).any():
        raise ValueError(f"off threshold {off!r} must not be beyond the on threshold {on!r}")
    if (minimum < 0).any():
        raise ValueError("min_seconds must be ≥ 0")
    event = np.where(v >= on_at, 1, np.where(v < off_at, -1, 0)).astype(np.int8)
    starts = index.starts
    event[starts] = np.where(event[starts] == 0, -1, event[starts])  # each sensor starts off
    last_event = np.maximum.accumulate(np.where(event != 0, index.rows, 0))
    state = event[last_event] == 1
    switched_on = state.copy()
    switched_on[1:] &= ~state[:-1]
    switched_on[starts] = state[starts]
    onset = np.maximum.accumulate(np.where(switched_on, index.rows, 0))
    shown: BoolArray = state & (index.times - index.times[onset] >= minimum)
    return shown
