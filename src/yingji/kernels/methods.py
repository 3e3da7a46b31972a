"""Risk-assessment methods: banding, LEC and the 5×5 risk matrix.

Why small, explicit pieces
--------------------------
The sources (STANDARDS.md §5) agree on the formulas, not on the details: which band owns
D = 70 in LEC, whether R = 9 is 较大 or 一般. Each such choice is an explicit object here (a
:class:`Bands` with its ``inclusive`` rule) that an administrator can change and a test can
pin. The default edge rule is ``inclusive="lower"``: a value on a threshold belongs to the
*higher* band, the "从严从高" principle (when in doubt, grade higher).

Conventions: level codes rise with risk (0 = lowest) and -1 means "no value" (NaN in), so a
missing input is never mistaken for a low risk. Weights (AHP, entropy) live in
:mod:`yingji.kernels.weights`, normalisation in :mod:`yingji.kernels.normalise`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from yingji.kernels.arrays import CodeArray, FloatArray

Inclusive = Literal["lower", "upper"]

COLOURS: Final = ("blue", "yellow", "orange", "red")
"""The four enterprise colours, lowest risk first (codes 0..3)."""
COLOUR_ZH: Final = {"blue": "蓝", "yellow": "黄", "orange": "橙", "red": "红", "green": "绿"}
RISK_LEVEL_ZH: Final = dict(
    zip(COLOURS, ("低风险", "一般风险", "较大风险", "重大风险"), strict=True)
)


@dataclass(frozen=True)
class Bands:
    """Ordered thresholds cutting a number line into labelled bands, lowest band first.

    ``inclusive`` says which band owns a value equal to a threshold: ``"lower"`` means the
    threshold is the inclusive *lower* edge of the band above it (bands are [t_i, t_i+1));
    ``"upper"`` means it is the inclusive *upper* edge of the band below ((t_i, t_i+1]).
    Thresholds may repeat (an empty band), which data-driven classifiers need for ties.
    """

    thresholds: tuple[float, ...]
    labels: tuple[str, ...]
    inclusive: Inclusive = "lower"

    def __post_init__(self) -> None:
        edges = np.asarray(self.thresholds, dtype=np.float64)
        if len(self.labels) != len(self.thresholds) + 1:
            raise ValueError(f"bands need one label more than thresholds: {self.labels}")
        if not np.isfinite(edges).all() or (np.diff(edges) < 0).any():
            raise ValueError(f"thresholds must be finite and non-decreasing: {self.thresholds}")
        if self.inclusive not in ("lower", "upper"):
            raise ValueError(f"inclusive must be 'lower' or 'upper', not {self.inclusive!r}")
        if len(set(self.labels)) != len(self.labels):
            raise ValueError(f"band labels must be distinct: {self.labels}")

    def classify(self, values: ArrayLike) -> CodeArray:
        """Band code per value (0 = lowest band); NaN → -1.

        Counts the thresholds each value has reached: one vectorised comparison per threshold,
        several times faster than a binary search for the handful of bands used here.
        """
        v = np.asarray(values, dtype=np.float64)
        codes = np.zeros(v.shape, dtype=np.int8)
        for edge in self.thresholds:
            codes += (v >= edge) if self.inclusive == "lower" else (v > edge)
        codes[np.isnan(v)] = -1  # NaN compares False everywhere: it would read as the lowest
        return codes

    def label(self, value: float) -> str | None:
        """The band label of one value, or None for NaN."""
        code = int(self.classify(np.float64(value)))
        return None if code < 0 else self.labels[code]


# --- LEC (作业条件危险性评价法) -------------------------------------------------------------

LEC_L: Final = (10.0, 6.0, 3.0, 1.0, 0.5, 0.2, 0.1)
"""Likelihood scale: 完全可以预料 … 实际不可能."""
LEC_E: Final = (10.0, 6.0, 3.0, 2.0, 1.0, 0.5)
"""Exposure scale: 连续暴露 … 非常罕见."""
LEC_C: Final = (100.0, 40.0, 15.0, 7.0, 3.0, 1.0)
"""Consequence scale: 大灾难 … 引人注目."""

LEC_GRAHAM_KINNEY: Final = Bands(
    (20.0, 70.0, 160.0, 320.0), ("slight", "general", "significant", "high", "extreme")
)
"""Classic Graham–Kinney D bands; edges go to the higher band (从严从高), so D = 70 is 显著."""
LEC_ZH: Final = {
    "slight": "稍有危险",
    "general": "一般危险",
    "significant": "显著危险",
    "high": "高度危险",
    "extreme": "极其危险",
}
LEC_FOUR_COLOUR: Final = Bands((70.0, 160.0, 320.0), COLOURS)
"""D → colour: <70 蓝, 70–160 黄, 160–320 橙, ≥320 红 (edges to the higher colour)."""


def lec(
    likelihood: ArrayLike, exposure: ArrayLike, consequence: ArrayLike, *, strict: bool = True
) -> FloatArray:
    """D = L × E × C, element-wise with broadcasting.

    ``strict`` refuses values off the published scales (a typo such as E = 5 would otherwise
    produce a plausible-looking D). D is rounded to 9 decimals so that products of the
    decimal scale values (0.5, 0.2, 0.1) land exactly on band edges instead of a hair below.
    """
    factors = [np.asarray(f, dtype=np.float64) for f in (likelihood, exposure, consequence)]
    if strict:
        for name, values, scale in zip("LEC", factors, (LEC_L, LEC_E, LEC_C), strict=True):
            on_scale = np.isclose(values[..., None], np.asarray(scale)).any(axis=-1)
            if not on_scale.all():
                bad = values[~on_scale].flat[0]
                raise ValueError(f"LEC {name} = {bad:g} is not on the scale {scale}")
    product: FloatArray = np.round(factors[0] * factors[1] * factors[2], 9)
    return product


# --- 5×5 risk matrix ------------------------------------------------------------------------

MATRIX_SET_A: Final = Bands((4.0, 9.0, 20.0), COLOURS)
"""1–3 低, 4–8 一般, 9–16 较大, 20–25 重大 (zgmkw). The default: it grades R = 9 higher."""
MATRIX_SET_B: Final = Bands((4.0, 10.0, 20.0), COLOURS)
"""1–3 低, 4–9 一般, 10–16 较大, 20–25 重大 (mtoou). Differs from set A only at R = 9."""


def risk_matrix(
    likelihood: ArrayLike, severity: ArrayLike, bands: Bands = MATRIX_SET_A
) -> tuple[NDArray[np.int64], CodeArray]:
    """R = L × S for integer L, S in 1..5, and its band code under ``bands``."""
    grades = [np.asarray(g, dtype=np.float64) for g in (likelihood, severity)]
    for name, g in zip(("likelihood", "severity"), grades, strict=True):
        ok = (g == np.round(g)) & (g >= 1) & (g <= 5)
        if not ok.all():
            raise ValueError(f"risk matrix {name} must be an integer 1–5, got {g[~ok].flat[0]:g}")
    product = (grades[0] * grades[1]).astype(np.int64)
    return product, bands.classify(product)


def matrix_table(bands: Bands = MATRIX_SET_A) -> tuple[tuple[str, ...], ...]:
    """The 5×5 table of labels (row = likelihood 1..5, column = severity 1..5), for display."""
    grid = np.arange(1, 6)[:, None] * np.arange(1, 6)[None, :]
    codes = bands.classify(grid)
    return tuple(tuple(bands.labels[c] for c in row) for row in codes.tolist())
