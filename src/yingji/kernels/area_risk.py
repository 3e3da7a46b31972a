"""Natural-disaster comprehensive risk per region and hazard type, in five levels (五色图).

The formula
-----------
STANDARDS.md §6 gives the literature forms R = H × V × E and, with disaster-reduction
capacity, R = H × V × E / A (or an additive H + V + E − C). The national census weights and
formula are unpublished, so this module uses the multiplicative form with capacity as a
divisor, exactly:

    R[r, t] = H[r, t] × E[r, t] × V[r, t] / A[r, t]

for region r and hazard type t; each input may also be given per region only (shape (R,))
and is then the same for every hazard type. H (致灾危险性), E (承灾体暴露度) and V (脆弱性)
are non-negative indices (the application normalises them, typically to [0, 1]); A (减灾能力)
is a strictly positive factor with 1 = reference capacity: A = 2 halves the risk, A = 0.5
doubles it. A product, not a sum, because a region without exposure (E = 0) has no risk
whatever its hazard. A ≤ 0 is refused (it would mean infinite or negative risk); NaN in any
input marks a missing value and yields NaN risk and level -1.

Levels and classification
-------------------------
Five levels 低/中低/中/中高/高 (codes 0..4) shown as 绿/蓝/黄/橙/红 — the colour mapping
follows the 2020 Zhejiang 五色图 precedent and is an assumption (§6). Class breaks are usually
natural breaks or quantiles; the classifier is configurable:

- :class:`Fixed`: given thresholds (a :class:`~yingji.kernels.methods.Bands`), e.g. breaks fitted
  once on the whole province and applied to every county, so that "高" means the same thing
  everywhere (a county may then have no 高 area, as in the published 沧州 results);
- :class:`Quantiles`: equal-count classes;
- :class:`NaturalBreaks`: Jenks/Fisher optimal breaks (minimum within-class squared deviation).

Data-driven classifiers are fitted per hazard type (a flood index and an earthquake index are
not on one scale) unless ``pooled=True``. Their breaks are class *upper* limits
(``inclusive="upper"``: a value equal to a break belongs to the lower class), the GIS convention.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray

from yingji.kernels.arrays import CodeArray, FloatArray
from yingji.kernels.methods import Bands

IntArray = NDArray[np.int64]

__all__ = [
    "HAZARDS",
    "LEVELS",
    "LEVEL_COLOUR",
    "AreaRisk",
    "Classifier",
    "Fixed",
    "NaturalBreaks",
    "Quantiles",
    "assess",
    "jenks_breaks",
    "risk_index",
]

HAZARDS: Final = ("flood", "typhoon", "geological", "forest_fire", "earthquake")
HAZARD_ZH: Final = {
    "flood": "洪涝",
    "typhoon": "台风",
    "geological": "地质灾害",
    "forest_fire": "森林火灾",
    "earthquake": "地震",
}
LEVELS: Final = ("low", "medium_low", "medium", "medium_high", "high")
"""Five risk levels, lowest first (codes 0..4)."""
LEVEL_ZH: Final = {
    "low": "低",
    "medium_low": "中低",
    "medium": "中",
    "medium_high": "中高",
    "high": "高",
}
LEVEL_COLOUR: Final = {
    "low": "green",
    "medium_low": "blue",
    "medium": "yellow",
    "medium_high": "orange",
    "high": "red",
}


def risk_index(
    hazard: ArrayLike, exposure: ArrayLike, vulnerability: ArrayLike, capacity: ArrayLike
) -> FloatArray:
    """R = H × E × V / A, broadcast to regions × hazard types (see the module docstring)."""
    parts = [np.asarray(p, dtype=np.float64) for p in (hazard, exposure, vulnerability, capacity)]
    parts = [p.reshape(1, 1) if p.ndim == 0 else p[:, None] if p.ndim == 1 else p for p in parts]
    shapes = [p.shape for p in parts]
    try:
        fits = all(p.ndim == 2 for p in parts) and bool(np.broadcast_shapes(*shapes))
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(
            f"area risk inputs must be scalars, (regions,) or (regions, types): {shapes}"
        )
    names = ("hazard", "exposure", "vulnerability")
    for name, p in zip(names, parts, strict=False):
        if (p < 0).any() or np.isinf(p).any():
            raise ValueError(f"{name} must be finite and ≥ 0 (NaN for missing)")
    if (parts[3] <= 0).any() or np.isinf(parts[3]).any():
        raise ValueError("capacity must be finite and > 0 (1 = reference capacity)")
    risk: FloatArray = parts[0] * parts[1] * parts[2] / parts[3]
    return risk


class Classifier(Protocol):
    """Fits band thresholds on a sample of values (NaN ignored)."""

    def fit(self, values: FloatArray) -> Bands: ...


@dataclass(frozen=True)
class Fixed:
    """Thresholds decided beforehand; fitting returns them unchanged."""

    bands: Bands

    def fit(self, values: FloatArray) -> Bands:
        return self.bands


@dataclass(frozen=True)
class Quantiles:
    """Equal-count classes: breaks at the 1/k, 2/k … quantiles (linear interpolation)."""

    labels: tuple[str, ...] = LEVELS

    def fit(self, values: FloatArray) -> Bands:
        v = values[~np.isnan(values)]
        k = len(self.labels)
        if v.size == 0:
            return Bands((0.0,) * (k - 1), self.labels, "upper")
        breaks = np.quantile(v, np.arange(1, k) / k)
        return Bands(tuple(float(b) for b in np.maximum.accumulate(breaks)), self.labels, "upper")


@dataclass(frozen=True)
class NaturalBreaks:
    """Jenks natural breaks (exact; see :func:`jenks_breaks`)."""

    labels: tuple[str, ...] = LEVELS

    def fit(self, values: FloatArray) -> Bands:
        breaks = jenks_breaks(values, len(self.labels))
        return Bands(tuple(float(b) for b in breaks), self.labels, "upper")


class _Prefix:
    """Prefix sums over sorted distinct values (with counts) giving any run's squared deviation."""

    def __init__(self, distinct: FloatArray, counts: FloatArray) -> None:
        centred = distinct - np.average(distinct, weights=counts)  # less cancellation below
        self.n = np.concatenate(([0.0], np.cumsum(counts)))
        self.s = np.concatenate(([0.0], np.cumsum(centred * counts)))
        self.q = np.concatenate(([0.0], np.cumsum(centred * centred * counts)))

    def cost(self, i: IntArray, j: IntArray) -> FloatArray:
        """Squared deviation of distinct values i .. j-1 (i < j) taken as one class."""
        s = self.s[j] - self.s[i]
        ssd: FloatArray = np.maximum((self.q[j] - self.q[i]) - s * s / (self.n[j] - self.n[i]), 0)
        return ssd


