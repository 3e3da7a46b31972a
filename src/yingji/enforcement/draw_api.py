"""Enforcement API, draw part (``/api/enforcement/``): the item list, the inspector pool,
conflicts of interest, the entity pool, and 双随机 plans (create, preview, draw, void,
verify, the evidence file).

Reads are scoped (404 outside the jurisdiction); writes go through the services, which check
roles (403), state (409 with a code: ``already_drawn``, ``unstaffed``, ``tasks_started``…)
and input (422 naming the field). Bodies are strict: an unknown field is 422.
"""

from __future__ import annotations

import json
from typing import Any, Final

from django.http import HttpRequest, HttpResponse
from ninja import Field, Path, Query, Router, Schema, Status

from yingji.core.schemas import Page, Strict, paged
from yingji.enforcement.models import Conflict, DrawPlan, InspectionItem, Inspector
from yingji.enforcement.services import draw_pool, draw_verify, draws, lists
from yingji.kernels import codes

router = Router(tags=["enforcement"])

MAX_PK: Final = 2**63 - 1


class ItemQuery(Page):
    q: str = Field("", max_length=100, description="code, name or legal basis")
    state: str = Field("live", max_length=10, description="live, inactive, voided or all")
    region: str = Field("", max_length=12, description="issuing region code (exact)")


class PointIn(Strict):
    id: str = Field(..., max_length=20)
    text: str = Field(..., max_length=300)
    basis: str = Field("", max_length=300)


class ItemPatch(Strict):
    name: str | None = Field(None, max_length=200)
    legal_basis: str | None = Field(None, max_length=2000)
    region: str | None = Field(None, max_length=12, description="issuing region code")
    share: float | None = Field(None, description="fraction drawn, 0.05–1")
    key_colours: list[str] | None = Field(None, max_length=3, description="red, orange, yellow")
    industries: list[str] | None = Field(None, max_length=30, description="GB/T 4754 prefixes")
    hazchem_only: bool | None = None
    checklist: list[PointIn] | None = Field(None, max_length=100)
    active: bool | None = None


class ItemIn(ItemPatch):
    code: str = Field(..., max_length=30)
    name: str = Field(..., max_length=200)
    legal_basis: str = Field(..., max_length=2000)
    checklist: list[PointIn] = Field(..., max_length=100)


class ReasonIn(Strict):
    reason: str = Field(..., max_length=200)


class InspectorQuery(Page):
    q: str = Field("", max_length=100)
    state: str = Field("active", max_length=10, description="active, inactive or all")


class InspectorIn(Strict):
    user: str = Field(..., max_length=150, description="username or account id")
    certificate_number: str = Field(..., max_length=30)
    qualifications: str = Field("", max_length=200)
    region: str = Field("", max_length=12, description="unit region; default: the account's")
    name: str = Field("", max_length=50)


class ActiveIn(Strict):
    active: bool
    reason: str = Field("", max_length=200)


class ConflictQuery(Page):
    all: bool = Field(False, description="include withdrawn ones")


class ConflictIn(Strict):
    inspector: int | None = Field(None, ge=1, le=MAX_PK, description="staff only; else yourself")
    enterprise: str = Field(..., max_length=40, description="id or 统一社会信用代码")
    reason: str = Field(..., max_length=12, description="employment, relative or interest")
    note: str = Field("", max_length=200)


class PoolQuery(Page):
    item: int = Field(..., ge=1, le=MAX_PK)
    region: str = Field("", max_length=12)
    industries: str = Field("", max_length=200, description="comma-separated prefixes")
    scales: str = Field("", max_length=40, description="above, below")
    colours: str = Field("", max_length=60, description="red, orange, yellow, blue, none")
    hazchem: str = Field("", max_length=60, description="produce, trade, store, use, none")


class FiltersIn(Strict):
    industries: list[str] = Field(default_factory=list, max_length=30)
    scales: list[str] = Field(default_factory=list, max_length=5)
    colours: list[str] = Field(default_factory=list, max_length=5)
    hazchem: list[str] = Field(default_factory=list, max_length=5)


