"""Reading ingest over MQTT against a real Mosquitto broker (issue 6): what a gateway publishes
is stored exactly like the same batch over HTTP, and a message is acknowledged only once its
readings are committed, so a subscriber that dies first gets it again.

Each test starts its own ``mosquitto`` on a free port. Without the binary the tests skip,
unless YINGJI_REQUIRE_MQTT=1 (set by CI), where a missing broker is a failure.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import queue
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from tests.monitoring.conftest import XIHU_STATION
from yingji.cli import main
from yingji.core import services as core_services
from yingji.monitoring.models import HourlyAggregate, Reading
from yingji.monitoring.mqtt import Options, Outcome, Subscriber

MOSQUITTO = os.environ.get("YINGJI_MOSQUITTO", "/usr/sbin/mosquitto")
TOPIC = "yingji/xihu/readings"
REPLIES = "yingji/xihu/results"
RAIN = f"{XIHU_STATION}-R1"
RAIN2 = f"{XIHU_STATION}-R2"
T0 = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)
WAIT = 15.0  # seconds: generous, only ever the upper bound of an awaited event


def iso(minutes: int) -> str:
    return (T0 + dt.timedelta(minutes=minutes)).isoformat()


BATCH = [
    {"sensor": RAIN, "ts": iso(1), "value": 0.5},
    {"sensor": RAIN, "ts": iso(2), "value": 1.5},
    {"sensor": RAIN2.lower(), "ts": iso(1), "value": 0},
    {"sensor": RAIN2, "ts": int((T0 + dt.timedelta(minutes=3)).timestamp()), "value": 2.25},
]


def as_json(readings: list[dict[str, Any]]) -> bytes:
    return json.dumps({"readings": readings}).encode()


# ---------------------------------------------------------------- the broker and its clients


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[tuple[str, int]]:
    if not Path(MOSQUITTO).exists():
        if os.environ.get("YINGJI_REQUIRE_MQTT") == "1":
            pytest.fail(f"Mosquitto not found at {MOSQUITTO} (apt-get install mosquitto)")
        pytest.skip(f"Mosquitto not found at {MOSQUITTO}; install Debian's mosquitto to run")
    port = _free_port()
    config = tmp_path / "mosquitto.conf"
    config.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\n")
    log = tmp_path / "mosquitto.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([MOSQUITTO, "-c", str(config)], stdout=out, stderr=out)
    try:
        _wait_listening(port, proc, log)
        yield "127.0.0.1", port
    finally:
        proc.kill()
        proc.wait(timeout=WAIT)


def _wait_listening(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"mosquitto exited ({proc.returncode}): {log.read_text()[-500:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)  # polling a port: there is no event to wait on
    pytest.fail(f"mosquitto did not listen on port {port} within {WAIT:g} s")


class Peer:
    """A plain MQTT client on the gateway's side: publishes readings, collects results."""

    def __init__(self, broker: tuple[str, int]) -> None:
        self.replies: queue.Queue[dict[str, Any]] = queue.Queue()
        self._ready = threading.Event()
        self.client = paho.Client(CallbackAPIVersion.VERSION2, protocol=paho.MQTTv311)
        self.client.on_connect = lambda c, *_: c.subscribe(REPLIES, qos=1)
        self.client.on_subscribe = lambda *_: self._ready.set()
        self.client.on_message = lambda _c, _u, m: self.replies.put(json.loads(m.payload))
        self.client.connect(*broker)
        self.client.loop_start()
        assert self._ready.wait(WAIT), "the peer did not connect"

    def publish(self, payload: bytes, topic: str = TOPIC) -> None:
        """Returns once the broker has the message (its PUBACK to us)."""
        self.client.publish(topic, payload, qos=1).wait_for_publish(WAIT)

    def reply(self) -> dict[str, Any]:
        return self.replies.get(timeout=WAIT)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def peer(broker: tuple[str, int]) -> Iterator[Peer]:
    gateway = Peer(broker)
    yield gateway
    gateway.close()


@pytest.fixture
def gateway(make_user, stations, make_sensor):
    """A machine account of 西湖区 and two rain gauges there."""
    make_sensor(RAIN)
    make_sensor(RAIN2)
    user = make_user("xihu-gateway", "330106", "viewer")
    user.is_machine = True
    user.save(update_fields=["is_machine"])
    return user


