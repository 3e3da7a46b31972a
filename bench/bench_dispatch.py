"""Benchmark: dispatch and rescue coverage over every village of Zhejiang (issue 8, performance).

- Nearest: the 5 fastest ground bases of each of the 25,547 villages among 2,000 bases
  (:func:`yingji.kernels.dispatch.nearest`, k-d tree on unit vectors); target ≤ 1 s. Baseline
  in the same run: brute force in numpy — the full villages × bases haversine matrix in blocks
  of 2,048 villages, minutes from the same model, ``argpartition`` for the 5 smallest, sorted —
  and the two answers are compared (same bases, same minutes). Also timed: the same query with
  a per-base delay (0–30 min) on every base, which makes the kernel re-rank extra candidates.
- Coverage: the full analysis, ground (50 km great-circle and 60 min from the 2,000 bases,
  60 km/h, detour 1.3) plus aviation (30 min from 300 helicopter bases and landing points,
  10 min launch, 200 km/h) (:func:`yingji.kernels.dispatch.coverage`, twice); target ≤ 2 s.
  Baseline: the same rules by brute force over the full matrices; the covered sets must match.
  With 2,000 bases drawn among villages every village is covered, so the same analysis is
  also timed and checked with a sparse network (the first 100 ground bases and 20 helicopter
  sites), where many villages are not and the kernel also looks up their fastest base.

No database and no Django: the villages are the real ones, read from
``data/regions/zhejiang_divisions.csv.gz`` (level ``village``, their ``lat``/``lon``). Bases are
synthetic: 2,000 villages drawn without replacement with a fixed seed, each moved by a uniform
jitter of up to ±0.02° in latitude and longitude (about ±2 km), so that a base is near people
as real stations are but not exactly on a village centre; the helicopter sites are 300 more
drawn the same way with another seed.
"""

from __future__ import annotations

import csv
import gzip
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from yingji.kernels import dispatch
from yingji.kernels.geo import haversine_km

DATA = Path(__file__).resolve().parent.parent / "data" / "regions" / "zhejiang_divisions.csv.gz"
BASES = 2_000
HELI_SITES = 300
SPARSE = (100, 20)  # ground bases, helicopter sites of the sparse network
K = 5
SEED = 20210623
JITTER_DEG = 0.02
BLOCK = 2_048
MODEL = dispatch.GreatCircleModel()  # ground 60 km/h × 1.3; air 200 km/h, 10 min launch
Points = tuple[np.ndarray, np.ndarray]


def timed(func: Callable[[], object], repeat: int) -> list[float]:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        runs.append(time.perf_counter() - start)
    return runs


def villages() -> Points:
    with gzip.open(DATA, "rt", encoding="utf-8", newline="") as file:
        rows = [(float(r["lat"]), float(r["lon"])) for r in csv.DictReader(file)
                if r["level"] == "village"]  # fmt: skip
    points = np.array(rows)
    return points[:, 0], points[:, 1]


def sites(lat: np.ndarray, lon: np.ndarray, n: int, seed: int) -> Points:
    rng = np.random.default_rng(seed)
    pick = rng.choice(lat.size, n, replace=False)
    jitter = rng.uniform(-JITTER_DEG, JITTER_DEG, (2, n))
    return lat[pick] + jitter[0], lon[pick] + jitter[1]


def brute_minutes(bases: Points, lat: np.ndarray, lon: np.ndarray, mode: dispatch.Mode,
                  extra: np.ndarray | None = None) -> Points:  # fmt: skip
    """Villages × bases great-circle km and minutes for one block of villages."""
    km = haversine_km(lat[:, None], lon[:, None], *bases)
    minutes = MODEL.minutes(km, mode)
    return km, minutes if extra is None else minutes + extra


