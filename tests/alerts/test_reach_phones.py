"""One person per phone among the people a warning reaches, whatever else is registered.

The de-duplication reads only the phones found more than once among the candidates (not the
whole contact table, which cost 100 ms per warning page at province scale); these pin that
the people and channels reached are the same either way.
"""

from __future__ import annotations

import pytest

from tests.alerts.conftest import contact, draft
from yingji.alerts import selectors
from yingji.regions.models import Level, Region

PHONE = "13700000009"


@pytest.fixture
def places(db):
    villages = list(
        Region.objects.filter(level=Level.VILLAGE, path__startswith="330106").order_by("path")
    )
    other = next(v for v in villages if v.parent_id != villages[0].parent_id)
    return {"village": villages[0], "other_village": other}


def village_warning(people, village):
    return draft(people["duty"], areas=[{"region": village.code, "description": "村"}])


def reached(warning, phone=PHONE):
    return [p for p in selectors.recipients(warning) if p.phone == phone]


def test_a_phone_registered_twice_in_the_area_is_one_person_with_both_channels(people, places):
    village = places["village"]
    first = contact("1", village, channels="sms", phone=PHONE)
    contact("2", village, channels="voice", phone=PHONE)
    (person,) = reached(village_warning(people, village))
    assert person.contact_id == first.pk and set(person.channels) == {"sms", "voice"}
    preview = selectors.preview(village_warning(people, village))
    assert preview["recipients"] == 1 and preview["channels"]["voice"] == 1


def test_a_phone_also_registered_outside_the_area_keeps_the_channels_inside(people, places):
    inside = contact("1", places["village"], channels="sms", phone=PHONE)
    contact("2", places["other_village"], channels="voice,app", phone=PHONE)
    (person,) = reached(village_warning(people, places["village"]))
    assert person.contact_id == inside.pk and person.channels == ("sms",)