class PlanIn(Strict):
    title: str = Field(..., max_length=200)
    item: int = Field(..., ge=1, le=MAX_PK)
    region: str = Field("", max_length=12, description="default: your home region")
    share: float | None = Field(None, description="fraction 0.05–1; default: the item's")
    key_colours: list[str] | None = Field(None, max_length=3, description="default: the item's")
    per_entity: int = Field(2, description="inspectors per entity, 2–6")
    filters: FiltersIn | None = None
    starts_on: str = Field(..., max_length=10, description="YYYY-MM-DD")
    due_on: str = Field(..., max_length=10, description="YYYY-MM-DD")
    replaces: int | None = Field(None, ge=1, le=MAX_PK, description="a voided plan redone")


class PlanQuery(Page):
    q: str = Field("", max_length=100)
    state: str = Field("", max_length=10, description="draft, drawn or void")


class DrawIn(Strict):
    seed: str = Field("", max_length=64, description="blank: generated with secrets")


# ---------------------------------------------------------------- payloads


def item_out(item: InspectionItem) -> dict[str, Any]:
    return {
        "id": item.pk,
        "code": item.code,
        "name": item.name,
        "legal_basis": item.legal_basis,
        "region": {"code": codes.display(item.region_id), "name": item.region.name},
        "share": item.share,
        "key_colours": [c for c in item.key_colours.split(",") if c],
        "industries": [p for p in item.industries.split(",") if p],
        "hazchem_only": item.hazchem_only,
        "checklist": item.checklist,
        "active": item.active,
        "voided": item.voided_at is not None,
        "void_reason": item.void_reason,
        "synthetic": item.synthetic,
    }


def inspector_out(person: Inspector) -> dict[str, Any]:
    return {
        "id": person.pk,
        "name": person.name,
        "username": person.user.username,
        "certificate_number": person.certificate_number,
        "qualifications": [q for q in person.qualifications.split(",") if q],
        "region": {"code": codes.display(person.region_id), "name": person.region.name},
        "active": person.active,
    }


def conflict_out(row: Conflict) -> dict[str, Any]:
    return {
        "id": row.pk,
        "inspector": {"id": row.inspector_id, "name": row.inspector.name},
        "enterprise": {
            "id": row.enterprise_id,
            "name": row.enterprise.name,
            "credit_code": row.enterprise.credit_code,
        },
        "reason": row.reason,
        "note": row.note,
        "declared_at": row.declared_at,
        "withdrawn_at": row.withdrawn_at,
    }


def plan_out(plan: DrawPlan) -> dict[str, Any]:
    replaced = DrawPlan.objects.filter(replaces=plan).values_list("pk", flat=True).first()
    return {
        "id": plan.pk,
        "code": plan.code,
        "title": plan.title,
        "state": plan.state,
        "item": {"id": plan.item_id, "code": plan.item.code, "name": plan.item.name},
        "region": {"code": codes.display(plan.region_id), "name": plan.region.name},
        "share": plan.share,
        "key_colours": [c for c in plan.key_colours.split(",") if c],
        "per_entity": plan.per_entity,
        "filters": plan.filters,
        "starts_on": plan.starts_on,
        "due_on": plan.due_on,
        "seed": plan.seed or None,
        "fingerprint": plan.fingerprint or None,
        "drawn_at": plan.drawn_at,
        "replaces": plan.replaces_id,
        "replaced_by": replaced,
        "void_reason": plan.void_reason,
        "voided_at": plan.voided_at,
        "synthetic": plan.synthetic,
    }


def plan_detail_out(plan: DrawPlan) -> dict[str, Any]:
    body = plan_out(plan)
    if plan.seed:
        tasks = plan.tasks.select_related("enterprise").prefetch_related("crew__inspector")
        body["tasks"] = [
            {
                "id": t.pk,
                "code": t.code,
                "kind": t.kind,
                "state": t.state,
                "enterprise": {"id": t.enterprise_id, "name": t.enterprise.name},
                "inspectors": [
                    {"id": m.inspector_id, "name": m.inspector.name, "lead": m.lead}
                    for m in t.crew.all()
                ],
            }
            for t in tasks.order_by("code")
        ]
        body["load"] = [
            {
                "inspector": r["inspector"].pk,
                "name": r["inspector"].name,
                "tasks": r["tasks"],
                "leads": r["leads"],
                "open_all": r["open_all"],
            }
            for r in draws.crew_load(plan)
        ]
    return body


