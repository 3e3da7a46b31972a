"""What SMS gateways call back (``/api/alerts/gateway/``): replies (叫应 by SMS) and delivery
reports. Only machine accounts (the gateway's API token) may call; replies are matched within
the gateway account's jurisdiction. Bodies are JSON and capped in size."""

from __future__ import annotations

import json
from typing import Any, Final

from django.http import HttpRequest
from ninja import Router

from yingji.alerts import outbox
from yingji.alerts.channels.http_sms import parse_reports
from yingji.alerts.services import acks
from yingji.core.errors import Forbidden, InvalidInput
from yingji.core.scoping import jurisdiction_of

router = Router(tags=["alerts"])
MAX_BODY: Final = 1_000_000
MAX_ITEMS: Final = 5_000


def _body(key: str, fields: dict[str, Any], required: list[str]) -> dict[str, Any]:
    """The documented JSON body ``{key: [{fields}]}`` (the views read the raw body)."""
    item = {"type": "object", "properties": fields, "required": required}
    schema = {
        "type": "object",
        "properties": {key: {"type": "array", "items": item, "maxItems": MAX_ITEMS}},
        "required": [key],
    }
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def _gateway(request: HttpRequest) -> Any:
    user = request.user
    if not user.is_authenticated or not getattr(user, "is_machine", False):
        raise Forbidden("Only an SMS gateway's machine account may call this", code="not_a_gateway")
    if len(request.body) > MAX_BODY:
        raise InvalidInput(f"The body is over {MAX_BODY // 1000} kB: send smaller batches")
    return user


@router.post(
    "/sms/inbound",
    summary="Replies received by the SMS gateway (叫应: the keyword acknowledges)",
    description='Body: {"messages": [{"from": "+8613900000001", "text": "1"}, …]}. '
    "A reply with the keyword acknowledges the sender's latest unanswered warning; other "
    "texts are counted as ignored.",
    openapi_extra=_body(
        "messages", {"from": {"type": "string"}, "text": {"type": "string"}}, ["from", "text"]
    ),
)
def sms_inbound(request: HttpRequest) -> dict[str, int]:
    user = _gateway(request)
    try:
        messages = json.loads(request.body)["messages"]
        if not isinstance(messages, list) or len(messages) > MAX_ITEMS:
            raise TypeError("messages must be a list of at most 5,000")
        pairs = [(str(m["from"])[:32], str(m["text"])[:160]) for m in messages]
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidInput(f"Malformed inbound body: {exc}") from None
    scope = jurisdiction_of(user)
    answered = ignored = 0
    for phone, text in pairs:
        ack = acks.by_sms(phone, text, within=scope)
        answered += ack is not None
        ignored += ack is None
    return {"acknowledged": answered, "ignored": ignored}


@router.post(
    "/sms/reports",
    summary="Delivery reports (DLR) of the SMS gateway",
    description='Body: {"reports": [{"id": outbox id, "provider_id", "status": "delivered"|…}]}',
    openapi_extra=_body(
        "reports",
        {
            "id": {"type": "integer"},
            "provider_id": {"type": "string"},
            "status": {"type": "string"},
        },
        ["id", "status"],
    ),
)
def sms_reports(request: HttpRequest) -> dict[str, int]:
    _gateway(request)
    try:
        reports = parse_reports(request.body)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    if len(reports) > MAX_ITEMS:
        raise InvalidInput("At most 5,000 reports a request")
    updated = sum(outbox.report("sms", r.id, r.delivered, r.error) for r in reports)
    return {"reports": len(reports), "updated": updated}
