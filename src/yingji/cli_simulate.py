"""`yingji simulate typhoon --track lekima-2019 [--scale small|province] [--speed N]
[--seed S] [--json]`: replay a typhoon through the real pipeline (:mod:`yingji.simulation`).

Arguments are checked here, before Django starts, so a wrong one exits 2 with one line naming
it. ``--json`` prints the summary and nothing else on stdout (progress and the wall time go to
stderr); the same seed on a copy of the same database prints the same JSON.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Callable
from typing import Any, Final

from yingji.cli_errors import CommandError

TRACKS: Final = ("lekima-2019",)  # yingji.simulation.services.TRACKS (no Django import here)
SCALES: Final = ("small", "province")


def add_parser(sub: Any, setup: Callable[[], None]) -> None:
    simulate = sub.add_parser("simulate", help="scenario replays driving the real pipeline")
    kinds = simulate.add_subparsers(dest="simulate_command", required=True)
    p = kinds.add_parser(
        "typhoon",
        help="replay a typhoon's best track over Zhejiang",
        description="Readings from a parametric wind and rain field go through the real "
        "ingest; alarms, warnings, delivery to local fake gateways, 叫应, incidents, plans, "
        "dispatch and relief follow on a simulated clock. Writes to the database.",
    )
    p.add_argument("--track", default="lekima-2019", help=f"one of {', '.join(TRACKS)}")
    p.add_argument("--scale", default="small", help="small (台州市) or province")
    p.add_argument(
        "--speed", default="0", metavar="N",
        help="simulated seconds per real second (0, the default: as fast as possible)",
    )  # fmt: skip
    p.add_argument("--seed", default="1", metavar="S", help="a whole number ≥ 0 (default 1)")
    p.add_argument(
        "--scope",
        metavar="CODE",
        help="replay over this region only (e.g. 331081 温岭市) instead of the scale's",
    )
    p.add_argument(
        "--from",
        dest="start",
        metavar="TIME",
        help="track time to start at, ISO 8601 UTC (e.g. 2019-08-09T12:00:00Z)",
    )
    p.add_argument("--to", dest="end", metavar="TIME", help="track time to end at, ISO 8601 UTC")
    p.add_argument("--json", action="store_true", help="print the summary as JSON only")
    p.set_defaults(func=lambda a: typhoon(a, setup))


def checked(args: argparse.Namespace) -> dict[str, Any]:
    """The options, or CommandError naming the first bad one."""
    if args.track not in TRACKS:
        raise CommandError(f"--track: unknown track {args.track!r}; known: {', '.join(TRACKS)}")
    if args.scale not in SCALES:
        raise CommandError(f"--scale: must be small or province, not {args.scale!r}")
    try:
        speed = float(args.speed)
    except ValueError:
        raise CommandError(f"--speed: not a number: {args.speed!r}") from None
    if not speed >= 0 or speed == float("inf"):
        raise CommandError("--speed: must be 0 (as fast as possible) or a positive number")
    text = str(args.seed).strip()
    if not text.isdigit():
        raise CommandError(f"--seed: must be a whole number ≥ 0, not {args.seed!r}")
    seed = int(text)
    if seed >= 2**63:
        raise CommandError("--seed: too large (at most 2^63 − 1)")
    options: dict[str, Any] = {
        "track": args.track, "scale": args.scale, "speed": speed, "seed": seed,
    }  # fmt: skip
    scope = (getattr(args, "scope", None) or "").strip()
    if scope:
        if not (scope.isdigit() and scope.startswith("33") and len(scope) in (2, 4, 6, 9, 12)):
            raise CommandError(f"--scope: a Zhejiang region code (33…), not {scope[:20]!r}")
        options["scope"] = scope
    for name in ("start", "end"):
        value = (getattr(args, name, None) or "").strip()
        if value:
            try:
                dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                flag = "--from" if name == "start" else "--to"
                raise CommandError(f"{flag}: not an ISO 8601 time: {value[:30]!r}") from None
            options[name] = value
    return options


def typhoon(args: argparse.Namespace, setup: Callable[[], None]) -> int:
    options = checked(args)
    setup()
    from yingji.simulation import services  # noqa: PLC0415 - after Django is set up

    def progress(text: str) -> None:
        print(text, file=sys.stderr)

    try:
        run = services.run_typhoon(**options, progress=progress)
    except ValueError as exc:  # e.g. a scope with no station of a kind the replay models
        raise CommandError(str(exc)) from None
    if args.json:
        print(json.dumps(run.summary, ensure_ascii=False, indent=2))
        print(f"wall time {run.wall_seconds} s (run #{run.pk})", file=sys.stderr)
        return 0
    _table(run.summary, run.wall_seconds)
    return 0


def _table(summary: dict[str, Any], wall: float | None) -> None:
    from rich.console import Console  # noqa: PLC0415 - only for the table
    from rich.table import Table  # noqa: PLC0415

    table = Table(
        title=f"台风回放 {summary['track']} · {summary['scale']} · seed {summary['seed']}"
    )
    table.add_column("figure")
    table.add_column("value", justify="right")
    ack = summary.get("ack", {})
    lead = summary.get("lead_time_minutes", {})
    rows = [
        ("readings stored", summary.get("readings_stored")),
        ("alarms raised", summary.get("alarms_raised")),
        ("warnings issued by level", _pairs(summary.get("warnings_by_level", {}))),
        ("messages delivered", _pairs(summary.get("messages_delivered", {}))),
        ("叫应 rate", ack.get("rate")),
        ("lead time median / min (min)", f"{lead.get('median')} / {lead.get('min')}"),
        ("incidents", _pairs(summary.get("incidents_by_type", {}))),
        ("dispatches", summary.get("dispatches")),
        ("people evacuated", summary.get("people_evacuated")),
        ("shelter occupancy", summary.get("shelter_occupancy")),
        ("relief time median (h)", summary.get("relief_hours_median")),
        ("simulated hours", summary.get("simulated_hours")),
        ("wall time (s)", wall),
    ]
    for name, value in rows:
        table.add_row(name, "—" if value is None else str(value))
    Console().print(table)


def _pairs(values: Any) -> str:
    if isinstance(values, dict):
        return ", ".join(f"{k} {_pairs(v)}" for k, v in values.items()) or "0"
    return str(values)