def _data(payload: Schema) -> dict[str, Any]:
    return dict(payload.model_dump(exclude_unset=True))


# ---------------------------------------------------------------- items


@router.get("/items/", summary="Inspection items you see (yours, above and below)")
def item_list(request: HttpRequest, query: Query[ItemQuery]) -> dict[str, Any]:
    found = lists.search_items(request.user, q=query.q, state=query.state, region=query.region)
    return paged(found, query, item_out)


@router.get("/items/{int:pk}", summary="One inspection item with its checklist")
def item_detail(request: HttpRequest, pk: int = Path(..., ge=1, le=MAX_PK)) -> dict[str, Any]:
    return item_out(lists.get_item(request.user, pk))


@router.post("/items/", summary="Add an inspection item", response={201: dict[str, Any]})
def item_create(request: HttpRequest, payload: ItemIn) -> Any:
    return Status(201, item_out(lists.create_item(actor=request.user, data=_data(payload))))


@router.patch("/items/{int:pk}", summary="Change an item (the fields given)")
def item_update(
    request: HttpRequest, payload: ItemPatch, pk: int = Path(..., ge=1, le=MAX_PK)
) -> dict[str, Any]:
    data = {k: v for k, v in _data(payload).items() if v is not None}
    return item_out(lists.update_item(actor=request.user, pk=pk, data=data))


@router.post("/items/{int:pk}/void", summary="Void an item with a reason")
def item_void(
    request: HttpRequest, payload: ReasonIn, pk: int = Path(..., ge=1, le=MAX_PK)
) -> dict[str, Any]:
    return item_out(lists.void_item(actor=request.user, pk=pk, reason=payload.reason))


# ---------------------------------------------------------------- inspectors and conflicts


@router.get("/inspectors/", summary="The inspector pool of your jurisdiction")
def inspector_list(request: HttpRequest, query: Query[InspectorQuery]) -> dict[str, Any]:
    return paged(lists.inspectors(request.user, q=query.q, state=query.state), query, inspector_out)


@router.post(
    "/inspectors/", summary="Put an inspector account in the pool", response={201: dict[str, Any]}
)
def inspector_add(request: HttpRequest, payload: InspectorIn) -> Any:
    return Status(201, inspector_out(lists.add_inspector(actor=request.user, data=_data(payload))))


@router.post("/inspectors/{int:pk}/active", summary="Deactivate (reason) or reactivate")
def inspector_active(
    request: HttpRequest, payload: ActiveIn, pk: int = Path(..., ge=1, le=MAX_PK)
) -> dict[str, Any]:
    person = lists.set_inspector_active(
        actor=request.user, pk=pk, active=payload.active, reason=payload.reason
    )
    return inspector_out(person)


@router.get("/conflicts/", summary="Conflicts of interest (回避): staff see their pool's")
def conflict_list(request: HttpRequest, query: Query[ConflictQuery]) -> dict[str, Any]:
    return paged(lists.conflicts(request.user, live=not query.all), query, conflict_out)


@router.post(
    "/conflicts/",
    summary="Record (staff) or declare (an inspector) a conflict",
    response={201: dict[str, Any]},
)
def conflict_create(request: HttpRequest, payload: ConflictIn) -> Any:
    data = _data(payload)
    if data.get("inspector") is not None:
        data["inspector"] = str(data["inspector"])
    return Status(201, conflict_out(lists.declare_conflict(actor=request.user, data=data)))


@router.post("/conflicts/{int:pk}/withdraw", summary="Withdraw a conflict, with a reason")
def conflict_withdraw(
    request: HttpRequest, payload: ReasonIn, pk: int = Path(..., ge=1, le=MAX_PK)
) -> dict[str, Any]:
    return conflict_out(lists.withdraw_conflict(actor=request.user, pk=pk, reason=payload.reason))


# ---------------------------------------------------------------- the entity pool


