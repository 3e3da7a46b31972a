"""Normalisation (yingji.kernels.normalise): min-max, rank, column ranges and their properties."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from yingji.kernels import normalise as nz

# --- normalisation ----------------------------------------------------------------------------


def test_minmax_directions_bounds_flat_columns_and_missing_values():
    x = [[0.0, 10.0, 4.0, np.nan], [5.0, 20.0, 4.0, 1.0], [10.0, 30.0, 4.0, 3.0]]
    out = nz.minmax(x, ["benefit", "cost", "benefit", "cost"])
    assert out[:, 0].tolist() == [0.0, 0.5, 1.0]
    assert out[:, 1].tolist() == [1.0, 0.5, 0.0]
    assert out[:, 2].tolist() == [0.5, 0.5, 0.5]  # no spread: neutral, whatever the direction
    assert np.isnan(out[0, 3]) and out[1:, 3].tolist() == [1.0, 0.0]
    fixed = nz.minmax([[-5.0], [2.0], [50.0]], "cost", bounds=(0.0, 10.0))
    assert fixed.ravel().tolist() == [1.0, 0.8, 0.0]  # clipped to the bounds
    with pytest.raises(ValueError, match="lo < hi"):
        nz.minmax([[1.0]], bounds=(1.0, 1.0))
    with pytest.raises(ValueError, match="inf"):
        nz.minmax([[np.inf], [1.0]])
    with pytest.raises(ValueError, match="directions for"):
        nz.minmax([[1.0, 2.0]], ["benefit"])


def test_rank_averages_ties_and_skips_missing_values():
    x = [[1.0, np.nan], [2.0, 3.0], [2.0, 3.0], [5.0, 1.0]]
    out = nz.rank(x, ["benefit", "cost"])
    assert out[:, 0].tolist() == [0.0, 0.5, 0.5, 1.0]
    assert np.isnan(out[0, 1]) and out[1:, 1].tolist() == [0.25, 0.25, 1.0]
    assert nz.rank([[7.0], [np.nan]]).tolist()[0] == [0.5]


def test_column_range_matches_nanmin_and_nanmax_at_every_size():
    rng = np.random.default_rng(3)
    for rows in (1, 63, 1024, 1025, 70_001):
        x = rng.normal(size=(rows, 7))
        x[rng.random(x.shape) < 0.2] = np.nan
        x[:, 3] = np.nan  # all missing: NaN, as nanmin says (with a warning we do not emit)
        lo, hi = nz.column_range(x)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            assert np.array_equal(lo, np.nanmin(x, axis=0), equal_nan=True)
            assert np.array_equal(hi, np.nanmax(x, axis=0), equal_nan=True)
    assert np.isnan(nz.column_range(np.empty((0, 2)))).all()


@settings(max_examples=100, deadline=None)
@given(
    hnp.arrays(
        np.float64, st.tuples(st.integers(2, 25), st.integers(1, 4)), elements=st.floats(-100, 100)
    ),
    st.data(),
)
def test_raising_a_benefit_value_never_lowers_its_desirability(x, data):
    row = data.draw(st.integers(0, x.shape[0] - 1))
    col = data.draw(st.integers(0, x.shape[1] - 1))
    raised = x.copy()
    raised[row, col] += data.draw(st.floats(0.0, 100.0))
    for method in (nz.minmax, nz.rank):
        before, after = method(x, "benefit"), method(raised, "benefit")
        assert after[row, col] >= before[row, col]
        before, after = method(x, "cost"), method(raised, "cost")
        assert after[row, col] <= before[row, col]
        out = method(x, "benefit")
        assert ((out >= 0) & (out <= 1)).all()
