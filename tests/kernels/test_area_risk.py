"""Natural-disaster area risk (yingji.kernels.area_risk): formula, levels, classifiers."""

from __future__ import annotations

import itertools
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from yingji.kernels.area_risk import (
    HAZARD_ZH,
    HAZARDS,
    LEVEL_COLOUR,
    LEVEL_ZH,
    LEVELS,
    Fixed,
    NaturalBreaks,
    Quantiles,
    assess,
    jenks_breaks,
    risk_index,
)
from yingji.kernels.methods import COLOUR_ZH, Bands


def test_five_levels_and_colours_as_in_standards_section_6():
    assert [LEVEL_ZH[level] for level in LEVELS] == ["低", "中低", "中", "中高", "高"]
    # Assumed mapping (§6): 高→红, 中高→橙, 中→黄, 中低→蓝, 低→绿.
    assert [COLOUR_ZH[LEVEL_COLOUR[level]] for level in reversed(LEVELS)] == list("红橙黄蓝绿")
    assert [HAZARD_ZH[h] for h in HAZARDS] == ["洪涝", "台风", "地质灾害", "森林火灾", "地震"]


def test_risk_is_hazard_times_exposure_times_vulnerability_over_capacity():
    hazard = np.array([[0.8, 0.2], [0.5, 0.5]])
    exposure = np.array([0.5, 1.0])  # per region: the same for every hazard type
    vulnerability = np.array([[0.5, 0.5], [0.2, 0.4]])
    capacity = np.array([2.0, 0.5])  # better-prepared region 0 halves, region 1 doubles
    r = risk_index(hazard, exposure, vulnerability, capacity)
    assert np.allclose(r, [[0.1, 0.025], [0.2, 0.4]])
    assert risk_index([0.9], [0.0], [1.0], [1.0]).tolist() == [[0.0]]  # nothing exposed


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (([1.0], [1.0], [1.0], [0.0]), "capacity must be finite and > 0"),
        (([1.0], [-1.0], [1.0], [1.0]), "exposure must be finite and ≥ 0"),
        (([np.inf], [1.0], [1.0], [1.0]), "hazard"),
        (([[[1.0]]], [1.0], [1.0], [1.0]), "regions"),
        (([1.0, 2.0], [1.0, 2.0, 3.0], [1.0], [1.0]), r"types\): \[\(2, 1\), \(3, 1\)"),
    ],
)
def test_invalid_area_inputs_are_refused(args, message):
    with pytest.raises(ValueError, match=message):
        risk_index(*args)


def test_missing_input_gives_no_level_and_overall_takes_the_worst_type():
    h = np.array([[0.1, 0.9], [np.nan, np.nan], [0.5, np.nan]])
    bands = Bands((0.2, 0.4, 0.6, 0.8), LEVELS)
    result = assess(
        h,
        1.0 * np.ones(3),
        np.ones(3),
        np.ones(3),
        classifier=Fixed(bands),
        hazards=("flood", "typhoon"),
    )
    assert result.level.tolist() == [[0, 4], [-1, -1], [2, -1]]
    assert result.overall.tolist() == [4, -1, 2]
    with pytest.raises(ValueError, match="expected 5 hazard columns"):
        assess(h, 1.0, 1.0, 1.0, classifier=Fixed(bands))


def test_breaks_fitted_on_the_province_can_leave_a_county_without_high_areas():
    # Like the published 沧州 result ("无高、中高和中风险区"): fixed thresholds, fitted once.
    rng = np.random.default_rng(2)
    province = rng.lognormal(size=(5000, 1))
    bands = NaturalBreaks().fit(province[:, 0])
    county = np.sort(province[:, 0])[:300, None]  # the least exposed 300 villages
    result = assess(county, 1.0, 1.0, 1.0, classifier=Fixed(bands), hazards=("flood",))
    assert set(result.level.ravel().tolist()) <= {0, 1}


def test_classic_natural_breaks():
    values = [1, 2, 3, 10, 11, 12, 20, 21, 22]
    assert jenks_breaks(values, 3).tolist() == [3.0, 12.0]
    # An outlier takes a class of its own, and the two lowest groups merge.
    assert jenks_breaks([*values, 50], 3).tolist() == [12.0, 22.0]
    assert jenks_breaks([*values, 50], 4).tolist() == [3.0, 12.0, 22.0]
    bands = NaturalBreaks(labels=("a", "b", "c")).fit(np.asarray(values, dtype=float))
    assert bands.classify([3.0, 3.5, 12.0, 12.5]).tolist() == [
        0,
        1,
        1,
        2,
    ]  # breaks are upper limits