@router.get("/pool", summary="The entity pool of an item and region, filtered, with counts")
def entity_pool(request: HttpRequest, query: Query[PoolQuery]) -> dict[str, Any]:
    filters = {k: getattr(query, k) for k in draw_pool.FILTER_KEYS if getattr(query, k)}
    found = draw_pool.pool_for(request.user, item=query.item, region=query.region, filters=filters)
    rows = found.entities.select_related("region").order_by("-colour", "name", "pk")
    page = paged(
        rows,
        query,
        lambda e: {
            "id": e.pk,
            "name": e.name,
            "credit_code": e.credit_code,
            "colour": draw_pool.COLOUR_NAME.get(e.colour, "none")
            if e.colour is not None
            else "none",
            "industry_code": e.industry_code,
            "scale": e.scale,
            "hazchem_role": e.hazchem_role,
            "region": {"code": codes.display(e.region_id), "name": e.region.name},
        },
    )
    return {
        "item": found.item.pk,
        "region": codes.display(found.region.code),
        "filters": found.filters,
        "counts": draw_pool.colour_counts(found.entities),
        **page,
    }


# ---------------------------------------------------------------- plans


@router.get("/plans/", summary="Draw plans of your jurisdiction")
def plan_list(request: HttpRequest, query: Query[PlanQuery]) -> dict[str, Any]:
    return paged(draws.search(request.user, q=query.q, state=query.state), query, plan_out)


@router.post("/plans/", summary="Create a draft plan", response={201: dict[str, Any]})
def plan_create(request: HttpRequest, payload: PlanIn) -> Any:
    data = _data(payload)
    if payload.filters is not None:
        data["filters"] = payload.filters.model_dump()
    return Status(201, plan_out(draws.create_plan(actor=request.user, data=data)))


@router.get("/plans/{int:pk}", summary="A plan; once drawn, its tasks, crews and load")
def plan_detail(request: HttpRequest, pk: int = Path(..., ge=1, le=MAX_PK)) -> dict[str, Any]:
    return plan_detail_out(draws.get_plan(request.user, pk))


@router.get("/plans/{int:pk}/preview", summary="Pool, key entities, sample size, inspectors")
def plan_preview(request: HttpRequest, pk: int = Path(..., ge=1, le=MAX_PK)) -> dict[str, Any]:
    seen = draw_pool.preview(request.user, pk)
    return {
        "pool": len(seen.inputs.entities),
        "counts": seen.counts,
        "key": seen.key_count,
        "key_entities": [{"id": e.pk, "name": e.name} for e in seen.key_entities],
        "non_key": seen.non_key,
        "sample": seen.sample,
        "total": seen.total,
        "inspectors": [{"id": p.pk, "name": p.name} for p in seen.inspectors],
        "conflicts": seen.conflicts,
        "average_load": seen.average_load,
        "short_key": [{"id": e.pk, "name": e.name} for e in seen.short_key],
        "short_other": seen.short_other,
        "problems": seen.problems,
    }


@router.post("/plans/{int:pk}/draw", summary="Draw the plan (once): 409 if drawn or unstaffed")
def plan_draw(
    request: HttpRequest, payload: DrawIn, pk: int = Path(..., ge=1, le=MAX_PK)
) -> dict[str, Any]:
    return plan_detail_out(draws.draw(actor=request.user, pk=pk, seed=payload.seed))


@router.post("/plans/{int:pk}/void", summary="Void with a reason; unstarted tasks cancelled")
def plan_void(
    request: HttpRequest, payload: ReasonIn, pk: int = Path(..., ge=1, le=MAX_PK)
) -> dict[str, Any]:
    return plan_out(draws.void_plan(actor=request.user, pk=pk, reason=payload.reason))


@router.get("/plans/{int:pk}/verify", summary="Re-run the draw from its record and compare")
def plan_verify(request: HttpRequest, pk: int = Path(..., ge=1, le=MAX_PK)) -> dict[str, Any]:
    result = draw_verify.verify(request.user, pk)
    return {
        "identical": result.identical,
        "differences": result.differences,
        "fingerprint_recorded": result.fingerprint_recorded,
        "fingerprint_recomputed": result.fingerprint_recomputed,
        "kernel": draw_verify.KERNEL,
    }


@router.get("/plans/{int:pk}/inputs.json", summary="Seed, inputs, result and recipe (JSON)")
def plan_inputs(request: HttpRequest, pk: int = Path(..., ge=1, le=MAX_PK)) -> HttpResponse:
    plan, doc = draw_verify.document(request.user, pk)
    response = HttpResponse(
        json.dumps(doc, ensure_ascii=False, indent=1),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{plan.code}-draw.json"'
    return response
