"""Travel time from rescue bases to places: ranking for dispatch, k nearest, coverage (issue 8).

Travel-time model
-----------------
Without a road graph, travel time is estimated from the great-circle distance ``d`` (km)::

    minutes = launch + 60 × detour × d / speed

per mode of transport (:class:`GreatCircleModel`, all parameters in one frozen dataclass):

==========  ==========  ======  ==========  =============================================
mode        speed km/h  detour  launch min  why
==========  ==========  ======  ==========  =============================================
``ground``  60          1.3     0           rescue vehicles; the plan's "50 km / 1 h" circle
``air``     200         1.0     10          a helicopter at cruise, flying straight; take-off
                                            preparation before it leaves
==========  ==========  ======  ==========  =============================================

The detour (circuity) factor is the ratio of road distance to straight-line distance; studies
of road networks commonly find about 1.2–1.4 (e.g. Ballou, Rahardja & Sakai 2002, "Selected
country circuity factors for road travel distance estimation", Transportation Research
Part A 36), so 1.3 is a mid value. It is an approximation: mountain valleys, rivers and
islands (Zhoushan) can be far worse, and a real router should replace the model where that
matters. The model sits behind :class:`TravelModel`; the search below needs only that minutes
never decrease with distance.

Per-base delays
---------------
``extra_minutes`` (one value per base, ≥ 0) adds a base's own delay on top of the model, e.g.
a volunteer team that must assemble, or a landing point whose helicopter comes from elsewhere.
The k nearest by time are then not simply the k nearest by distance, so :func:`nearest`
queries more candidates from the k-d tree and re-ranks them exactly: a base outside the
``m`` nearest candidates is at least as far as the m-th, so it needs at least
``minutes(d_m) + min(extra)``; once the k-th best time is within that bound, nothing outside
can beat it, otherwise ``m`` grows (×4) for those targets only, up to every base. With equal
delays the first query (m = k) already satisfies the bound.

Coverage
--------
A target is covered when some base is within ``radius_km`` great-circle km **and** reachable
within ``max_minutes`` (both inclusive, like :func:`yingji.kernels.targeting.in_circle`, with a
relative tolerance of 1e-9 for rounding). The plan's rules are :data:`GROUND_RADIUS_KM` /
:data:`GROUND_MAX_MINUTES` for ground bases and :data:`AIR_MAX_MINUTES` for helicopter bases
and landing points. With the default ground model the hour binds first: 60 min at 60 km/h
× 1.3 is 46.2 km great-circle, inside the 50 km.

Distances reported are great-circle km (multiply by the detour for the road estimate).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final, Literal, Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.spatial import cKDTree  # type: ignore[import-untyped]

from yingji.kernels.arrays import BoolArray, FloatArray
from yingji.kernels.geo import haversine_km, km_from_chord, unit_vectors, validate_points

__all__ = [
    "AIR_MAX_MINUTES",
    "DEFAULT_MODEL",
    "GROUND_MAX_MINUTES",
    "GROUND_RADIUS_KM",
    "MODES",
    "Coverage",
    "GreatCircleModel",
    "Mode",
    "TravelModel",
    "coverage",
    "nearest",
    "rank",
]

IntArray = NDArray[np.intp]
Mode = Literal["ground", "air"]
MODES: Final = ("ground", "air")

GROUND_RADIUS_KM: Final = 50.0
"""The plan's ground rescue circle: 50 km …"""
GROUND_MAX_MINUTES: Final = 60.0
"""… and 1 hour."""
AIR_MAX_MINUTES: Final = 30.0
"""The plan's aviation response: 30 minutes anywhere in the province."""

_TOLERANCE: Final = 1e-9  # relative slack on the inclusive limits (float rounding only)


class TravelModel(Protocol):
    """Minutes to travel great-circle distances by a mode, launch included.

    Implementations must be non-decreasing in distance (the k-d tree search relies on it).
    """

    def minutes(self, distance_km: FloatArray, mode: Mode) -> FloatArray: ...


