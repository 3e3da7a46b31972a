"""The public 安全码 pages (no login): what a phone shows after scanning an enterprise's QR.

``/public/code/<token>/`` shows the enterprise's name, its colour as a big badge, since when,
every reason in plain Chinese, how the code is decided (the kernel's rule table) and when it
was last computed — nothing about people. The token is the unguessable part of the URL
(:func:`yingji.enforcement.models.credit.public_token`); a malformed or unknown token is a 404
before or after one indexed lookup. ``/public/code/`` finds the page from a 统一社会信用代码,
checked with its GB 32100 check character first.
"""

from __future__ import annotations

import re
from typing import Final

import segno
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET

from yingji.enforcement.models import SafetyCode
from yingji.kernels import identifiers
from yingji.kernels import safety_code as kernel

TOKEN: Final = re.compile(r"^[A-Za-z0-9_-]{8,32}$")
# Dark enough on white to scan, and the code's colour at a glance.
QR_DARK: Final = {"green": "#166534", "yellow": "#854d0e", "red": "#991b1b"}


def qr_svg(url: str, colour: str, *, scale: int = 6) -> str:
    """The QR code of ``url`` as inline SVG, drawn in the code's colour."""
    code = segno.make(url, error="m", micro=False)
    svg: str = code.svg_inline(scale=scale, dark=QR_DARK.get(colour, "#111827"), border=2)
    return svg


def public_url(request: HttpRequest, token: str) -> str:
    """The address the QR code carries: the site as the public reaches it (YINGJI_PUBLIC_URL),
    not the host a staff member happens to use (an intranet name would print useless cards)."""
    del request  # kept in the signature: callers pass it, and a per-site setting may need it
    return f"{settings.PUBLIC_URL.rstrip('/')}{reverse('public-code', args=[token])}"


def _code(token: str) -> SafetyCode:
    if not TOKEN.match(token):
        raise Http404("No such safety code")
    found = SafetyCode.objects.select_related("enterprise", "enterprise__region").filter(
        token=token
    )
    code = found.first()
    if code is None:
        raise Http404("No such safety code")
    return code


def _rules() -> list[dict[str, str]]:
    return [rule.as_dict() for rule in kernel.RULES]


@require_GET
@never_cache
def code_page(request: HttpRequest, token: str) -> HttpResponse:
    code = _code(token)
    context = {
        "code": code,
        "enterprise": code.enterprise,
        "label": kernel.CODES.get(code.colour, code.colour),
        "reasons": [str(r.get("text", "")) for r in code.reasons],
        "rules": _rules(),
        "qr": qr_svg(public_url(request, code.token), code.colour, scale=4),
        "closed": code.enterprise.voided_at is not None,
    }
    return render(request, "enforcement/public_code.html", context)


@require_GET
@cache_control(public=True, max_age=300)
def code_qr(request: HttpRequest, token: str) -> HttpResponse:
    """The QR image alone (to print or embed); its colour follows the current code."""
    code = _code(token)
    svg = qr_svg(public_url(request, code.token), code.colour, scale=8)
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response["X-Content-Type-Options"] = "nosniff"
    return response


def credit_code_problem(text: str) -> str:
    """Why ``text`` is not a 统一社会信用代码, in the reader's language ("" when it is one)."""
    if len(text) != 18:
        return _("it has %(n)s characters; a credit code has exactly 18") % {"n": len(text)}
    problem = identifiers.credit_code_problem(text)
    if problem is None:
        return ""
    if problem.startswith("check character"):
        return _("the check character (the 18th) is wrong: please check the code")
    return _("only digits and capital letters except I, O, S, V and Z; characters 3–8 are digits")


@require_GET
def lookup(request: HttpRequest) -> HttpResponse:
    """Find a code by 统一社会信用代码: exactly 18 characters with a valid check character."""
    raw = request.GET.get("credit_code")
    context: dict[str, object] = {"value": "", "error": "", "rules": _rules()}
    if raw is None:
        return render(request, "enforcement/public_code_lookup.html", context)
    text = raw.strip().upper()
    context["value"] = text[:18]
    problem = credit_code_problem(text)
    if problem:
        context["error"] = _("Unified social credit code: %(problem)s") % {"problem": problem}
        return render(request, "enforcement/public_code_lookup.html", context, status=422)
    code = SafetyCode.objects.filter(enterprise__credit_code=text).only("token").first()
    if code is None:
        context["error"] = _("No enterprise with this credit code has a safety code.")
        return render(request, "enforcement/public_code_lookup.html", context, status=404)
    return redirect("public-code", token=code.token)
