"""Benchmark: the web tier under load at province scale (issue 11, production and scale-out).

The province-scale demo (``yingji demo --no-serve --scale province``: 500,000 enterprises and
the rest of the demo) plus a typhoon replay over 台州 (``yingji simulate typhoon --scale
small``: warnings, 叫应, incidents — the demo alone has none) in a PostgreSQL database of its
own, served by ``yingji serve --workers 2 --threads 4`` (uvicorn) on a free loopback port and
driven by wrk with 64 concurrent clients (64 threads of one connection each, ``mix.lua``).
The mix (``bench/web/wrkmix.py``), by share of requests:

- one-map 25 %: the page ``/`` and what its script fetches — the county and city boundaries,
  the layer list and layers in a view (the province at zoom 7, a city at 10, a county at 12,
  every layer);
- lists 30 %: the enterprise registry (first page, page 7, a filter, a sort, each city), its
  API, hidden hazards, warnings, incidents, alarms;
- detail pages 30 %: enterprises and their risk cards, hidden hazards, warnings, incidents —
  400 ids of each drawn from the database (seeded);
- ingest 15 %: ``POST /api/ingest/readings``, 10 readings of rain gauges at the current
  second, with one of 16 API tokens of the demo's gateway account.

Pages and map requests are read as the province duty officer (``zj_staff``: the whole
province in scope, the heaviest lists and counts), signed in once through the login form;
their session cookie goes with every request. The rate limits stay at their defaults (ingest
6,000 a minute per token, sign-in 20 a minute per address): 16 tokens stay far below.

Baseline in the same run: ``GET /livez`` — a minimal JSON view behind the whole middleware
stack, no database, no session — with the same 64 connections, before and after the mix (the
machine may be shared, so both are reported). Each phase has a warm-up. Output: one JSON
object (throughput; p50/p90/p99/max overall, per class and per endpoint; statuses; baseline;
ratios; machine) on stdout and a short summary on stderr. Targets: p99 ≤ 300 ms for pages and
API, ≥ 500 requests/s overall on a 2-core machine. With 64 clients that never pause, the mean
latency is 64 / throughput (Little's law): the two targets stand or fall together.

Preparation takes many minutes, so the database (default ``yingji_bench`` on the local
cluster) and its data directory (default ``var/bench-web``) are kept and reused while the
marker ``prepared.json`` there says the preparation completed; ``--fresh`` rebuilds both.
A reused database is migrated first, so a new index reaches it.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path
from typing import Any

import psycopg

from web import wrkmix

ROOT = Path(__file__).resolve().parent.parent
YINGJI = [sys.executable, "-m", "yingji.cli"]
DEFAULT_DB = "postgres://yingji:yingji-ci@127.0.0.1:5432/yingji_bench"
MARKER = "prepared.json"
TARGET_P99_MS = 300
TARGET_RPS = 500
TOKENS = 16
SENSORS = 2_000
IDS = 400  # ids drawn per kind of detail page


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run(command: list[str], env: dict[str, str], **kwargs: Any) -> subprocess.CompletedProcess[Any]:
    """This interpreter's ``yingji`` command (a fixed argv, no shell)."""
    return subprocess.run([*YINGJI, *command], env=env, check=False, **kwargs)  # noqa: S603


# ------------------------------------------------------------------ preparation


def db_name(url: str) -> str:
    return urllib.parse.urlsplit(url).path.strip("/")


def connect(url: str, dbname: str | None = None) -> psycopg.Connection[Any]:
    """An autocommit connection to ``url``'s server: its database, or ``dbname``."""
    parts = urllib.parse.urlsplit(url)
    return psycopg.connect(
        host=parts.hostname, port=parts.port or 5432, user=parts.username,
        password=urllib.parse.unquote(parts.password or ""), dbname=dbname or db_name(url),
        autocommit=True,
    )  # fmt: skip


def database_exists(url: str) -> bool:
    try:
        with connect(url, "postgres") as conn:
            found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db_name(url)])
            return found.fetchone() is not None
    except psycopg.OperationalError as exc:
        server = urllib.parse.urlsplit(url).netloc.split("@")[-1]
        reason = " ".join(str(exc).split())[:200]
        hint = "start it (pg_ctlcluster 15 main start) or pass --database-url"
        raise SystemExit(f"PostgreSQL at {server} cannot be reached ({reason}); {hint}") from exc


