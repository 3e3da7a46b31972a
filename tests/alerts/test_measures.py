"""Measurements per warning (issue 7, done means 6): reach, delivery per channel, time to
50/90/99 % delivered, 叫应 rate and lead time — on the warning page and as Excel."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from tests.alerts.conftest import contact, draft, through
from yingji.alerts import outbox
from yingji.alerts.measures import measures
from yingji.alerts.models import Delivery, DeliveryState
from yingji.alerts.services import acks
from yingji.regions.models import Level, Region


@pytest.fixture
def issued(people):
    village = Region.objects.filter(level=Level.VILLAGE, path__startswith="330106").first()
    for i in range(4):
        contact(str(i + 1), village, channels="sms,voice" if i == 0 else "sms")
    onset = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=90)
    warning = draft(people["duty"], onset=onset.isoformat(),
                    areas=[{"region": village.code, "description": "村"}])  # fmt: skip
    return through(warning, people)


def test_figures_follow_deliveries_and_answers(issued):
    start = issued.issued_at
    sms = list(Delivery.objects.filter(warning=issued, channel="sms").order_by("pk"))
    for minutes, row in zip((1, 2, 3), sms, strict=False):  # 3 of 5 messages delivered
        Delivery.objects.filter(pk=row.pk).update(
            state=DeliveryState.DELIVERED,
            sent_at=start,
            delivered_at=start + dt.timedelta(minutes=minutes),
        )
    Delivery.objects.filter(pk=sms[3].pk).update(state=DeliveryState.DEAD, error="空号")
    acks.by_token(outbox.reply_token(issued.pk, sms[0].contact_id))
    got = measures(issued)
    assert got["recipients"] == 4 and got["messages"] == 5
    assert got["channels"][0] == {"channel": "sms", "label": "短信", "messages": 4, "sent": 3,
                                  "delivered": 3, "failed": 0, "dead": 1,
                                  "waiting": 0}  # fmt: skip
    assert got["channels"][1]["waiting"] == 1  # voice: not configured, waiting
    assert got["minutes_to_50pct"] == 3.0  # 3 of 5 = 60 % by minute 3
    assert got["minutes_to_90pct"] is None and got["minutes_to_99pct"] is None
    assert got["acknowledged"] == 1 and got["ack_rate"] == 0.25
    assert 89 <= got["lead_time_minutes"] <= 90
    assert got["ack_by_region"][0]["code"] == "330106"


def test_the_page_shows_them_and_excel_exports_them(issued, people):
    client = Client()
    client.force_login(people["reviewer"])
    html = client.get(f"/alerts/{issued.pk}/").content.decode()
    assert 'id="al-measures"' in html
    book = client.get(f"/alerts/{issued.pk}/measures.xlsx")
    assert book.status_code == 200
    sheets = load_workbook(io.BytesIO(book.content))
    summary = {row[0].value: row[1].value for row in sheets["发布效果"].iter_rows()}
    assert summary["接收人数"] == 4 and summary["消息数"] == 5
    assert [c.value for c in sheets["渠道"][2]][:2] == ["短信", 4]
    api = client.get(f"/api/alerts/{issued.pk}/measures").json()
    assert api["recipients"] == 4
    other = Client()
    other.force_login(people["binjiang"])
    assert other.get(f"/alerts/{issued.pk}/measures.xlsx").status_code == 404


def test_before_issue_the_page_previews_who_it_will_reach(people):
    village = Region.objects.filter(level=Level.VILLAGE, path__startswith="330106").first()
    contact("1", village, channels="sms,voice")
    warning = draft(people["duty"], areas=[{"region": village.code, "description": "村"}])
    client = Client()
    client.force_login(people["duty"])
    html = client.get(f"/alerts/{warning.pk}/").content.decode()
    assert 'id="al-preview"' in html and 'id="al-measures"' not in html
    assert "330106" in html


def test_the_page_refreshes_the_figures_while_the_warning_is_in_force(issued, people):
    client = Client()
    client.force_login(people["reviewer"])
    html = client.get(f"/alerts/{issued.pk}/").content.decode()
    assert f'data-live="/alerts/{issued.pk}/measures/"' in html and "measures.js" in html
    sms = Delivery.objects.filter(warning=issued, channel="sms").first()
    acks.by_token(outbox.reply_token(issued.pk, sms.contact_id))
    fragment = client.get(f"/alerts/{issued.pk}/measures/").content.decode()
    assert fragment.startswith('<section class="card" id="al-measures"')
    assert "25%" in fragment  # one of four answered since the page was opened
    outsider = Client()
    outsider.force_login(people["binjiang"])
    assert outsider.get(f"/alerts/{issued.pk}/measures/").status_code == 404
    assert Client().get(f"/alerts/{issued.pk}/measures/").status_code == 302  # sign in first
