"""The warning pages (预警发布) as users see them: each renders for every role with the buttons
that role may use; a draft is written, refused with the message next to the field, taken
through review and issue by three people; anonymous visitors see only the public pages (the
active warnings, the Atom index and the CAP files)."""

from __future__ import annotations

import datetime as dt
import re

from django.test import Client
from django.utils import timezone

from tests.alerts.conftest import through
from yingji.alerts import services
from yingji.alerts.models import Guidance, State, Warning
from yingji.kernels import cap

NOW = timezone.now().replace(microsecond=0)


def as_(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def draft(actor, **changes):
    data = {
        "event_type": "rainstorm", "level": 2, "headline": "西湖区暴雨橙色预警",
        "description": "预计未来3小时西湖区降雨量将达50毫米以上。",
        "onset": NOW.isoformat(), "expires": (NOW + dt.timedelta(hours=6)).isoformat(),
        "areas": [{"region": "330106", "description": "西湖区"},
                  {"description": "龙井村周边", "circle": [30.22, 120.13, 2.5]}],
    }  # fmt: skip
    data.update(changes)
    return services.create_draft(actor, data)


def buttons(html: str) -> list[str]:
    return re.findall(r'data-action="(\w+)"', html)


def test_pages_render_for_each_role_with_their_buttons(people):
    warning = draft(people["duty"])
    expected = {
        "duty": ["submit", "withdraw"],
        "reviewer": [],
        "issuer": [],
        "viewer": [],
    }
    for role, actions in expected.items():
        client = as_(people[role])
        listing = client.get("/alerts/")
        assert listing.status_code == 200 and "西湖区暴雨橙色预警" in listing.content.decode()
        page = client.get(f"/alerts/{warning.pk}/")
        assert page.status_code == 200
        html = page.content.decode()
        assert buttons(html) == actions, role
        assert f"/api/alerts/{warning.pk}/cap.xml" in html and 'id="al-map"' in html
    assert as_(people["duty"]).get("/alerts/new/").status_code == 200
    assert as_(people["viewer"]).get("/alerts/new/").status_code == 403
    services.act(people["duty"], warning.pk, "submit")
    html = as_(people["reviewer"]).get(f"/alerts/{warning.pk}/").content.decode()
    assert buttons(html) == ["return", "review"]


def test_list_tabs_and_filters(people):
    draft(people["duty"])
    draft(people["duty"], event_type="gale", level=1, headline="大风黄色预警")
    client = as_(people["viewer"])
    html = client.get("/alerts/?state=draft&type=gale").content.decode()
    assert "大风黄色预警" in html and "西湖区暴雨橙色预警" not in html
    assert "Filter ignored: level" in client.get("/alerts/?level=9").content.decode()
    assert "No warning matches." in client.get("/alerts/?state=issued").content.decode()


def test_the_form_drafts_and_shows_the_services_message_by_the_field(people):
    Guidance.objects.create(event_type="gale", level=1, instruction="加固围板、棚架。")
    client = as_(people["duty"])
    form = {
        "event_type": "heat", "level": "0", "urgency": "Expected", "certainty": "Likely",
        "headline": "", "description": "高温", "onset": "2030-07-01T08:00",
        "expires": "2030-07-01T20:00", "region": ["330106000000"],
    }  # fmt: skip
    refused = client.post("/alerts/new/", form)
    assert refused.status_code == 422
    html = refused.content.decode()
    assert 'id="error-level"' in html and "has no 蓝色 signal" in html
    assert 'value="高温"' not in html and ">高温</textarea>" in html  # the input is kept
    bad_shape = client.post("/alerts/new/", {**form, "level": "1", "shapes": "[1, 2"})
    assert bad_shape.status_code == 422 and 'id="error-shapes"' in bad_shape.content.decode()
    outside = client.post("/alerts/new/", {**form, "level": "1", "region_codes": "330108"})
    assert outside.status_code == 422 and 'id="error-areas"' in outside.content.decode()
    assert not Warning.objects.exists()

    made = client.post(
        "/alerts/new/",
        {**form, "event_type": "gale", "level": "1", "shapes": "[30.22, 120.13, 2.5]"},
    )
    assert made.status_code == 302
    warning = Warning.objects.get()
    assert made["Location"] == f"/alerts/{warning.pk}/"
    assert warning.headline == "大风黄色预警（Ⅲ级）"  # the signal's name, as the form says
    assert warning.instruction == "加固围板、棚架。"  # the stored defence guide
    assert warning.onset == dt.datetime(2030, 7, 1, tzinfo=cap.BEIJING).replace(hour=8)
    assert [(a.region_id, a.circle) for a in warning.areas.order_by("pk")] == [
        ("330106000000", None),
        (None, [30.22, 120.13, 2.5]),
    ]
    edit = client.get(f"/alerts/{warning.pk}/edit/")
    assert edit.status_code == 200 and "30.22" in edit.content.decode()
    saved = client.post(
        f"/alerts/{warning.pk}/edit/",
        {**form, "event_type": "gale", "level": "2", "headline": "升级", "region": []},
    )
    assert saved.status_code == 422  # no area left
    saved = client.post(f"/alerts/{warning.pk}/edit/", {**form, "event_type": "gale", "level": "2"})
    assert saved.status_code == 302
    warning.refresh_from_db()
    assert warning.level == 2 and warning.areas.count() == 1


def test_three_people_take_a_warning_through_the_pages(people):
    warning = draft(people["duty"])
    url = f"/alerts/{warning.pk}/act/"
    assert as_(people["duty"]).post(url, {"action": "submit"}).status_code == 302
    refused = as_(people["reviewer"]).post(url, {"action": "return", "note": ""})
    assert refused.status_code == 422 and "what must change" in refused.content.decode()
    assert as_(people["reviewer"]).post(url, {"action": "review"}).status_code == 302
    early = as_(people["duty"]).post(url, {"action": "issue"})
    assert early.status_code == 403
    assert as_(people["issuer"]).post(url, {"action": "issue"}).status_code == 302
    warning.refresh_from_db()
    assert warning.state == State.ISSUED
    html = as_(people["duty"]).get(f"/alerts/{warning.pk}/").content.decode()
    assert buttons(html) == ["update", "cancel"]
    update = as_(people["duty"]).post(url, {"action": "cancel"})
    assert update.status_code == 302 and update["Location"].endswith("/edit/")
    again = as_(people["reviewer"]).post(url, {"action": "issue"})
    assert again.status_code == 409 and "allowed now" in again.content.decode()


def test_another_county_gets_404(people):
    warning = draft(people["duty"])
    client = as_(people["binjiang"])
    assert client.get(f"/alerts/{warning.pk}/").status_code == 404
    assert client.get(f"/alerts/{warning.pk}/edit/").status_code == 404
    assert client.post(f"/alerts/{warning.pk}/act/", {"action": "submit"}).status_code == 404
    assert "西湖区暴雨橙色预警" not in client.get("/alerts/").content.decode()


def test_anonymous_visitors_see_only_the_public_pages(people, client):
    hidden = draft(people["duty"], headline="尚未签发的草稿")
    issued = through(draft(people["duty"]), people)
    for url in ("/alerts/", f"/alerts/{hidden.pk}/", "/alerts/new/"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    public = client.get("/alerts/public/")
    assert public.status_code == 200
    html = public.content.decode()
    assert "西湖区暴雨橙色预警" in html and "尚未签发的草稿" not in html
    assert f"/alerts/public/{issued.identifier}.xml" in html
    feed = client.get("/alerts/feed.atom")
    assert feed.status_code == 200 and feed["Content-Type"].startswith("application/atom+xml")
    body = feed.content.decode()
    assert body.count("<entry>") == 1 and f"/alerts/public/{issued.identifier}.xml" in body
    xml = client.get(f"/alerts/public/{issued.identifier}.xml")
    assert xml.status_code == 200
    assert cap.from_xml(xml.content).identifier == issued.identifier
    assert client.get("/alerts/public/nothing.xml").status_code == 404
    services.expire(NOW + dt.timedelta(hours=7))
    assert "西湖区暴雨橙色预警" not in client.get("/alerts/public/").content.decode()


def test_the_alarm_page_offers_a_draft_to_those_who_may_draft(people, alarm, make_user):
    page = f"/monitoring/alarms/{alarm.pk}/"
    html = as_(people["duty"]).get(page).content.decode()
    assert 'id="draft-warning"' in html and 'href="/alerts/"' in html  # button and nav entry
    watcher = make_user("xihu_watch", "330106", "viewer")
    assert 'id="draft-warning"' not in as_(watcher).get(page).content.decode()
    made = as_(people["duty"]).post("/alerts/from-alarm/", {"alarm": alarm.pk})
    warning = Warning.objects.get()
    assert made.status_code == 302 and made["Location"] == f"/alerts/{warning.pk}/"
    assert warning.source_alarm == alarm and warning.state == State.DRAFT
    other = as_(people["binjiang"]).post("/alerts/from-alarm/", {"alarm": alarm.pk})
    assert other.status_code == 404
    assert 'href="/alerts/"' not in as_(people["company"]).get("/").content.decode()
