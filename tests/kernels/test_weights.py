"""Indicator weights (yingji.kernels.weights): AHP and entropy, STANDARDS.md §5 vectors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from yingji.kernels import weights as w

SAATY = [1 / 9, 1 / 7, 1 / 5, 1 / 3, 1.0, 3.0, 5.0, 7.0, 9.0]


# --- AHP --------------------------------------------------------------------------------------

EXAMPLE = [[1, 1 / 4, 2], [4, 1, 8], [1 / 2, 1 / 8, 1]]


def test_published_ahp_example():
    assert np.asarray(EXAMPLE).sum(axis=0).tolist() == [5.5, 1.375, 11.0]
    result = w.ahp_weights(EXAMPLE)
    assert np.round(result.weights, 4).tolist() == [0.1818, 0.7273, 0.0909]
    assert result.lambda_max == pytest.approx(3.0, abs=1e-9)
    assert result.ci == pytest.approx(0.0, abs=1e-9)
    assert result.cr == pytest.approx(0.0, abs=1e-9)
    assert result.ri == 0.58


def test_ahp_accepts_reciprocals_typed_with_three_decimals():
    typed = [[1, 0.25, 2], [4, 1, 8], [0.5, 0.125, 1]]
    rounded = [[1, 3, 5], [0.333, 1, 3], [0.2, 0.333, 1]]
    exact = [[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 1 / 3, 1]]
    assert np.allclose(w.ahp_weights(typed).weights, w.ahp_weights(EXAMPLE).weights)
    assert np.allclose(w.ahp_weights(rounded).weights, w.ahp_weights(exact).weights, atol=1e-3)


@pytest.mark.parametrize(
    ("matrix", "message"),
    [
        ([[1, 2, 3], [0.5, 1, 2]], "square"),
        ([[1, -2], [-0.5, 1]], "positive"),
        ([[1, 3], [0.5, 1]], r"not reciprocal: a\[0,1\] = 3 but a\[1,0\] = 0.5"),
        ([[2, 1], [1, 1]], "diagonal must be 1"),
    ],
)
def test_ahp_refuses_malformed_matrices(matrix, message):
    with pytest.raises(ValueError, match=message):
        w.ahp_check(matrix)


def _consistent(weights: np.ndarray) -> np.ndarray:
    return weights[:, None] / weights[None, :]


def test_ahp_refuses_inconsistency_and_names_the_judgement_to_revisit():
    a = _consistent(np.array([4.0, 2.0, 2.0, 1.0]))
    a[0, 3], a[3, 0] = 1 / 5, 5.0  # "hazards" now judged far less important than "training"
    names = ["hazards", "alarms", "licensing", "training"]
    with pytest.raises(w.InconsistentJudgements) as caught:
        w.ahp_weights(a, names=names)
    message = str(caught.value)
    cr = caught.value.result.cr
    assert cr >= 0.1
    assert f"CR = {cr:.3f} ≥ 0.1" in message
    assert "Revisit first: hazards vs training: entered 1/5" in message
    worst = caught.value.result.judgements[0]
    assert (worst.row, worst.col) == (0, 3)
    # The editor can still show the figures without raising.
    assert w.ahp_check(a).cr == pytest.approx(cr)
    with pytest.raises(ValueError, match="3 names for a 4×4"):
        w.ahp_weights(a, names=names[:3])


def test_cr_at_exactly_the_limit_is_refused_and_just_below_is_accepted():
    a = _consistent(np.array([4.0, 2.0, 1.0]))
    a[0, 2], a[2, 0] = 2.0, 0.5
    ci = w.ahp_check(a).ci
    ri = ci / 0.1
    while ci / ri < 0.1:  # the largest RI for which CR is not below the limit in floating point
        ri = np.nextafter(ri, 0.0)
    with pytest.raises(w.InconsistentJudgements) as caught:
        w.ahp_weights(a, ri={3: ri})
    assert caught.value.result.cr == pytest.approx(0.1, abs=1e-15)
    assert w.ahp_weights(a, ri={3: np.nextafter(ci / 0.0999, np.inf)}).cr < 0.1


def test_ahp_small_and_oversized_matrices():
    assert w.ahp_weights([[1.0]]).weights.tolist() == [1.0]
    two = w.ahp_weights([[1, 3], [1 / 3, 1]])
    assert two.cr == 0.0 and np.allclose(two.weights, [0.75, 0.25])
    with pytest.raises(ValueError, match="hierarchy"):
        w.ahp_check(np.ones((11, 11)))


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(np.float64, st.integers(3, 10), elements=st.floats(0.1, 10.0)))
def test_ahp_recovers_the_weights_of_a_consistent_matrix(raw):
    result = w.ahp_weights(_consistent(raw))
    assert result.weights.sum() == pytest.approx(1.0)
    assert np.allclose(result.weights, raw / raw.sum())
    assert result.cr == pytest.approx(0.0, abs=1e-9)


@settings(max_examples=80, deadline=None)
@given(
    st.integers(3, 8).flatmap(
        lambda n: st.lists(
            st.sampled_from(SAATY), min_size=n * (n - 1) // 2, max_size=n * (n - 1) // 2
        ).map(lambda v: (n, v))
    )
)
def test_ahp_on_any_reciprocal_matrix(case):
    n, upper = case
    a = np.ones((n, n))
    a[np.triu_indices(n, 1)] = upper
    a[np.tril_indices(n, -1)] = 1 / a.T[np.tril_indices(n, -1)]
    result = w.ahp_check(a)
    assert result.weights.sum() == pytest.approx(1.0)
    assert (result.weights > 0).all()
    assert result.lambda_max >= n - 1e-9  # Perron: λmax ≥ n for a positive reciprocal matrix
    if result.cr >= 0.1:
        with pytest.raises(w.InconsistentJudgements):
            w.ahp_weights(a)
    else:
        assert np.array_equal(w.ahp_weights(a).weights, result.weights)


# --- entropy ----------------------------------------------------------------------------------


def test_entropy_test_vector():
    result = w.entropy_weights([[1, 10], [2, 20], [3, 60]])
    assert np.round(result.entropy, 5).tolist() == [0.57938, 0.41012]
    assert np.round(result.weights, 5).tolist() == [0.41625, 0.58375]


def test_entropy_gives_a_constant_column_no_weight_and_handles_zeros():
    with np.errstate(all="raise"):  # no 0·log 0 or 0/0 on the way
        result = w.entropy_weights([[1, 5, 0], [2, 5, 0], [3, 5, 7]])
    assert result.entropy[1] == 1.0 and result.weights[1] == 0.0
    assert result.weights.sum() == pytest.approx(1.0)
    # Column 3 is one non-zero among zeros: maximal concentration, e = 0.
    assert result.entropy[2] == pytest.approx(0.0)
    with pytest.raises(ValueError, match="varies"):
        w.entropy_weights([[1, 5], [1, 5]])


def test_entropy_leaves_missing_values_out_of_their_column():
    full = w.entropy_weights([[1, 10], [2, 20], [3, 60]])
    gappy = w.entropy_weights([[1, 10], [2, 20], [np.nan, 5.0], [3, 60]])
    assert np.allclose(gappy.entropy[0], full.entropy[0])
    lonely = w.entropy_weights([[1, 10], [np.nan, 20], [np.nan, 60]])
    assert lonely.entropy[0] == 1.0  # one value says nothing about the rows


@settings(max_examples=80, deadline=None)
@given(
    hnp.arrays(
        np.float64, st.tuples(st.integers(2, 30), st.integers(1, 6)), elements=st.floats(-1e3, 1e3)
    )
)
def test_entropy_weights_sum_to_one(x):
    assume((np.ptp(x, axis=0) > 1e-9).any())
    for direction in ("benefit", "cost"):
        result = w.entropy_weights(x, direction)
        assert result.weights.sum() == pytest.approx(1.0)
        assert ((result.weights >= 0) & (result.weights <= 1)).all()
        assert ((result.entropy >= -1e-12) & (result.entropy <= 1 + 1e-12)).all()
