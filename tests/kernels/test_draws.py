"""双随机 draws (issue 9, done means 1): a fixed seed re-runs to the same result; no inspector
is drawn for an entity they declared a conflict with; each entity gets ≥ 2 inspectors; key
entities are drawn in full; the work is spread evenly — also over random pools."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yingji.kernels import draws

ENTITIES = [f"E{i:03d}" for i in range(200)]
PEOPLE = [f"P{i:02d}" for i in range(12)]


def test_a_fixed_seed_draws_the_same_and_the_record_verifies():
    first = draws.draw(ENTITIES, PEOPLE, seed="2026-抽查-001", key=["E007", "E100"])
    again = draws.draw(list(reversed(ENTITIES)), PEOPLE[::-1], seed="2026-抽查-001",
                       key=["E100", "E007"])  # fmt: skip
    assert (first.entities, dict(first.assignments)) == (again.entities, dict(again.assignments))
    assert len(first.entities) == 2 + math.ceil(0.05 * 198)  # key in full + 5 % of the rest
    assert {"E007", "E100"} <= set(first.entities)
    assert draws.verify(first, ENTITIES, PEOPLE, key=["E007", "E100"])
    assert not draws.verify(first, ENTITIES[:-1], PEOPLE, key=["E007", "E100"])  # inputs changed
    other = draws.draw(ENTITIES, PEOPLE, seed="2026-抽查-002", key=["E007", "E100"])
    assert other.entities != first.entities


def test_conflicts_are_respected_and_short_staffed_entities_reported():
    conflicts = {p: ["E001"] for p in PEOPLE[:-1]}  # only the last inspector may go to E001
    result = draws.draw(ENTITIES, PEOPLE, seed="s", key=["E001", "E002"], conflicts=conflicts)
    assert result.unstaffed == ("E001",) and "E001" not in result.assignments
    assert all(len(p) == 2 for p in result.assignments.values())


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"share": 0.01}, "share"), ({"share": float("nan")}, "share"),
        ({"per_entity": 1}, "at least"), ({"per_entity": True}, "at least"),
        ({"seed": ""}, "seed"), ({"key": ["nope"]}, "key entity"),
        ({"conflicts": {"ghost": ["E001"]}}, "unknown inspector"),
    ],
)  # fmt: skip
def test_bad_inputs_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        draws.draw(ENTITIES, PEOPLE, **{"seed": "s", **kwargs})
    with pytest.raises(ValueError, match="unique"):
        draws.draw(["A", "A"], PEOPLE, seed="s")
    with pytest.raises(ValueError, match="non-empty"):
        draws.draw(["A", "x" * 101], PEOPLE, seed="s")


@settings(max_examples=60, deadline=None)
@given(
    n_entities=st.integers(0, 80),
    n_people=st.integers(2, 10),
    share=st.floats(0.05, 1.0),
    data=st.data(),
)
def test_any_pool_gets_two_unconflicted_inspectors_per_entity_evenly(n_entities, n_people,
                                                                     share, data):  # fmt: skip
    entities = [f"E{i}" for i in range(n_entities)]
    people = [f"P{i}" for i in range(n_people)]
    key = data.draw(st.lists(st.sampled_from(entities), unique=True)) if entities else []
    conflicts = {
        p: data.draw(st.lists(st.sampled_from(entities), unique=True, max_size=5))
        for p in people if entities and data.draw(st.booleans())
    }  # fmt: skip
    seed = data.draw(st.text(min_size=1, max_size=20))
    result = draws.draw(entities, people, seed=seed, key=key, conflicts=conflicts, share=share)
    assert set(key) <= set(result.entities)
    others = n_entities - len(key)
    assert len(result.entities) - len(key) == min(others, math.ceil(share * others - 1e-9))
    for entity, chosen in result.assignments.items():
        assert len(chosen) == 2 == len(set(chosen))
        assert not any(entity in conflicts.get(p, ()) for p in chosen)
    for entity in result.unstaffed:
        assert sum(entity not in conflicts.get(p, ()) for p in people) < 2
    assert set(result.assignments) | set(result.unstaffed) == set(result.entities)
    if not conflicts and result.assignments:
        load = result.load()
        assert max(load.values()) - min(load.get(p, 0) for p in people) <= 1  # even spread
    assert draws.verify(result, entities, people, key=key, conflicts=conflicts, share=share)
