"""Composite enterprise risk scoring: an indicator tree, scored for every enterprise at once.

Which way the score runs
------------------------
The score is a **risk score from 0 to 100: higher means riskier**, so that colour thresholds
read naturally ("red from 75") and a contribution says how many points an indicator *adds* to
the risk ("why red"). Each indicator's desirability u in [0, 1] (see
:mod:`yingji.kernels.normalise`: 1 = best) becomes a risk share 1 − u, and

    score_i = Σ_j 100 · W_j · (1 − u_ij),     contribution_ij = 100 · W_j · (1 − u_ij)

where W_j is the indicator's global weight (its weight times its groups' weights, each level
normalised to sum to 1, so Σ W_j = 1). Hence raising a *benefit* indicator never raises the
score or the colour, and raising a *cost* indicator never lowers them.

Why the model is data, not code
-------------------------------
The Zhejiang weights are unpublished (STANDARDS.md §5): administrators will revise them, and
the platform must compare a new version with the current one on the same data before
activating it. So a model is a versioned tree of frozen dataclasses with a JSON form
(:meth:`IndicatorModel.to_dict`), and the kernel neither knows nor reads the sources; it
scores a matrix whose columns follow :attr:`IndicatorModel.columns`.

Stable scores need fixed bounds
-------------------------------
Min-max with data bounds (``bounds=None``) and rank normalisation are relative: one
enterprise's new data moves everybody else's score. For a model whose scores are stored
and re-scored one enterprise at a time, give min-max indicators fixed ``bounds`` (values
beyond are clipped); relative normalisation suits a one-off comparison.

Missing values (NaN) follow the model's ``missing`` policy: ``"worst"`` (default, 从严从高:
an unknown counts as the full weight of risk) or ``"best"`` (counts as no risk). Rows with a
missing value are listed in :attr:`Scores.incomplete` so the explanation can say so.

Totals fast, contributions where needed
---------------------------------------
``score(model, matrix, contributions=False)`` re-scores a province without the rows ×
indicators contributions (several times faster, see :func:`score`); the :class:`Fit` it
returns applies the run's normalisation to any rows, ``scores.fit.contributions(matrix,
rows)``, equal to those rows of the full contributions.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from queue import Empty, SimpleQueue
from typing import Any, Final, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from yingji.kernels.arrays import BoolArray, CodeArray, Direction, FloatArray
from yingji.kernels.methods import COLOURS, Bands
from yingji.kernels.normalise import rank

__all__ = [
    "SCHEMA",
    "ColourChanges",
    "Fit",
    "Group",
    "Indicator",
    "IndicatorModel",
    "Scores",
    "compare",
    "score",
]

SCHEMA: Final = 1
"""Version of the dict/JSON form of a model (not of the model: that is ``version``)."""
Normalisation = Literal["minmax", "rank"]
Missing = Literal["worst", "best"]


@dataclass(frozen=True)
class Indicator:
    """A leaf: one column of the input matrix.

    ``source`` is the field path or formula key the application resolves to a column (the
    kernel only carries it). ``weight`` is relative to the siblings in the same group.
    """

    key: str
    name: str
    source: str
    direction: Direction
    weight: float
    normalisation: Normalisation = "minmax"
    bounds: tuple[float, float] | None = None


@dataclass(frozen=True)
class Group:
    """An inner node: its children's weights are normalised within it, then times its own."""

    key: str
    name: str
    weight: float
    children: tuple[Indicator | Group, ...]


