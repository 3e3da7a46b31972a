"""`yingji ingest mqtt …` and `yingji ingest replay FILE.csv …`: readings into the database
through the same ingest use case as the HTTP API (:func:`yingji.monitoring.ingest.ingest`).

``mqtt`` subscribes to a broker and stores each message before acknowledging it (see
:mod:`yingji.monitoring.mqtt`); it runs until SIGINT or SIGTERM and prints one line per
message on stderr.

``replay`` feeds a recorded series in time order: the ingest header ``sensor,ts,value`` or the
replay header ``sensor_id,type,timestamp,value`` (columns in any order; ``type`` is ignored).
``--speed N`` waits between time groups N times faster than they were recorded;
``--shift-to-now`` moves every timestamp by the same whole seconds so that the last one is
now. A file that cannot be read as such a CSV stops everything (exit 2, nothing stored);
invalid rows are reported by their row in the file (the header is row 1, as in a
spreadsheet) while the valid rows are stored, as over HTTP.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from yingji.cli_errors import CommandError

if TYPE_CHECKING:
    from yingji.core.models import User

INGEST_HEADER: Final = ("sensor", "ts", "value")
REPLAY_HEADER: Final = ("sensor_id", "type", "timestamp", "value")
DEFAULT_BATCH: Final = 5000
MAX_FIELD: Final = 1000  # as over HTTP: a longer field is cut and then fails its check


def add_parser(sub: Any, setup: Callable[[], None]) -> None:
    ingest = sub.add_parser("ingest", help="store sensor readings from MQTT or a recorded file")
    commands = ingest.add_subparsers(dest="ingest_command", required=True)
    _add_mqtt(commands, setup)
    _add_replay(commands, setup)


def _add_mqtt(commands: Any, setup: Callable[[], None]) -> None:
    p = commands.add_parser(
        "mqtt",
        help="subscribe to an MQTT broker and store the readings (ack after commit)",
        description='Payloads: JSON {"readings": [...]} or CSV with the header '
        "sensor,ts,value, as over HTTP. A message is acknowledged only after its readings "
        "are stored; the session is persistent, so unacknowledged messages come again.",
    )
    p.add_argument("--broker", required=True, metavar="HOST:PORT")
    p.add_argument("--topic", action="append", required=True, help="repeatable; + and # allowed")
    p.add_argument(
        "--as",
        dest="username",
        required=True,
        metavar="USERNAME",
        help="a machine account or registry staff; its jurisdiction applies",
    )
    p.add_argument(
        "--qos",
        type=int,
        choices=(0, 1),
        default=1,
        help="1 (default): at least once, ack after commit; 0: at most once",
    )
    p.add_argument(
        "--client-id", help="fixed id of the persistent session (default yingji-ingest-USERNAME)"
    )
    p.add_argument("--mqtt-username")
    p.add_argument(
        "--mqtt-password-env",
        metavar="VAR",
        help="name of the environment variable holding the MQTT password",
    )
    p.add_argument("--reply-topic", help="publish each message's result there as JSON")
    p.set_defaults(func=lambda a: mqtt(a, setup))


def _add_replay(commands: Any, setup: Callable[[], None]) -> None:
    p = commands.add_parser(
        "replay",
        help="store a recorded series (CSV) in time order, optionally at its own pace",
        description="Reads sensor,ts,value or sensor_id,type,timestamp,value (UTF-8 CSV with "
        "a header) and sends the rows in time order through the ingest service.",
    )
    p.add_argument("file", type=Path)
    p.add_argument("--as", dest="username", required=True, metavar="USERNAME")
    p.add_argument(
        "--speed",
        type=float,
        metavar="N",
        help="replay N times faster than recorded (default: as fast as possible)",
    )
    p.add_argument(
        "--batch",
        type=int,
        default=DEFAULT_BATCH,
        metavar="N",
        help=f"at most N readings per ingest call (default {DEFAULT_BATCH})",
    )
    p.add_argument(
        "--shift-to-now",
        action="store_true",
        help="shift all timestamps so that the last one is now",
    )
    p.add_argument("--json", action="store_true", help="print the totals as JSON")
    p.set_defaults(func=lambda a: replay(a, setup))


def actor(username: str) -> User:
    """The active account ``--as`` names, if it may post readings."""
    from yingji.core.errors import Forbidden  # noqa: PLC0415 - after setup
    from yingji.core.models import User  # noqa: PLC0415 - after setup
    from yingji.monitoring.ingest import may_post  # noqa: PLC0415 - after setup

    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"--as: no active user {username!r}")
    try:
        may_post(user)
    except Forbidden as exc:
        raise CommandError(f"--as {username}: {exc.message}") from None
    return user


# ---------------------------------------------------------------- mqtt


def mqtt(args: argparse.Namespace, setup: Callable[[], None]) -> int:
    host, port = _broker(args.broker)
    password = _password(args)
    setup()
    from yingji.monitoring import mqtt as transport  # noqa: PLC0415 - after setup

    options = transport.Options(
        host=host,
        port=port,
        topics=tuple(args.topic),
        qos=args.qos,
        client_id=args.client_id or f"yingji-ingest-{args.username}",
        username=args.mqtt_username,
        password=password,
        reply_topic=args.reply_topic,
    )
    user = actor(args.username)
    try:
        subscriber = transport.Subscriber(user, options)
    except ValueError as exc:
        raise CommandError(f"--reply-topic: {exc}") from None
    try:
        subscriber.start()
    except transport.BrokerError as exc:
        raise CommandError(str(exc)) from None
    topics = ", ".join(options.topics)
    print(
        f"listening to {topics} on {host}:{port} as {args.username} "
        f"(session {options.client_id}); Ctrl+C stops",
        file=sys.stderr,
    )
    try:
        with _stop_on_signals() as stop:
            subscriber.run(stop)  # logs one line per message on stderr
    except Exception as exc:
        raise CommandError(
            f"storing a message failed ({exc}); unacknowledged messages come again on restart"
        ) from exc
    finally:
        subscriber.close()
    return 0


def _broker(text: str) -> tuple[str, int]:
    """``HOST:PORT`` or ``HOST`` (port 1883); an IPv6 address in brackets: ``[::1]:1883``."""
    host, sep, port = text.rpartition(":")
    if not sep or (host.count(":") and not host.endswith("]")):
        host, port = text, "1883"
    host = host.removeprefix("[").removesuffix("]")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise CommandError(f"--broker: {text!r} is not HOST:PORT (e.g. 127.0.0.1:1883)")
    return host, int(port)


def _password(args: argparse.Namespace) -> str | None:
    if not args.mqtt_password_env:
        return None
    if not args.mqtt_username:
        raise CommandError("--mqtt-password-env needs --mqtt-username")
    password = os.environ.get(args.mqtt_password_env)
    if password is None:
        raise CommandError(f"--mqtt-password-env: {args.mqtt_password_env} is not set")
    return password


@contextmanager
def _stop_on_signals() -> Iterator[threading.Event]:
    """An event set by SIGINT or SIGTERM; the previous handlers are restored afterwards."""
    stop = threading.Event()
    previous = {
        sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


# ---------------------------------------------------------------- replay


@dataclass(frozen=True)
class Row:
    number: int  # row in the file; the header is row 1
    sensor: str
    ts: str
    value: str
    moment: dt.datetime | None  # None: not a time; sent as is, so ingest says why


@dataclass
class Totals:
    readings: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self, path: Path, policy: str) -> dict[str, Any]:
        rejected = sorted(self.rejected, key=lambda item: item["row"])
        return {
            "file": str(path),
            "readings": self.readings,
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": rejected,
            "rejected_count": len(rejected),
            "policy": policy,
        }


def replay(args: argparse.Namespace, setup: Callable[[], None]) -> int:
    if args.speed is not None and not args.speed > 0:
        raise CommandError("--speed: must be a number > 0 (e.g. 60 for a minute a second)")
    if args.batch < 1:
        raise CommandError("--batch: must be a whole number ≥ 1")
    rows, totals = read_file(args.file)
    setup()
    from yingji.monitoring.ingest import POLICY  # noqa: PLC0415 - after setup

    user = actor(args.username)
    if args.shift_to_now:
        rows = shift_to_now(rows, dt.datetime.now(dt.UTC))
    for batch in _batches(rows, args.batch, args.speed):
        _send(user, batch, totals)
    report = totals.as_json(args.file, POLICY)
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        _print_report(report)
    if totals.accepted + totals.duplicates == 0:
        print(f"error: no valid reading in {args.file}; nothing stored", file=sys.stderr)
        return 2
    return 0


def _print_report(report: dict[str, Any]) -> None:
    print(
        f"{report['file']}: {report['readings']} readings, accepted {report['accepted']}, "
        f"duplicates {report['duplicates']}, rejected {report['rejected_count']}"
    )
    for item in report["rejected"]:
        sensor = f" ({item['sensor']})" if item["sensor"] else ""
        print(f"  row {item['row']}{sensor}: {item['reason']}")


def read_file(path: Path) -> tuple[list[Row], Totals]:
    """The rows of ``path`` in time order (unreadable times first) and the rows already
    refused (wrong number of fields, repeated readings); CommandError if not such a CSV."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise CommandError(f"{path}: not UTF-8 text; save the file as UTF-8") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    totals = Totals()
    try:
        header = next(reader, None)
        if header is None:
            raise CommandError(f"{path}: empty file; the first row must be a header")
        columns = _columns(path, header)
        rows = list(_rows(reader, columns, len(header), totals.rejected))
    except csv.Error as exc:
        raise CommandError(f"{path}: row {reader.line_num}: not valid CSV ({exc})") from None
    totals.readings = len(rows) + len(totals.rejected)
    if not totals.readings:
        raise CommandError(f"{path}: no readings after the header")
    rows.sort(key=lambda row: (row.moment is not None, row.moment or _EPOCH, row.number))
    return rows, totals


