"""SMS over SMPP 3.4 (smpplib): bind as transceiver, one ``submit_sm`` per SMS part.

Text goes by :mod:`yingji.kernels.sms`: GSM-7 (``data_coding`` 0x00) when the GSM alphabet
holds it, else UCS-2 (0x08); a long text is sent as concatenated parts, each with a user-data
header (``esm_class`` UDHI 0x40) whose reference derives from the outbox id, so a resend is
byte-for-byte the same. Each ``submit_sm`` carries the outbox id twice: in the standard
``user_message_reference`` TLV (its low 16 bits) and, whole, in the vendor TLV 0x1401
(ASCII digits), which an SMSC that deduplicates keys on. Up to ``window`` submits are in
flight; responses are matched by sequence number. ``deliver_sm`` (delivery receipts) and
``enquire_link`` arriving meanwhile are answered, and receipts are kept in ``reports``.

A row's receipt is ok when every part is accepted; ``provider_id`` lists the SMSC message ids
of its parts, comma-separated. Permanent ``command_status`` values (a bad destination, a bad
message) give ``retry=False``; throttling, a full queue, a system error, a refused
connection, a failed bind, a timeout or a dropped connection are transient.

Settings ``CHANNELS["smpp"]``: ``host`` ("localhost"), ``port`` (2775), ``system_id``,
``password``, ``system_type`` (""), ``source_addr`` (""), ``source_addr_ton`` (0),
``source_addr_npi`` (0), ``dest_addr_ton`` (0), ``dest_addr_npi`` (1),
``registered_delivery`` (1: ask for delivery receipts), ``data_coding`` ("auto": GSM-7 when
the text allows, else UCS-2; "ucs2": always UCS-2, for SMSCs that take nothing else),
``window`` (10), ``timeout`` (s, 10),
``rate_per_second`` (50), ``batch_size`` (100).
"""

from __future__ import annotations

import re
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import smpplib.client  # type: ignore[import-untyped]
import smpplib.command  # type: ignore[import-untyped]
import smpplib.exceptions  # type: ignore[import-untyped]
import smpplib.smpp  # type: ignore[import-untyped]
from smpplib.exceptions import UnknownCommandError

from yingji.alerts.channels import _support
from yingji.alerts.channels.base import Outgoing, Receipt
from yingji.kernels import sms

YINGJI_ID_TAG = 0x1401  # SMSC vendor-specific TLV range 0x1400–0x3FFF (SMPP 3.4 §5.3.2)
UDHI = 0x40
PERMANENT = {
    0x01,  # ESME_RINVMSGLEN
    0x0A,  # ESME_RINVSRCADR
    0x0B,  # ESME_RINVDSTADR
    0x43,  # ESME_RINVESMCLASS
    0x48,
    0x49,  # ESME_RINVSRCTON, ESME_RINVSRCNPI
    0x50,
    0x51,  # ESME_RINVDSTTON, ESME_RINVDSTNPI
    0x65,  # ESME_RX_P_APPN: permanent application error
}
MAX_PDU = 64 << 10  # no PDU a client reads is near this; a bigger length is hostile or broken
LINK_ERRORS = (
    smpplib.exceptions.ConnectionError,
    smpplib.exceptions.PDUError,
    smpplib.exceptions.UnknownCommandError,
    OSError,  # includes timeouts
    struct.error,  # smpplib's parsing of a malformed PDU
    ValueError,
    LookupError,
)


_RECEIPT = re.compile(r"\bid:(?P<id>\S+).*?\bstat:(?P<stat>[A-Z]+)(?:.*?\berr:(?P<err>\w+))?", re.S)


def parse_receipt(text: str) -> tuple[str, bool, str] | None:
    """(SMSC message id, delivered, error) from a delivery receipt's text (SMPP 3.4
    Appendix B: ``id:… sub:… dlvrd:… submit date:… done date:… stat:DELIVRD err:000 …``);
    None for a text that is not a receipt."""
    match = _RECEIPT.search(text)
    if match is None:
        return None
    delivered = match["stat"] == "DELIVRD"
    error = "" if delivered else f"{match['stat']} err:{match['err'] or '?'}"
    return match["id"], delivered, error


