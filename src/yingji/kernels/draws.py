"""双随机 (random inspection draws), reproducible and verifiable (STANDARDS.md §9).

A draw picks the entities to inspect — every key entity (重点, e.g. red or orange enterprises,
drawn in full) plus a share of the others (at least 5 % by default, rounded up) — and at least
two inspectors for each, at random, never an inspector who declared a conflict of interest
with that entity (回避), spreading the work evenly.

**Reproducible.** The result depends only on the seed and on the inputs as sets: entity and
inspector ids are sorted before anything is drawn, and the random stream is PCG64 seeded
from SHA-256 of the seed and the inputs' fingerprint. Anyone holding the recorded seed and
inputs re-runs :func:`draw` and gets the same entities and inspectors (:func:`verify`); the
fingerprint shows that the inputs were not changed after the fact.

**Load balancing.** Entities are visited in a random order; each takes its inspectors from
the eligible ones with the fewest assignments so far, ties broken at random. An entity with
fewer eligible inspectors than required is reported, not silently short-staffed.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final

import numpy as np

__all__ = ["MIN_INSPECTORS", "MIN_SHARE", "Draw", "draw", "fingerprint", "verify"]

MIN_SHARE: Final = 0.05
MIN_INSPECTORS: Final = 2


@dataclass(frozen=True)
class Draw:
    seed: str
    fingerprint: str  # SHA-256 of the inputs (sorted), hex
    entities: tuple[str, ...]  # drawn, sorted
    assignments: Mapping[str, tuple[str, ...]]  # entity → inspectors (sorted)
    unstaffed: tuple[str, ...] = field(default=())  # entities short of eligible inspectors

    def load(self) -> dict[str, int]:
        """Entities per inspector."""
        counts: dict[str, int] = {}
        for people in self.assignments.values():
            for person in people:
                counts[person] = counts.get(person, 0) + 1
        return counts


def _ids(values: Iterable[str], what: str) -> list[str]:
    out = []
    for value in values:
        if not isinstance(value, str) or not value or len(value) > 100 or "\x00" in value:
            raise ValueError(f"{what} ids must be non-empty text of at most 100 characters")
        out.append(value)
    if len(set(out)) != len(out):
        raise ValueError(f"{what} ids must be unique")
    return sorted(out)


def fingerprint(
    entities: Iterable[str],
    inspectors: Iterable[str],
    *,
    key: Iterable[str] = (),
    conflicts: Mapping[str, Iterable[str]] | None = None,
    share: float = MIN_SHARE,
    per_entity: int = MIN_INSPECTORS,
) -> str:
    """SHA-256 (hex) of the inputs in canonical form: what a re-run must be given."""
    canonical = {
        "entities": sorted(entities), "inspectors": sorted(inspectors), "key": sorted(key),
        "conflicts": {k: sorted(v) for k, v in sorted((conflicts or {}).items())},
        "share": repr(float(share)), "per_entity": int(per_entity),
    }  # fmt: skip
    data = json.dumps(canonical, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(data.encode()).hexdigest()


def draw(
    entities: Iterable[str],
    inspectors: Iterable[str],
    *,
    seed: str,
    key: Iterable[str] = (),
    conflicts: Mapping[str, Iterable[str]] | None = None,
    share: float = MIN_SHARE,
    per_entity: int = MIN_INSPECTORS,
) -> Draw:
    """Draw the entities and their inspectors (see the module docstring)."""
    pool = _ids(entities, "entity")
    people = _ids(inspectors, "inspector")
    key_set = set(_ids(key, "key entity"))
    if not key_set <= set(pool):
        raise ValueError("every key entity must be in the entity pool")
    if not isinstance(seed, str) or not seed or len(seed) > 200:
        raise ValueError("the seed must be non-empty text of at most 200 characters")
    if not (isinstance(share, int | float) and not isinstance(share, bool)
            and math.isfinite(share) and MIN_SHARE <= share <= 1):  # fmt: skip
        raise ValueError(f"the share must be between {MIN_SHARE} and 1")
    if isinstance(per_entity, bool) or not isinstance(per_entity, int) or per_entity < 2:
        raise ValueError(f"at least {MIN_INSPECTORS} inspectors per entity")
    barred: dict[str, set[str]] = {}
    for person, with_ in (conflicts or {}).items():
        if person not in people:
            raise ValueError(f"conflict declared by an unknown inspector {person!r}")
        barred[person] = set(with_)
    print_ = fingerprint(pool, people, key=key_set, conflicts=barred, share=share,
                         per_entity=per_entity)  # fmt: skip
    rng = np.random.Generator(
        np.random.PCG64(
            int.from_bytes(hashlib.sha256(f"{seed}\n{print_}".encode()).digest(), "big")
        )
    )
    others = [e for e in pool if e not in key_set]
    n = min(len(others), math.ceil(share * len(others) - 1e-9)) if others else 0
    picked = sorted(key_set | {others[i] for i in rng.choice(len(others), n, replace=False)})
    load = dict.fromkeys(people, 0)
    assignments: dict[str, tuple[str, ...]] = {}
    unstaffed: list[str] = []
    for index in rng.permutation(len(picked)).tolist():
        entity = picked[index]
        eligible = [p for p in people if entity not in barred.get(p, ())]
        if len(eligible) < per_entity:
            unstaffed.append(entity)
            continue
        chosen: list[str] = []
        for _ in range(per_entity):
            fewest = min(load[p] for p in eligible if p not in chosen)
            tied = [p for p in eligible if p not in chosen and load[p] == fewest]
            person = tied[int(rng.integers(len(tied)))]
            chosen.append(person)
            load[person] += 1
        assignments[entity] = tuple(sorted(chosen))
    return Draw(seed, print_, tuple(picked), assignments, tuple(sorted(unstaffed)))


def verify(
    recorded: Draw, entities: Iterable[str], inspectors: Iterable[str], **inputs: object
) -> bool:
    """True when re-running the draw with its seed and these inputs gives the recorded result."""
    again = draw(entities, inspectors, seed=recorded.seed, **inputs)  # type: ignore[arg-type]
    return (again.fingerprint, again.entities, dict(again.assignments), again.unstaffed) == (
        recorded.fingerprint,
        recorded.entities,
        dict(recorded.assignments),
        recorded.unstaffed,
    )
