"""A parametric surface wind field around the storm centre (Holland 1980 and its usual parts).

The symmetric vortex
--------------------
The gradient wind at ``r`` from the centre (Holland 1980, Mon. Wea. Rev. 108, 1212–1218)::

    Vg(r) = sqrt( B Δp / ρ · (Rmax/r)^B · exp(-(Rmax/r)^B) + (r f / 2)^2 ) - r f / 2

with Δp the central pressure deficit (ambient :attr:`WindModel.ambient_hpa`, 1010 hPa, minus
the track's central pressure), ρ = 1.15 kg/m³ and f the Coriolis parameter at the centre.
Without the Coriolis term the peak, at r = Rmax, is ``sqrt(B Δp / (ρ e))``.

- **Holland B** is fitted to the track's own wind, by inverting that peak:
  ``B = ρ e Vg_max² / Δp`` with ``Vg_max = Vs / SRF`` (Holland 1980; the same route as
  Holland 2008's "B from Vmax and Δp", without its empirical regression), plus the small
  Coriolis correction that makes ``Vg(Rmax)`` exact (:func:`holland_b`), clamped to
  [1.0, 2.5], the range observed by Holland. At the clamp the peak departs from the track:
  Lekima's peak matches to 0.1 % from 62 m/s down to 28 m/s, but its decaying stages over
  land (Δp 30 hPa with 23–25 m/s, 10 Aug 09–18Z) come out 6–22 % too strong at B = 1
  (:func:`compare_vmax` reports it).
- **Rmax** is Vickery & Wadhera (2008, J. Appl. Meteor. Climatol. 47, 2497–2517, their
  all-storm fit): ``ln Rmax[km] = 3.015 − 6.291e-5 Δp[hPa]² + 0.0337 lat``. For Lekima at
  landfall (Δp = 80 hPa, 28.3 N) it gives 35 km.
- **Surface reduction**: surface wind = 0.8 × gradient wind (:attr:`WindModel.surface_factor`;
  Powell, Vickery & Reinhold 2003 and Franklin et al. 2003 report about 0.8 over water).
  Land roughness, which lowers inland winds further, is left out: the track's own weakening
  after landfall carries most of it.
- **Inflow**: the surface wind turns in towards the centre by 20° (:attr:`WindModel.inflow_deg`,
  a constant angle as in Bretschneider's and most storm-surge models).

Storm motion
------------
Following Lin & Chavas (2012, J. Geophys. Res. 117, D09120), a background wind of 0.55 × the
storm's motion vector, turned 20° counter-clockwise (Northern Hemisphere), is added. It is
scaled by ``Vs(r) / Vs_max`` so that it dies away with the vortex (far from the storm the
wind is ~0, not 0.55 × the storm's speed). The symmetric part is fitted to
``Vs = Vmax − 0.55 × speed`` so that the total peak — on the right of the motion, where the
two vectors line up — equals the track's Vmax. The right side is therefore windier than the
left by about 1.1 × the storm's speed.

Averaging period
----------------
The track's Vmax is an agency mean (CMA: 2 minutes); stations report 10-minute means. Speeds
out of :func:`wind_field` are multiplied by :attr:`WindModel.averaging_factor` = 0.93, the
1-minute → 10-minute "at sea" conversion of Harper, Kepert & Ginger (2010, WMO/TD-No. 1555),
applied to CMA's 2-minute mean as close enough (the 2-minute factor is nearer 1 by at most a
few per cent).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import ArrayLike

from yingji.kernels.arrays import FloatArray
from yingji.kernels.geo import EARTH_RADIUS_KM
from yingji.kernels.typhoon.track import TimeLike, Track, TrackState

__all__ = [
    "DEFAULT_WIND",
    "VmaxCheck",
    "WindModel",
    "compare_vmax",
    "gradient_wind",
    "holland_b",
    "rmax_km",
    "storm_offsets_km",
    "wind_field",
]

OMEGA: Final = 7.2921e-5  # Earth's rotation, rad/s


@dataclass(frozen=True)
class WindModel:
    """Parameters of the wind field; see the module docstring for each one's source."""

    ambient_hpa: float = 1010.0
    air_density: float = 1.15
    surface_factor: float = 0.8
    inflow_deg: float = 20.0
    motion_fraction: float = 0.55
    motion_rotation_deg: float = 20.0
    averaging_factor: float = 0.93
    b_range: tuple[float, float] = (1.0, 2.5)


