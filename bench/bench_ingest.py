"""Benchmark: monitoring rules over a 24-hour backfill (issue 6, performance).

Built so far: the rule kernels. 10,000 rain gauges at 1-minute resolution for 24 hours
(14.4 M readings; 30 % of the gauges under a storm): the five CMA window sums (1/3/6/12/24 h),
the rainstorm levels and the alarm episodes (target ≤ 5 s), on regular series and with 2 % of
the readings missing (irregular series take the general search path). Baseline in the same run:
a bare numpy per-gauge cumulative sum and one 3-hour difference over the same array, which
any rolling-window method must at least do.

The ingest measures of the issue (1,000,000 readings through the real ingest path, a bare
``executemany`` of the same rows, posted → alarm latency) come with the ingest path.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from yingji.kernels import rolling, signals
from yingji.kernels.alarms import episodes

GAUGES = 10_000
MINUTES = 24 * 60
SEED = 20190809  # the night Lekima came ashore
START = 1_565_280_000


def backfill() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(SEED)
    sensors = np.repeat(np.arange(GAUGES, dtype=np.int64), MINUTES)
    times = np.tile(START + 60 * np.arange(1, MINUTES + 1, dtype=np.int64), GAUGES)
    storm = rng.random(GAUGES) < 0.3
    rate = np.where(storm, rng.gamma(2.0, 0.15, GAUGES), 0.005)  # mm per minute
    values = np.round(rng.poisson(np.repeat(rate, MINUTES) * 10) / 10, 1)
    return sensors, times, values


def rules(sensors: np.ndarray, times: np.ndarray, values: np.ndarray) -> dict[str, Any]:
    index = rolling.SeriesIndex(sensors, times)
    _sums, levels = signals.rainstorm(sensors, times, values, index=index)
    found = episodes(sensors, times, levels, hold_seconds=3600)
    return {"alarms": len(found), "readings_in_alarm": int((levels >= 0).sum())}


def bare(sensors: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Per-gauge cumulative sums and one 3-hour window difference (regular series)."""
    grid = values.reshape(GAUGES, MINUTES)
    cumulative = np.cumsum(grid, axis=1)
    window = cumulative.copy()
    window[:, 180:] -= cumulative[:, :-180]
    return window


def timed(func: Callable[[], Any], repeat: int) -> tuple[list[float], Any]:
    runs, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        runs.append(time.perf_counter() - start)
    return runs, result


def main() -> None:
    sensors, times, values = backfill()
    regular, outcome = timed(lambda: rules(sensors, times, values), 3)
    keep = np.random.default_rng(SEED + 1).random(sensors.size) > 0.02
    s2, t2, v2 = sensors[keep], times[keep], values[keep]
    irregular, outcome2 = timed(lambda: rules(s2, t2, v2), 3)
    baseline, _ = timed(lambda: bare(sensors, values), 3)
    print(
        json.dumps(  # ensure_ascii=False: the "→" stays readable
            {
                "benchmark": "ingest",
                "params": {
                    "gauges": GAUGES,
                    "minutes": MINUTES,
                    "readings": int(sensors.size),
                    "seed": SEED,
                    "cpus": os.cpu_count(),
                },
                "results": {
                    "rules_24h_backfill_s": statistics.median(regular),
                    "rules_24h_backfill_2pct_missing_s": statistics.median(irregular),
                    "alarms": outcome["alarms"],
                    "alarms_2pct_missing": outcome2["alarms"],
                },
                "baseline": {"numpy_cumsum_one_window_s": statistics.median(baseline)},
                "ratio": {
                    "rules_vs_bare_window": round(
                        statistics.median(regular) / statistics.median(baseline), 1
                    )
                },
                "targets": {"rules_24h_backfill_s": 5},
                "not_yet": [
                    "ingest 1,000,000 readings (needs the ingest path)",
                    "posted → alarm p99 latency",
                ],
            },
            indent=2,
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
