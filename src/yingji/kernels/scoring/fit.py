"""A model's normalisation fitted to one run's matrix, to make the contributions of any rows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final

import numpy as np
from numpy.typing import ArrayLike, NDArray

from yingji.kernels.arrays import BoolArray, Direction, FloatArray
from yingji.kernels.normalise import rank
from yingji.kernels.scoring.blocks import (
    FOLD,
    PARALLEL_ROWS,
    RANGE_BLOCK_BYTES,
    block_ranges,
    block_rows,
    parallel,
)
from yingji.kernels.scoring.model import IndicatorModel

_ALL: Final = slice(None)


@dataclass(frozen=True, eq=False)
class Fit:
    """A model's normalisation fitted to one run's matrix: contribution_ij = f_j(x_ij).

    Data-bounded ranges and ranks depend on every row, so explaining a few rows of a run
    needs the run's fit, not a new one over those rows. Min-max columns are affine,
    (x − origin) · slope, clipped to [0, weight] in the ``clipped`` columns (those whose data
    go beyond their fixed bounds); ``flat`` columns (no spread) add half their weight; rank
    columns need the whole column, so their contributions are kept for every row.
    """

    columns: tuple[str, ...]
    rows: int
    """Rows of the matrix this was fitted on."""
    weight: FloatArray
    """Points each indicator adds at most (100 × its global weight)."""
    lo: FloatArray
    """Low end of the min-max range used per column (fixed bound or data minimum; NaN: rank)."""
    hi: FloatArray
    origin: FloatArray
    slope: FloatArray
    clipped: NDArray[np.intp]
    flat: BoolArray
    ranked: NDArray[np.intp]
    rank_risk: FloatArray
    """Rows × rank columns: the contributions of the rank columns, for every row."""
    fill: FloatArray
    """The contribution that replaces a missing value (the model's ``missing`` policy)."""
    _tiled: _Tiled = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_tiled", _Tiled.of(self))

    def contributions(self, matrix: ArrayLike, rows: ArrayLike | slice = _ALL) -> FloatArray:
        """Rows × indicators contributions of ``rows`` of the matrix this was fitted on.

        ``rows`` is anything that indexes the first axis (indices, a boolean mask, a slice);
        the result equals those rows of the contributions ``score()`` returns for the whole
        matrix, missing values filled by the model's policy. Costs O(len(rows)), not a pass
        over the matrix.
        """
        x = as_matrix(matrix, self.columns)
        if x.shape[0] != self.rows:
            raise ValueError(f"fitted on {self.rows} rows, got a matrix of {x.shape[0]}")
        index = self._index(rows)
        if isinstance(index, slice):
            picked = x[index]
            buffer = self._buffer(picked.shape[0])
            buffer[: picked.shape[0]] = picked
        else:
            buffer = self._buffer(index.size)
            np.take(x, index, axis=0, out=buffer[: index.size], mode="clip")  # checked
        risk = self._risk(buffer, self.rank_risk[index])
        fill_missing(buffer, self._tiled.fill)
        return risk

    def _index(self, rows: ArrayLike | slice) -> slice | NDArray[np.intp]:
        if isinstance(rows, slice):
            return rows
        given = np.atleast_1d(np.asarray(rows))
        if given.dtype == np.bool_:
            if given.shape != (self.rows,):
                raise IndexError(f"a row mask needs {self.rows} values, got {given.shape}")
            return np.flatnonzero(given)
        if given.size == 0:
            return np.empty(0, dtype=np.intp)
        index = given.astype(np.intp, casting="same_kind")
        if index.ndim != 1 or index.min() < -self.rows or index.max() >= self.rows:
            raise IndexError(f"row indices must be 1-D, within ±{self.rows}")
        return np.where(index < 0, index + self.rows, index)

    def _buffer(self, rows: int) -> FloatArray:
        """An uninitialised rows × columns array, padded with zero rows to whole folds."""
        buffer = np.empty((-(-rows // FOLD) * FOLD, len(self.columns)))
        buffer[rows:] = 0.0
        return buffer

    def _risk(
        self, buffer: FloatArray, rank_risk: FloatArray, source: FloatArray | None = None
    ) -> FloatArray:
        """Turn the values in ``buffer`` (or ``source``, written into it) into contributions.

        In place, NaN where a value is missing; returns the view of the unpadded rows. The
        element-wise passes run on rows folded 32 to one, so numpy loops 32 × k values at a
        time rather than k (less loop overhead per value).
        """
        rows = rank_risk.shape[0]
        t = self._tiled
        folded = buffer.reshape(-1, t.origin.size)
        if source is None:
            np.subtract(folded, t.origin, out=folded)
        elif source.flags.c_contiguous and source.shape[0] == buffer.shape[0]:
            np.subtract(source.reshape(folded.shape), t.origin, out=folded)
        else:
            np.subtract(source, self.origin, out=buffer[:rows])
        np.multiply(folded, t.slope, out=folded)
        if self.clipped.size:  # bounds of ±inf leave the other columns as they are
            np.minimum(np.maximum(folded, t.floor, out=folded), t.ceiling, out=folded)
        if self.flat.any():
            np.add(folded, t.half, out=folded)
        if self.ranked.size:
            buffer[:rows, self.ranked] = rank_risk
        return buffer[:rows]

    def _all(self, x: FloatArray) -> FloatArray:
        """The contributions of every row, missing values filled, in blocks on all CPUs."""
        rows = x.shape[0]
        out = self._buffer(rows)
        block = block_rows(x, RANGE_BLOCK_BYTES)

        def work(chunk: Iterable[int]) -> None:
            for b in chunk:
                rows_b = slice(b * block, (b + 1) * block)
                self._risk(out[rows_b], self.rank_risk[rows_b], source=x[rows_b])
                fill_missing(out[rows_b], self._tiled.fill)

        parallel(work, -(-out.shape[0] // block), rows >= PARALLEL_ROWS)
        return out[:rows]


@dataclass(frozen=True)
class _Tiled:
    """A fit's per-column vectors repeated ``FOLD`` times, for rows folded 32 to one."""

    origin: FloatArray
    slope: FloatArray
    floor: FloatArray
    """0 where the column is clipped, −inf elsewhere; ``ceiling``: weight, +inf."""
    ceiling: FloatArray
    half: FloatArray
    """Half the weight in flat columns, 0 elsewhere."""
    fill: FloatArray

    @classmethod
    def of(cls, fit: Fit) -> _Tiled:
        k = len(fit.columns)
        floor, ceiling = np.full(k, -np.inf), np.full(k, np.inf)
        floor[fit.clipped], ceiling[fit.clipped] = 0.0, fit.weight[fit.clipped]
        half = np.where(fit.flat, 0.5 * fit.weight, 0.0)
        vectors = (fit.origin, fit.slope, floor, ceiling, half, fit.fill)
        return cls(*(np.tile(v, FOLD) for v in vectors))


def fill_missing(buffer: FloatArray, fill: FloatArray) -> None:
    """Replace NaN contributions by the missing policy's, in place (fill tiled to folds)."""
    folded = buffer.reshape(-1, fill.size)
    np.copyto(folded, fill, where=np.isnan(folded))


def as_matrix(matrix: ArrayLike, columns: tuple[str, ...]) -> FloatArray:
    x = np.asarray(matrix, dtype=np.float64)
    k = len(columns)
    if x.ndim != 2 or x.shape[1] != k:
        raise ValueError(f"matrix must be rows × {k} indicators {columns}, got {x.shape}")
    return x


def fit_run(model: IndicatorModel, x: FloatArray) -> tuple[Fit, NDArray[np.intp]]:
    """The run's normalisation, and the rows holding a value beyond a fixed bound."""
    leaves = model.indicators
    rows, k = x.shape
    weight = model.weights * 100.0
    benefit = np.asarray([leaf.direction == "benefit" for leaf in leaves], dtype=np.bool_)
    minmax = np.asarray([leaf.normalisation == "minmax" for leaf in leaves], dtype=np.bool_)
    fixed = np.asarray([leaf.bounds is not None for leaf in leaves], dtype=np.bool_)
    bounds = np.asarray([leaf.bounds or (np.nan, np.nan) for leaf in leaves], dtype=np.float64)
    fixed_lo, fixed_hi = bounds.reshape(k, 2).T
    block_lo, block_hi, block = block_ranges(x)
    data_lo = np.fmin.reduce(block_lo, axis=0) if rows else np.full(k, np.nan)
    data_hi = np.fmax.reduce(block_hi, axis=0) if rows else np.full(k, np.nan)
    data = minmax & ~fixed
    if np.isinf(data_lo[data]).any() or np.isinf(data_hi[data]).any():
        bad = model.columns[int(np.flatnonzero(data & np.isinf(data_lo + data_hi))[0])]
        raise ValueError(f"indicator {bad!r} holds ±inf; use NaN for a missing value")
    lo = np.where(data, data_lo, fixed_lo)
    hi = np.where(data, data_hi, fixed_hi)
    span = hi - lo
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        scale = weight / span
    # No spread (or no data, or a spread so small that weight/span overflows): 0.5 risk share,
    # as in normalise.minmax.
    flat = minmax & ~((span > 0) & np.isfinite(scale))
    live = minmax & ~flat
    origin = np.where(live, np.where(benefit, hi, lo), 0.0)
    slope = np.where(live, np.where(benefit, -scale, scale), 0.0)
    clipped = np.flatnonzero(fixed & ~((data_lo >= fixed_lo) & (data_hi <= fixed_hi)))

    ranked = np.flatnonzero(~minmax)
    rank_risk = np.empty((rows, 0))
    if ranked.size:
        directions: list[Direction] = [leaves[j].direction for j in ranked]
        rank_risk = (1.0 - rank(x[:, ranked], directions)) * weight[ranked]

    beyond: list[NDArray[np.intp]] = []
    if clipped.size:  # per block: which blocks hold such values, then which rows
        c_lo, c_hi = fixed_lo[clipped], fixed_hi[clipped]
        hit = ((block_lo[:, clipped] < c_lo) | (block_hi[:, clipped] > c_hi)).any(axis=1)
        for b in np.flatnonzero(hit).tolist():
            part = x[b * block : (b + 1) * block, clipped]
            out = ((part < c_lo) | (part > c_hi)).any(axis=1)
            beyond.append(b * block + np.flatnonzero(out))
    fit = Fit(
        columns=model.columns,
        rows=rows,
        weight=weight,
        lo=np.where(minmax, lo, np.nan),
        hi=np.where(minmax, hi, np.nan),
        origin=origin,
        slope=slope,
        clipped=clipped,
        flat=flat,
        ranked=ranked,
        rank_risk=rank_risk,
        fill=weight if model.missing == "worst" else np.zeros(k),
    )
    return fit, np.concatenate(beyond) if beyond else np.empty(0, dtype=np.intp)