def brute_nearest(bases: Points, lat: np.ndarray, lon: np.ndarray,
                  extra: np.ndarray | None = None) -> Points:  # fmt: skip
    index = np.empty((lat.size, K), dtype=np.intp)
    minutes = np.empty((lat.size, K))
    for start in range(0, lat.size, BLOCK):
        block = slice(start, start + BLOCK)
        _, t = brute_minutes(bases, lat[block], lon[block], "ground", extra)
        part = np.argpartition(t, K - 1, axis=1)[:, :K]
        part_t = np.take_along_axis(t, part, axis=1)
        order = np.argsort(part_t, axis=1)
        index[block] = np.take_along_axis(part, order, axis=1)
        minutes[block] = np.take_along_axis(part_t, order, axis=1)
    return index, minutes


def brute_coverage(ground: Points, air: Points, lat: np.ndarray, lon: np.ndarray) -> Points:
    covered_ground = np.empty(lat.size, dtype=bool)
    covered_air = np.empty(lat.size, dtype=bool)
    for start in range(0, lat.size, BLOCK):
        block = slice(start, start + BLOCK)
        km, t = brute_minutes(ground, lat[block], lon[block], "ground")
        covered_ground[block] = ((km <= dispatch.GROUND_RADIUS_KM)
                                 & (t <= dispatch.GROUND_MAX_MINUTES)).any(axis=1)  # fmt: skip
        _, t = brute_minutes(air, lat[block], lon[block], "air")
        covered_air[block] = (t <= dispatch.AIR_MAX_MINUTES).any(axis=1)
    return covered_ground, covered_air


def full_coverage(ground: Points, air: Points, lat: np.ndarray,
                  lon: np.ndarray) -> tuple[dispatch.Coverage, dispatch.Coverage]:  # fmt: skip
    by_road = dispatch.coverage(*ground, lat, lon, radius_km=dispatch.GROUND_RADIUS_KM,
                                max_minutes=dispatch.GROUND_MAX_MINUTES, model=MODEL,
                                mode="ground")  # fmt: skip
    by_air = dispatch.coverage(*air, lat, lon, max_minutes=dispatch.AIR_MAX_MINUTES,
                               model=MODEL, mode="air")  # fmt: skip
    return by_road, by_air


def compare(index: np.ndarray, minutes: np.ndarray, base_index: np.ndarray,
            base_minutes: np.ndarray) -> dict[str, Any]:  # fmt: skip
    return {"same_bases_share": float((index == base_index).mean()),
            "max_minutes_difference": float(np.abs(minutes - base_minutes).max()),
            "same_answer": bool(np.allclose(minutes, base_minutes, rtol=1e-9)
                                and (index == base_index).mean() > 0.9999)}  # fmt: skip


