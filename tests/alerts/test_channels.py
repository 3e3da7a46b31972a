"""Each dissemination channel against a local fake that speaks its real protocol."""

from __future__ import annotations

import logging
import socket
import ssl
import struct
from importlib.metadata import EntryPoint

import pytest

from tests.alerts.fakes import smpp_server
from tests.alerts.fakes.broadcast_platform import FakeBroadcastPlatform
from tests.alerts.fakes.smpp_server import FakeSmsc
from tests.alerts.fakes.sms_gateway import FakeSmsGateway
from tests.alerts.fakes.smtp_server import FakeSmtpServer, free_port
from tests.alerts.fakes.webhook_receiver import FakeWebhookReceiver
from yingji.alerts.channels import http_sms, registry
from yingji.alerts.channels.base import Outgoing
from yingji.alerts.channels.broadcast import Broadcast
from yingji.alerts.channels.email import Email
from yingji.alerts.channels.http_sms import HttpSms
from yingji.alerts.channels.smpp import Smpp, parse_receipt
from yingji.alerts.channels.webhook import Webhook

SHORT = "【浙江省应急管理厅】西湖区暴雨橙色预警：请立即转移低洼地带群众。"
LONG = (
    "【浙江省气象台】台风“烟花”红色预警："
    + "预计未来十二小时沿海风力将达十二级以上，请停止一切户外活动。" * 4
)
CAP = "33000041600000000000_20260601080000_0001"


def out(row_id: int, address: str, text: str = SHORT, channel: str = "sms") -> Outgoing:
    return Outgoing(
        id=row_id, channel=channel, address=address, text=text, subject="暴雨预警", warning=CAP
    )


def closed_port() -> int:
    """A local port nobody listens on: connecting to it is refused."""
    return free_port()


# ---------------------------------------------------------------- HTTP SMS gateway


@pytest.fixture
def gateway():
    with FakeSmsGateway() as fake:
        yield fake


def sms_channel(gateway: FakeSmsGateway, **extra: object) -> HttpSms:
    return HttpSms({"url": gateway.endpoint, "token": gateway.token, "timeout": 2, **extra})


def test_http_sms_delivers_the_batch_with_text_intact(gateway):
    receipts = sms_channel(gateway).send(
        [out(1, "13800000001"), out(2, "13800000002", LONG), out(3, "13800000001", "Test 1")]
    )
    assert [r.ok for r in receipts] == [True, True, True]
    assert [r.id for r in receipts] == [1, 2, 3]
    assert len({r.provider_id for r in receipts}) == 3
    assert gateway.deliveries == {"13800000001": [SHORT, "Test 1"], "13800000002": [LONG]}
    assert len(gateway.requests) == 1  # one POST for the batch


def test_http_sms_reads_its_settings(gateway, settings):
    settings.CHANNELS = {
        "sms": {
            "url": gateway.endpoint,
            "token": "wrong",
            "batch_size": 500,
            "rate_per_second": 250,
        }
    }
    channel = HttpSms()
    assert (channel.batch_size, channel.rate_per_second) == (500, 250)
    (receipt,) = channel.send([out(1, "13800000001")])
    assert not receipt.ok
    assert receipt.retry  # a refused token is fixed by configuration, then it goes out
    assert "HTTP 401" in receipt.error
    assert gateway.delivered_count() == 0


def test_http_sms_resend_is_delivered_once(gateway):
    channel = sms_channel(gateway)
    first = channel.send([out(7, "13800000007")])
    again = channel.send([out(7, "13800000007")])
    assert first[0].ok and again[0].ok
    assert first[0].provider_id == again[0].provider_id
    assert gateway.deliveries["13800000007"] == [SHORT]


def test_http_sms_transient_failure_then_success(gateway):
    channel = sms_channel(gateway)
    gateway.fail_next(1)
    receipts = channel.send([out(1, "13800000001"), out(2, "13800000002")])
    assert all(not r.ok and r.retry and "503" in r.error for r in receipts)
    assert all(r.ok for r in channel.send([out(1, "13800000001"), out(2, "13800000002")]))
    assert gateway.delivered_count() == 2


