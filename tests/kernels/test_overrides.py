"""从严从高 overrides: a fact sets a floor under the colour, never lowers it, and is named."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from yingji.kernels.overrides import Clause, Override, apply

COLUMNS = ("open_major_hazards", "major_source_grade", "hazchem_role", "licensing")
MAJOR = Override("major", "未整改重大隐患", (Clause("open_major_hazards", ">=", 1),), 2)
GRADE1 = Override("grade1", "一级重大危险源", (Clause("major_source_grade", ">=", 4),), 3)
UNLICENSED = Override(
    "unlicensed",
    "无证生产储存",
    (Clause("hazchem_role", ">=", 2), Clause("licensing", ">=", 1)),
    2,
)


def test_floor_applies_only_when_every_clause_holds():
    x = np.array([[1, 0, 0, 0], [0, 4, 0, 0], [0, 0, 2, 1], [0, 0, 2, 0], [0, 0, 1, 1]], float)
    fired = apply([0, 1, 0, 0, 3], COLUMNS, x, [MAJOR, GRADE1, UNLICENSED])
    assert fired.colour.tolist() == [2, 3, 2, 0, 3]
    assert fired.raised.tolist() == [True, True, True, False, False]
    assert fired.names_of(0) == ["major"]
    assert fired.names_of(2) == ["unlicensed"]
    assert fired.names_of(3) == []


def test_a_missing_value_does_not_fire_and_unscored_rows_stay_unscored():
    x = np.array([[np.nan, 0, 0, 0], [1, 0, 0, 0]])
    fired = apply([0, -1], COLUMNS, x, [MAJOR])
    assert fired.colour.tolist() == [0, -1]
    assert not fired.raised.any()


def test_bad_rules_are_refused():
    with pytest.raises(ValueError, match="unknown input"):
        apply([0], COLUMNS, [[0, 0, 0, 0]], [Override("x", "x", (Clause("nope", ">=", 1),), 1)])
    with pytest.raises(ValueError, match="operator"):
        Clause("licensing", "=>", 1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="finite"):
        Clause("licensing", ">=", float("nan"))
    with pytest.raises(ValueError, match="at least one clause"):
        Override("x", "x", (), 1)
    with pytest.raises(ValueError, match="min_colour 4"):
        apply(
            [0], COLUMNS, [[0, 0, 0, 0]], [Override("x", "x", (Clause("licensing", ">=", 0),), 4)]
        )


def test_round_trips_through_json_form():
    assert Override.from_dict(UNLICENSED.to_dict()) == UNLICENSED


@given(
    st.lists(
        st.tuples(st.integers(0, 3), st.integers(0, 3), st.integers(0, 5), st.integers(0, 2)),
        min_size=1,
        max_size=30,
    )
)
def test_overrides_never_lower_a_colour_and_more_facts_never_lower_it(rows):
    base = np.array([r[0] for r in rows])
    x = np.array([[r[1], r[2], 2, 0] for r in rows], float)
    final = apply(base, COLUMNS, x, [MAJOR, GRADE1]).colour
    assert (final >= base).all()
    worse = x + np.array([1, 1, 0, 0])
    assert (apply(base, COLUMNS, worse, [MAJOR, GRADE1]).colour >= final).all()
