"""Who a warning reaches beyond the responsible persons (issue 7, targeting): the broadcast
terminals (应急广播) of the villages in the area and the public subscribers (预警订阅) of
overlapping areas with matching type and level; e-mail to a registered address; one message
per address whoever registered it; and the preview counts what the outbox then writes."""

from __future__ import annotations

import pytest

from tests.alerts.conftest import contact, draft, through
from yingji.alerts import outbox, selectors
from yingji.alerts.audience import BroadcastTerminal, Subscriber
from yingji.alerts.models import Ack, Delivery
from yingji.regions.models import Level, Region


@pytest.fixture
def places(db):
    villages = list(
        Region.objects.filter(level=Level.VILLAGE, path__startswith="330106").order_by("path")
    )
    first = villages[0]
    other = next(v for v in villages if v.parent_id != first.parent_id)
    return {"village": first, "township": first.parent, "other_village": other,
            "binjiang": Region.objects.get(path="330108")}  # fmt: skip


def terminal(code, region, status="active"):
    return BroadcastTerminal.objects.create(
        code=code, name=f"{region.name}大喇叭", region=region, status=status
    )


def subscriber(code, region, phone="", email="", event_types="", min_level=0):
    return Subscriber.objects.create(code=code, region=region, phone=phone, email=email,
                                     event_types=event_types, min_level=min_level)  # fmt: skip


def village_warning(people, village, **changes):
    return draft(people["duty"], areas=[{"region": village.code, "description": "村"}], **changes)


def test_active_terminals_of_the_villages_in_the_area_are_sent_the_text_to_read(people, places):
    inside = terminal("GB-1", places["village"])
    terminal("GB-2", places["village"], status="fault")
    terminal("GB-3", places["other_village"])
    issued = through(village_warning(people, places["village"]), people)
    (row,) = Delivery.objects.filter(warning=issued, channel="broadcast")
    assert (row.address, row.purpose, row.contact_id) == (inside.code, "terminal", None)
    (message,) = outbox.compose([row])
    assert issued.headline in message.text and "/alerts/ack/" not in message.text
    assert not Ack.objects.filter(warning=issued).exists()  # a loudspeaker does not answer


def test_subscribers_of_overlapping_areas_with_the_type_and_level_get_it(people, places):
    village, township = places["village"], places["township"]
    county = Region.objects.get(path="330106")
    wanted = [
        subscriber("S1", county, phone="13700000001"),  # the county holds the village
        subscriber("S2", township, email="s2@example.cn"),  # the township holds it
        subscriber("S3", village, phone="13700000003", event_types="rainstorm,typhoon"),
    ]
    subscriber("S4", places["other_village"], phone="13700000004")  # another township
    subscriber("S5", places["binjiang"], phone="13700000005")  # another county
    subscriber("S6", village, phone="13700000006", event_types="typhoon")  # another type
    subscriber("S7", village, phone="13700000007", min_level=3)  # only 红
    gone = subscriber("S8", village, phone="13700000008")
    gone.voided_at, gone.void_reason = gone.created_at, "退订"
    gone.save()
    issued = through(village_warning(people, village, level=2), people)
    rows = Delivery.objects.filter(warning=issued, purpose__startswith="public:")
    assert {r.purpose for r in rows} == {f"public:{s.pk}" for s in wanted}
    assert {(r.channel, r.address) for r in rows} == {
        ("sms", "13700000001"), ("email", "s2@example.cn"), ("sms", "13700000003")}  # fmt: skip
    sms = rows.get(address="13700000003")
    (message,) = outbox.compose([sms])
    token = outbox.unsubscribe_token(wanted[2].pk)
    assert f"/alerts/unsubscribe/{token}/" in message.text and "回复1" not in message.text


def test_a_region_warning_reaches_subscribers_inside_it(people, places):
    inside = subscriber("S1", places["village"], phone="13700000001")
    issued = through(draft(people["duty"]), people)  # the whole of 西湖区
    assert Delivery.objects.get(warning=issued, purpose=f"public:{inside.pk}").channel == "sms"


def test_one_message_per_address_when_a_subscriber_is_also_a_responsible_person(people, places):
    village = places["village"]
    person = contact("1", village, channels="sms", phone="13700000001")
    subscriber("S1", village, phone="13700000001")
    warning = village_warning(people, village)
    preview = selectors.preview(warning)
    assert preview["channels"]["sms"] == 1
    issued = through(warning, people)
    (row,) = Delivery.objects.filter(warning=issued, channel="sms")
    assert row.contact_id == person.pk and row.purpose == "warning"  # with the 叫应 link


def test_e_mail_goes_to_the_registered_address_and_only_with_one(people, places):
    village = places["village"]
    with_address = contact("1", village, channels="sms,email")
    with_address.email = "duty@example.cn"
    with_address.save()
    contact("2", village, channels="email")  # no address: nothing to send to
    issued = through(village_warning(people, village), people)
    (row,) = Delivery.objects.filter(warning=issued, channel="email")
    assert (row.address, row.contact_id) == ("duty@example.cn", with_address.pk)


def test_the_preview_counts_what_the_outbox_then_writes(people, places):
    village = places["village"]
    for i in range(3):
        contact(str(i + 1), village, channels="sms,voice,app")
    terminal("GB-1", village)
    terminal("GB-2", village)
    subscriber("S1", village, phone="13700000001", email="s1@example.cn")
    warning = village_warning(people, village)
    preview = selectors.preview(warning)
    issued = through(warning, people)
    written = {
        channel: Delivery.objects.filter(warning=issued, channel=channel).count()
        for channel in preview["channels"]
    }
    assert preview["channels"] == written == {
        "sms": 4, "voice": 3, "app": 3, "email": 1, "broadcast": 2}  # fmt: skip
    assert preview["recipients"] == 3 and preview["counties"][0]["broadcast"] == 2


def test_contacts_channels_are_stored_in_one_form_whatever_was_typed(places):
    typed = {"roles": "村干部、防汛责任人", "channels": "短信，sms、语音电话"}
    person = contact("1", places["village"], **typed)
    person.refresh_from_db()
    assert (person.roles, person.channels) == ("村干部,防汛责任人", "sms,voice")
