"""`yingji monitoring replay FILE.csv [--json] [--hold-minutes N]`: the default alarm rules over
a recorded series, without a database.

The file is ``sensor_id,type,timestamp,value`` with a header (columns in any order). Types:

- ``rain``: mm of rain in the interval ending at the timestamp → 暴雨 (rule ``rainstorm``);
- ``wind_speed``: mean wind speed, m/s; ``wind_gust``: gust, m/s → 大风 (rule ``gale``); a
  sensor may report both under one id, each reading holding until the next of its type.

Timestamps are ISO 8601 with a UTC offset (2019-08-09T20:00:00+08:00), whole seconds; rows may
come in any order. The whole file is checked before anything is printed: any problem prints
one line naming the row (the header is row 1, as in a spreadsheet) and exits with status 2,
nothing on stdout. Output times use the file's offset when all rows share one, else +08:00.

Levels are evaluated at every reading and at every instant a wet reading leaves a 3-, 6- or
12-hour window, so a level falls exactly when its window empties; an alarm ends exactly
``--hold-minutes`` (default 60) after its level last dropped below 蓝, and is shown open
(``"end": null``) when that instant is after the file's last timestamp (see
:mod:`yingji.kernels.alarms`). ``peak_values`` adds the highest window sums (mm) or wind
speeds (m/s) seen during the alarm.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any, Final

import numpy as np

from yingji.cli_errors import CommandError
from yingji.kernels import rolling, signals
from yingji.kernels.alarms import Episode, episodes
from yingji.kernels.arrays import CodeArray, FloatArray

COLUMNS: Final = ("sensor_id", "type", "timestamp", "value")
TYPES: Final = ("rain", "wind_speed", "wind_gust")
UNITS: Final = {"rain": "mm", "wind_speed": "m/s", "wind_gust": "m/s"}
RULE_ZH: Final = {"rainstorm": "暴雨", "gale": "大风"}
SHANGHAI: Final = timezone(timedelta(hours=8))
DEFAULT_HOLD_MINUTES: Final = 60


def add_parser(sub: Any) -> None:
    """Attach `yingji monitoring …` (replay needs neither Django nor a configuration)."""
    monitoring = sub.add_parser("monitoring", help="sensor rules and alarms")
    commands = monitoring.add_subparsers(dest="monitoring_command", required=True)
    p = commands.add_parser(
        "replay",
        help="evaluate the default alarm rules (暴雨, 大风) over a CSV of readings",
        description="Reads sensor_id,type,timestamp,value (type rain in mm per interval, "
        "wind_speed / wind_gust in m/s; timestamps ISO 8601 with offset) and prints the alarms "
        "of the CMA rainstorm and gale observed levels, without a database.",
    )
    p.add_argument("file", type=Path, help="readings (UTF-8 CSV with a header)")
    p.add_argument("--json", action="store_true", help='print {"alarms": [...]} as JSON')
    p.add_argument(
        "--hold-minutes",
        type=int,
        metavar="N",
        default=DEFAULT_HOLD_MINUTES,
        help=f"close an alarm once its level stayed below blue this long "
        f"(default {DEFAULT_HOLD_MINUTES})",
    )
    p.set_defaults(func=replay)


def replay(args: argparse.Namespace) -> int:
    if args.hold_minutes < 0:
        raise CommandError("--hold-minutes: must be a whole number of minutes ≥ 0")
    readings = read_readings(args.file)
    alarms = evaluate(readings, hold_seconds=args.hold_minutes * 60)
    if args.json:
        shown = [as_json(a, readings.offset) for a in alarms]
        print(json.dumps({"alarms": shown}, ensure_ascii=False))
    else:
        print(as_table(alarms, readings))
    return 0


# ---------------------------------------------------------------- reading the file


@dataclass(frozen=True)
class Readings:
    """A checked file: sensor codes index ``sensor_ids``; arrays are in file order."""

    sensor_ids: tuple[str, ...]
    codes: rolling.IntArray
    kinds: tuple[str, ...]
    times: rolling.IntArray
    values: FloatArray
    offset: tzinfo

    def of_type(self, kind: str) -> tuple[rolling.IntArray, rolling.IntArray, FloatArray]:
        """(codes, times, values) of one type, sorted by (sensor, time)."""
        rows = np.flatnonzero(np.asarray(self.kinds) == kind) if self.kinds else np.arange(0)
        order = rows[np.lexsort((self.times[rows], self.codes[rows]))]
        return self.codes[order], self.times[order], self.values[order]


def read_readings(path: Path) -> Readings:
    """Parse and check the whole file; the first problem raises CommandError with its row."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise CommandError(f"{path}: not UTF-8 text; save the file as UTF-8") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None:
            raise CommandError(f"{path}: empty file; the first row must be {','.join(COLUMNS)}")
        where = _columns(header)
        ids, kinds, times, values, offsets = [], [], [], [], set()
        seen: dict[tuple[str, str, int], int] = {}
        for number, record in enumerate(reader, start=2):
            if not any(cell.strip() for cell in record):
                continue  # a blank line
            if len(record) != len(header):
                raise _row(
                    number, f"expected {len(header)} fields like the header, not {len(record)}"
                )
            sensor, kind, stamp, value = (record[where[c]].strip() for c in COLUMNS)
            if not sensor:
                raise _row(number, "sensor_id is empty")
            if kind not in UNITS:
                raise _row(number, f"type {kind!r} is not supported; use {', '.join(TYPES)}")
            moment = _timestamp(number, stamp)
            epoch = int(moment.timestamp())
            if (sensor, kind, epoch) in seen:
                raise _row(
                    number,
                    f"duplicate reading: sensor {sensor} {kind} at {stamp} is also on row "
                    f"{seen[sensor, kind, epoch]}",
                )
            seen[sensor, kind, epoch] = number
            ids.append(sensor)
            kinds.append(kind)
            times.append(epoch)
            values.append(_value(number, kind, value))
            offsets.add(moment.utcoffset())
    except csv.Error as exc:
        raise CommandError(f"{path}: row {reader.line_num}: not valid CSV ({exc})") from None
    if not ids:
        raise CommandError(f"{path}: no readings after the header")
    names, codes = np.unique(np.asarray(ids), return_inverse=True)
    only = offsets.pop() if len(offsets) == 1 else None
    return Readings(
        sensor_ids=tuple(str(n) for n in names),
        codes=codes.astype(np.int64).reshape(-1),
        kinds=tuple(kinds),
        times=np.asarray(times, dtype=np.int64),
        values=np.asarray(values, dtype=np.float64),
        offset=timezone(only) if only is not None else SHANGHAI,
    )


