"""Composite enterprise scoring (yingji.kernels.scoring): the model tree, scores, comparison."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from yingji.kernels import normalise
from yingji.kernels.methods import COLOURS, Bands
from yingji.kernels.scoring import (
    Group,
    Indicator,
    IndicatorModel,
    Missing,
    Scores,
    compare,
    score,
)

QUARTERS = Bands((25.0, 50.0, 75.0), COLOURS)


def model(missing: Missing = "worst") -> IndicatorModel:
    """Hazards (60 %: open hidden hazards, capped at 10; alarms, ranked) and management (40 %)."""
    hazards = Group(
        "hazards",
        "隐患与监测",
        3,
        (
            Indicator("open_hazards", "未整改隐患", "hazards.open", "cost", 2, bounds=(0, 10)),
            Indicator("alarms", "报警次数", "monitoring.alarms", "cost", 1, "rank"),
        ),
    )
    management = Group(
        "management",
        "安全管理",
        2,
        (
            Indicator("licensed", "许可有效", "licence.valid", "benefit", 1, bounds=(0, 1)),
            Indicator("training", "培训学时", "training.hours", "benefit", 1),
        ),
    )
    return IndicatorModel(
        "enterprise", 3, Group("root", "企业风险", 1, (hazards, management)), QUARTERS, missing
    )


def test_global_weights_multiply_down_the_tree_and_sum_to_one():
    mdl = model()
    assert mdl.columns == ("open_hazards", "alarms", "licensed", "training")
    assert np.allclose(mdl.weights, [0.4, 0.2, 0.2, 0.2])
    assert mdl.weights.sum() == pytest.approx(1.0)


def test_scores_contributions_and_colours_by_hand():
    x = np.array(
        [
            # open, alarms, licensed, training
            [0.0, 0.0, 1.0, 40.0],  # nothing wrong: lowest risk
            [10.0, 9.0, 0.0, 0.0],  # everything wrong (alarms tie for the top rank)
            [5.0, 3.0, 1.0, 20.0],  # half the hazards, middle alarms, licensed, half training
            [25.0, 9.0, 1.0, 10.0],  # hazards beyond the bound count as the bound
        ]
    )
    s = score(model(), x)
    expected = np.array(
        [
            [0.0, 0.0, 0.0, 0.0],
            [40.0, 100 * 0.2 * (2.5 / 3), 20.0, 20.0],  # alarms 9 ties rank 2.5 of 0..3
            [20.0, 100 * 0.2 * (1 / 3), 0.0, 10.0],
            [40.0, 100 * 0.2 * (2.5 / 3), 0.0, 15.0],
        ]
    )
    assert np.allclose(s.contributions, expected)
    assert np.allclose(s.total, expected.sum(axis=1))
    assert np.round(s.total, 2).tolist() == [0.0, 96.67, 36.67, 71.67]
    assert s.colour_names().tolist() == ["blue", "red", "yellow", "orange"]
    assert s.top(1, 2) == [("open_hazards", 40.0), ("licensed", 20.0)]
    assert (s.model, s.version, s.columns) == ("enterprise", 3, model().columns)
    assert s.incomplete.size == 0


def test_contributions_are_the_weighted_risk_share_from_the_methods_module():
    rng = np.random.default_rng(5)
    x = rng.uniform(0, 12, size=(200, 4))
    s = score(model(), x)
    w = model().weights * 100
    bounded = normalise.minmax(x[:, [0, 2]], ["cost", "benefit"], bounds=([0, 0], [10, 1]))
    assert np.allclose(s.contributions[:, [0, 2]], w[[0, 2]] * (1 - bounded))
    assert np.allclose(s.contributions[:, 1], w[1] * (1 - normalise.rank(x[:, [1]], "cost")[:, 0]))
    assert np.allclose(s.contributions[:, 3], w[3] * (1 - normalise.minmax(x[:, [3]])[:, 0]))


def test_a_score_on_a_threshold_takes_the_higher_colour():
    # Three equal indicators each at half risk: 3 × (100/3 × 0.5) is 50 + 7e-15 in floating
    # point; scores are rounded to 1e-9, so the edge is exact and 从严从高 makes it orange.
    leaves = tuple(Indicator(k, k, k, "cost", 1, bounds=(0, 2)) for k in "abc")
    mdl = IndicatorModel("m", 1, Group("root", "r", 1, leaves), QUARTERS)
    s = score(mdl, [[1.0, 1.0, 1.0], [0.5, 0.5, 0.5]])
    assert s.total.tolist() == [50.0, 25.0]
    assert s.colour_names().tolist() == ["orange", "yellow"]


def test_missing_values_follow_the_model_policy_and_are_listed():
    x = np.array([[0.0, 0.0, 1.0, np.nan], [0.0, 1.0, 1.0, 40.0], [0.0, 2.0, 1.0, 0.0]])
    worst = score(model("worst"), x)
    best = score(model("best"), x)
    assert worst.incomplete.tolist() == [0] == best.incomplete.tolist()
    assert worst.contributions[0, 3] == 20.0 and worst.total[0] == 20.0
    assert best.contributions[0, 3] == 0.0 and best.total[0] == 0.0
    assert worst.total[1:].tolist() == best.total[1:].tolist() == [10.0, 40.0]
    assert not np.isnan(worst.contributions).any()


def test_fixed_bounds_keep_a_score_stable_when_other_rows_change():
    rows = np.array([[3.0, 1.0, 1.0, 10.0], [0.0, 2.0, 0.0, 0.0]])
    more = np.vstack((rows, [[50.0, 7.0, 1.0, 90.0]]))
    a, b = score(model(), rows), score(model(), more)
    assert a.contributions[0, 0] == b.contributions[0, 0]  # fixed bounds: unchanged
    assert a.contributions[0, 3] != b.contributions[0, 3]  # data bounds: relative by design


def test_infinities_are_rejected_in_data_bounded_columns_and_clipped_in_fixed_ones():
    with pytest.raises(ValueError, match="'training' holds ±inf"):
        score(model(), [[0.0, 0.0, 1.0, np.inf], [0.0, 0.0, 1.0, 1.0]])
    s = score(model(), [[np.inf, 0.0, 1.0, 1.0], [0.0, 0.0, 1.0, 1.0]])
    assert s.contributions[0, 0] == 40.0


def test_the_matrix_must_follow_the_model_columns():
    with pytest.raises(ValueError, match=r"rows × 4 indicators \('open_hazards', 'alarms'"):
        score(model(), np.zeros((3, 5)))


def _leaf(key: str, **kw: object) -> Indicator:
    base: dict[str, object] = {"direction": "cost", "weight": 1.0}
    base.update(kw)
    return Indicator(key, key, key, **base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("root", "message"),
    [
        (Group("r", "r", 1, (_leaf("a"), _leaf("a"))), "duplicate key 'a'"),
        (Group("r", "r", 1, (_leaf("a", weight=-1.0),)), "weights ≥ 0"),
        (Group("r", "r", 1, (_leaf("a", weight=0.0),)), "sum to 0"),
        (Group("r", "r", 1, ()), "needs children"),
        (Group("r", "r", 1, (_leaf("a", direction="up"),)), "direction"),
        (Group("r", "r", 1, (_leaf("a", normalisation="zscore"),)), "normalisation"),
        (Group("r", "r", 1, (_leaf("a", bounds=(1.0, 1.0)),)), "lo < hi"),
        (Group("r", "r", 1, (_leaf("a", normalisation="rank", bounds=(0.0, 1.0)),)), "minmax"),
    ],
)
def test_malformed_models_are_refused(root, message):
    with pytest.raises(ValueError, match=message):
        IndicatorModel("m", 1, root, QUARTERS)


def test_colour_thresholds_must_lie_on_the_score_scale():
    with pytest.raises(ValueError, match=r"inside \(0, 100\)"):
        IndicatorModel(
            "m", 1, Group("r", "r", 1, (_leaf("a"),)), Bands((0.0, 50.0, 120.0), COLOURS)
        )


def test_a_model_round_trips_through_json():
    original = model()
    stored = json.loads(json.dumps(original.to_dict(), ensure_ascii=False))
    restored = IndicatorModel.from_dict(stored)
    assert restored == original
    assert np.array_equal(restored.weights, original.weights)
    with pytest.raises(ValueError, match="schema"):
        IndicatorModel.from_dict({**stored, "schema": 99})


def test_compare_lists_which_rows_change_colour():
    changes = compare([0, 1, 2, 3, 3, 1], [0, 2, 2, 1, 3, 2])
    assert changes.rows.tolist() == [1, 3, 5]
    assert changes.before.tolist() == [1, 3, 1] and changes.after.tolist() == [2, 1, 2]
    assert (changes.changed, changes.raised, changes.lowered) == (3, 2, 1)
    assert changes.summary() == [("yellow", "orange", 2), ("red", "yellow", 1)]
    assert changes.transitions.sum() == 6 and np.trace(changes.transitions) == 3
    with pytest.raises(ValueError, match="equal length"):
        compare([0, 1], [0])
    with pytest.raises(ValueError, match="unscored"):
        compare([0, -1], [0, 1])


def test_compare_two_model_versions_on_the_same_data():
    rng = np.random.default_rng(11)
    x = np.column_stack(
        (
            rng.integers(0, 12, 500),
            rng.poisson(3, 500),
            rng.integers(0, 2, 500),
            rng.uniform(0, 40, 500),
        )
    )
    current = model()
    stricter = IndicatorModel(
        current.name, current.version + 1, current.root, Bands((20.0, 40.0, 60.0), COLOURS)
    )
    a, b = score(current, x), score(stricter, x)
    changes = compare(a.colour, b.colour)
    assert changes.lowered == 0 and changes.raised == changes.changed > 0  # lower thresholds


matrices = hnp.arrays(
    np.float64,
    st.tuples(st.integers(2, 30), st.just(4)),
    elements=st.one_of(st.floats(-5, 50), st.just(np.nan)),
)


@settings(max_examples=150, deadline=None)
@given(matrices)
def test_contributions_sum_to_the_score_and_stay_within_the_weights(x):
    for policy in ("worst", "best"):
        s = score(model(policy), x)
        assert np.allclose(s.contributions.sum(axis=1), s.total, atol=1e-9)
        assert (s.contributions >= -1e-12).all()
        assert (s.contributions <= model().weights * 100 + 1e-9).all()
        assert ((s.total >= 0) & (s.total <= 100 + 1e-9)).all()
        assert ((s.colour >= 0) & (s.colour <= 3)).all()


@settings(max_examples=200, deadline=None)
@given(matrices.filter(lambda x: not np.isnan(x).any()), st.data())
def test_raising_a_benefit_indicator_never_raises_the_risk(x, data):
    # The score runs in the risk direction (higher = riskier): a benefit indicator (licensed,
    # training) can only lower it or leave it; a cost indicator (hazards, alarms) the reverse.
    mdl = model()
    row = data.draw(st.integers(0, x.shape[0] - 1))
    col = data.draw(st.integers(0, 3))
    raised = x.copy()
    raised[row, col] += data.draw(st.floats(0.0, 60.0))
    before, after = score(mdl, x), score(mdl, raised)
    if mdl.indicators[col].direction == "benefit":
        assert after.total[row] <= before.total[row]
        assert after.colour[row] <= before.colour[row]
    else:
        assert after.total[row] >= before.total[row]
        assert after.colour[row] >= before.colour[row]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(0.0, 10.0), min_size=2, max_size=6),
    st.lists(st.floats(0.01, 10.0), min_size=1, max_size=4),
)
def test_global_weights_always_sum_to_one(leaf_weights, group_weights):
    groups = tuple(
        Group(
            f"g{g}",
            "g",
            gw,
            tuple(_leaf(f"g{g}i{i}", weight=w + 0.001) for i, w in enumerate(leaf_weights)),
        )
        for g, gw in enumerate(group_weights)
    )
    mdl = IndicatorModel("m", 1, Group("root", "r", 1, groups), QUARTERS)
    assert mdl.weights.sum() == pytest.approx(1.0)
    assert (mdl.weights >= 0).all()


# --- totals without contributions, and contributions of a few rows ------------------------


def mixed(missing: Missing = "worst") -> IndicatorModel:
    """Every kind of column: fixed bounds (cost, benefit), data bounds, rank (both ways)."""
    return IndicatorModel(
        "mixed",
        1,
        Group(
            "root",
            "r",
            1,
            (
                Group(
                    "a",
                    "a",
                    2,
                    (
                        _leaf("capped", bounds=(0.0, 10.0), weight=3.0),
                        _leaf("alarms", normalisation="rank"),
                        _leaf("licensed", direction="benefit", bounds=(0.0, 1.0)),
                    ),
                ),
                Group(
                    "b",
                    "b",
                    1,
                    (
                        _leaf("training", direction="benefit", weight=2.0),
                        _leaf("area", weight=0.5),
                        _leaf("drills", direction="benefit", normalisation="rank"),
                    ),
                ),
            ),
        ),
        QUARTERS,
        missing,
    )


def reference(mdl: IndicatorModel, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Contributions and incomplete rows, column by column with the normalise module."""
    w = mdl.weights * 100
    risk = np.empty(x.shape)
    for j, leaf in enumerate(mdl.indicators):
        column = x[:, [j]]
        if leaf.normalisation == "rank":
            u = normalise.rank(column, leaf.direction)
        elif leaf.bounds is not None:
            clipped = np.clip(column, *leaf.bounds)  # normalise refuses ±inf; it clips too
            u = normalise.minmax(clipped, leaf.direction, bounds=leaf.bounds)
        else:
            u = normalise.minmax(column, leaf.direction)
            known = column[~np.isnan(column)]
            spread = known.max() - known.min() if known.size else 0.0
            with np.errstate(divide="ignore", over="ignore"):
                if not np.isfinite(w[j] / spread):  # no spread, or weight/spread overflows
                    u = np.where(np.isnan(column), np.nan, 0.5)
        risk[:, j] = w[j] * (1 - u[:, 0])
    gaps = np.isnan(risk)
    fill = w if mdl.missing == "worst" else np.zeros_like(w)
    return np.where(gaps, fill, risk), np.flatnonzero(gaps.any(axis=1))


