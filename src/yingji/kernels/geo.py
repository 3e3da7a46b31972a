"""Distances on the Earth for the response kernels: great-circle km, unit vectors and chords.

Points are WGS-84 latitude and longitude in degrees, as the regions and registry tables keep
them. Distances are on a sphere of the mean Earth radius (6,371.0088 km, the constant of
:mod:`yingji.kernels.targeting`, shared so that a warning circle and a rescue circle agree);
the sphere differs from the ellipsoid by under 0.5 %, far inside the error of any travel-time
estimate made from it.

Nearest-point search runs on unit 3-D vectors (:func:`unit_vectors`) in a k-d tree: the
straight-line chord between two points on the unit sphere is ``2 sin(θ / 2)`` for a central
angle θ, which grows strictly with θ on [0, π], so the k nearest by chord are the k nearest by
great-circle distance, and :func:`km_from_chord` / :func:`chord_from_km` convert exactly.
Vectors also have no seam: two points either side of the antimeridian are neighbours.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from yingji.kernels.arrays import FloatArray
from yingji.kernels.targeting import EARTH_RADIUS_KM

__all__ = [
    "EARTH_RADIUS_KM",
    "chord_from_km",
    "haversine_km",
    "km_from_chord",
    "unit_vectors",
    "validate_points",
]

HALF_CIRCUMFERENCE_KM = math.pi * EARTH_RADIUS_KM
"""The longest great-circle distance (antipodes), about 20,015 km."""


def haversine_km(lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike) -> FloatArray:
    """Great-circle km between (lat1, lon1) and (lat2, lon2), broadcast like numpy.

    ``haversine_km(lat[:, None], lon[:, None], lat_b, lon_b)`` gives a points × bases matrix.
    The haversine form stays accurate for short distances, where the spherical law of cosines
    loses digits. Scalars in give a 0-d array (``float()`` it).
    """
    phi1 = np.radians(np.asarray(lat1, dtype=np.float64))
    phi2 = np.radians(np.asarray(lat2, dtype=np.float64))
    d_phi = phi2 - phi1
    d_lambda = np.radians(np.asarray(lon2, dtype=np.float64) - np.asarray(lon1, dtype=np.float64))
    h = np.sin(d_phi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(d_lambda / 2) ** 2
    distance: FloatArray = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    return distance


def unit_vectors(lat: ArrayLike, lon: ArrayLike) -> FloatArray:
    """Points as unit vectors (x, y, z) on the unit sphere; shape ``(*shape, 3)``."""
    phi = np.radians(np.asarray(lat, dtype=np.float64))
    lam = np.radians(np.asarray(lon, dtype=np.float64))
    cos_phi = np.cos(phi)
    xyz: FloatArray = np.stack((cos_phi * np.cos(lam), cos_phi * np.sin(lam), np.sin(phi)), -1)
    return xyz


def chord_from_km(km: ArrayLike) -> FloatArray:
    """The unit-sphere chord of a great-circle distance (capped at the antipodes: 2)."""
    angle = np.clip(np.asarray(km, dtype=np.float64), 0.0, HALF_CIRCUMFERENCE_KM) / EARTH_RADIUS_KM
    chord: FloatArray = 2 * np.sin(angle / 2)
    return chord


def km_from_chord(chord: ArrayLike) -> FloatArray:
    """The great-circle km of a unit-sphere chord; ``inf`` stays ``inf`` (a k-d tree's "none")."""
    c = np.asarray(chord, dtype=np.float64)
    km: FloatArray = np.where(
        np.isfinite(c), 2 * EARTH_RADIUS_KM * np.arcsin(np.clip(c / 2, 0.0, 1.0)), np.inf
    )
    return km


def validate_points(
    lat: ArrayLike, lon: ArrayLike, *, what: str = "points"
) -> tuple[FloatArray, FloatArray]:
    """Latitude and longitude as 1-D float arrays, or ValueError naming ``what`` and the rule.

    The rules: the same length, finite numbers, latitude in [-90, 90], longitude in
    [-180, 180]. Empty arrays are valid (no points).
    """
    try:
        y = np.asarray(lat, dtype=np.float64)
        x = np.asarray(lon, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{what}: latitude and longitude must be numbers") from error
    if y.ndim != 1 or x.ndim != 1 or y.shape != x.shape:
        raise ValueError(
            f"{what}: latitude and longitude must be 1-D arrays of the same length"
            f" (got shapes {y.shape} and {x.shape})"
        )
    if not (np.isfinite(y).all() and np.isfinite(x).all()):
        raise ValueError(f"{what}: latitude and longitude must be finite numbers")
    if y.size and (y.min() < -90 or y.max() > 90):
        raise ValueError(f"{what}: latitude must be in [-90, 90]")
    if x.size and (x.min() < -180 or x.max() > 180):
        raise ValueError(f"{what}: longitude must be in [-180, 180]")
    return y, x
