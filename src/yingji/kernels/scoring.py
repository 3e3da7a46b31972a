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
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from yingji.kernels.arrays import BoolArray, CodeArray, Direction, FloatArray
from yingji.kernels.methods import COLOURS, Bands
from yingji.kernels.normalise import column_range, rank

__all__ = [
    "SCHEMA",
    "ColourChanges",
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
    contributions: FloatArray
    """Rows × indicators; each row sums to ``total`` (within rounding)."""
    columns: tuple[str, ...]
    labels: tuple[str, ...]
    model: str
    version: int
    incomplete: NDArray[np.intp]
    """Rows with at least one missing value (scored by the model's ``missing`` policy)."""

    def colour_names(self) -> NDArray[np.str_]:
        return np.asarray(self.labels)[self.colour]

    def top(self, row: int, n: int = 3) -> list[tuple[str, float]]:
        """The ``n`` largest contributions of one row: the "why this colour" of a risk card."""
        values = self.contributions[row]
        order = np.argsort(-values, kind="stable")[:n]
        return [(self.columns[j], float(values[j])) for j in order]


@dataclass(frozen=True)
class _Plan:
    """Per-column arrays derived from a model once per call (cheap: one entry per indicator)."""

    weight: FloatArray
    benefit: BoolArray
    minmax: BoolArray
    fixed: BoolArray
    lo: FloatArray
    hi: FloatArray

    @classmethod
    def of(cls, model: IndicatorModel) -> _Plan:
        leaves = model.indicators
        bounds = [leaf.bounds or (np.nan, np.nan) for leaf in leaves]
        return cls(
            weight=model.weights * 100.0,
            benefit=np.asarray([leaf.direction == "benefit" for leaf in leaves]),
            minmax=np.asarray([leaf.normalisation == "minmax" for leaf in leaves]),
            fixed=np.asarray([leaf.bounds is not None for leaf in leaves]),
            lo=np.asarray([b[0] for b in bounds], dtype=np.float64),
            hi=np.asarray([b[1] for b in bounds], dtype=np.float64),
        )


def score(model: IndicatorModel, matrix: ArrayLike) -> Scores:
    """Score every row of ``matrix`` (rows = enterprises, columns = ``model.columns``).

    Min-max is affine per column, so all min-max columns are done in two whole-matrix passes,
    (x − origin) · slope, with the origin at the "no risk" end of the range; only columns
    whose values go beyond their fixed bounds are clipped afterwards (±inf there is clipped
    like any out-of-range value). Rank columns are sorted one by one. Missing values are
    filled afterwards, and only in the rows whose total came out NaN.
    """
    x = np.asarray(matrix, dtype=np.float64)
    k = len(model.indicators)
    if x.ndim != 2 or x.shape[1] != k:
        raise ValueError(f"matrix must be rows × {k} indicators {model.columns}, got {x.shape}")
    plan = _Plan.of(model)
    lo, hi = plan.lo.copy(), plan.hi.copy()
    data = plan.minmax & ~plan.fixed
    data_lo, data_hi = column_range(x)  # data bounds, and which fixed bounds clip anything
    if np.isinf(data_lo[data]).any() or np.isinf(data_hi[data]).any():
        bad = model.columns[int(np.flatnonzero(data & np.isinf(data_lo + data_hi))[0])]
        raise ValueError(f"indicator {bad!r} holds ±inf; use NaN for a missing value")
    lo[data], hi[data] = data_lo[data], data_hi[data]
    span = hi - lo
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        scale = plan.weight / span
    # No spread (or no data, or a spread so small that weight/span overflows): 0.5 risk share,
    # as in normalise.minmax.
    flat = plan.minmax & ~((span > 0) & np.isfinite(scale))
    live = plan.minmax & ~flat
    origin = np.where(live, np.where(plan.benefit, hi, lo), 0.0)
    slope = np.where(live, np.where(plan.benefit, -scale, scale), 0.0)

    contributions = np.subtract(x, origin)
    contributions *= slope
    clipped = np.flatnonzero(plan.fixed & ~((data_lo >= plan.lo) & (data_hi <= plan.hi)))
    if clipped.size:  # only columns with values beyond their fixed bounds
        part = contributions[:, clipped]
        contributions[:, clipped] = np.clip(part, 0.0, plan.weight[clipped])
    if flat.any():
        contributions[:, flat] += 0.5 * plan.weight[flat]
    ranked = np.flatnonzero(~plan.minmax)
    if ranked.size:
        directions: list[Direction] = [model.indicators[j].direction for j in ranked]
        contributions[:, ranked] = (1.0 - rank(x[:, ranked], directions)) * plan.weight[ranked]

    ones = np.ones(k)
    total = contributions @ ones
    incomplete = np.flatnonzero(np.isnan(total))
    if incomplete.size:
        fill = plan.weight if model.missing == "worst" else np.zeros(k)
        rows = contributions[incomplete]
        rows = np.where(np.isnan(rows), fill, rows)
        contributions[incomplete] = rows
        total[incomplete] = rows @ ones
    np.round(total, 9, out=total)
    return Scores(
        total=total,
        colour=model.colours.classify(total),
        contributions=contributions,
        columns=model.columns,
        labels=model.colours.labels,
        model=model.name,
        version=model.version,
        incomplete=incomplete,
    )


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