@dataclass(frozen=True)
class GreatCircleModel:
    """``launch + 60 × detour × km / speed`` per mode; see the module docstring for values."""

    ground_speed_kmh: float = 60.0
    ground_detour: float = 1.3
    ground_launch_minutes: float = 0.0
    air_speed_kmh: float = 200.0
    air_detour: float = 1.0
    air_launch_minutes: float = 10.0

    def __post_init__(self) -> None:
        for mode in MODES:
            speed, detour, launch = self._params(mode)
            if not (math.isfinite(speed) and speed > 0):
                raise ValueError(f"{mode}_speed_kmh must be a positive number")
            if not (math.isfinite(detour) and detour >= 1):
                raise ValueError(f"{mode}_detour must be a number ≥ 1")
            if not (math.isfinite(launch) and launch >= 0):
                raise ValueError(f"{mode}_launch_minutes must be a number ≥ 0")

    def _params(self, mode: str) -> tuple[float, float, float]:
        if mode == "ground":
            return self.ground_speed_kmh, self.ground_detour, self.ground_launch_minutes
        if mode == "air":
            return self.air_speed_kmh, self.air_detour, self.air_launch_minutes
        raise ValueError(f"mode must be one of {', '.join(MODES)} (got {mode!r})")

    def minutes(self, distance_km: FloatArray, mode: Mode) -> FloatArray:
        speed, detour, launch = self._params(mode)
        result: FloatArray = launch + np.asarray(distance_km, dtype=np.float64) * (
            60.0 * detour / speed
        )
        return result


DEFAULT_MODEL: Final = GreatCircleModel()


@dataclass(frozen=True)
class Coverage:
    """Per target: covered, and the base that covers it fastest (when covered) or else the
    fastest base at all; ``base`` is -1 and ``km``/``minutes`` inf when there is no base."""

    covered: BoolArray
    base: IntArray
    km: FloatArray
    minutes: FloatArray


def _bases(
    lat: ArrayLike, lon: ArrayLike, eligible: ArrayLike | None, extra: ArrayLike | None
) -> tuple[FloatArray, FloatArray, IntArray, FloatArray]:
    """Validated bases reduced to the eligible ones: lat, lon, original index, extra minutes."""
    y, x = validate_points(lat, lon, what="bases")
    keep = np.arange(y.size)
    if eligible is not None:
        mask = np.asarray(eligible)
        if mask.shape != y.shape or mask.dtype != np.bool_:
            raise ValueError("eligible must be a boolean array with one value per base")
        keep = np.flatnonzero(mask)
    delay = np.zeros(y.size)
    if extra is not None:
        try:
            delay = np.asarray(extra, dtype=np.float64)
        except (TypeError, ValueError) as error:
            raise ValueError("extra_minutes must be numbers") from error
        if delay.shape != y.shape:
            raise ValueError("extra_minutes must have one value per base")
        if not (np.isfinite(delay).all() and (delay >= 0).all()):
            raise ValueError("extra_minutes must be finite numbers ≥ 0")
    return y[keep], x[keep], keep, delay[keep]


def _limit(value: float | None, name: str) -> float:
    if value is None:
        return math.inf
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive number")
    return float(value) * (1 + _TOLERANCE)


def _search(
    bases: tuple[FloatArray, FloatArray, IntArray, FloatArray],
    targets: FloatArray,
    k: int,
    *,
    model: TravelModel,
    mode: Mode,
    max_km: float = math.inf,
    max_minutes: float = math.inf,
) -> tuple[IntArray, FloatArray, FloatArray]:
    """Per target (unit vectors), the k fastest bases within the limits: index, minutes, km."""
    lat, lon, keep, extra = bases
    n, n_bases = targets.shape[0], lat.size
    index = np.full((n, k), -1, dtype=np.intp)
    minutes = np.full((n, k), np.inf)
    km = np.full((n, k), np.inf)
    model.minutes(np.zeros(1), mode)  # an unknown mode fails here, even with nothing to do
    if n == 0 or n_bases == 0:
        return index, minutes, km
    tree = cKDTree(unit_vectors(lat, lon))
    least_extra = float(extra.min())
    todo = np.arange(n)
    width = min(k, n_bases)
    while todo.size:
        chord, found = tree.query(targets[todo], k=width)
        found = np.asarray(found, dtype=np.intp).reshape(todo.size, width)
        d = km_from_chord(np.reshape(chord, (todo.size, width)))
        t = model.minutes(d, mode) + extra[found]
        t = np.where((d <= max_km) & (t <= max_minutes), t, np.inf)
        order = np.argsort(t, axis=1, kind="stable")[:, :k]
        best = np.take_along_axis(t, order, axis=1)
        # Anything outside the candidates is at least as far as the farthest candidate.
        farthest = d[:, -1]
        floor = model.minutes(farthest, mode) + least_extra
        beyond = (farthest <= max_km) & (floor <= max_minutes)  # could an outsider qualify?
        done = np.full(todo.size, width == n_bases)
        if width >= k:
            done |= (best[:, -1] <= floor) | ~beyond
        rows, got = todo[done], order[done]
        ok = np.isfinite(best[done])
        cols = got.shape[1]
        index[rows, :cols] = np.where(ok, keep[np.take_along_axis(found[done], got, 1)], -1)
        minutes[rows, :cols] = np.where(ok, best[done], np.inf)
        km[rows, :cols] = np.where(ok, np.take_along_axis(d[done], got, 1), np.inf)
        todo = todo[~done]
        width = min(n_bases, width * 4)
    return index, minutes, km


