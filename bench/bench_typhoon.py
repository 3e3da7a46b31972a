"""Benchmark: the typhoon replay's readings for a province of stations (issue 10, kernels).

- :func:`yingji.kernels.typhoon.readings` for 2,000 stations × 72 hourly steps of Lekima's
  CMA best track (2019-08-08T12Z → 08-11T12Z, landfall at Wenling at 17:45Z on the 9th),
  a quarter each of wind, rain, water-level and landslide stations. This is the whole path:
  track interpolation, the Holland wind field at every step, the R-CLIPER rain field at
  4 sub-steps per hour, the gauge and slope responses, seeded noise and rounding.
- Baseline in the same run: a bare numpy haversine distance matrix between the storm
  centres and the stations, once for the 72 steps (the size the issue states) and once for
  the 72 + 288 centre positions the kernel actually evaluates (wind at each step, rain at
  4 sub-steps). Any field needs at least these distances, so the ratio shows what the
  physics costs on top.

Kernel part only: no database, no Django. Stations are synthetic: uniform over Zhejiang's
bounding box (27.0–31.2 N, 118.0–123.0 E) with a fixed seed. The run also reports the
replay's figures for the closing note (peak wind and rain, the landfall check).
"""

from __future__ import annotations

import json
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from yingji.kernels import typhoon
from yingji.kernels.geo import haversine_km

TRACK = Path(__file__).resolve().parent.parent / "data" / "simulation" / "lekima_2019_track.csv"
STATIONS = 2_000
STEPS = 72
START, END = "2019-08-08T12:00Z", "2019-08-11T12:00Z"
SEED = 20190810
BOX = (27.0, 31.2, 118.0, 123.0)  # lat min/max, lon min/max


def timed(func: Callable[[], object], repeat: int) -> list[float]:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        runs.append(time.perf_counter() - start)
    return runs


def main() -> None:
    track = typhoon.load_track(TRACK.read_text(encoding="utf-8"))
    rng = np.random.default_rng(SEED)
    lat = rng.uniform(BOX[0], BOX[1], STATIONS)
    lon = rng.uniform(BOX[2], BOX[3], STATIONS)
    kinds = [typhoon.KINDS[i % 4] for i in range(STATIONS)]

    def run() -> typhoon.Readings:
        return typhoon.readings(track, lat, lon, kinds, start=START, end=END, step_minutes=60,
                                seed=SEED)  # fmt: skip

    result = run()
    kernel_runs = timed(run, repeat=7)
    step_centres = track.at(result.times)
    sub_times = (result.times[:, None] - np.array([52, 37, 22, 7], "timedelta64[m]")).ravel()
    all_centres = track.at(np.concatenate((result.times, sub_times)))

    def distances(state: typhoon.TrackState) -> np.ndarray:
        return haversine_km(state.lat[:, None], state.lon[:, None], lat[None, :], lon[None, :])

    steps_runs = timed(lambda: distances(step_centres), repeat=7)
    all_runs = timed(lambda: distances(all_centres), repeat=7)
    kernel_s = statistics.median(kernel_runs)
    steps_s = statistics.median(steps_runs)
    all_s = statistics.median(all_runs)
    values = result.values
    by_kind = {k: np.array([s == k for s in kinds]) for k in typhoon.KINDS}
    rain_total = values[:, by_kind["rain"]].sum(axis=0)
    check = typhoon.compare_vmax(track, "2019-08-09T17:45Z")
    again = run()
    print(json.dumps({
        "benchmark": "typhoon",
        "params": {"stations": STATIONS, "steps": STEPS, "step_minutes": 60,
                   "rain_substeps_per_step": 4, "start": START, "end": END, "seed": SEED,
                   "track": "CMA best track, Lekima 2019 (62 points)",
                   "stations_box": BOX, "cpus": os.cpu_count()},
        "results": {"readings_s": round(kernel_s, 4), "readings_min_s": round(min(kernel_runs), 4),
                    "values": int(values.size),
                    "deterministic": bool(np.array_equal(values, again.values)),
                    "peak_wind_10min_ms": round(float(values[:, by_kind["wind"]].max()), 1),
                    "peak_hourly_rain_mm": round(float(values[:, by_kind["rain"]].max()), 1),
                    "max_72h_rain_mm": round(float(rain_total.max()), 1),
                    "mean_72h_rain_mm": round(float(rain_total.mean()), 1),
                    "max_water_level_rise_m": round(float(np.ptp(
                        values[:, by_kind["water_level"]], axis=0).max()), 2),
                    "slopes_moving": int((values[-1, by_kind["landslide"]] > 0).sum()),
                    "landfall_check": {"track_vmax_ms": round(check.track_vmax_ms, 2),
                                       "model_peak_ms": round(check.model_peak_ms, 2),
                                       "rmax_km": round(check.rmax_km, 1),
                                       "holland_b": round(check.holland_b, 3)}},
        "baseline": {"haversine_steps_x_stations_s": round(steps_s, 5),
                     "haversine_all_centres_x_stations_s": round(all_s, 5)},
        "ratio": {"readings_vs_haversine_steps": round(kernel_s / steps_s, 1),
                  "readings_vs_haversine_all_centres": round(kernel_s / all_s, 1)},
        "targets": {"readings_s": 1.0},
    }, indent=2, ensure_ascii=False))  # fmt: skip


if __name__ == "__main__":
    main()
