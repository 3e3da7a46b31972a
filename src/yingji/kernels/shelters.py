"""Evacuees to shelters (避灾安置): place the people of villages in nearby shelters with room.

The rule (greedy, deterministic)
--------------------------------
1. Villages are taken in descending order of people still to place; ties by their given
   order. The largest groups go first because they are the hardest to fit and the most
   likely to be split.
2. Each village fills the shelters within ``max_km`` great-circle km (inclusive, with a
   relative tolerance of 1e-9 for rounding), nearest first (ties by the shelters' given
   order), each up to its remaining capacity, until the village is placed or no shelter in
   reach has room.
3. What cannot be placed stays with the village as its ``unplaced`` remainder. Capacity is
   never exceeded.

Its limits
----------
- It is not optimal. A large village may take the only shelter a smaller, remoter village
  could have reached, leaving that village unplaced although a different split would have
  placed everyone; and the total distance travelled is not minimised. A min-cost flow would
  do both; the greedy rule is kept because a duty officer can predict and explain it, and
  an assignment can be re-run after correcting the figures.
- Distance is the great-circle distance between the village's point (its centre) and the
  shelter, not a road route (see :mod:`yingji.kernels.dispatch` for the detour factor):
  mountain valleys and rivers can make a "near" shelter hard to reach.
- A village may be split over several shelters; families are kept together only to the
  extent that the person filling the shelter does so on the ground.
- Shelters are points with a head count; kinds (a school, a gym), accessibility and special
  needs (the elderly, the sick) are not modelled.

Candidate shelters for each village come from a k-d tree on unit vectors
(:func:`yingji.kernels.geo.unit_vectors`), so the cost is about villages × shelters in reach,
not villages × all shelters; exact distances are :func:`yingji.kernels.geo.haversine_km`.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.spatial import cKDTree  # type: ignore[import-untyped]

from yingji.kernels.geo import (
    EARTH_RADIUS_KM,
    chord_from_km,
    haversine_km,
    unit_vectors,
    validate_points,
)

__all__ = [
    "DEFAULT_MAX_KM",
    "Assignment",
    "Placed",
    "ReliefTiming",
    "assign",
    "relief_timing",
    "search_box",
]

IntArray = NDArray[np.int64]
DEFAULT_MAX_KM: Final = 20.0
"""How far evacuees are sent by default: a short drive, inside a county."""
MAX_PEOPLE: Final = 10**9  # per village or shelter: a sanity bound far above any real figure
_TOLERANCE: Final = 1e-9
_KM_PER_DEGREE: Final = math.radians(1) * EARTH_RADIUS_KM


@dataclass(frozen=True)
class Placed:
    """``people`` of village ``village`` go to shelter ``shelter``, ``km`` away (indices as
    given)."""

    village: int
    shelter: int
    people: int
    km: float


@dataclass(frozen=True)
class Assignment:
    placed: tuple[Placed, ...]  # in the order made (village order, then nearest first)
    unplaced: IntArray  # per village: people left without a shelter
    room: IntArray  # per shelter: capacity left after the assignment

    @property
    def total_placed(self) -> int:
        return sum(p.people for p in self.placed)

    @property
    def total_unplaced(self) -> int:
        return int(self.unplaced.sum())

    def by_village(self) -> dict[int, list[Placed]]:
        out: dict[int, list[Placed]] = {}
        for p in self.placed:
            out.setdefault(p.village, []).append(p)
        return out


def _counts(values: ArrayLike, n: int, what: str) -> IntArray:
    """Whole numbers ≥ 0, one per point, or ValueError naming ``what``."""
    raw = np.asarray(values)
    if raw.dtype == np.bool_ or raw.dtype.kind not in "iuf":
        raise ValueError(f"{what} must be whole numbers")
    if raw.shape != (n,):
        raise ValueError(f"{what} must have one value per point (got shape {raw.shape}, need {n})")
    as_float = raw.astype(np.float64)
    if not np.isfinite(as_float).all() or (as_float != np.floor(as_float)).any():
        raise ValueError(f"{what} must be whole numbers")
    if n and (as_float.min() < 0 or as_float.max() > MAX_PEOPLE):
        raise ValueError(f"{what} must be between 0 and {MAX_PEOPLE}")
    return as_float.astype(np.int64)


def assign(
    villages_lat: ArrayLike,
    villages_lon: ArrayLike,
    shelters_lat: ArrayLike,
    shelters_lon: ArrayLike,
    *,
    people: ArrayLike,
    room: ArrayLike,
    max_km: float = DEFAULT_MAX_KM,
) -> Assignment:
    """Place ``people[i]`` of each village in shelters with ``room[j]`` places left, by the
    greedy rule of this module. Bad input (mismatched lengths, non-finite or out-of-range
    points, negative or fractional counts, a distance that is not a positive number) raises
    ValueError naming the argument."""
    v_lat, v_lon = validate_points(villages_lat, villages_lon, what="villages")
    s_lat, s_lon = validate_points(shelters_lat, shelters_lon, what="shelters")
    need = _counts(people, v_lat.size, "people")
    left = _counts(room, s_lat.size, "room").copy()
    if isinstance(max_km, bool) or not isinstance(max_km, numbers.Real):
        raise ValueError("max_km must be a positive number of km")
    if not (math.isfinite(max_km) and max_km > 0):
        raise ValueError("max_km must be a positive number of km")
    unplaced = need.copy()
    placed: list[Placed] = []
    todo = [i for i in np.lexsort((np.arange(need.size), -need)) if need[i] > 0]
    if not todo or not s_lat.size:
        return Assignment(tuple(placed), unplaced, left)
    limit = float(max_km) * (1 + _TOLERANCE)
    tree = cKDTree(unit_vectors(s_lat, s_lon))
    reach = tree.query_ball_point(
        unit_vectors(v_lat[todo], v_lon[todo]), r=float(chord_from_km(limit)) * (1 + _TOLERANCE)
    )
    for village, found in zip(todo, reach, strict=True):
        candidates = np.array(sorted(found), dtype=np.intp)
        if not candidates.size:
            continue
        km = haversine_km(v_lat[village], v_lon[village], s_lat[candidates], s_lon[candidates])
        keep = km <= limit
        candidates, km = candidates[keep], km[keep]
        for k in np.argsort(km, kind="stable"):  # nearest first; ties keep the given order
            shelter = int(candidates[k])
            take = int(min(unplaced[village], left[shelter]))
            if take <= 0:
                continue
            left[shelter] -= take
            unplaced[village] -= take
            placed.append(Placed(int(village), shelter, take, float(km[k])))
            if unplaced[village] == 0:
                break
    return Assignment(tuple(placed), unplaced, left)


def search_box(lat: ArrayLike, lon: ArrayLike, km: float) -> tuple[float, float, float, float]:
    """``(min_lat, max_lat, min_lon, max_lon)`` around every point widened by ``km``: a cheap
    pre-filter for the shelters a database returns before :func:`assign` measures exactly.

    A degree of latitude is ``π R / 180`` km on the sphere; a degree of longitude shrinks with
    the cosine of the latitude, so the box uses the latitude farthest from the equator it
    reaches (and 1 % to spare). Not for the poles (the cosine is floored at 0.01)."""
    y, x = validate_points(lat, lon, what="points")
    if not y.size:
        raise ValueError("points: at least one point is needed")
    if isinstance(km, bool) or not isinstance(km, numbers.Real) or not 0 <= km < math.inf:
        raise ValueError("km must be a number ≥ 0")
    d_lat = 1.01 * float(km) / _KM_PER_DEGREE
    widest = min(90.0, float(np.abs(y).max()) + d_lat)
    d_lon = 1.01 * float(km) / (_KM_PER_DEGREE * max(0.01, math.cos(math.radians(widest))))
    return (float(y.min()) - d_lat, float(y.max()) + d_lat,
            float(x.min()) - d_lon, float(x.max()) + d_lon)  # fmt: skip


@dataclass(frozen=True)
class ReliefTiming:
    due: dt.datetime  # the event + the target
    hours_since_event: float  # at ``now`` (0 before the event)
    met_hours: float | None  # event → needs met (0 when met before the event); None: not met
    late: bool  # met after ``due``, or not met and ``now`` is past it


def relief_timing(
    occurred_at: dt.datetime, met_at: dt.datetime | None, now: dt.datetime, within: dt.timedelta
) -> ReliefTiming:
    """The time from an event to an affected group's basic needs met, against a target
    (met exactly at the target is on time). Hours are rounded to 0.01."""
    due = occurred_at + within

    def hours(moment: dt.datetime) -> float:
        return round(max(0.0, (moment - occurred_at).total_seconds() / 3600), 2)

    met = None if met_at is None else hours(met_at)
    return ReliefTiming(due, hours(now), met, (met_at or now) > due)
