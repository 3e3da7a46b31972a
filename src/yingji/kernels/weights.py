"""Indicator weights: AHP (pairwise judgements with a consistency check) and entropy weights.

Matrices are rows = enterprises × columns = indicators; missing values (NaN) are left out of
the entropy computation rather than replaced (see :mod:`yingji.kernels.normalise`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import ArrayLike

from yingji.kernels.arrays import Direction, FloatArray
from yingji.kernels.normalise import _as_matrix, column_range, minmax

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


# --- entropy ----------------------------------------------------------------------------------


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
