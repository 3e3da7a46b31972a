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

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from yingji.kernels.arrays import CodeArray, FloatArray
from yingji.kernels.scoring.changes import ColourChanges, compare
from yingji.kernels.scoring.fit import Fit, as_matrix, fit_run
from yingji.kernels.scoring.model import SCHEMA, Group, Indicator, IndicatorModel
from yingji.kernels.scoring.model import Missing as Missing
from yingji.kernels.scoring.model import Normalisation as Normalisation
from yingji.kernels.scoring.totals import fast_totals

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
    x = as_matrix(matrix, model.columns)
    fit, beyond = fit_run(model, x)
    total, colour, incomplete = fast_totals(fit, x, beyond, model.colours)
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
