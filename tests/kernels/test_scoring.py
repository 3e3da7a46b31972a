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
from yingji.kernels.scoring import Group, Indicator, IndicatorModel, Missing, compare, score

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
