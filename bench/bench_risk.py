"""Benchmark: the risk kernels at province scale (issue 4, performance).

- ``score()`` on 500,000 enterprises × 40 indicators (target ≤ 1 s), against a bare numpy
  weighted sum over the same matrix in the same run (target ratio ≤ 3). Two weighted sums
  are reported, the BLAS matrix-vector product ``X @ w`` (the fastest; the stricter reading
  of the target) and the element-wise ``(X * w).sum(axis=1)``, plus the time of one
  element-wise pass that writes a rows × indicators array, which is the floor for any
  scorer that returns per-indicator contributions as ``score()`` does by default.
- ``score(..., contributions=False)``: the same totals, colours and incomplete rows without
  the rows × indicators contributions ("score_totals", the one held to ≤ 3 × ``X @ w``), and
  the contributions of 1,000 of its rows from its fit.
- area risk for 25,500 villages × 5 hazard types including classification (target ≤ 1 s),
  with natural breaks and with quantiles, against the bare numpy product H·E·V/A.

Kernel part only: no database, no Django. Inputs are synthetic and seeded. The model mixes
what an enterprise model holds: counts capped by fixed bounds, 0/1 flags, data-bounded
quantities, and 0.1 % missing cells (about 4 % of enterprises have a gap).
"""

from __future__ import annotations

import json
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from yingji.kernels import area_risk
from yingji.kernels.methods import COLOURS, Bands
from yingji.kernels.scoring import Group, Indicator, IndicatorModel, score

ENTERPRISES = 500_000
INDICATORS = 40
VILLAGES = 25_500
SEED = 20240508


def timed(func: Callable[[], object], repeat: int) -> list[float]:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        runs.append(time.perf_counter() - start)
    return runs


