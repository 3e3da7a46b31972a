"""CAP 1.2 kernel (yingji.kernels.cap): round trips through the OASIS schema, the refusals a
warnings import must make (schema errors, hostile XML), GB/T 35965.1 identifiers, colour ↔
severity, and XML-DSig signing."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree

from yingji.kernels import cap
from yingji.kernels.cap import (
    BEIJING,
    Alert,
    Area,
    CapError,
    Circle,
    Info,
    MsgType,
    Reference,
    Severity,
)

DATA = Path(__file__).parent / "data" / "cap"
NS = cap.CAP_NS
SENT = dt.datetime(2025, 7, 1, 14, 0, tzinfo=BEIJING)
HANGZHOU_WEST = (
    (30.30, 120.05),
    (30.30, 120.18),
    (30.18, 120.18),
    (30.18, 120.05),
    (30.30, 120.05),
)


def official_schema() -> etree.XMLSchema:
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    return etree.XMLSchema(etree.parse(str(cap.schema_path()), parser))


def rainstorm(**changes: object) -> Alert:
    info = Info(
        language="zh-CN",
        categories=(cap.Category.MET,),
        event="暴雨",
        response_types=(cap.ResponseType.PREPARE, cap.ResponseType.MONITOR),
        urgency=cap.Urgency.EXPECTED,
        severity=cap.severity_for_level(2),
        certainty=cap.Certainty.LIKELY,
        event_codes=(("GB/T 35561", "11B03"),),
        effective=SENT,
        onset=SENT + dt.timedelta(hours=1),
        expires=SENT + dt.timedelta(hours=12),
        sender_name="杭州市气象台",
        headline="杭州市气象台发布暴雨橙色预警[Ⅱ级/严重]",
        description="预计未来3小时内降雨量将达50毫米以上。\n请注意防范！",
        instruction="切断有危险的室外电源，暂停户外作业；做好排涝。",
        web="https://www.12379.cn/",
        contact="0571-12121",
        parameters=(("signal", "暴雨橙色"),),
        areas=(
            Area(
                area_desc="杭州市西湖区",
                polygons=(HANGZHOU_WEST,),
                geocodes=(("GB/T 2260", "330106"),),
            ),
        ),
    )
    fields: dict[str, object] = {
        "identifier": cap.make_identifier("330100", "416", SENT),
        "sender": "hzqxt@12379.cn",
        "sent": SENT,
        "status": cap.Status.ACTUAL,
        "msg_type": MsgType.ALERT,
        "scope": cap.Scope.PUBLIC,
        "infos": (info,),
    }
    fields.update(changes)
    return Alert(**fields)  # type: ignore[arg-type]


ORIGINAL = rainstorm()
LATER = SENT + dt.timedelta(hours=3)
UPDATE = rainstorm(
    identifier=cap.make_identifier("330100", "416", LATER),
    sent=LATER,
    msg_type=MsgType.UPDATE,
    references=(Reference(ORIGINAL.sender, ORIGINAL.identifier, ORIGINAL.sent),),
)
CANCEL = rainstorm(
    identifier=cap.make_identifier("330100", "416", LATER, sequence=1),
    sent=LATER,
    msg_type="Cancel",
    references=(Reference(ORIGINAL.sender, ORIGINAL.identifier, ORIGINAL.sent),),
    note="预警解除",
    infos=(),
)
MULTI_AREA = rainstorm(
    source="浙江省气象台",
    codes=("GB/T 35965.1",),
    infos=(
        Info(
            language="zh-CN",
            categories=("Met", "Safety"),
            event="台风",
            urgency="Immediate",
            severity="Extreme",
            certainty="Observed",
            areas=(
                Area(area_desc="西湖区", polygons=(HANGZHOU_WEST,)),
                Area(
                    area_desc="舟山海域",
                    circles=(Circle(30.0, 122.1, 50.0), Circle(29.9, 122.3, 12.5)),
                    altitude=0.0,
                    ceiling=3000.5,
                ),
            ),
        ),
        Info(
            language="en-US",
            categories=("Met",),
            event="Typhoon",
            urgency="Immediate",
            severity="Extreme",
            certainty="Observed",
            headline="Typhoon red warning",
        ),
    ),
)
RESTRICTED = rainstorm(
    scope="Restricted", restriction="应急管理部门内部", status="Exercise", infos=()
)


# --- round trips -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "alert",
    [ORIGINAL, UPDATE, CANCEL, MULTI_AREA, RESTRICTED],
    ids=["alert", "update", "cancel", "multi-area", "restricted"],
)
def test_round_trip_is_schema_valid_and_equal(alert: Alert) -> None:
    data = cap.to_xml(alert)
    official_schema().assertValid(etree.fromstring(data))  # the raw OASIS schema, not our wrapper
    assert cap.from_xml(data) == alert


def test_update_and_cancel_carry_references_as_triples() -> None:
    root = etree.fromstring(cap.to_xml(UPDATE))
    text = root.findtext(f"{{{NS}}}references")
    assert text == "hzqxt@12379.cn,33010041600000_20250701140000_0,2025-07-01T14:00:00+08:00"
    assert root.findtext(f"{{{NS}}}msgType") == "Update"
    assert etree.fromstring(cap.to_xml(CANCEL)).findtext(f"{{{NS}}}msgType") == "Cancel"


def test_multi_area_renders_polygon_and_circles_in_cap_form() -> None:
    root = etree.fromstring(cap.to_xml(MULTI_AREA))
    areas = root.findall(f".//{{{NS}}}area")
    assert len(areas) == 2
    assert areas[0].findtext(f"{{{NS}}}polygon") == (
        "30.3,120.05 30.3,120.18 30.18,120.18 30.18,120.05 30.3,120.05"
    )
    assert [c.text for c in areas[1].findall(f"{{{NS}}}circle")] == [
        "30,122.1 50",
        "29.9,122.3 12.5",
    ]


def test_chinese_text_survives_as_utf8() -> None:
    data = cap.to_xml(ORIGINAL)
    assert "杭州市气象台发布暴雨橙色预警[Ⅱ级/严重]".encode() in data
    back = cap.from_xml(data).infos[0]
    assert back.description == "预计未来3小时内降雨量将达50毫米以上。\n请注意防范！"
    assert back.areas[0].area_desc == "杭州市西湖区"


def test_element_order_follows_the_schema_sequence() -> None:
    root = etree.fromstring(cap.to_xml(UPDATE))
    names = [etree.QName(el).localname for el in root]
    assert names == [
        "identifier",
        "sender",
        "sent",
        "status",
        "msgType",
        "scope",
        "references",
        "info",
    ]
    info = [etree.QName(el).localname for el in root.find(f"{{{NS}}}info")]
    assert info[:7] == [
        "language",
        "category",
        "event",
        "responseType",
        "responseType",
        "urgency",
        "severity",
    ]


def test_valid_sample_file_reads_as_an_orange_rainstorm() -> None:
    alert = cap.from_xml((DATA / "zj-rainstorm-orange.xml").read_bytes())
    info = alert.infos[0]
    assert (info.event, info.severity, cap.level_for_severity(info.severity)) == (
        "暴雨",
        "Severe",
        2,
    )
    assert info.onset == dt.datetime(2025, 7, 1, 7, 0, tzinfo=dt.UTC)
    assert [a.area_desc for a in info.areas] == ["杭州市西湖区", "杭州市余杭区闲林街道周边"]
    assert info.areas[1].circles == (Circle(30.26, 119.95, 8.0),)
    assert cap.parse_identifier(alert.identifier).region_code == "330100"
    assert cap.from_xml(cap.to_xml(alert)) == alert


def test_cancel_sample_references_the_orange_warning() -> None:
    orange = cap.from_xml((DATA / "zj-rainstorm-orange.xml").read_bytes())
    cancel = cap.from_xml((DATA / "zj-rainstorm-cancel.xml").read_bytes())
    assert cancel.msg_type is MsgType.CANCEL
    assert cancel.references == (Reference(orange.sender, orange.identifier, orange.sent),)


def test_invalid_sample_file_is_rejected_naming_severity() -> None:
    with pytest.raises(CapError) as caught:
        cap.from_xml((DATA / "invalid-colour-severity.xml").read_bytes())
    assert str(caught.value) == (
        "line 16: element 'severity': '橙色' is not one of "
        "Extreme, Severe, Moderate, Minor, Unknown"
    )


# --- schema rejections -------------------------------------------------------------------

GOOD = cap.to_xml(ORIGINAL)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            b"<severity>Severe</severity>",
            b"<severity>Huge</severity>",
            "element 'severity': 'Huge' is not one of Extreme, Severe, Moderate, Minor, Unknown",
        ),
        (
            b"<msgType>Alert</msgType>",
            b"<msgType>Warning</msgType>",
            "element 'msgType': 'Warning' is not one of Alert, Update, Cancel, Ack, Error",
        ),
        (b"<status>Actual</status>", b"", "element 'msgType': not expected here"),
        (
            b"<status>Actual</status>\n  <msgType>Alert</msgType>",
            b"<msgType>Alert</msgType>\n  <status>Actual</status>",
            "element 'msgType': not expected here (missing or out-of-order element); "
            "expected status",
        ),
        (
            b"<sent>2025-07-01T14:00:00+08:00</sent>",
            b"<sent>2025-07-01T06:00:00Z</sent>",
            "element 'sent': '2025-07-01T06:00:00Z' is not a CAP time",
        ),
        (
            b"<onset>2025-07-01T15:00:00+08:00</onset>",
            b"<onset>2025-07-01T15:00:00.5+08:00</onset>",
            "element 'onset': '2025-07-01T15:00:00.5+08:00' is not a CAP time",
        ),
        (b"<event>\xe6\x9a\xb4\xe9\x9b\xa8</event>", b"", "element 'responseType': not expected"),
        (b"<polygon>30.3,120.05 ", b"<polygon>30.3;120.05 ", "element 'polygon'"),
        (
            b"30.18,120.05 30.3,120.05</polygon>",
            b"30.18,120.05</polygon>",
            "first equal to the last",
        ),
    ],
    ids=[
        "enum",
        "msgType",
        "missing",
        "order",
        "Z-time",
        "fraction",
        "missing-event",
        "bad-pair",
        "open-ring",
    ],
)
def test_schema_and_profile_errors_name_the_element(old: bytes, new: bytes, message: str) -> None:
    assert old in GOOD
    with pytest.raises(CapError, match=r"^line \d+: ") as caught:
        cap.from_xml(GOOD.replace(old, new, 1))
    assert message in str(caught.value)


def test_missing_info_child_names_the_parent() -> None:
    data = GOOD.replace(b"<certainty>Likely</certainty>", b"")
    with pytest.raises(CapError, match=r"missing child element|not expected"):
        cap.from_xml(data)


def test_cap_1_2_forbids_z_so_utc_is_written_minus_zero() -> None:
    utc = rainstorm(sent=dt.datetime(2025, 7, 1, 6, 0, 0, 987654, tzinfo=dt.UTC))
    data = cap.to_xml(utc)
    assert b"<sent>2025-07-01T06:00:00-00:00</sent>" in data
    assert cap.from_xml(data).sent == dt.datetime(2025, 7, 1, 6, 0, tzinfo=dt.UTC)
    assert cap.format_time(dt.datetime(2025, 1, 1, tzinfo=BEIJING)) == "2025-01-01T00:00:00+08:00"


def test_model_refuses_what_the_schema_cannot_express() -> None:
    with pytest.raises(CapError, match="time must be timezone-aware"):
        rainstorm(sent=dt.datetime(2025, 7, 1, 14, 0))  # noqa: DTZ001
    with pytest.raises(CapError, match="'restriction': required when scope is Restricted"):
        rainstorm(scope="Restricted")
    with pytest.raises(CapError, match="'addresses': required when scope is Private"):
        rainstorm(scope="Private")
    with pytest.raises(CapError, match=r"'identifier'.*without spaces"):
        rainstorm(identifier="a b")
    with pytest.raises(CapError, match="'severity': 'Huge' is not one of"):
        Info(categories=("Met",), event="x", urgency="Past", severity="Huge", certainty="Likely")
    with pytest.raises(CapError, match="'ceiling': may only be used together with 'altitude'"):
        Area(area_desc="x", ceiling=10.0)


def test_to_xml_refuses_a_value_the_schema_rejects() -> None:
    bad = rainstorm(
        infos=(
            Info(
                language="zh_CN",
                categories=("Met",),
                event="x",
                urgency="Past",
                severity="Minor",
                certainty="Likely",
            ),
        )
    )
    with pytest.raises(CapError, match="element 'language'"):
        cap.to_xml(bad)


def test_references_parse_and_reject_broken_triples() -> None:
    text = "a@b,ID-1,2025-07-01T14:00:00+08:00 c,ID-2,2025-07-01T06:00:00-00:00"
    refs = cap.parse_references(text)
    assert [r.identifier for r in refs] == ["ID-1", "ID-2"]
    assert cap.format_references(refs) == text
    with pytest.raises(CapError, match="not a sender,identifier,sent triple"):
        cap.parse_references("a@b,ID-1")


# --- hostile input -----------------------------------------------------------------------

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE alert [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&xxe;</identifier></alert>"""

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><note>&lol9;</note></alert>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE alert SYSTEM "http://attacker.example/cap.dtd">
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"/>"""