def test_http_sms_invalid_number_is_permanent_and_spares_the_others(gateway):
    gateway.invalid.add("10000000000")
    ok, bad = sms_channel(gateway).send([out(1, "13800000001"), out(2, "10000000000")])
    assert ok.ok
    assert not bad.ok
    assert not bad.retry
    assert "invalid_number" in bad.error


def test_http_sms_numbered_parts_for_gateways_that_cannot_concatenate(gateway):
    (receipt,) = sms_channel(gateway, numbered=True).send([out(5, "13800000005", LONG)])
    parts = gateway.deliveries["13800000005"]
    assert len(parts) == 3
    assert [p[:5] for p in parts] == ["(1/3)", "(2/3)", "(3/3)"]
    assert all(len(p) <= 70 for p in parts)
    assert "".join(p[5:] for p in parts) == LONG
    assert receipt.ok
    assert receipt.provider_id.count(",") == 2


def test_http_sms_timeout_is_transient(gateway):
    gateway.then("hang")
    (receipt,) = sms_channel(gateway, timeout=0.3).send([out(1, "13800000001")])
    assert not receipt.ok
    assert receipt.retry
    assert "timed out" in receipt.error


def test_http_sms_connection_refused_is_transient():
    channel = HttpSms({"url": f"http://127.0.0.1:{closed_port()}/send", "timeout": 2})
    (receipt,) = channel.send([out(1, "13800000001")])
    assert (receipt.ok, receipt.retry) == (False, True)
    assert "connection refused" in receipt.error


@pytest.mark.parametrize(
    ("mode", "error"),
    [("malformed", "unreadable"), ("shape", "unreadable"), ("huge", "larger than")],
)
def test_http_sms_hostile_answers_do_not_crash(gateway, mode, error):
    gateway.then(mode)
    channel = sms_channel(gateway, max_response_bytes=64 << 10)
    (receipt,) = channel.send([out(1, "13800000001")])
    assert (receipt.ok, receipt.retry) == (False, True)
    assert error in receipt.error


def test_http_sms_refuses_a_non_http_url():
    (receipt,) = HttpSms({"url": "file:///etc/passwd"}).send([out(1, "13800000001")])
    assert not receipt.ok
    assert "http(s) URL" in receipt.error


def test_http_sms_delivery_reports_reach_the_callback(gateway):
    with FakeWebhookReceiver(secret=None) as callback:
        channel = sms_channel(gateway, dlr_url=callback.url + "/dlr")
        receipts = channel.send([out(11, "13800000011"), out(12, "13800000012")])
        assert gateway.send_reports() == 2
        assert callback.wait_for(lambda: len(callback.requests) == 1)
        reports = http_sms.parse_reports(callback.requests[0][2])
    assert {(r.id, r.provider_id, r.delivered) for r in reports} == {
        (11, receipts[0].provider_id, True),
        (12, receipts[1].provider_id, True),
    }


def test_parse_reports_rejects_malformed_bodies():
    with pytest.raises(ValueError, match="malformed delivery report"):
        http_sms.parse_reports(b'{"reports": [{"id": "x"}]}')
    with pytest.raises(ValueError, match="malformed delivery report"):
        http_sms.parse_reports(b"\xff\xfe")
    (part,) = http_sms.parse_reports(b'{"reports": [{"id": "9-2", "status": "failed"}]}')
    assert (part.id, part.part, part.delivered) == (9, 2, False)


# ---------------------------------------------------------------- SMPP 3.4


@pytest.fixture
def smsc():
    with FakeSmsc() as fake:
        yield fake


def smpp_channel(smsc: FakeSmsc, **extra: object) -> Smpp:
    return Smpp(
        {
            "host": "127.0.0.1",
            "port": smsc.port,
            "system_id": smsc.system_id,
            "password": smsc.password,
            "source_addr": "12379",
            "timeout": 2,
            "window": 4,
            **extra,
        }
    )