def assert_same_scores(fast: Scores, full: Scores) -> None:
    assert fast.contributions is None
    assert np.array_equal(fast.total, full.total)
    assert np.array_equal(fast.colour, full.colour)
    assert np.array_equal(fast.incomplete, full.incomplete)


def assert_matches_reference(mdl: IndicatorModel, x: np.ndarray, full: Scores) -> None:
    expected, incomplete = reference(mdl, x)
    assert full.contributions is not None
    assert np.allclose(full.contributions, expected, rtol=0, atol=1e-9)
    assert np.allclose(full.total, expected.sum(axis=1), rtol=0, atol=2e-9)
    assert np.allclose(full.contributions.sum(axis=1), full.total, rtol=0, atol=2e-9)
    assert np.array_equal(full.incomplete, incomplete)
    edges = np.asarray(mdl.colours.thresholds)
    clear = (np.abs(expected.sum(axis=1)[:, None] - edges) > 1e-8).all(axis=1)
    colours = mdl.colours.classify(expected.sum(axis=1))
    assert np.array_equal(full.colour[clear], colours[clear])


@st.composite
def mixed_matrices(draw: st.DrawFn) -> np.ndarray:
    x = draw(
        hnp.arrays(
            np.float64,
            st.tuples(st.integers(1, 40), st.just(6)),
            elements=st.one_of(st.floats(-5, 50), st.just(np.nan)),
        )
    )
    if draw(st.booleans()):  # a data-bounded column with no spread (NaN kept)
        x[:, 4] = np.where(np.isnan(x[:, 4]), np.nan, draw(st.floats(-5, 50)))
    if draw(st.booleans()):  # infinities in the fixed-bound columns: clipped, not missing
        rows = draw(st.lists(st.integers(0, x.shape[0] - 1), max_size=3))
        x[rows, draw(st.sampled_from([0, 2]))] = draw(st.sampled_from([np.inf, -np.inf]))
    return x


