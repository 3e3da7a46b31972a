"""The request mix of ``bench_web.py`` and how its wrk runs are read (no Django here).

``endpoints`` says what is asked and how often; ``write_data`` turns it into the data file of
``mix.lua``; ``run_wrk`` runs wrk with one connection per thread and returns every response
as (endpoint, status, latency); ``phase`` sums a run up overall, per class and per endpoint.
"""

from __future__ import annotations

import os
import random
import shutil
import statistics
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LUA = Path(__file__).resolve().parent / "mix.lua"
SEED = 20190810
INGEST_BATCH = 10  # readings a post
CLASS_WEIGHTS = {"onemap": 25, "list": 30, "detail": 30, "ingest": 15}  # % of requests
# Map views the one-map asks for: the province when it opens, then a city and a county.
VIEWS = {
    "province": ("118.00000,27.00000,123.20000,31.20000", 7),
    "city": ("119.80000,29.95000,120.60000,30.45000", 10),
    "county": ("120.05000,30.18000,120.25000,30.32000", 12),
}
CITIES = ("3301", "3302", "3303", "3304", "3305", "3306", "3307", "3308", "3309", "3310", "3311")
GZIP = {"Accept-Encoding": "gzip, deflate"}  # as a browser sends it
JSON_GZIP = {**GZIP, "Accept": "application/json"}
JSON_BODY = {"Content-Type": "application/json"}
BOUNDARIES = ["/api/regions/33/boundary.geojson?level=county",
              "/api/regions/33/boundary.geojson?level=city"]  # fmt: skip
ENTERPRISES_API = ["/api/registry/enterprises/?limit=50",
                   "/api/registry/enterprises/?limit=50&offset=500&hazchem_role=none"]  # fmt: skip


@dataclass
class Endpoint:
    name: str  # "<class>.<what>"
    paths: list[str]  # one is drawn at random per request
    weight: float = 1.0  # relative, within the class
    headers: dict[str, str] = field(default_factory=dict)
    kind: str = "paths"  # or "ingest": a batch of readings built per request, POSTed

    @property
    def cls(self) -> str:
        return self.name.split(".", 1)[0]


def endpoints(found: dict[str, Any]) -> list[Endpoint]:
    """The mix; ``found`` holds the ids of the detail pages and the map's layer names."""

    def ids(kind: str, template: str) -> list[str]:
        if not found[kind]:
            raise SystemExit(f"the prepared database has no {kind} for the detail pages")
        return [template.format(v) for v in found[kind]]

    layer_views = [f"/api/map/layers/{name}?bbox={bbox}&zoom={zoom}"
                   for name in found["layers"] for bbox, zoom in VIEWS.values()]  # fmt: skip
    enterprise_lists = ["/registry/enterprises/", "/registry/enterprises/?page=7",
                        "/registry/enterprises/?scale=above", "/registry/enterprises/?sort=name",
                        *(f"/registry/enterprises/?region={c}" for c in CITIES)]  # fmt: skip
    mix = [
        # One-map: a visit fetches the page, two boundary files and the layer list; the user
        # then switches layers on and moves the map (each move: one request per layer on).
        Endpoint("onemap.page", ["/"], 2, GZIP),
        Endpoint("onemap.boundaries", BOUNDARIES, 4, JSON_GZIP),
        Endpoint("onemap.layer_list", ["/api/map/layers"], 2, JSON_GZIP),
        Endpoint("onemap.layer_view", layer_views, 8, JSON_GZIP),
        # Lists: first pages, a later page, filters, a city, the API.
        Endpoint("list.enterprises", enterprise_lists, 3, GZIP),
        Endpoint("list.enterprises_api", ENTERPRISES_API, 1, JSON_GZIP),
        Endpoint("list.hazards", ["/hazards/", "/hazards/?page=2"], 2, GZIP),
        Endpoint("list.warnings", ["/alerts/"], 1, GZIP),
        Endpoint("list.incidents", ["/incidents/"], 1, GZIP),
        Endpoint("list.alarms", ["/monitoring/alarms/"], 1, GZIP),
        # Detail pages of rows drawn from the database.
        Endpoint("detail.enterprise", ids("enterprises", "/registry/enterprises/{}/"), 3, GZIP),
        Endpoint("detail.risk_card", ids("enterprises", "/risk/enterprises/{}/"), 1, GZIP),
        Endpoint("detail.hazard", ids("hazards", "/hazards/{}/"), 2, GZIP),
        Endpoint("detail.warning", ids("warnings", "/alerts/{}/"), 1, GZIP),
        Endpoint("detail.incident", ids("incidents", "/incidents/{}/"), 1, GZIP),
        # Sensor gateways posting small batches.
        Endpoint("ingest.readings", ["/api/ingest/readings"], 1, JSON_BODY, kind="ingest"),
    ]
    rng = random.Random(SEED)
    for ep in mix:
        ep.paths = list(ep.paths)
        rng.shuffle(ep.paths)
    return mix