class _Client(smpplib.client.Client):  # type: ignore[misc]
    """smpplib's client, refusing a PDU length it would otherwise try to allocate and read."""

    def _recv_exact(self, exact_size: int) -> bytes:
        # Called for the 4-byte length, then for the rest (length - 4): at least a header.
        if exact_size != 4 and not 12 <= exact_size <= MAX_PDU:
            raise smpplib.exceptions.PDUError(f"SMSC sent a PDU of {exact_size + 4} bytes")
        return bytes(super()._recv_exact(exact_size))


class _SubmitSM(smpplib.command.SubmitSM):  # type: ignore[misc]
    """submit_sm with the outbox id in a vendor TLV (smpplib knows only standard TLVs)."""

    def __init__(self, outbox_id: int, **kwargs: Any) -> None:
        super().__init__("submit_sm", **kwargs)
        self.outbox_id = outbox_id

    def generate_params(self) -> bytes:
        value = str(self.outbox_id).encode()
        tlv = struct.pack(">HH", YINGJI_ID_TAG, len(value)) + value
        return bytes(super().generate_params()) + tlv


@dataclass
class _Row:
    item: Outgoing
    parts: list[sms.Part]
    ids: list[str] = field(default_factory=list)
    error: str = ""
    retry: bool = True

    def receipt(self) -> Receipt:
        if not self.error and all(self.ids):
            return Receipt(self.item.id, ok=True, provider_id=",".join(self.ids))
        error = self.error or "SMSC did not answer every part"
        return Receipt(self.item.id, ok=False, error=error, retry=self.retry)

    def fail(self, error: str, *, retry: bool = True) -> None:
        if not self.error or (self.retry and not retry):  # a permanent fault wins
            self.error, self.retry = error, retry


