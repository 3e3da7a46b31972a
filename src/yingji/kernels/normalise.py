"""Normalisation of indicator matrices to desirability in [0, 1].

Normalisation returns *desirability* in [0, 1] (1 = best), the MCDA convention: a
``"benefit"`` indicator is better when larger (training hours), a ``"cost"`` one worse when
larger (open hidden hazards); risk scoring uses 1 − desirability. Matrices are rows =
enterprises × columns = indicators, vectorised over both. NaN (missing) is never silently
replaced here: it is left out of column statistics and comes back as NaN, so the caller's
policy decides.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from yingji.kernels.arrays import BoolArray, Direction, FloatArray


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
