"""What SMS gateways call back (issue 7, done means 5): a reply with the keyword acknowledges
the sender's warning through the gateway's inbound path; delivery reports mark messages
delivered; only a gateway's machine account may call; malformed bodies are 422."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.alerts.conftest import contact, draft, through
from yingji.alerts import outbox
from yingji.alerts.models import Ack, Delivery, DeliveryState
from yingji.core import services as core_services
from yingji.regions.models import Level, Region

INBOUND = "/api/alerts/gateway/sms/inbound"
REPORTS = "/api/alerts/gateway/sms/reports"


@pytest.fixture
def issued(people):
    village = Region.objects.filter(level=Level.VILLAGE, path__startswith="330106").first()
    contact("1", village, phone="13900000001")
    return through(draft(people["duty"], areas=[{"region": village.code, "description": "村"}]),
                   people)  # fmt: skip


def gateway_client(make_user, region="33"):
    user = make_user(f"sms-gw-{region}", region, "viewer")
    user.is_machine = True
    user.save(update_fields=["is_machine"])
    token = core_services.create_api_token(actor=None, username=user.username, name="gw")
    return Client(HTTP_AUTHORIZATION=f"Bearer {token.secret}")


def test_an_sms_reply_through_the_gateway_acknowledges(issued, make_user):
    client = gateway_client(make_user)
    body = {
        "messages": [
            {"from": "+86 139 0000 0001", "text": "1"},
            {"from": "13900000001", "text": "谢谢"},
        ]
    }
    answer = client.post(INBOUND, body, content_type="application/json")
    assert answer.status_code == 200 and answer.json() == {"acknowledged": 1, "ignored": 1}
    ack = Ack.objects.get(warning=issued)
    assert ack.via == "sms" and ack.acked_at is not None


def test_a_gateway_of_another_county_cannot_acknowledge(issued, make_user):
    client = gateway_client(make_user, region="330108")
    body = {"messages": [{"from": "13900000001", "text": "1"}]}
    assert client.post(INBOUND, body, content_type="application/json").json()["acknowledged"] == 0


def test_only_a_gateway_may_call_and_bad_bodies_are_422(issued, make_user, people):
    person = Client()
    person.force_login(people["duty"])
    body = {"messages": [{"from": "13900000001", "text": "1"}]}
    assert person.post(INBOUND, body, content_type="application/json").status_code == 403
    client = gateway_client(make_user)
    for bad in (b"{", b'{"messages": 5}', b'{"messages": [{"text": "1"}]}', b"[]"):
        assert client.post(INBOUND, bad, content_type="application/json").status_code == 422
    assert (
        client.post(
            REPORTS, b'{"reports": [{"id": "x"}]}', content_type="application/json"
        ).status_code
        == 422
    )
    assert not Ack.objects.filter(acked_at__isnull=False).exists()


def test_delivery_reports_mark_messages_delivered(issued, make_user):
    row = Delivery.objects.get(warning=issued)
    Delivery.objects.filter(pk=row.pk).update(state=DeliveryState.SENT, provider_id="gw-1")
    client = gateway_client(make_user)
    body = {"reports": [{"id": str(row.pk), "provider_id": "gw-1", "status": "delivered"}]}
    answer = client.post(REPORTS, body, content_type="application/json")
    assert answer.json() == {"reports": 1, "updated": 1}
    row.refresh_from_db()
    assert row.state == DeliveryState.DELIVERED and row.delivered_at is not None
    assert outbox.report("sms", row.pk, True) == 0  # a repeated report changes nothing
