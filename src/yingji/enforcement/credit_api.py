"""Enforcement API, credit part (``/api/enforcement/``): safety codes, credit, 信用修复.

- ``GET codes`` / ``GET codes/{enterprise}``: the codes the caller may see (jurisdiction; an
  enterprise account its own only — others are 404), with reasons, credit and history;
- ``POST codes/refresh``: bureau staff recompute enterprises of their jurisdiction now;
- ``GET/POST credit/repairs``, ``POST credit/repairs/{id}/decision``: apply for 信用修复
  (enterprise account) and approve or reject it (bureau staff);
- ``GET public/codes/{token}``: no sign-in — the colour and reasons behind a QR code, nothing
  else.

Bodies are strict (an unknown field is 422); errors are ``{code, message, field}``.
"""

from __future__ import annotations

from typing import Any, Final, Literal

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Path, Query, Router, Schema, Status

from yingji.core.errors import InvalidInput, NotFound
from yingji.core.permissions import Cap, require
from yingji.core.schemas import Id, Strict
from yingji.core.scoping import scope
from yingji.enforcement import selectors
from yingji.enforcement.code_public_views import TOKEN, public_url
from yingji.enforcement.models import CreditRepair, RepairState, SafetyCode, SafetyCodeChange
from yingji.enforcement.services import credit, safety_code
from yingji.kernels import safety_code as kernel
from yingji.registry.models.enterprise import Enterprise

router = Router(tags=["enforcement"])

MAX_PK: Final = 2**63 - 1
MAX_REFRESH: Final = 500


class CodeQuery(Schema):
    colour: str = Field("", max_length=6, description="green, yellow or red")
    rating: str = Field("", max_length=1, description="A, B, C or D")
    county: str = Field("", max_length=6, description="region code (2, 4 or 6 digits)")
    industry: str = Field("", max_length=5, description="GB/T 4754 prefix, e.g. C26")
    q: str = Field("", max_length=60, description="name or credit code")
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=10_000_000)


class RefreshIn(Strict):
    enterprises: list[Id] = Field(..., min_length=1, max_length=MAX_REFRESH)


class RepairIn(Strict):
    reason: str = Field(..., max_length=2000)
    evidence: str = Field(..., max_length=4000)


class DecisionIn(Strict):
    decision: Literal["approve", "reject"]
    note: str = Field(..., max_length=500)


def _when(value: Any) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def code_item(code: SafetyCode) -> dict[str, Any]:
    e = code.enterprise
    return {
        "enterprise": {"id": e.pk, "name": e.name, "credit_code": e.credit_code,
                       "region_path": e.region_path, "industry_code": e.industry_code},
        "colour": code.colour,
        "label": kernel.CODES.get(code.colour, code.colour),
        "reasons": code.reasons,
        "since": _when(code.since),
        "computed_at": _when(code.computed_at),
    }  # fmt: skip


def _rating(enterprise: Enterprise) -> dict[str, Any] | None:
    rating = getattr(enterprise, "credit", None)
    if rating is None:
        return None
    return {
        "score": rating.score,
        "rating": rating.rating,
        "label": rating.get_rating_display(),
        "items": rating.items,
        "repair_possible_from": rating.repair_eligible_on,
        "computed_at": _when(rating.computed_at),
    }


def repair_item(repair: CreditRepair) -> dict[str, Any]:
    return {
        "id": repair.pk,
        "enterprise": repair.enterprise_id,
        "state": repair.state,
        "reason": repair.reason,
        "evidence": repair.evidence,
        "applied_at": _when(repair.applied_at),
        "decided_at": _when(repair.decided_at),
        "decision_note": repair.decision_note,
    }


def _detail(request: HttpRequest, code: SafetyCode) -> dict[str, Any]:
    body = code_item(code)
    history = SafetyCodeChange.objects.filter(enterprise_id=code.pk)[:50]
    body.update(
        credit=_rating(code.enterprise),
        history=[{"at": _when(h.at), "from": h.from_colour, "to": h.to_colour,
                  "cause": h.cause, "reasons": h.reasons} for h in history],
        repairs=[repair_item(r) for r in
                 credit.repairs(request.user).filter(enterprise_id=code.pk)[:20]],
        public_url=public_url(request, code.token),
    )  # fmt: skip
    return body


