"""监测预警: warning lead time, public reach (应急广播 in every village) and 叫应.

Lead time is the same figure :func:`yingji.alerts.measures.measures` reports per warning
(minutes from 签发 to the onset recorded on the warning, one decimal), averaged here over the
meteorological alerts issued in the trailing 12 months — read in one query rather than one
``measures`` call per warning, which would also count deliveries the cockpit does not need.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count, Q
from django.db.models.functions import Substr

from yingji.alerts import catalogue
from yingji.alerts.audience import BroadcastTerminal, TerminalStatus
from yingji.alerts.measures import lead_minutes
from yingji.alerts.models import Ack, MsgType, Warning
from yingji.regions.models import Level, Region
from yingji.review.indicators import base
from yingji.review.indicators.base import Result, Row

LEAD_TARGET_MINUTES = 60.0
MET_TYPES = tuple(t.code for t in catalogue.BY_CODE.values() if t.category == "Met")


def lead_time(scope: str, as_of: dt.date) -> Result:
    rows = base.within(
        Warning.objects.filter(
            issued_at__gte=base.since(as_of), issued_at__lt=base.until(as_of),
            onset__isnull=False, msg_type=MsgType.ALERT, event_type__in=MET_TYPES,
        ),
        "region_path", scope,
    ).values_list("region_path", "onset", "issued_at")  # fmt: skip
    size = base.child_length(scope) or len(scope)
    leads: dict[str, list[float]] = defaultdict(list)
    everything: list[float] = []
    for path, onset, issued in rows:
        minutes = lead_minutes(onset, issued)
        leads[path[:size]].append(minutes)
        everything.append(minutes)

    def mean(values: list[float]) -> float | None:
        return round(sum(values) / len(values), 1) if values else None

    def on_time(values: list[float]) -> float:
        return float(sum(1 for v in values if v >= LEAD_TARGET_MINUTES))

    names = base.children(scope)
    out = [Row(p, n, mean(leads[p]), on_time(leads[p]), float(len(leads[p])))
           for p, n in names.items()]  # fmt: skip
    if leads.get(scope) and base.child_length(scope):
        own = leads[scope]
        out.append(Row(scope, "", mean(own), on_time(own), float(len(own)), own=True))
    return Result(
        mean(everything),
        on_time(everything),
        float(len(everything)),
        out,
        note="numerator: warnings with lead ≥ 60 min; denominator: warnings",
    )


def public_reach(scope: str, as_of: dt.date) -> Result:
    """Villages with a live broadcast terminal ÷ villages (the village as the unit of reach)."""
    size = base.child_length(scope) or len(scope)
    villages = base.within(Region.objects.filter(level=Level.VILLAGE), "path", scope)
    live = BroadcastTerminal.objects.filter(voided_at__isnull=True, status=TerminalStatus.ACTIVE)
    reached = base.within(live, "region_path", scope).values("region_path").distinct()
    table = (
        villages.annotate(_child=Substr("path", 1, size))
        .values("_child")
        .annotate(den=Count("pk"), num=Count("pk", filter=Q(path__in=reached)))
        .order_by()
    )
    counts = {row["_child"]: (float(row["num"]), float(row["den"])) for row in table}
    return base.ratio_result(scope, counts)


def ack_rate(scope: str, as_of: dt.date) -> Result:
    """叫应 rows answered ÷ rows, over warnings issued in the trailing 12 months."""
    acks = Ack.objects.filter(
        warning__issued_at__gte=base.since(as_of), warning__issued_at__lt=base.until(as_of)
    )
    table = base.grouped(
        acks,
        "region_path",
        scope,
        den=Count("pk"),
        num=Count("pk", filter=Q(acked_at__isnull=False)),
    )
    return base.ratio_result(scope, base.pairs(table, "num", "den"))
