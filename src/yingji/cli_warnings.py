"""`yingji warnings import-cap FILE_OR_URL --as USERNAME`, `export-cap ID`, `drain`, `load-guides`.

``import-cap`` reads an upstream CAP 1.2 file (a path, or an http(s) URL fetched with a
10-second timeout and a 1 MB cap) into a new warning draft of the ``--as`` user's office, as
:func:`yingji.alerts.capio.from_cap` does for the API: a rejected file exits 2 with the reason
and creates nothing. ``export-cap`` prints a warning's CAP 1.2 XML (status ``Draft`` until it
has been issued; signed when a key and a certificate are configured).
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from yingji.cli_errors import CommandError

if TYPE_CHECKING:
    from yingji.core.models import User

MAX_BYTES: Final = 1_000_000
TIMEOUT: Final = 10.0


def add_parser(sub: Any, setup: Callable[[], None]) -> None:
    warnings = sub.add_parser("warnings", help="warnings (预警): CAP 1.2 import and export")
    commands = warnings.add_subparsers(dest="warnings_command", required=True)
    p = commands.add_parser(
        "import-cap",
        help="read a CAP 1.2 file or http(s) URL into a new warning draft",
        description="Only the areas in the user's jurisdiction are kept; an invalid, hostile "
        "or foreign-only file is refused (exit 2) and nothing is created.",
    )
    p.add_argument("source", metavar="FILE_OR_URL")
    p.add_argument("--as", dest="username", required=True, metavar="USERNAME",
                   help="the drafter: a user who may draft warnings")  # fmt: skip
    p.add_argument("--json", action="store_true", help='print {"id": N}')
    p.set_defaults(func=lambda a: import_cap(a, setup))
    p = commands.add_parser("export-cap", help="print a warning as CAP 1.2 XML")
    p.add_argument("id", type=int, metavar="ID")
    p.set_defaults(func=lambda a: export_cap(a, setup))
    p = commands.add_parser(
        "drain",
        help="send the outbox's messages through the configured channels",
        description="Drains every channel configured in YINGJI_CHANNELS_FILE (or those named) "
        "until nothing is due, or with --follow forever; several processes on several hosts "
        "share the work through the outbox's leases.",
    )
    p.add_argument("--channel", action="append", metavar="NAME", help="only this channel")
    p.add_argument("--follow", action="store_true", help="keep draining as messages arrive")
    p.add_argument("--json", action="store_true", help="print the counts as JSON")
    p.set_defaults(func=lambda a: drain(a, setup))
    p = commands.add_parser(
        "load-guides",
        help="load 防御指南 (defence guides) from a JSON file",
        description="Without FILE, the guides shipped in data/alerts/defence_guides.json (also "
        "loaded by every migrate). Guides already stored are kept unless --replace; a bad "
        "file is refused (exit 2) and changes nothing.",
    )
    p.add_argument("file", nargs="?", type=Path, metavar="FILE")
    p.add_argument("--replace", action="store_true", help="overwrite guides already stored")
    p.add_argument("--json", action="store_true", help="print the counts as JSON")
    p.set_defaults(func=lambda a: load_guides(a, setup))


class _SafeRedirect(urllib.request.HTTPRedirectHandler):
    """Follow redirects to http(s) only (never to ftp: or file:)."""

    def redirect_request(  # noqa: PLR0917 - urllib's signature
        self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str
    ) -> Any:
        if not newurl.lower().startswith(("http://", "https://")):
            raise CommandError(f"redirected to {newurl[:80]!r}: only http(s) is fetched")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _fetch(url: str) -> bytes:
    opener = urllib.request.build_opener(_SafeRedirect())
    accept = {"Accept": "application/cap+xml, application/xml"}
    request = urllib.request.Request(url, headers=accept)  # noqa: S310 - http(s) checked
    try:
        with opener.open(request, timeout=TIMEOUT) as response:
            data: bytes = response.read(MAX_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise CommandError(f"{url[:120]}: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise CommandError(f"{url[:120]}: cannot fetch ({reason})") from None
    return data


def read_source(source: str) -> bytes:
    """The bytes of a file or an http(s) URL, at most 1 MB."""
    lowered = source.lower()
    if "://" in source:
        if not lowered.startswith(("http://", "https://")):
            raise CommandError(f"{source[:80]}: only http:// and https:// URLs are fetched")
        data = _fetch(source)
    else:
        path = Path(source)
        if not path.is_file():
            raise CommandError(f"{source}: no such file")
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise CommandError(f"{source[:120]}: larger than {MAX_BYTES} bytes, not a CAP message")
    return data


def _drafter(username: str) -> User:
    from yingji.core.models import User  # noqa: PLC0415 - after setup

    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"--as: no active user {username!r}")
    return user


def import_cap(args: argparse.Namespace, setup: Callable[[], None]) -> int:
    data = read_source(args.source)
    setup()
    from yingji.alerts import capio  # noqa: PLC0415 - after setup

    warning = capio.from_cap(_drafter(args.username), data)
    if args.json:
        print(json.dumps({"id": warning.pk}))
    else:
        print(f"draft #{warning.pk}: {warning.headline}")
    return 0


def export_cap(args: argparse.Namespace, setup: Callable[[], None]) -> int:
    setup()
    from yingji.alerts import capio  # noqa: PLC0415 - after setup
    from yingji.alerts.models import Warning  # noqa: PLC0415 - after setup

    warning = Warning.objects.select_related("sender", "references__sender").filter(pk=args.id)
    found = warning.first()
    if found is None:
        raise CommandError(f"no warning #{args.id}")
    sys.stdout.write(capio.to_xml(found).decode("utf-8"))
    return 0


def drain(args: argparse.Namespace, setup: Callable[[], None]) -> int:
    setup()
    from yingji.alerts import dispatch  # noqa: PLC0415 - after setup

    try:
        totals = dispatch.drain_all(args.channel, follow=args.follow)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    if args.json:
        print(json.dumps(totals))
    else:
        for name, counts in totals.items():
            print(f"{name}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        if not totals:
            print("no channel is configured (YINGJI_CHANNELS_FILE)")
    return 0


def load_guides(args: argparse.Namespace, setup: Callable[[], None]) -> int:
    setup()
    from yingji.alerts.services import guides  # noqa: PLC0415 - after setup
    from yingji.core.errors import InvalidInput  # noqa: PLC0415

    try:
        counts = guides.load(args.file, replace=args.replace)
    except InvalidInput as exc:
        raise CommandError(str(exc)) from None
    print(json.dumps(counts) if args.json else ", ".join(f"{k} {v}" for k, v in counts.items()))
    return 0