@router.get("codes", summary="Safety codes the caller may see, worst first, with filters")
def code_list(request: HttpRequest, filters: Query[CodeQuery]) -> dict[str, Any]:
    data = filters.model_dump()
    qs = safety_code.search(request.user, {k: data[k] for k in safety_code.FILTERS})
    total = qs.count()
    page = qs[filters.offset : filters.offset + filters.limit]
    return {"total": total, "limit": filters.limit, "offset": filters.offset,
            "items": [code_item(c) for c in page]}  # fmt: skip


@router.get("codes/{int:pk}", summary="One enterprise's code: reasons, credit, history, repairs")
def code_detail(request: HttpRequest, pk: int = Path(..., ge=1, le=MAX_PK)) -> dict[str, Any]:
    qs = selectors.codes(request.user).select_related("enterprise", "enterprise__credit")
    return _detail(request, selectors.get(qs, pk, "safety code"))


@router.post("codes/refresh", summary="Recompute credit and codes of enterprises now (staff)")
def code_refresh(request: HttpRequest, payload: RefreshIn) -> dict[str, Any]:
    require(request.user, Cap.MANAGE_ENFORCEMENT)
    ids = sorted(set(payload.enterprises))
    visible = set(scope(Enterprise.objects.filter(pk__in=ids), request.user).values_list(
        "pk", flat=True))  # fmt: skip
    missing = [i for i in ids if i not in visible]
    if missing:
        raise NotFound(f"No enterprise matches id={missing[0]}", field="enterprises")
    counts = safety_code.recompute(ids, cause="接口重算 recomputed through the API")
    codes = SafetyCode.objects.filter(pk__in=ids).select_related("enterprise")
    return {"counts": counts, "items": [code_item(c) for c in codes]}


@router.get("credit/repairs", summary="信用修复 applications the caller may see")
def repair_list(
    request: HttpRequest, state: str = Query("", max_length=8), limit: int = Query(50, ge=1, le=200)
) -> dict[str, Any]:
    qs = credit.repairs(request.user).order_by("-applied_at", "-pk")
    if state and state not in RepairState.values:
        raise InvalidInput(f"state: one of {', '.join(RepairState.values)}", field="state")
    if state:
        qs = qs.filter(state=state)
    return {"total": qs.count(), "items": [repair_item(r) for r in qs[:limit]]}


@router.post("credit/repairs", summary="Apply for 信用修复 (the enterprise's own account)",
             response={201: dict[str, Any]})  # fmt: skip
def repair_apply(request: HttpRequest, payload: RepairIn) -> Any:
    repair = credit.apply(actor=request.user, data=payload.model_dump())
    return Status(201, repair_item(repair))


@router.post("credit/repairs/{int:pk}/decision", summary="Approve or reject 信用修复 (staff)")
def repair_decide(
    request: HttpRequest, payload: DecisionIn, pk: int = Path(..., ge=1, le=MAX_PK)
) -> dict[str, Any]:
    repair = credit.decide(actor=request.user, pk=pk, approve=payload.decision == "approve",
                           note=payload.note)  # fmt: skip
    return repair_item(repair)


@router.get(
    "public/codes/{token}", auth=None, summary="A safety code by its public token (no sign-in)"
)
def public_code(request: HttpRequest, token: str) -> dict[str, Any]:
    if not TOKEN.match(token):
        raise Http404("No such safety code")
    code = SafetyCode.objects.select_related("enterprise").filter(token=token).first()
    if code is None:
        raise Http404("No such safety code")
    return {
        "enterprise": code.enterprise.name,
        "colour": code.colour,
        "label": kernel.CODES.get(code.colour, code.colour),
        "reasons": [{"rule": r.get("rule"), "colour": r.get("colour"), "text": r.get("text")}
                    for r in code.reasons],
        "since": _when(code.since),
        "computed_at": _when(code.computed_at),
    }  # fmt: skip
