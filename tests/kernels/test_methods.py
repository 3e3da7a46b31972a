"""Risk-assessment methods (yingji.kernels.methods): STANDARDS.md §5 vectors and properties."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from yingji.kernels import methods as m

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
