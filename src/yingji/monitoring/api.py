"""Reading ingest over HTTP: ``POST /api/ingest/readings`` (JSON or CSV batches).

Authenticated by API token (``Authorization: Bearer yj_…``) or session like the rest of the
API; each sensor must lie within the caller's jurisdiction (one outside is reported as an
unknown sensor). The answer is sent after the valid rows are committed
(:mod:`yingji.monitoring.ingest` holds the policy and what "stored" means):

- 200 ``{"accepted", "duplicates", "rejected": [{"row", "sensor", "reason"}], "rejected_count",
  "policy"}`` when at least one row was valid (stored now or already stored);
- 422 with the same fields plus ``code``/``message`` when no row was valid (nothing stored),
  or when the body cannot be read as a batch at all;
- 413 over :data:`~yingji.monitoring.payloads.MAX_ROWS` rows or
  :data:`~yingji.monitoring.payloads.MAX_BYTES` bytes; 415 for another content type.

The body formats (JSON ``{"readings": [...]}`` or CSV with a ``sensor,ts,value`` header) are
read by :mod:`yingji.monitoring.payloads`, which MQTT shares.
"""

from __future__ import annotations

from typing import Any, Final

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest
from ninja import Router, Schema, Status

from yingji.core.errors import InvalidInput
from yingji.core.schemas import ErrorOut
from yingji.monitoring import payloads
from yingji.monitoring.ingest import POLICY, ingest
from yingji.monitoring.payloads import CSV_TYPES, MAX_BYTES, MAX_ROWS, TooLarge

__all__ = ["MAX_BYTES", "MAX_ROWS", "router"]  # the limits live with the parser (payloads)

router = Router(tags=["monitoring"])

MAX_LISTED: Final = 1000  # rejected rows listed in a response; rejected_count has them all


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


READING = {
    "type": "object",
    "properties": {
        "sensor": {"type": "string"},
        "ts": {"anyOf": [{"type": "integer"}, {"type": "string"}]},
        "value": {"type": "number"},
    },
    "required": ["sensor", "ts", "value"],
}
BODY = {
    "required": True,
    "content": {
        payloads.JSON: {
            "schema": {
                "type": "object",
                "properties": {"readings": {"type": "array", "items": READING}},
                "required": ["readings"],
                "additionalProperties": False,
            }
        },
        CSV_TYPES[0]: {"schema": {"type": "string", "description": "header: sensor,ts,value"}},
    },
}


@router.post(
    "/readings",
    response={200: IngestOut, 413: ErrorOut, 415: ErrorOut, 422: IngestRefused | ErrorOut},
    summary="Ingest a batch of sensor readings (JSON or CSV)",
    openapi_extra={"requestBody": BODY},
)
def post_readings(request: HttpRequest) -> Status[dict[str, Any]]:
    body: dict[str, Any] = {"accepted": 0, "duplicates": 0, "rejected": [], "rejected_count": 0,
                            "policy": POLICY}  # fmt: skip
    try:
        rows = _rows(request)
    except InvalidInput as exc:  # unreadable as a batch: still the documented refusal shape
        return Status(422, {**exc.as_dict(), **body})
    result = ingest(request.user, rows)
    body = {
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
        raise payloads.too_large_body()
    try:
        raw = request.body
    except RequestDataTooBig as exc:
        raise TooLarge(f"The body is over {MAX_BYTES // 1024 // 1024} MB") from exc
    return payloads.parse(raw, request.content_type or "")