DEFAULT_WIND: Final = WindModel()


def rmax_km(dp_hpa: ArrayLike, lat: ArrayLike) -> FloatArray:
    """Radius of maximum wind, km (Vickery & Wadhera 2008, all storms)."""
    dp = np.maximum(np.asarray(dp_hpa, dtype=np.float64), 0.0)
    phi = np.abs(np.asarray(lat, dtype=np.float64))
    radius: FloatArray = np.exp(3.015 - 6.291e-5 * dp**2 + 0.0337 * phi)
    return radius


def holland_b(vs_ms: ArrayLike, dp_hpa: ArrayLike, *, rmax: ArrayLike = 0.0,
              lat: ArrayLike = 0.0, model: WindModel = DEFAULT_WIND) -> FloatArray:  # fmt: skip
    """Holland B that makes the surface wind of the symmetric vortex at Rmax equal ``vs_ms``.

    With the Coriolis term, ``Vg(Rmax) = Vg`` needs ``B Δp / (ρ e) = Vg² + Vg Rmax f``; without
    ``rmax`` (0) this is Holland's ``B = ρ e Vg² / Δp``.
    """
    dp_pa = np.maximum(np.asarray(dp_hpa, dtype=np.float64), 0.0) * 100.0
    vg = np.maximum(np.asarray(vs_ms, dtype=np.float64), 0.0) / model.surface_factor
    f = 2 * OMEGA * np.abs(np.sin(np.radians(np.asarray(lat, dtype=np.float64))))
    need = vg**2 + vg * np.asarray(rmax, dtype=np.float64) * 1000.0 * f
    with np.errstate(divide="ignore", invalid="ignore"):
        b = np.where(dp_pa > 0, model.air_density * math.e * need / dp_pa, model.b_range[0])
    clamped: FloatArray = np.clip(b, *model.b_range)
    return clamped


def gradient_wind(r_km: ArrayLike, *, dp_hpa: ArrayLike, rmax: ArrayLike, b: ArrayLike,
                  lat: ArrayLike, air_density: float = 1.15) -> FloatArray:  # fmt: skip
    """Holland (1980) gradient wind, m/s, broadcast like numpy; 0 at the centre."""
    r = np.maximum(np.asarray(r_km, dtype=np.float64), 1e-6) * 1000.0
    dp_pa = np.maximum(np.asarray(dp_hpa, dtype=np.float64), 0.0) * 100.0
    b_ = np.asarray(b, dtype=np.float64)
    a = (np.asarray(rmax, dtype=np.float64) * 1000.0 / r) ** b_
    half_rf = r * OMEGA * np.abs(np.sin(np.radians(np.asarray(lat, dtype=np.float64))))
    speed: FloatArray = np.sqrt(b_ * dp_pa / air_density * a * np.exp(-a) + half_rf**2) - half_rf
    return speed


def storm_offsets_km(state: TrackState, lat: ArrayLike,
                     lon: ArrayLike) -> tuple[FloatArray, FloatArray]:  # fmt: skip
    """East and north km of each station from each centre: arrays of shape (times, stations).

    An equirectangular plane at the mean latitude of centre and station: within 1,000 km of
    the centre it is within about 1 % of the great-circle distance, well inside the model's
    own error, and it is several times cheaper than spherical trigonometry.
    """
    y = np.asarray(lat, dtype=np.float64)[None, :]
    x = np.asarray(lon, dtype=np.float64)[None, :]
    c_lat, c_lon = state.lat[:, None], state.lon[:, None]
    d_lon = (x - c_lon + 180.0) % 360.0 - 180.0
    km_per_rad = EARTH_RADIUS_KM
    east: FloatArray = np.radians(d_lon) * np.cos(np.radians((y + c_lat) / 2)) * km_per_rad
    north: FloatArray = np.radians(y - c_lat) * km_per_rad
    return east, north


@dataclass(frozen=True)
class _Vortex:
    """Per-time vortex parameters, shape (times, 1) for broadcasting against stations."""

    dp_hpa: FloatArray
    vs_ms: FloatArray
    rmax_km: FloatArray
    b: FloatArray


