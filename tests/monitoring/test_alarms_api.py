"""The alarm API (/api/monitoring/): filters, the alarm's shape, jurisdiction (a 滨江 officer
never sees a 西湖 alarm in the list, the detail, the station map, a sensor's series or the live
stream), who may acknowledge and dispose, the station map and a sensor's series, the
server-sent event stream, and hostile input to every parameter (a 4xx, never a 500)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.db import connection
from django.test import AsyncClient
from django.test.utils import CaptureQueriesContext

from tests.monitoring.conftest import (
    BINJIANG_GAS,
    BINJIANG_STATION,
    GAS,
    RAIN,
    WIND,
    XIHU_STATION,
    post,
)
from yingji.monitoring import stream
from yingji.monitoring.models import Alarm, HourlyAggregate, Rule, Station

pytestmark = pytest.mark.django_db

URL = "/api/monitoring/alarms"
NOW = int(dt.datetime.now(dt.UTC).timestamp())
T = NOW - 600


@pytest.fixture
def people(make_user, gateway, binjiang_gateway):
    return {
        "gateway": gateway,
        "binjiang_gateway": binjiang_gateway,
        "duty": make_user("xihu_duty", "330106", "duty_officer"),
        "viewer": make_user("xihu_viewer", "330106", "viewer"),
        "binjiang": make_user("binjiang_duty", "330108", "duty_officer"),
        "city": make_user("hz_staff", "3301", "city_staff"),
        "company": make_user("xihu_company", "330106002", "enterprise_user"),
    }


@pytest.fixture
def alarms(people) -> dict[str, Alarm]:
    """西湖: a 红 gas alarm and a 黄 gale; 滨江: a 红 gas alarm."""
    post(people["gateway"], GAS, [(T, 5.0), (T + 5, 60.0)])
    post(people["gateway"], WIND, [(T - 1200, 10.8), (T - 600, 17.2)])
    post(people["binjiang_gateway"], BINJIANG_GAS, [(T, 3.0), (T + 5, 70.0)])
    return {
        "gas": Alarm.objects.get(sensor__code=GAS),
        "wind": Alarm.objects.get(sensor__code=WIND),
        "binjiang": Alarm.objects.get(sensor__code=BINJIANG_GAS),
    }


def get(client, user, url: str, **params: Any):
    client.force_login(user)
    return client.get(url, params)


def post_json(client, user, url: str, body: dict[str, Any]):
    client.force_login(user)
    return client.post(url, json.dumps(body), content_type="application/json")


def codes_of(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["sensor"]["code"] for row in response.json()["items"]]


# ---------------------------------------------------------------- the list and its filters


def test_the_list_shows_the_jurisdictions_alarms_newest_first_with_their_sensor(
    client, people, alarms
):
    response = get(client, people["duty"], URL)
    body = response.json()
    assert body["total"] == 2 and [row["sensor"]["code"] for row in body["items"]] == [GAS, WIND]
    gas = body["items"][0]
    assert (gas["rule"], gas["rule_label"], gas["level_name"], gas["level_label"]) == (
        "threshold",
        "超阈值",
        "red",
        "红",
    )
    assert gas["sensor"]["type"] == "gas_lel" and gas["unit"] == "%LEL"
    assert gas["station"]["code"] == XIHU_STATION and gas["station"]["name"] == "北山街道自动雨量站"
    assert (gas["station"]["lon"], gas["station"]["lat"]) == (120.148, 30.262)
    assert gas["region"]["name"] == "北山街道"
    assert gas["levels"] == [
        {
            "level": 3,
            "name": "red",
            "label": "红",
            "at": dt.datetime.fromtimestamp(T + 5, dt.UTC).isoformat().replace("+00:00", "Z"),
        }
    ]
    assert gas["open"] and gas["ended_at"] is None and gas["peak_value"] == 60.0
    assert gas["acknowledged"] is False and gas["disposition"] is None
    assert gas["escalations"] == 0 and gas["link"] == f"/monitoring/alarms/{gas['id']}/"
    wind = body["items"][1]
    assert [step["name"] for step in wind["levels"]] == ["blue", "yellow"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"rule": "threshold"}, [GAS]),
        ({"rule": "gale"}, [WIND]),
        ({"level": 3}, [GAS]),
        ({"level": 1}, [GAS, WIND]),
        ({"state": "open"}, [GAS, WIND]),
        ({"state": "closed"}, []),
        ({"state": "unacknowledged"}, [GAS, WIND]),
        ({"sensor": GAS.lower()}, [GAS]),
        ({"station": XIHU_STATION}, [GAS, WIND]),
        ({"station": BINJIANG_STATION}, []),  # another county's station: nothing, not an error
        ({"region": "330106002"}, [GAS, WIND]),
        ({"region": "330106001"}, []),
        ({"region": "330108"}, []),
        ({"q": "-G1"}, [GAS]),
        ({"q": "北山"}, [GAS, WIND]),
        ({"since": "2099-01-01T00:00:00+08:00"}, []),
        ({"until": "2001-01-01T00:00:00"}, []),
        ({"order": "priority", "limit": 1}, [GAS]),
    ],
)
def test_filters(client, people, alarms, params, expected):
    assert codes_of(get(client, people["duty"], URL, **params)) == expected


def test_acknowledged_alarms_leave_the_unacknowledged_filter(client, people, alarms):
    post_json(client, people["duty"], f"{URL}/{alarms['gas'].pk}/acknowledge", {})
    assert codes_of(get(client, people["duty"], URL, state="unacknowledged")) == [WIND]
    # the queue's order: the open unacknowledged first
    assert codes_of(get(client, people["duty"], URL, order="priority")) == [WIND, GAS]


# ---------------------------------------------------------------- jurisdiction


def test_a_binjiang_officer_never_sees_a_xihu_alarm(client, people, alarms):
    officer = people["binjiang"]
    assert codes_of(get(client, officer, URL)) == [BINJIANG_GAS]
    assert codes_of(get(client, officer, URL, q="北山")) == []
    xihu = alarms["gas"]
    for url in (f"{URL}/{xihu.pk}", f"/api/monitoring/sensors/{xihu.sensor_id}/series"):
        response = get(client, officer, url)
        assert response.status_code == 404 and response.json()["code"] == "not_found", url
    for action, body in (("acknowledge", {}), ("dispose", {"disposition": "real"})):
        response = post_json(client, officer, f"{URL}/{xihu.pk}/{action}", body)
        assert response.status_code == 404
    xihu.refresh_from_db()
    assert xihu.acknowledged_at is None and xihu.disposition == ""
    stations = get(client, officer, "/api/monitoring/stations/latest").json()
    assert [s["code"] for s in stations["stations"]] == [BINJIANG_STATION]
    assert stations["counts"]["red"] == 1
    stats = get(client, officer, f"{URL}/stats").json()
    assert stats["total"] == 1
    # the city sees both counties
    assert sorted(codes_of(get(client, people["city"], URL))) == sorted([GAS, WIND, BINJIANG_GAS])


def test_reading_needs_a_sign_in_and_the_alarm_role(client, people, alarms):
    assert client.get(URL).status_code == 401
    response = get(client, people["company"], URL)  # an enterprise user: no alarms at all
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    assert get(client, people["company"], "/api/monitoring/stations/latest").status_code == 403


# ---------------------------------------------------------------- acknowledge and dispose


def test_a_viewer_cannot_acknowledge_a_duty_officer_can_once(client, people, alarms):
    pk = alarms["gas"].pk
    response = post_json(client, people["viewer"], f"{URL}/{pk}/acknowledge", {"note": "看到了"})
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    response = post_json(client, people["duty"], f"{URL}/{pk}/acknowledge", {"note": "已联系企业"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["acknowledged"] and body["acknowledged_by"] == "xihu_duty"
    assert body["note"] == "已联系企业"
    assert [h["action"] for h in body["history"]] == ["alarm_acknowledge"]
    again = post_json(client, people["city"], f"{URL}/{pk}/acknowledge", {})
    assert again.status_code == 409
    assert again.json()["code"] == "already_acknowledged"
    assert "xihu_duty" in again.json()["message"]  # who did, in the user's language


def test_dispose_is_validated_and_recorded(client, people, alarms):
    pk = alarms["wind"].pk
    url = f"{URL}/{pk}/dispose"
    cases = [
        ({"disposition": "fake"}, "disposition"),
        ({"disposition": "false"}, "note"),  # a false alarm needs a note saying why
        ({"disposition": "false", "note": "   "}, "note"),
        ({"disposition": "real", "note": "x" * 2001}, "note"),
        ({"disposition": "real", "colour": "red"}, "colour"),
        ({"disposition": "r" * 13}, "disposition"),
        ({"note": "没有结论"}, "disposition"),
        ({"disposition": 7}, "disposition"),
    ]
    for body, field in cases:
        response = post_json(client, people["duty"], url, body)
        assert response.status_code == 422, (body, response.content)
        assert response.json()["field"] == field, (body, response.json())
    assert post_json(client, people["viewer"], url, {"disposition": "real"}).status_code == 403
    alarm = Alarm.objects.get(pk=pk)
    assert alarm.disposition == "" and alarm.acknowledged_at is None
    response = post_json(
        client, people["duty"], url, {"disposition": "maintenance", "note": "风速仪检修"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["disposition"], body["disposition_label"]) == ("maintenance", "设备维护")
    assert body["acknowledged_by"] == body["disposed_by"] == "xihu_duty"  # acknowledged with it
    corrected = post_json(client, people["duty"], url, {"disposition": "real", "note": "确有大风"})
    assert corrected.json()["disposition"] == "real"
    history = get(client, people["duty"], f"{URL}/{pk}").json()["history"]
    assert [(h["action"], h["disposition"]) for h in history] == [
        ("alarm_dispose", "maintenance"),
        ("alarm_dispose", "real"),
    ]


def test_stats(client, people, alarms):
    body = get(client, people["duty"], f"{URL}/stats", days=7).json()
    assert body["total"] == 2 and body["unacknowledged"] == 2
    assert body["rules"]["threshold"] == "超阈值" and body["dispositions"]["false"] == "误报"
    assert sum(day.get("gale", 0) for day in body["per_day"]) == 1


# ---------------------------------------------------------------- the station map


def test_station_map_colours_each_station_by_its_open_alarms(client, people, alarms):
    body = get(client, people["duty"], "/api/monitoring/stations/latest").json()
    (station,) = body["stations"]
    assert station["code"] == XIHU_STATION and station["status"] == "red"
    assert (station["lon"], station["lat"]) == (120.148, 30.262) and station["alarms"] == 2
    sensors = {s["code"]: s for s in station["sensors"]}
    assert sensors[GAS]["value"] == 60.0 and sensors[GAS]["unit"] == "%LEL"
    assert sensors[GAS]["level"] == 3 and sensors[WIND]["level"] == 1
    assert sensors[RAIN]["value"] is None and sensors[RAIN]["at"] is None  # never reported
    assert body["counts"]["red"] == 1
    # with the alarms closed, the 5-second gas detector silent for 10 minutes is a data fault…
    Alarm.objects.update(ended_at=dt.datetime.now(dt.UTC), level=-1)
    again = get(client, people["duty"], "/api/monitoring/stations/latest").json()
    assert again["stations"][0]["status"] == "stale"
    assert {s["code"] for s in again["stations"][0]["sensors"] if s["stale"]} == {GAS}
    # …until it reports again
    post(people["gateway"], GAS, [(int(dt.datetime.now(dt.UTC).timestamp()), 1.0)])
    again = get(client, people["duty"], "/api/monitoring/stations/latest").json()
    assert again["stations"][0]["status"] == "ok"


def test_station_map_reads_a_fixed_number_of_queries(client, people, alarms):
    client.force_login(people["city"])
    url = "/api/monitoring/stations/latest"
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(url).json()["stations"]) == 2
    template = Station.objects.get(code=XIHU_STATION)
    for n in range(5):
        template.pk = None
        template.code = f"33-RAIN-330106-9{n:02d}"
        template.save()
    with CaptureQueriesContext(connection) as more:
        assert len(client.get(url).json()["stations"]) == 7
    assert len(more) == len(few) <= 8


# ---------------------------------------------------------------- a sensor's series


def test_series_of_a_gas_detector_with_thresholds_and_its_alarm(client, people, alarms):
    gas = alarms["gas"]
    body = get(client, people["duty"], f"/api/monitoring/sensors/{gas.sensor_id}/series").json()
    assert body["resolution"] == "raw" and body["hours"] == 24
    assert body["points"] == [[T * 1000, 5.0], [(T + 5) * 1000, 60.0]]
    assert [(line["value"], line["name"]) for line in body["lines"]] == [
        (25.0, "yellow"),
        (50.0, "red"),
    ]
    assert body["thresholds"]["alarm_on"] == 50.0
    assert [a["id"] for a in body["alarms"]] == [gas.pk]
    assert "sums" not in body


def test_rain_series_has_running_sums_and_long_spans_use_the_hourly_aggregates(
    client, people, alarms
):
    start = NOW - NOW % 600 - 3 * 3600
    post(people["gateway"], RAIN, [(start + 600 * k, 2.0) for k in range(1, 13)])
    sensor = alarms["gas"].sensor.station.sensors.get(code=RAIN)
    body = get(client, people["duty"], f"/api/monitoring/sensors/{sensor.pk}/series", hours=6)
    body = body.json()
    assert len(body["points"]) == 12
    assert body["sums"]["1"][-1][1] == 12.0  # six 10-minute readings in the last hour
    assert body["sums"]["3"][-1][1] == 24.0 and body["sums"]["12"][-1][1] == 24.0
    assert {line["series"] for line in body["lines"]} == {"sum12", "sum6", "sum3"}
    week = get(client, people["duty"], f"/api/monitoring/sensors/{sensor.pk}/series", hours=168)
    week = week.json()
    assert week["resolution"] == "hour"
    hours = HourlyAggregate.objects.filter(sensor=sensor).count()
    assert len(week["points"]) == hours and sum(p[1] for p in week["points"]) == 24.0
    assert week["sums"]["12"][-1][1] == 24.0


# ---------------------------------------------------------------- the live stream


def read_stream(user, monkeypatch, headers: dict[str, str] | None = None, query: str = "") -> Any:
    """Open the stream as ``user`` and read it to its (shortened) end."""
    monkeypatch.setattr(stream, "DURATION_S", 0.6)
    monkeypatch.setattr(stream, "POLL_S", 0.05)
    monkeypatch.setattr(stream, "HEARTBEAT_S", 0.2)

    async def run() -> Any:
        client = AsyncClient()
        await client.aforce_login(user)
        response = await client.get(f"/monitoring/alarms/stream{query}", headers=headers or {})
        if not response.streaming:
            return response, ""
        chunks = [chunk async for chunk in response.streaming_content]
        return response, b"".join(chunks).decode()

    return async_to_sync(run)()


def events_of(body: str) -> list[tuple[int, dict[str, Any]]]:
    found = []
    for block in body.split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if lines.get("event") == "alarm":
            found.append((int(lines["id"]), json.loads(lines["data"])))
    return found


def test_the_stream_sends_the_jurisdictions_changed_alarms(people, alarms, monkeypatch):
    response, body = read_stream(people["duty"], monkeypatch, query="?since=0")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/event-stream"
    assert body.startswith("retry: ") and ": heartbeat" in body
    sent = events_of(body)
    assert sorted(row["sensor"]["code"] for _, row in sent) == sorted([GAS, WIND])
    for event_id, row in sent:
        stamp = Alarm.objects.get(pk=row["id"]).updated_at
        assert event_id == int(stamp.timestamp() * 1000)
        assert row["station"]["name"] == "北山街道自动雨量站" and row["level_label"]
    # the 滨江 officer gets their own alarm only
    _, other = read_stream(people["binjiang"], monkeypatch, query="?since=0")
    assert [row["sensor"]["code"] for _, row in events_of(other)] == [BINJIANG_GAS]


def test_the_stream_resumes_after_the_last_event_id(people, alarms, monkeypatch):
    an_hour_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    Alarm.objects.update(updated_at=an_hour_ago)  # nothing changed for an hour…
    last = int((an_hour_ago + dt.timedelta(minutes=10)).timestamp() * 1000)
    _, body = read_stream(people["duty"], monkeypatch, headers={"Last-Event-ID": str(last)})
    assert events_of(body) == []
    from yingji.monitoring import services

    services.acknowledge(people["duty"], alarms["wind"].pk)  # …but now this one
    _, body = read_stream(people["duty"], monkeypatch, headers={"Last-Event-ID": str(last)})
    (only,) = events_of(body)
    assert only[1]["id"] == alarms["wind"].pk and only[1]["acknowledged_by"] == "xihu_duty"
    # a malformed id is ignored: the stream starts from now
    _, body = read_stream(people["duty"], monkeypatch, headers={"Last-Event-ID": "x' OR 1=1"})
    assert events_of(body) == [] or all(
        row["id"] == alarms["wind"].pk for _, row in events_of(body)
    )


def test_the_stream_needs_a_sign_in_and_the_alarm_role(client, people, alarms, monkeypatch):
    response = client.get("/monitoring/alarms/stream")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    response, _ = read_stream(people["company"], monkeypatch)
    assert response.status_code == 403


def test_stream_cursor_resends_nothing_twice_and_catches_late_commits(people, alarms):
    cursor = stream.start("", "0")
    first = stream.changes(people["duty"], cursor)
    assert len(first) == 2
    assert stream.changes(people["duty"], cursor) == []
    # a transaction that took its updated_at before the newest one sent, committed later
    late = cursor.at - dt.timedelta(seconds=2)
    Alarm.objects.filter(pk=alarms["wind"].pk).update(updated_at=late, escalations=1)
    (again,) = stream.changes(people["duty"], cursor)
    assert again[1]["escalations"] == 1


# ---------------------------------------------------------------- hostile input


HOSTILE = [
    (URL, {"state": "lost"}),
    (URL, {"state": "x" * 17}),
    (URL, {"rule": "arson"}),
    (URL, {"level": "9"}),
    (URL, {"level": "-1"}),
    (URL, {"level": "red"}),
    (URL, {"level": "1e309"}),
    (URL, {"sensor": "' OR 1=1 --"}),
    (URL, {"sensor": "A" * 49}),
    (URL, {"station": "../../etc/passwd"}),
    (URL, {"region": "abc"}),
    (URL, {"region": "3301069999999"}),
    (URL, {"region": "33010x"}),
    (URL, {"since": "yesterday"}),
    (URL, {"since": "0001-01-01T00:00:00+14:00"}),
    (URL, {"until": "9999-12-31T23:59:59.999999-14:00"}),
    (URL, {"since": "1969-12-31T23:59:59Z"}),
    (URL, {"q": "x" * 61}),
    (URL, {"order": "random()"}),
    (URL, {"limit": "0"}),
    (URL, {"limit": "201"}),
    (URL, {"limit": str(10**30)}),
    (URL, {"offset": "-1"}),
    (URL, {"offset": str(2**64)}),
    (f"{URL}/stats", {"days": "0"}),
    (f"{URL}/stats", {"days": "367"}),
    (f"{URL}/stats", {"days": "NaN"}),
    (f"{URL}/0", {}),
    (f"{URL}/{2**63}", {}),
    (f"{URL}/99999999999999999999999", {}),
    (f"{URL}/-1", {}),
    (f"{URL}/abc", {}),
    ("/api/monitoring/stations/latest", {"region": "' OR 1=1"}),
    ("/api/monitoring/stations/latest", {"region": "9" * 13}),
    ("/api/monitoring/sensors/0/series", {}),
    ("/api/monitoring/sensors/99999999999999999999/series", {}),
    ("/api/monitoring/sensors/1/series", {"hours": "0"}),
    ("/api/monitoring/sensors/1/series", {"hours": "721"}),
    ("/api/monitoring/sensors/1/series", {"hours": "24.5"}),
    ("/api/monitoring/sensors/1/series", {"hours": str(10**40)}),
]


@pytest.mark.parametrize(("url", "params"), HOSTILE)
def test_hostile_query_parameters_are_refused_not_crashing(client, people, alarms, url, params):
    response = get(client, people["duty"], url, **params)
    assert 400 <= response.status_code < 500, (url, params, response.status_code)
    assert response.json()["code"] in ("invalid", "not_found"), response.json()


def test_hostile_words_find_nothing_and_break_nothing(client, people, alarms):
    for words in ("' OR 1=1 --", '"; DROP TABLE monitoring_alarm; --', "%_%", "\\", "💥" * 20):
        response = get(client, people["duty"], URL, q=words)
        assert response.status_code == 200 and response.json()["total"] == 0, words
    assert Alarm.objects.count() == 3


def test_hostile_bodies_are_refused(client, people, alarms):
    pk = alarms["gas"].pk
    client.force_login(people["duty"])
    for raw in ("not json", "[]", '{"note": 5}', '{"note": "' + "x" * 2001 + '"}', "{" * 5000):
        response = client.post(f"{URL}/{pk}/acknowledge", raw, content_type="application/json")
        assert 400 <= response.status_code < 500, (raw[:20], response.content[:200])
    assert Alarm.objects.get(pk=pk).acknowledged_at is None


def test_every_rule_filter_value_is_accepted(client, people, alarms):
    for rule in Rule.values:
        assert get(client, people["duty"], URL, rule=rule).status_code == 200
