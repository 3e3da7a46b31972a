"""Benchmark: the enterprise registry at province scale (issue: registries, performance).

- import a 100,000-row enterprise workbook, validation included (target < 60 s);
- export about 100,000 rows (all of 杭州市) to Excel (target < 30 s);
- with 500,000+ enterprises loaded: 200 filtered, paginated list requests through the whole
  Django stack, as county users, p50/p95 (target p95 < 300 ms).
Baselines in the same run: a bare ``executemany`` of the same 100,000 rows, a bare openpyxl
write of the same number of rows, and the raw SQL of each list page.

Runs on SQLite in a throwaway data directory, or on PostgreSQL when DATABASE_URL is set.
``--enterprises N`` changes the loaded size (default: the province scale, 500,000).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import secrets
import statistics
import sys
import time
from typing import Any

from _scratch import use_scratch_data_dir

use_scratch_data_dir()
os.environ.setdefault("YINGJI_SECRET_KEY", secrets.token_urlsafe(40))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yingji.settings")
os.environ.setdefault("YINGJI_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")

import django

django.setup()

import numpy as np
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from openpyxl import Workbook

from yingji.core import exports
from yingji.core import services as core_services
from yingji.core.registry import excel, services
from yingji.core.registry import spec as specs
from yingji.kernels import codes, identifiers
from yingji.regions.models import Region
from yingji.regions.services import load_dataset
from yingji.registry.demo import enterprises as enterprise_demo
from yingji.registry.demo.context import DemoContext
from yingji.registry.models.enterprise import Enterprise

ALPHABET = identifiers.CREDIT_ALPHABET


def seconds(func: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    result = func()
    elapsed = time.perf_counter() - start
    print(f"  {getattr(func, '__name__', 'step')}: {elapsed:.1f} s", file=sys.stderr)
    return elapsed, result


def credit_codes(n: int, rng: np.random.Generator) -> list[str]:
    """Valid, unique 统一社会信用代码 in a range the demo does not use (prefix 9J)."""
    out = []
    for number in range(n):
        body = f"9J330100{number:09d}"
        out.append(body + identifiers.credit_code_check(body))
    return out


def workbook(n: int) -> bytes:
    spec = specs.get("enterprises")
    assert spec is not None  # noqa: S101
    rng = np.random.default_rng(7)
    villages = list(Region.objects.filter(level="village").values_list("code", "lon", "lat"))
    picks = rng.integers(0, len(villages), n)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(excel.DATA_SHEET)
    sheet.append([c.label for c in spec.columns])
    sheet.append([c.name for c in spec.columns])
    for index, code in enumerate(credit_codes(n, rng)):
        village, lon, lat = villages[int(picks[index])]
        row = {**spec.examples, "credit_code": code, "name": f"基准测试企业{index}有限公司",
               "region": village, "lon": round(lon, 5), "lat": round(lat, 5)}  # fmt: skip
        sheet.append([row.get(c.name) for c in spec.columns])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def bench_import(n: int) -> tuple[dict[str, Any], dict[str, Any]]:
    spec = specs.get("enterprises")
    assert spec is not None  # noqa: S101
    build_s, content = seconds(lambda: workbook(n))
    read_s, rows = seconds(lambda: excel.read(spec, content))
    import_s, result = seconds(lambda: services.import_rows(actor=None, spec=spec, rows=rows))
    tuples = [tuple(r.values()) for _n, r in rows]
    width = len(tuples[0])
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_rows (" + ", ".join(f"c{i} text" for i in
                                                               range(width)) + ")")  # fmt: skip

    def bare() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO bench_rows VALUES ({', '.join(['%s'] * width)})",
                [tuple(None if v is None else str(v) for v in t) for t in tuples],
            )

    bare_s, _ = seconds(bare)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_rows")
    return (
        {"rows": n, "workbook_mb": round(len(content) / 2**20, 1), "build_workbook_s": build_s,
         "read_s": read_s, "validate_and_write_s": import_s, "import_total_s": read_s + import_s,
         "created": result.created},
        {"bare_executemany_s": bare_s},
    )  # fmt: skip


def bench_export() -> tuple[dict[str, Any], dict[str, Any]]:
    spec = exports.get("registry.enterprises")
    assert spec is not None  # noqa: S101
    path = exports.export_dir() / "bench.xlsx"
    export_s, rows = seconds(lambda: exports.write_workbook(spec, None, {"region": "3301"}, path))

    def bare() -> None:
        book = Workbook(write_only=True)
        sheet = book.create_sheet("x")
        for i in range(rows):
            sheet.append([f"v{i}"] * len(spec.columns))
        book.save(exports.export_dir() / "bare.xlsx")

    bare_s, _ = seconds(bare)
    return {"export_rows": rows, "export_s": export_s}, {"bare_openpyxl_write_s": bare_s}


def bench_list(requests: int) -> tuple[dict[str, Any], dict[str, Any]]:
    rng = np.random.default_rng(11)
    counties = list(Region.objects.filter(level="county").values_list("code", flat=True))
    clients = []
    for index, county in enumerate(rng.choice(counties, 20, replace=False)):
        user = core_services.create_user(
            actor=None,
            username=f"bench{index}",
            password=secrets.token_urlsafe(16),
            region_code=str(county),
            roles=["county_staff"],
        )
        client = Client()
        client.force_login(user)
        clients.append((client, codes.short(str(county))))
    variants = [
        "",
        "scale=above",
        "hazchem_role=none&sort=name",
        "safety_grade=grade3",
        "sort=-employees",
        "scale=below&sort=name&offset=50",
    ]
    api_ms, page_ms, raw_ms = [], [], []
    for i in range(requests):
        client, path = clients[i % len(clients)]
        query = variants[i % len(variants)]
        for url, sink in ((f"/api/registry/enterprises/?limit=50&{query}", api_ms),
                          (f"/registry/enterprises/?{query}", page_ms)):  # fmt: skip
            start = time.perf_counter()
            response = client.get(url)
            sink.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (url, response.content[:300])  # noqa: S101
        low, high = codes.subtree_bounds(path)
        start = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT * FROM registry_enterprise WHERE region_path >= %s AND region_path < %s"
                " AND voided_at IS NULL ORDER BY updated_at DESC, id DESC LIMIT 50",
                [low, high],
            )
            cursor.fetchall()
            cursor.execute(
                "SELECT COUNT(*) FROM registry_enterprise WHERE region_path >= %s"
                " AND region_path < %s AND voided_at IS NULL",
                [low, high],
            )
            cursor.fetchone()
        raw_ms.append((time.perf_counter() - start) * 1000)

    def pct(values: list[float], q: float) -> float:
        return round(float(np.percentile(values, q)), 1)

    return (
        {"requests": requests, "api_p50_ms": pct(api_ms, 50), "api_p95_ms": pct(api_ms, 95),
         "page_p50_ms": pct(page_ms, 50), "page_p95_ms": pct(page_ms, 95)},
        {"raw_sql_p50_ms": pct(raw_ms, 50), "raw_sql_p95_ms": pct(raw_ms, 95),
         "raw_sql_mean_ms": round(statistics.mean(raw_ms), 2)},
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--scale", default="province", choices=["default", "province"])
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    load_dataset()
    ctx = DemoContext(scale=args.scale)
    generate_s, _ = seconds(lambda: enterprise_demo.generate_enterprises(ctx))
    imported, import_base = bench_import(args.import_rows)
    exported, export_base = bench_export()
    listed, list_base = bench_list(args.requests)
    total = Enterprise.objects.count()
    print(json.dumps({
        "benchmark": "registry",
        "params": {"database": connection.vendor, "enterprises_loaded": total,
                   "import_rows": args.import_rows, "list_requests": args.requests},
        "results": {"generate_demo_enterprises_s": generate_s, **imported, **exported, **listed},
        "baseline": {**import_base, **export_base, **list_base},
        "ratio": {
            "import_vs_executemany": round(imported["import_total_s"]
                                           / import_base["bare_executemany_s"], 1),
            "export_vs_bare_write": round(exported["export_s"]
                                          / export_base["bare_openpyxl_write_s"], 1),
            "api_p95_vs_raw_sql_p95": round(listed["api_p95_ms"] / list_base["raw_sql_p95_ms"], 1),
        },
        "targets": {"import_total_s": 60, "export_s": 30, "api_p95_ms": 300, "page_p95_ms": 300},
    }, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