_EPOCH: Final = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _columns(path: Path, header: list[str]) -> tuple[int, int, int]:
    """Where sensor, timestamp and value are, for either header (columns in any order)."""
    names = [name.strip().lower() for name in header]
    for expected, wanted in _WANTED.items():
        if sorted(names) == sorted(expected):
            sensor, ts, value = (names.index(name) for name in wanted)
            return sensor, ts, value
    raise CommandError(
        f"{path}: row 1: the header must be {','.join(INGEST_HEADER)} "
        f"or {','.join(REPLAY_HEADER)}, not {','.join(header)[:80]}"
    )


_WANTED: Final = {INGEST_HEADER: INGEST_HEADER, REPLAY_HEADER: ("sensor_id", "timestamp", "value")}


def _rows(
    reader: Iterator[list[str]],
    columns: tuple[int, int, int],
    width: int,
    rejected: list[dict[str, Any]],
) -> Iterator[Row]:
    seen: dict[tuple[str, dt.datetime | None], int] = {}
    for number, record in enumerate(reader, start=2):
        if not any(cell.strip() for cell in record):
            continue  # a blank line
        if len(record) != width:
            reason = f"expected {width} fields like the header, not {len(record)}"
            rejected.append({"row": number, "sensor": None, "reason": reason})
            continue
        sensor, ts, value = (record[i][:MAX_FIELD] for i in columns)
        moment = parse_moment(ts)
        key = (sensor.strip().upper(), moment)
        if moment is not None and key in seen:
            reason = f"duplicate of row {seen[key]} of the file (same sensor and time)"
            rejected.append({"row": number, "sensor": sensor[:48], "reason": reason})
            continue
        if moment is not None:
            seen[key] = number
        yield Row(number, sensor, ts, value, moment)


