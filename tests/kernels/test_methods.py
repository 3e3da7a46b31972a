"""Risk-assessment methods (yingji.kernels.methods): STANDARDS.md §5 vectors and properties."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from yingji.kernels import methods as m

SAATY = [1 / 9, 1 / 7, 1 / 5, 1 / 3, 1.0, 3.0, 5.0, 7.0, 9.0]


# --- Bands: the edge rule ---------------------------------------------------------------------


def test_the_edge_rule_decides_which_band_owns_a_threshold():
    lower = m.Bands((10.0, 20.0), ("low", "mid", "high"), inclusive="lower")
    upper = m.Bands((10.0, 20.0), ("low", "mid", "high"), inclusive="upper")
    values = [9.99, 10.0, 10.01, 20.0, 25.0]
    assert lower.classify(values).tolist() == [0, 1, 1, 2, 2]
    assert upper.classify(values).tolist() == [0, 0, 1, 1, 2]
    assert lower.label(20.0) == "high"
    assert upper.label(20.0) == "mid"


def test_a_missing_value_is_never_graded_as_a_band():
    bands = m.Bands((1.0,), ("low", "high"))
    assert bands.classify([np.nan, 0.0, 2.0]).tolist() == [-1, 0, 1]
    assert bands.label(float("nan")) is None


@pytest.mark.parametrize(
    ("thresholds", "labels", "inclusive", "message"),
    [
        ((1.0, 2.0), ("a", "b"), "lower", "one label more"),
        ((2.0, 1.0), ("a", "b", "c"), "lower", "non-decreasing"),
        ((1.0, np.inf), ("a", "b", "c"), "lower", "finite"),
        ((1.0,), ("a", "a"), "lower", "distinct"),
        ((1.0,), ("a", "b"), "both", "'lower' or 'upper'"),
    ],
)
def test_malformed_bands_are_refused(thresholds, labels, inclusive, message):
    with pytest.raises(ValueError, match=message):
        m.Bands(thresholds, labels, inclusive)


# --- LEC --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("c", "d", "band", "colour"),
    [(3, 108.0, "significant", "yellow"), (7, 252.0, "high", "orange")],
)
def test_published_lec_example_punch_press_without_guard(c, d, band, colour):
    # STANDARDS.md §5: 冲床 without guard, L = 6, E = 6; C = 3 → D = 108, C = 7 → D = 252.
    value = float(m.lec(6, 6, c))
    assert value == d
    assert m.LEC_GRAHAM_KINNEY.label(value) == band
    assert m.LEC_ZH[band] == {"significant": "显著危险", "high": "高度危险"}[band]
    assert m.LEC_FOUR_COLOUR.label(value) == colour


def test_lec_band_edges_follow_the_stated_rule():
    d70 = float(m.lec(10, 1, 7))  # reachable edge: 完全可以预料 × 每年几次 × 严重
    d20 = float(m.lec(0.5, 1, 40))
    assert (d70, d20) == (70.0, 20.0)
    # Default 从严从高: an edge value goes to the higher band.
    assert m.LEC_GRAHAM_KINNEY.label(d70) == "significant"
    assert m.LEC_GRAHAM_KINNEY.label(d20) == "general"
    assert m.LEC_FOUR_COLOUR.label(d70) == "yellow"
    assert m.LEC_GRAHAM_KINNEY.classify([160.0, 320.0]).tolist() == [3, 4]
    # The other reading of the sources (">320 极其危险", "160–320 高度危险"), made explicit.
    literal = m.Bands(m.LEC_GRAHAM_KINNEY.thresholds, m.LEC_GRAHAM_KINNEY.labels, "upper")
    assert [literal.label(v) for v in (20.0, 70.0, 160.0, 320.0)] == [
        "slight",
        "general",
        "significant",
        "high",
    ]


def test_lec_is_vectorised_and_matches_band_definitions_for_every_scale_combination():
    grid = np.array(list(itertools.product(m.LEC_L, m.LEC_E, m.LEC_C)))
    d = m.lec(grid[:, 0], grid[:, 1], grid[:, 2])
    assert d.shape == (len(grid),)
    expected = (d >= 20).astype(int) + (d >= 70) + (d >= 160) + (d >= 320)
    assert m.LEC_GRAHAM_KINNEY.classify(d).tolist() == expected.tolist()


def test_lec_refuses_values_off_the_scale_unless_told_otherwise():
    with pytest.raises(ValueError, match=r"LEC E = 5 is not on the scale"):
        m.lec(6, 5, 3)
    assert float(m.lec(6, 5, 3, strict=False)) == 90.0


# --- risk matrix ------------------------------------------------------------------------------


def test_risk_matrix_band_sets_differ_only_at_nine():
    likelihood, severity = np.meshgrid(np.arange(1, 6), np.arange(1, 6), indexing="ij")
    r, a = m.risk_matrix(likelihood, severity, m.MATRIX_SET_A)
    _, b = m.risk_matrix(likelihood, severity, m.MATRIX_SET_B)
    assert sorted(set(r.ravel().tolist())) == [1, 2, 3, 4, 5, 6, 8, 9, 10, 12, 15, 16, 20, 25]
    differs = a != b
    assert (r[differs] == 9).all() and differs.sum() == 1
    assert m.COLOURS[a[2, 2]] == "orange"  # set A: 9–16 较大
    assert m.COLOURS[b[2, 2]] == "yellow"  # set B: 4–9 一般


@pytest.mark.parametrize("bands", [m.MATRIX_SET_A, m.MATRIX_SET_B])
@pytest.mark.parametrize(
    ("products", "colour"), [((1, 2, 3), "blue"), ((4, 5, 6, 8), "yellow"), ((20, 25), "red")]
)
def test_risk_matrix_bands_agreed_by_both_sources(bands, products, colour):
    assert {bands.label(p) for p in products} == {colour}


def test_risk_matrix_table_and_validation():
    table = m.matrix_table()
    assert table[0][0] == "blue" and table[4][4] == "red" and table[2][2] == "orange"
    assert m.matrix_table(m.MATRIX_SET_B)[2][2] == "yellow"
    with pytest.raises(ValueError, match="likelihood must be an integer 1–5"):
        m.risk_matrix(6, 1)
    with pytest.raises(ValueError, match="severity"):
        m.risk_matrix(2, 2.5)


# --- AHP --------------------------------------------------------------------------------------

EXAMPLE = [[1, 1 / 4, 2], [4, 1, 8], [1 / 2, 1 / 8, 1]]


def test_published_ahp_example():
    assert np.asarray(EXAMPLE).sum(axis=0).tolist() == [5.5, 1.375, 11.0]
    result = m.ahp_weights(EXAMPLE)
    assert np.round(result.weights, 4).tolist() == [0.1818, 0.7273, 0.0909]
    assert result.lambda_max == pytest.approx(3.0, abs=1e-9)
    assert result.ci == pytest.approx(0.0, abs=1e-9)
    assert result.cr == pytest.approx(0.0, abs=1e-9)
    assert result.ri == 0.58


def test_ahp_accepts_reciprocals_typed_with_three_decimals():
    typed = [[1, 0.25, 2], [4, 1, 8], [0.5, 0.125, 1]]
    rounded = [[1, 3, 5], [0.333, 1, 3], [0.2, 0.333, 1]]
    exact = [[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 1 / 3, 1]]
    assert np.allclose(m.ahp_weights(typed).weights, m.ahp_weights(EXAMPLE).weights)
    assert np.allclose(m.ahp_weights(rounded).weights, m.ahp_weights(exact).weights, atol=1e-3)


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
        m.ahp_check(matrix)


def _consistent(weights: np.ndarray) -> np.ndarray:
    return weights[:, None] / weights[None, :]


def test_ahp_refuses_inconsistency_and_names_the_judgement_to_revisit():
    a = _consistent(np.array([4.0, 2.0, 2.0, 1.0]))
    a[0, 3], a[3, 0] = 1 / 5, 5.0  # "hazards" now judged far less important than "training"
    names = ["hazards", "alarms", "licensing", "training"]
    with pytest.raises(m.InconsistentJudgements) as caught:
        m.ahp_weights(a, names=names)
    message = str(caught.value)
    cr = caught.value.result.cr
    assert cr >= 0.1
    assert f"CR = {cr:.3f} ≥ 0.1" in message
    assert "Revisit first: hazards vs training: entered 1/5" in message
    worst = caught.value.result.judgements[0]
    assert (worst.row, worst.col) == (0, 3)
    # The editor can still show the figures without raising.
    assert m.ahp_check(a).cr == pytest.approx(cr)
    with pytest.raises(ValueError, match="3 names for a 4×4"):
        m.ahp_weights(a, names=names[:3])


def test_cr_at_exactly_the_limit_is_refused_and_just_below_is_accepted():
    a = _consistent(np.array([4.0, 2.0, 1.0]))
    a[0, 2], a[2, 0] = 2.0, 0.5
    ci = m.ahp_check(a).ci
    ri = ci / 0.1
    while ci / ri < 0.1:  # the largest RI for which CR is not below the limit in floating point
        ri = np.nextafter(ri, 0.0)
    with pytest.raises(m.InconsistentJudgements) as caught:
        m.ahp_weights(a, ri={3: ri})
    assert caught.value.result.cr == pytest.approx(0.1, abs=1e-15)
    assert m.ahp_weights(a, ri={3: np.nextafter(ci / 0.0999, np.inf)}).cr < 0.1


def test_ahp_small_and_oversized_matrices():
    assert m.ahp_weights([[1.0]]).weights.tolist() == [1.0]
    two = m.ahp_weights([[1, 3], [1 / 3, 1]])
    assert two.cr == 0.0 and np.allclose(two.weights, [0.75, 0.25])
    with pytest.raises(ValueError, match="hierarchy"):
        m.ahp_check(np.ones((11, 11)))


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(np.float64, st.integers(3, 10), elements=st.floats(0.1, 10.0)))
def test_ahp_recovers_the_weights_of_a_consistent_matrix(raw):
    result = m.ahp_weights(_consistent(raw))
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
    result = m.ahp_check(a)
    assert result.weights.sum() == pytest.approx(1.0)
    assert (result.weights > 0).all()
    assert result.lambda_max >= n - 1e-9  # Perron: λmax ≥ n for a positive reciprocal matrix
    if result.cr >= 0.1:
        with pytest.raises(m.InconsistentJudgements):
            m.ahp_weights(a)
    else:
        assert np.array_equal(m.ahp_weights(a).weights, result.weights)


# --- entropy ----------------------------------------------------------------------------------


def test_entropy_test_vector():
    result = m.entropy_weights([[1, 10], [2, 20], [3, 60]])
    assert np.round(result.entropy, 5).tolist() == [0.57938, 0.41012]
    assert np.round(result.weights, 5).tolist() == [0.41625, 0.58375]


def test_entropy_gives_a_constant_column_no_weight_and_handles_zeros():
    with np.errstate(all="raise"):  # no 0·log 0 or 0/0 on the way
        result = m.entropy_weights([[1, 5, 0], [2, 5, 0], [3, 5, 7]])
    assert result.entropy[1] == 1.0 and result.weights[1] == 0.0
    assert result.weights.sum() == pytest.approx(1.0)
    # Column 3 is one non-zero among zeros: maximal concentration, e = 0.
    assert result.entropy[2] == pytest.approx(0.0)
    with pytest.raises(ValueError, match="varies"):
        m.entropy_weights([[1, 5], [1, 5]])


def test_entropy_leaves_missing_values_out_of_their_column():
    full = m.entropy_weights([[1, 10], [2, 20], [3, 60]])
    gappy = m.entropy_weights([[1, 10], [2, 20], [np.nan, 5.0], [3, 60]])
    assert np.allclose(gappy.entropy[0], full.entropy[0])
    lonely = m.entropy_weights([[1, 10], [np.nan, 20], [np.nan, 60]])
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
        result = m.entropy_weights(x, direction)
        assert result.weights.sum() == pytest.approx(1.0)
        assert ((result.weights >= 0) & (result.weights <= 1)).all()
        assert ((result.entropy >= -1e-12) & (result.entropy <= 1 + 1e-12)).all()


# --- normalisation ----------------------------------------------------------------------------


def test_minmax_directions_bounds_flat_columns_and_missing_values():
    x = [[0.0, 10.0, 4.0, np.nan], [5.0, 20.0, 4.0, 1.0], [10.0, 30.0, 4.0, 3.0]]
    out = m.minmax(x, ["benefit", "cost", "benefit", "cost"])
    assert out[:, 0].tolist() == [0.0, 0.5, 1.0]
    assert out[:, 1].tolist() == [1.0, 0.5, 0.0]
    assert out[:, 2].tolist() == [0.5, 0.5, 0.5]  # no spread: neutral, whatever the direction
    assert np.isnan(out[0, 3]) and out[1:, 3].tolist() == [1.0, 0.0]
    fixed = m.minmax([[-5.0], [2.0], [50.0]], "cost", bounds=(0.0, 10.0))
    assert fixed.ravel().tolist() == [1.0, 0.8, 0.0]  # clipped to the bounds
    with pytest.raises(ValueError, match="lo < hi"):
        m.minmax([[1.0]], bounds=(1.0, 1.0))
    with pytest.raises(ValueError, match="inf"):
        m.minmax([[np.inf], [1.0]])
    with pytest.raises(ValueError, match="directions for"):
        m.minmax([[1.0, 2.0]], ["benefit"])


def test_rank_averages_ties_and_skips_missing_values():
    x = [[1.0, np.nan], [2.0, 3.0], [2.0, 3.0], [5.0, 1.0]]
    out = m.rank(x, ["benefit", "cost"])
    assert out[:, 0].tolist() == [0.0, 0.5, 0.5, 1.0]
    assert np.isnan(out[0, 1]) and out[1:, 1].tolist() == [0.25, 0.25, 1.0]
    assert m.rank([[7.0], [np.nan]]).tolist()[0] == [0.5]


def test_column_range_matches_nanmin_and_nanmax_at_every_size():
    rng = np.random.default_rng(3)
    for rows in (1, 63, 1024, 1025, 70_001):
        x = rng.normal(size=(rows, 7))
        x[rng.random(x.shape) < 0.2] = np.nan
        x[:, 3] = np.nan  # all missing: NaN, as nanmin says (with a warning we do not emit)
        lo, hi = m.column_range(x)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            assert np.array_equal(lo, np.nanmin(x, axis=0), equal_nan=True)
            assert np.array_equal(hi, np.nanmax(x, axis=0), equal_nan=True)
    assert np.isnan(m.column_range(np.empty((0, 2)))).all()


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
    for method in (m.minmax, m.rank):
        before, after = method(x, "benefit"), method(raised, "benefit")
        assert after[row, col] >= before[row, col]
        before, after = method(x, "cost"), method(raised, "cost")
        assert after[row, col] <= before[row, col]
        out = method(x, "benefit")
        assert ((out >= 0) & (out <= 1)).all()
