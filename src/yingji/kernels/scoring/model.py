"""The indicator model: a versioned tree of indicators and groups, and its dict/JSON form."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final, Literal

import numpy as np

from yingji.kernels.arrays import Direction, FloatArray
from yingji.kernels.methods import Bands

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