@pytest.fixture
def subscribe(gateway, broker) -> Iterator[Callable[..., Subscriber]]:
    """Start subscribers as the gateway account (all closed at the end)."""
    started: list[Subscriber] = []

    def start(client_id: str = "yingji-test", reply_topic: str | None = REPLIES) -> Subscriber:
        options = Options(
            host=broker[0],
            port=broker[1],
            topics=(TOPIC,),
            client_id=client_id,
            reply_topic=reply_topic,
        )
        subscriber = Subscriber(gateway, options)
        subscriber.start(timeout=WAIT)
        started.append(subscriber)
        return subscriber

    yield start
    for subscriber in started:
        subscriber.close()


def drain(subscriber: Subscriber, count: int) -> list[Outcome]:
    """Store messages until ``count`` were handled (each drain waits for the next)."""
    outcomes: list[Outcome] = []
    deadline = time.monotonic() + WAIT
    while len(outcomes) < count and time.monotonic() < deadline:
        outcomes += subscriber.drain(timeout=deadline - time.monotonic())
    assert len(outcomes) == count, outcomes
    return outcomes


def stored() -> list[tuple[Any, ...]]:
    return sorted(Reading.objects.values_list("sensor_id", "ts", "value"))


def hours() -> list[tuple[Any, ...]]:
    return sorted(HourlyAggregate.objects.values_list("sensor_id", "hour", "count", "sum"))


# ---------------------------------------------------------------- tests


def test_mqtt_stores_exactly_what_http_stores(subscribe, peer, client, gateway):
    subscriber = subscribe()
    peer.publish(as_json(BATCH))
    [outcome] = drain(subscriber, 1)
    assert (outcome.accepted, outcome.duplicates, outcome.rejected) == (4, 0, [])
    assert outcome.acknowledged
    over_mqtt, mqtt_hours = stored(), hours()
    assert len(over_mqtt) == 4
    Reading.objects.all().delete()
    HourlyAggregate.objects.all().delete()

    issued = core_services.create_api_token(actor=None, username=gateway.username, name="gw")
    response = client.post(
        "/api/ingest/readings",
        {"readings": BATCH},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {issued.secret}",
    )
    assert response.status_code == 200 and response.json()["accepted"] == 4
    assert stored() == over_mqtt
    assert hours() == mqtt_hours


def test_csv_payloads_are_read_like_json(subscribe, peer):
    subscriber = subscribe()
    rows = "".join(f"{r['sensor']},{r['ts']},{r['value']}\r\n" for r in BATCH)
    peer.publish(as_json(BATCH[:2]))
    peer.publish(f"sensor,ts,value\r\n{rows}".encode())
    first, second = drain(subscriber, 2)
    assert (first.accepted, second.accepted, second.duplicates) == (2, 2, 2)
    assert len(stored()) == 4


def test_publishing_the_same_message_twice_changes_nothing(subscribe, peer):
    subscriber = subscribe()
    peer.publish(as_json(BATCH))
    [first] = drain(subscriber, 1)
    before, before_hours = stored(), hours()
    peer.publish(as_json(BATCH))
    [second] = drain(subscriber, 1)
    assert (first.accepted, first.duplicates) == (4, 0)
    assert (second.accepted, second.duplicates, second.rejected) == (0, 4, [])
    assert stored() == before and hours() == before_hours
    assert peer.reply()["accepted"] == 4
    assert peer.reply() | {"policy": ""} == {
        "topic": TOPIC, "sha256": second.sha256, "accepted": 0, "duplicates": 4,
        "rejected": [], "rejected_count": 0, "error": None, "policy": "",
    }  # fmt: skip


def test_a_bad_row_is_reported_by_number_and_the_valid_rows_are_stored(subscribe, peer):
    subscriber = subscribe()
    payload = (
        "sensor,ts,value\n"
        f"{RAIN},{iso(1)},1.0\n"
        f"{RAIN},yesterday,1.0\n"
        f"33-RAIN-NOPE,{iso(2)},1.0\n"
        f"{RAIN2},{iso(2)},-3\n"
        f"{RAIN2},{iso(3)},0.5\n"
    )
    peer.publish(payload.encode())
    drain(subscriber, 1)
    reply = peer.reply()
    assert (reply["accepted"], reply["duplicates"], reply["rejected_count"]) == (2, 0, 3)
    reasons = {item["row"]: item["reason"] for item in reply["rejected"]}
    assert sorted(reasons) == [2, 3, 4]
    assert "not ISO 8601" in reasons[2]
    assert reasons[3] == "unknown sensor"
    assert "below the physical minimum" in reasons[4]
    assert [(code, value) for code, _, value in stored_codes()] == [(RAIN, 1.0), (RAIN2, 0.5)]