def _k(k: int) -> int:
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise ValueError(f"k must be an integer ≥ 1 (got {k!r})")
    return int(k)


def nearest(
    bases_lat: ArrayLike,
    bases_lon: ArrayLike,
    targets_lat: ArrayLike,
    targets_lon: ArrayLike,
    k: int,
    *,
    model: TravelModel = DEFAULT_MODEL,
    mode: Mode,
    eligible: ArrayLike | None = None,
    extra_minutes: ArrayLike | None = None,
) -> tuple[IntArray, FloatArray]:
    """Per target, the k fastest eligible bases: (indices[n, k], minutes[n, k]), ascending.

    Indices are into the bases as given. With fewer than k eligible bases the rows are padded
    with -1 and inf. Equal times may come in either order.
    """
    k = _k(k)
    bases = _bases(bases_lat, bases_lon, eligible, extra_minutes)
    y, x = validate_points(targets_lat, targets_lon, what="targets")
    index, minutes, _ = _search(bases, unit_vectors(y, x), k, model=model, mode=mode)
    return index, minutes


def rank(
    bases_lat: ArrayLike,
    bases_lon: ArrayLike,
    lat: float,
    lon: float,
    *,
    model: TravelModel = DEFAULT_MODEL,
    mode: Mode,
    eligible: ArrayLike | None = None,
    extra_minutes: ArrayLike | None = None,
) -> tuple[IntArray, FloatArray]:
    """Every eligible base for one incident at (lat, lon), fastest first: (indices, minutes).

    Ties keep the bases' given order. Ineligible bases are left out.
    """
    y, x = validate_points([lat], [lon], what="incident")
    b_lat, b_lon, keep, extra = _bases(bases_lat, bases_lon, eligible, extra_minutes)
    t = model.minutes(haversine_km(y[0], x[0], b_lat, b_lon), mode) + extra
    order = np.argsort(t, kind="stable")
    return keep[order], t[order]


def coverage(
    bases_lat: ArrayLike,
    bases_lon: ArrayLike,
    targets_lat: ArrayLike,
    targets_lon: ArrayLike,
    *,
    radius_km: float | None = None,
    max_minutes: float | None = None,
    model: TravelModel = DEFAULT_MODEL,
    mode: Mode,
    eligible: ArrayLike | None = None,
    extra_minutes: ArrayLike | None = None,
) -> Coverage:
    """Which targets some base reaches within ``radius_km`` and ``max_minutes`` (inclusive).

    Give at least one of the limits. Ground rule of the plan:
    ``radius_km=GROUND_RADIUS_KM, max_minutes=GROUND_MAX_MINUTES, mode="ground"``; aviation:
    ``max_minutes=AIR_MAX_MINUTES, mode="air"``. No bases: nothing is covered.
    """
    if radius_km is None and max_minutes is None:
        raise ValueError("coverage needs radius_km or max_minutes (or both)")
    max_km = _limit(radius_km, "radius_km")
    max_t = _limit(max_minutes, "max_minutes")
    bases = _bases(bases_lat, bases_lon, eligible, extra_minutes)
    y, x = validate_points(targets_lat, targets_lon, what="targets")
    xyz = unit_vectors(y, x)
    index, minutes, km = _search(
        bases, xyz, 1, model=model, mode=mode, max_km=max_km, max_minutes=max_t
    )
    covered = index[:, 0] >= 0
    missed = np.flatnonzero(~covered)
    if missed.size:
        other = _search(bases, xyz[missed], 1, model=model, mode=mode)
        index[missed], minutes[missed], km[missed] = other
    return Coverage(covered, index[:, 0], km[:, 0], minutes[:, 0])
