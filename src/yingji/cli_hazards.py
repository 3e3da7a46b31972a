"""`yingji hazards …`: the deadline sweep (also run daily by the worker) and a summary."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from yingji.cli_errors import CommandError


def add_parser(sub: Any, setup: Callable[[], None]) -> None:
    hazards = sub.add_parser("hazards", help="hidden hazards (隐患): deadline sweep")
    commands = hazards.add_subparsers(dest="hazards_command", required=True)
    p = commands.add_parser(
        "sweep",
        help="remind before deadlines, flag overdue hazards and escalate them (idempotent per day)",
    )
    p.add_argument("--today", help="pretend today is this date (YYYY-MM-DD), e.g. for a drill")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=lambda a: sweep(a, setup))


def sweep(args: argparse.Namespace, setup: Callable[[], None]) -> int:
    today = None
    if args.today:
        try:
            today = dt.date.fromisoformat(args.today)
        except ValueError as exc:
            raise CommandError(f"--today: {args.today!r} is not a date (YYYY-MM-DD)") from exc
    setup()
    from yingji.hazards.services import deadlines

    result = deadlines.sweep(today)
    if args.json:
        print(json.dumps(result))
    else:
        print(", ".join(f"{key} {value}" for key, value in result.items()))
    return 0