def _columns(header: list[str]) -> dict[str, int]:
    names = [h.strip().lower() for h in header]
    expected = ",".join(COLUMNS)
    for name in names:
        if name not in COLUMNS:
            raise _row(1, f"unknown column {name!r}; the header must be {expected}")
        if names.count(name) > 1:
            raise _row(1, f"column {name!r} appears twice; the header must be {expected}")
    for name in COLUMNS:
        if name not in names:
            raise _row(1, f"missing column {name!r}; the header must be {expected}")
    return {name: names.index(name) for name in COLUMNS}


def _timestamp(number: int, text: str) -> datetime:
    example = "e.g. 2019-08-09T20:00:00+08:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise _row(
            number, f"timestamp {text!r} is not an ISO 8601 date and time ({example})"
        ) from None
    if moment.utcoffset() is None:
        raise _row(number, f"timestamp {text!r} has no UTC offset ({example})")
    if moment.microsecond:
        raise _row(number, f"timestamp {text!r} has a fraction of a second; use whole seconds")
    return moment


def _value(number: int, kind: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise _row(number, f"value {text!r} is not a number ({UNITS[kind]})") from None
    if not math.isfinite(value):
        raise _row(number, f"value {text!r} is not a finite number; leave missing readings out")
    if value < 0:
        what = "rainfall" if kind == "rain" else "wind speed"
        raise _row(number, f"{what} must be ≥ 0 {UNITS[kind]}, not {text}")
    return value


def _row(number: int, message: str) -> CommandError:
    return CommandError(f"row {number}: {message}")


# ---------------------------------------------------------------- rules


@dataclass(frozen=True)
class Alarm:
    sensor_id: str
    rule: str
    episode: Episode
    peak_values: dict[str, float | None]


def evaluate(readings: Readings, *, hold_seconds: int) -> list[Alarm]:
    """Every alarm of the default rules, ordered by start, sensor and rule."""
    until = int(readings.times.max())
    alarms = _rainstorm(readings, hold_seconds, until) + _gale(readings, hold_seconds, until)
    return sorted(alarms, key=lambda a: (a.episode.start, a.sensor_id, a.rule))


def _rainstorm(readings: Readings, hold: int, until: int) -> list[Alarm]:
    codes, times, rain = readings.of_type("rain")
    if not codes.size:
        return []
    windows = sorted({float(t.hours) for t in signals.RAINSTORM_OBSERVED})
    at = rolling.evaluation_points(codes, times, rain, windows, until=until)
    sums, levels = signals.rainstorm(codes, times, rain, at=at)
    found = []
    for ep in episodes(*at, levels, hold_seconds=hold, until=until):
        peaks = sums[ep.first : ep.stop].max(axis=0)
        named = {
            f"{h}h_mm": round(float(p), 3)
            for h, p in zip(rolling.DEFAULT_HOURS, peaks, strict=True)
        }
        found.append(Alarm(readings.sensor_ids[ep.sensor], "rainstorm", ep, dict(named)))
    return found


def _gale(readings: Readings, hold: int, until: int) -> list[Alarm]:
    mean = readings.of_type("wind_speed")
    gust = readings.of_type("wind_gust")
    codes = np.concatenate([mean[0], gust[0]])
    if not codes.size:
        return []
    times = np.concatenate([mean[1], gust[1]])
    at = rolling.evaluation_points(codes, times, np.zeros(codes.size))

    def as_of(series: tuple[rolling.IntArray, rolling.IntArray, FloatArray]) -> FloatArray:
        return rolling.latest_at(*series, *at)

    speed, gusts = as_of(mean), as_of(gust)
    # a sensor without a reading of one type yet has NaN there: force -1, no colour from it
    levels: CodeArray = signals.gale_levels(signals.beaufort(speed), signals.beaufort(gusts))
    found = []
    for ep in episodes(*at, levels, hold_seconds=hold, until=until):
        part = slice(ep.first, ep.stop)
        peaks = {"mean_m_s": _peak(speed[part]), "gust_m_s": _peak(gusts[part])}
        found.append(Alarm(readings.sensor_ids[ep.sensor], "gale", ep, peaks))
    return found


def _peak(values: FloatArray) -> float | None:
    known = values[~np.isnan(values)]
    return round(float(known.max()), 3) if known.size else None


# ---------------------------------------------------------------- output


def _iso(epoch: int | None, offset: tzinfo) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, tz=offset).isoformat()