def test_smpp_submits_segments_that_reassemble(smsc):
    ascii_text = "Red typhoon warning: stay indoors {zone 3}"
    receipts = smpp_channel(smsc).send(
        [out(1, "13800000001"), out(70001, "13800000002", LONG), out(3, "13800000003", ascii_text)]
    )
    assert [r.ok for r in receipts] == [True, True, True]
    assert [r.provider_id.count(",") + 1 for r in receipts] == [1, 3, 1]
    by_phone = {m.destination: m for m in smsc.delivered}
    assert by_phone["13800000001"].text == SHORT
    assert by_phone["13800000002"].text == LONG
    assert by_phone["13800000002"].parts == 3  # 130 characters: 67 + 63 … in UCS-2, 3 parts
    assert by_phone["13800000003"].text == ascii_text
    assert by_phone["13800000003"].data_coding == 0x00  # GSM-7
    assert by_phone["13800000001"].data_coding == 0x08  # UCS-2
    assert by_phone["13800000002"].yingji_id == "70001"  # the whole id in the vendor TLV
    assert by_phone["13800000002"].user_message_reference == 70001 & 0xFFFF
    long_parts = [p for p in smsc.pdus if p["destination_addr"] == "13800000002"]
    assert all(p["esm_class"] & 0x40 and len(p["short_message"]) <= 140 for p in long_parts)
    assert all(p["source_addr"] == "12379" and p["registered_delivery"] == 1 for p in smsc.pdus)


def test_smpp_ucs2_only_smsc(smsc):
    (receipt,) = smpp_channel(smsc, data_coding="ucs2").send([out(1, "13800000001", "Test")])
    assert receipt.ok
    (message,) = smsc.delivered
    assert (message.text, message.data_coding) == ("Test", 0x08)


def test_smpp_resend_is_delivered_once(smsc):
    batch = [out(21, "13800000021", LONG), out(22, "13800000022")]
    first = smpp_channel(smsc).send(batch)
    again = smpp_channel(smsc).send(batch)
    assert [r.provider_id for r in first] == [r.provider_id for r in again]
    assert len(smsc.delivered) == 2


def test_smpp_permanent_and_transient_refusals(smsc):
    smsc.invalid.add("10000000000")
    (bad,) = smpp_channel(smsc).send([out(1, "10000000000")])
    assert (bad.ok, bad.retry) == (False, False)
    assert "0x0B" in bad.error
    smsc.throttle_next(1)
    throttled, fine = smpp_channel(smsc).send([out(2, "13800000002"), out(3, "13800000003")])
    assert (throttled.ok, throttled.retry) == (False, True)
    assert "0x58" in throttled.error
    assert fine.ok


def test_smpp_bad_password_and_refused_connection_are_transient(smsc):
    (receipt,) = smpp_channel(smsc, password="wrong").send([out(1, "13800000001")])
    assert (receipt.ok, receipt.retry) == (False, True)
    assert "cannot open a session" in receipt.error
    refused = Smpp({"host": "127.0.0.1", "port": closed_port(), "timeout": 2})
    (receipt,) = refused.send([out(1, "13800000001")])
    assert (receipt.ok, receipt.retry) == (False, True)
    assert "cannot open a session" in receipt.error
    assert smsc.delivered == []


def test_smpp_dropped_connection_fails_only_the_unanswered_rows(smsc):
    smsc.drop_after = 2
    batch = [out(i, f"1380000000{i}") for i in range(1, 5)]
    receipts = smpp_channel(smsc, window=1).send(batch)
    assert [r.ok for r in receipts] == [True, True, False, False]
    assert all(r.retry for r in receipts[2:])
    smsc.drop_after = None
    assert all(r.ok for r in smpp_channel(smsc).send(batch))
    assert sorted(m.destination for m in smsc.delivered) == [f"1380000000{i}" for i in range(1, 5)]


