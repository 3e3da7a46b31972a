"""A best track: parsing with strict checks, interpolation in time, entry into an area.

The CSV format is the one of ``data/simulation/lekima_2019_track.csv``::

    time_utc,lat,lon,pressure_hpa,wind_ms[,source]

``time_utc`` is ISO 8601 in UTC (``2019-08-09T18:00:00Z``), ``wind_ms`` the agency's maximum
sustained wind (CMA: 2-minute mean) in m/s, ``pressure_hpa`` the central pressure. Rows must
be in strictly increasing time; a hostile or broken file is refused whole with the row at
fault, never half-read.

Interpolation is linear in time for every field. Positions are interpolated in latitude and
longitude (longitude unwrapped, so a track may cross the antimeridian): between best-track
points 3–6 h apart this differs from a great-circle path by far less than the track's own
uncertainty (about 0.1°, the precision of the file). The storm's motion is the finite
difference of the positions in a local east/north plane: each segment's velocity, and at each
best-track point the time-weighted mean of its two segments (the second-order central
difference for uneven steps), interpolated linearly in between, so speed and heading have no
jump at a best-track point.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

import numpy as np
from numpy.typing import ArrayLike, NDArray
from shapely import get_coordinates
from shapely.geometry import LineString, Point, box
from shapely.prepared import prep

from yingji.kernels.arrays import FloatArray
from yingji.kernels.geo import EARTH_RADIUS_KM

__all__ = [
    "COLUMNS",
    "MAX_ROWS",
    "TimeArray",
    "TimeLike",
    "Times",
    "Track",
    "TrackState",
    "as_datetime64",
    "entry_time",
    "load_track",
]

COLUMNS: Final = ("time_utc", "lat", "lon", "pressure_hpa", "wind_ms")
"""Required columns, in this order; an optional sixth column ``source`` is kept as text."""
OPTIONAL_COLUMN: Final = "source"
MAX_ROWS: Final = 10_000
PRESSURE_RANGE_HPA: Final = (850.0, 1020.0)
MAX_WIND_MS: Final = 120.0  # above any recorded tropical cyclone (Patricia 2015: ~96 m/s)
MAX_SPEED_KMH: Final = 150.0  # storms move at 5–60 km/h; a faster jump is a typo
TimeArray = NDArray[np.datetime64]
TimeLike = datetime | np.datetime64 | str
Times = TimeLike | Sequence[TimeLike] | NDArray[Any]


def as_datetime64(times: Times) -> TimeArray:
    """UTC times as a 1-D ``datetime64[s]`` array; ValueError if one is not a date-time.

    Accepts ``datetime64`` values or arrays, ISO 8601 strings (``Z`` or an offset allowed)
    and datetimes, one or a sequence; naive ones are taken as UTC, aware ones converted.
    """
    if isinstance(times, np.ndarray) and times.dtype.kind == "M":
        out = np.atleast_1d(times.astype("datetime64[s]"))
    else:
        items: list[Any] = (
            [times]
            if isinstance(times, str | datetime | np.datetime64)
            else list(np.ravel(np.asarray(times, dtype=object)))
        )
        try:
            out = np.array([_clean(t) for t in items], dtype="datetime64[s]").reshape(-1)
        except (TypeError, ValueError) as error:
            raise ValueError(f"times: not a UTC date-time ({error})") from error
    if out.ndim != 1 or np.isnat(out).any():
        raise ValueError("times: must be a 1-D sequence of date-times without gaps (NaT)")
    return out


def _clean(value: object) -> object:
    if isinstance(value, str):
        value = datetime.fromisoformat(value.strip())
    if isinstance(value, datetime):
        return _naive_utc(value)
    return value


def _naive_utc(value: datetime) -> datetime:
    return value if value.tzinfo is None else value.astimezone(UTC).replace(tzinfo=None)


def _seconds(times: TimeArray) -> FloatArray:
    seconds: FloatArray = times.astype("datetime64[s]").astype(np.int64).astype(np.float64)
    return seconds


@dataclass(frozen=True)
class TrackState:
    """The storm at given times (1-D arrays of one length).

    ``speed_ms`` and ``heading_deg`` are the centre's motion: m/s, and the direction it moves
    *towards* in degrees clockwise from north; ``u_ms``/``v_ms`` the same as east/north parts.
    """

    time: TimeArray
    lat: FloatArray
    lon: FloatArray
    pressure_hpa: FloatArray
    vmax_ms: FloatArray
    u_ms: FloatArray
    v_ms: FloatArray

    @property
    def speed_ms(self) -> FloatArray:
        speed: FloatArray = np.hypot(self.u_ms, self.v_ms)
        return speed

    @property
    def heading_deg(self) -> FloatArray:
        heading: FloatArray = np.degrees(np.arctan2(self.u_ms, self.v_ms)) % 360.0
        return heading


@dataclass(frozen=True)
class Track:
    """A validated best track; build it with :func:`load_track` or :meth:`from_arrays`."""

    time: TimeArray
    lat: FloatArray
    lon: FloatArray
    pressure_hpa: FloatArray
    vmax_ms: FloatArray
    source: tuple[str, ...] = ()

    @classmethod
    def from_arrays(cls, time: Times, lat: ArrayLike, lon: ArrayLike, *,
                    pressure_hpa: ArrayLike, vmax_ms: ArrayLike,
                    source: Sequence[str] = ()) -> Track:  # fmt: skip
        """A track from columns, with the same checks as :func:`load_track`."""
        t = as_datetime64(time)
        cols = [np.asarray(c, dtype=np.float64) for c in (lat, lon, pressure_hpa, vmax_ms)]
        if any(c.shape != t.shape for c in cols):
            raise ValueError("track: time, lat, lon, pressure_hpa and wind_ms need one length")
        track = cls(t, cols[0], cols[1], cols[2], cols[3], source=tuple(source))
        _validate(track)
        return track

    @property
    def start(self) -> np.datetime64:
        return np.datetime64(self.time[0], "s")

    @property
    def end(self) -> np.datetime64:
        return np.datetime64(self.time[-1], "s")

    def at(self, times: Times) -> TrackState:
        """The storm at ``times`` (within the track's span, else ValueError)."""
        t = as_datetime64(times)
        if t.size and (t.min() < self.start or t.max() > self.end):
            raise ValueError(f"times: outside the track, which covers {self.start}Z to {self.end}Z")
        x, xp = _seconds(t), _seconds(self.time)
        u_knot, v_knot = _knot_velocity(xp, self.lat, _unwrapped(self.lon))
        lon = np.interp(x, xp, _unwrapped(self.lon))
        lon = np.where((lon > 180.0) | (lon < -180.0), (lon + 180.0) % 360.0 - 180.0, lon)
        return TrackState(
            time=t,
            lat=np.interp(x, xp, self.lat),
            lon=lon,
            pressure_hpa=np.interp(x, xp, self.pressure_hpa),
            vmax_ms=np.interp(x, xp, self.vmax_ms),
            u_ms=np.interp(x, xp, u_knot),
            v_ms=np.interp(x, xp, v_knot),
        )


def _unwrapped(lon: FloatArray) -> FloatArray:
    """Longitudes made continuous (±360° after a jump over the antimeridian); exact otherwise."""
    step = np.diff(lon)
    shift = np.concatenate(([0.0], np.cumsum(-360.0 * np.round(step / 360.0))))
    out: FloatArray = lon + shift
    return out


def _segment_velocity(seconds: FloatArray, lat: FloatArray, lon: FloatArray) -> FloatArray:
    """Per segment (east, north) m/s in the plane tangent at the segment's mid-latitude."""
    dt = np.diff(seconds)
    mid = np.radians((lat[1:] + lat[:-1]) / 2)
    east = np.radians(np.diff(lon)) * np.cos(mid) * EARTH_RADIUS_KM * 1000.0
    north = np.radians(np.diff(lat)) * EARTH_RADIUS_KM * 1000.0
    velocity: FloatArray = np.stack((east / dt, north / dt))
    return velocity


def _knot_velocity(seconds: FloatArray, lat: FloatArray,
                   lon: FloatArray) -> tuple[FloatArray, FloatArray]:  # fmt: skip
    seg = _segment_velocity(seconds, lat, lon)
    dt = np.diff(seconds)
    inner = (seg[:, :-1] * dt[1:] + seg[:, 1:] * dt[:-1]) / (dt[1:] + dt[:-1])
    knots = np.concatenate((seg[:, :1], inner, seg[:, -1:]), axis=1)
    return knots[0], knots[1]


def _validate(track: Track) -> None:
    n = track.time.size
    if n < 2:
        raise ValueError("track: needs at least 2 points")
    if n > MAX_ROWS:
        raise ValueError(f"track: {n:,} points is more than the limit of {MAX_ROWS:,}")
    columns = {"lat": track.lat, "lon": track.lon, "pressure_hpa": track.pressure_hpa,
               "wind_ms": track.vmax_ms}  # fmt: skip
    rules: dict[str, tuple[float, float]] = {"lat": (-90.0, 90.0), "lon": (-180.0, 180.0),
                                             "pressure_hpa": PRESSURE_RANGE_HPA,
                                             "wind_ms": (0.0, MAX_WIND_MS)}  # fmt: skip
    for name, values in columns.items():
        low, high = rules[name]
        bad = ~np.isfinite(values) | (values < low) | (values > high)
        if bad.any():
            row = int(np.argmax(bad))
            raise ValueError(
                f"row {row + 1}: {name} {float(values[row]):g} is not a number in"
                f" [{low:g}, {high:g}]"
            )
    steps = np.diff(track.time).astype(np.int64)
    if (steps <= 0).any():
        row = int(np.argmax(steps <= 0)) + 2
        raise ValueError(f"row {row}: time_utc must be later than the row before (sorted, unique)")
    seg = _segment_velocity(_seconds(track.time), track.lat, _unwrapped(track.lon))
    kmh = np.hypot(seg[0], seg[1]) * 3.6
    if (kmh > MAX_SPEED_KMH).any():
        row = int(np.argmax(kmh > MAX_SPEED_KMH)) + 2
        raise ValueError(
            f"row {row}: the centre would move at {kmh[row - 2]:.0f} km/h since the row before"
            f" (limit {MAX_SPEED_KMH:g}); check its position and time"
        )


def load_track(text: str) -> Track:
    """Parse and validate a best-track CSV (see the module docstring); ValueError names the row.

    Row numbers count data rows from 1 (the header is row 0).
    """
    if not isinstance(text, str):
        raise ValueError("track: the CSV must be text")
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    try:
        header = next(reader, None)
        if header is None:
            raise ValueError("track: the CSV is empty")
        names = tuple(h.strip() for h in header)
        if names not in {COLUMNS, (*COLUMNS, OPTIONAL_COLUMN)}:
            raise ValueError(
                f"track: the header must be {','.join(COLUMNS)}[,{OPTIONAL_COLUMN}]"
                f" (got {','.join(names)[:200]})"
            )
        rows: list[list[str]] = []
        for row in reader:
            if not row or not any(cell.strip() for cell in row):
                continue
            if len(rows) >= MAX_ROWS:
                raise ValueError(f"track: more than {MAX_ROWS:,} rows")
            if len(row) != len(names):
                raise ValueError(
                    f"row {len(rows) + 1}: {len(row)} fields where the header has {len(names)}"
                )
            rows.append(row)
    except csv.Error as error:
        raise ValueError(f"track: not a readable CSV ({error})") from error
    return _from_rows(rows)


def _from_rows(rows: list[list[str]]) -> Track:
    times: list[datetime] = []
    numbers: list[list[float]] = []
    for number, row in enumerate(rows, start=1):
        times.append(_parse_time(row[0], number))
        values = []
        for name, cell in zip(COLUMNS[1:], row[1:5], strict=True):
            try:
                value = float(cell)
            except ValueError:
                raise ValueError(f"row {number}: {name} {cell[:40]!r} is not a number") from None
            if not math.isfinite(value):
                raise ValueError(f"row {number}: {name} must be a finite number")
            values.append(value)
        numbers.append(values)
    columns = np.array(numbers, dtype=np.float64).reshape(-1, 4).T
    source = tuple(row[5] for row in rows) if rows and len(rows[0]) == 6 else ()
    return Track.from_arrays(
        times, columns[0], columns[1], pressure_hpa=columns[2], vmax_ms=columns[3], source=source
    )


def _parse_time(cell: str, number: int) -> datetime:
    try:
        value = datetime.fromisoformat(cell.strip())
    except ValueError:
        raise ValueError(f"row {number}: time_utc {cell[:40]!r} is not an ISO date-time") from None
    if value.tzinfo is None or value.utcoffset() != UTC.utcoffset(None):
        raise ValueError(f"row {number}: time_utc must be in UTC (end it with Z)")
    return value


def entry_time(track: Track, area: Any) -> np.datetime64 | None:
    """When the centre first enters ``area`` (landfall), or ``None`` if it never does.

    ``area`` is a shapely (Multi)Polygon in lon/lat, or a bounding box
    ``(min_lon, min_lat, max_lon, max_lat)``. The track is the piecewise-linear path of
    :meth:`Track.at`, so the answer is exact for that path: on the segment where the centre
    first meets the area, the time is interpolated at the first point of contact. A track
    that starts inside gives its start time.
    """
    if isinstance(area, tuple | list):
        if len(area) != 4:
            raise ValueError("area: a bounding box is (min_lon, min_lat, max_lon, max_lat)")
        area = box(*map(float, area))
    if not hasattr(area, "geom_type") or area.geom_type not in {"Polygon", "MultiPolygon"}:
        raise ValueError("area: must be a shapely Polygon/MultiPolygon or a bounding box")
    zone = prep(area)
    lon = track.lon
    if zone.covers(Point(lon[0], track.lat[0])):
        return track.start
    for i in range(track.time.size - 1):
        segment = LineString([(lon[i], track.lat[i]), (lon[i + 1], track.lat[i + 1])])
        if not zone.intersects(segment):
            continue
        contact = get_coordinates(segment.intersection(area))
        along = min(segment.project(Point(x, y)) for x, y in contact)
        fraction = along / segment.length if segment.length else 0.0
        step = (track.time[i + 1] - track.time[i]).astype(np.int64)
        return np.datetime64(track.time[i] + np.timedelta64(round(fraction * float(step)), "s"))
    return None