PADDED = GOOD.replace(b"</alert>", b"<!--" + b"x" * (5 * 1024 * 1024) + b"--></alert>")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (XXE, "XML entities are not allowed (possible XXE / billion laughs)"),
        (LAUGHS, "XML entities are not allowed (possible XXE / billion laughs)"),
        (EXTERNAL_DTD, "a DOCTYPE (DTD) is not allowed in CAP"),
        (PADDED, "the limit is 1,048,576"),
        (b"this is not XML at all", "not well-formed XML"),
        (
            b"<alert xmlns='urn:oasis:names:tc:emergency:cap:1.2'><identifier>",
            "not well-formed XML",
        ),
        (b"", "document is empty"),
        (b"\xff\xfe\x00garbage", "not well-formed XML"),
        (b'<alert xmlns="urn:example:not-cap"/>', "expected <alert> in namespace urn:oasis"),
        (b'<feed xmlns="urn:oasis:names:tc:emergency:cap:1.2"/>', "root element is"),
        (
            GOOD.replace(NS.encode(), b"urn:oasis:names:tc:emergency:cap:1.1"),
            "CAP 1.1 is not accepted",
        ),
        ("<alert/>", "CAP input must be bytes"),
    ],
    ids=[
        "xxe",
        "billion-laughs",
        "external-dtd",
        "5MB",
        "not-xml",
        "truncated",
        "empty",
        "binary",
        "wrong-namespace",
        "wrong-root",
        "cap-1.1",
        "str",
    ],
)
def test_hostile_or_foreign_input_is_refused_with_one_line(data: bytes, message: str) -> None:
    with pytest.raises(CapError) as caught:
        cap.from_xml(data)
    text = str(caught.value)
    assert message in text
    assert "\n" not in text
    assert "root:" not in text  # nothing of /etc/passwd leaks into the message


