"""CAP 1.2 out and in: an issued warning exports as a schema-valid Actual alert and reads back
into an equal draft; a draft exports as Draft; an Update references what it replaces; a
hostile or invalid file is refused with its reason and creates nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.alerts.conftest import through
from tests.kernels.test_cap import _key_and_cert
from yingji.alerts import capio, services
from yingji.alerts.models import MsgType, Source, State, Warning
from yingji.core.errors import InvalidInput
from yingji.kernels import cap

NOW = timezone.now().replace(microsecond=0)


def draft(actor, **changes):
    data = {
        "event_type": "rainstorm", "level": 2, "urgency": "Immediate", "certainty": "Likely",
        "headline": "西湖区暴雨橙色预警",
        "description": "预计未来3小时西湖区降雨量将达50毫米以上。",
        "instruction": "停止户外作业。", "headline_en": "Rainstorm orange warning for Xihu",
        "description_en": "Over 50 mm of rain expected within 3 hours.",
        "onset": NOW.isoformat(), "expires": (NOW + dt.timedelta(hours=6)).isoformat(),
        "areas": [
            {"region": "330106", "description": "西湖区"},
            {"description": "西溪湿地", "polygon": [[30.27, 120.06], [30.28, 120.08],
                                                   [30.26, 120.09], [30.27, 120.06]]},
            {"description": "龙井村周边", "circle": [30.22, 120.13, 2.5]},
        ],
    }  # fmt: skip
    data.update(changes)
    return services.create_draft(actor, data)


def test_issued_warning_exports_and_round_trips(people):
    issued = through(draft(people["duty"]), people)
    xml = capio.to_xml(issued)
    alert = cap.from_xml(xml)  # schema-validated on the way in too
    assert alert.status is cap.Status.ACTUAL and alert.identifier == issued.identifier
    assert alert.sender == "yingji@330106"
    zh, en = alert.infos
    assert (zh.language, en.language) == ("zh-CN", "en-US")
    assert zh.event == "暴雨" and zh.severity is cap.Severity.SEVERE
    assert zh.event_codes == (("GB/T 35561", "11B03"),)
    assert zh.areas[0].geocodes == (("GB/T 2260", "330106"),)
    assert zh.areas[2].circles == (cap.Circle(30.22, 120.13, 2.5),)

    copy = capio.from_cap(people["duty"], xml)
    assert copy.state == State.DRAFT and copy.source == Source.CAP
    assert copy.source_cap.startswith("<?xml")
    for name in ("event_type", "level", "urgency", "certainty", "headline", "description",
                 "instruction", "headline_en", "description_en", "expires"):  # fmt: skip
        assert getattr(copy, name) == getattr(issued, name), name
    shapes = [(a.region_id, a.polygon, a.circle) for a in copy.areas.order_by("pk")]
    assert shapes == [(a.region_id, a.polygon, a.circle) for a in issued.areas.order_by("pk")]


def test_draft_exports_with_status_draft(people):
    warning = draft(people["duty"], headline_en="", description_en="")
    alert = cap.from_xml(capio.to_xml(warning))
    assert alert.status is cap.Status.DRAFT
    assert len(alert.infos) == 1 and alert.identifier.startswith("yingji-draft-")


def test_update_carries_references(people):
    first = through(draft(people["duty"]), people)
    update = services.start_replacement(people["duty"], first.pk, MsgType.UPDATE)
    update = through(update, people)
    alert = cap.from_xml(capio.to_xml(update))
    assert alert.msg_type is cap.MsgType.UPDATE
    assert alert.references == (
        cap.Reference("yingji@330106", first.identifier, first.issued_at.replace(microsecond=0)),
    )
    cancel = services.start_replacement(people["duty"], update.pk, MsgType.CANCEL)
    alert = cap.from_xml(capio.to_xml(cancel))
    assert alert.msg_type is cap.MsgType.CANCEL and alert.status is cap.Status.DRAFT
    assert alert.references[0].identifier == update.identifier


def test_import_keeps_only_areas_in_jurisdiction_and_maps_unknown_events(people):
    issued = through(draft(people["duty"]), people)
    xml = capio.to_xml(issued).replace(
        "<event>暴雨</event>".encode(), "<event>风暴潮</event>".encode()
    )
    xml = xml.replace(b"11B03", b"99X99")
    copy = capio.from_cap(people["binjiang"], xml)
    assert copy.event_type == "other" and copy.region_path == "330108"
    # 西湖区's geocode is not 滨江's to warn: only the polygon and the circle are kept
    assert [a.region_id for a in copy.areas.all()] == [None, None]


BAD = {
    "malformed": (b"<alert><identifier>x</alert>", "not well-formed|mismatch|invalid"),
    "xxe": (
        b'<?xml version="1.0"?><!DOCTYPE alert [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">&xxe;</alert>',
        "DTD|entit",
    ),
    "billion_laughs": (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b"<lolz>&lol2;</lolz>",
        "DTD|entit",
    ),
    "schema_invalid": (
        b'<?xml version="1.0"?><alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">'
        b"<identifier>x</identifier><sender>y</sender></alert>",
        "sent|schema|expected",
    ),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_import_refuses_hostile_and_invalid_files(people, name):
    data, pattern = BAD[name]
    with pytest.raises(InvalidInput, match=f"Not a valid CAP 1.2 message: .*({pattern})"):
        capio.from_cap(people["duty"], data)
    assert not Warning.objects.exists()


def test_import_refuses_unknown_severity_and_foreign_areas(people):
    issued = through(draft(people["duty"]), people)
    xml = capio.to_xml(issued)
    with pytest.raises(InvalidInput, match="severity is Unknown") as caught:
        capio.from_cap(people["duty"], xml.replace(b">Severe<", b">Unknown<"))
    assert caught.value.field == "severity"
    only_region = capio.to_xml(draft(people["duty"], areas=[{"region": "330106"}]))
    with pytest.raises(InvalidInput, match="No area of the CAP message is in your jurisdiction"):
        capio.from_cap(people["binjiang"], only_region)
    assert Warning.objects.count() == 2  # the two made here, nothing imported


def test_export_is_signed_when_a_key_and_certificate_are_configured(people, settings, tmp_path):
    key_pem, cert_pem = _key_and_cert("西湖区预警信息发布中心 (test)")
    (tmp_path / "key.pem").write_bytes(key_pem)
    (tmp_path / "cert.pem").write_bytes(cert_pem)
    settings.WARNING_SIGNING_KEY = str(tmp_path / "key.pem")
    settings.WARNING_SIGNING_CERT = str(tmp_path / "cert.pem")
    issued = through(draft(people["duty"]), people)
    signed = capio.to_xml(issued)
    assert b"Signature" in signed
    content = cap.verify(signed, cert_pem)
    assert cap.from_xml(content).identifier == issued.identifier
    with pytest.raises(cap.CapError):
        cap.verify(signed.replace("暴雨".encode(), "大风".encode()), cert_pem)