def test_smpp_answers_receipts_and_enquire_link_while_sending(smsc):
    smsc.receipts = True
    smsc.enquire_first = True
    channel = smpp_channel(smsc)
    receipts = channel.send([out(1, "13800000001"), out(2, "13800000002", LONG)])
    assert all(r.ok for r in receipts)
    assert len(channel.reports) == 4  # one per part
    parsed = [parse_receipt(r) for r in channel.reports]
    assert {p[0] for p in parsed if p} == set(",".join(r.provider_id for r in receipts).split(","))
    assert all(p and p[1] for p in parsed)
    # The SMSC had the enquire_link and the receipts answered (the last receipt crosses the
    # unbind, which closes the session first).
    assert smsc.wait_for(lambda: smpp_server.ENQUIRE_LINK_RESP in smsc.responses)
    assert smsc.responses.count(smpp_server.DELIVER_SM_RESP) >= 3


@pytest.mark.parametrize(
    "garbage",
    [
        struct.pack(">L", 0xFFFFFFF0) + b"\x00" * 12,  # a 4 GiB PDU: refused, not allocated
        struct.pack(">LLLL", 8, 0x80000004, 0, 1),  # shorter than its own header
        struct.pack(">LLLL", 16, 0x12345678, 0, 1),  # no such command
        struct.pack(">LLLL", 17, 0x80000004, 0, 2) + b"\xff",  # message_id without its NUL
    ],
)
def test_smpp_hostile_pdus_do_not_crash(smsc, garbage):
    smsc.garbage = garbage
    (receipt,) = smpp_channel(smsc, timeout=0.5).send([out(1, "13800000001")])
    assert (receipt.ok, receipt.retry) == (False, True)
    assert receipt.error.startswith(f"SMSC 127.0.0.1:{smsc.port}: ")


def test_smpp_receipt_texts():
    text = (
        "id:M00042 sub:001 dlvrd:000 submit date:2606010800 done date:2606010801"
        " stat:UNDELIV err:013 text:"
    )
    assert parse_receipt(text) == ("M00042", False, "UNDELIV err:013")
    assert parse_receipt("id:7 stat:DELIVRD") == ("7", True, "")
    assert parse_receipt("回复1确认") is None


def test_smpp_silent_smsc_times_out():
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()  # connects, never answers the bind
        channel = Smpp({"host": "127.0.0.1", "port": silent.getsockname()[1], "timeout": 0.3})
        (receipt,) = channel.send([out(1, "13800000001")])
    assert (receipt.ok, receipt.retry) == (False, True)


# ---------------------------------------------------------------- SMTP


@pytest.fixture
def smtp():
    with FakeSmtpServer() as fake:
        yield fake


def email_channel(port: int, **extra: object) -> Email:
    return Email(
        {
            "host": "127.0.0.1",
            "port": port,
            "from": "yjt@zj.gov.cn",
            "timeout": 5,
            "domain": "yingji.zj.gov.cn",
            **extra,
        }
    )


def test_email_sends_utf8_mail_with_message_id_from_the_row(smtp):
    receipts = email_channel(smtp.port).send(
        [out(31, "a@example.org", channel="email"), out(32, "b@example.org", LONG, "email")]
    )
    assert all(r.ok for r in receipts)
    first, second = smtp.messages
    assert first["Message-ID"] == "<yingji-31@yingji.zj.gov.cn>"
    assert str(first["Subject"]) == "暴雨预警"
    assert first.get_content().strip() == SHORT
    assert second.get_content().strip() == LONG
    assert first["Auto-Submitted"] == "auto-generated"
    assert first["X-Yingji-Warning"] == CAP
    assert smtp.envelopes == [
        ("yjt@zj.gov.cn", ["a@example.org"]),
        ("yjt@zj.gov.cn", ["b@example.org"]),
    ]
    assert receipts[0].provider_id == "<yingji-31@yingji.zj.gov.cn>"


def test_email_resend_carries_the_same_message_id(smtp):
    channel = email_channel(smtp.port)
    channel.send([out(41, "a@example.org", channel="email")])
    channel.send([out(41, "a@example.org", channel="email")])
    assert len(smtp.messages) == 1


