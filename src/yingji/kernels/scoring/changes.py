"""Comparing two colourings of the same rows: which rows change colour, and how."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from yingji.kernels.arrays import CodeArray
from yingji.kernels.methods import COLOURS


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
