"""Benchmark: a red warning over a third of the province with 1,000,000 registered contacts
(issue 7, performance).

- Targeting: the warning's areas (every county of four of the eleven cities, about a third of
  the villages) → villages → the contacts to reach, with their roles and channels checked and
  phones de-duplicated, counted per county and channel — the preview the issuer sees before
  签发 (:func:`yingji.alerts.selectors.preview`); target ≤ 1 s.
- Outbox: the 签发 writes one row per recipient × channel and one 叫应 row per person
  (:func:`yingji.alerts.outbox.enqueue`, inside the issue transaction); target ≥ 200,000
  rows/s. Baselines in the same run: a bare ``executemany`` of the same delivery rows into
  the same table, and a bare ``INSERT … SELECT`` copying them from a scratch table (the
  database's own ceiling).
- Drain: every SMS row sent through the HTTP SMS adapter to a fake gateway running in its own
  process (:mod:`tests.alerts.fakes.sms_gateway`: it answers per message and de-duplicates
  by client id, as a carrier's platform does), claimed, composed (text with the person's
  reply link) and recorded by :func:`yingji.alerts.outbox.drain`; target ≥ 20,000
  messages/s. Baseline: the adapter alone sending the same number of composed messages to
  the same fake, no database.

Runs on a throwaway SQLite database (or PostgreSQL with DATABASE_URL). Contacts, a broadcast
terminal per village and 100,000 public subscribers (of villages, townships and counties) are
inserted in bulk (not timed); the warning reaches all three.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import secrets
import sys
import time
from typing import Any

from _scratch import use_scratch_data_dir

use_scratch_data_dir()
os.environ.setdefault("YINGJI_SECRET_KEY", secrets.token_urlsafe(40))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yingji.settings")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # tests.fakes

import django

django.setup()

import numpy as np
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone
from tests.alerts.fakes.sms_gateway import TOKEN, FakeSmsGateway

from yingji.alerts import outbox, selectors
from yingji.alerts.audience import BroadcastTerminal, Subscriber
from yingji.alerts.channels.base import Outgoing
from yingji.alerts.channels.http_sms import HttpSms
from yingji.alerts.models import Ack, Area, Delivery, Warning
from yingji.core import services as core_services
from yingji.core.bulk import insert_rows
from yingji.kernels import codes
from yingji.regions.models import Level, Region
from yingji.regions.services import load_dataset
from yingji.registry.models.people import CONTACT_ROLES, Contact

CONTACTS = int(os.environ.get("BENCH_CONTACTS", "1000000"))
COLUMNS = (
    "warning_id", "contact_id", "region_path", "channel", "address", "purpose", "text",
    "state", "attempts", "next_at", "worker", "provider_id", "error", "created_at",
)  # fmt: skip
CITIES = ("3301", "3302", "3303", "3304")  # 杭州, 宁波, 温州, 嘉兴
SEED = 20190810
SUBSCRIBERS = int(os.environ.get("BENCH_SUBSCRIBERS", "100000"))


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
         "", "", "", "", True, now, now)
        for i in range(CONTACTS)
    ]  # fmt: skip
    with transaction.atomic():
        insert_rows(
            Contact,
            ["code", "name", "phone", "roles", "channels", "region_id", "region_path",
             "address", "email", "organisation", "void_reason", "synthetic", "created_at",
             "updated_at"],
            rows,
        )  # fmt: skip
    _audience(villages, rng, now)
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


def _serve_fake(found: Any, stop: Any) -> None:
    """The fake SMS gateway, in its own process so that it does not share the drain's GIL."""
    with FakeSmsGateway() as gateway:
        found.put(gateway.endpoint)
        stop.wait()
        found.put(gateway.delivered_count())


def drain(warning: Warning) -> dict[str, Any]:
    ctx = multiprocessing.get_context("fork")
    found, stop = ctx.Queue(), ctx.Event()
    process = ctx.Process(target=_serve_fake, args=(found, stop), daemon=True)
    process.start()
    try:
        channel = HttpSms({"url": found.get(timeout=30), "token": TOKEN,
                           "rate_per_second": 10**9, "batch_size": 1000})  # fmt: skip
        queued = Delivery.objects.filter(warning=warning, channel="sms").count()
        clock = time.perf_counter()
        totals = outbox.drain(channel, worker="bench")
        drain_s = time.perf_counter() - clock
        # Baseline: the adapter alone, the same number of messages (fresh client ids).
        some = Delivery.objects.filter(warning=warning, channel="sms")[:1000]
        sample = outbox.compose(list(some))
        clock = time.perf_counter()
        for batch, start in enumerate(range(0, queued, 1000), 1):
            channel.send([
                Outgoing(id=10**9 * batch + o.id, channel=o.channel, address=o.address,
                         text=o.text, subject=o.subject, warning=o.warning)
                for o in sample[: queued - start]
            ])  # fmt: skip
        bare_s = time.perf_counter() - clock
        stop.set()
        delivered = found.get(timeout=60)
    finally:
        stop.set()
        process.join(timeout=10)
    states = dict(
        Delivery.objects.filter(warning=warning, channel="sms")
        .values_list("state")
        .annotate(n=Count("id"))
    )
    return {
        "queued": queued, "sent": totals["sent"], "failed": totals["failed"],
        "states_after": states, "gateway_accepted_unique": delivered - queued,
        "drain_s": round(drain_s, 3), "drain_msgs_per_s": round(queued / drain_s),
        "bare_adapter_msgs_per_s": round(queued / bare_s),
    }  # fmt: skip