def test_email_refusals_per_recipient(smtp):
    smtp.refuse_permanent.add("gone@example.org")
    smtp.refuse_temporary.add("full@example.org")
    gone, full, fine, bad = email_channel(smtp.port).send(
        [
            out(1, "gone@example.org"),
            out(2, "full@example.org"),
            out(3, "ok@example.org"),
            out(4, "not an address\r\nBcc: x@evil.example"),
        ]
    )
    assert (gone.ok, gone.retry) == (False, False)
    assert "550" in gone.error
    assert (full.ok, full.retry) == (False, True)
    assert "451" in full.error
    assert fine.ok
    assert (bad.ok, bad.retry) == (False, False)
    assert [m["To"] for m in smtp.messages] == ["ok@example.org"]


def test_email_to_an_internationalised_address(smtp):
    (receipt,) = email_channel(smtp.port).send([out(1, "张三@例子.中国")])
    assert receipt.ok, receipt.error
    assert smtp.envelopes == [("yjt@zj.gov.cn", ["张三@例子.中国"])]


def test_email_to_an_internationalised_address_without_smtputf8():
    with FakeSmtpServer(smtputf8=False) as server:
        chinese, plain = email_channel(server.port).send(
            [out(1, "张三@例子.中国"), out(2, "a@example.org")]
        )
        assert (chinese.ok, chinese.retry) == (False, False)
        assert "SMTPUTF8" in chinese.error
        assert plain.ok  # the connection carries on
        assert [m["To"] for m in server.messages] == ["a@example.org"]


def test_email_connection_refused_is_transient():
    (receipt,) = email_channel(closed_port()).send([out(1, "a@example.org")])
    assert (receipt.ok, receipt.retry) == (False, True)
    assert "connection refused" in receipt.error


def test_email_starttls_and_login():
    with FakeSmtpServer(tls=True) as server:
        channel = email_channel(server.port, starttls=True, user="mailer", password="pw")
        channel.ssl_context = ssl.create_default_context(cafile=str(server.ca_file))
        channel.host = "localhost"
        (receipt,) = channel.send([out(1, "a@example.org")])
        assert receipt.ok, receipt.error
        assert server.logins == ["mailer"]
        channel.password = "wrong"
        (refused,) = channel.send([out(2, "a@example.org")])
        assert (refused.ok, refused.retry) == (False, True)
        assert "login refused" in refused.error
        assert len(server.messages) == 1


# ---------------------------------------------------------------- webhook


@pytest.fixture
def receiver():
    with FakeWebhookReceiver() as fake:
        yield fake


def test_webhook_posts_signed_json_and_is_delivered(receiver):
    channel = Webhook({"secret": receiver.secret})
    receipts = channel.send(
        [
            out(51, receiver.url + "/hook", channel="webhook"),
            out(52, receiver.url + "/hook", LONG, "webhook"),
        ]
    )
    assert all(r.ok and r.delivered for r in receipts)
    assert receiver.rejected == 0
    assert [(b["id"], b["text"], b["warning"]) for b in receiver.received] == [
        (51, SHORT, CAP),
        (52, LONG, CAP),
    ]
    assert receiver.requests[0][1]["Idempotency-Key"] == "51"


def test_webhook_resend_is_received_once(receiver):
    channel = Webhook({"secret": receiver.secret})
    assert channel.send([out(61, receiver.url)])[0].ok
    assert channel.send([out(61, receiver.url)])[0].ok
    assert len(receiver.received) == 1
    assert len(receiver.requests) == 2


def test_webhook_wrong_secret_is_rejected_by_the_receiver(receiver):
    (receipt,) = Webhook({"secret": "not-the-secret"}).send([out(1, receiver.url)])
    assert (receipt.ok, receipt.retry) == (False, False)
    assert receiver.rejected == 1
    assert receiver.received == []


@pytest.mark.parametrize(("status", "retry"), [(500, True), (429, True), (410, False)])
def test_webhook_failure_classes(receiver, status, retry):
    receiver.status = status
    (receipt,) = Webhook({"secret": receiver.secret}).send([out(1, receiver.url)])
    assert (receipt.ok, receipt.retry) == (False, retry)
    assert str(status) in receipt.error