def _vortex(state: TrackState, model: WindModel) -> _Vortex:
    dp = np.maximum(model.ambient_hpa - state.pressure_hpa, 0.0)
    vs = np.maximum(state.vmax_ms - model.motion_fraction * state.speed_ms, 0.0)
    rmax = rmax_km(dp, state.lat)
    b = holland_b(vs, dp, rmax=rmax, lat=state.lat, model=model)
    return _Vortex(dp[:, None], vs[:, None], rmax[:, None], b[:, None])


def wind_field(state: TrackState, lat: ArrayLike, lon: ArrayLike,
               model: WindModel = DEFAULT_WIND) -> tuple[FloatArray, FloatArray]:  # fmt: skip
    """Surface 10-minute mean wind at stations: (speed m/s, direction it blows *from*, degrees).

    Both arrays have shape (times of ``state``, stations).
    """
    vortex = _vortex(state, model)
    east, north = storm_offsets_km(state, lat, lon)
    r = np.hypot(east, north)
    vg = gradient_wind(r, dp_hpa=vortex.dp_hpa, rmax=vortex.rmax_km, b=vortex.b,
                       lat=state.lat[:, None], air_density=model.air_density)  # fmt: skip
    vs = model.surface_factor * vg
    with np.errstate(divide="ignore", invalid="ignore"):
        ex, ey = np.where(r > 0, east / r, 0.0), np.where(r > 0, north / r, 0.0)
    beta = math.radians(model.inflow_deg)
    # Counter-clockwise tangent (-ey, ex), turned inwards by the inflow angle.
    u = vs * (-math.cos(beta) * ey - math.sin(beta) * ex)
    v = vs * (math.cos(beta) * ex - math.sin(beta) * ey)
    phi = math.radians(model.motion_rotation_deg)
    su, sv = state.u_ms[:, None], state.v_ms[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        taper = np.where(vortex.vs_ms > 0, vs / vortex.vs_ms, 0.0)
    scale = model.motion_fraction * taper
    u = u + scale * (su * math.cos(phi) - sv * math.sin(phi))
    v = v + scale * (su * math.sin(phi) + sv * math.cos(phi))
    speed: FloatArray = np.hypot(u, v) * model.averaging_factor
    direction: FloatArray = np.degrees(np.arctan2(-u, -v)) % 360.0
    return speed, direction


@dataclass(frozen=True)
class VmaxCheck:
    """The model's peak wind against the track's at one time (speeds in m/s)."""

    time: np.datetime64
    track_vmax_ms: float
    model_peak_ms: float
    """The model's peak, in the track's averaging period (before the 10-minute factor)."""
    model_peak_10min_ms: float
    rmax_km: float
    holland_b: float
    relative_error: float


def compare_vmax(track: Track, when: TimeLike, model: WindModel = DEFAULT_WIND) -> VmaxCheck:
    """Evaluate the field on a polar grid around the centre at ``when`` and compare its peak.

    The grid has 721 bearings and radii from 0.2 to 3 Rmax in steps of Rmax/400, through the
    same code path as the stations' winds, so it checks B, Rmax, the motion term and the
    projection together.
    """
    state = track.at(when)
    if state.time.size != 1:
        raise ValueError("when: one time, please")
    vortex = _vortex(state, model)
    rmax = float(vortex.rmax_km[0, 0])
    radii = np.arange(0.2, 3.0, 1 / 400) * rmax
    bearing = np.radians(np.linspace(0.0, 360.0, 721))
    rr, bb = np.meshgrid(radii, bearing)
    lat = state.lat[0] + np.degrees(rr * np.cos(bb) / EARTH_RADIUS_KM)
    cos_lat = np.cos(np.radians(state.lat[0]))
    lon = state.lon[0] + np.degrees(rr * np.sin(bb) / (EARTH_RADIUS_KM * cos_lat))
    speed, _ = wind_field(state, lat.ravel(), lon.ravel(), model)
    peak_10 = float(speed.max())
    peak = peak_10 / model.averaging_factor
    vmax = float(state.vmax_ms[0])
    return VmaxCheck(
        time=np.datetime64(state.time[0], "s"),
        track_vmax_ms=vmax,
        model_peak_ms=peak,
        model_peak_10min_ms=peak_10,
        rmax_km=rmax,
        holland_b=float(vortex.b[0, 0]),
        relative_error=(peak - vmax) / vmax if vmax else math.inf,
    )
