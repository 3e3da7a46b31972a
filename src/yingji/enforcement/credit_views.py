"""Staff and enterprise pages of the safety code (安全码) and credit (信用).

- ``/enforcement/codes/``: the codes of the jurisdiction by colour, with filters (colour,
  rating, county, industry), search, pagination and the Excel export; an enterprise account
  goes straight to its own code.
- ``/enforcement/codes/<enterprise>/``: the colour and every reason, the history of changes,
  the credit score and its items, the 信用修复 applications (apply / decide), the QR code of
  the public page and a printable A5 card.

Reads go through :mod:`yingji.enforcement.selectors` (another county's enterprise, or another
enterprise for an enterprise account, is 404); writes through the services, whose refusals are
shown on the page with their message and status (422 bad input, 409 state, 403 role).
"""

from __future__ import annotations

from typing import Any, Final

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yingji.core.errors import DomainError, Forbidden, InvalidInput, NotFound
from yingji.core.pages import deny as _deny
from yingji.core.permissions import Cap, has
from yingji.core.scoping import jurisdiction_of, scope
from yingji.enforcement import selectors
from yingji.enforcement.code_public_views import public_url, qr_svg
from yingji.enforcement.models import CodeColour, Rating, SafetyCode, SafetyCodeChange
from yingji.enforcement.services import credit, safety_code
from yingji.enforcement.services import facts as gathering
from yingji.hazards.selectors import enterprise_of
from yingji.kernels import safety_code as kernel
from yingji.regions.models import Region
from yingji.registry.models.enterprise import Enterprise

PAGE_SIZE: Final = 30
HISTORY: Final = 50


def _counties(user: Any) -> list[Region]:
    """The counties a filter may name: those of the user's jurisdiction (or the one it is in)."""
    jurisdiction = jurisdiction_of(user)
    qs = Region.objects.filter(level="county").order_by("path")
    if not jurisdiction.everything:
        path = jurisdiction.path or "-"
        qs = qs.filter(path__startswith=path[:6])
    return list(qs.only("path", "name")[:200])


@login_required
def code_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not has(user, Cap.VIEW_ENFORCEMENT):
        return _deny(request, _("Your roles do not include enforcement."))
    own = enterprise_of(user)
    if selectors.is_enterprise(user):
        if own is None:
            raise Http404("No enterprise is bound to this account")
        return redirect("enforcement-code-detail", pk=own.pk)
    filters = {k: request.GET.get(k, "")[:60] for k in safety_code.FILTERS}
    try:
        found = safety_code.search(user, filters)
    except InvalidInput as exc:
        messages.error(request, exc.message)
        filters = dict.fromkeys(safety_code.FILTERS, "")
        found = safety_code.search(user, filters)
    colourless = {**filters, "colour": ""}
    counts = dict(
        safety_code.search(user, colourless)
        .order_by()
        .values_list("colour")
        .annotate(n=Count("pk"))
    )
    tabs = [
        {"key": "", "label": _("All"), "count": sum(counts.values()),
         "query": urlencode(colourless)},
        *({"key": v, "label": kernel.CODES[v], "count": counts.get(v, 0),
           "query": urlencode({**filters, "colour": v})}
          for v in (CodeColour.RED, CodeColour.YELLOW, CodeColour.GREEN)),
    ]  # fmt: skip
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "rows": [(c, kernel.CODES.get(c.colour, c.colour)) for c in page],
        "filters": filters,
        "tabs": tabs,
        "ratings": Rating.choices,
        "counties": _counties(user),
        "can_manage": has(user, Cap.MANAGE_ENFORCEMENT),
    }
    return render(request, "enforcement/code_list.html", context)


def _code(request: HttpRequest, pk: Any) -> SafetyCode:
    """The enterprise's code if the user may see it; computed on the spot if it has none yet."""
    user = request.user
    try:
        return selectors.get(selectors.codes(user).select_related("enterprise"), pk, "safety code")
    except NotFound:
        pass
    if selectors.is_enterprise(user):
        own = enterprise_of(user)
        visible = Enterprise.objects.filter(pk=own.pk if own is not None else 0)
    else:
        visible = scope(Enterprise.objects.all(), user)
    try:
        enterprise = selectors.get(visible.filter(safety_code__isnull=True), pk, "enterprise")
    except NotFound as exc:
        raise Http404("No safety code here") from exc
    safety_code.recompute([enterprise.pk], cause="首次查看 first computed on view")
    return SafetyCode.objects.select_related("enterprise").get(pk=enterprise.pk)


def _context(request: HttpRequest, code: SafetyCode) -> dict[str, Any]:
    user = request.user
    enterprise = code.enterprise
    found = gathering.gather([enterprise.pk])[enterprise.pk]
    result = credit.rate(found)
    rating = getattr(enterprise, "credit", None)
    repairs = list(credit.repairs(user).filter(enterprise=enterprise).order_by("-applied_at")[:20])
    pending = any(r.state == "applied" for r in repairs)
    own = enterprise_of(user)
    url = public_url(request, code.token)
    return {
        "code": code,
        "enterprise": enterprise,
        "label": kernel.CODES.get(code.colour, code.colour),
        "reasons": code.reasons,
        "supervised": found.hazards.supervised,
        "history": [
            {
                "change": h,
                "from_label": kernel.CODES.get(h.from_colour, ""),
                "to_label": kernel.CODES.get(h.to_colour, h.to_colour),
            }
            for h in SafetyCodeChange.objects.filter(enterprise=enterprise)[:HISTORY]
        ],
        "rules": [rule.as_dict() for rule in kernel.RULES],
        "rating": rating,
        "rating_label": dict(Rating.choices).get(rating.rating, "") if rating else "",
        "repair": result.repair,
        "repairs": repairs,
        "pending": pending,
        # The form only when the kernel says now; otherwise the page says from when and why.
        "can_apply": own is not None
        and own.pk == enterprise.pk
        and not pending
        and result.repair.eligible,
        "can_decide": has(user, Cap.MANAGE_ENFORCEMENT),
        "public_url": url,
        "qr": qr_svg(url, code.colour),
    }