def test_natural_breaks_with_fewer_distinct_values_than_classes():
    assert jenks_breaks([2.0, 2.0, 7.0, 7.0], 5).tolist() == [2.0, 7.0, 7.0, 7.0]
    bands = NaturalBreaks().fit(np.array([2.0, 2.0, 7.0]))
    assert bands.classify([2.0, 7.0]).tolist() == [0, 1]
    assert jenks_breaks([np.nan], 5).tolist() == [0.0] * 4


def _within_ssd(values: np.ndarray, breaks: np.ndarray) -> float:
    classes = np.searchsorted(breaks, values, side="left")
    return float(
        sum(
            ((values[classes == c] - values[classes == c].mean()) ** 2).sum()
            for c in np.unique(classes)
        )
    )


@settings(max_examples=150, deadline=None)
@given(
    hnp.arrays(np.float64, st.integers(2, 11), elements=st.integers(0, 40).map(float)),
    st.integers(2, 5),
)
def test_natural_breaks_are_optimal_against_brute_force(values, k):
    distinct = np.unique(values)
    breaks = jenks_breaks(values, k)
    assert (np.diff(breaks) >= 0).all()
    if distinct.size <= k:
        return
    best = min(
        _within_ssd(values, distinct[list(cut)])
        for cut in itertools.combinations(range(distinct.size - 1), k - 1)
    )
    assert _within_ssd(values, breaks) == pytest.approx(best, abs=1e-9)
    assert len(set(np.searchsorted(breaks, values, side="left").tolist())) == k  # no empty class


def test_quantiles_make_equal_count_classes():
    values = np.arange(1.0, 101.0)
    bands = Quantiles().fit(values)
    assert np.bincount(bands.classify(values)).tolist() == [20] * 5
    assert bands.inclusive == "upper"
    empty = Quantiles().fit(np.array([np.nan]))
    assert empty.thresholds == (0.0,) * 4


@pytest.mark.parametrize("classifier", [Quantiles(), NaturalBreaks()])
def test_classifiers_fit_each_hazard_type_separately_unless_pooled(classifier):
    rng = np.random.default_rng(8)
    h = rng.random((400, 5)) * np.array([1, 10, 100, 1000, 10000])  # types on different scales
    per_type = assess(h, 1.0, 1.0, 1.0, classifier=classifier)
    pooled = assess(h, 1.0, 1.0, 1.0, classifier=classifier, pooled=True)
    assert all((np.bincount(per_type.level[:, t], minlength=5) > 0).all() for t in range(5))
    assert len(set(pooled.bands)) == 1
    assert pooled.level[:, 0].max() < 4 and (pooled.level[:, 4] == 4).any()  # one scale for all


@settings(max_examples=100, deadline=None)
@given(
    hnp.arrays(
        np.float64,
        st.tuples(st.integers(1, 60), st.integers(1, 3)),
        elements=st.one_of(st.floats(0, 1e6), st.just(np.nan)),
    ),
    st.sampled_from(["quantiles", "jenks", "fixed"]),
    st.booleans(),
)
def test_every_value_lands_in_exactly_one_class_in_value_order(h, kind, pooled):
    classifier = {
        "quantiles": Quantiles(),
        "jenks": NaturalBreaks(),
        "fixed": Fixed(Bands((10.0, 100.0, 1e3, 1e4), LEVELS)),
    }[kind]
    types = HAZARDS[: h.shape[1]]
    result = assess(h, 1.0, 1.0, 1.0, classifier=classifier, hazards=types, pooled=pooled)
    known = ~np.isnan(h)
    assert ((result.level >= 0) & (result.level <= 4))[known].all()
    assert (result.level[~known] == -1).all()
    for t in range(h.shape[1]):
        column, levels = h[known[:, t], t], result.level[known[:, t], t]
        order = np.argsort(column, kind="stable")
        assert (np.diff(levels[order]) >= 0).all()  # a higher risk never gets a lower level
        for value in np.unique(column):
            assert len(set(levels[column == value].tolist())) == 1  # ties are never split


def test_all_villages_are_classified_quickly():
    # Complexity guard, not a benchmark: the textbook O(k·n²) Jenks takes minutes here.
    rng = np.random.default_rng(4)
    h = rng.lognormal(size=(25_500, 5))
    start = time.perf_counter()
    result = assess(
        h,
        rng.random(25_500),
        rng.random((25_500, 5)),
        0.5 + rng.random(25_500),
        classifier=NaturalBreaks(),
    )
    assert time.perf_counter() - start < 10
    assert (result.level >= 0).all()
