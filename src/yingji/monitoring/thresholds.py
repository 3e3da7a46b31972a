"""Sensor thresholds: which a type uses, the per-type defaults and their basis, and merging a
sensor's overrides over them.

Two levels per sensor, both upper limits (the value is bad when high): ``warn`` (一级报警,
警戒) and ``alarm`` (二级报警, 保证/危险). Each has an *on* threshold (the level starts at a
reading ≥ on, inclusive like the standards' "以上") and an *off* threshold (it ends at a
reading < off), so off ≤ on: the band between them is the hysteresis that stops a value
hovering at the threshold from flapping (:func:`yingji.kernels.signals.hysteresis`).

What each type uses (``USES``):

=================  ===========================================================================
rain               none: the CMA 暴雨 rule on 1/3/6/12/24-hour sums decides the level
                   (:data:`yingji.kernels.signals.RAINSTORM_OBSERVED`, STANDARDS.md §1)
wind_speed/gust    none: the 大风 rule on Beaufort forces (``signals.gale_levels``)
water_level        warn = 警戒水位, alarm = 保证水位 (m): station-specific, no default
temperature        warn/alarm (℃): defaults from the 高温 signal (see ``DEFAULTS``)
displacement       warn/alarm: cumulative displacement since installation (mm), site-specific;
                   ``rate_per_hour``: alarm when it moves ≥ this many mm within an hour
gas_lel            warn/alarm (%LEL): GB/T 50493-2019 defaults, which are also ceilings
toxic_ppm          warn/alarm (ppm): per substance in reality; a generic placeholder default
tank_level         warn/alarm (m or %): tank-specific (fill limit), no default
tank_pressure      warn/alarm (MPa or kPa): tank-specific (design pressure), no default
tank_temperature   warn/alarm (℃): substance-specific, no default
=================  ===========================================================================

A threshold a type does not use is refused when entered, rather than silently ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from django.utils.translation import gettext as _

from yingji.monitoring.models import Sensor, SensorType, Unit

T = SensorType
LEVELS: Final = (("warn_on", "warn_off"), ("alarm_on", "alarm_off"))
LEVEL_FIELDS: Final = ("warn_on", "warn_off", "alarm_on", "alarm_off")
FIELDS: Final = (*LEVEL_FIELDS, "rate_per_hour")
Direction = Literal["above", "below"]

UNITS: Final[Mapping[str, tuple[str, ...]]] = {
    T.RAIN: (Unit.MM,),  # rainfall in the interval ending at the reading
    T.WATER_LEVEL: (Unit.M,),
    T.WIND_SPEED: (Unit.M_S,),  # the Beaufort kernel takes m/s
    T.WIND_GUST: (Unit.M_S,),
    T.TEMPERATURE: (Unit.CELSIUS,),
    T.DISPLACEMENT: (Unit.MM,),
    T.GAS_LEL: (Unit.LEL,),
    T.TOXIC_PPM: (Unit.PPM,),
    T.TANK_LEVEL: (Unit.M, Unit.PERCENT),
    T.TANK_PRESSURE: (Unit.MPA, Unit.KPA),
    T.TANK_TEMPERATURE: (Unit.CELSIUS,),
}

RULE: Final[Mapping[str, str]] = {T.RAIN: "rainstorm", T.WIND_SPEED: "gale", T.WIND_GUST: "gale"}
"""Types judged by a signal rule instead of per-sensor thresholds (the rest: ``thresholds``)."""

USES: Final[Mapping[str, tuple[str, ...]]] = {
    **{t: LEVEL_FIELDS for t in T.values if t not in RULE},
    T.RAIN: (),
    T.WIND_SPEED: (),
    T.WIND_GUST: (),
    T.DISPLACEMENT: FIELDS,
}

DIRECTION: Final[Mapping[str, Direction]] = dict.fromkeys(T.values, "above")
"""Every type alarms on high values today; the merging and checks also handle "below"."""

# Plausible values per unit: outside these a threshold is a typo (or the wrong unit).
LIMITS: Final[Mapping[str, tuple[float | None, float | None]]] = {
    Unit.MM: (0.0, None),
    Unit.M: (None, None),  # water levels are elevations above a datum and may be negative
    Unit.M_S: (0.0, None),
    Unit.CELSIUS: (-273.15, None),
    Unit.LEL: (0.0, 100.0),
    Unit.PPM: (0.0, 1_000_000.0),
    Unit.MPA: (-0.1013, None),  # gauge pressure: no lower than a full vacuum
    Unit.KPA: (-101.3, None),
    Unit.PERCENT: (0.0, 100.0),
}


RATIO_UNITS: Final = frozenset({Unit.MM, Unit.M_S, Unit.LEL, Unit.PPM, Unit.PERCENT})
"""Quantities with a true zero: a default hysteresis band scales with the threshold."""


@dataclass(frozen=True)
class Default:
    """Default thresholds of a type, valid for readings in ``unit`` only."""

    unit: str
    values: Mapping[str, float]
    basis: str
    ceilings: Mapping[str, float] = field(default_factory=dict)  # a standard's upper limits


DEFAULTS: Final[Mapping[str, Default]] = {
    T.GAS_LEL: Default(
        unit=Unit.LEL,
        values={"warn_on": 25.0, "warn_off": 20.0, "alarm_on": 50.0, "alarm_off": 45.0},
        basis=(
            "GB/T 50493-2019《石油化工可燃气体和有毒气体检测报警设计标准》: first alarm set "
            "at ≤ 25 %LEL, second at ≤ 50 %LEL. The off thresholds (5 %LEL below) are ours."
        ),
        ceilings={"warn_on": 25.0, "alarm_on": 50.0},
    ),
    T.TOXIC_PPM: Default(
        unit=Unit.PPM,
        values={"warn_on": 10.0, "warn_off": 8.0, "alarm_on": 20.0, "alarm_off": 16.0},
        basis=(
            "Placeholder: GB/T 50493-2019 sets toxic-gas alarms per substance (first ≤ 100 % "
            "OEL, second ≤ 200 % OEL, GBZ 2.1 limits); per-substance limits are out of scope, "
            "so 10/20 ppm (the order of H₂S and CO limits) stands in. Set each detector's own."
        ),
    ),
    T.TEMPERATURE: Default(
        unit=Unit.CELSIUS,
        values={"warn_on": 37.0, "warn_off": 36.0, "alarm_on": 40.0, "alarm_off": 39.0},
        basis=(
            "高温 signal (中国气象局令第16号, STANDARDS.md §1): 橙 at a maximum ≥ 37 ℃, 红 at "
            "≥ 40 ℃, applied to the observed reading; the 1 ℃ off band is ours."
        ),
    ),
    T.DISPLACEMENT: Default(
        unit=Unit.MM,
        values={"rate_per_hour": 5.0},
        basis=(
            "Placeholder, not from a standard: 5 mm/h flags an accelerating slope above the "
            "noise of GNSS and crack meters. Site geologists set cumulative and rate "
            "thresholds per monitored slope."
        ),
    ),
}

NO_DEFAULT: Final[Mapping[str, str]] = {
    T.WATER_LEVEL: "警戒水位 and 保证水位 are set per gauge by the water authority",
    T.TANK_LEVEL: "the high and high-high level follow each tank's maximum fill",
    T.TANK_PRESSURE: "the limits follow each tank's design pressure",
    T.TANK_TEMPERATURE: "the limits follow the substance stored",
    T.RAIN: "judged by the CMA 暴雨 rule on window sums",
    T.WIND_SPEED: "judged by the 大风 rule on Beaufort forces",
    T.WIND_GUST: "judged by the 大风 rule on Beaufort forces",
}


def merge(kind: str, unit: str, overrides: Mapping[str, float | None]) -> dict[str, Any]:
    """The thresholds that apply to a sensor of type ``kind`` reading in ``unit``.

    A value set on the sensor wins; otherwise the type's default (when it is in the same
    unit). An off threshold left empty is the default's when the on threshold is too, else
    keeps the default's hysteresis band below the sensor's own (:func:`_band`), or else
    equals the on threshold (no band). ``source`` says where each value came from:
    "sensor", "default", "band" (derived from the on threshold) or None (no threshold).
    """
    default = DEFAULTS.get(kind)
    preset = default.values if default is not None and default.unit == unit else {}
    used = USES.get(kind, ())
    result: dict[str, Any] = dict.fromkeys(FIELDS)
    source: dict[str, str | None] = dict.fromkeys(FIELDS)
    for on_name, off_name in LEVELS:
        if on_name not in used:
            continue
        d_on, d_off = preset.get(on_name), preset.get(off_name)
        on, source[on_name] = _pick(overrides.get(on_name), d_on)
        off, source[off_name] = _pick(overrides.get(off_name), None)
        if off is None and on is not None:
            if source[on_name] == "default" and d_off is not None:
                off, source[off_name] = d_off, "default"
            else:
                off, source[off_name] = _band(unit, on, d_on, d_off), "band"
        result[on_name], result[off_name] = on, off
    if "rate_per_hour" in used:
        result["rate_per_hour"], source["rate_per_hour"] = _pick(
            overrides.get("rate_per_hour"), preset.get("rate_per_hour")
        )
    basis = default.basis if preset and default is not None else NO_DEFAULT.get(kind, "")
    return {
        "type": kind,
        "unit": unit,
        "rule": RULE.get(kind, "thresholds"),
        "direction": DIRECTION.get(kind, "above"),
        **result,
        "source": source,
        "basis": basis,
    }


def _band(unit: str, on: float, d_on: float | None, d_off: float | None) -> float:
    """The off threshold for a sensor's own on threshold: the default's band, kept in
    proportion for quantities with a true zero (so 5 %LEL still clears above 0), as a fixed
    difference for the others (℃, water level, pressure); no band without a default."""
    if d_on is None or d_off is None:
        return on
    if unit in RATIO_UNITS and d_on > 0:
        return round(on * d_off / d_on, 6)
    return round(on - (d_on - d_off), 6)


def _pick(own: float | None, default: float | None) -> tuple[float | None, str | None]:
    if own is not None:
        return float(own), "sensor"
    if default is not None:
        return float(default), "default"
    return None, None


def effective(sensor: Sensor) -> dict[str, Any]:
    """The thresholds that apply to ``sensor``: its overrides merged over the type defaults."""
    return merge(sensor.type, sensor.unit, {name: getattr(sensor, name) for name in FIELDS})


# --- the registry rule ------------------------------------------------------------------------


def check(values: Mapping[str, Any]) -> dict[str, str]:
    """Cross-field rule of the sensors registry: ``{field: message}`` for every problem.

    The unit must suit the type; only the thresholds the type uses may be given, each in a
    plausible range for the unit and within a standard's ceiling; an off threshold lies on
    the safe side of its on threshold (hysteresis direction); the warning comes before the
    alarm. Checked on the merged thresholds, so an override is judged against the defaults
    it combines with.
    """
    kind, unit = str(values.get("type") or ""), str(values.get("unit") or "")
    if kind not in UNITS:
        return {}  # the choice parser has reported it
    allowed = UNITS[kind]
    if unit not in allowed:
        return {
            "unit": _("%(unit)s is not a unit for %(type)s sensors; use %(allowed)s")
            % {"unit": unit, "type": SensorType(kind).label, "allowed": " / ".join(allowed)}
        }
    given = {name: float(values[name]) for name in FIELDS if values.get(name) is not None}
    problems = _unused(kind, given) or _out_of_range(kind, unit, given)
    if problems:
        return problems
    return _ordering(kind, merge(kind, unit, given))


def _unused(kind: str, given: Mapping[str, float]) -> dict[str, str]:
    rule = RULE.get(kind)
    why = {
        "rainstorm": _("the CMA rainstorm rule on rolling sums decides its level"),
        "gale": _("the gale rule on Beaufort forces decides its level"),
    }.get(rule or "", "")
    problems = {}
    for name in given:
        if name not in USES[kind]:
            problems[name] = _("is not used by %(type)s sensors%(why)s; leave it empty") % {
                "type": SensorType(kind).label,
                "why": f" ({why})" if why else "",
            }
    return problems


def _out_of_range(kind: str, unit: str, given: Mapping[str, float]) -> dict[str, str]:
    low, high = LIMITS.get(unit, (None, None))
    default = DEFAULTS.get(kind)
    ceilings = default.ceilings if default is not None and default.unit == unit else {}
    problems = {}
    for name, value in given.items():
        if name == "rate_per_hour":
            if value <= 0:
                problems[name] = _("must be greater than 0 %(unit)s per hour") % {"unit": unit}
        elif (low is not None and value < low) or (high is not None and value > high):
            problems[name] = _("%(value)s %(unit)s is outside %(low)s – %(high)s %(unit)s") % {
                "value": f"{value:g}",
                "unit": unit,
                "low": "−∞" if low is None else f"{low:g}",
                "high": "∞" if high is None else f"{high:g}",
            }
        elif name in ceilings and value > ceilings[name]:
            problems[name] = _("must be at most %(limit)s %(unit)s (%(basis)s)") % {
                "limit": f"{ceilings[name]:g}",
                "unit": unit,
                "basis": "GB/T 50493-2019",
            }
    return problems


def _ordering(kind: str, merged: Mapping[str, Any]) -> dict[str, str]:
    sign = 1.0 if merged["direction"] == "above" else -1.0
    source = merged["source"]
    problems: dict[str, str] = {}
    for on_name, off_name in LEVELS:
        on, off = merged[on_name], merged[off_name]
        if source[off_name] == "sensor" and on is None:
            problems[off_name] = _("needs %(field)s: there is no threshold to clear from") % {
                "field": _label(on_name)
            }
        elif on is not None and off is not None and sign * off > sign * on:
            wrong = off_name if source[off_name] == "sensor" else on_name
            side = _("at or below") if sign > 0 else _("at or above")
            problems[wrong] = _(
                "%(off_label)s (%(off)s) must be %(side)s %(on_label)s (%(on)s), "
                "or the level could never clear"
            ) % {
                "off_label": _label(off_name),
                "off": f"{off:g}",
                "side": side,
                "on_label": _label(on_name),
                "on": f"{on:g}",
            }
    warn, alarm = merged["warn_on"], merged["alarm_on"]
    if not problems and warn is not None and alarm is not None and sign * warn > sign * alarm:
        wrong = "alarm_on" if source["alarm_on"] == "sensor" else "warn_on"
        problems[wrong] = _("the warning (%(warn)s) must come before the alarm (%(alarm)s)") % {
            "warn": f"{warn:g}",
            "alarm": f"{alarm:g}",
        }
    return problems


def _label(name: str) -> str:
    return str(getattr(Sensor._meta.get_field(name), "verbose_name", name))
