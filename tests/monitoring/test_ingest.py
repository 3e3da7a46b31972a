"""Reading ingest over HTTP (issue 6, done means 2): JSON and CSV store the same readings, a
resent batch changes nothing, bad rows are reported by number while the valid rows are kept."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.monitoring.conftest import BINJIANG_STATION, XIHU_STATION
from yingji.core import services as core_services
from yingji.monitoring import ingest as ingest_module
from yingji.monitoring.api import MAX_ROWS
from yingji.monitoring.ingest import ingest
from yingji.monitoring.models import HourlyAggregate, Reading, Sensor

URL = "/api/ingest/readings"
RAIN = f"{XIHU_STATION}-R1"
RAIN2 = f"{XIHU_STATION}-R2"
GAS = f"{XIHU_STATION}-G1"
OTHER_COUNTY = f"{BINJIANG_STATION}-R1"
NOW = dt.datetime.now(dt.UTC)
T0 = (NOW - dt.timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)


def iso(minutes: int, offset_hours: int = 8) -> str:
    zone = dt.timezone(dt.timedelta(hours=offset_hours))
    return (T0 + dt.timedelta(minutes=minutes)).astimezone(zone).isoformat()


@pytest.fixture
def network(stations, make_sensor, binjiang_staff):
    make_sensor(RAIN)
    make_sensor(RAIN2)
    make_sensor(GAS, type="可燃气体", unit="%LEL")
    make_sensor(OTHER_COUNTY, station=BINJIANG_STATION, actor=binjiang_staff)


@pytest.fixture
def token(make_user, network):
    gateway = make_user("xihu-gateway", "330106", "viewer")
    gateway.is_machine = True
    gateway.save(update_fields=["is_machine"])
    issued = core_services.create_api_token(actor=None, username="xihu-gateway", name="gauges")
    return {"HTTP_AUTHORIZATION": f"Bearer {issued.secret}"}


def post_json(client, readings, auth):
    return client.post(URL, {"readings": readings}, content_type="application/json", **auth)


def post_csv(client, text, auth):
    return client.post(URL, text.encode(), content_type="text/csv", **auth)


def stored():
    return sorted(Reading.objects.values_list("sensor__code", "ts", "value"))


GOOD = [
    {"sensor": RAIN, "ts": iso(1), "value": 0.5},
    {"sensor": RAIN, "ts": iso(2, offset_hours=0), "value": 1.5},
    {"sensor": RAIN2.lower(), "ts": iso(1), "value": 0},
    {"sensor": GAS, "ts": (T0 + dt.timedelta(minutes=3)).timestamp(), "value": 12.5},
]
GOOD_CSV = (
    "sensor,ts,value\r\n"
    f"{RAIN},{iso(1)},0.5\r\n"
    f"{RAIN},{iso(2, offset_hours=0)},1.5\r\n"
    "\r\n"
    f"{RAIN2.lower()},{iso(1)},0\r\n"
    f"{GAS},{int((T0 + dt.timedelta(minutes=3)).timestamp())},12.5\r\n"
)


def test_json_and_csv_store_the_same_readings(client, token):
    response = post_json(client, GOOD, token)
    assert response.status_code == 200, response.content
    assert response.json()["accepted"] == 4
    from_json = stored()
    Reading.objects.all().delete()
    HourlyAggregate.objects.all().delete()
    response = post_csv(client, GOOD_CSV, token)
    assert response.status_code == 200, response.content
    assert response.json() | {"policy": ""} == {
        "accepted": 4, "duplicates": 0, "rejected": [], "rejected_count": 0, "policy": ""
    }  # fmt: skip
    assert stored() == from_json
    t0 = int(T0.timestamp())
    assert from_json[0] == (GAS, t0 + 180, 12.5)
    assert [(code, ts - t0) for code, ts, _ in from_json[1:3]] == [
        (RAIN, 60),
        (RAIN, 120),
    ]


def test_resending_a_batch_changes_nothing(client, token):
    assert post_json(client, GOOD, token).json()["accepted"] == 4
    before = stored()
    hours = sorted(HourlyAggregate.objects.values_list("sensor__code", "count", "sum"))
    answer = post_json(client, GOOD, token).json()
    assert (answer["accepted"], answer["duplicates"], answer["rejected"]) == (0, 4, [])
    assert stored() == before
    assert sorted(HourlyAggregate.objects.values_list("sensor__code", "count", "sum")) == hours
    assert (RAIN, 2, 2.0) in hours


def test_a_partly_new_batch_stores_the_new_rows_and_recounts_the_hour(client, token):
    post_json(client, GOOD[:1], token)
    answer = post_json(client, GOOD[:2], token).json()
    assert (answer["accepted"], answer["duplicates"]) == (1, 1)
    hour = HourlyAggregate.objects.get(sensor__code=RAIN)
    assert (hour.count, hour.sum, hour.min, hour.max) == (2, 2.0, 0.5, 1.5)


def test_bad_rows_are_reported_by_number_and_valid_rows_stored(client, token):
    readings = [
        {"sensor": RAIN, "ts": iso(1), "value": 1.0},  # 1 valid
        {"sensor": RAIN, "ts": "yesterday", "value": 1.0},  # 2
        {"sensor": RAIN, "ts": "2024-07-01T08:00:00", "value": 1.0},  # 3 no offset
        {"sensor": "33-RAIN-NOPE", "ts": iso(2), "value": 1.0},  # 4
        {"sensor": OTHER_COUNTY, "ts": iso(2), "value": 1.0},  # 5 another county's
        {"sensor": RAIN, "ts": (NOW + dt.timedelta(hours=1)).isoformat(), "value": 1.0},  # 6
        {"sensor": RAIN, "ts": iso(3), "value": math.nan},  # 7
        {"sensor": RAIN, "ts": iso(4), "value": -0.1},  # 8 negative rain
        {"sensor": RAIN, "ts": iso(5), "value": "lots"},  # 9
        {"sensor": RAIN, "ts": iso(1, offset_hours=0), "value": 2.0},  # 10 same instant as 1
        {"sensor": RAIN, "ts": iso(6)},  # 11 missing value
        {"sensor": GAS, "ts": iso(6), "value": 101},  # 12 above 100 %LEL
        {"sensor": RAIN2, "ts": iso(6), "value": 0.2},  # 13 valid
    ]
    response = post_json(client, readings, token)
    assert response.status_code == 200
    body = response.json()
    assert body["accepted"] == 2 and body["rejected_count"] == 11
    reasons = {item["row"]: item["reason"] for item in body["rejected"]}
    assert "not ISO 8601" in reasons[2]
    assert "no UTC offset" in reasons[3]
    assert reasons[4] == reasons[5] == "unknown sensor"  # another county's is not revealed
    assert "future" in reasons[6]
    assert reasons[7] == reasons[9] == "value is not a finite number"
    assert "below the physical minimum 0" in reasons[8]
    assert reasons[10] == "duplicate of row 1 in this batch"
    assert reasons[11] == "missing field value"
    assert "above the physical maximum 100" in reasons[12]
    assert [item["row"] for item in body["rejected"]] == sorted(reasons)
    assert body["rejected"][3]["sensor"] == OTHER_COUNTY
    assert [code for code, _, _ in stored()] == [RAIN, RAIN2]
    assert "valid rows are stored" in body["policy"].lower()


def test_a_batch_with_no_valid_row_stores_nothing(client, token):
    response = post_json(client, [{"sensor": "NOPE", "ts": iso(1), "value": 1}], token)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid" and "nothing stored" in body["message"]
    assert body["rejected"] == [{"row": 1, "sensor": "NOPE", "reason": "unknown sensor"}]
    assert not Reading.objects.exists()


def test_inactive_sensor_is_refused(client, token):
    sensor = Sensor.objects.get(code=RAIN2)
    sensor.active = False
    sensor.save()
    body = post_json(client, [{"sensor": RAIN2, "ts": iso(1), "value": 1}], token).json()
    assert body["rejected"][0]["reason"] == "sensor is not in service"


def test_unauthenticated_is_401(client, network):
    assert post_json(client, GOOD, {}).status_code == 401
    assert post_json(client, GOOD, {"HTTP_AUTHORIZATION": "Bearer yj_wrong"}).status_code == 401
    assert not Reading.objects.exists()


def test_session_user_outside_the_county_stores_nothing(login, binjiang_staff, network):
    client = login(binjiang_staff)
    response = post_json(client, GOOD[:1], {})
    assert response.status_code == 422
    assert response.json()["rejected"][0]["reason"] == "unknown sensor"


def test_oversize_batches_are_refused(client, token, monkeypatch):
    rows = [{"sensor": RAIN, "ts": iso(1), "value": 1}] * (MAX_ROWS + 1)
    response = post_json(client, rows, token)
    assert response.status_code == 413
    assert "50,000" in response.json()["message"]
    huge = "sensor,ts,value\n" + f"{RAIN},{iso(1)},1\n" * 300_000
    assert post_csv(client, huge, token).status_code == 413
    assert not Reading.objects.exists()


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (f"sensor,ts,value\n=cmd|' /C calc'!A0,{iso(1)},1\n{RAIN},{iso(1)},1\n", 200),
        (f"sensor,ts,value\n{RAIN},{iso(1)},1\x00\n", 422),
        (f"sensor,ts,value\n{RAIN},{iso(1)},{'9' * 200_000}\n", 422),
        (f"sensor,ts,value\n{'A' * 200_000},{iso(1)},1\n", 422),
        (f"sensor,ts,value\n{RAIN},{iso(1)},1,extra\n{RAIN},{iso(2)},1\n", 200),
        ("ts,value\n1,2\n", 422),
        ("sensor,ts,value\n\n", 422),
    ],
)
def test_hostile_csv_is_answered_without_a_server_error(client, token, body, status):
    response = post_csv(client, body, token)
    assert response.status_code == status, response.content
    assert Reading.objects.count() == (1 if status == 200 else 0)


def test_formula_rows_are_rejected_not_stored(client, token):
    text = f"sensor,ts,value\n=cmd|' /C calc'!A0,{iso(1)},=1+1\n{RAIN},{iso(1)},@SUM(1)\n"
    body = post_csv(client, text, token).json()
    assert [item["reason"] for item in body["rejected"]] == [
        "unknown sensor",
        "value is not a finite number",
    ]


def test_other_content_types_and_bad_json(client, token):
    assert client.post(URL, "x", content_type="text/plain", **token).status_code == 415
    assert client.post(URL, "{", content_type="application/json", **token).status_code == 422
    bad = client.post(URL, {"rows": []}, content_type="application/json", **token)
    assert bad.status_code == 422 and bad.json()["field"] == "readings"


def test_ingest_queries_do_not_grow_with_the_batch(db, network, xihu_staff):
    rows = [(RAIN, iso(m), 0.1) for m in range(1, 100)]
    ingest(xihu_staff, rows[:5], now=NOW)
    with CaptureQueriesContext(connection) as small:
        ingest(xihu_staff, rows[5:10], now=NOW)
    with CaptureQueriesContext(connection) as large:
        ingest(xihu_staff, rows[10:], now=NOW)
    assert len(large) == len(small)
    assert Reading.objects.count() == 99


def test_a_changed_sensor_is_seen_by_the_next_batch(db, network, xihu_staff):
    assert ingest(xihu_staff, [(RAIN, iso(1), 1)], now=NOW).accepted == 1
    Sensor.objects.get(code=RAIN).save()  # any registry write moves updated_at
    version = ingest_module._cache[0]
    sensor = Sensor.objects.get(code=RAIN)
    sensor.voided_at = NOW
    sensor.save()
    result = ingest(xihu_staff, [(RAIN, iso(2), 1)], now=NOW)
    assert result.rejected[0]["reason"] == "sensor is not in service"
    assert ingest_module._cache[0] != version


def test_a_signed_in_viewer_who_is_not_a_gateway_cannot_post(client, make_user, network):
    viewer = make_user("xihu-viewer", "330106", "viewer")
    client.force_login(viewer)
    response = post_json(
        client, [{"sensor": RAIN, "ts": "2026-11-30T08:00:00+08:00", "value": 1}], {}
    )
    assert response.status_code == 403 and response.json()["code"] == "not_a_gateway"
    assert Reading.objects.count() == 0
