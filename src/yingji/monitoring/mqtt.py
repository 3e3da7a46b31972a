"""Reading ingest over MQTT: a subscriber that acknowledges a message only once it is stored.

Threads: paho's network loop runs in its own thread (``loop_start``) and only puts received
messages into an inbox; the thread that calls :meth:`Subscriber.drain` parses each message,
calls :func:`yingji.monitoring.ingest.ingest` (all database work stays in that thread) and,
after ``ingest`` returned, that is after the readings were committed, sends the PUBACK
(``manual_ack``). The session is persistent (a fixed client id and ``clean_session=False``),
so a message whose PUBACK was never sent (the process crashed or lost its connection before
the commit) is delivered again on the next connection; storing is idempotent on
(sensor, timestamp), so the second delivery changes nothing that was already stored.

- Payloads are the HTTP API's formats (:mod:`yingji.monitoring.payloads`): JSON when they
  start with ``[`` or ``{``, else CSV with the ``sensor,ts,value`` header.
- A payload that cannot be read at all is acknowledged (delivering it again would never
  help), logged and reported with its reason; invalid rows are reported by their 1-based
  row number while the valid rows are stored, as over HTTP.
- Each message is one ``ingest`` call, so each gets its own accepted / duplicates / rejected
  counts (on the optional reply topic as JSON, with the payload's SHA-256 to match it).
- An error while storing (the database is down, the account lost its rights) is raised to
  the caller *without* acknowledging: the message stays first in the inbox for a retry, and
  the broker delivers it again after a restart.
- Only QoS 0 and 1: with QoS 2 paho answers PUBREC before the message is handed over, and a
  restarted client cannot complete a PUBREL it never saw, so ack-after-commit would not hold.
  QoS 0 has no acknowledgement at all (at most once).
- The broker must keep sessions (Mosquitto does, in memory, and across its own restarts with
  ``persistence true``); messages queued for an offline session are bounded by its
  ``max_queued_messages``.

A PUBACK carries only the packet id, which the broker reuses on a new connection, so a
message is acknowledged only on the connection that delivered it; one left over from a
dropped connection is stored but not acknowledged, and its redelivery is counted as
duplicates and acknowledged.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.reasoncodes import ReasonCode

from yingji.core.errors import DomainError
from yingji.monitoring import payloads
from yingji.monitoring.ingest import POLICY, ingest, may_post

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yingji.core.models import User

log = logging.getLogger(__name__)

QOS_LEVELS: Final = (0, 1)
MAX_LISTED: Final = 1000  # rejected rows listed in a reply; rejected_count has them all


class BrokerError(Exception):
    """The broker cannot be reached, refused the connection or a subscription."""


@dataclass(frozen=True)
class Options:
    host: str
    port: int = 1883
    topics: tuple[str, ...] = ()
    qos: int = 1
    client_id: str = "yingji-ingest"
    username: str | None = None
    password: str | None = None
    reply_topic: str | None = None
    keepalive: int = 30


@dataclass(frozen=True)
class Message:
    topic: str
    payload: bytes
    mid: int
    qos: int
    connection: int  # which connection delivered it: a PUBACK is only valid on that one


@dataclass
class Outcome:
    """What became of one message."""

    topic: str
    sha256: str
    accepted: int = 0
    duplicates: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    error: dict[str, Any] | None = None  # {code, message}: the payload could not be read
    acknowledged: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "topic": self.topic,
            "sha256": self.sha256,
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": self.rejected[:MAX_LISTED],
            "rejected_count": len(self.rejected),
            "error": self.error,
            "policy": POLICY,
        }

    def summary(self) -> str:
        """One line for a log or a terminal."""
        head = f"MQTT {self.topic} [{self.sha256[:12]}]"
        if self.error:
            return f"{head}: not read ({self.error['message']}); nothing stored"
        line = (
            f"{head}: accepted {self.accepted}, duplicates {self.duplicates},"
            f" rejected {len(self.rejected)}"
        )
        shown = "; ".join(f"row {r['row']}: {r['reason']}" for r in self.rejected[:3])
        more = f" (+{len(self.rejected) - 3} more)" if len(self.rejected) > 3 else ""
        return f"{line} ({shown}{more})" if shown else line


class _Inbox:
    """Messages handed over by the network thread, in the order they arrived."""

    def __init__(self) -> None:
        self._items: deque[Message] = deque()
        self._ready = threading.Condition()

    def put(self, message: Message) -> None:
        with self._ready:
            self._items.append(message)
            self._ready.notify_all()

    def wait(self, count: int, timeout: float) -> bool:
        with self._ready:
            return self._ready.wait_for(lambda: len(self._items) >= count, timeout)

    def pop(self) -> Message | None:
        with self._ready:
            return self._items.popleft() if self._items else None

    def put_back(self, message: Message) -> None:
        with self._ready:
            self._items.appendleft(message)

    def clear(self) -> int:
        with self._ready:
            count = len(self._items)
            self._items.clear()
            return count

    def __len__(self) -> int:
        with self._ready:
            return len(self._items)


class Subscriber:
    """Subscribes to ``options.topics`` and stores what arrives as readings of ``actor``.

    Use as a context manager (or :meth:`start` / :meth:`close`) and call :meth:`drain`
    repeatedly from the thread that owns the database connection.
    """

    def __init__(self, actor: User | AnonymousUser, options: Options) -> None:
        if options.qos not in QOS_LEVELS:
            raise ValueError(f"QoS must be one of {QOS_LEVELS}, not {options.qos}")
        if not options.topics:
            raise ValueError("subscribe to at least one topic")
        if options.reply_topic and ("+" in options.reply_topic or "#" in options.reply_topic):
            raise ValueError(f"the reply topic {options.reply_topic!r} has a wildcard (+ or #)")
        may_post(actor)
        self.actor = actor
        self.options = options
        self._inbox = _Inbox()
        self._lock = threading.Lock()  # guards _connection against acks of another connection
        self._connection = 0
        self._subscribed = threading.Event()
        self._failure: str | None = None
        self._client = self._make_client()

    # ------------------------------------------------------------ lifecycle

    def start(self, timeout: float = 10.0) -> None:
        """Connect and subscribe; return once the broker confirmed the subscriptions."""
        try:
            self._client.connect(self.options.host, self.options.port, self.options.keepalive)
        except OSError as exc:
            where = f"{self.options.host}:{self.options.port}"
            raise BrokerError(f"cannot reach the MQTT broker at {where}: {exc}") from exc
        self._client.loop_start()
        if not self._subscribed.wait(timeout) or self._failure:
            self.close()
            raise BrokerError(self._failure or f"no answer from the broker within {timeout:g} s")

    def close(self) -> None:
        """Disconnect. Messages received but not yet stored are not acknowledged: the broker
        delivers them again when this client id connects next."""
        left = self._inbox.clear()  # without their connection they can no longer be acked
        if left:
            log.warning("%d MQTT message(s) not stored; the broker will deliver them again", left)
        self._client.disconnect()
        self._client.loop_stop()

    def __enter__(self) -> Subscriber:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ the calling thread

    def wait_received(self, count: int = 1, timeout: float = 10.0) -> bool:
        """Whether ``count`` messages are waiting to be stored (within ``timeout`` seconds)."""
        return self._inbox.wait(count, timeout)

    def drain(self, timeout: float = 1.0) -> list[Outcome]:
        """Store the messages received so far, waiting up to ``timeout`` seconds for the
        first; each is acknowledged after its readings were committed.

        If storing fails, the message goes back to the front of the inbox, unacknowledged,
        and the error is raised: call again to retry, or close to leave it to the broker."""
        if not self._inbox.wait(1, timeout):
            return []
        outcomes = []
        for _ in range(len(self._inbox)):
            message = self._inbox.pop()
            if message is None:
                break
            try:
                outcomes.append(self._handle(message))
            except BaseException:
                self._inbox.put_back(message)  # _handle raises only before the ack
                raise
        return outcomes

    def run(self, stop: threading.Event, report: Callable[[Outcome], None] | None = None) -> None:
        """Drain until ``stop`` is set (each outcome is logged, and passed to ``report``)."""
        while not stop.is_set():
            for outcome in self.drain(timeout=0.5):
                if report:
                    report(outcome)

    def _handle(self, message: Message) -> Outcome:
        outcome = Outcome(message.topic, hashlib.sha256(message.payload).hexdigest())
        try:
            rows = payloads.parse_payload(message.payload)
        except DomainError as exc:
            outcome.error = {"code": exc.code, "message": exc.message}
        else:
            result = ingest(self.actor, rows)  # raises before the ack if nothing was stored
            outcome.accepted, outcome.duplicates = result.accepted, result.duplicates
            outcome.rejected = result.rejected
        outcome.acknowledged = self._ack(message)
        log.log(logging.WARNING if outcome.error else logging.INFO, "%s", outcome.summary())
        self._reply(outcome)
        return outcome

    def _ack(self, message: Message) -> bool:
        with self._lock:
            if message.connection != self._connection:
                log.info("MQTT message %d came on an earlier connection: not acked", message.mid)
                return False
            self._client.ack(message.mid, message.qos)
            return True

    def _reply(self, outcome: Outcome) -> None:
        """Publish the outcome (best effort: the message is already acknowledged)."""
        if not self.options.reply_topic:
            return
        body = json.dumps(outcome.as_json(), ensure_ascii=False)
        try:
            self._client.publish(self.options.reply_topic, body, qos=1)
        except (ValueError, OSError) as exc:  # e.g. an invalid reply topic
            log.warning("MQTT reply to %s not sent: %s", self.options.reply_topic, exc)

    # ------------------------------------------------------------ the network thread

    def _make_client(self) -> paho.Client:
        client = paho.Client(
            CallbackAPIVersion.VERSION2,
            client_id=self.options.client_id,
            clean_session=False,
            protocol=paho.MQTTv311,
            manual_ack=True,
        )
        if self.options.username:
            client.username_pw_set(self.options.username, self.options.password)
        client.on_connect = self._on_connect
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        client.on_disconnect = self._on_disconnect
        return client

    def _on_connect(
        self,
        client: paho.Client,
        _userdata: object,
        flags: paho.ConnectFlags,
        reason: ReasonCode,
        _properties: object,
    ) -> None:
        if reason.is_failure:
            self._fail(f"the MQTT broker refused the connection: {reason}")
            return
        with self._lock:
            self._connection += 1
        log.info(
            "MQTT connected to %s:%d as %s (session present: %s)",
            self.options.host,
            self.options.port,
            self.options.client_id,
            flags.session_present,
        )
        client.subscribe([(topic, self.options.qos) for topic in self.options.topics])

    def _on_subscribe(
        self,
        _client: paho.Client,
        _userdata: object,
        _mid: int,
        reasons: Sequence[ReasonCode],
        _properties: object,
    ) -> None:
        refused = [
            topic
            for topic, reason in zip(self.options.topics, reasons, strict=False)
            if reason.is_failure
        ]
        if refused:
            self._fail(f"the MQTT broker refused the subscription to {', '.join(refused)}")
        self._subscribed.set()

    def _on_message(self, _client: paho.Client, _userdata: object, msg: paho.MQTTMessage) -> None:
        with self._lock:
            connection = self._connection
        self._inbox.put(Message(msg.topic, bytes(msg.payload), msg.mid, msg.qos, connection))

    def _on_disconnect(
        self,
        _client: paho.Client,
        _userdata: object,
        _flags: object,
        reason: ReasonCode,
        _properties: object,
    ) -> None:
        with self._lock:
            self._connection += 1  # no PUBACK of the lost connection may go out on the next
        if reason.is_failure:
            log.warning("MQTT connection lost (%s); reconnecting", reason)

    def _fail(self, problem: str) -> None:
        log.error("%s", problem)
        self._failure = problem
        self._subscribed.set()
