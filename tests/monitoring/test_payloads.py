"""The batch parser HTTP and MQTT share: malformed, hostile and oversized payloads are refused
with a clear reason (never a crash), and both formats give the same rows."""

from __future__ import annotations

import json

import pytest

from yingji.core.errors import InvalidInput
from yingji.monitoring.payloads import (
    MAX_BYTES,
    MAX_FIELD,
    MAX_ROWS,
    TooLarge,
    UnsupportedType,
    parse,
    parse_payload,
    sniff,
)

TS = "2024-07-01T08:00:00+08:00"


def test_json_and_csv_give_the_same_rows():
    as_json = json.dumps({"readings": [["R1", TS, "1.5"], ["R2", TS, "0"]]}).encode()
    as_csv = f"\ufeffSensor, TS ,value\r\nR1,{TS},1.5\r\n\r\nR2,{TS},0\r\n".encode()
    assert parse_payload(as_json) == parse_payload(as_csv) == [["R1", TS, "1.5"], ["R2", TS, "0"]]
    objects = {"readings": [{"sensor": "R1", "ts": TS, "value": 1.5}]}
    assert parse(json.dumps(objects).encode(), "application/json") == objects["readings"]


@pytest.mark.parametrize(
    ("payload", "kind"),
    [
        (b'{"readings": []}', "application/json"),
        (b"  \n[1, 2]", "application/json"),
        (b"\xef\xbb\xbf{", "application/json"),
        (b"sensor,ts,value\n", "text/csv"),
        (b"", "text/csv"),
        (b"hello", "text/csv"),
    ],
)
def test_a_payload_without_content_type_is_sniffed(payload, kind):
    assert sniff(payload) == kind


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"{", "not valid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "not valid JSON"),  # nesting: RecursionError
        (b'[{"sensor": "R1", "ts": "x", "value": 1}]', 'Send {"readings"'),
        (b'{"readings": [], "extra": 1}', 'Send {"readings"'),
        (b'{"readings": {"sensor": "R1"}}', "readings must be a list"),
        (b'{"readings": []}', "no readings"),
        (b"sensor,ts,value\n\n\n", "no readings"),
        (b"ts,value\n1,2\n", "header sensor,ts,value"),
        (b"", "header sensor,ts,value"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "NUL"),
        (b"sensor,ts,value\n\xff\xfe,1,2\n", "not UTF-8"),
        (b"sensor,ts,value\nR1,1," + b"9" * 200_000 + b"\n", "Unreadable CSV at line 2"),
    ],
)
def test_unreadable_payloads_name_the_problem(payload, message):
    with pytest.raises(InvalidInput) as caught:
        parse_payload(payload)
    assert message in caught.value.message
    assert caught.value.status == 422


def test_oversized_payloads_are_refused_before_parsing():
    with pytest.raises(TooLarge) as caught:
        parse_payload(b"sensor,ts,value\n" + b"R1,1,1\n" * (MAX_BYTES // 7))
    assert caught.value.status == 413 and "MB" in caught.value.message
    rows = json.dumps({"readings": [["R1", TS, 1]] * (MAX_ROWS + 1)}).encode()
    assert len(rows) < MAX_BYTES
    with pytest.raises(TooLarge, match="50,000"):
        parse_payload(rows)


def test_hostile_fields_are_cut_not_trusted():
    text = f'sensor,ts,value\n{"A" * 100_000},{TS},=1+1\nR1,{TS},1,extra\nR2,"{TS}\n'
    rows = parse_payload(text.encode())
    assert len(rows[0][0]) == MAX_FIELD
    assert rows[0][2] == "=1+1"  # kept as text: ingest reports it as not a number
    assert rows[1] == ["R1", TS, "1", "extra"]  # ingest reports the wrong field count
    assert rows[2] == ["R2", TS]  # an unterminated quote ends the row: 2 fields, reported


def test_an_unknown_content_type_is_415():
    with pytest.raises(UnsupportedType) as caught:
        parse(b"R1,1,1", "text/plain")
    assert caught.value.status == 415
