"""Risk-assessment methods: banding, LEC, the 5×5 risk matrix, AHP, entropy weights, normalisation.

Why one module of small, explicit pieces
----------------------------------------
The sources (STANDARDS.md §5) agree on the formulas, not on the details: which band owns
D = 70 in LEC, whether R = 9 is 较大 or 一般. Each such choice is an explicit object here (a
:class:`Bands` with its ``inclusive`` rule) that an administrator can change and a test can
pin. The default edge rule is ``inclusive="lower"``: a value on a threshold belongs to the
*higher* band, the "从严从高" principle (when in doubt, grade higher).

Conventions: level codes rise with risk (0 = lowest) and -1 means "no value" (NaN in), so a
missing input is never mistaken for a low risk. Normalisation returns *desirability* in
[0, 1] (1 = best), the MCDA convention: a ``"benefit"`` indicator is better when larger
(training hours), a ``"cost"`` one worse when larger (open hidden hazards); risk scoring uses
1 − desirability. Matrices are rows = enterprises × columns = indicators, vectorised over
both. NaN (missing) is never silently replaced here: it is left out of column statistics and
comes back as NaN, so the caller's policy decides.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]
CodeArray = NDArray[np.int8]
BoolArray = NDArray[np.bool_]
Direction = Literal["benefit", "cost"]
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


# --- AHP --------------------------------------------------------------------------------------

RI_SAATY: Final[Mapping[int, float]] = {
    1: 0.0, 2: 0.0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41, 9: 1.45, 10: 1.49
}  # fmt: skip
"""Random consistency index by matrix order (n = 3–5 verified, 6–10 from the usual table)."""
CR_LIMIT: Final = 0.1
"""Judgements are accepted only when CR < CR_LIMIT (Saaty)."""


@dataclass(frozen=True)
class Judgement:
    """One pairwise judgement a[row, col] set against what the weights imply (w_row / w_col)."""

    row: int
    col: int
    entered: float
    implied: float


@dataclass(frozen=True)
class AhpResult:
    """Weights (principal eigenvector, summing to 1) and the consistency figures."""

    weights: FloatArray
    lambda_max: float
    ci: float
    ri: float
    cr: float
    judgements: tuple[Judgement, ...]
    """Upper-triangle judgements, most inconsistent first: the ones to revisit."""

    @property
    def consistent(self) -> bool:
        return self.cr < CR_LIMIT


class InconsistentJudgements(ValueError):
    """CR ≥ 0.1: the pairwise judgements contradict each other too much to yield weights."""

    def __init__(self, message: str, result: AhpResult) -> None:
        super().__init__(message)
        self.result = result


def _saaty(x: float) -> str:
    """A ratio as a judgement would be written on the 1–9 scale: 3, 0.5 → 1/2."""
    text = f"{max(x, 1 / x):.2g}"
    return text if x >= 1 or text == "1" else f"1/{text}"


def validate_pairwise(matrix: ArrayLike, *, rtol: float = 0.01) -> FloatArray:
    """Check a pairwise comparison matrix and return it made exactly reciprocal.

    Square, finite, positive, unit diagonal and a_ij·a_ji = 1 within ``rtol`` (so 1/3 typed
    as 0.333 passes). The returned matrix replaces a_ij by sqrt(a_ij / a_ji), the geometric
    mean of the two entries, so rounding in the input does not count as inconsistency.
    """
    a = np.asarray(matrix, dtype=np.float64)
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] == 0:
        raise ValueError(f"pairwise matrix must be square and non-empty, got shape {a.shape}")
    if not (np.isfinite(a).all() and (a > 0).all()):
        raise ValueError("pairwise matrix entries must be finite and positive (Saaty 1/9 … 9)")
    bad = np.argwhere(np.abs(a * a.T - 1.0) > rtol)
    if bad.size:
        i, j = (int(k) for k in bad[0])
        if i == j:
            raise ValueError(f"pairwise matrix diagonal must be 1, a[{i},{i}] = {a[i, i]:g}")
        raise ValueError(
            f"pairwise matrix is not reciprocal: a[{i},{j}] = {a[i, j]:g} but"
            f" a[{j},{i}] = {a[j, i]:g} (expected {1 / a[i, j]:.4g})"
        )
    reciprocal: FloatArray = np.sqrt(a / a.T)
    return reciprocal


def ahp_check(
    matrix: ArrayLike, *, rtol: float = 0.01, ri: Mapping[int, float] = RI_SAATY
) -> AhpResult:
    """Weights, λmax, CI = (λmax − n)/(n − 1) and CR = CI/RI, without refusing anything.

    For an editor that shows CR while the judgements are being entered; use
    :func:`ahp_weights` to obtain weights that may be used.
    """
    a = validate_pairwise(matrix, rtol=rtol)
    n = a.shape[0]
    if n not in ri:
        raise ValueError(
            f"no random index for {n} criteria (table covers {min(ri)}–{max(ri)});"
            " group the criteria into a hierarchy with fewer per level"
        )
    values, vectors = np.linalg.eig(a)
    top = int(np.argmax(values.real))
    vector = np.abs(vectors[:, top].real)
    weights: FloatArray = vector / vector.sum()
    lambda_max = float(values[top].real)
    ci = max(0.0, (lambda_max - n) / (n - 1)) if n > 2 else 0.0
    cr = ci / ri[n] if ri[n] > 0 else 0.0
    rows, cols = np.triu_indices(n, k=1)
    implied = weights[rows] / weights[cols]
    pairs = [
        Judgement(int(i), int(j), float(e), float(m))
        for i, j, e, m in zip(rows, cols, a[rows, cols], implied, strict=True)
    ]
    pairs.sort(key=lambda p: -abs(np.log(p.entered / p.implied)))  # most inconsistent first
    return AhpResult(weights, lambda_max, ci, float(ri[n]), cr, tuple(pairs))


def ahp_weights(
    matrix: ArrayLike,
    *,
    names: Sequence[str] | None = None,
    rtol: float = 0.01,
    ri: Mapping[int, float] = RI_SAATY,
) -> AhpResult:
    """AHP weights, refusing CR ≥ 0.1 with a message naming the judgements to revisit."""
    result = ahp_check(matrix, rtol=rtol, ri=ri)
    n = len(result.weights)
    label = list(names) if names is not None else [f"#{k + 1}" for k in range(n)]
    if len(label) != n:
        raise ValueError(f"{len(label)} names for a {n}×{n} pairwise matrix")
    if result.consistent:
        return result
    hints = "; ".join(
        f"{label[p.row]} vs {label[p.col]}: entered {_saaty(p.entered)},"
        f" the weights imply about {_saaty(p.implied)}"
        for p in result.judgements[:2]
    )
    raise InconsistentJudgements(
        f"AHP judgements are inconsistent: CR = {result.cr:.3f} ≥ {CR_LIMIT}"
        f" (λmax = {result.lambda_max:.3f}, CI = {result.ci:.3f}, RI = {result.ri:.2f})."
        f" Revisit first: {hints}",
        result,
    )


# --- normalisation and entropy ---------------------------------------------------------------


def directions_mask(directions: Direction | Sequence[Direction], columns: int) -> BoolArray:
    """True for benefit columns; one direction for all columns or one per column."""
    given = [directions] * columns if isinstance(directions, str) else list(directions)
    if len(given) != columns:
        raise ValueError(f"{len(given)} directions for {columns} columns")
    unknown = set(given) - {"benefit", "cost"}
    if unknown:
        raise ValueError(f"direction must be 'benefit' or 'cost', not {sorted(unknown)}")
    return np.asarray([d == "benefit" for d in given], dtype=np.bool_)


def _as_matrix(matrix: ArrayLike) -> FloatArray:
    x = np.asarray(matrix, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"expected a 2-D matrix (rows × indicators), got shape {x.shape}")
    if np.isinf(x).any():
        raise ValueError("matrix holds ±inf; use NaN for a missing value")
    return x


_FOLD = 64


def column_range(x: FloatArray) -> tuple[FloatArray, FloatArray]:
    """NaN-ignoring column min and max (NaN for an all-NaN column).

    Reducing down a tall, narrow matrix runs a 40-value inner loop per row; viewing blocks of
    64 rows as one long row makes it 64 times longer and halves the time on 500,000 rows.
    """
    rows, cols = x.shape
    if rows == 0:
        return np.full(cols, np.nan), np.full(cols, np.nan)
    head = rows - rows % _FOLD if x.flags.c_contiguous and rows >= 16 * _FOLD else 0

    def reduce(ufunc: np.ufunc) -> FloatArray:
        pieces = [x[head:]]
        if head:
            folded = ufunc.reduce(x[:head].reshape(-1, _FOLD * cols), axis=0)
            pieces.append(folded.reshape(_FOLD, cols))
        reduced: FloatArray = ufunc.reduce(np.concatenate(pieces), axis=0)
        return reduced

    return reduce(np.fmin), reduce(np.fmax)


def minmax(
    matrix: ArrayLike,
    directions: Direction | Sequence[Direction] = "benefit",
    *,
    bounds: tuple[ArrayLike, ArrayLike] | None = None,
) -> FloatArray:
    """Min-max desirability per column: benefit (x − lo)/(hi − lo), cost (hi − x)/(hi − lo).

    ``bounds`` = (lo, hi) fixes the range (values outside are clipped), which keeps a score
    stable when other rows change; without it the range is the column's own min and max over
    non-missing values. A column with no spread (hi == lo) carries no information and gets
    0.5 everywhere, whatever its direction. NaN stays NaN.
    """
    x = _as_matrix(matrix)
    benefit = directions_mask(directions, x.shape[1])
    if bounds is None:
        lo, hi = column_range(x)
    else:
        lo, hi = (np.broadcast_to(np.asarray(b, dtype=np.float64), x.shape[1:]) for b in bounds)
        if not (np.isfinite(lo).all() and np.isfinite(hi).all() and (hi > lo).all()):
            raise ValueError("fixed bounds need finite lo < hi for every column")
        x = np.clip(x, lo, hi)
    span = hi - lo
    flat = ~(span > 0)
    safe = np.where(flat, 1.0, span)
    out = np.where(benefit, x - lo, hi - x) / safe
    out[:, flat] = np.where(np.isnan(x[:, flat]), np.nan, 0.5)
    return out


def rank(matrix: ArrayLike, directions: Direction | Sequence[Direction] = "benefit") -> FloatArray:
    """Rank desirability per column: (r − 1)/(n − 1) with average ranks for ties.

    Robust to outliers where min-max is not (one extreme value squeezes everyone else), at the
    price of a sort per column. n counts the non-missing values of the column; NaN stays NaN;
    a column with a single value gets 0.5.
    """
    x = _as_matrix(matrix)
    benefit = directions_mask(directions, x.shape[1])
    n = x.shape[0]
    order = np.argsort(x, axis=0, kind="stable")
    s = np.take_along_axis(x, order, axis=0)  # NaN sort last and never equal: own groups
    pos = np.broadcast_to(np.arange(n, dtype=np.float64)[:, None], s.shape)
    edge = np.ones((1, s.shape[1]), dtype=np.bool_)
    new = np.vstack((edge, s[1:] != s[:-1]))  # first of a run of ties
    last = np.vstack((new[1:], edge))
    first = np.maximum.accumulate(np.where(new, pos, 0.0), axis=0)
    end = np.minimum.accumulate(np.where(last, pos, n)[::-1], axis=0)[::-1]
    ranks = np.empty_like(s)
    np.put_along_axis(ranks, order, (first + end) / 2.0, axis=0)  # 0-based average rank
    count = (~np.isnan(x)).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        scaled = np.where(count > 1, ranks / (count - 1), 0.5)
    out = np.where(benefit, scaled, 1.0 - scaled)
    out[np.isnan(x)] = np.nan
    return out


@dataclass(frozen=True)
class EntropyWeights:
    weights: FloatArray
    entropy: FloatArray


def entropy_weights(
    matrix: ArrayLike, directions: Direction | Sequence[Direction] = "benefit"
) -> EntropyWeights:
    """Entropy weights (熵权法): indicators that vary more across rows weigh more.

    Min-max normalise, p_ij = x'_ij / Σ_i x'_ij, e_j = −(1/ln n_j) Σ_i p_ij ln p_ij with
    0·ln 0 = 0, w_j = (1 − e_j)/Σ(1 − e_k); missing values are left out (n_j = non-missing
    count). A column with no spread or under two values says nothing: e_j = 1 exactly, weight
    0. If no column varies, a ValueError rather than invented equal weights.
    """
    raw = _as_matrix(matrix)
    lo, hi = column_range(raw)
    x = minmax(raw, directions)
    present = ~np.isnan(x)
    n = present.sum(axis=0)
    total = np.nansum(x, axis=0)
    informative = (n > 1) & (hi > lo)  # explicit: a flat column is 0.5s, not "almost" uniform
    p = np.where(present & informative, np.nan_to_num(x) / np.where(informative, total, 1.0), 0.0)
    plogp = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0).sum(axis=0)
    entropy = np.where(informative, -plogp / np.log(np.maximum(n, 2)), 1.0)
    spread = 1.0 - entropy
    if not spread.sum() > 0:
        raise ValueError("entropy weights need at least one indicator that varies across rows")
    return EntropyWeights(spread / spread.sum(), entropy)
