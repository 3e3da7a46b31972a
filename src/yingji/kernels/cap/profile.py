"""The Chinese CAP profile (GB/T 35965.1-2018): message identifiers and colour ↔ severity.

Identifier (Annex A, STANDARDS.md §10): ``ZZZZZZDDDUUUXX_YYYYMMDDhhmmss_N``, 31 characters —
ZZZZZZ the GB/T 2260 region code of the issuing body, DDD its organisation/industry code
(GB/T 4657), UUU an internal code (default ``000``), XX an extension (default ``00``), the
entry time in Beijing time, and N (0–9) a sequence for messages of one unit in one second.
CMA pages show the same identifier without ``_N`` (``44120441600000_20250505141044``);
:func:`parse_identifier` accepts that form only when asked to.

Severity: 蓝 (Ⅳ 一般) → Minor, 黄 (Ⅲ 较重) → Moderate, 橙 (Ⅱ 严重) → Severe,
红 (Ⅰ 特别严重) → Extreme, no level (未定级) → Unknown — the mapping seen in 12379-sourced
feeds (STANDARDS.md §10). Level codes 0..3 are those of :data:`yingji.kernels.signals.LEVELS`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

from yingji.kernels.cap.model import CapError, Severity
from yingji.kernels.signals import LEVEL_ZH, LEVELS

__all__ = [
    "BEIJING",
    "LEVEL_SEVERITY",
    "Identifier",
    "level_for_severity",
    "make_identifier",
    "parse_identifier",
    "severity_for_level",
]

BEIJING: Final = dt.timezone(dt.timedelta(hours=8), "CST")
"""China Standard Time; China has kept UTC+8 without daylight saving since 1991."""

LEVEL_SEVERITY: Final = (Severity.MINOR, Severity.MODERATE, Severity.SEVERE, Severity.EXTREME)
"""CAP severity by signal level code 0..3 (蓝, 黄, 橙, 红)."""

_STAMP: Final = "%Y%m%d%H%M%S"


def severity_for_level(level: int | str | None) -> Severity:
    """CAP severity of a signal level: a code 0..3, a colour ("blue") or 蓝/黄/橙/红.

    ``None`` (a warning not graded by colour) is ``Unknown``.
    """
    if level is None:
        return Severity.UNKNOWN
    if isinstance(level, str):
        names = {name: i for i, name in enumerate(LEVELS)}
        names.update({LEVEL_ZH[name]: i for i, name in enumerate(LEVELS)})
        if level not in names:
            raise CapError(f"level {level!r} is not one of {', '.join(names)}")
        level = names[level]
    if isinstance(level, bool) or not 0 <= level < len(LEVEL_SEVERITY):
        raise CapError(f"level {level!r} is not a signal level code 0..3")
    return LEVEL_SEVERITY[level]


def level_for_severity(severity: Severity | str) -> int | None:
    """Signal level code 0..3 of a CAP severity; ``None`` for Unknown."""
    try:
        value = Severity(severity)
    except ValueError:
        raise CapError(f"severity {severity!r} is not one of {', '.join(Severity)}") from None
    return None if value is Severity.UNKNOWN else LEVEL_SEVERITY.index(value)


@dataclass(frozen=True)
class Identifier:
    """The parts of a GB/T 35965.1 identifier."""

    region_code: str
    org_code: str
    unit_code: str
    extension: str
    time: dt.datetime
    sequence: int | None

    def __str__(self) -> str:
        head = f"{self.region_code}{self.org_code}{self.unit_code}{self.extension}"
        stamp = self.time.astimezone(BEIJING).strftime(_STAMP)
        tail = "" if self.sequence is None else f"_{self.sequence}"
        return f"{head}_{stamp}{tail}"


def _digits(value: str, length: int) -> bool:
    return len(value) == length and value.isascii() and value.isdigit()


def make_identifier(
    region_code: str,
    org_code: str,
    time: dt.datetime,
    *,
    unit_code: str = "000",
    extension: str = "00",
    sequence: int = 0,
) -> str:
    """A GB/T 35965.1 identifier; ``time`` (aware) is written in Beijing time.

    >>> make_identifier("330000", "416", dt.datetime(2025, 5, 5, 6, 10, 44, tzinfo=dt.UTC))
    '33000041600000_20250505141044_0'
    """
    code = region_code.strip()
    if _digits(code, 12) and code.endswith("000000"):
        code = code[:6]
    checks = (
        (code, 6, "region code (GB/T 2260) must be 6 digits"),
        (org_code, 3, "organisation code (GB/T 4657) must be 3 digits"),
        (unit_code, 3, "unit code must be 3 digits"),
        (extension, 2, "extension must be 2 digits"),
    )
    for value, length, rule in checks:
        if not _digits(value, length):
            raise CapError(f"identifier: {rule}, got {value!r}")
    if isinstance(sequence, bool) or not 0 <= sequence <= 9:
        raise CapError(f"identifier: sequence must be a digit 0..9, got {sequence!r}")
    if time.utcoffset() is None:
        raise CapError("identifier: time must be timezone-aware")
    return str(Identifier(code, org_code, unit_code, extension, time, sequence))


def parse_identifier(text: str, *, require_sequence: bool = True) -> Identifier:
    """Split and check a GB/T 35965.1 identifier; the error names the part at fault."""
    shape = "ZZZZZZDDDUUUXX_YYYYMMDDhhmmss_N"
    parts = text.split("_")
    if len(parts) not in (2, 3):
        raise CapError(f"identifier {text!r}: expected {shape} (two '_' separators)")
    if len(parts) == 2 and require_sequence:
        raise CapError(f"identifier {text!r}: the '_N' sequence digit is missing ({shape})")
    head, stamp = parts[0], parts[1]
    if not _digits(head, 14):
        raise CapError(
            f"identifier {text!r}: the code part must be 14 digits "
            f"(6 region + 3 organisation + 3 unit + 2 extension), got {head!r}"
        )
    if not _digits(stamp, 14):
        raise CapError(f"identifier {text!r}: the time part must be YYYYMMDDhhmmss, got {stamp!r}")
    try:
        time = dt.datetime.strptime(stamp, _STAMP).replace(tzinfo=BEIJING)
    except ValueError:
        raise CapError(f"identifier {text!r}: {stamp!r} is not a real date and time") from None
    sequence = None
    if len(parts) == 3:
        if not _digits(parts[2], 1):
            raise CapError(f"identifier {text!r}: the sequence must be one digit 0..9")
        sequence = int(parts[2])
    return Identifier(head[:6], head[6:9], head[9:12], head[12:], time, sequence)