def parse_moment(text: str) -> dt.datetime | None:
    """A time as ingest reads it (ISO 8601 with an offset, or epoch seconds), else None."""
    text = text.strip()
    try:
        if text.replace(".", "", 1).isdigit():
            return dt.datetime.fromtimestamp(float(text), dt.UTC)
        moment = dt.datetime.fromisoformat(text)
    except (ValueError, OverflowError, OSError):
        return None
    return moment if moment.utcoffset() is not None else None


def shift_to_now(rows: list[Row], now: dt.datetime) -> list[Row]:
    """Every time moved by the same whole seconds, so that the last is at most ``now``."""
    last = max((row.moment for row in rows if row.moment is not None), default=None)
    if last is None:
        return rows
    delta = dt.timedelta(seconds=int((now - last).total_seconds()))
    shifted = []
    for row in rows:
        if row.moment is None:
            shifted.append(row)
        else:
            moment = row.moment + delta
            shifted.append(Row(row.number, row.sensor, moment.isoformat(), row.value, moment))
    return shifted


def _batches(rows: list[Row], size: int, speed: float | None) -> Iterator[list[Row]]:
    """Batches of at most ``size`` rows in time order; with ``speed``, each time group is
    released when it is due (its offset from the first one divided by ``speed``)."""
    if speed is None:
        for start in range(0, len(rows), size):
            yield rows[start : start + size]
        return
    first = next((row.moment for row in rows if row.moment is not None), None)
    began = time.monotonic()
    for moment, group in _groups(rows):
        if moment is not None and first is not None:
            due = began + (moment - first).total_seconds() / speed
            time.sleep(max(0.0, due - time.monotonic()))
        for start in range(0, len(group), size):
            yield group[start : start + size]


def _groups(rows: list[Row]) -> Iterator[tuple[dt.datetime | None, list[Row]]]:
    group: list[Row] = []
    for row in rows:
        if group and row.moment != group[0].moment:
            yield group[0].moment, group
            group = []
        group.append(row)
    if group:
        yield group[0].moment, group


def _send(user: User, batch: list[Row], totals: Totals) -> None:
    from yingji.monitoring.ingest import ingest  # noqa: PLC0415 - after setup

    result = ingest(user, [(row.sensor, row.ts, row.value) for row in batch])
    totals.accepted += result.accepted
    totals.duplicates += result.duplicates
    for item in result.rejected:  # the batch's row number → the file's
        totals.rejected.append({**item, "row": batch[item["row"] - 1].number})
