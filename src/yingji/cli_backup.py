"""`yingji backup [PATH] [--json]` and `yingji restore PATH [--yes] [--check] [--json]`.

Progress goes to stderr; stdout carries the one-line summary, or with ``--json`` only the
JSON summary. ``restore`` without ``--yes`` asks on a terminal and refuses when stdin is not
one (a script must say --yes). Exit status: 0 done, 1 cancelled or rows differing from the
manifest after a restore, 2 refused (one line saying why; nothing was changed).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from yingji.cli_errors import CommandError

if TYPE_CHECKING:
    from yingji.core.backup import Manifest, RestoreResult

console = Console(stderr=True)


def add_parser(sub: Any, setup: Callable[[], None]) -> None:
    p = sub.add_parser(
        "backup",
        help="back up the database and the uploaded files into one .tar.gz",
        description="A consistent snapshot of the database (while web and workers run) and "
        "every uploaded file, with a manifest of row counts and SHA-256 sums. "
        "See docs/backup-and-recovery.md.",
    )
    p.add_argument(
        "path",
        nargs="?",
        type=Path,
        help="archive to write, or a directory for it "
        "(default: <data dir>/backups/yingji-<UTC time>.tar.gz)",
    )
    p.add_argument("--json", action="store_true", help="print the summary as JSON only")
    p.set_defaults(func=lambda a: backup(a, setup))

    p = sub.add_parser(
        "restore",
        help="restore a backup over this site (stop web and workers first)",
        description="Checks the whole archive first (manifest, every SHA-256, safe names, "
        "same database vendor, migrations not newer than this code), then replaces the "
        "database and the uploaded files; the previous ones are kept as *.before-restore-*.",
    )
    p.add_argument("path", type=Path, help="the .tar.gz written by `yingji backup`")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.add_argument("--check", action="store_true", help="only check the archive; change nothing")
    p.add_argument("--json", action="store_true", help="print the summary as JSON only")
    p.set_defaults(func=lambda a: restore(a, setup))


@contextmanager
def _progress() -> Iterator[tuple[Callable[[str, int, int], None], Callable[[], None]]]:
    """The progress callback for the services, and a function that removes the bar (before
    a question is asked)."""
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("starting", total=None)

        def update(what: str, done: int, total: int) -> None:
            bar.update(task, description=what, completed=done, total=total or None)

        yield update, bar.stop


def _size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"  # pragma: no cover - the loop returns


def backup(args: argparse.Namespace, setup: Callable[[], None]) -> int:
    setup()
    from yingji.core import backup as service  # noqa: PLC0415 - after Django is set up

    with _progress() as (progress, _stop):
        result = service.create(path=args.path, progress=progress)
    summary = result.as_dict()
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
        return 0
    for item in result.manifest.skipped:
        console.print(f"[yellow]skipped[/yellow] {item}")
    print(
        f"backup {summary['path']}: {_size(summary['size'])}, {summary['tables']} tables, "
        f"{summary['rows']:,} rows, {summary['files']:,} files "
        f"({_size(summary['file_bytes'])}), {summary['seconds']:.1f} s"
    )
    return 0


def restore(args: argparse.Namespace, setup: Callable[[], None]) -> int:
    if not args.check and not args.yes and not sys.stdin.isatty():
        raise CommandError(
            "refusing to restore without --yes: stdin is not a terminal, so nobody can "
            "confirm (add --yes in scripts); nothing was changed"
        )
    if not args.path.is_file():
        raise CommandError(f"{args.path}: no such archive")
    setup()
    from yingji.core import backup as service  # noqa: PLC0415 - after Django is set up

    if args.check:
        with _progress() as (progress, _stop):
            manifest = service.check(args.path, progress=progress)
        return _report_check(args, manifest)
    with _progress() as (progress, stop):
        result = service.restore(args.path, confirm=_confirm(args, stop), progress=progress)
    if result is None:
        print("restore cancelled; nothing was changed", file=sys.stderr)
        return 1
    return _report_restore(args, result)


def _confirm(
    args: argparse.Namespace, stop_progress: Callable[[], None]
) -> Callable[[Manifest], bool]:
    def confirm(manifest: Manifest) -> bool:
        if args.yes:
            return True
        stop_progress()
        from django.conf import settings  # noqa: PLC0415 - after Django is set up

        console.print(
            f"\nRestore [bold]{args.path}[/bold] (made {manifest.created_at} by Yingji "
            f"{manifest.yingji_version}: {len(manifest.tables)} tables, {manifest.rows:,} rows, "
            f"{len(manifest.files):,} files)\nover the database and the uploaded files of "
            f"[bold]{settings.DATA_DIR}[/bold]? The current ones are kept as "
            "*.before-restore-*. Web and workers must be stopped."
        )
        console.print("Type [bold]yes[/bold] to restore: ", end="")
        try:
            answer = input()
        except EOFError:
            answer = ""
        return answer.strip().lower() == "yes"

    return confirm


def _report_check(args: argparse.Namespace, manifest: Manifest) -> int:
    summary = {
        "ok": True,
        "created_at": manifest.created_at,
        "yingji_version": manifest.yingji_version,
        "vendor": manifest.vendor,
        "tables": len(manifest.tables),
        "rows": manifest.rows,
        "files": len(manifest.files),
        "file_bytes": manifest.file_bytes,
        "database_bytes": manifest.database.size,
    }
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
    else:
        print(
            f"archive OK: {args.path} made {manifest.created_at} ({manifest.vendor}), "
            f"{summary['tables']} tables, {manifest.rows:,} rows, {len(manifest.files):,} files; "
            "every SHA-256 matches"
        )
    return 0


def _report_restore(args: argparse.Namespace, result: RestoreResult) -> int:
    summary = result.as_dict()
    mismatches = result.mismatches
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
    else:
        tables = sorted(set(result.manifest.tables) | set(result.counts))
        console.print(f"  {'table':48} {'manifest':>10} {'restored':>10}", highlight=False)
        for table in tables:
            expected, actual = result.manifest.tables.get(table), result.counts.get(table)
            if expected == actual == 0:
                continue
            mark = "ok" if expected == actual else "DIFFERS"
            console.print(f"  {table:48} {expected!s:>10} {actual!s:>10}  {mark}", highlight=False)
        empty = sum(1 for t in tables if result.manifest.tables.get(t) == result.counts.get(t) == 0)
        console.print(f"  (and {empty} empty tables, empty in both)", highlight=False)
        for path in result.kept:
            console.print(f"[dim]kept the previous {path}[/dim]")
        if result.pending_migrations:
            console.print(
                f"[yellow]{len(result.pending_migrations)} migrations of this code are not "
                "applied to the restored database: run `yingji manage migrate` before "
                "starting the site[/yellow]"
            )
        state = "restored" if not mismatches else "RESTORED WITH DIFFERENCES"
        print(
            f"{state} {args.path}: {summary['tables']} tables, {summary['rows']:,} rows, "
            f"{summary['files']:,} files, {summary['seconds']:.1f} s"
        )
    if mismatches:
        names = ", ".join(list(mismatches)[:5])
        print(f"error: row counts differ from the manifest in {names}", file=sys.stderr)
        return 1
    return 0