def _audience(villages: list[tuple[str, str]], rng: Any, now: Any) -> None:
    """A loudspeaker per village and SUBSCRIBERS members of the public (by phone, some by
    e-mail too), subscribed to random villages, townships and counties."""
    common = ("", "", True, now, now)  # address, void_reason, synthetic, created, updated
    terminals = [(f"GB{i:06d}", f"{path}大喇叭", "loudspeaker", "active", "", "", code, path,
                  *common) for i, (code, path) in enumerate(villages)]  # fmt: skip
    picks = rng.integers(0, len(villages), SUBSCRIBERS)
    depth = rng.choice((6, 9, 12), SUBSCRIBERS)
    subscribers = []
    for i in range(SUBSCRIBERS):
        path = villages[int(picks[i])][1][: int(depth[i])]
        subscribers.append((f"DY{i:07d}", "", f"15{i:09d}",
                            f"s{i}@example.com" if i % 3 == 0 else "", "", 0,
                            codes.to_12(path), path, *common))  # fmt: skip
    tail = ["region_id", "region_path", "address", "void_reason", "synthetic", "created_at",
            "updated_at"]  # fmt: skip
    with transaction.atomic():
        insert_rows(BroadcastTerminal, ["code", "name", "kind", "status", "maintainer", "phone",
                                        *tail], terminals)  # fmt: skip
        insert_rows(Subscriber, ["code", "name", "phone", "email", "event_types", "min_level",
                                 *tail], subscribers)  # fmt: skip


def main() -> None:
    warning = setup()
    clock = time.perf_counter()
    preview = selectors.preview(warning)
    targeting_s = time.perf_counter() - clock
    clock = time.perf_counter()
    with transaction.atomic():
        counts = outbox.enqueue(warning)
    enqueue_s = time.perf_counter() - clock
    rows = counts["messages"] + counts["recipients"] + counts["public"]
    drained = drain(warning)
    Delivery.objects.filter(warning=warning).update(
        state="queued", attempts=0, worker="", provider_id="", sent_at=None, lease_until=None
    )
    stored = list(Delivery.objects.values_list(*COLUMNS))
    adapt = connection.ops.adapt_datetimefield_value
    stored = [(*r[:9], adapt(r[9]), *r[10:13], adapt(r[13])) for r in stored]
    Delivery.objects.all().delete()
    Ack.objects.all().delete()
    copy_s = _copy_baseline(stored)
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(Delivery._meta.db_table)} ({', '.join(quote(c) for c in COLUMNS)})"
        f" VALUES ({', '.join(['%s'] * len(COLUMNS))})"
    )
    clock = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, len(stored), 5000):
            cursor.executemany(sql, stored[start : start + 5000])
    bare_s = time.perf_counter() - clock
    rate = rows / enqueue_s
    bare_rate = len(stored) / bare_s
    copy_rate = len(stored) / copy_s
    print(f"  targeting {targeting_s:.2f} s for {preview['recipients']:,} people; outbox"
          f" {rate:,.0f} rows/s (bare executemany {bare_rate:,.0f}/s, INSERT…SELECT"
          f" {copy_rate:,.0f}/s); drain {drained['drain_msgs_per_s']:,}/s (adapter alone"
          f" {drained['bare_adapter_msgs_per_s']:,}/s)", file=sys.stderr)  # fmt: skip
    print(json.dumps({
        "benchmark": "fanout",
        "params": {"database": connection.vendor, "contacts": CONTACTS, "cities": CITIES,
                   "cpus": os.cpu_count()},
        "results": {"targeting_s": round(targeting_s, 3), "recipients": preview["recipients"],
                    "villages": preview["villages"], "messages": preview["channels"],
                    "outbox_rows": rows, "outbox_s": round(enqueue_s, 3),
                    "outbox_rows_per_s": round(rate), "drain": drained},
        "baseline": {"bare_executemany_deliveries_per_s": round(bare_rate),
                     "bare_insert_select_deliveries_per_s": round(copy_rate),
                     "bare_adapter_msgs_per_s": drained["bare_adapter_msgs_per_s"]},
        "ratio": {"outbox_vs_bare_executemany": round(rate / bare_rate, 2),
                  "outbox_vs_bare_insert_select": round(rate / copy_rate, 2),
                  "drain_vs_adapter_alone": round(drained["drain_msgs_per_s"]
                                                  / drained["bare_adapter_msgs_per_s"], 2)},
        "targets": {"targeting_s": 1.0, "outbox_rows_per_s": 200_000,
                    "drain_msgs_per_s": 20_000},
    }, indent=2, ensure_ascii=False))  # fmt: skip


def _copy_baseline(stored: list[tuple[Any, ...]]) -> float:
    """Seconds for the database to copy the delivery rows from a scratch table."""
    quote = connection.ops.quote_name
    table = quote(Delivery._meta.db_table)
    columns = ", ".join(quote(c) for c in COLUMNS)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE bench_copy AS SELECT {columns} FROM {table} WHERE 1 = 0")
        marks = ", ".join(["%s"] * 14)
        for start in range(0, len(stored), 5000):
            cursor.executemany(f"INSERT INTO bench_copy VALUES ({marks})",
                               stored[start : start + 5000])  # fmt: skip
    clock = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM bench_copy")
    seconds = time.perf_counter() - clock
    Delivery.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_copy")
    return seconds


if __name__ == "__main__":
    main()
