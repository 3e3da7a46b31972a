"""`yingji registry …`: summary, template, import and export for batch work."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from rich.console import Console

from yingji.cli_errors import CommandError

console = Console(stderr=True)


def add_parser(sub: Any, setup: Any, progress: Any) -> None:
    """Attach the `registry` subcommands to the main parser (setup: Django, progress: rich)."""
    registry = sub.add_parser("registry", help="registries: summary, template, import, export")
    commands = registry.add_subparsers(dest="registry_command", required=True)

    p = commands.add_parser("summary", help="count of every registry entity")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=lambda a: summary(a, setup))

    p = commands.add_parser("template", help="write an entity's import template")
    p.add_argument("entity")
    p.add_argument("--out", required=True, type=Path)
    p.set_defaults(func=lambda a: template(a, setup))

    p = commands.add_parser("import", help="import a workbook: all rows or none")
    p.add_argument("entity")
    p.add_argument("file", type=Path)
    p.add_argument("--dry-run", action="store_true", help="check only; write nothing")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=lambda a: import_(a, setup, progress))

    p = commands.add_parser("export", help="export an entity to Excel")
    p.add_argument("entity")
    p.add_argument("--out", required=True, type=Path)
    p.add_argument("--region", help="only this region's subtree, e.g. 330106")
    p.set_defaults(func=lambda a: export(a, setup, progress))


def _spec(name: str) -> Any:
    from yingji.core.registry import spec as specs

    spec = specs.get(name)
    if spec is None:
        names = ", ".join(s.name for s in specs.all_specs())
        raise CommandError(f"unknown entity {name!r}; choose one of: {names}")
    return spec


def summary(args: argparse.Namespace, setup: Any) -> int:
    setup()
    from yingji.core.registry import selectors
    from yingji.core.registry import spec as specs
    from yingji.regions.models import Region

    counts = {s.name: selectors.records(None, s).count() for s in specs.all_specs()}
    counts["disaster_prone_villages"] = Region.objects.filter(disaster_prone=True).count()
    if args.json:
        print(json.dumps(counts))
    else:
        for name, n in counts.items():
            print(f"{name:28} {n:>9,}")
    return 0


def template(args: argparse.Namespace, setup: Any) -> int:
    setup()
    from yingji.core.registry import excel

    spec = _spec(args.entity)
    args.out.write_bytes(excel.template(spec))
    print(f"wrote {args.out}")
    return 0


def import_(args: argparse.Namespace, setup: Any, progress: Any) -> int:
    setup()
    from yingji.core.registry import excel, services

    spec = _spec(args.entity)
    try:
        content = args.file.read_bytes()
    except OSError as exc:
        raise CommandError(f"cannot read {args.file}: {exc.strerror}") from exc
    rows = excel.read(spec, content)
    try:
        with progress() as bar:
            task = bar.add_task(f"import {spec.name}", total=100)
            result = services.import_rows(
                actor=None, spec=spec, rows=rows, dry_run=args.dry_run,
                progress=lambda pct, msg: bar.update(task, completed=pct, description=msg),
            )  # fmt: skip
    except services.RowErrors as exc:
        if args.json:
            print(json.dumps({"errors": [e.as_dict() for e in exc.errors]}, ensure_ascii=False))
        else:
            for error in exc.errors[:50]:
                print(f"row {error.row}, {error.label}: {error.message}", file=sys.stderr)
            print(f"error: {len(exc.errors)} problem(s); nothing was imported", file=sys.stderr)
        return 2
    report = {"imported": result.created + result.updated, "created": result.created,
              "updated": result.updated, "dry_run": args.dry_run}  # fmt: skip
    print(json.dumps(report) if args.json else
          f"{'checked' if args.dry_run else 'imported'} {report['imported']} rows "
          f"({result.created} new, {result.updated} updated)")  # fmt: skip
    return 0


def export(args: argparse.Namespace, setup: Any, progress: Any) -> int:
    setup()
    from yingji.core import exports

    spec = _spec(args.entity)
    export_spec = exports.get(f"registry.{spec.name}")
    assert export_spec is not None  # noqa: S101 - every registry registers its export
    filters = {"region": args.region} if args.region else {}
    with progress() as bar:
        task = bar.add_task(f"export {spec.name}", total=100)
        rows = exports.write_workbook(
            export_spec, None, filters, args.out,
            lambda pct, msg: bar.update(task, completed=pct, description=msg),
        )  # fmt: skip
    print(f"wrote {rows} rows to {args.out}")
    return 0
