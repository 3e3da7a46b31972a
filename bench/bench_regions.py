"""Benchmark: loading the regions dataset, and jurisdiction-scoped subtree queries.

Prints one JSON object. Baselines measured in the same run:
- load: a bare ``executemany`` of the same 27k rows into a table of the same shape;
- scope: the same prefix query as raw SQL through the same connection.

Runs on SQLite in a throwaway data directory, or on PostgreSQL when DATABASE_URL is set.
"""

from __future__ import annotations

import json
import os
import secrets
import statistics
import time
from collections.abc import Callable

from _scratch import use_scratch_data_dir

use_scratch_data_dir()
os.environ.setdefault("YINGJI_SECRET_KEY", secrets.token_urlsafe(40))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yingji.settings")

import django

django.setup()

from django.core.management import call_command
from django.db import connection, transaction

from yingji.core.scoping import scope
from yingji.kernels import codes
from yingji.regions import services
from yingji.regions.models import Region


def timed(func: Callable[[], object], repeat: int) -> list[float]:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        runs.append(time.perf_counter() - start)
    return runs


class _Scoped:
    """A stand-in user whose jurisdiction is one county (no account rows needed)."""

    is_authenticated = True
    is_active = True
    is_superuser = False

    def __init__(self, path: str) -> None:
        self.region = Region(path=path)


def bench_load() -> tuple[dict[str, float], dict[str, float]]:
    load_s = timed(lambda: services.load_dataset(force=True), repeat=3)
    rows = list(
        Region.objects.values_list(
            "code", "path", "name", "level", "parent_id", "population", "households"
        )
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE bench_region (code varchar(12) PRIMARY KEY, path varchar(12),"
            " name varchar(64), level varchar(10), parent varchar(12),"
            " population integer, households integer)"
        )

    def bare() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM bench_region")
            cursor.executemany("INSERT INTO bench_region VALUES (%s, %s, %s, %s, %s, %s, %s)", rows)

    bare_s = timed(bare, repeat=3)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_region")
    return ({"load_dataset_s": min(load_s), "rows": len(rows)}, {"bare_executemany_s": min(bare_s)})


def bench_scope() -> tuple[dict[str, float], dict[str, float]]:
    counties = list(Region.objects.filter(level="county").values_list("path", flat=True))
    users = [_Scoped(path) for path in counties]

    def scoped() -> None:
        for user in users:
            scope(Region.objects.filter(level="village"), user).count()  # type: ignore[arg-type]

    def raw(sql: str, params: Callable[[str], list[str]]) -> Callable[[], None]:
        def run() -> None:
            with connection.cursor() as cursor:
                for path in counties:
                    cursor.execute(sql, params(path))
                    cursor.fetchone()

        return run

    count = "SELECT COUNT(*) FROM regions_region WHERE level = %s AND "
    by_range = raw(
        count + "path >= %s AND path < %s", lambda p: ["village", *codes.subtree_bounds(p)]
    )
    by_like = raw(count + "path LIKE %s", lambda p: ["village", p + "%"])
    per_query = len(counties) / 1e6
    return (
        {
            "scoped_count_us": statistics.median(timed(scoped, repeat=5)) / per_query,
            "naive_like_prefix_count_us": statistics.median(timed(by_like, repeat=5)) / per_query,
        },
        {"raw_sql_range_count_us": statistics.median(timed(by_range, repeat=5)) / per_query},
    )


def main() -> None:
    call_command("migrate", verbosity=0)
    services.load_dataset()
    load, load_base = bench_load()
    scoped, scoped_base = bench_scope()
    print(
        json.dumps(
            {
                "benchmark": "regions",
                "params": {"database": connection.vendor, "regions": load["rows"], "queries": 90},
                "results": {**load, **scoped},
                "baseline": {**load_base, **scoped_base},
                "ratio": {
                    "load_vs_executemany": round(
                        load["load_dataset_s"] / load_base["bare_executemany_s"], 2
                    ),
                    "scoped_vs_raw_sql": round(
                        scoped["scoped_count_us"] / scoped_base["raw_sql_range_count_us"], 2
                    ),
                },
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