def env_for(url: str, data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("YINGJI_", "REDIS_URL"))}
    env.update({"DATABASE_URL": url, "YINGJI_DATA_DIR": str(data_dir),
                "YINGJI_ALLOWED_HOSTS": "127.0.0.1,localhost", "YINGJI_DEBUG": "0",
                "DJANGO_SETTINGS_MODULE": "yingji.settings", "PYTHONUNBUFFERED": "1"})  # fmt: skip
    return env


PREPARE_STEPS = (
    ("demo", ["demo", "--no-serve", "--scale", "{scale}"]),
    # Warnings, deliveries, 叫应 and incidents for their lists and pages (台州, 32 hours).
    ("typhoon", ["simulate", "typhoon", "--scale", "small", "--json"]),
)


def prepare(url: str, data_dir: Path, scale: str, *, fresh: bool) -> dict[str, Any]:
    """The prepared database: reused when its marker says complete, else built and timed."""
    marker = data_dir / MARKER
    exists = database_exists(url)
    if not fresh and marker.is_file() and exists:
        found = json.loads(marker.read_text(encoding="utf-8"))
        if found.get("complete") and (found.get("database"), found.get("scale")) == (
            db_name(url),
            scale,
        ):
            log(f"reusing {found['database']} (prepared in {found['prepare_s'] / 60:.0f} min "
                f"on {found['finished_at']}); migrating it")  # fmt: skip
            if run(
                ["manage", "migrate", "--no-input", "-v", "0"], env_for(url, data_dir)
            ).returncode:
                raise SystemExit("migrating the prepared database failed")
            return {**found, "reused": True}
    for name in (db_name(url), data_dir.name):  # never drop what this script did not make
        if "bench" not in name:
            raise SystemExit(f"refusing to rebuild {name!r}: its name must contain 'bench'")
    log(f"preparing {db_name(url)} in {data_dir} (many minutes)…")
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    with connect(url, "postgres") as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db_name(url)}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{db_name(url)}"')
    steps: dict[str, float] = {}
    for step, template in PREPARE_STEPS:
        command = [part.format(scale=scale) for part in template]
        started = time.perf_counter()
        with (data_dir / f"{step}.log").open("wb") as out:
            done = run(command, env_for(url, data_dir), stdout=out, stderr=subprocess.STDOUT)
        steps[step] = round(time.perf_counter() - started, 1)
        if done.returncode:
            raise SystemExit(f"yingji {' '.join(command)} failed; see {data_dir}/{step}.log")
        log(f"  {step}: {steps[step] / 60:.1f} min")
    # A database in service is vacuumed and analysed by autovacuum as it goes; a freshly
    # loaded one may not be yet, and its plans would then differ from run to run.
    started = time.perf_counter()
    with connect(url) as conn:
        conn.execute("VACUUM (ANALYZE)")
    steps["vacuum_analyze"] = round(time.perf_counter() - started, 1)
    info = {"complete": True, "database": db_name(url), "scale": scale,
            "prepare_s": round(sum(steps.values()), 1), "steps_s": steps,
            "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}  # fmt: skip
    marker.write_text(json.dumps(info, indent=2), encoding="utf-8")
    log(f"prepared in {info['prepare_s'] / 60:.1f} min")
    return {**info, "reused": False}


def collect(url: str, username: str) -> dict[str, Any]:
    """What the mix needs from the database: ids, sensors, layers, fresh API tokens."""
    import django  # noqa: PLC0415 - configured from the command line first

    django.setup()
    from django.db import connection  # noqa: PLC0415

    from yingji.core import services  # noqa: PLC0415
    from yingji.core.models import User  # noqa: PLC0415
    from yingji.core.registry.maplayers import map_specs  # noqa: PLC0415

    def sample(table: str, where: str = "TRUE") -> list[int]:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id FROM {table} WHERE {where} ORDER BY id")
            ids = [row[0] for row in cursor.fetchall()]
        return random.Random(wrkmix.SEED).sample(ids, min(IDS, len(ids)))

    if not User.objects.filter(username=username).exists():
        raise SystemExit(f"no user {username!r} in {db_name(url)} (use a demo user)")
    with connection.cursor() as cursor:
        cursor.execute("SELECT code FROM monitoring_sensor WHERE type = 'rain' ORDER BY code"
                       " LIMIT %s", [SENSORS])  # fmt: skip
        sensors = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT count(*), version() FROM registry_enterprise")
        enterprises, pg_version = cursor.fetchone()
    stamp = time.strftime("%Y%m%d-%H%M%S")
    issued = [
        services.create_api_token(actor=None, username="demo-gateway", name=f"bench {stamp} {i}")
        for i in range(TOKENS)
    ]
    found = {
        "enterprises": sample("registry_enterprise", "voided_at IS NULL"),
        "hazards": sample("hazards_hiddenhazard"),
        "warnings": sample("alerts_warning"),
        "incidents": sample("incidents_incident"),
        "layers": [s.name for s in map_specs()],
        "sensors": sensors,
        "tokens": [t.secret for t in issued],
        "token_ids": [t.token.pk for t in issued],
        "enterprise_rows": enterprises,
        "postgresql": pg_version.split(" on ")[0],
    }
    connection.close()
    return found


def revoke(token_ids: list[int]) -> None:
    from django.db import connection  # noqa: PLC0415 - Django is set up by collect()

    from yingji.core import services  # noqa: PLC0415

    for pk in token_ids:
        services.revoke_api_token(actor=None, token_id=pk)
    connection.close()


# ------------------------------------------------------------------ server and session


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def request(port: int, method: str, path: str, headers: dict[str, str] | None = None,
            body: str | None = None) -> tuple[int, dict[str, str], bytes]:  # fmt: skip
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        answer = conn.getresponse()
        return answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read()
    finally:
        conn.close()


def start_server(env: dict[str, str], port: int, workers: int, threads: int, log_path: Path) -> Any:
    with log_path.open("wb") as out:
        proc = subprocess.Popen(  # noqa: S603 - this interpreter, fixed arguments
            [*YINGJI, "serve", "--host", "127.0.0.1", "--port", str(port),
             "--workers", str(workers), "--threads", str(threads), "--log-level", "warning"],
            env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"yingji serve exited ({proc.returncode}); see {log_path}")
        try:
            if request(port, "GET", "/livez")[0] == 200:
                return proc
        except OSError:
            time.sleep(0.2)
    stop_server(proc)
    raise SystemExit(f"yingji serve did not answer /livez within 90 s; see {log_path}")


def stop_server(proc: Any) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)  # uvicorn and its worker processes
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def login(port: int, username: str, password: str) -> str:
    """Sign in through the login form; the cookies as a ``Cookie`` header value."""
    status, headers, body = request(port, "GET", "/accounts/login/")
    csrf = re.search(r"yingji_csrftoken=([^;]+)", headers.get("set-cookie", ""))
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if status != 200 or csrf is None or token is None:
        raise SystemExit(f"the login page answered {status} without a CSRF cookie and token")
    form = urllib.parse.urlencode({"username": username, "password": password,
                                   "csrfmiddlewaretoken": token.group(1).decode()})  # fmt: skip
    status, headers, _body = request(port, "POST", "/accounts/login/", {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": f"yingji_csrftoken={csrf.group(1)}",
        "Referer": f"http://127.0.0.1:{port}/accounts/login/"}, form)  # fmt: skip
    session = re.search(r"yingji_session=([^;]+)", headers.get("set-cookie", ""))
    if status != 302 or session is None:
        raise SystemExit(f"signing in as {username} failed ({status})")
    return f"yingji_session={session.group(1)}; yingji_csrftoken={csrf.group(1)}"