def as_json(alarm: Alarm, offset: tzinfo) -> dict[str, object]:
    """One alarm in the shape of the issue, plus the peak window sums / speeds."""
    ep = alarm.episode
    return {
        "sensor_id": alarm.sensor_id,
        "rule": alarm.rule,
        "start": _iso(ep.start, offset),
        "end": _iso(ep.end, offset),
        "peak": signals.LEVELS[ep.peak],
        "levels": [{"level": signals.LEVELS[lvl], "at": _iso(at, offset)} for lvl, at in ep.levels],
        "peak_values": alarm.peak_values,
    }


def as_table(alarms: list[Alarm], readings: Readings) -> str:
    """A heading line per alarm, then its level history, indented."""
    counts = (
        _count(int(readings.times.size), "reading"),
        _count(len(readings.sensor_ids), "sensor"),
        _count(len(alarms), "alarm"),
    )
    lines = ["{} from {}: {}".format(*counts)]
    for alarm in alarms:
        ep = alarm.episode
        peak = signals.LEVELS[ep.peak]
        end = _iso(ep.end, readings.offset) or "open (仍在告警)"
        lines.append(
            f"\n{alarm.sensor_id}  {RULE_ZH[alarm.rule]} {alarm.rule}  "
            f"peak {signals.LEVEL_ZH[peak]} {peak}  {_iso(ep.start, readings.offset)} → {end}"
        )
        for lvl, at in ep.levels:
            name = signals.LEVELS[lvl]
            lines.append(f"    {_iso(at, readings.offset)}  {signals.LEVEL_ZH[name]} {name}")
        shown = ", ".join(f"{k} {v:g}" for k, v in alarm.peak_values.items() if v is not None)
        lines.append(f"    peak values: {shown}")
    return "\n".join(lines)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
