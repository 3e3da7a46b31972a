"""The `yingji` command: demo, serve, worker, check-config, regions, createuser, token, manage.

Errors print one line and exit with status 2; nothing is half-done.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

from yingji import (
    cli_accidents,
    cli_backup,
    cli_hazards,
    cli_ingest,
    cli_monitoring,
    cli_registry,
    cli_risk,
    cli_simulate,
    cli_warnings,
    config,
    metrics_dir,
)
from yingji.cli_errors import CommandError

console = Console(stderr=True)
Handler = Callable[[argparse.Namespace], int]


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yingji.settings")
    cfg = config.load()
    if cfg.errors:
        raise CommandError(cfg.errors[0] + " (see `yingji check-config`)")
    import django

    django.setup()


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        console=console,
        transient=True,
    )


def _load_regions(force: bool = False) -> Any:
    from yingji.regions import services

    with _progress() as bar:
        task = bar.add_task("行政区划 regions", total=100)
        return services.load_dataset(
            force=force,
            progress=lambda pct, msg: bar.update(
                task, completed=pct, description=f"regions: {msg}"
            ),
        )


def _migrate() -> None:
    from django.core.management import call_command

    with console.status("数据库迁移 migrating the database…"):
        call_command("migrate", interactive=False, verbosity=0)


# ---------------------------------------------------------------- commands


def cmd_check_config(args: argparse.Namespace) -> int:
    cfg = config.load()
    report = {"ok": not cfg.errors, "config": cfg.masked(), "errors": cfg.errors}
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        for key, value in cfg.masked().items():
            print(f"{key:22} {value}")
        for problem in cfg.errors:
            print(f"error: {problem}", file=sys.stderr)
    if not cfg.errors and args.connect:
        _setup_django()
        from django.db import connection

        try:
            connection.ensure_connection()
        except Exception as exc:
            print(f"error: cannot connect to the database: {exc}", file=sys.stderr)
            return 2
        from yingji.core import health

        if cfg.redis_url and health.queue_depth() is None:
            print(f"error: cannot reach Redis at {cfg.masked()['REDIS_URL']}", file=sys.stderr)
            return 2
    return 2 if cfg.errors else 0


def cmd_regions_summary(args: argparse.Namespace) -> int:
    _setup_django()
    from yingji.regions.selectors import level_counts

    counts = level_counts()
    if args.json:
        print(json.dumps(counts))
    else:
        for level, n in counts.items():
            print(f"{level:10} {n:>7,}")
    return 0


def cmd_regions_load(args: argparse.Namespace) -> int:
    _setup_django()
    result = _load_regions(force=args.force)
    state = "already up to date" if result.skipped else "loaded"
    print(f"regions {state}: {result.regions} regions, {result.boundaries} boundaries")
    return 0


def cmd_createuser(args: argparse.Namespace) -> int:
    _setup_django()
    from yingji.core import services

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    elif not sys.stdin.isatty():  # a script or a pipe: getpass would read it, then fail at EOF
        raise CommandError(
            "no terminal to ask for the password on; send it on standard input instead: "
            "printf '%s\\n' \"$PASSWORD\" | yingji createuser ... --password-stdin"
        )
    else:
        try:
            password = getpass.getpass("Password: ")
            again = getpass.getpass("Password (again): ")
        except EOFError:
            raise CommandError("no password given (end of input)") from None
        if password != again:
            raise CommandError("the two passwords differ")
    user = services.create_user(
        actor=None,
        username=args.username,
        password=password,
        region_code=args.region,
        roles=args.role or [],
        display_name=args.display_name or "",
        is_superuser=args.superuser,
        is_machine=args.machine,
    )
    print(f"created user {user.username} (id {user.pk})")
    return 0


def cmd_token_create(args: argparse.Namespace) -> int:
    _setup_django()
    from django.utils import timezone

    from yingji.core import services

    expires = timezone.now() + timedelta(days=args.days) if args.days else None
    issued = services.create_api_token(
        actor=None, username=args.username, name=args.name, expires_at=expires
    )
    print(
        json.dumps(
            {
                "id": issued.token.pk,
                "token": issued.secret,
                "expires_at": expires.isoformat() if expires else None,
            }
        )
    )
    console.print("[yellow]Store this token now: only its hash is kept.[/yellow]")
    return 0


def cmd_token_revoke(args: argparse.Namespace) -> int:
    _setup_django()
    from yingji.core import services

    services.revoke_api_token(actor=None, token_id=args.id)
    print(f"revoked token {args.id}")
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    _setup_django()
    from yingji.core import worker

    worker.run(queues=args.queues, interval=args.interval, batch=args.batch)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    _setup_django()  # refuses to start on a bad configuration (e.g. no secret key)
    from yingji import serve

    for name in ("workers", "threads"):
        if getattr(args, name) < 1:
            raise CommandError(f"--{name} must be at least 1")
    _ensure_port_free(args.host, args.port)
    cfg = config.load()
    # the /metrics counters of all web processes; set before they import prometheus_client
    metrics = metrics_dir.prepare(cfg.data_dir, f"{args.host}:{args.port}")
    try:
        serve.run(
            args.host,
            args.port,
            workers=args.workers,
            threads=args.threads,
            log_level=args.log_level,
            json_logs=cfg.log_format == "json",
        )
    finally:
        metrics_dir.clear(metrics)
    return 0


def cmd_manage(args: argparse.Namespace) -> int:
    _setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["yingji manage", *args.rest])
    return 0


def _ensure_port_free(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise CommandError(
                f"port {port} on {host} is in use ({exc.strerror}); stop the other server "
                "or choose another port with --port"
            ) from exc


def cmd_demo(args: argparse.Namespace) -> int:
    data_dir = config.load().data_dir
    config.ensure_demo_secret_key(data_dir)
    _setup_django()
    from yingji.demo import DEMO_PASSWORD, ensure_demo_users

    _migrate()
    _load_regions()
    users = ensure_demo_users()
    _load_demo_registries(args.scale)
    _load_demo_monitoring()
    _feed_demo_readings()
    _load_demo_risk()
    from yingji.plans import demo as plans_demo  # the 电子预案 library (示例), once

    console.print(f"[green]demo plans[/green] {json.dumps(plans_demo.load() or 'loaded')}")
    _load_demo_enforcement_and_accidents()
    from yingji.regions.selectors import level_counts

    counts = level_counts()
    console.print(f"[green]regions[/green] {json.dumps(counts)}")
    console.print(f"\n[bold]Demo logins[/bold] (password for all: [bold]{DEMO_PASSWORD}[/bold])")
    for user in users:
        roles = ", ".join(str(r) for r in user.roles) or ("superuser" if user.superuser else "")
        console.print(f"  {user.username:16} {user.display_name}  [dim]{roles}[/dim]")
    if args.no_serve:
        return 0
    _ensure_port_free(args.host, args.port)
    return _run_web_and_worker(args.host, args.port)


def _load_demo_enforcement_and_accidents() -> None:
    from yingji.accidents import demo as accidents_demo
    from yingji.enforcement import demo as enforcement_demo

    with console.status("示范事故 demo accidents…"):
        accidents = accidents_demo.load()  # before the safety codes, which count accidents
    console.print(f"[green]demo accidents[/green] {json.dumps(accidents, ensure_ascii=False)}")
    with console.status("示范执法 demo enforcement…") as status:
        counts = enforcement_demo.load(lambda part: status.update(f"示范执法 demo {part}…"))
    console.print(f"[green]demo enforcement[/green] {json.dumps(counts, ensure_ascii=False)}")


def _load_demo_registries(scale: str) -> None:
    from yingji.registry import demo

    if demo.already_loaded():
        console.print("[dim]demo registries already loaded[/dim]")
        return
    with _progress() as bar:
        task = bar.add_task("示范数据 demo registries", total=100)
        counts = demo.load(
            scale=scale, progress=lambda pct, msg: bar.update(task, completed=pct, description=msg)
        )
    console.print(f"[green]demo registries[/green] {json.dumps(counts, ensure_ascii=False)}")


def _load_demo_risk() -> None:
    """Demo risk inputs, then a first assessment so the maps have colours at once."""
    from yingji.risk import demo, services
    from yingji.risk.models import CurrentRisk
    from yingji.risk.sources import Selection

    if not demo.already_loaded():
        with console.status("示范风险数据 demo risk inputs…"):
            counts = demo.load()
        console.print(f"[green]demo risk inputs[/green] {json.dumps(counts)}")
    _load_demo_hazards()  # before the first assessment, so open hazards count in the colours
    if CurrentRisk.objects.exists():
        return
    with _progress() as bar:
        task = bar.add_task("风险评估 risk assessment", total=100)
        run = services.enterprises.assess(
            Selection(),
            reason="示范 demo",
            progress=lambda pct, msg: bar.update(task, completed=pct, description=msg),
        )
        services.area.assess_areas()
        demo.supervise_high_risk()
        services.control.publish()
    console.print(f"[green]risk assessed[/green] {run.enterprises} enterprises {run.colour_counts}")


def _load_demo_monitoring() -> None:
    from yingji.monitoring import demo as monitoring_demo

    if monitoring_demo.already_loaded():
        console.print("[dim]demo monitoring network already loaded[/dim]")
        return
    with console.status("示范监测网络 demo monitoring network…"):
        counts = monitoring_demo.load()
    console.print(f"[green]demo monitoring network[/green] {json.dumps(counts)}")


def _feed_demo_readings() -> None:
    from yingji.monitoring import demo as monitoring_demo

    with console.status("示范监测数据 demo readings and alarms…"):
        counts = monitoring_demo.feed_recent()
    if counts:
        console.print(f"[green]demo readings[/green] {json.dumps(counts)}")


def _load_demo_hazards() -> None:
    from yingji.hazards import demo as hazards_demo

    if hazards_demo.already_loaded():
        console.print("[dim]demo hidden hazards already loaded[/dim]")
        return
    with console.status("示范隐患 demo hidden hazards…"):
        counts = hazards_demo.load()
    console.print(f"[green]demo hidden hazards[/green] {json.dumps(counts)}")
    from yingji.demo import bind_enterprise_user

    bound = bind_enterprise_user()
    if bound:
        console.print(f"[green]xihu_company[/green] acts for {bound}")


def _run_web_and_worker(host: str, port: int) -> int:
    exe = [sys.executable, "-m", "yingji.cli"]
    worker = subprocess.Popen([*exe, "worker"])
    web = subprocess.Popen([*exe, "serve", "--host", host, "--port", str(port)])
    console.print(
        f"\n[bold green]Yingji is running on http://{host}:{port}/[/bold green]"
        "  (Ctrl+C stops web and worker)"
    )
    stopping = False

    def stop(*_args: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    code = 0
    while not stopping:
        for proc, name in ((web, "web"), (worker, "worker")):
            if proc.poll() is not None:
                console.print(f"[red]{name} exited with status {proc.returncode}[/red]")
                code, stopping = proc.returncode or 1, True
        time.sleep(0.5)
    for proc in (web, worker):
        if proc.poll() is None:
            proc.terminate()
    for proc in (web, worker):
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
    return code


# ---------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="yingji", description="Yingji (应急) platform")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("demo", help="migrate, load regions and demo users, run web + worker")
    p.add_argument("--no-serve", action="store_true", help="prepare everything, then exit")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument(
        "--scale",
        choices=["default", "province"],
        default="default",
        help="province: 500,000 enterprises instead of 20,000",
    )
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("serve", help="run the web server (uvicorn; pages in a pool of threads)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=1, help="processes (about one per core)")
    p.add_argument("--threads", type=int, default=4, help="threads per process for the pages")
    p.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser(
        "worker", help="run background jobs (Django Tasks: database backend, or RQ with REDIS_URL)"
    )
    p.add_argument("--queues", default="*", help="comma-separated queue names, * for all")
    p.add_argument("--interval", type=float, default=1.0)
    p.add_argument("--batch", action="store_true", help="run what is queued, then exit")
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("check-config", help="print the effective configuration, secrets masked")
    p.add_argument("--json", action="store_true")
    p.add_argument("--connect", action="store_true", help="also try to reach the database")
    p.set_defaults(func=cmd_check_config)

    regions = sub.add_parser("regions", help="administrative divisions").add_subparsers(
        dest="regions_command", required=True
    )
    p = regions.add_parser("summary", help="number of regions per level")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_regions_summary)
    p = regions.add_parser("load", help="load data/regions into the database (idempotent)")
    p.add_argument("--force", action="store_true", help="reload even if unchanged")
    p.set_defaults(func=cmd_regions_load)

    p = sub.add_parser("createuser", help="create an account")
    p.add_argument("username")
    p.add_argument("--region", help="home region code, e.g. 330106")
    p.add_argument("--role", action="append", help="role (repeatable), e.g. county_staff")
    p.add_argument("--display-name")
    p.add_argument("--superuser", action="store_true")
    p.add_argument("--machine", action="store_true", help="an API client, not a person")
    p.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    p.set_defaults(func=cmd_createuser)

    _add_token_parsers(sub)
    _add_domain_parsers(sub)

    p = sub.add_parser("manage", help="run a Django management command")
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_manage)
    return parser


def _add_domain_parsers(sub: Any) -> None:
    """The commands each domain brings (registries, risk, monitoring, hazards, warnings …)."""
    cli_registry.add_parser(sub, _setup_django, _progress)
    cli_risk.add_parser(sub, _setup_django, _progress)
    cli_monitoring.add_parser(sub)
    cli_hazards.add_parser(sub, _setup_django)
    cli_ingest.add_parser(sub, _setup_django)
    cli_warnings.add_parser(sub, _setup_django)
    cli_simulate.add_parser(sub, _setup_django)  # yingji simulate typhoon
    cli_accidents.add_parser(sub)
    cli_backup.add_parser(sub, _setup_django)  # yingji backup, yingji restore


def _add_token_parsers(sub: Any) -> None:
    tokens = sub.add_parser("token", help="API tokens for machine clients").add_subparsers(
        dest="token_command", required=True
    )
    p = tokens.add_parser("create", help="issue a token (printed once)")
    p.add_argument("username")
    p.add_argument("--name", required=True)
    p.add_argument("--days", type=int, help="expire after N days")
    p.set_defaults(func=cmd_token_create)
    p = tokens.add_parser("revoke", help="revoke a token by id")
    p.add_argument("id", type=int)
    p.set_defaults(func=cmd_token_revoke)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from django.core.exceptions import ImproperlyConfigured

    from yingji.core.errors import DomainError

    try:
        code: int = args.func(args)
    except DomainError as exc:
        where = f"{exc.field}: " if exc.field else ""
        print(f"error: {where}{exc.message}", file=sys.stderr)
        return 2
    except (CommandError, ImproperlyConfigured) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