def smoke(port: int, mix: list[wrkmix.Endpoint], cookie: str, found: dict[str, Any]) -> None:
    """Every endpoint answers 2xx once before the load: a broken URL fails loudly here."""
    for ep in mix:
        if ep.kind == "ingest":
            rows = [{"sensor": found["sensors"][0], "ts": int(time.time()) - 1, "value": 0.1}]
            answer = request(port, "POST", ep.paths[0], {
                **ep.headers, "Authorization": f"Bearer {found['tokens'][0]}"},
                json.dumps({"readings": rows}))  # fmt: skip
        else:
            answer = request(port, "GET", ep.paths[0], {**ep.headers, "Cookie": cookie})
        if not 200 <= answer[0] < 300:
            raise SystemExit(f"{ep.name}: {ep.paths[0]} answered {answer[0]}: {answer[2][:200]!r}")


# ------------------------------------------------------------------ the run


def server_env(args: argparse.Namespace) -> dict[str, str]:
    env = env_for(args.database_url, args.data_dir)
    extra = [str(p) for p in args.server_path]
    if extra:
        env["PYTHONPATH"] = os.pathsep.join([*extra, env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


def measure(args: argparse.Namespace, found: dict[str, Any], workdir: Path) -> dict[str, Any]:
    """Warm-ups, then /livez, the mix and /livez again; the three wrk runs."""
    from yingji.demo import DEMO_PASSWORD  # noqa: PLC0415 - Django is set up by collect()

    mix, base = wrkmix.endpoints(found), [wrkmix.Endpoint("baseline.livez", ["/livez"])]
    port = args.server or free_port()
    env = server_env(args)
    server = (
        None
        if args.server
        else start_server(env, port, args.workers, args.threads, workdir / "log")
    )
    try:
        cookie = login(port, args.user, DEMO_PASSWORD)
        smoke(port, mix, cookie, found)
        mix_data, base_data = workdir / "mix.lua", workdir / "base.lua"
        wrkmix.write_data(mix_data, mix, cookie=cookie, tokens=found["tokens"],
                          sensors=found["sensors"])  # fmt: skip
        wrkmix.write_data(base_data, base)

        def wrk(data: Path, seconds: float, tag: str) -> dict[str, Any]:
            group = server.pid if server is not None else None
            before, children = cpu_ticks(group, db_name(args.database_url)), children_cpu()
            done = wrkmix.run_wrk(port, data, connections=args.connections, seconds=seconds,
                                  out=workdir / f"{tag}.out")  # fmt: skip
            after = cpu_ticks(group, db_name(args.database_url))
            done["cpu_s"] = cpu_used(before, after, children_cpu() - children)
            return done

        log(f"{args.warmup:g} s warm-up, then /livez, the mix and /livez again for "
            f"{args.duration:g} s each, {args.connections} connections, :{port}")  # fmt: skip
        wrk(base_data, args.warmup / 2, "warm_base")
        wrk(mix_data, args.warmup, "warm_mix")
        runs = {"before": wrk(base_data, args.duration, "before"),
                "mix": wrk(mix_data, args.duration, "mix"),
                "after": wrk(base_data, args.duration, "after")}  # fmt: skip
        log_file = workdir / "log"
        tail = log_file.read_text("utf-8", "replace")[-2000:] if log_file.exists() else ""
    finally:
        if server is not None:
            stop_server(server)
    return {"mix": mix, "base": base, "runs": runs, "log_tail": tail}


def cpu_ticks(group: int | None, database: str) -> dict[int, tuple[str, int]]:
    """CPU clock ticks so far of the server's processes (its process group) and of the
    PostgreSQL backends serving ``database``, by pid."""
    found: dict[int, tuple[str, int]] = {}
    tag = f" {database} ".encode()
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text(encoding="ascii", errors="replace")
            command = Path(entry.path, "cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue  # gone meanwhile
        fields = stat[stat.rindex(")") + 2 :].split()
        ticks = int(fields[11]) + int(fields[12])  # utime + stime
        if group is not None and int(fields[2]) == group:
            found[int(entry.name)] = ("web", ticks)
        elif command.startswith(b"postgres:") and tag in command:
            found[int(entry.name)] = ("postgres", ticks)
    return found


def children_cpu() -> float:
    """CPU seconds of this script's finished children so far (wrk)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cpu_used(before: dict[int, tuple[str, int]], after: dict[int, tuple[str, int]],
             wrk_s: float) -> dict[str, float]:  # fmt: skip
    """CPU seconds spent between two :func:`cpu_ticks`. A process that ended in between is
    not counted (with ``CONN_MAX_AGE`` a backend may live one request)."""
    hz = os.sysconf("SC_CLK_TCK")
    used = {"web": 0.0, "postgres": 0.0, "wrk": round(wrk_s, 2)}
    for pid, (kind, ticks) in after.items():
        earlier = before.get(pid)
        used[kind] += (ticks - (earlier[1] if earlier else 0)) / hz
    return {k: round(v, 2) for k, v in used.items()}


def machine(found: dict[str, Any]) -> dict[str, Any]:
    import a2wsgi  # noqa: PLC0415
    import django  # noqa: PLC0415 - set up by collect()
    import uvicorn  # noqa: PLC0415

    with open("/proc/cpuinfo", encoding="utf-8") as info:
        cpu = next((line.split(":", 1)[1].strip() for line in info
                    if line.startswith("model name")), "")  # fmt: skip
    wrk = shutil.which("wrk") or "wrk"
    version = subprocess.run([wrk, "-v"], capture_output=True, text=True, check=False)  # noqa: S603 - wrk -v
    return {
        "cores": os.cpu_count(), "cpu": cpu, "load_avg_1m": round(os.getloadavg()[0], 2),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": platform.python_version(), "django": django.get_version(),
        "uvicorn": uvicorn.__version__, "a2wsgi": a2wsgi.__version__,
        "postgresql": found["postgresql"],
        "wrk": ((version.stdout or version.stderr).splitlines() or [""])[0],
    }  # fmt: skip


def cpu_figures(run: dict[str, Any]) -> dict[str, Any]:
    """CPU per request of a run, which a shared machine changes much less than req/s: the
    server's processes, PostgreSQL's backends and wrk, and what two cores given to these
    alone would serve at that cost (a projection, labelled as such)."""
    used, requests = run["cpu_s"], max(1, len(run["records"]))
    total = sum(used.values())
    return {
        "seconds": used,
        "ms_per_request": {k: round(v / requests * 1000, 2) for k, v in used.items()},
        "projected_rps_on_2_dedicated_cores": round(2 * requests / total) if total else None,
    }


def report(args: argparse.Namespace, prepared: dict[str, Any], found: dict[str, Any],
           done: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
    result = wrkmix.phase(done["runs"]["mix"], done["mix"])
    base = {k: wrkmix.phase(done["runs"][k], done["base"]) for k in ("before", "after")}
    base_rps = statistics.fmean(base[k]["overall"]["rps"] for k in base)
    base_p99 = statistics.fmean(base[k]["overall"]["p99_ms"] for k in base)
    overall = result["overall"]
    worst = max(f["p99_ms"] for f in result["by_class"].values())
    cpu = {k: cpu_figures(done["runs"][k]) for k in ("mix", "before", "after")}
    out = {
        "benchmark": "web",
        "params": {
            "database": prepared["database"], "scale": args.scale,
            "enterprises": found["enterprise_rows"], "prepare_s": prepared["prepare_s"],
            "prepare_steps_s": prepared.get("steps_s"), "prepared_reused": prepared["reused"],
            "web_workers": args.workers, "web_threads": args.threads,
            "connections": args.connections, "wrk_threads": args.connections,
            "seconds": args.duration, "warmup_s": args.warmup,
            "user": args.user, "class_weights_pct": wrkmix.CLASS_WEIGHTS,
            "ingest_batch": wrkmix.INGEST_BATCH, "ingest_tokens": TOKENS,
            "rate_limits": "defaults (ingest 6000/min per token, login 20/min per address)",
            "endpoints": {ep.name: {"paths": len(ep.paths), "example": ep.paths[0]}
                          for ep in done["mix"]},
            "machine": machine(found),
        },
        "results": {**result, "cpu": cpu["mix"]},
        "baseline": {"livez": base, "rps_mean": round(base_rps, 1),
                     "p99_ms_mean": round(base_p99, 1),
                     "cpu": {"before": cpu["before"], "after": cpu["after"]}},
        "ratio": {"mix_rps_vs_livez": round(overall["rps"] / base_rps, 3),
                  "mix_p99_vs_livez_p99": round(overall["p99_ms"] / base_p99, 1),
                  "littles_law_mean_ms": round(args.connections / overall["rps"] * 1000, 1)},
        "targets": {"p99_ms": TARGET_P99_MS, "overall_rps": TARGET_RPS,
                    "met": {"p99_every_class": worst <= TARGET_P99_MS,
                            "overall_rps": overall["rps"] >= TARGET_RPS}},
    }  # fmt: skip
    if any(f["non_2xx_3xx"] for f in result["by_endpoint"].values()):
        out["server_log_tail"] = done["log_tail"]
    return out


def summary(out: dict[str, Any]) -> None:
    overall, base = out["results"]["overall"], out["baseline"]
    log(f"\nmix {overall['rps']:.0f} req/s, p50 {overall['p50_ms']} ms, p99 "
        f"{overall['p99_ms']} ms, {overall['non_2xx_3xx']} not 2xx/3xx; /livez "
        f"{base['rps_mean']:.0f} req/s, p99 {base['p99_ms_mean']} ms "
        f"(mix/livez {out['ratio']['mix_rps_vs_livez']:.1%})")  # fmt: skip
    for cls, f in out["results"]["by_class"].items():
        log(f"  {cls:7} {f['rps']:6.1f} req/s  p50 {f['p50_ms']:7.1f}  p99 {f['p99_ms']:7.1f}  "
            f"max {f['max_ms']:7.1f} ms  not 2xx/3xx {f['non_2xx_3xx']}")  # fmt: skip
    cpu = out["results"]["cpu"]["ms_per_request"]
    log(f"  CPU per request: web {cpu['web']} ms, PostgreSQL {cpu['postgres']} ms, wrk "
        f"{cpu['wrk']} ms; projected on 2 dedicated cores: "
        f"{out['results']['cpu']['projected_rps_on_2_dedicated_cores']} req/s")  # fmt: skip
    met = out["targets"]["met"]
    log(f"targets: p99 ≤ {TARGET_P99_MS} ms in every class "
        f"{'met' if met['p99_every_class'] else 'NOT met'}; ≥ {TARGET_RPS} req/s "
        f"{'met' if met['overall_rps'] else 'NOT met'}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add = parser.add_argument
    add("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    add("--data-dir", type=Path, default=ROOT / "var" / "bench-web")
    add("--scale", default="province", choices=["default", "province"])
    add("--fresh", action="store_true", help="drop and rebuild the prepared database")
    add("--prepare-only", action="store_true", help="prepare (or check) the database, no load")
    add("--duration", type=float, default=20, help="seconds of each measured phase")
    add("--warmup", type=float, default=8, help="seconds of warm-up")
    add("--connections", type=int, default=64)
    add("--workers", type=int, default=2, help="yingji serve --workers")
    add("--threads", type=int, default=4, help="yingji serve --threads")
    add("--user", default="zj_staff", help="the demo user pages are read as")
    add(
        "--server-path",
        type=Path,
        action="append",
        default=[],
        metavar="DIR",
        help="add DIR to the server's PYTHONPATH",
    )
    add(
        "--server",
        type=int,
        metavar="PORT",
        help="measure a server already running on 127.0.0.1:PORT instead of starting one",
    )
    args = parser.parse_args()
    args.data_dir = args.data_dir.resolve()
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("the web benchmark runs on PostgreSQL: --database-url postgres://…")
    if not args.prepare_only and shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    prepared = prepare(args.database_url, args.data_dir, args.scale, fresh=args.fresh)
    if args.prepare_only:
        print(json.dumps({"benchmark": "web", "prepared": prepared}, indent=2))
        return
    os.environ.update(env_for(args.database_url, args.data_dir))
    found = collect(args.database_url, args.user)
    workdir = Path(tempfile.mkdtemp(prefix="yingji-bench-web-"))
    try:
        done = measure(args, found, workdir)
    finally:
        revoke(found["token_ids"])
    out = report(args, prepared, found, done)
    print(json.dumps(out, indent=2, ensure_ascii=False))
    summary(out)
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
