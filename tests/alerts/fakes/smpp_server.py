"""A minimal SMPP 3.4 SMSC over TCP, written from the specification (not with smpplib, so the
adapter is checked against an independent reading of the protocol).

PDU header: command_length, command_id, command_status, sequence_number (four big-endian
uint32). Handled: bind_transceiver (password checked), submit_sm (only when bound),
enquire_link, unbind; anything else gets generic_nack ESME_RINVCMDID. Submitted parts are
decoded (data_coding 0x00 GSM-7 unpacked, 0x08 UCS-2) and concatenated parts reassembled by
their UDH reference; a part whose vendor TLV 0x1401 (the sender's message id) and sequence
were seen before is answered with the same message_id and not delivered again.

Test levers: ``invalid`` numbers (ESME_RINVDSTADR), ``throttle_next(n)`` (ESME_RTHROTTLED),
``drop_after`` submits (close the connection without answering), ``receipts`` (send a
deliver_sm delivery receipt after each accepted part), ``enquire_first`` (the SMSC sends an
enquire_link before its first submit_sm_resp), ``garbage`` (raw bytes sent instead of the
first submit_sm_resp, then the connection is held open).
"""

from __future__ import annotations

import socketserver
import struct
import threading
from dataclasses import dataclass
from typing import Any

from smpplib.gsm import GSM_CHARACTER_TABLE

BIND_TRANSCEIVER, BIND_TRANSCEIVER_RESP = 0x00000009, 0x80000009
SUBMIT_SM, SUBMIT_SM_RESP = 0x00000004, 0x80000004
DELIVER_SM, DELIVER_SM_RESP = 0x00000005, 0x80000005
ENQUIRE_LINK, ENQUIRE_LINK_RESP = 0x00000015, 0x80000015
UNBIND, UNBIND_RESP = 0x00000006, 0x80000006
GENERIC_NACK = 0x80000000
ESME_RINVCMDID, ESME_RINVBNDSTS, ESME_RINVDSTADR = 0x03, 0x04, 0x0B
ESME_RINVPASWD, ESME_RTHROTTLED, ESME_RINVCMDLEN = 0x0E, 0x58, 0x02
YINGJI_ID_TAG = 0x1401
USER_MESSAGE_REFERENCE = 0x0204
PASSWORD = "secret"


@dataclass(frozen=True)
class Submitted:
    """One complete message as the handset shows it."""

    destination: str
    text: str
    parts: int
    data_coding: int
    yingji_id: str
    user_message_reference: int | None


def _cstring(body: bytes, pos: int) -> tuple[str, int]:
    end = body.index(b"\x00", pos)
    return body[pos:end].decode("latin-1"), end + 1


def _decode(data: bytes, coding: int) -> str:
    if coding == 0x08:
        return data.decode("utf-16-be")
    chars, escape = [], False
    for octet in data:
        if escape:
            chars.append(GSM_CHARACTER_TABLE[0x80 + octet])
            escape = False
        elif octet == 0x1B:
            escape = True
        else:
            chars.append(GSM_CHARACTER_TABLE[octet])
    return "".join(chars)


def parse_submit(body: bytes) -> dict[str, Any]:
    """The fields of a submit_sm body (SMPP 3.4 §4.4.1), TLVs by tag."""
    fields: dict[str, Any] = {}
    pos = 0
    fields["service_type"], pos = _cstring(body, pos)
    fields["source_addr_ton"], fields["source_addr_npi"] = body[pos], body[pos + 1]
    fields["source_addr"], pos = _cstring(body, pos + 2)
    fields["dest_addr_ton"], fields["dest_addr_npi"] = body[pos], body[pos + 1]
    fields["destination_addr"], pos = _cstring(body, pos + 2)
    fields["esm_class"], fields["protocol_id"], fields["priority_flag"] = body[pos : pos + 3]
    fields["schedule_delivery_time"], pos = _cstring(body, pos + 3)
    fields["validity_period"], pos = _cstring(body, pos)
    (
        fields["registered_delivery"],
        fields["replace_if_present_flag"],
        fields["data_coding"],
        fields["sm_default_msg_id"],
        sm_length,
    ) = body[pos : pos + 5]
    pos += 5
    fields["short_message"] = body[pos : pos + sm_length]
    pos += sm_length
    tlvs: dict[int, bytes] = {}
    while pos + 4 <= len(body):
        tag, length = struct.unpack(">HH", body[pos : pos + 4])
        tlvs[tag] = body[pos + 4 : pos + 4 + length]
        pos += 4 + length
    fields["tlvs"] = tlvs
    return fields


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        smsc = self.server.smsc
        bound = False
        while True:
            head = self._recv(16)
            if head is None:
                return
            length, command, _status, sequence = struct.unpack(">LLLL", head)
            if not 16 <= length <= 65536:
                self._send(GENERIC_NACK, ESME_RINVCMDLEN, sequence)
                return
            body = self._recv(length - 16) if length > 16 else b""
            if body is None:
                return
            if command == BIND_TRANSCEIVER:
                system_id, pos = _cstring(body, 0)
                password, _ = _cstring(body, pos)
                bound = (system_id, password) == (smsc.system_id, smsc.password)
                status = 0 if bound else ESME_RINVPASWD
                self._send(BIND_TRANSCEIVER_RESP, status, sequence, b"FAKESMSC\x00")
            elif command == ENQUIRE_LINK:
                self._send(ENQUIRE_LINK_RESP, 0, sequence)
            elif command == UNBIND:
                self._send(UNBIND_RESP, 0, sequence)
                return
            elif command in {ENQUIRE_LINK_RESP, DELIVER_SM_RESP}:
                smsc.note_response(command)
            elif command == SUBMIT_SM:
                if not self._submit(body, sequence, bound=bound):
                    return
            else:
                self._send(GENERIC_NACK, ESME_RINVCMDID, sequence)

    def _submit(self, body: bytes, sequence: int, *, bound: bool) -> bool:
        """Answer one submit_sm; False when the SMSC is told to drop the connection."""
        smsc = self.server.smsc
        if not bound:
            self._send(SUBMIT_SM_RESP, ESME_RINVBNDSTS, sequence, b"\x00")
            return True
        if smsc.garbage:
            self.request.sendall(smsc.garbage)
            smsc.release.wait(10)
            return False
        outcome = smsc.submit(parse_submit(body))
        if outcome is None:
            return False
        status, message_id, receipt = outcome
        if smsc.enquire_first and not smsc.enquired:
            smsc.enquired = True
            self._send(ENQUIRE_LINK, 0, 0x7FFF0001)
        self._send(SUBMIT_SM_RESP, status, sequence, message_id.encode() + b"\x00")
        if receipt:
            self._send(DELIVER_SM, 0, 0x7FFF0000 + smsc.submits, receipt)
        return True

    def _recv(self, size: int) -> bytes | None:
        data = b""
        while len(data) < size:
            chunk = self.request.recv(size - len(data))
            if not chunk:
                return None
            data += chunk
        return data

    def _send(self, command: int, status: int, sequence: int, body: bytes = b"") -> None:
        self.request.sendall(struct.pack(">LLLL", 16 + len(body), command, status, sequence) + body)


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    smsc: FakeSmsc