def _layer(prefix: _Prefix, previous: FloatArray, c: int) -> tuple[FloatArray, IntArray]:
    """One DP layer, best[j] = min over i of previous[i] + cost(i, j), for j ≥ c.

    The optimal split is monotone in j (the cost is Monge), so divide and conquer applies:
    solve the middle j of a range, then its halves only search splits on their side of it.
    All ranges at one depth are solved together with flat numpy arrays (ragged ranges
    flattened by repeat/cumsum), so a layer is about log2(m) vectorised passes over ~2m
    candidates instead of m Python-level searches.
    """
    m = previous.size - 1
    best = np.full(m + 1, np.inf)
    split = np.zeros(m + 1, dtype=np.int64)
    # Pending ranges: targets j in [j_lo, j_hi], splits searched in [i_lo, i_hi].
    j_lo, j_hi = np.array([c]), np.array([m])
    i_lo, i_hi = np.array([c - 1]), np.array([m - 1])
    while j_lo.size:
        mid = (j_lo + j_hi) // 2
        top = np.minimum(i_hi, mid - 1)
        length = top - i_lo + 1
        owner = np.repeat(np.arange(mid.size), length)
        start = np.cumsum(length) - length
        i = i_lo[owner] + np.arange(owner.size) - start[owner]
        value = previous[i] + prefix.cost(i, mid[owner])
        low = np.minimum.reduceat(value, start)
        hits = np.flatnonzero(value == low[owner])
        first = hits[np.searchsorted(owner[hits], np.arange(mid.size))]  # leftmost optimum
        best[mid], split[mid] = low, i[first]
        chosen = i[first]
        left, right = j_lo <= mid - 1, mid + 1 <= j_hi
        j_lo = np.concatenate((j_lo[left], mid[right] + 1))
        j_hi = np.concatenate((mid[left] - 1, j_hi[right]))
        i_lo, i_hi = (
            np.concatenate((i_lo[left], chosen[right])),
            np.concatenate((chosen[left], i_hi[right])),
        )
    return best, split