def test_webhook_hostile_and_unreachable_receivers(receiver):
    channel = Webhook({"secret": receiver.secret, "timeout": 0.3})
    receiver.then("huge")
    (huge,) = channel.send([out(1, receiver.url)])
    assert huge.ok  # a 2xx is what counts; the oversized body is not read
    receiver.then("hang")
    (hung,) = channel.send([out(2, receiver.url)])
    assert (hung.ok, hung.retry) == (False, True)
    assert "timed out" in hung.error
    (refused,) = channel.send([out(3, f"http://127.0.0.1:{closed_port()}/")])
    assert (refused.ok, refused.retry) == (False, True)
    (local_file,) = channel.send([out(4, "file:///etc/passwd")])
    assert (local_file.ok, local_file.retry) == (False, False)


def test_webhook_refuses_to_send_unsigned(receiver):
    (receipt,) = Webhook({"secret": ""}).send([out(1, receiver.url)])
    assert not receipt.ok
    assert "secret" in receipt.error
    assert receiver.requests == []


# ---------------------------------------------------------------- emergency broadcast


@pytest.fixture
def platform():
    with FakeBroadcastPlatform({"330106001001-01", "330106001002-01", "330106001003-01"}) as fake:
        yield fake


def broadcast_channel(platform: FakeBroadcastPlatform, **extra: object) -> Broadcast:
    return Broadcast({"url": platform.endpoint, "token": platform.token, "timeout": 2, **extra})


def test_broadcast_plays_text_on_each_terminal(platform):
    receipts = broadcast_channel(platform, repeat=2).send(
        [
            out(71, "330106001001-01", channel="broadcast"),
            out(72, "330106001002-01", LONG, "broadcast"),
        ]
    )
    assert all(r.ok and r.provider_id for r in receipts)
    assert not any(r.delivered for r in receipts)  # queued to play, not yet heard
    assert platform.plays == [
        {"terminal": "330106001001-01", "text": SHORT, "repeat": 2},
        {"terminal": "330106001002-01", "text": LONG, "repeat": 2},
    ]


def test_broadcast_resend_plays_once(platform):
    channel = broadcast_channel(platform)
    first = channel.send([out(81, "330106001001-01")])
    again = channel.send([out(81, "330106001001-01")])
    assert first[0].provider_id == again[0].provider_id
    assert len(platform.plays) == 1


def test_broadcast_unknown_terminal_is_permanent_offline_is_transient(platform):
    platform.offline.add("330106001003-01")
    unknown, offline = broadcast_channel(platform).send(
        [out(1, "999999999999-99"), out(2, "330106001003-01")]
    )
    assert (unknown.ok, unknown.retry) == (False, False)
    assert "unknown terminal" in unknown.error
    assert (offline.ok, offline.retry) == (False, True)
    assert "offline" in offline.error


def test_broadcast_malformed_answer_is_transient(platform):
    platform.then("malformed")
    (receipt,) = broadcast_channel(platform).send([out(1, "330106001001-01")])
    assert (receipt.ok, receipt.retry) == (False, True)
    assert "unreadable" in receipt.error


# ---------------------------------------------------------------- registry


def test_registry_finds_the_builtin_channels():
    channels = registry.available()
    assert {"sms", "smpp", "email", "webhook", "broadcast"} <= set(channels)
    assert isinstance(channels["sms"], HttpSms)
    assert all(c.batch_size > 0 and c.rate_per_second > 0 for c in channels.values())


def test_registry_skips_a_channel_with_a_bad_setting(settings, caplog):
    settings.CHANNELS = {"sms": {"batch_size": "lots"}}
    with caplog.at_level(logging.ERROR, logger=registry.__name__):
        channels = registry.available()
    assert "sms" not in channels
    assert "email" in channels
    assert "'batch_size' must be a number" in caplog.text


def test_registry_skips_a_broken_plugin(monkeypatch, caplog):
    entries = [
        EntryPoint("broken", "yingji.no_such_module:Channel", registry.GROUP),
        EntryPoint("sms", "yingji.alerts.channels.http_sms:HttpSms", registry.GROUP),
    ]
    monkeypatch.setattr(registry, "entry_points", lambda group: entries)
    with caplog.at_level(logging.ERROR, logger=registry.__name__):
        channels = registry.available()
    assert set(channels) == {"sms"}
    assert "broken" in caplog.text