class Smpp:
    name = "smpp"

    def __init__(self, config: Mapping[str, Any] | None = None) -> None:
        conf = _support.channel_settings(self.name, config)
        self.host = str(conf.get("host", "localhost"))
        self.port = _support.whole(conf, "port", 2775)
        self.system_id = str(conf.get("system_id", ""))
        self.password = str(conf.get("password", ""))
        self.system_type = str(conf.get("system_type", ""))
        self.source_addr = str(conf.get("source_addr", ""))
        self.addressing = {
            "source_addr_ton": int(conf.get("source_addr_ton", 0)),
            "source_addr_npi": int(conf.get("source_addr_npi", 0)),
            "dest_addr_ton": int(conf.get("dest_addr_ton", 0)),
            "dest_addr_npi": int(conf.get("dest_addr_npi", 1)),
        }
        self.registered_delivery = int(conf.get("registered_delivery", 1))
        coding = str(conf.get("data_coding", "auto"))
        if coding not in {"auto", "ucs2"}:
            raise ValueError('CHANNELS["smpp"]["data_coding"] must be "auto" or "ucs2"')
        self.encoding: sms.Encoding | None = "ucs2" if coding == "ucs2" else None
        self.window = _support.whole(conf, "window", 10)
        self.timeout = _support.number(conf, "timeout", 10)
        self.rate_per_second = _support.number(conf, "rate_per_second", 50)
        self.batch_size = _support.whole(conf, "batch_size", 100)
        self.reports: list[str] = []  # delivery receipt texts seen during the last send()

    def send(self, batch: Sequence[Outgoing]) -> list[Receipt]:
        self.reports = []
        rows: list[_Row] = []
        for item in batch:
            try:
                parts = sms.binary_parts(item.text, reference=item.id, encoding=self.encoding)
                rows.append(_Row(item, parts, ids=[""] * len(parts)))
            except sms.MessageTooLong as exc:
                rows.append(_Row(item, [], error=str(exc), retry=False))
        todo = [(row, k) for row in rows if not row.error for k in range(len(row.parts))]
        if todo:
            self._session(todo)
        return [row.receipt() for row in rows]

    def _session(self, todo: list[tuple[_Row, int]]) -> None:
        client = _Client(
            self.host,
            self.port,
            timeout=self.timeout,
            allow_unknown_opt_params=True,
            # One fixed logger: smpplib's default names one per client, which the logging
            # module keeps forever, a leak in a worker that opens a session per batch.
            logger_name=f"{__name__}.client",
        )
        where = f"SMSC {self.host}:{self.port}"
        try:
            client.connect()
            client.bind_transceiver(
                system_id=self.system_id, password=self.password, system_type=self.system_type
            )
        except LINK_ERRORS as exc:
            client.disconnect()
            for row, _ in todo:
                row.fail(f"{where}: cannot open a session: {_describe(exc)}")
            return
        pending: dict[int, tuple[_Row, int]] = {}
        try:
            for row, k in todo:
                while len(pending) >= self.window:
                    self._read(client, pending)
                pdu = self._submit(client, row, k)
                client.send_pdu(pdu)
                pending[pdu.sequence] = (row, k)
            while pending:
                self._read(client, pending)
        except LINK_ERRORS as exc:
            for row, k in todo:
                if not row.ids[k]:
                    row.fail(f"{where}: {_describe(exc)}")
        else:
            self._unbind(client)
        finally:
            client.disconnect()

    def _unbind(self, client: Any) -> None:
        """Unbind politely, answering receipts that arrive before the unbind_resp. Every row
        is settled by now, so a failure here changes no receipt."""
        try:
            client.send_pdu(smpplib.smpp.make_pdu("unbind", client=client))
            for _ in range(1000):  # a bound on a chatty SMSC
                if self._read(client, {}) == "unbind_resp":
                    return
        except LINK_ERRORS:
            return

    def _submit(self, client: Any, row: _Row, k: int) -> _SubmitSM:
        part = row.parts[k]
        return _SubmitSM(
            row.item.id,
            client=client,
            source_addr=self.source_addr,
            destination_addr=row.item.address,
            esm_class=UDHI if part.udhi else 0,
            data_coding=part.data_coding,
            registered_delivery=self.registered_delivery,
            short_message=part.data,
            user_message_reference=row.item.id & 0xFFFF,
            **self.addressing,
        )

    def _read(self, client: Any, pending: dict[int, tuple[_Row, int]]) -> str:
        """Read one PDU: a response settles a pending submit; requests are answered."""
        pdu = client.read_pdu()
        command = str(pdu.command)
        if command in {"submit_sm_resp", "generic_nack"}:
            row, k = pending.pop(pdu.sequence, (None, 0))
            if row is None:
                return command  # a response to nothing we sent: ignore it
            if pdu.status == 0 and command == "submit_sm_resp":
                row.ids[k] = _text(pdu.message_id)[:65] or "?"
            else:
                status = int(pdu.status)
                row.fail(
                    f"SMSC refused part {k + 1}: {command} status 0x{status:02X}",
                    retry=status not in PERMANENT,
                )
        elif command == "deliver_sm":
            self.reports.append(_text(pdu.short_message or b""))
            answer = smpplib.smpp.make_pdu("deliver_sm_resp", client=client)
            answer.sequence = pdu.sequence
            client.send_pdu(answer)
        elif command == "enquire_link":
            answer = smpplib.smpp.make_pdu("enquire_link_resp", client=client)
            answer.sequence = pdu.sequence
            client.send_pdu(answer)
        elif command == "unbind":
            answer = smpplib.smpp.make_pdu("unbind_resp", client=client)
            answer.sequence = pdu.sequence
            client.send_pdu(answer)
            raise smpplib.exceptions.ConnectionError("SMSC unbound the session")
        return command


def _text(value: bytes | str) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else str(value)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, struct.error | ValueError | LookupError | UnknownCommandError):
        return f"malformed PDU from SMSC ({exc})"
    text = " ".join(str(a) for a in exc.args if isinstance(a, str)) or exc.__class__.__name__
    return text
