"""The incident pages as users see them: the list with its badges and overdue flag, the
信息报送 form (a grid worker's 灾情上报 with a photo; a refusal shown next to the field with
nothing created), the command room with the forms each role may use, every step of the room
through its form (CSRF-protected), the cards other apps add, and the live stream that sends
a new timeline entry as it happens and resumes after the last one seen."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
import re
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.test import AsyncClient, Client
from django.utils import timezone
from PIL import Image

from yingji.core.models import Photo
from yingji.incidents import panels, services, stream
from yingji.incidents.models import Entry, Incident, Report, Task
from yingji.incidents.services import room

NOW = timezone.now().replace(microsecond=0)


pytestmark = pytest.mark.usefixtures("_english")


def as_(user, **options: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en", **options)
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def accident(actor, now: dt.datetime | None = None, **changes: Any) -> Incident:
    data = {
        "event_type": "hazchem", "region": "330106002", "title": "某化工企业泄漏爆炸",
        "occurred_at": (NOW - dt.timedelta(minutes=30)).isoformat(),
        "description": "储罐区发生泄漏并引发爆炸。", "dead": 2, "seriously_injured": 10,
        "direct_loss_yuan": "3000000",
    }  # fmt: skip
    data.update(changes)
    return services.report_incident(actor, data, now=now)


def form(**changes: Any) -> dict[str, Any]:
    typed = timezone.localtime(NOW - dt.timedelta(minutes=20)).strftime("%Y-%m-%dT%H:%M")
    data = {
        "event_type": "hazchem", "region": "330106002000", "occurred_at": typed,
        "dead": "2", "missing": "0", "seriously_injured": "10", "direct_loss_yuan": "",
        "description": "化工厂储罐泄漏爆炸，2人死亡，10人重伤。", "title": "", "address": "某路8号",
        "lon": "120.1423", "lat": "30.2618",
    }  # fmt: skip
    data.update(changes)
    return data


def jpeg(name: str = "scene.jpg") -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (170, 40, 30)).save(buffer, "JPEG")
    buffer.seek(0)
    buffer.name = name
    return buffer


def html(response) -> str:
    return response.content.decode()


# ---------------------------------------------------------------- the list


def test_the_list_shows_badges_the_overdue_flag_and_filters(people):
    then = NOW - dt.timedelta(hours=3)
    late = accident(people["county"], occurred_at=(then - dt.timedelta(hours=1)).isoformat(),
                    now=then, title="三小时前的爆炸")  # fmt: skip
    accident(people["county"], event_type="flood", dead=0, seriously_injured=0, title="内涝")
    page = html(as_(people["viewer"]).get("/incidents/"))
    assert "三小时前的爆炸" in page and "内涝" in page
    row = re.search(rf'<li class="hz-item inc-item [^"]*" data-id="{late.pk}">.*?</li>', page, re.S)
    assert row and "late" in row.group(0).split('"')[1] and "Overdue" in row.group(0)
    assert "inc-g-1" in row.group(0) and "处置中" in row.group(0)
    assert "Not graded" in page  # the flood awaits the duty officer
    assert 'href="/incidents/new/"' not in page  # a viewer does not report
    filtered = html(as_(people["viewer"]).get("/incidents/?category=natural"))
    assert "内涝" in filtered and "三小时前的爆炸" not in filtered
    for query in ("grade=9", "status=lost", "region=33x", "q=" + "x" * 200, "page=-3", "grade=a"):
        answer = as_(people["viewer"]).get(f"/incidents/?{query}")
        assert answer.status_code == 200, query
    assert as_(people["company"]).get("/incidents/").status_code == 403
    assert "/incidents/" in html(as_(people["viewer"]).get("/alerts/"))  # the site nav link
    assert Client().get("/incidents/").status_code == 302


# ---------------------------------------------------------------- 信息报送


def test_a_grid_worker_reports_from_a_phone_with_a_photo(people, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    client = as_(people["grid"])
    page = html(client.get("/incidents/new/"))
    assert re.search(r'<option value="330106002000"[^>]*selected>北山街道', page)
    assert '<optgroup label="事故灾难">' in page and 'name="photo"' in page
    assert 'id="hz-locate"' in page and 'id="inc-pick-map"' in page
    answer = client.post("/incidents/new/", {**form(), "photo": jpeg()})
    assert answer.status_code == 302, html(answer)[:2000]
    incident = Incident.objects.get()
    assert answer["Location"] == f"/incidents/{incident.pk}/"
    assert (incident.grade_name, incident.source, incident.lon) == ("较大", "phone", 120.1423)
    shot = Entry.objects.get(incident=incident, kind="photo")
    photo = Photo.objects.get(pk=shot.data["photo"])
    assert photo.purpose == "incident" and photo.uploaded_by == people["grid"]
    room_page = html(client.get(f"/incidents/{incident.pk}/"))
    url = f"/incidents/{incident.pk}/photos/{photo.pk}"
    assert url in room_page
    served = client.get(url)
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert as_(people["binjiang"]).get(url).status_code == 404
    other = accident(people["county"])
    assert client.get(f"/incidents/{other.pk}/photos/{photo.pk}").status_code == 404


def test_a_duty_officers_report_is_web_and_full_width_digits_are_read(people):
    answer = as_(people["county"]).post(
        "/incidents/new/", form(dead="２", seriously_injured="１０")
    )
    assert answer.status_code == 302
    incident = Incident.objects.get()
    assert (incident.source, incident.dead, incident.seriously_injured) == ("web", 2, 10)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"description": ""}, "description"),
        ({"description": "x" * 5001}, "description"),
        ({"event_type": "alien"}, "event_type"),
        ({"region": "330108000000"}, "region"),  # another county
        ({"region": "x" * 500}, "region"),
        ({"occurred_at": "soon"}, "occurred_at"),
        ({"dead": "-1"}, "dead"),
        ({"dead": "²"}, "dead"),
        ({"dead": "9" * 40}, "dead"),
        ({"direct_loss_yuan": "1e30"}, "direct_loss_yuan"),
        ({"lon": "150", "lat": "30"}, "lon"),
        ({"description": "泄漏\x00爆炸"}, "description"),
    ],
)
def test_a_refused_report_shows_the_message_by_the_field_and_creates_nothing(
    people, changes, field
):
    answer = as_(people["county"]).post("/incidents/new/", {**form(**changes), "photo": jpeg()})
    page = html(answer)
    assert answer.status_code == 422, page[:500]
    assert f'id="error-{field}"' in page
    assert not Incident.objects.exists() and not Photo.objects.exists()


def test_a_photo_that_is_not_one_refuses_the_whole_report(people):
    fake = io.BytesIO(b"<html><script>alert(1)</script></html>")
    fake.name = "scene.jpg"
    answer = as_(people["grid"]).post("/incidents/new/", {**form(), "photo": fake})
    assert answer.status_code == 422 and 'id="error-photo"' in html(answer)
    assert not Incident.objects.exists() and not Entry.objects.exists()


def test_the_form_needs_the_reporting_role_and_a_csrf_token(people):
    assert as_(people["viewer"]).get("/incidents/new/").status_code == 403
    assert as_(people["viewer"]).post("/incidents/new/", form()).status_code == 403
    strict = as_(people["county"], enforce_csrf_checks=True)
    assert strict.post("/incidents/new/", form()).status_code == 403
    assert not Incident.objects.exists()


# ---------------------------------------------------------------- the command room


def test_the_room_shows_the_incident_and_the_forms_each_role_may_use(people):
    incident = accident(people["grid"])
    page = html(as_(people["county"]).get(f"/incidents/{incident.pk}/"))
    assert incident.code in page and "较大" in page and "serious injuries" in page
    assert page.count('class="inc-limit is-') == 5 and 'data-what="report:city"' in page
    assert 'data-window="1"' in page  # the 补报 window counts down too
    assert 'id="inc-forward"' in page and "市级" in page
    assert 'id="inc-followup-form"' in page and 'id="inc-task-form"' in page
    assert 'id="inc-role-form"' in page and 'id="f-grade"' not in page  # Decree 493 grades it
    assert f'data-stream-url="/incidents/{incident.pk}/stream?after=' in page
    viewer = html(as_(people["viewer"]).get(f"/incidents/{incident.pk}/"))
    assert incident.code in viewer
    for marker in ('id="inc-forward"', 'id="inc-followup-form"', 'id="inc-task-form"'):
        assert marker not in viewer
    grid = html(as_(people["grid"]).get(f"/incidents/{incident.pk}/"))
    assert 'id="inc-followup-form"' in grid and 'id="inc-forward"' not in grid
    assert as_(people["binjiang"]).get(f"/incidents/{incident.pk}/").status_code == 404
    assert as_(people["county"]).get(f"/incidents/{2**64}/").status_code == 404
    assert as_(people["company"]).get(f"/incidents/{incident.pk}/").status_code == 403


def test_a_follow_up_through_the_page_regrades_and_a_refusal_stays_on_the_page(people):
    incident = accident(people["grid"])
    client = as_(people["county"])
    url = f"/incidents/{incident.pk}/report/"
    refused = client.post(url, {"kind": "update", "description": "", "dead": "10"})
    assert refused.status_code == 422 and 'id="error-report"' in html(refused)
    assert 'value="10"' in html(refused)  # what was typed is kept
    done = client.post(url, {"kind": "update", "description": "死亡人数上升。", "dead": "10",
                             "seriously_injured": "10", "photo": jpeg()})  # fmt: skip
    assert done.status_code == 302
    incident.refresh_from_db()
    assert (incident.grade_name, incident.dead) == ("重大", 10)
    page = html(client.get(f"/incidents/{incident.pk}/"))
    assert "Grade raised from 较大 to 重大" in page and "Photo from the scene" in page
    assert 'data-what="report:ministry"' in page


def test_each_step_of_the_room_through_its_form(people):
    flood = accident(people["county"], event_type="flood", dead=0, seriously_injured=0)
    client = as_(people["county"])
    base = f"/incidents/{flood.pk}"
    assert 'id="f-grade"' in html(client.get(f"{base}/"))
    assert client.post(f"{base}/grade/", {"grade": "2", "note": "淹没范围大"}).status_code == 302
    assert client.post(f"{base}/grade/", {"grade": "x"}).status_code == 422
    assert client.post(f"{base}/forward/").status_code == 302
    again = client.post(f"{base}/forward/")  # the button is gone; a stale page gets the 409
    assert again.status_code == 409 and 'id="error-forward"' in html(again)
    role = client.post(f"{base}/role/", {"role": "指挥长", "user": str(people["county"].pk)})
    assert role.status_code == 302
    foreign = client.post(f"{base}/role/", {"role": "指挥长", "user": str(people["binjiang"].pk)})
    assert foreign.status_code == 422 and 'id="error-role"' in html(foreign)
    assert client.post(f"{base}/role/", {"role": "指挥长", "user": "9" * 30}).status_code == 422
    due = timezone.localtime(NOW + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    made = client.post(f"{base}/task/", {"title": "转移低洼群众", "role": "指挥长", "due_at": due})
    assert made.status_code == 302
    task = Task.objects.get(incident=flood)
    assert task.owner == people["county"] and task.due_at is not None
    bad = client.post(f"{base}/task/", {"title": "", "due_at": "later"})
    assert bad.status_code == 422 and 'id="error-task"' in html(bad)
    finish = f"{base}/tasks/{task.pk}/finish/"
    assert client.post(finish, {"status": "done", "note": "已转移"}).status_code == 302
    assert client.post(finish, {"status": "done"}).status_code == 409
    assert client.post(f"{base}/tasks/{2**64}/finish/", {"status": "done"}).status_code == 404
    assert client.post(f"{base}/launch/").status_code == 404
    assert client.get(f"{base}/forward/").status_code == 405
    page = html(client.get(f"{base}/"))
    assert "Graded 重大" in page and "转移低洼群众" in page and "已完成" in page
    flood.refresh_from_db()
    assert flood.grade_name == "重大"
    assert as_(people["binjiang"]).post(f"{base}/forward/").status_code == 404


def test_the_rooms_forms_are_csrf_protected(people):
    incident = accident(people["grid"])
    strict = as_(people["county"], enforce_csrf_checks=True)
    for step in ("report", "forward", "grade", "role", "task"):
        assert (
            strict.post(f"/incidents/{incident.pk}/{step}/", {"description": "x"}).status_code
            == 403
        )
    assert Report.objects.filter(incident=incident).count() == 1


def test_parts_are_the_rooms_sections_alone(people):
    incident = accident(people["grid"])
    client = as_(people["viewer"])
    head = client.get(f"/incidents/{incident.pk}/part/head/")
    assert head.status_code == 200 and incident.code in html(head) and "<html" not in html(head)
    assert "data-due=" in html(client.get(f"/incidents/{incident.pk}/part/limits/"))
    for name in ("reports", "roles", "tasks"):
        assert client.get(f"/incidents/{incident.pk}/part/{name}/").status_code == 200
    assert client.get(f"/incidents/{incident.pk}/part/secrets/").status_code == 404
    assert as_(people["binjiang"]).get(f"/incidents/{incident.pk}/part/head/").status_code == 404


# ---------------------------------------------------------------- panels of other apps


def test_panels_of_other_apps_render_in_order_and_a_broken_one_is_contained(people):
    incident = accident(people["grid"])

    def plans(request, found):
        return "incidents/_grade.html", {"grade": 3, "label": f"预案启动面板 {found.code}"}

    def nothing(request, found):
        return None

    def broken(request, found):
        raise RuntimeError("boom")

    url = f"/incidents/{incident.pk}/"
    before = html(as_(people["viewer"]).get(url))  # the panels the project's apps register
    for fn in (plans, nothing, broken, plans):
        panels.register(fn)
    try:
        assert panels.registered()[-3:] == [plans, nothing, broken]
        answer = as_(people["viewer"]).get(url)
        page = html(answer)
        assert answer.status_code == 200
        assert f"预案启动面板 {incident.code}" in page
        card = 'class="card inc-panel"'
        assert page.count(card) == before.count(card) + 2
        unavailable = "This panel is unavailable just now."
        assert page.count(unavailable) == before.count(unavailable) + 1
        assert page.index("预案启动面板") > page.index('id="inc-roles-card"')
    finally:
        for fn in (plans, nothing, broken):
            panels.unregister(fn)


# ---------------------------------------------------------------- the live stream


def open_stream(user, monkeypatch, url: str, headers: dict[str, str] | None = None, during=None):
    """Open the stream as ``user``, run ``during`` once it is open, read to its short end."""
    monkeypatch.setattr(stream, "DURATION_S", 0.8)
    monkeypatch.setattr(stream, "POLL_S", 0.05)
    monkeypatch.setattr(stream, "HEARTBEAT_S", 0.2)

    async def run() -> Any:
        client = AsyncClient()
        await client.aforce_login(user)
        response = await client.get(url, headers=headers or {})
        if not response.streaming:
            return response, ""
        chunks = []
        async for chunk in response.streaming_content:
            chunks.append(chunk)
            if during is not None and len(chunks) == 1:
                await asyncio.sleep(0.1)
                await sync_to_async(during)()
        return response, b"".join(chunks).decode()

    return async_to_sync(run)()


def sent(body: str) -> list[tuple[int, dict[str, Any]]]:
    found = []
    for block in body.split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if lines.get("event") == "entry":
            found.append((int(lines["id"]), json.loads(lines["data"])))
    return found


def test_the_stream_sends_a_new_timeline_entry_as_it_happens(people, monkeypatch):
    incident = accident(people["grid"])
    url = f"/incidents/{incident.pk}/stream"

    def follow_up() -> None:
        services.add_report(people["county"], incident.pk, {"description": "死亡人数上升。",
                                                            "dead": 10})  # fmt: skip

    response, body = open_stream(people["viewer"], monkeypatch, url, during=follow_up)
    assert response.status_code == 200 and response["Content-Type"] == "text/event-stream"
    assert body.startswith("retry: ") and ": heartbeat" in body
    events = sent(body)
    assert [row["kind"] for _, row in events] == ["report", "grade"]  # only what is new
    assert "重大" in events[1][1]["text"]
    assert [event_id for event_id, _ in events] == [row["id"] for _, row in events]


def test_the_stream_resumes_after_the_last_event_id(people, monkeypatch):
    incident = accident(people["grid"])
    first = Entry.objects.get(incident=incident).pk
    room.add_task(people["county"], incident.pk, {"title": "警戒"})
    room.add_task(people["county"], incident.pk, {"title": "疏散"})
    url = f"/incidents/{incident.pk}/stream"
    _, body = open_stream(people["county"], monkeypatch, url, {"Last-Event-ID": str(first)})
    assert [row["text"] for _, row in sent(body)] == ["Task: 警戒", "Task: 疏散"]
    _, body = open_stream(people["county"], monkeypatch, f"{url}?after={first}")
    assert len(sent(body)) == 2
    for bad in ("x' OR 1=1", "-5", "9" * 40):  # ignored: from now on
        _, body = open_stream(people["county"], monkeypatch, url, {"Last-Event-ID": bad})
        assert sent(body) == []


def test_the_stream_needs_a_sign_in_the_role_and_the_jurisdiction(people, monkeypatch, client):
    incident = accident(people["grid"])
    url = f"/incidents/{incident.pk}/stream"
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert open_stream(people["company"], monkeypatch, url)[0].status_code == 403
    assert open_stream(people["binjiang"], monkeypatch, url)[0].status_code == 404
    assert (
        open_stream(people["county"], monkeypatch, f"/incidents/{2**64}/stream")[0].status_code
        == 404
    )


def test_the_stream_cursor_catches_a_late_commit_once(people):
    incident = accident(people["grid"])
    cursor = stream.start(incident.pk, "", "0")
    assert len(stream.changes(incident.pk, cursor, now=100.0)) == 1
    assert stream.changes(incident.pk, cursor, now=100.5) == []
    # an entry with a lower id than one already sent, committed later (PostgreSQL)
    high = room.entry(incident, "task", "later id")
    cursor.sent[high.pk + 1] = 101.0  # pretend a higher id went out first
    (late,) = stream.changes(incident.pk, cursor, now=101.5)
    assert late[1]["text"] == "later id"
    assert stream.changes(incident.pk, cursor, now=120.0) == []
    assert cursor.floor >= high.pk and not cursor.sent