def lua_value(value: Any) -> str:
    """A Python value as a Lua literal (strings byte-escaped where not plain ASCII)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        chars = (chr(b) if 32 <= b < 127 and chr(b) not in '"\\' else f"\\{b:03d}"
                 for b in value.encode("utf-8"))  # fmt: skip
        return '"' + "".join(chars) + '"'
    if isinstance(value, list | tuple):
        return "{" + ", ".join(lua_value(v) for v in value) + "}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"[{lua_value(k)}] = {lua_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"no Lua literal for {type(value).__name__}")


def write_data(
    path: Path, mix: list[Endpoint], *, cookie: str = "", tokens: list[str] | None = None,
    sensors: list[str] | None = None,
) -> None:  # fmt: skip
    """The data file of mix.lua: absolute weights, the session cookie on all but ingest."""
    per_class: dict[str, float] = {}
    for ep in mix:
        per_class[ep.cls] = per_class.get(ep.cls, 0) + ep.weight
    rows = []
    for ep in mix:
        headers = {**ep.headers, **({"Cookie": cookie} if cookie and ep.kind != "ingest" else {})}
        rows.append({"name": ep.name, "kind": ep.kind, "paths": ep.paths, "headers": headers,
                     "weight": round(CLASS_WEIGHTS.get(ep.cls, 100) * ep.weight
                                     / per_class[ep.cls], 4),
                     "batch": INGEST_BATCH})  # fmt: skip
    data = {"seed": SEED, "endpoints": rows, "tokens": tokens or [], "sensors": sensors or []}
    path.write_text("return " + lua_value(data) + "\n", encoding="utf-8")


def run_wrk(
    port: int, data_file: Path, *, connections: int, seconds: float, out: Path
) -> dict[str, Any]:
    """One wrk run of ``connections`` threads of one connection each (so that mix.lua can
    time each request); its summary and every response as (endpoint, status, µs)."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    env = {**os.environ, "YJ_WRK_DATA": str(data_file), "YJ_WRK_OUT": str(out)}
    duration = f"{max(1, round(seconds))}s"  # wrk takes whole seconds
    command = [wrk, "-t", str(connections), "-c", str(connections), "-d", duration,
               "--timeout", "60s", "-s", str(LUA), f"http://127.0.0.1:{port}"]  # fmt: skip
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603 - wrk from PATH, fixed arguments
    if done.returncode != 0 or not out.is_file():
        raise SystemExit(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    run: dict[str, Any] = {"records": []}
    keys = ("duration_us", "requests", "bytes", "connect", "read", "write", "status", "timeout")
    for line in out.read_text(encoding="utf-8").splitlines():
        kind, *parts = line.split()
        if kind == "summary":
            run.update(zip(keys, map(int, parts), strict=True))
        elif kind == "wrk_percentile":
            run[f"wrk_p{parts[0]}_us"] = int(parts[1])
        elif kind == "wrk_max":
            run["wrk_max_us"] = int(parts[0])
        elif kind == "r":
            run["records"].append(tuple(int(p) for p in parts))
    return run


def percentile(ascending: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    if not ascending:
        return float("nan")
    rank = max(1, min(len(ascending), round(q / 100 * len(ascending) + 0.5)))
    return ascending[rank - 1]


def figures(records: list[tuple[int, int, int]], seconds: float) -> dict[str, Any]:
    ms = sorted(us / 1000 for _ep, _status, us in records)
    statuses: dict[str, int] = {}
    for _ep, status, _us in records:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    return {
        "requests": len(records),
        "rps": round(len(records) / seconds, 1),
        "p50_ms": round(percentile(ms, 50), 1),
        "p90_ms": round(percentile(ms, 90), 1),
        "p99_ms": round(percentile(ms, 99), 1),
        "max_ms": round(ms[-1], 1) if ms else None,
        "mean_ms": round(statistics.fmean(ms), 1) if ms else None,
        "status": dict(sorted(statuses.items())),
        "non_2xx_3xx": sum(n for s, n in statuses.items() if not 200 <= int(s) < 400),
    }


def phase(run: dict[str, Any], mix: list[Endpoint]) -> dict[str, Any]:
    """A run summed up: overall (from mix.lua's records and, to cross-check, wrk's own
    figures), and per class and per endpoint when the mix has more than one endpoint."""
    seconds = run["duration_us"] / 1e6
    records = run["records"]
    out: dict[str, Any] = {
        "seconds": round(seconds, 2),
        "overall": figures(records, seconds),
        "wrk": {
            "requests": run["requests"],
            "rps": round(run["requests"] / seconds, 1),
            **{f"p{q}_ms": round(run[f"wrk_p{q}_us"] / 1000, 1) for q in (50, 90, 99)},
            "max_ms": round(run["wrk_max_us"] / 1000, 1),
            "socket_errors": {k: run[k] for k in ("connect", "read", "write", "timeout")},
            "non_2xx_3xx": run["status"],
            "mb_per_s": round(run["bytes"] / seconds / 2**20, 2),
        },
    }
    if len(mix) > 1:
        classes = list(dict.fromkeys(ep.cls for ep in mix))
        out["by_class"] = {
            c: figures([r for r in records if mix[r[0] - 1].cls == c], seconds) for c in classes
        }
        out["by_endpoint"] = {
            ep.name: figures([r for r in records if r[0] == i], seconds)
            for i, ep in enumerate(mix, 1)
        }
    return out