# --- identifiers -------------------------------------------------------------------------


def test_make_identifier_writes_beijing_time_and_defaults() -> None:
    utc = dt.datetime(2025, 5, 5, 6, 10, 44, tzinfo=dt.UTC)
    text = cap.make_identifier("441204", "416", utc)
    assert text == "44120441600000_20250505141044_0"
    assert len(text) == 31
    assert cap.make_identifier(
        "330106000000", "416", utc, unit_code="012", extension="01", sequence=7
    ) == ("33010641601201_20250505141044_7")


def test_parse_identifier_reads_the_cma_example() -> None:
    # STANDARDS.md §10: weather.cma.cn/web/alarm/44120441600000_20250505141044.html (no _N)
    parsed = cap.parse_identifier("44120441600000_20250505141044", require_sequence=False)
    assert (parsed.region_code, parsed.org_code, parsed.unit_code, parsed.extension) == (
        "441204",
        "416",
        "000",
        "00",
    )
    assert parsed.time == dt.datetime(2025, 5, 5, 14, 10, 44, tzinfo=BEIJING)
    assert parsed.sequence is None
    full = cap.parse_identifier("44120441600000_20250505141044_3")
    assert full.sequence == 3
    assert str(full) == "44120441600000_20250505141044_3"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("44120441600000_20250505141044", "the '_N' sequence digit is missing"),
        ("4412044160000_20250505141044_0", "the code part must be 14 digits"),
        ("44120441600A00_20250505141044_0", "the code part must be 14 digits"),
        ("44120441600000_2025050514104_0", "the time part must be YYYYMMDDhhmmss"),
        ("44120441600000_20250230141044_0", "is not a real date and time"),
        ("44120441600000_20250505141044_10", "the sequence must be one digit"),
        ("44120441600000-20250505141044-0", "two '_' separators"),
        ("４４120441600000_20250505141044_0", "the code part must be 14 digits"),
    ],
)
def test_bad_identifiers_are_rejected_naming_the_part(text: str, message: str) -> None:
    with pytest.raises(CapError, match=re.escape(message)):
        cap.parse_identifier(text)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"region_code": "33"}, "region code"),
        ({"region_code": "330106001000"}, "region code"),
        ({"org_code": "41"}, "organisation code"),
        ({"sequence": 10}, "sequence must be a digit"),
        ({"time": dt.datetime(2025, 1, 1)}, "timezone-aware"),  # noqa: DTZ001
    ],
)
def test_make_identifier_rejects_bad_parts(kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {"region_code": "330100", "org_code": "416", "time": SENT}
    args.update(kwargs)
    with pytest.raises(CapError, match=message):
        cap.make_identifier(**args)  # type: ignore[arg-type]


# --- colour ↔ severity -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "colour", "zh", "severity"),
    [
        (0, "blue", "蓝", Severity.MINOR),
        (1, "yellow", "黄", Severity.MODERATE),
        (2, "orange", "橙", Severity.SEVERE),
        (3, "red", "红", Severity.EXTREME),
    ],
)
def test_signal_level_maps_to_cap_severity(
    level: int, colour: str, zh: str, severity: Severity
) -> None:
    assert cap.severity_for_level(level) is severity
    assert cap.severity_for_level(colour) is severity
    assert cap.severity_for_level(zh) is severity
    assert cap.level_for_severity(severity) == level
    assert cap.level_for_severity(str(severity)) == level


