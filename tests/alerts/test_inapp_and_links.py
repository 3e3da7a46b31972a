"""In-app delivery (APP推送) and the pages behind the links in messages: the 叫应 reply page
(open, then one tap to confirm) and the 退订 page of a public subscription."""

from __future__ import annotations

import pytest

from tests.alerts.conftest import contact, draft, through
from yingji.alerts import outbox
from yingji.alerts.audience import Subscriber
from yingji.alerts.channels.inapp import InApp
from yingji.alerts.dispatch import configured
from yingji.alerts.models import Ack, Delivery, DeliveryState
from yingji.core.audit import AuditEntry
from yingji.core.models import Notification
from yingji.regions.models import Level, Region


@pytest.fixture
def village(db):
    return Region.objects.filter(level=Level.VILLAGE, path__startswith="330106").first()


@pytest.fixture
def issued(people, village, make_user):
    grid = make_user("grid_worker", village.code, "viewer")
    grid.phone = "13600000001"
    grid.save(update_fields=["phone"])
    contact("1", village, roles="网格员", channels="app", phone="13600000001")
    contact("2", village, roles="网格员", channels="app", phone="13600000002")  # no account
    warning = draft(people["duty"], areas=[{"region": village.code, "description": "村"}])
    return through(warning, people)


def test_in_app_needs_no_settings_and_is_always_drained():
    assert "app" in configured()


def test_in_app_puts_the_warning_in_the_inbox_of_the_account_with_that_phone(issued):
    totals = outbox.drain(InApp())
    assert (totals["sent"], totals["dead"]) == (1, 1)
    (note,) = Notification.objects.filter(recipient__username="grid_worker")
    assert note.title == issued.headline and note.link.startswith("/alerts/ack/")
    reached = Delivery.objects.get(warning=issued, address="13600000001")
    assert reached.state == DeliveryState.DELIVERED and reached.delivered_at is not None
    missing = Delivery.objects.get(warning=issued, address="13600000002")
    assert missing.state == DeliveryState.DEAD
    assert "no active Yingji account has the phone 13600000002" in missing.error


def test_a_row_sent_again_after_a_crash_is_not_a_second_notification(issued):
    (row,) = outbox.claim("app", 10, "crashed-worker")[:1]
    InApp().send(outbox.compose([row]))  # sent, then the worker died before recording
    again = InApp().send(outbox.compose([row]))
    assert again[0].ok and Notification.objects.filter(kind="warning").count() == 1


def test_the_reply_link_shows_the_warning_and_one_tap_confirms(client, issued):
    outbox.drain(InApp())
    link = Notification.objects.get(kind="warning").link
    page = client.get(link)
    assert page.status_code == 200 and issued.headline in page.content.decode()
    assert Ack.objects.get(warning=issued, contact__phone="13600000001").acked_at is None
    answered = client.post(link)
    assert answered.status_code == 200 and 'id="al-acked"' in answered.content.decode()
    ack = Ack.objects.get(warning=issued, contact__phone="13600000001")
    assert ack.acked_at is not None and ack.via == "link"
    first = ack.acked_at
    client.post(link)
    assert Ack.objects.get(pk=ack.pk).acked_at == first  # the first answer counts


@pytest.mark.parametrize(
    "token", ["1-1-forged", "x" * 5000, "../../etc/passwd", "1-1-" + "A" * 22, "%00"]
)
def test_a_forged_or_hostile_reply_link_is_refused_and_changes_nothing(client, issued, token):
    before = list(Ack.objects.values_list("acked_at", flat=True))
    for method in (client.get, client.post):
        response = method(f"/alerts/ack/{token}/")
        assert response.status_code in (400, 404)  # a NUL in the path is a bad request
    assert list(Ack.objects.values_list("acked_at", flat=True)) == before


def test_the_unsubscribe_link_stops_the_subscription_and_is_audited(client, village, people):
    person = Subscriber.objects.create(code="S1", region=village, phone="13700000001")
    link = f"/alerts/unsubscribe/{outbox.unsubscribe_token(person.pk)}/"
    assert client.get(link).status_code == 200
    assert Subscriber.objects.get(pk=person.pk).voided_at is None  # opening is not leaving
    done = client.post(link)
    assert done.status_code == 200 and 'id="al-unsubscribed"' in done.content.decode()
    assert Subscriber.objects.get(pk=person.pk).voided_at is not None
    assert AuditEntry.objects.filter(object_id=str(person.pk), action="void").exists()
    issued = through(
        draft(people["duty"], areas=[{"region": village.code, "description": "村"}]), people
    )
    assert not Delivery.objects.filter(warning=issued, address="13700000001").exists()
    forged = client.post(f"/alerts/unsubscribe/{person.pk + 1}-forged/")
    assert forged.status_code == 404