def stored_codes() -> list[tuple[Any, ...]]:
    return sorted(Reading.objects.values_list("sensor__code", "ts", "value"))


@pytest.mark.parametrize(
    ("payload", "problem"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "NUL characters"),
        (b"hello, broker", "header sensor,ts,value"),
        (b'{"readings": [', "not valid JSON"),
    ],
)
def test_an_unreadable_payload_is_acknowledged_and_reported_not_retried(
    subscribe, peer, payload, problem
):
    subscriber = subscribe(client_id="yingji-garbage")
    peer.publish(payload)
    [outcome] = drain(subscriber, 1)
    assert outcome.acknowledged and outcome.error is not None
    assert problem in outcome.error["message"]
    reply = peer.reply()
    assert reply["error"]["code"] == "invalid" and problem in reply["error"]["message"]
    assert reply["accepted"] == 0 and not Reading.objects.exists()
    subscriber.close()  # the same session again: the broker must not deliver it twice
    again = subscribe(client_id="yingji-garbage")
    marker = as_json([{"sensor": RAIN, "ts": iso(59), "value": 0}])
    peer.publish(marker)
    [next_one] = drain(again, 1)
    assert next_one.error is None and next_one.accepted == 1


def test_a_message_comes_again_when_the_subscriber_dies_before_acknowledging(subscribe, peer):
    crashed = subscribe(client_id="yingji-durable")
    peer.publish(as_json(BATCH))
    assert crashed.wait_received(1, timeout=WAIT)  # delivered to us, not stored, not acked
    crashed.close()
    assert not Reading.objects.exists()

    restarted = subscribe(client_id="yingji-durable")
    [outcome] = drain(restarted, 1)
    assert (outcome.accepted, outcome.duplicates) == (4, 0) and outcome.acknowledged
    assert len(stored()) == 4
    restarted.close()

    # Acknowledged now: a third start of the session gets only what is new.
    third = subscribe(client_id="yingji-durable")
    peer.publish(as_json([{"sensor": RAIN, "ts": iso(59), "value": 0}]))
    [marker] = drain(third, 1)
    assert (marker.accepted, marker.duplicates) == (1, 0)
    assert len(stored()) == 5


def test_messages_published_while_the_subscriber_is_away_are_kept_for_it(subscribe, peer):
    subscribe(client_id="yingji-away").close()  # the session and its subscription exist
    peer.publish(as_json(BATCH[:1]))
    peer.publish(as_json(BATCH[1:]))
    back = subscribe(client_id="yingji-away")
    outcomes = drain(back, 2)
    assert [o.accepted for o in outcomes] == [1, 3]


def test_the_cli_subscribes_until_sigterm(broker, gateway, peer, capsys):
    client_id = "yingji-cli"
    options = Options(host=broker[0], port=broker[1], topics=(TOPIC,), client_id=client_id)
    first = Subscriber(gateway, options)
    first.start(timeout=WAIT)
    first.close()  # the session and its subscription exist while the command is not running
    peer.publish(as_json(BATCH))

    def stop_after_the_reply() -> None:
        try:
            peer.reply()
        finally:
            os.kill(os.getpid(), signal.SIGTERM)

    stopper = threading.Thread(target=stop_after_the_reply)
    stopper.start()
    try:
        code = main(
            ["ingest", "mqtt", "--broker", f"{broker[0]}:{broker[1]}", "--topic", TOPIC,
             "--as", gateway.username, "--client-id", client_id, "--reply-topic", REPLIES]
        )  # fmt: skip
    finally:
        stopper.join(WAIT)
    assert code == 0
    assert len(stored()) == 4
    err = capsys.readouterr().err
    assert f"listening to {TOPIC}" in err
    assert "accepted 4, duplicates 0, rejected 0" in err


def test_the_cli_refuses_an_account_that_is_not_a_gateway(make_user, capsys):
    make_user("xihu-viewer", "330106", "viewer")
    code = main(
        ["ingest", "mqtt", "--broker", f"127.0.0.1:{_free_port()}", "--topic", TOPIC,
         "--as", "xihu-viewer"]
    )  # fmt: skip
    assert code == 2
    assert "sensor gateways" in capsys.readouterr().err


def test_the_cli_names_an_unreachable_broker(gateway, capsys):
    port = _free_port()
    code = main(
        ["ingest", "mqtt", "--broker", f"127.0.0.1:{port}", "--topic", TOPIC,
         "--as", gateway.username]
    )  # fmt: skip
    assert code == 2
    assert f"cannot reach the MQTT broker at 127.0.0.1:{port}" in capsys.readouterr().err