def enterprise_model(rank_columns: int = 0) -> IndicatorModel:
    """5 groups × 8 indicators: per group 4 capped counts, 2 flags, 2 data-bounded values."""
    rng = np.random.default_rng(SEED)
    groups = []
    for g in range(INDICATORS // 8):
        leaves = []
        for i in range(8):
            key = f"g{g}i{i}"
            weight = float(rng.uniform(0.5, 2.0))
            if i < 4:
                leaf = Indicator(key, key, key, "cost", weight, bounds=(0.0, 20.0))
            elif i < 6:
                leaf = Indicator(key, key, key, "benefit", weight, bounds=(0.0, 1.0))
            else:
                ranked = g * 2 + (i - 6) < rank_columns
                leaf = Indicator(key, key, key, "benefit", weight, "rank" if ranked else "minmax")
            leaves.append(leaf)
        groups.append(Group(f"g{g}", f"g{g}", float(rng.uniform(1, 3)), tuple(leaves)))
    root = Group("root", "root", 1.0, tuple(groups))
    # Independent synthetic indicators concentrate the scores around 33 (central limit), so
    # the thresholds sit where they give a plausible mix of colours.
    return IndicatorModel("bench", 1, root, Bands((32.0, 38.0, 44.0), COLOURS))


def enterprise_matrix() -> np.ndarray:
    rng = np.random.default_rng(SEED)
    kinds = np.arange(INDICATORS) % 8
    x = np.empty((ENTERPRISES, INDICATORS))
    for j, kind in enumerate(kinds):
        if kind < 4:
            x[:, j] = rng.poisson(rng.uniform(0.5, 6.0), ENTERPRISES)
        elif kind < 6:
            x[:, j] = rng.random(ENTERPRISES) < 0.9
        else:
            x[:, j] = rng.gamma(2.0, 30.0, ENTERPRISES)
    x[rng.random(x.shape) < 0.001] = np.nan
    return x


def bench_score() -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    model = enterprise_model()
    x = enterprise_matrix()
    weights = model.weights
    filled = np.nan_to_num(x)  # the baselines get no help from NaN handling they lack
    result = score(model, x)
    fast = score(model, x, contributions=False)
    if not (
        np.array_equal(fast.total, result.total)
        and np.array_equal(fast.colour, result.colour)
        and np.array_equal(fast.incomplete, result.incomplete)
    ):
        raise AssertionError("score(contributions=False) differs from score()")
    runs = timed(lambda: score(model, x), repeat=7)
    totals = timed(lambda: score(model, x, contributions=False), repeat=15)
    explain_rows = np.arange(0, ENTERPRISES, ENTERPRISES // 1000)
    explain = timed(lambda: fast.fit.contributions(x, explain_rows), repeat=15)
    # The baseline is timed after the kernel: OpenBLAS threads keep spinning for a while after
    # a product, and would take CPU time from the kernel's own threads.
    matmul = timed(lambda: filled @ weights, repeat=15)
    elementwise = timed(lambda: (filled * weights).sum(axis=1), repeat=7)
    output = timed(lambda: filled * weights, repeat=7)
    ranked_model = enterprise_model(rank_columns=4)
    ranked = timed(lambda: score(ranked_model, x), repeat=3)
    counts = np.bincount(result.colour, minlength=4)
    results: dict[str, Any] = {
        "score_s": statistics.median(runs),
        "score_min_s": min(runs),
        # Totals, colours and incomplete rows only (the same as score()'s), no contributions.
        "score_totals_s": statistics.median(totals),
        "score_totals_min_s": min(totals),
        # Contributions of 1,000 rows from the fast path's fit (same normalisation as the run).
        "contributions_1000_rows_s": statistics.median(explain),
        "score_with_4_rank_columns_s": statistics.median(ranked),
        "colour_counts": dict(zip(COLOURS, counts.tolist(), strict=True)),
        "incomplete_rows": int(result.incomplete.size),
    }
    baseline = {
        "numpy_matmul_weighted_sum_s": statistics.median(matmul),
        "numpy_matmul_weighted_sum_min_s": min(matmul),
        "numpy_elementwise_weighted_sum_s": statistics.median(elementwise),
        # Not a weighted sum: the cost of merely producing a rows × indicators array once,
        # the floor for any score() that returns per-indicator contributions.
        "numpy_one_pass_rows_x_indicators_s": statistics.median(output),
    }
    matmul_s = baseline["numpy_matmul_weighted_sum_s"]
    ratio = {
        "score_vs_matmul": round(results["score_s"] / matmul_s, 2),
        "score_vs_elementwise": round(
            results["score_s"] / baseline["numpy_elementwise_weighted_sum_s"], 2
        ),
        "score_totals_vs_matmul": round(results["score_totals_s"] / matmul_s, 2),
        "score_totals_vs_matmul_best_of_runs": round(
            results["score_totals_min_s"] / baseline["numpy_matmul_weighted_sum_min_s"], 2
        ),
    }
    return results, baseline, ratio


def bench_area() -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    rng = np.random.default_rng(SEED + 1)
    types = len(area_risk.HAZARDS)
    hazard = rng.beta(2.0, 5.0, (VILLAGES, types))
    exposure = rng.lognormal(0.0, 1.0, (VILLAGES, types))
    vulnerability = rng.uniform(0.1, 1.0, (VILLAGES, types))
    capacity = rng.uniform(0.5, 2.0, VILLAGES)

    def run(classifier: area_risk.Classifier) -> Callable[[], object]:
        return lambda: area_risk.assess(
            hazard, exposure, vulnerability, capacity, classifier=classifier
        )

    jenks = timed(run(area_risk.NaturalBreaks()), repeat=5)
    quantiles = timed(run(area_risk.Quantiles()), repeat=5)
    bare = timed(lambda: hazard * exposure * vulnerability / capacity[:, None], repeat=5)
    results: dict[str, Any] = {
        "area_natural_breaks_s": statistics.median(jenks),
        "area_quantiles_s": statistics.median(quantiles),
    }
    baseline = {"numpy_area_product_s": statistics.median(bare)}
    ratio = {
        "area_natural_breaks_vs_product": round(
            results["area_natural_breaks_s"] / baseline["numpy_area_product_s"], 1
        )
    }
    return results, baseline, ratio


def main() -> None:
    scored, score_base, score_ratio = bench_score()
    area, area_base, area_ratio = bench_area()
    print(
        json.dumps(
            {
                "benchmark": "risk",
                "params": {
                    "enterprises": ENTERPRISES,
                    "indicators": INDICATORS,
                    "villages": VILLAGES,
                    "hazard_types": len(area_risk.HAZARDS),
                    "missing_cell_share": 0.001,
                    "seed": SEED,
                    "cpus": os.cpu_count(),
                },
                "results": {**scored, **area},
                "baseline": {**score_base, **area_base},
                "ratio": {**score_ratio, **area_ratio},
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