@login_required
def code_detail(
    request: HttpRequest, pk: int, *, failure: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    if not has(request.user, Cap.VIEW_ENFORCEMENT):
        return _deny(request, _("Your roles do not include enforcement."))
    context = _context(request, _code(request, pk))
    context["failure"] = failure
    return render(request, "enforcement/code_detail.html", context, status=status)


@login_required
def code_card(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable A5 安全码 card: name, colour and the QR of the public page."""
    if not has(request.user, Cap.VIEW_ENFORCEMENT):
        return _deny(request, _("Your roles do not include enforcement."))
    code = _code(request, pk)
    url = public_url(request, code.token)
    context = {
        "code": code,
        "enterprise": code.enterprise,
        "label": kernel.CODES.get(code.colour, code.colour),
        "public_url": url,
        "printed": timezone.now(),
        # Printed once, read for months: a neutral QR, the colour as of printing beside it.
        "qr": qr_svg(url, "", scale=10),
    }
    return render(request, "enforcement/code_card.html", context)


def _failure(exc: DomainError, action: str, values: dict[str, str]) -> dict[str, Any]:
    """The refusal as the form shows it: the field's label, then the service's message."""
    labels = {"reason": _("Reason"), "evidence": _("Evidence of correction"),
              "note": _("Decision note"), "decision": _("Decision")}  # fmt: skip
    field, message = exc.field or "", exc.message
    if field in labels and message.startswith(f"{field}: "):
        message = f"{labels[field]}: {message[len(field) + 2 :]}"
    return {"action": action, "field": field, "message": message, "values": values}


@login_required
@require_POST
def repair_apply(request: HttpRequest, pk: int) -> HttpResponse:
    """An enterprise's own account applies for 信用修复 from its code page."""
    if not has(request.user, Cap.VIEW_ENFORCEMENT):
        return _deny(request, _("Your roles do not include enforcement."))
    code = _code(request, pk)
    values = {k: request.POST.get(k, "")[:5000] for k in ("reason", "evidence")}
    try:
        credit.apply(actor=request.user, data=values)
    except Forbidden as exc:
        return _deny(request, exc.message)
    except DomainError as exc:
        return code_detail(request, code.pk, failure=_failure(exc, "apply", values),
                           status=exc.status)  # fmt: skip
    messages.success(request, _("Your application for credit repair has been sent."))
    return redirect("enforcement-code-detail", pk=code.pk)


@login_required
@require_POST
def repair_decide(request: HttpRequest, pk: int, repair_pk: int) -> HttpResponse:
    """Bureau staff approve or reject an application, with a note."""
    if not has(request.user, Cap.MANAGE_ENFORCEMENT):
        return _deny(request, _("Your roles do not allow deciding credit repairs."))
    code = _code(request, pk)
    if (
        repair_pk > credit.MAX_PK
        or not credit.repairs(request.user)
        .filter(pk=repair_pk, enterprise=code.enterprise)
        .exists()
    ):
        raise Http404("No such application for this enterprise")
    decision = request.POST.get("decision", "")[:10]
    note = request.POST.get("note", "")[:2000]
    approve = {"approve": True, "reject": False}.get(decision, decision)
    try:
        credit.decide(actor=request.user, pk=repair_pk, approve=approve, note=note)
    except Forbidden as exc:
        return _deny(request, exc.message)
    except DomainError as exc:
        failure = _failure(exc, f"decide-{repair_pk}", {"note": note})
        return code_detail(request, code.pk, failure=failure, status=exc.status)
    messages.success(request, _("The decision is recorded; the code is recomputed."))
    return redirect("enforcement-code-detail", pk=code.pk)


@login_required
@require_POST
def code_refresh(request: HttpRequest, pk: int) -> HttpResponse:
    """Recompute one enterprise's credit and code now (staff)."""
    if not has(request.user, Cap.MANAGE_ENFORCEMENT):
        return _deny(request, _("Your roles do not allow recomputing codes."))
    code = _code(request, pk)
    safety_code.recompute([code.pk], cause="手动重算 recomputed by staff")
    messages.success(request, _("Recomputed."))
    return redirect("enforcement-code-detail", pk=code.pk)


@login_required
def repair_list(request: HttpRequest) -> HttpResponse:
    """信用修复 applications of the jurisdiction, waiting ones first."""
    if not has(request.user, Cap.VIEW_ENFORCEMENT):
        return _deny(request, _("Your roles do not include enforcement."))
    show = "all" if request.GET.get("show") == "all" else "applied"
    rows = credit.repairs(request.user)
    if show == "applied":
        rows = rows.filter(state="applied")
    page = Paginator(rows.order_by("state", "-applied_at", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "enforcement/credit_repairs.html", {"page": page, "show": show})
