"""The fast totals: each row's total as x · slope + constant, without the contributions."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

import numpy as np
from numpy.typing import NDArray

from yingji.kernels.arrays import CodeArray, FloatArray
from yingji.kernels.methods import Bands
from yingji.kernels.scoring.blocks import (
    FOLD,
    PARALLEL_ROWS,
    SUM_BLOCK_BYTES,
    block_rows,
    parallel,
    row_dot,
)
from yingji.kernels.scoring.fit import Fit, fill_missing

_UNIT_ROUNDOFF: Final = 2.0**-53
_TOTAL_ERROR: Final = 1e-10
"""Largest rounding error let into a total by x · slope + constant (totals round to 1e-9)."""


def fast_totals(
    fit: Fit, x: FloatArray, beyond: NDArray[np.intp], bands: Bands
) -> tuple[FloatArray, CodeArray, NDArray[np.intp]]:
    """Totals (rounded to 1e-9), colours and incomplete rows, as the contributions give them.

    The affine part, x @ slope + constant, is computed block by block on all CPUs, and each
    block, still in cache, then has its other rows finished. A row with a value beyond a
    fixed bound is summed from its exact (clipped) contributions. A row with a missing
    value (its total came out NaN) is too, unless every column is in the affine part: then
    each missing value is replaced by the value whose contribution is the policy's fill (the
    worst or best end of the range) and the row goes through x @ slope again, which is three
    element-wise passes over the gathered rows instead of eight.
    """
    summer = _Summer(fit, x, beyond, bands)
    parallel(summer.add, summer.blocks, x.shape[0] >= PARALLEL_ROWS)
    incomplete = np.concatenate(summer.incomplete) if summer.blocks else np.empty(0, np.intp)
    return summer.total, summer.colour, incomplete


class _Summer:
    """The state of :func:`fast_totals`, shared by the threads; each block writes its own rows."""

    def __init__(self, fit: Fit, x: FloatArray, beyond: NDArray[np.intp], bands: Bands) -> None:
        self.fit, self.x, self.beyond, self.bands = fit, x, beyond, bands
        self.slope, self.const, self.exact = _affine_part(fit)
        self.clip = set(fit.clipped.tolist())
        self.flat = np.flatnonzero(fit.flat).tolist()
        self.rank_total = fit.rank_risk.sum(axis=1) if fit.ranked.size else None
        self.ones = np.ones(len(fit.columns))
        self.all_affine = not self.exact and not self.flat and self.rank_total is None
        with np.errstate(divide="ignore", invalid="ignore"):  # no zero slope if all_affine
            self.stand_in = np.tile(fit.origin + fit.fill / fit.slope, FOLD)
        rows = x.shape[0]
        self.block = block_rows(x, SUM_BLOCK_BYTES)
        self.blocks = -(-rows // self.block)
        self.total = np.empty(rows)
        self.colour = np.empty(rows, dtype=np.int8)
        self.incomplete = [np.empty(0, dtype=np.intp)] * self.blocks

    def add(self, chunk: Iterable[int]) -> None:
        fit = self.fit
        for b in chunk:
            start = b * self.block
            part = self.x[start : start + self.block]
            out = self.total[start : start + self.block]
            row_dot(part, self.slope, out)
            out += self.const
            for j in self.exact:
                column = np.subtract(part[:, j], fit.origin[j])
                column *= fit.slope[j]
                if j in self.clip:
                    np.minimum(np.maximum(column, 0.0, out=column), fit.weight[j], out=column)
                out += column
            if self.rank_total is not None:
                out += self.rank_total[start : start + self.block]
            for j in self.flat:  # 0 · x is NaN for a missing (or ±inf) x, in the contributions
                out[~np.isfinite(part[:, j])] = np.nan
            self._finish(part, out, start)
            np.round(out, 9, out=out)
            self.colour[start : start + self.block] = self.bands.classify(out)

    def _finish(self, part: FloatArray, out: FloatArray, start: int) -> None:
        """Sum the rows the affine part does not cover: NaN totals, values beyond bounds."""
        redo = np.isnan(out)
        first, last = np.searchsorted(self.beyond, (start, start + part.shape[0]))
        past = self.beyond[first:last] - start
        missing: list[NDArray[np.intp]] = []
        if self.all_affine:
            # Every NaN total is a missing value then (±inf lies beyond a fixed bound).
            redo[past] = False
            gaps = np.flatnonzero(redo)
            if gaps.size:
                out[gaps] = self._filled_sums(part, gaps)
                missing.append(gaps)
        else:
            redo[past] = True
            past = np.flatnonzero(redo)
        if past.size:
            out[past], gaps = self._exact_sums(part, past, start)
            missing.append(gaps)
        if missing:
            rows = missing[0] if len(missing) == 1 else np.union1d(*missing)
            self.incomplete[start // self.block] = start + rows

    def _exact_sums(
        self, part: FloatArray, at: NDArray[np.intp], start: int
    ) -> tuple[FloatArray, NDArray[np.intp]]:
        """Sums of the exact, filled contributions of rows ``at``, and those with a gap."""
        fit = self.fit
        buffer = fit._buffer(at.size)
        np.take(part, at, axis=0, out=buffer[: at.size], mode="clip")  # in range
        risk = fit._risk(buffer, fit.rank_risk[start + at])
        sums = np.empty(at.size)
        row_dot(risk, self.ones, sums)
        gaps = np.isnan(sums)  # contributions are finite or NaN: a NaN sum has a gap
        if gaps.any():
            fill_missing(buffer, fit._tiled.fill)
            row_dot(risk, self.ones, sums)
        return sums, at[gaps]

    def _filled_sums(self, part: FloatArray, at: NDArray[np.intp]) -> FloatArray:
        """Affine sums of rows ``at`` with each missing value replaced by its stand-in."""
        buffer = self.fit._buffer(at.size)
        np.take(part, at, axis=0, out=buffer[: at.size], mode="clip")  # in range
        folded = buffer.reshape(-1, self.stand_in.size)
        np.copyto(folded, self.stand_in, where=np.isnan(folded))
        sums = np.empty(at.size)
        row_dot(buffer[: at.size], self.slope, sums)
        sums += self.const
        return sums


def _affine_part(fit: Fit) -> tuple[FloatArray, float, list[int]]:
    """The slopes and constant of the affine part of a total, and the columns left out of it.

    A product x_j · slope_j carries an error relative to |x_j · slope_j|, so columns whose
    values lie far from zero compared with their range (a year, a timestamp) are left out,
    largest first, until the error bound of the sum is below ``_TOTAL_ERROR``; they are added
    as (x − origin) · slope. So is a min-max column whose slope underflowed to 0 (a range
    beyond 1e308), so that an overflowing x − origin gives NaN as in the contributions.
    """
    k = fit.slope.size
    live = fit.slope != 0.0
    reach = np.where(live, np.fmax(np.abs(fit.lo), np.abs(fit.hi)) * np.abs(fit.slope), 0.0)
    order = np.argsort(-reach, kind="stable")
    tail = np.cumsum(reach[order][::-1])[::-1]  # tail[i]: reach of the columns order[i:]
    cut = int(np.count_nonzero(tail * (k + 2) * _UNIT_ROUNDOFF > _TOTAL_ERROR))
    affine = live.copy()
    affine[order[:cut]] = False
    exact = np.flatnonzero(np.isfinite(fit.lo) & ~fit.flat & ~affine).tolist()
    slope = np.where(affine, fit.slope, 0.0)
    const = float(np.sum(-(fit.origin * fit.slope)[affine]))
    const += float(np.sum(0.5 * fit.weight[fit.flat]))
    return slope, const, exact