@dataclass(frozen=True)
class IndicatorModel:
    """A versioned indicator tree with colour thresholds on the 0–100 risk score."""

    name: str
    version: int
    root: Group
    colours: Bands
    missing: Missing = "worst"
    indicators: tuple[Indicator, ...] = field(init=False, repr=False, compare=False)
    weights: FloatArray = field(init=False, repr=False, compare=False)
    """Global weight per indicator, in column order, summing to 1."""

    def __post_init__(self) -> None:
        leaves: list[Indicator] = []
        weights: list[float] = []
        seen: set[str] = set()
        _walk(self.root, 1.0, leaves, weights, seen)
        if self.missing not in ("worst", "best"):
            raise ValueError(f"missing must be 'worst' or 'best', not {self.missing!r}")
        edges = self.colours.thresholds
        if edges and not (edges[0] > 0 and edges[-1] < 100):
            raise ValueError(f"colour thresholds must lie inside (0, 100): {edges}")
        object.__setattr__(self, "indicators", tuple(leaves))
        object.__setattr__(self, "weights", np.asarray(weights, dtype=np.float64))

    @property
    def columns(self) -> tuple[str, ...]:
        """Indicator keys in the column order :func:`score` expects (depth-first)."""
        return tuple(leaf.key for leaf in self.indicators)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form, to store a model version in the database."""
        c = self.colours
        return {
            "schema": SCHEMA,
            "name": self.name,
            "version": self.version,
            "missing": self.missing,
            "colours": {
                "thresholds": list(c.thresholds),
                "labels": list(c.labels),
                "inclusive": c.inclusive,
            },
            "root": _node_to_dict(self.root),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> IndicatorModel:
        if data.get("schema") != SCHEMA:
            raise ValueError(f"unknown indicator model schema {data.get('schema')!r}")
        c = data["colours"]
        bands = Bands(tuple(c["thresholds"]), tuple(c["labels"]), c["inclusive"])
        root = _node_from_dict(data["root"])
        if not isinstance(root, Group):
            raise ValueError("the root of an indicator model must be a group")
        return cls(data["name"], int(data["version"]), root, bands, data["missing"])


def _walk(
    node: Group, scale: float, leaves: list[Indicator], weights: list[float], seen: set[str]
) -> None:
    """Depth-first: validate every node and collect leaves with their global weights."""
    if node.key in seen:
        raise ValueError(f"duplicate key {node.key!r} in the indicator model")
    seen.add(node.key)
    local = np.asarray([child.weight for child in node.children], dtype=np.float64)
    if not node.children or not np.isfinite(local).all() or (local < 0).any():
        raise ValueError(f"group {node.key!r} needs children with finite weights ≥ 0")
    if not local.sum() > 0:
        raise ValueError(f"group {node.key!r}: the children's weights sum to 0")
    for child, share in zip(node.children, local / local.sum(), strict=True):
        if isinstance(child, Group):
            _walk(child, scale * float(share), leaves, weights, seen)
            continue
        if child.key in seen:
            raise ValueError(f"duplicate key {child.key!r} in the indicator model")
        seen.add(child.key)
        if child.direction not in ("benefit", "cost"):
            raise ValueError(f"indicator {child.key!r}: direction must be 'benefit' or 'cost'")
        if child.normalisation not in ("minmax", "rank"):
            raise ValueError(f"indicator {child.key!r}: normalisation must be minmax or rank")
        if child.bounds is not None:
            lo, hi = child.bounds
            if child.normalisation != "minmax" or not (np.isfinite([lo, hi]).all() and lo < hi):
                raise ValueError(f"indicator {child.key!r}: bounds need minmax and lo < hi")
        leaves.append(child)
        weights.append(scale * float(share))


def _node_to_dict(node: Indicator | Group) -> dict[str, Any]:
    if isinstance(node, Group):
        children = [_node_to_dict(c) for c in node.children]
        return {"group": node.key, "name": node.name, "weight": node.weight, "children": children}
    return {
        "indicator": node.key,
        "name": node.name,
        "source": node.source,
        "direction": node.direction,
        "weight": node.weight,
        "normalisation": node.normalisation,
        "bounds": list(node.bounds) if node.bounds is not None else None,
    }


def _node_from_dict(data: dict[str, Any]) -> Indicator | Group:
    if "group" in data:
        children = tuple(_node_from_dict(c) for c in data["children"])
        return Group(data["group"], data["name"], float(data["weight"]), children)
    bounds = data.get("bounds")
    return Indicator(
        data["indicator"],
        data["name"],
        data["source"],
        data["direction"],
        float(data["weight"]),
        data.get("normalisation", "minmax"),
        (float(bounds[0]), float(bounds[1])) if bounds is not None else None,
    )


@dataclass(frozen=True)
class Scores:
    """Scores of one run: one row per enterprise, in the input's row order."""

    total: FloatArray
    """Risk score 0–100 (higher = riskier), rounded to 1e-9 so band edges are exact."""
    colour: CodeArray
    """Colour code per row: index into ``labels`` (0 = blue … 3 = red)."""
    contributions: FloatArray | None
    """Rows × indicators; each row sums to ``total`` (within rounding). None when scored with
    ``contributions=False``: then ``fit.contributions(matrix, rows)`` gives any rows'."""
    columns: tuple[str, ...]
    labels: tuple[str, ...]
    model: str
    version: int
    incomplete: NDArray[np.intp]
    """Rows with at least one missing value (scored by the model's ``missing`` policy)."""
    fit: Fit
    """The normalisation of this run (ranges from all rows), to explain any of its rows."""

    def colour_names(self) -> NDArray[np.str_]:
        return np.asarray(self.labels)[self.colour]

    def top(self, row: int, n: int = 3) -> list[tuple[str, float]]:
        """The ``n`` largest contributions of one row: the "why this colour" of a risk card."""
        if self.contributions is None:
            raise ValueError(
                "these scores hold no contributions (scored with contributions=False); "
                "use scores.fit.contributions(matrix, rows) for the rows to explain"
            )
        values = self.contributions[row]
        order = np.argsort(-values, kind="stable")[:n]
        return [(self.columns[j], float(values[j])) for j in order]


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
        x = _as_matrix(matrix, self.columns)
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
        _fill(buffer, self._tiled.fill)
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
        buffer = np.empty((-(-rows // _FOLD) * _FOLD, len(self.columns)))
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
        block = _block_rows(x, _RANGE_BLOCK_BYTES)

        def work(chunk: Iterable[int]) -> None:
            for b in chunk:
                rows_b = slice(b * block, (b + 1) * block)
                self._risk(out[rows_b], self.rank_risk[rows_b], source=x[rows_b])
                _fill(out[rows_b], self._tiled.fill)

        _parallel(work, -(-out.shape[0] // block), rows >= _PARALLEL_ROWS)
        return out[:rows]


@dataclass(frozen=True)
class _Tiled:
    """A fit's per-column vectors repeated ``_FOLD`` times, for rows folded 32 to one."""

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
        return cls(*(np.tile(v, _FOLD) for v in vectors))


def _fill(buffer: FloatArray, fill: FloatArray) -> None:
    """Replace NaN contributions by the missing policy's, in place (fill tiled to folds)."""
    folded = buffer.reshape(-1, fill.size)
    np.copyto(folded, fill, where=np.isnan(folded))


def score(model: IndicatorModel, matrix: ArrayLike, *, contributions: bool = True) -> Scores:
    """Score every row of ``matrix`` (rows = enterprises, columns = ``model.columns``).

    With ``contributions=False`` only totals, colours and ``incomplete`` are computed (the
    same arrays as with contributions, bit for bit, since both come from the same code):
    :attr:`Scores.contributions` is then None, and ``scores.fit.contributions(matrix,
    rows)`` gives those of the rows to explain, with the normalisation of the whole run.

    How the totals are made fast: min-max is affine per column, so a row's total is
    x · slope + constant, one dot product per row, with no rows × indicators array. It
    takes two passes over the matrix, both in cache-sized blocks on all CPUs: one for the
    column ranges (data-bounded slopes need the ranges of all rows before any total can be
    made, and the per-block ranges also find the few rows beyond a fixed bound), one for
    the dot products, during which each block, still in cache, has its remaining rows
    finished: rows with a missing value (their total comes out NaN) and rows beyond a
    fixed bound (clipped). On 500,000 × 40 with 2 CPUs this takes about 16 ms, 2.4–3 × a
    bare BLAS ``X @ w`` over the same matrix (5–7 ms; bench/bench_risk.py). Both passes run
    at about the speed of memory, and the bare product reads the matrix once where this
    must read it twice, so 2 × is the floor for any exact method with data-bounded columns;
    the rest is reducing every value twice (minimum and maximum: numpy has no single pass
    for both) and finishing the 4 % of rows with a missing value. Rank columns are sorted
    one by one, and columns with no spread or with values far from zero compared with their
    range (x · slope would lose digits) are added column by column, so models with those
    are slower.

    The full contributions need one more rows × indicators array and pass: about 50 ms,
    8–10 × a bare ``X @ w``.
    """
    x = _as_matrix(matrix, model.columns)
    fit, beyond = _fit(model, x)
    total, colour, incomplete = _totals(fit, x, beyond, model.colours)
    full = fit._all(x) if contributions else None
    return Scores(
        total=total,
        colour=colour,
        contributions=full,
        columns=model.columns,
        labels=model.colours.labels,
        model=model.name,
        version=model.version,
        incomplete=incomplete,
        fit=fit,
    )


def _as_matrix(matrix: ArrayLike, columns: tuple[str, ...]) -> FloatArray:
    x = np.asarray(matrix, dtype=np.float64)
    k = len(columns)
    if x.ndim != 2 or x.shape[1] != k:
        raise ValueError(f"matrix must be rows × {k} indicators {columns}, got {x.shape}")
    return x


def _fit(model: IndicatorModel, x: FloatArray) -> tuple[Fit, NDArray[np.intp]]:
    """The run's normalisation, and the rows holding a value beyond a fixed bound."""
    leaves = model.indicators
    rows, k = x.shape
    weight = model.weights * 100.0
    benefit = np.asarray([leaf.direction == "benefit" for leaf in leaves], dtype=np.bool_)
    minmax = np.asarray([leaf.normalisation == "minmax" for leaf in leaves], dtype=np.bool_)
    fixed = np.asarray([leaf.bounds is not None for leaf in leaves], dtype=np.bool_)
    bounds = np.asarray([leaf.bounds or (np.nan, np.nan) for leaf in leaves], dtype=np.float64)
    fixed_lo, fixed_hi = bounds.reshape(k, 2).T
    block_lo, block_hi, block = _block_ranges(x)
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


_UNIT_ROUNDOFF: Final = 2.0**-53
_TOTAL_ERROR: Final = 1e-10
"""Largest rounding error let into a total by x · slope + constant (totals round to 1e-9)."""


def _totals(
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
    _parallel(summer.add, summer.blocks, x.shape[0] >= _PARALLEL_ROWS)
    incomplete = np.concatenate(summer.incomplete) if summer.blocks else np.empty(0, np.intp)
    return summer.total, summer.colour, incomplete


class _Summer:
    """The state of :func:`_totals`, shared by the threads; each block writes its own rows."""

    def __init__(self, fit: Fit, x: FloatArray, beyond: NDArray[np.intp], bands: Bands) -> None:
        self.fit, self.x, self.beyond, self.bands = fit, x, beyond, bands
        self.slope, self.const, self.exact = _affine_part(fit)
        self.clip = set(fit.clipped.tolist())
        self.flat = np.flatnonzero(fit.flat).tolist()
        self.rank_total = fit.rank_risk.sum(axis=1) if fit.ranked.size else None
        self.ones = np.ones(len(fit.columns))
        self.all_affine = not self.exact and not self.flat and self.rank_total is None
        with np.errstate(divide="ignore", invalid="ignore"):  # no zero slope if all_affine
            self.stand_in = np.tile(fit.origin + fit.fill / fit.slope, _FOLD)
        rows = x.shape[0]
        self.block = _block_rows(x, _SUM_BLOCK_BYTES)
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
            _row_dot(part, self.slope, out)
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
        _row_dot(risk, self.ones, sums)
        gaps = np.isnan(sums)  # contributions are finite or NaN: a NaN sum has a gap
        if gaps.any():
            _fill(buffer, fit._tiled.fill)
            _row_dot(risk, self.ones, sums)
        return sums, at[gaps]

    def _filled_sums(self, part: FloatArray, at: NDArray[np.intp]) -> FloatArray:
        """Affine sums of rows ``at`` with each missing value replaced by its stand-in."""
        buffer = self.fit._buffer(at.size)
        np.take(part, at, axis=0, out=buffer[: at.size], mode="clip")  # in range
        folded = buffer.reshape(-1, self.stand_in.size)
        np.copyto(folded, self.stand_in, where=np.isnan(folded))
        sums = np.empty(at.size)
        _row_dot(buffer[: at.size], self.slope, sums)
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


def _row_dot(matrix: FloatArray, weights: FloatArray, out: FloatArray) -> None:
    """out = matrix @ weights, one dot product per row (BLAS ddot), without BLAS threads:
    blocks are already shared among the CPUs. numpy < 2 has no vecdot: matmul there."""
    if hasattr(np, "vecdot"):
        np.vecdot(matrix, weights, out=out)
    else:  # pragma: no cover
        np.matmul(matrix, weights, out=out)


def _block_rows(x: FloatArray, size: int) -> int:
    """Rows per block of about ``size`` bytes, a multiple of ``_FOLD``."""
    k = max(int(x.shape[1]), 1)
    return max(_FOLD, size // (8 * k) // _FOLD * _FOLD)


_FOLD: Final = 32
_RANGE_BLOCK_BYTES: Final = 2 << 20
_SUM_BLOCK_BYTES: Final = 8 << 20
_PARALLEL_ROWS: Final = 1 << 16
_pool_lock = threading.Lock()
_pool: tuple[int, int, ThreadPoolExecutor] | None = None


def _block_ranges(x: FloatArray) -> tuple[FloatArray, FloatArray, int]:
    """NaN-ignoring min and max of each column within each block of rows: blocks × columns.

    One pass over the matrix for both. A block of 32 rows is viewed as one long row, so the
    reductions run 1,280-value inner loops instead of 40-value ones. The tasks, in the order
    (minima of block 0, maxima of block 0, minima of block 1, ...), are taken from a common
    queue: with two CPUs, one thread takes a block's minima while the other takes its
    maxima, so the block comes from memory once for both (numpy releases the GIL); with one,
    its maxima follow its minima while it is still in cache. The per-block ranges also
    locate the few rows that go beyond a fixed bound without another pass.
    """
    rows, k = x.shape
    fold = _FOLD if x.flags.c_contiguous else 1
    block = _block_rows(x, _RANGE_BLOCK_BYTES)
    blocks = -(-rows // block)
    lo = np.empty((blocks, fold, k))
    hi = np.empty((blocks, fold, k))

    def reduce(tasks: Iterable[int]) -> None:
        for task in tasks:  # task 2b: the minima of block b, 2b + 1: its maxima
            b, which = divmod(task, 2)
            ufunc, out = (np.fmin, lo) if which == 0 else (np.fmax, hi)
            part = x[b * block : (b + 1) * block]
            if part.shape[0] % fold == 0:
                ufunc.reduce(part.reshape(-1, fold * k), axis=0, out=out[b].reshape(fold * k))
            else:  # the last, short block
                out[b] = ufunc.reduce(part, axis=0)

    _parallel(reduce, 2 * blocks, rows >= _PARALLEL_ROWS)
    return np.fmin.reduce(lo, axis=1), np.fmax.reduce(hi, axis=1), block


def _threads(blocks: int, worth_it: bool) -> int:
    """How many threads to share ``blocks`` among: the CPUs this process may use (≤ 8)."""
    if not worth_it:
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, blocks, 8))


def _parallel(work: Callable[[Iterable[int]], None], n: int, worth_it: bool) -> None:
    """Run ``work`` over the blocks 0..n-1, shared among the CPUs this process may use.

    Threads take the next block from a common queue, so a CPU that another process holds
    does not leave its fixed share of the blocks for last.
    """
    threads = _threads(n, worth_it)
    if threads <= 1:
        work(range(n))
        return
    queue: SimpleQueue[int] = SimpleQueue()
    for b in range(n):
        queue.put(b)

    def blocks() -> Iterator[int]:
        while True:
            try:
                yield queue.get_nowait()
            except Empty:
                return

    _run([partial(work, blocks()) for _ in range(threads)])


def _run(tasks: Sequence[Callable[[], None]]) -> None:
    """Run the tasks at the same time, the first in this thread; re-raise their errors."""
    pending = [_thread_pool(len(tasks) - 1).submit(task) for task in tasks[1:]]
    try:
        tasks[0]()
    finally:
        for future in pending:
            future.result()


def _thread_pool(workers: int) -> ThreadPoolExecutor:
    """A process-wide pool, made again after a fork (a child inherits no threads)."""
    global _pool  # noqa: PLW0603
    with _pool_lock:
        if _pool is None or _pool[0] != os.getpid() or _pool[1] < workers:
            pool = ThreadPoolExecutor(workers, thread_name_prefix="scoring")
            _pool = (os.getpid(), workers, pool)
        return _pool[2]


@dataclass(frozen=True)
class ColourChanges:
    """Differences between two colourings of the same rows (e.g. model v1 vs v2)."""

    rows: NDArray[np.intp]
    before: CodeArray
    after: CodeArray
    transitions: NDArray[np.int64]
    """transitions[a, b] = rows that were colour a and are now b (diagonal: unchanged)."""
    labels: tuple[str, ...]

    @property
    def changed(self) -> int:
        return int(self.rows.size)

    @property
    def raised(self) -> int:
        """Rows now in a riskier colour."""
        return int(np.triu(self.transitions, k=1).sum())

    @property
    def lowered(self) -> int:
        return int(np.tril(self.transitions, k=-1).sum())

    def summary(self) -> list[tuple[str, str, int]]:
        """(from, to, count) for every colour pair that changed, most frequent first."""
        moved = self.transitions * (1 - np.eye(len(self.labels), dtype=np.int64))
        moves = [(self.labels[i], self.labels[j], int(moved[i, j])) for i, j in np.argwhere(moved)]
        return sorted(moves, key=lambda m: -m[2])


def compare(
    colours_a: ArrayLike, colours_b: ArrayLike, labels: tuple[str, ...] = COLOURS
) -> ColourChanges:
    """Which rows change colour from ``colours_a`` to ``colours_b`` (codes, same row order)."""
    a = np.asarray(colours_a)
    b = np.asarray(colours_b)
    k = len(labels)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError(f"colourings must be 1-D and of equal length: {a.shape} vs {b.shape}")
    for codes in (a, b):
        if codes.size and (codes.min() < 0 or codes.max() >= k):
            raise ValueError(f"colour codes must be 0–{k - 1} (unscored rows cannot be compared)")
    rows = np.flatnonzero(a != b)
    transitions = np.bincount(a.astype(np.int64) * k + b, minlength=k * k).reshape(k, k)
    return ColourChanges(
        rows, a[rows].astype(np.int8), b[rows].astype(np.int8), transitions, labels
    )