@settings(max_examples=300, deadline=None)
@given(mixed_matrices(), st.sampled_from(["worst", "best"]), st.data())
def test_totals_without_contributions_are_the_full_scores(x, policy, data):
    mdl = mixed(policy)
    full = score(mdl, x)
    fast = score(mdl, x, contributions=False)
    assert_same_scores(fast, full)
    assert_matches_reference(mdl, x, full)
    assert full.contributions is not None
    rows = data.draw(st.lists(st.integers(0, x.shape[0] - 1), max_size=8))
    assert np.array_equal(fast.fit.contributions(x, rows), full.contributions[rows])


def test_contributions_of_a_few_rows_use_the_normalisation_of_the_whole_run():
    # Data-bounded ranges and ranks come from all rows: row 0 alone would score differently.
    x = np.array([[2.0, 5.0, 1.0, 10.0, 3.0, 1.0], [8.0, 1.0, 0.0, 30.0, 9.0, 4.0]])
    full = score(mixed(), x)
    fast = score(mixed(), x, contributions=False)
    assert full.contributions is not None
    alone = score(mixed(), x[:1])
    assert not np.array_equal(alone.total, full.total[:1])
    assert np.array_equal(fast.fit.contributions(x, [0]), full.contributions[:1])
    second = np.array([False, True])
    assert np.array_equal(fast.fit.contributions(x, second), full.contributions[1:])
    assert np.array_equal(fast.fit.contributions(x), full.contributions)
    assert fast.fit.contributions(x, []).shape == (0, 6)
    assert np.allclose(fast.fit.lo[[0, 3]], [0.0, 10.0]) and np.isnan(fast.fit.lo[1])
    with pytest.raises(ValueError, match="fitted on 2 rows"):
        fast.fit.contributions(x[:1], [0])