def test_ungraded_is_unknown_and_bad_levels_fail() -> None:
    assert cap.severity_for_level(None) is Severity.UNKNOWN
    assert cap.level_for_severity("Unknown") is None
    for bad in (4, -1, "purple", True):
        with pytest.raises(CapError):
            cap.severity_for_level(bad)  # type: ignore[arg-type]
    with pytest.raises(CapError, match="'Huge' is not one of"):
        cap.level_for_severity("Huge")


# --- signing -----------------------------------------------------------------------------


def _key_and_cert(common_name: str) -> tuple[bytes, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return key_pem, cert.public_bytes(serialization.Encoding.PEM)


@pytest.fixture(scope="module")
def issuer() -> tuple[bytes, bytes]:
    return _key_and_cert("浙江省突发事件预警信息发布中心 (test)")


@pytest.fixture(scope="module")
def signed(issuer: tuple[bytes, bytes]) -> bytes:
    key_pem, cert_pem = issuer
    return cap.sign(cap.to_xml(ORIGINAL), key_pem, cert_pem)


def test_signed_alert_verifies_and_reads_back(signed: bytes, issuer: tuple[bytes, bytes]) -> None:
    content = cap.verify(signed, issuer[1])
    assert cap.from_xml(content) == ORIGINAL
    assert b"Signature" not in content


def test_signature_is_the_last_child_and_still_schema_valid(signed: bytes) -> None:
    root = etree.fromstring(signed)
    assert root[-1].tag == "{http://www.w3.org/2000/09/xmldsig#}Signature"
    assert root.find(".//{http://www.w3.org/2000/09/xmldsig#}SignatureMethod").get("Algorithm") == (
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
    )
    official_schema().assertValid(root)
    assert cap.from_xml(signed) == ORIGINAL


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (b"<severity>Severe</severity>", b"<severity>Minor</severity>"),
        ("暴雨".encode(), "大风".encode()),
    ],
)
def test_tampered_signed_alert_fails(
    signed: bytes, issuer: tuple[bytes, bytes], old: bytes, new: bytes
) -> None:
    assert old in signed
    with pytest.raises(CapError, match="signature verification failed"):
        cap.verify(signed.replace(old, new, 1), issuer[1])


def test_other_key_or_no_signature_fails(signed: bytes, issuer: tuple[bytes, bytes]) -> None:
    _, other_cert = _key_and_cert("someone else")
    with pytest.raises(CapError, match="signature verification failed"):
        cap.verify(signed, other_cert)
    with pytest.raises(CapError, match="signature verification failed"):
        cap.verify(cap.to_xml(ORIGINAL), issuer[1])
    with pytest.raises(CapError, match="XML entities are not allowed"):
        cap.verify(XXE, issuer[1])


def test_text_with_cdata_and_comments_reads_as_its_characters() -> None:
    data = (DATA / "zj-rainstorm-orange.xml").read_bytes()
    mixed = data.replace(
        "<event>暴雨</event>".encode(), "<event>暴<!-- 注 -->雨<![CDATA[&]]></event>".encode()
    )
    assert cap.from_xml(mixed).infos[0].event == "暴雨&"
