"""Benchmark: enterprise risk assessment end to end at province scale (issue 4, performance).

Loads 500,000 demo enterprises (with their licences, training records and major hazard
sources) and their risk facts into a throwaway database, then times one full assessment run
as `yingji risk assess` does it: read every input from the database, score all enterprises in
the kernel, apply the overrides, write 500,000 assessments and the current colours in one
transaction (target ≤ 60 s on SQLite). A second run is timed too (it replaces 500,000 current
rows instead of inserting them).

Baselines in the same run: reading the enterprise table's input columns with one bare SQL
query, and a bare ``executemany`` of 500,000 rows of the same width as an assessment into a
scratch table — what any implementation has to pay to read and write that much.

Runs on SQLite in a throwaway data directory, or on PostgreSQL when DATABASE_URL is set.
``--scale default`` runs the 20,000-enterprise demo instead. Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import time
from typing import Any

from _scratch import use_scratch_data_dir

use_scratch_data_dir()
os.environ.setdefault("YINGJI_SECRET_KEY", secrets.token_urlsafe(40))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yingji.settings")

import django

django.setup()

from django.core.management import call_command
from django.db import connection, transaction

from yingji.regions.services import load_dataset
from yingji.registry.demo import enterprises as enterprise_demo
from yingji.registry.demo.context import DemoContext
from yingji.registry.models.enterprise import Enterprise
from yingji.risk import demo as risk_demo
from yingji.risk.services.enterprises import assess
from yingji.risk.sources import Selection


def timed(label: str, func: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    result = func()
    elapsed = time.perf_counter() - start
    print(f"  {label}: {elapsed:.1f} s", file=sys.stderr)
    return elapsed, result


def bare_read() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, region_path, hazchem_role, key_processes, safety_grade, insurance_status,"
            " insurance_expires_on FROM registry_enterprise WHERE voided_at IS NULL"
        )
        return len(cursor.fetchall())


def bare_write(n: int) -> None:
    """n rows shaped like an assessment (ids, path, floats, two JSON lists) into a scratch table."""
    row = [1, "330106002", 12.3456, 1, 1, "[]", "[" + ", ".join(["1.0"] * 14) + "]",
           "[" + ", ".join(["0.1234"] * 14) + "]", "2026-11-30 00:00:00"]  # fmt: skip
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE bench_scratch (run_id integer, region_path varchar(12),"
            " score double precision, score_colour smallint, colour smallint, overrides text,"
            " inputs text, contributions text, assessed_at varchar(30), enterprise_id integer)"
        )
        sql = "INSERT INTO bench_scratch VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
        for start in range(0, n, 5000):
            cursor.executemany(sql, [[*row, i] for i in range(start, min(n, start + 5000))])
        cursor.execute("DROP TABLE bench_scratch")


def run(scale: str = "province") -> dict[str, Any]:
    call_command("migrate", verbosity=0)
    load_dataset()
    ctx = DemoContext(scale=scale)
    generate_s, _ = timed("generate enterprises", lambda: enterprise_demo.generate_enterprises(ctx))
    hazards_s, _ = timed("generate hazard sources", lambda: enterprise_demo.generate_hazards(ctx))
    facts_s, _ = timed("generate risk facts", lambda: risk_demo.generate_facts(ctx))
    phases: dict[str, float] = {}
    clock = time.perf_counter()

    def note(_percent: int, message: str) -> None:
        phases[message.split(" ", 1)[0]] = round(time.perf_counter() - clock, 2)

    first_s, first = timed(
        "first assessment", lambda: assess(Selection(), reason="bench", progress=note)
    )
    first_phases = dict(phases)
    phases.clear()
    clock = time.perf_counter()
    second_s, _ = timed(
        "second assessment", lambda: assess(Selection(), reason="bench", progress=note)
    )
    n = Enterprise.objects.count()
    read_s, _ = timed("bare read", bare_read)
    write_s, _ = timed("bare write", lambda: bare_write(n))
    return {
        "params": {"database": connection.vendor, "enterprises": n, "scale": scale},
        "setup": {
            "generate_enterprises_s": round(generate_s, 1),
            "generate_hazards_s": round(hazards_s, 1),
            "generate_facts_s": round(facts_s, 1),
        },
        "results": {
            "assess_end_to_end_s": round(first_s, 2),
            "assess_again_s": round(second_s, 2),
            "phase_marks_s": first_phases,
            "colour_counts": first.colour_counts,
        },
        "baseline": {
            "bare_read_inputs_s": round(read_s, 2),
            "bare_executemany_s": round(write_s, 2),
        },
        "ratio": {"assess_vs_bare_read_plus_write": round(first_s / (read_s + write_s), 2)},
        "targets": {"assess_end_to_end_s": 60},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", default="province", choices=["default", "province"])
    args = parser.parse_args()
    print(json.dumps({"benchmark": "risk_assess", **run(args.scale)}, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
