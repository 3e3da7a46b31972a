"""Reading batches as bytes: the one parser of HTTP bodies and MQTT payloads.

Both carry the same two formats, so a gateway can switch transport without changing what it
sends:

- JSON: ``{"readings": [{"sensor": "…", "ts": "2024-07-01T08:00:00+08:00", "value": 1.2}, …]}``
  (rows may also be ``[sensor, ts, value]`` lists; :func:`yingji.monitoring.ingest.ingest`
  checks each one);
- CSV (UTF-8): a ``sensor,ts,value`` header, then one reading a line; blank lines are skipped
  and row numbers count readings, not the header.

A batch that cannot be read at all raises a :class:`~yingji.core.errors.DomainError`
(:class:`TooLarge` 413, :class:`UnsupportedType` 415, ``InvalidInput`` 422); rows are not
checked here. MQTT has no content type: :func:`sniff` tells the formats apart.
"""

from __future__ import annotations

import csv
import json
from typing import Any, Final

from yingji.core.errors import DomainError, InvalidInput
from yingji.monitoring.ingest import FIELDS

MAX_ROWS: Final = 50_000
MAX_BYTES: Final = 8 * 1024 * 1024
MAX_FIELD: Final = 1000  # longer CSV fields are cut (and then fail their check)
JSON: Final = "application/json"
CSV_TYPES: Final = ("text/csv", "application/csv")


class TooLarge(DomainError):
    status = 413
    code = "too_large"


class UnsupportedType(DomainError):
    status = 415
    code = "unsupported_media_type"


def too_large_body() -> TooLarge:
    return TooLarge(f"The body is over {MAX_BYTES // 1024 // 1024} MB: send smaller batches")


def parse(raw: bytes, content_type: str) -> list[Any]:
    """The rows of one batch (not yet checked), or the reason it cannot be read at all."""
    if len(raw) > MAX_BYTES:
        raise too_large_body()
    if b"\x00" in raw:
        raise InvalidInput("NUL characters are not allowed")
    if content_type == JSON:
        rows = json_rows(raw)
    elif content_type in CSV_TYPES:
        rows = csv_rows(raw)
    else:
        raise UnsupportedType("Send application/json or text/csv (header sensor,ts,value)")
    if not rows:
        raise InvalidInput("The batch has no readings", field="readings")
    if len(rows) > MAX_ROWS:
        raise TooLarge(f"At most {MAX_ROWS:,} readings a batch; this one has {len(rows):,}")
    return rows


def sniff(raw: bytes) -> str:
    """The content type of a payload that came without one (MQTT): a payload starting with
    ``[`` or ``{`` (after a BOM and white space) is JSON, anything else CSV."""
    start = raw[:64].removeprefix(b"\xef\xbb\xbf").lstrip()
    return JSON if start[:1] in (b"[", b"{") else CSV_TYPES[0]


def parse_payload(raw: bytes) -> list[Any]:
    """:func:`parse` for a payload without a content type."""
    return parse(raw, sniff(raw))


def json_rows(raw: bytes) -> list[Any]:
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise InvalidInput(f"The body is not valid JSON ({str(exc)[:80]})") from exc
    if not isinstance(data, dict) or set(data) != {"readings"}:
        raise InvalidInput('Send {"readings": [{"sensor", "ts", "value"}, ...]}', field="readings")
    readings = data["readings"]
    if not isinstance(readings, list):
        raise InvalidInput("readings must be a list", field="readings")
    return readings


def csv_rows(raw: bytes) -> list[Any]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"The CSV is not UTF-8 (byte {exc.start})") from exc
    lines = text.splitlines()
    if not lines or [c.strip().lower() for c in lines[0].split(",")] != list(FIELDS):
        raise InvalidInput("The first line must be the header sensor,ts,value", field="header")
    rows = []
    reader = csv.reader(lines[1:], strict=False)
    try:
        for record in reader:
            if record and any(record):
                rows.append([field[:MAX_FIELD] for field in record])
    except csv.Error as exc:
        raise InvalidInput(f"Unreadable CSV at line {reader.line_num + 1}: {exc}") from exc
    return rows
