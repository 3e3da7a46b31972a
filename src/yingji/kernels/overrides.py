"""从严从高 override rules: a fact that sets a floor under an enterprise's colour.

A composite score averages things out, so one grave fact (an open major hidden hazard, a
grade-一级 major hazard source) can hide behind a good record elsewhere. The four-colour rules
say such facts grade the enterprise at least so high ("从严从高", STANDARDS.md §5). An
:class:`Override` is a named conjunction of clauses on input columns with a minimum colour;
:func:`apply` raises every row that meets an override to at least that colour, never lowers
one, and says which overrides fired for each row, so the explanation can name them.

A clause on a missing value (NaN) is not met: an override asserts a known fact. Missing values
already count against the score through the model's ``missing`` policy.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from yingji.kernels.arrays import BoolArray, CodeArray

__all__ = ["OPERATORS", "Clause", "Fired", "Override", "apply"]

Operator = Literal[">=", ">", "<=", "<", "=="]
OPERATORS: Final[dict[str, Callable[[Any, Any], Any]]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "==": operator.eq,
}


@dataclass(frozen=True)
class Clause:
    column: str
    op: Operator
    value: float

    def __post_init__(self) -> None:
        if self.op not in OPERATORS:
            raise ValueError(
                f"clause on {self.column!r}: operator must be one of {list(OPERATORS)}"
            )
        if not np.isfinite(self.value):
            raise ValueError(f"clause on {self.column!r}: the value must be a finite number")


@dataclass(frozen=True)
class Override:
    """When every clause holds, the colour is at least ``min_colour`` (a colour code)."""

    key: str
    name: str
    clauses: tuple[Clause, ...]
    min_colour: int

    def __post_init__(self) -> None:
        if not self.clauses:
            raise ValueError(f"override {self.key!r} needs at least one clause")
        if self.min_colour < 0:
            raise ValueError(f"override {self.key!r}: min_colour must be a colour code ≥ 0")

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "min_colour": self.min_colour,
            "clauses": [{"column": c.column, "op": c.op, "value": c.value} for c in self.clauses],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Override:
        clauses = tuple(
            Clause(str(c["column"]), c["op"], float(c["value"])) for c in data["clauses"]
        )
        return cls(str(data["key"]), str(data["name"]), clauses, int(data["min_colour"]))


@dataclass(frozen=True)
class Fired:
    colour: CodeArray
    """Final colour per row: max(score colour, every fired override's floor)."""
    fired: BoolArray
    """Rows × overrides: which overrides' conditions held (raising the colour or not)."""
    raised: BoolArray
    """Per row: the final colour is above the score's colour."""
    keys: tuple[str, ...]

    def names_of(self, row: int) -> list[str]:
        return [k for k, hit in zip(self.keys, self.fired[row], strict=True) if hit]


def apply(
    colours: ArrayLike,
    columns: Sequence[str],
    matrix: ArrayLike,
    overrides: Sequence[Override],
    *,
    levels: int = 4,
) -> Fired:
    """Apply ``overrides`` to score colours; ``matrix`` columns follow ``columns``."""
    base = np.asarray(colours, dtype=np.int8)
    x = np.asarray(matrix, dtype=np.float64)
    if x.ndim != 2 or x.shape != (base.size, len(columns)):
        raise ValueError(f"matrix must be {base.size} × {len(columns)}, got {x.shape}")
    index = {name: j for j, name in enumerate(columns)}
    fired: NDArray[np.bool_] = np.zeros((base.size, len(overrides)), dtype=bool)
    final = base.copy()
    for k, rule in enumerate(overrides):
        if rule.min_colour >= levels:
            raise ValueError(f"override {rule.key!r}: min_colour {rule.min_colour} ≥ {levels}")
        hit = np.ones(base.size, dtype=bool)
        for clause in rule.clauses:
            if clause.column not in index:
                raise ValueError(f"override {rule.key!r} refers to unknown input {clause.column!r}")
            with np.errstate(invalid="ignore"):
                hit &= OPERATORS[clause.op](x[:, index[clause.column]], clause.value)
        fired[:, k] = hit
        np.maximum(final, np.where(hit, rule.min_colour, -1).astype(np.int8), out=final)
    scored = base >= 0  # unscored rows (-1) stay unscored
    final = np.where(scored, final, base).astype(np.int8)
    return Fired(final, fired, final > base, tuple(r.key for r in overrides))