class FakeSmsc:
    def __init__(self, system_id: str = "yingji", password: str = PASSWORD) -> None:
        self.system_id, self.password = system_id, password
        self.lock = threading.Condition()
        self.invalid: set[str] = set()
        self.throttle = 0
        self.drop_after: int | None = None
        self.receipts = False
        self.enquire_first = False
        self.enquired = False
        self.garbage = b""
        self.release = threading.Event()
        self.submits = 0  # submit_sm PDUs received
        self.pdus: list[dict[str, Any]] = []  # every submit_sm, parsed
        self.message_ids: dict[tuple[str, int], str] = {}  # (yingji id, part) → message_id
        self.partial: dict[tuple[str, int, int], dict[int, str]] = {}
        self.delivered: list[Submitted] = []
        self.responses: list[int] = []
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.smsc = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def __enter__(self) -> FakeSmsc:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def throttle_next(self, count: int) -> None:
        with self.lock:
            self.throttle += count

    def wait_for(self, predicate: Any, timeout: float = 5) -> bool:
        with self.lock:
            return bool(self.lock.wait_for(predicate, timeout))

    def note_response(self, command: int) -> None:
        with self.lock:
            self.responses.append(command)
            self.lock.notify_all()

    def submit(self, pdu: dict[str, Any]) -> tuple[int, str, bytes] | None:
        with self.lock:
            self.submits += 1
            self.pdus.append(pdu)
            if self.drop_after is not None and self.submits > self.drop_after:
                return None
            destination = pdu["destination_addr"]
            if destination in self.invalid:
                return ESME_RINVDSTADR, "", b""
            if self.throttle:
                self.throttle -= 1
                return ESME_RTHROTTLED, "", b""
            data, coding = pdu["short_message"], pdu["data_coding"]
            concat = (0, 1, 1)
            if pdu["esm_class"] & 0x40:
                header_len = data[0]
                header, data = data[1 : header_len + 1], data[header_len + 1 :]
                if header[:2] == b"\x00\x03":
                    concat = (header[2], header[3], header[4])
            yingji_id = pdu["tlvs"].get(YINGJI_ID_TAG, b"").decode()
            key = (yingji_id, concat[2])
            if yingji_id and key in self.message_ids:  # a resend: same id, no delivery
                return 0, self.message_ids[key], b""
            message_id = f"M{len(self.message_ids) + 1:05d}"
            if yingji_id:
                self.message_ids[key] = message_id
            self._assemble(pdu, concat, _decode(data, coding), yingji_id)
            receipt = b""
            if self.receipts:
                text = f"id:{message_id} sub:001 dlvrd:001 stat:DELIVRD err:000 text:"
                receipt = _deliver_sm_body(destination, text.encode())
            return 0, message_id, receipt

    def _assemble(
        self, pdu: dict[str, Any], concat: tuple[int, int, int], text: str, yingji_id: str
    ) -> None:
        reference, total, sequence = concat
        key = (pdu["destination_addr"], reference, total)
        parts = self.partial.setdefault(key, {})
        parts[sequence] = text
        if len(parts) < total:
            return
        del self.partial[key]
        umr = pdu["tlvs"].get(USER_MESSAGE_REFERENCE)
        self.delivered.append(
            Submitted(
                destination=pdu["destination_addr"],
                text="".join(parts[i] for i in sorted(parts)),
                parts=total,
                data_coding=pdu["data_coding"],
                yingji_id=yingji_id,
                user_message_reference=int.from_bytes(umr, "big") if umr else None,
            )
        )
        self.lock.notify_all()


def _deliver_sm_body(destination: str, text: bytes) -> bytes:
    """A delivery receipt: deliver_sm from the handset back to the ESME, esm_class 0x04."""
    return (
        b"\x00"  # service_type
        + b"\x01\x01"
        + destination.encode()
        + b"\x00"  # source: the handset
        + b"\x00\x00"
        + b"\x00"  # destination: the ESME
        + bytes((0x04, 0, 0))
        + b"\x00"
        + b"\x00"  # esm_class receipt, pid, priority, times
        + bytes((0, 0, 0, 0, len(text)))
        + text
    )