def main() -> None:
    lat, lon = villages()
    ground = sites(lat, lon, BASES, SEED)
    air = sites(lat, lon, HELI_SITES, SEED + 1)
    delay = np.random.default_rng(SEED + 2).uniform(0.0, 30.0, BASES)

    def near(extra: np.ndarray | None = None) -> Points:
        return dispatch.nearest(*ground, lat, lon, K, model=MODEL, mode="ground",
                                extra_minutes=extra)  # fmt: skip

    index, minutes = near()
    nearest_runs = timed(near, repeat=7)
    delayed_runs = timed(lambda: near(delay), repeat=5)
    by_road, by_air = full_coverage(ground, air, lat, lon)
    coverage_runs = timed(lambda: full_coverage(ground, air, lat, lon), repeat=7)
    brute_runs = timed(lambda: brute_nearest(ground, lat, lon), repeat=3)
    base_index, base_minutes = brute_nearest(ground, lat, lon)
    check = compare(index, minutes, base_index, base_minutes)
    check_delayed = compare(*near(delay), *brute_nearest(ground, lat, lon, delay))
    brute_cov_runs = timed(lambda: brute_coverage(ground, air, lat, lon), repeat=3)
    base_ground, base_air = brute_coverage(ground, air, lat, lon)
    same_coverage = bool((by_road.covered == base_ground).all()
                         and (by_air.covered == base_air).all())  # fmt: skip
    few_ground = (ground[0][: SPARSE[0]], ground[1][: SPARSE[0]])
    few_air = (air[0][: SPARSE[1]], air[1][: SPARSE[1]])
    sparse_road, sparse_air = full_coverage(few_ground, few_air, lat, lon)
    sparse_runs = timed(lambda: full_coverage(few_ground, few_air, lat, lon), repeat=7)
    sparse_base = brute_coverage(few_ground, few_air, lat, lon)
    same_coverage &= bool((sparse_road.covered == sparse_base[0]).all()
                          and (sparse_air.covered == sparse_base[1]).all())  # fmt: skip
    if not (check["same_answer"] and check_delayed["same_answer"] and same_coverage):
        raise AssertionError(f"kernel and brute force differ: {check} {check_delayed}")
    nearest_s = statistics.median(nearest_runs)
    coverage_s = statistics.median(coverage_runs)
    brute_s = statistics.median(brute_runs)
    brute_cov_s = statistics.median(brute_cov_runs)
    print(f"  nearest {K} of {BASES:,} bases for {lat.size:,} villages: {nearest_s:.3f} s"
          f" (brute force {brute_s:.3f} s, same answer); coverage ground + air"
          f" {coverage_s:.3f} s (brute force {brute_cov_s:.3f} s); uncovered villages:"
          f" ground {int((~by_road.covered).sum()):,}, air {int((~by_air.covered).sum()):,}"
          f" (sparse network {SPARSE}: {statistics.median(sparse_runs):.3f} s, uncovered"
          f" {int((~sparse_road.covered).sum()):,} / {int((~sparse_air.covered).sum()):,})",
          file=sys.stderr)  # fmt: skip
    print(json.dumps({
        "benchmark": "dispatch",
        "params": {"villages": int(lat.size), "bases": BASES, "helicopter_sites": HELI_SITES,
                   "sparse_bases_and_sites": SPARSE,
                   "k": K, "seed": SEED, "jitter_deg": JITTER_DEG, "model": vars(MODEL),
                   "ground_rule": [dispatch.GROUND_RADIUS_KM, dispatch.GROUND_MAX_MINUTES],
                   "air_max_minutes": dispatch.AIR_MAX_MINUTES, "cpus": os.cpu_count()},
        "results": {"nearest_s": round(nearest_s, 4), "nearest_min_s": round(min(nearest_runs), 4),
                    "nearest_with_per_base_delay_s": round(statistics.median(delayed_runs), 4),
                    "coverage_ground_and_air_s": round(coverage_s, 4),
                    "coverage_min_s": round(min(coverage_runs), 4),
                    "ground_covered": int(by_road.covered.sum()),
                    "air_covered": int(by_air.covered.sum()),
                    "sparse_coverage_s": round(statistics.median(sparse_runs), 4),
                    "sparse_ground_uncovered": int((~sparse_road.covered).sum()),
                    "sparse_air_uncovered": int((~sparse_air.covered).sum()),
                    "ground_median_minutes_to_nearest": round(float(np.median(minutes[:, 0])), 1),
                    "air_median_minutes": round(float(np.median(by_air.minutes)), 1)},
        "baseline": {"brute_force_nearest_s": round(brute_s, 4),
                     "brute_force_coverage_s": round(brute_cov_s, 4)},
        "checks": {"nearest": check, "nearest_with_per_base_delay": check_delayed,
                   "coverage_same_covered_sets": same_coverage},
        "ratio": {"nearest_vs_brute_force": round(nearest_s / brute_s, 3),
                  "coverage_vs_brute_force": round(coverage_s / brute_cov_s, 3)},
        "targets": {"nearest_s": 1.0, "coverage_ground_and_air_s": 2.0},
    }, indent=2, ensure_ascii=False))  # fmt: skip


if __name__ == "__main__":
    main()
