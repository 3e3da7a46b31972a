"""The outbox (issue 7): written with the 签发 in one transaction, one row per recipient ×
channel and one 叫应 row per person; drained in leased batches with retries, backoff, dead
letters and a second worker taking over an expired lease. The channel here is a recording
double of the channel interface; the real adapters are tested against their fake servers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest
from django.utils import timezone

from tests.alerts.conftest import contact, draft, through
from yingji.alerts import outbox
from yingji.alerts.channels.base import Outgoing, Receipt
from yingji.alerts.models import Ack, Delivery, DeliveryState
from yingji.regions.models import Level, Region


@dataclass
class Recorder:
    name: str = "sms"
    rate_per_second: float = 1e9
    batch_size: int = 2
    sent: list[Outgoing] = field(default_factory=list)
    transient: set[int] = field(default_factory=set)
    permanent: set[int] = field(default_factory=set)

    def send(self, batch):
        self.sent.extend(batch)
        out = []
        for o in batch:
            if o.id in self.permanent:
                out.append(Receipt(o.id, ok=False, error="invalid number", retry=False))
            elif o.id in self.transient:
                out.append(Receipt(o.id, ok=False, error="503 busy"))
            else:
                out.append(Receipt(o.id, ok=True, provider_id=f"p{o.id}"))
        return out


@pytest.fixture
def issued(people):
    village = Region.objects.filter(level=Level.VILLAGE, path__startswith="330106").first()
    for i in range(5):
        contact(str(i + 1), village, channels="sms,voice" if i == 0 else "sms")
    warning = draft(people["duty"], areas=[{"region": village.code, "description": "村"}])
    return through(warning, people)


def test_issue_writes_one_message_per_person_and_channel_and_one_ack_each(issued):
    assert Delivery.objects.filter(warning=issued).count() == 6
    assert Ack.objects.filter(warning=issued).count() == 5
    sms = Delivery.objects.filter(channel="sms").first()
    token = outbox.reply_token(issued.pk, sms.contact_id)
    (message,) = outbox.compose([sms])
    assert issued.headline in message.text and f"/alerts/ack/{token}/" in message.text
    assert "请回复1确认收到" in message.text
    ack = Ack.objects.first()
    assert ack.due_at == issued.issued_at + dt.timedelta(minutes=30)  # 橙: 30 minutes


def test_drain_sends_each_once_in_batches(issued):
    channel = Recorder()
    totals = outbox.drain(channel, worker="w1")
    assert totals["sent"] == 5 and totals["batches"] == 3
    assert sorted(o.id for o in channel.sent) == sorted(
        Delivery.objects.filter(channel="sms").values_list("pk", flat=True)
    )
    assert set(Delivery.objects.filter(channel="sms").values_list("state", flat=True)) == {"sent"}
    assert outbox.drain(channel, worker="w1")["sent"] == 0  # nothing sent twice


def test_transient_failures_back_off_and_permanent_ones_go_dead(issued):
    ids = list(Delivery.objects.filter(channel="sms").order_by("pk").values_list("pk", flat=True))
    channel = Recorder(transient={ids[0]}, permanent={ids[1]})
    outbox.drain(channel, worker="w1")
    first, second = Delivery.objects.get(pk=ids[0]), Delivery.objects.get(pk=ids[1])
    assert (first.state, first.attempts, first.error) == ("failed", 1, "503 busy")
    assert first.next_at > timezone.now() + dt.timedelta(seconds=4)
    assert second.state == DeliveryState.DEAD
    channel.transient.clear()
    later = timezone.now() + dt.timedelta(minutes=1)
    rows = outbox.claim("sms", 10, "w2", now=later)
    assert [r.pk for r in rows] == [ids[0]]  # only the one due again


def test_an_expired_lease_is_taken_over_and_the_old_worker_cannot_record(issued):
    rows = outbox.claim("sms", 10, "dead-worker")
    assert len(rows) == 5
    assert outbox.claim("sms", 10, "w2") == []  # leased
    later = timezone.now() + outbox.LEASE + dt.timedelta(seconds=1)
    taken = outbox.claim("sms", 10, "w2", now=later)
    assert len(taken) == 5
    stale = outbox.record([Receipt(r.pk, ok=True) for r in rows], "dead-worker")
    assert stale["sent"] == 0  # the rows belong to w2 now
    assert (
        outbox.record([Receipt(r.pk, ok=True, provider_id="x") for r in taken], "w2")["sent"] == 5
    )


def test_delivery_reports_mark_rows_delivered(issued):
    outbox.drain(Recorder(), worker="w1")
    row = Delivery.objects.filter(channel="sms").first()
    assert outbox.delivered("sms", row.provider_id, ok=True) == 1
    row.refresh_from_db()
    assert row.state == DeliveryState.DELIVERED and row.delivered_at is not None
