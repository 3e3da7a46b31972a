"""`yingji accidents grade --dead N --seriously-injured N --loss-yuan X [--json]`: the grade of
a work-safety accident by Decree 493 (the kernel the incident pages use; no database)."""

from __future__ import annotations

import argparse
import json
import math
from decimal import Decimal, InvalidOperation
from typing import Any

from yingji.cli_errors import CommandError


def add_parser(sub: Any) -> None:
    accidents = sub.add_parser("accidents", help="work-safety accidents (生产安全事故)")
    commands = accidents.add_subparsers(dest="accidents_command", required=True)
    p = commands.add_parser(
        "grade",
        help="the grade by 国务院令第493号 from deaths, serious injuries and direct loss",
        description="Prints the grade (一般, 较大, 重大 or 特别重大) and the criteria that decide "
        'it: the most severe of the three, boundaries included ("以上").',
    )
    p.add_argument("--dead", type=_whole, default=0, metavar="N", help="deaths (incl. missing "
                   "presumed dead, if so counted)")  # fmt: skip
    p.add_argument("--seriously-injured", type=_whole, default=0, metavar="N",
                   help="serious injuries, acute industrial poisoning included")  # fmt: skip
    p.add_argument("--loss-yuan", type=_yuan, default=Decimal(0), metavar="X",
                   help="direct economic loss in yuan")  # fmt: skip
    p.add_argument("--json", action="store_true", help='print {"grade": …, "decided_by": […]}')
    p.set_defaults(func=grade)


def _whole(text: str) -> int:
    if not text.strip().isdigit() or len(text) > 9:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of people ≥ 0")
    return int(text)


def _yuan(text: str) -> Decimal:
    try:
        value = Decimal(text.strip().replace(",", "")) if len(text) <= 30 else Decimal("nan")
    except InvalidOperation:
        value = Decimal("nan")
    if not value.is_finite() or value < 0 or not math.isfinite(float(value)):
        raise argparse.ArgumentTypeError(f"{text!r} is not an amount of yuan ≥ 0")
    return value


def grade(args: argparse.Namespace) -> int:
    from yingji.kernels import accidents  # noqa: PLC0415 - keep `yingji --help` fast

    try:
        result = accidents.grade(args.dead, args.seriously_injured, args.loss_yuan)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    if args.json:
        print(json.dumps({"grade": result.grade, "decided_by": list(result.decided_by)},
                         ensure_ascii=False))  # fmt: skip
    else:
        by = "、".join(result.decided_by) or "nothing counted"
        print(f"{result.grade} (decided by {by})")
    return 0
