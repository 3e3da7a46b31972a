"""Reading ingest over HTTP: ``POST /api/ingest/readings`` (JSON or CSV batches).

Authenticated by API token (``Authorization: Bearer yj_…``) or session like the rest of the
API; each sensor must lie within the caller's jurisdiction (one outside is reported as an
unknown sensor). The answer is sent after the valid rows are committed
(:mod:`yingji.monitoring.ingest` holds the policy and what "stored" means):

- 200 ``{"accepted", "duplicates", "rejected": [{"row", "sensor", "reason"}], "rejected_count",
  "policy"}`` when at least one row was valid (stored now or already stored);
- 422 with the same fields plus ``code``/``message`` when no row was valid (nothing stored),
  or when the body cannot be read as a batch at all;
- 413 over :data:`MAX_ROWS` rows or :data:`MAX_BYTES` bytes; 415 for another content type.

JSON: ``{"readings": [{"sensor": "…", "ts": "2024-07-01T08:00:00+08:00", "value": 1.2}, …]}``.
CSV (UTF-8, ``text/csv``): a ``sensor,ts,value`` header, then one reading a line; blank lines
are skipped and row numbers count readings, not the header.
"""

from __future__ import annotations

import csv
import json
from typing import Any, Final

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest
from ninja import Router, Schema, Status

from yingji.core.errors import DomainError, InvalidInput
from yingji.monitoring.ingest import FIELDS, POLICY, ingest

router = Router(tags=["monitoring"])

MAX_ROWS: Final = 50_000
MAX_BYTES: Final = 8 * 1024 * 1024
MAX_LISTED: Final = 1000  # rejected rows listed in a response; rejected_count has them all
MAX_FIELD: Final = 1000  # longer CSV fields are cut (and then fail their check)


class TooLarge(DomainError):
    status = 413
    code = "too_large"


class UnsupportedType(DomainError):
    status = 415
    code = "unsupported_media_type"


class RejectedOut(Schema):
    row: int
    sensor: str | None
    reason: str


class IngestOut(Schema):
    accepted: int
    duplicates: int
    rejected: list[RejectedOut]
    rejected_count: int
    policy: str


class IngestRefused(IngestOut):
    code: str
    message: str
    field: str | None


@router.post(
    "/readings",
    response={200: IngestOut, 422: IngestRefused},
    summary="Ingest a batch of sensor readings (JSON or CSV)",
)
def post_readings(request: HttpRequest) -> Status[dict[str, Any]]:
    rows = _rows(request)
    if not rows:
        raise InvalidInput("The batch has no readings", field="readings")
    if len(rows) > MAX_ROWS:
        raise TooLarge(f"At most {MAX_ROWS:,} readings a batch; this one has {len(rows):,}")
    result = ingest(request.user, rows)
    body: dict[str, Any] = {
        "accepted": result.accepted,
        "duplicates": result.duplicates,
        "rejected": result.rejected[:MAX_LISTED],
        "rejected_count": len(result.rejected),
        "policy": POLICY,
    }
    if result.valid == 0:
        first = result.rejected[0]
        message = f"No valid reading; nothing stored (row {first['row']}: {first['reason']})"
        return Status(422, {"code": "invalid", "message": message, "field": "readings", **body})
    return Status(200, body)


def _rows(request: HttpRequest) -> list[Any]:
    length = request.META.get("CONTENT_LENGTH") or "0"
    if length.isdigit() and int(length) > MAX_BYTES:
        raise TooLarge(f"The body is over {MAX_BYTES // 1024 // 1024} MB: send smaller batches")
    try:
        raw = request.body
    except RequestDataTooBig as exc:
        raise TooLarge(f"The body is over {MAX_BYTES // 1024 // 1024} MB") from exc
    if len(raw) > MAX_BYTES:
        raise TooLarge(f"The body is over {MAX_BYTES // 1024 // 1024} MB: send smaller batches")
    if b"\x00" in raw:
        raise InvalidInput("NUL characters are not allowed")
    kind = request.content_type or ""
    if kind == "application/json":
        return _json_rows(raw)
    if kind in ("text/csv", "application/csv"):
        return _csv_rows(raw)
    raise UnsupportedType("Send application/json or text/csv (header sensor,ts,value)")


def _json_rows(raw: bytes) -> list[Any]:
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


def _csv_rows(raw: bytes) -> list[Any]:
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