def test_top_needs_contributions():
    x = np.array([[0.0, 0.0, 1.0, 40.0], [10.0, 9.0, 0.0, 0.0]])
    fast = score(model(), x, contributions=False)
    with pytest.raises(ValueError, match="contributions=False"):
        fast.top(0)
    assert score(model(), x).top(1, 1) == [("open_hazards", 40.0)]


def test_large_matrices_are_scored_in_blocks_on_all_cpus_with_the_same_result():
    # More rows than one block, so the threaded, blocked passes run; values beyond the fixed
    # bounds in a few rows only, missing values scattered.
    rng = np.random.default_rng(7)
    rows = 150_000
    x = np.column_stack(
        (
            rng.poisson(3.0, rows),
            rng.poisson(2.0, rows),
            rng.random(rows) < 0.9,
            rng.gamma(2.0, 30.0, rows),
            rng.uniform(0, 5, rows),
            rng.integers(0, 50, rows),
        )
    ).astype(np.float64)
    x[rng.integers(0, rows, 5), 0] = [11.0, 40.0, np.inf, -1.0, 12.0]
    x[rng.random(x.shape) < 0.002] = np.nan
    for policy in ("worst", "best"):
        mdl = mixed(policy)
        full = score(mdl, x)
        fast = score(mdl, x, contributions=False)
        assert_same_scores(fast, full)
        assert_matches_reference(mdl, x, full)
        assert full.contributions is not None
        assert full.fit.clipped.tolist() == [0]
        rows_ = rng.choice(rows, 1000, replace=False)
        assert np.array_equal(fast.fit.contributions(x, rows_), full.contributions[rows_])
        assert np.array_equal(fast.fit.contributions(x, slice(10, 20)), full.contributions[10:20])
        # A column-major copy is read another way (no folding) and scores the same.
        fortran = score(mdl, np.asfortranarray(x), contributions=False)
        assert np.array_equal(fortran.total, fast.total)
        assert np.array_equal(fortran.incomplete, fast.incomplete)


def test_values_far_from_zero_compared_with_their_range_keep_their_digits():
    # A timestamp-like column: x · slope alone would lose ~1e-3 points; totals stay exact.
    leaves = (_leaf("stamp", weight=1.0), _leaf("count", bounds=(0.0, 10.0)))
    mdl = IndicatorModel("m", 1, Group("r", "r", 1, leaves), QUARTERS)
    rng = np.random.default_rng(3)
    x = np.column_stack((1e12 + rng.uniform(0, 1, 500), rng.uniform(0, 10, 500)))
    full = score(mdl, x)
    fast = score(mdl, x, contributions=False)
    assert_same_scores(fast, full)
    assert full.contributions is not None
    assert np.allclose(full.contributions.sum(axis=1), full.total, rtol=0, atol=1e-9)


def test_an_empty_matrix_scores_nothing():
    fast = score(mixed(), np.empty((0, 6)), contributions=False)
    assert fast.total.shape == (0,) and fast.incomplete.size == 0
    assert fast.fit.contributions(np.empty((0, 6)), []).shape == (0, 6)
