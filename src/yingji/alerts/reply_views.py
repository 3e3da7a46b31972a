"""The pages behind the links in warning messages; no sign-in, the link's token is the key.

- ``/alerts/ack/<token>/`` (叫应): the warning as sent, and one button to confirm receipt.
  Opening the page does not answer (link scanners and previews open links); the button does.
- ``/alerts/unsubscribe/<token>/`` (退订): one button to stop a public subscription.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from yingji.alerts.models import Ack
from yingji.alerts.outbox import read_token
from yingji.alerts.services import acks, public
from yingji.core.errors import NotFound

_FORBIDDEN_LONG = 64


def _invalid(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "alerts/reply.html", {"invalid": message}, status=404)


@never_cache
@require_http_methods(["GET", "POST"])
def ack_page(request: HttpRequest, token: str) -> HttpResponse:
    found = read_token(token) if len(token) <= _FORBIDDEN_LONG else None
    ack = (
        Ack.objects.select_related("warning", "warning__sender")
        .filter(warning_id=found[0], contact_id=found[1])
        .first()
        if found
        else None
    )
    if ack is None:
        return _invalid(request, "ack")
    just_now = False
    if request.method == "POST":
        try:
            answered = acks.by_token(token)
        except NotFound:
            return _invalid(request, "ack")
        just_now = answered.acked_at is not None and ack.acked_at is None
        ack = answered
    return render(
        request, "alerts/reply.html",
        {"kind": "ack", "ack": ack, "warning": ack.warning, "just_now": just_now},
    )  # fmt: skip


@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe_page(request: HttpRequest, token: str) -> HttpResponse:
    try:
        subscriber = public.subscriber_by_token(token[: _FORBIDDEN_LONG + 1])
        if request.method == "POST":
            subscriber = public.unsubscribe(token)
    except NotFound:
        return _invalid(request, "unsubscribe")
    return render(request, "alerts/reply.html", {"kind": "unsubscribe", "subscriber": subscriber})
