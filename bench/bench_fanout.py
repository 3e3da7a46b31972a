"""Benchmark: a red warning over a third of the province with 1,000,000 registered contacts
(issue 7, performance).

- Targeting: the warning's areas (every county of four of the eleven cities, about a third of
  the villages) → villages → the contacts to reach, with their roles and channels checked and
  phones de-duplicated (:func:`yingji.alerts.selectors.recipients`); target ≤ 1 s.
- Outbox: the 签发 writes one row per recipient × channel and one 叫应 row per person
  (:func:`yingji.alerts.outbox.enqueue`, inside the issue transaction); target ≥ 200,000
  rows/s. Baseline in the same run: a bare ``executemany`` of the same delivery rows into the
  same table (after deleting them).

Runs on a throwaway SQLite database (or PostgreSQL with DATABASE_URL). Contacts are inserted
in bulk (not timed). Draining against a fake gateway is measured by the channel tests' fake
server, not here yet.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import sys
import tempfile
import time
from typing import Any

os.environ.setdefault("YINGJI_DATA_DIR", tempfile.mkdtemp(prefix="yingji-bench-"))
os.environ.setdefault("YINGJI_SECRET_KEY", secrets.token_urlsafe(40))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yingji.settings")

import django

django.setup()

import numpy as np
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from yingji.alerts import outbox, selectors
from yingji.alerts.models import Ack, Area, Delivery, Warning
from yingji.core import services as core_services
from yingji.core.bulk import insert_rows
from yingji.regions.models import Level, Region
from yingji.regions.services import load_dataset
from yingji.registry.models.people import CONTACT_ROLES, Contact

CONTACTS = 1_000_000
CITIES = ("3301", "3302", "3303", "3304")  # 杭州, 宁波, 温州, 嘉兴
SEED = 20190810


def setup() -> Any:
    call_command("migrate", verbosity=0)
    load_dataset()
    villages = list(
        Region.objects.filter(level=Level.VILLAGE).order_by("code").values_list("code", "path")
    )
    rng = np.random.default_rng(SEED)
    where = rng.integers(0, len(villages), CONTACTS)
    roles = rng.choice(len(CONTACT_ROLES), CONTACTS)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    rows = [
        (f"BENCH{i:07d}", f"联系人{i}", f"13{i:09d}", CONTACT_ROLES[int(roles[i])],
         "sms" if i % 4 else "sms,voice", villages[int(where[i])][0], villages[int(where[i])][1],
         "", "", "", True, now, now)
        for i in range(CONTACTS)
    ]  # fmt: skip
    with transaction.atomic():
        insert_rows(
            Contact,
            ["code", "name", "phone", "roles", "channels", "region_id", "region_path",
             "address", "organisation", "void_reason", "synthetic", "created_at", "updated_at"],
            rows,
        )  # fmt: skip
    user = core_services.create_user(
        actor=None, username="bench-duty", password=secrets.token_urlsafe(16),
        region_code="33", roles=["duty_officer"],
    )  # fmt: skip
    province = Region.objects.get(path="33")
    now_dt = timezone.now()
    warning = Warning.objects.create(
        event_type="typhoon", level=3, headline="台风红色预警", description="bench",
        expires=now_dt + dt.timedelta(hours=12), sender=province, region_path="33",
        drafted_by=user, state="issued", issued_at=now_dt, identifier="BENCH",
    )  # fmt: skip
    for city in CITIES:
        Area.objects.create(warning=warning, description=city, region=Region.objects.get(path=city))
    return warning


def main() -> None:
    warning = setup()
    clock = time.perf_counter()
    people = selectors.recipients(warning)
    targeting_s = time.perf_counter() - clock
    clock = time.perf_counter()
    with transaction.atomic():
        counts = outbox.enqueue(warning)
    enqueue_s = time.perf_counter() - clock
    rows = counts["messages"] + counts["recipients"]
    stored = list(
        Delivery.objects.values_list(
            "warning_id", "contact_id", "region_path", "channel", "address", "purpose", "text",
            "state", "attempts", "next_at", "worker", "provider_id", "error", "created_at",
        )
    )  # fmt: skip
    adapt = connection.ops.adapt_datetimefield_value
    stored = [(*r[:9], adapt(r[9]), *r[10:13], adapt(r[13])) for r in stored]
    Delivery.objects.all().delete()
    Ack.objects.all().delete()
    quote = connection.ops.quote_name
    columns = (
        "warning_id", "contact_id", "region_path", "channel", "address", "purpose", "text",
        "state", "attempts", "next_at", "worker", "provider_id", "error", "created_at",
    )  # fmt: skip
    sql = (
        f"INSERT INTO {quote(Delivery._meta.db_table)} ({', '.join(quote(c) for c in columns)})"
        f" VALUES ({', '.join(['%s'] * len(columns))})"
    )
    clock = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, len(stored), 5000):
            cursor.executemany(sql, stored[start : start + 5000])
    bare_s = time.perf_counter() - clock
    rate = rows / enqueue_s
    bare_rate = len(stored) / bare_s
    print(f"  targeting {targeting_s:.2f} s for {len(people):,} people; outbox {rate:,.0f} rows/s"
          f" (bare {bare_rate:,.0f}/s)", file=sys.stderr)  # fmt: skip
    print(json.dumps({
        "benchmark": "fanout",
        "params": {"database": connection.vendor, "contacts": CONTACTS, "cities": CITIES,
                   "cpus": os.cpu_count()},
        "results": {"targeting_s": round(targeting_s, 3), "recipients": len(people),
                    "outbox_rows": rows, "outbox_s": round(enqueue_s, 3),
                    "outbox_rows_per_s": round(rate)},
        "baseline": {"bare_executemany_deliveries_per_s": round(bare_rate)},
        "ratio": {"outbox_vs_bare": round(rate / bare_rate, 2)},
        "targets": {"targeting_s": 1.0, "outbox_rows_per_s": 200_000},
    }, indent=2, ensure_ascii=False))  # fmt: skip


if __name__ == "__main__":
    main()
