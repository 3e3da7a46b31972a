"""叫应 (issue 7, done means 5): the reply link and an SMS reply acknowledge; an unanswered
person is reported up the chain on time (村 → 乡镇值班 → 县级值班), once per period."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.alerts.conftest import contact, draft, through
from yingji.alerts import outbox
from yingji.alerts.models import Ack, Delivery
from yingji.alerts.services import acks
from yingji.core.errors import NotFound
from yingji.regions.models import Level, Region


@pytest.fixture
def chain(people):
    village = Region.objects.filter(level=Level.VILLAGE, path__startswith="330106").first()
    township, county = village.parent, village.parent.parent
    person = contact("1", village, roles="村干部", phone="13900000001")
    town_duty = contact("2", township, roles="乡镇值班", phone="13900000002")
    county_duty = contact("3", county, roles="县级值班", phone="13900000003")
    warning = through(
        draft(people["duty"], areas=[{"region": village.code, "description": "村"}]), people
    )
    return warning, person, town_duty, county_duty


def test_the_reply_link_answers_once(chain):
    warning, person, *_ = chain
    token = outbox.reply_token(warning.pk, person.pk)
    done = acks.by_token(token)
    assert done.via == "link" and done.acked_at is not None
    again = acks.by_token(token)
    assert again.acked_at == done.acked_at  # the first answer counts
    with pytest.raises(NotFound):
        acks.by_token("not-a-token-but-long-enough")
    with pytest.raises(NotFound):  # another person's id with this MAC
        acks.by_token(token.replace(f"-{person.pk}-", f"-{person.pk + 1}-"))
    with pytest.raises(NotFound):
        acks.by_token("<script>")


def test_an_sms_reply_with_the_keyword_answers_the_latest_warning(chain):
    _, person, *_ = chain
    assert acks.by_sms("+86 139 0000 0001", "收到了谢谢") is None  # not the keyword
    done = acks.by_sms("+86 139 0000 0001", " 1 ")
    assert done.contact_id == person.pk and done.via == "sms"
    assert acks.by_sms("13900000009", "1") is None  # nobody


def test_unanswered_escalates_on_time_up_the_chain(chain):
    warning, person, town_duty, county_duty = chain  # only the village's person is targeted
    ack = Ack.objects.get(warning=warning)
    assert ack.contact_id == person.pk
    assert acks.escalate(ack.due_at - dt.timedelta(seconds=1)) == 0  # 橙: 30 minutes
    assert acks.escalate(ack.due_at) == 1
    first = Delivery.objects.get(purpose=f"escalation:{ack.pk}:1")
    assert first.address == town_duty.phone and person.name in first.text
    assert acks.escalate(ack.due_at + dt.timedelta(minutes=10)) == 0  # once per period
    assert acks.escalate(ack.due_at + dt.timedelta(minutes=30)) == 1
    second = Delivery.objects.get(purpose=f"escalation:{ack.pk}:2")
    assert second.address == county_duty.phone
    acks.by_sms(person.phone, "1")
    assert acks.escalate(ack.due_at + dt.timedelta(minutes=60)) == 0  # answered: done
    rates = acks.rates(warning.pk)
    assert rates["330106"] == {"people": 1, "answered": 1, "rate": 1.0}


def test_rates_count_a_county_level_person_once(people):
    county = Region.objects.get(path="330106")
    contact("9", county, roles="县级值班", phone="13900000009")
    warning = through(draft(people["duty"]), people)  # the whole county
    rates = acks.rates(warning.pk)
    assert rates["330106"]["people"] == Ack.objects.filter(warning=warning).count() == 1
