"""How a warning did (发布效果): reach, delivery per channel, speed, 叫应 and lead time.

- **Recipients**: the people targeted (one 叫应 row each); besides them, the broadcast
  terminals and the messages to public subscribers.
- **Per channel**: messages, sent, delivered (a delivery report, or a channel that confirms at
  once), failed and retrying, given up (dead), still waiting.
- **Speed**: minutes from 签发 until 50 %, 90 % and 99 % of the warning's messages were
  delivered (sent, for channels without delivery reports); empty until that share is reached.
- **叫应**: people answered, the rate, the median minutes to answer, and per county and township.
- **Lead time**: minutes from 签发 to the onset recorded on the warning (positive: issued
  before the event; the plan's target is ≥ 60 minutes for sudden severe weather).
"""

from __future__ import annotations

import datetime as dt
import io
import math
import statistics
from collections import Counter, defaultdict
from typing import Any, Final

from openpyxl import Workbook
from openpyxl.styles import Font

from yingji.alerts.models import Ack, Delivery, DeliveryState, Warning
from yingji.alerts.outbox import PUBLIC, TERMINAL
from yingji.alerts.selectors import CHANNEL_LABELS
from yingji.alerts.services import acks
from yingji.core import exports
from yingji.regions.models import Region

D = DeliveryState
SHARES: Final = (50, 90, 99)
ESCALATION: Final = "escalation:"  # a 叫应 reminder to a boss, not the warning itself


def lead_minutes(onset: dt.datetime, issued: dt.datetime) -> float:
    """Lead time (提前量): minutes from issue to the expected onset, to 0.1 min; negative
    when the warning came after the onset. The one definition pages, cockpit and 复盘 use."""
    return round((onset - issued).total_seconds() / 60, 1)


def measures(warning: Warning) -> dict[str, Any]:
    issued = warning.issued_at
    channels: dict[str, Counter[str]] = defaultdict(Counter)
    reached: list[float] = []
    rows = (
        Delivery.objects.filter(warning=warning)
        .exclude(purpose__startswith=ESCALATION)
        .values_list("channel", "state", "sent_at", "delivered_at", "purpose")
    )
    total = 0
    audience: Counter[str] = Counter()
    for channel, state, sent_at, delivered_at, purpose in rows:
        total += 1
        audience[purpose.split(":", 1)[0]] += 1
        counts = channels[channel]
        counts["messages"] += 1
        counts[state] += 1
        done = delivered_at or (sent_at if state in (D.SENT, D.DELIVERED) else None)
        if done is not None and issued is not None:
            reached.append(max(0.0, (done - issued).total_seconds() / 60))
    reached.sort()
    speed = {f"minutes_to_{share}pct": _at_share(reached, total, share) for share in SHARES}
    # One read of the 叫应 rows gives the people, the answers and the rates per region.
    ack_rows = list(Ack.objects.filter(warning=warning).values_list("region_path", "acked_at"))
    answered = [at for _path, at in ack_rows if at is not None]
    people = len(ack_rows)
    answer_minutes = [(at - issued).total_seconds() / 60 for at in answered if issued]
    lead = lead_minutes(warning.onset, issued) if warning.onset and issued else None
    return {
        "warning": warning.pk,
        "identifier": warning.identifier,
        "issued_at": issued.isoformat() if issued else None,
        "recipients": people,
        "messages": total,
        "terminals": audience[TERMINAL],
        "public_messages": audience[PUBLIC.rstrip(":")],
        "channels": [
            {
                "channel": name,
                "label": CHANNEL_LABELS.get(name, name),
                "messages": c["messages"],
                "sent": c[D.SENT] + c[D.DELIVERED],
                "delivered": c[D.DELIVERED],
                "failed": c[D.FAILED],
                "dead": c[D.DEAD],
                "waiting": c[D.QUEUED] + c[D.SENDING],
            }
            for name, c in sorted(channels.items())
        ],
        **speed,
        "acknowledged": len(answered),
        "ack_rate": round(len(answered) / people, 3) if people else None,
        "median_minutes_to_ack": round(statistics.median(answer_minutes), 1)
        if answer_minutes
        else None,
        "ack_by_region": _named(acks.rates_of(ack_rows)),
        "lead_time_minutes": lead,
    }


def _at_share(reached: list[float], total: int, share: int) -> float | None:
    """Minutes until ``share`` % of ``total`` messages were through, or None if not yet."""
    need = math.ceil(total * share / 100)
    if not total or len(reached) < need:
        return None
    return round(reached[need - 1], 1)


def _named(rates: dict[str, Any]) -> list[dict[str, Any]]:
    names = dict(Region.objects.filter(path__in=list(rates)).values_list("path", "name"))
    return [
        {"code": path, "name": names.get(path, path), **figures} for path, figures in rates.items()
    ]


def workbook(warning: Warning) -> bytes:
    """The measures as an Excel workbook: summary, channels, 叫应 by region."""
    figures = measures(warning)
    book = Workbook()
    bold = Font(bold=True)
    summary = book.active
    summary.title = "发布效果"
    rows = [
        ("预警", warning.headline),
        ("标识", figures["identifier"]),
        ("签发时间", figures["issued_at"]),
        ("接收人数", figures["recipients"]),
        ("消息数", figures["messages"]),
        ("应急广播终端数", figures["terminals"]),
        ("公众订阅消息数", figures["public_messages"]),
        *((f"{s}% 送达用时（分钟）", figures[f"minutes_to_{s}pct"]) for s in SHARES),
        ("叫应人数", figures["acknowledged"]),
        ("叫应率", figures["ack_rate"]),
        ("叫应用时中位数（分钟）", figures["median_minutes_to_ack"]),
        ("提前量（分钟）", figures["lead_time_minutes"]),
    ]
    for label, value in rows:
        summary.append([label, value])
    for sheet_name, header, data in (
        ("渠道", ["渠道", "消息", "已发送", "已送达", "重试中", "已放弃", "待发送"],
         [[c["label"], c["messages"], c["sent"], c["delivered"], c["failed"], c["dead"],
           c["waiting"]] for c in figures["channels"]]),
        ("叫应", ["区划代码", "名称", "人数", "已叫应", "叫应率"],
         [[r["code"], r["name"], r["people"], r["answered"], r["rate"]]
          for r in figures["ack_by_region"]]),
    ):  # fmt: skip
        sheet = book.create_sheet(sheet_name)
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = bold
        for line in data:
            sheet.append(line)
    out = io.BytesIO()
    exports.no_formulas(book).save(out)
    return out.getvalue()