def jenks_breaks(values: ArrayLike, k: int) -> FloatArray:
    """Upper limits of the first k − 1 classes minimising the within-class squared deviation.

    Exact Fisher–Jenks over the sorted distinct values weighted by their counts (ties are
    never split), with each DP layer solved by vectorised divide and conquer
    (:func:`_layer`): O(k · m log m) for m distinct values, instead of the textbook O(k · m²)
    that takes minutes on 25,500 villages. With at most k distinct values, each value is its
    own class, the lowest classes are used and the breaks repeat the top value.
    """
    if k < 2:
        raise ValueError("natural breaks need at least 2 classes")
    v = np.asarray(values, dtype=np.float64).ravel()
    v = v[~np.isnan(v)]
    if v.size == 0:
        return np.zeros(k - 1)
    distinct, counts = np.unique(v, return_counts=True)
    m = distinct.size
    if m <= k:
        return np.concatenate((distinct[:-1], np.full(k - m, distinct[-1])))
    prefix = _Prefix(distinct, counts.astype(np.float64))
    best = np.full(m + 1, np.inf)  # best[j]: optimal cost of values 0 .. j-1 in c classes
    best[1:] = prefix.cost(np.zeros(m, dtype=np.int64), np.arange(1, m + 1))
    splits = []
    for c in range(2, k + 1):
        best, split = _layer(prefix, best, c)
        splits.append(split)
    breaks = []
    end = m
    for split in reversed(splits):
        end = int(split[end])
        breaks.append(distinct[end - 1])
    return np.asarray(breaks[::-1], dtype=np.float64)


@dataclass(frozen=True)
class AreaRisk:
    """Risk and level per region (rows) and hazard type (columns)."""

    risk: FloatArray
    level: CodeArray
    """Level code 0..4 (低 … 高); -1 where an input was missing."""
    bands: tuple[Bands, ...]
    """The fitted thresholds per hazard type (all equal when pooled or fixed)."""
    hazards: tuple[str, ...]

    @property
    def overall(self) -> CodeArray:
        """Per region, the highest level over hazard types (从严从高); -1 if none known."""
        top: CodeArray = self.level.max(axis=1)
        return top


def assess(
    hazard: ArrayLike,
    exposure: ArrayLike,
    vulnerability: ArrayLike,
    capacity: ArrayLike,
    *,
    classifier: Classifier,
    hazards: tuple[str, ...] = HAZARDS,
    pooled: bool = False,
) -> AreaRisk:
    """Risk index and five-level classification for regions × hazard types in one call."""
    risk = risk_index(hazard, exposure, vulnerability, capacity)
    if risk.shape[1] != len(hazards):
        raise ValueError(f"expected {len(hazards)} hazard columns {hazards}, got {risk.shape[1]}")
    if pooled:
        bands = (classifier.fit(risk.ravel()),) * len(hazards)
    else:
        bands = tuple(classifier.fit(np.ascontiguousarray(risk[:, t])) for t in range(len(hazards)))
    level = np.stack([b.classify(risk[:, t]) for t, b in enumerate(bands)], axis=1)
    return AreaRisk(risk=risk, level=level, bands=bands, hazards=hazards)
