"""SMS text by carrier limits: encoding, segmentation and concatenation headers.

One SMS carries 140 octets of user data. Text that fits the GSM 03.38 default alphabet goes
as GSM-7 (160 septets; the extension characters ``^{}[]~\\|€`` and form feed take two, an
escape and the character); anything else goes as UCS-2 (70 UTF-16 code units; a character
outside the Basic Multilingual Plane, such as an emoji, takes a surrogate pair, two units).
A longer message is sent as concatenated parts, each carrying a 6-octet user-data header
(IEI 0x00, 8-bit reference), which leaves 153 septets or 67 UCS-2 units per part. Parts are
cut between characters, never inside a surrogate pair or an escape sequence, so a part may
be shorter than the maximum. Gateways that cannot concatenate get plain-text numbered parts,
``(1/3)…``, each a single SMS on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Encoding = Literal["gsm7", "ucs2"]

# GSM 03.38 default alphabet, indexed by septet value.
GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table: character → septet sent after the 0x1B escape.
GSM7_EXTENSION = {
    "\f": 0x0A,
    "^": 0x14,
    "{": 0x28,
    "}": 0x29,
    "\\": 0x2F,
    "[": 0x3C,
    "~": 0x3D,
    "]": 0x3E,
    "|": 0x40,
    "€": 0x65,
}
_GSM7_INDEX = {c: i for i, c in enumerate(GSM7_BASIC) if c != "\x1b"}

UDH_LENGTH = 6  # octets: UDHL, IEI 0x00, IEDL 3, reference, total, sequence
LIMITS: dict[Encoding, tuple[int, int]] = {
    # encoding: (units in a single SMS, units per concatenated part)
    "gsm7": (160, 153),
    "ucs2": (70, 67),
}
DATA_CODING: dict[Encoding, int] = {"gsm7": 0x00, "ucs2": 0x08}  # SMPP data_coding
MAX_PARTS = 255  # the concatenation header counts parts in one octet


class MessageTooLong(ValueError):
    """The text needs more than 255 parts."""


def is_gsm7(text: str) -> bool:
    """True if every character is in the GSM default alphabet or its extension table."""
    return all(c in _GSM7_INDEX or c in GSM7_EXTENSION for c in text)


def encoding_for(text: str) -> Encoding:
    return "gsm7" if is_gsm7(text) else "ucs2"


def _unit_cost(char: str, encoding: Encoding) -> int:
    if encoding == "gsm7":
        return 2 if char in GSM7_EXTENSION else 1
    return 2 if ord(char) > 0xFFFF else 1


def units(text: str, encoding: Encoding | None = None) -> int:
    """Length in septets (GSM-7) or UTF-16 code units (UCS-2)."""
    enc = encoding or encoding_for(text)
    return sum(_unit_cost(c, enc) for c in text)


def _cut(text: str, encoding: Encoding, size: int) -> list[str]:
    """Greedy cut into pieces of at most ``size`` units, only between characters."""
    pieces: list[str] = []
    current: list[str] = []
    used = 0
    for char in text:
        cost = _unit_cost(char, encoding)
        if used + cost > size:
            pieces.append("".join(current))
            current, used = [], 0
        current.append(char)
        used += cost
    if current or not pieces:
        pieces.append("".join(current))
    return pieces


def segments(text: str, encoding: Encoding | None = None) -> list[str]:
    """The text of each SMS part, as the handset will join them (concatenated SMS).

    ``encoding`` forces one (``"ucs2"`` for an SMSC that takes nothing else); by default the
    text chooses: GSM-7 if the alphabet holds it."""
    encoding = encoding or encoding_for(text)
    if encoding == "gsm7" and not is_gsm7(text):
        raise ValueError("text has characters outside the GSM 7-bit alphabet")
    single, part = LIMITS[encoding]
    if units(text, encoding) <= single:
        return [text]
    pieces = _cut(text, encoding, part)
    if len(pieces) > MAX_PARTS:
        raise MessageTooLong(f"{len(pieces)} parts; at most {MAX_PARTS}")
    return pieces


def segment_count(text: str) -> int:
    """How many SMS the carrier bills for this text."""
    return len(segments(text))


def numbered_parts(text: str, limit: int | None = None) -> list[str]:
    """Split into separate messages prefixed ``(i/n)``, each within one SMS.

    For gateways that send every part as an independent SMS (no concatenation header), so the
    reader can put them in order. ``limit`` defaults to one SMS of the text's encoding.
    """
    encoding = encoding_for(text)
    size = limit or LIMITS[encoding][0]
    if units(text, encoding) <= size:
        return [text]
    total = 2
    while True:  # the prefix grows with the number of digits in the total
        room = size - len(f"({total}/{total})")
        if room <= 0:
            raise MessageTooLong(f"limit {size} leaves no room after the part numbers")
        pieces = _cut(text, encoding, room)
        if len(pieces) <= total:
            break
        total = len(pieces)
    return [f"({i}/{len(pieces)}){p}" for i, p in enumerate(pieces, start=1)]


def encode(text: str, encoding: Encoding) -> bytes:
    """User data bytes: GSM-7 as unpacked septets (one per octet, as SMPP carries them),
    UCS-2 as UTF-16 big-endian."""
    if encoding == "ucs2":
        return text.encode("utf-16-be")
    out = bytearray()
    for char in text:
        if char in GSM7_EXTENSION:
            out += bytes((0x1B, GSM7_EXTENSION[char]))
        else:
            out.append(_GSM7_INDEX[char])
    return bytes(out)


def decode(data: bytes, encoding: Encoding) -> str:
    """The inverse of :func:`encode` (used by fakes and delivery reports)."""
    if encoding == "ucs2":
        return data.decode("utf-16-be")
    reverse_ext = {v: k for k, v in GSM7_EXTENSION.items()}
    chars: list[str] = []
    escape = False
    for octet in data:
        if escape:
            chars.append(reverse_ext.get(octet, " "))
            escape = False
        elif octet == 0x1B:
            escape = True
        else:
            chars.append(GSM7_BASIC[octet & 0x7F])
    return "".join(chars)


def udh(reference: int, total: int, sequence: int) -> bytes:
    """The concatenation user-data header (3GPP TS 23.040 §9.2.3.24.1, 8-bit reference)."""
    return bytes((0x05, 0x00, 0x03, reference & 0xFF, total, sequence))


@dataclass(frozen=True)
class Part:
    """One submit: its user data (header included) and whether the UDHI flag must be set."""

    data: bytes
    udhi: bool
    data_coding: int


def binary_parts(text: str, reference: int, encoding: Encoding | None = None) -> list[Part]:
    """The octets to submit for each part; ``reference`` ties the parts together (derive it
    from the message id so that a resend produces identical parts)."""
    encoding = encoding or encoding_for(text)
    pieces = segments(text, encoding)
    coding = DATA_CODING[encoding]
    if len(pieces) == 1:
        return [Part(encode(text, encoding), udhi=False, data_coding=coding)]
    return [
        Part(udh(reference, len(pieces), i) + encode(p, encoding), udhi=True, data_coding=coding)
        for i, p in enumerate(pieces, start=1)
    ]


def parse_udh(data: bytes) -> tuple[tuple[int, int, int] | None, bytes]:
    """Split user data with the UDHI flag into ((reference, total, sequence) | None, payload).

    Understands the 8-bit (IEI 0x00) and 16-bit (IEI 0x08) concatenation elements and skips
    any other element. Raises ValueError on a header that overruns the data.
    """
    if not data:
        raise ValueError("empty user data with a header flag")
    header_len = data[0]
    if header_len + 1 > len(data):
        raise ValueError("user data header longer than the data")
    header, payload = data[1 : header_len + 1], data[header_len + 1 :]
    concat: tuple[int, int, int] | None = None
    pos = 0
    while pos + 2 <= len(header):
        iei, length = header[pos], header[pos + 1]
        value = header[pos + 2 : pos + 2 + length]
        if len(value) != length:
            raise ValueError("truncated information element")
        if iei == 0x00 and length == 3:
            concat = (value[0], value[1], value[2])
        elif iei == 0x08 and length == 4:
            concat = ((value[0] << 8) | value[1], value[2], value[3])
        pos += 2 + length
    return concat, payload
