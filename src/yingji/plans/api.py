"""Plan API (``/api/plans/``): the library (search, a plan, drafting, editing, approve, new
version, retire, the Word file), activation on an incident with its preview, ending a
response, drills and their evaluation.

Reads are limited to what the caller may see (404 otherwise); every write goes through
:mod:`yingji.plans.services`, which checks the roles (403), the state (409 with a code) and
the input (422 naming the field). Bodies are strict: an unknown field is 422.
"""

from __future__ import annotations

from typing import Any, Final

from django.http import HttpRequest, HttpResponse
from ninja import Field, Path, Query, Router, Schema, Status
from pydantic import ConfigDict

from yingji.core.openapi import file_response
from yingji.incidents import catalogue
from yingji.plans import selectors, services
from yingji.plans.models import Activation, Plan
from yingji.plans.services import activation, export, fields

router = Router(tags=["plans"])

MAX_PK: Final = 2**63 - 1
MAX_LIMIT: Final = 200
DOCX: Final = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class ListQuery(Schema):
    q: str = Field("", max_length=60, description="words of the title, code or scope")
    event_type: str = Field("", max_length=20, description="incident type code, e.g. typhoon")
    kind: str = Field("", max_length=12, description="general, special, department, …")
    region: str = Field("", max_length=12, description="issuing region code (subtree)")
    status: str = Field("", max_length=10, description="draft, current or retired")
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=10_000_000)


class RoleIn(Strict):
    name: str = Field(..., max_length=40)
    duties: str = Field("", max_length=1000)


class ActionIn(Strict):
    from_level: int = Field(..., description="0 Ⅳ … 3 Ⅰ: applies at this level and above")
    title: str = Field(..., max_length=300)
    role: str = Field(..., max_length=40, description="one of the plan's roles")
    offset_minutes: int = Field(0, description="deadline: minutes after activation")
    priority: int = Field(2, description="0 紧急 … 3 低")


class PlanPatch(Strict):
    title: str | None = Field(None, max_length=200)
    kind: str | None = Field(None, max_length=12)
    scope: str | None = Field(None, max_length=4000)
    event_types: list[str] | None = Field(None, max_length=40)
    condition_iv: str | None = Field(None, max_length=2000)
    condition_iii: str | None = Field(None, max_length=2000)
    condition_ii: str | None = Field(None, max_length=2000)
    condition_i: str | None = Field(None, max_length=2000)
    roles: list[RoleIn] | None = Field(None, max_length=fields.MAX_ROLES)
    actions: list[ActionIn] | None = Field(None, max_length=fields.MAX_ACTIONS)


class PlanIn(PlanPatch):
    code: str = Field(..., max_length=40)
    title: str = Field(..., max_length=200)  # type: ignore[assignment]
    kind: str = Field(..., max_length=12)  # type: ignore[assignment]
    scope: str = Field(..., max_length=4000)  # type: ignore[assignment]
    event_types: list[str] = Field(..., max_length=40)  # type: ignore[assignment]
    region: str = Field("", max_length=12, description="issuing region; default: yours")


class ActivateIn(Strict):
    plan: int = Field(..., ge=1, le=MAX_PK)
    incident: int = Field(..., ge=1, le=MAX_PK)
    level: int = Field(..., description="0 Ⅳ … 3 Ⅰ")
    mode: str = Field("real", max_length=5, description="real or drill")


class PreviewQuery(Schema):
    incident: int = Field(..., ge=1, le=MAX_PK)
    level: int = Field(..., ge=0, le=3)
    mode: str = Field("real", max_length=5)


class DrillIn(Strict):
    plan: int = Field(..., ge=1, le=MAX_PK)
    level: int = Field(..., description="0 Ⅳ … 3 Ⅰ")
    region: str = Field(..., max_length=12, description="where the drill takes place")


class EvaluationIn(Strict):
    score: int = Field(..., description="0–100")
    findings: str = Field(..., max_length=4000)
    improvements: str = Field("", max_length=4000)


# ---------------------------------------------------------------- payloads


def item(plan: Plan) -> dict[str, Any]:
    return {
        "id": plan.pk,
        "code": plan.code,
        "version": plan.version,
        "title": plan.title,
        "kind": plan.kind,
        "kind_label": plan.get_kind_display(),
        "status": plan.status,
        "status_label": plan.get_status_display(),
        "event_types": plan.type_codes,
        "region": {"path": plan.region_path, "name": plan.region.name},
        "levels": plan.defined_levels,
        "approved_at": plan.approved_at,
        "synthetic": plan.synthetic,
    }


def detail(plan: Plan) -> dict[str, Any]:
    body = item(plan)
    body.update(
        scope=plan.scope,
        conditions={catalogue.RESPONSE_LEVELS[x]: plan.condition(x) for x in range(4)},
        supersedes=plan.supersedes_id,
        created_at=plan.created_at,
        retired_at=plan.retired_at,
        roles=[{"name": r.name, "duties": r.duties} for r in plan.roles.all()],
        actions=[
            {
                "from_level": a.from_level,
                "title": a.title,
                "role": a.role,
                "offset_minutes": a.offset_minutes,
                "priority": a.priority,
            }
            for a in plan.actions.all()
        ],
        versions=[
            {"id": v.pk, "version": v.version, "status": v.status} for v in selectors.versions(plan)
        ],
        docx_url=f"/api/plans/{plan.pk}/plan.docx",
    )
    return body


def activation_body(done: Activation) -> dict[str, Any]:
    return {
        "id": done.pk,
        "plan": done.plan_id,
        "incident": done.incident_id,
        "level": done.level,
        "level_label": done.level_name,
        "mode": done.mode,
        "at": done.at,
        "by": done.by.username,
        "tasks_created": done.tasks_created,
        "ended_at": done.ended_at,
        "source": f"plan:{done.pk}",
    }


def _data(payload: Schema, *, exclude_unset: bool) -> dict[str, Any]:
    return payload.model_dump(exclude_unset=exclude_unset)


# ---------------------------------------------------------------- the library


@router.get("/", summary="The plan library as the caller sees it (search and filters)")
def plan_list(request: HttpRequest, filters: Query[ListQuery]) -> dict[str, Any]:
    keys = ("q", "event_type", "kind", "region", "status")
    qs = selectors.search(request.user, **{k: getattr(filters, k) for k in keys})  # type: ignore[arg-type]
    total = qs.count()
    page = qs[filters.offset : filters.offset + filters.limit]
    return {"total": total, "limit": filters.limit, "offset": filters.offset,
            "items": [item(p) for p in page]}  # fmt: skip


@router.post("/", summary="Draft a new plan (version 1)", response={201: dict[str, Any]})
def plan_create(request: HttpRequest, payload: PlanIn) -> Any:
    plan = services.create_draft(request.user, _data(payload, exclude_unset=True))  # type: ignore[arg-type]
    return Status(201, detail(plan))


@router.get("/{int:pk}", summary="A plan version: roles, actions, conditions, versions")
def plan_detail(request: HttpRequest, pk: int = Path(..., ge=1, le=MAX_PK)) -> dict[str, Any]:
    return detail(selectors.get_plan(request.user, pk))  # type: ignore[arg-type]


@router.patch("/{int:pk}", summary="Edit a draft (fields given; roles / actions replace all)")
def plan_edit(request: HttpRequest, payload: PlanPatch,
              pk: int = Path(..., ge=1, le=MAX_PK)) -> dict[str, Any]:  # fmt: skip
    data = {k: v for k, v in _data(payload, exclude_unset=True).items() if v is not None}
    plan = services.update_draft(request.user, pk, data)  # type: ignore[arg-type]
    return detail(plan)


@router.post("/{int:pk}/approve", summary="Draft → current; the previous current → retired")
def plan_approve(request: HttpRequest, pk: int = Path(..., ge=1, le=MAX_PK)) -> dict[str, Any]:
    return detail(services.approve(request.user, pk))  # type: ignore[arg-type]


@router.post("/{int:pk}/retire", summary="Withdraw a current plan or discard a draft")
def plan_retire(request: HttpRequest, pk: int = Path(..., ge=1, le=MAX_PK)) -> dict[str, Any]:
    return detail(services.retire(request.user, pk))  # type: ignore[arg-type]


@router.post("/{int:pk}/versions", summary="Draft the next version, copied from this one",
             response={201: dict[str, Any]})  # fmt: skip
def plan_version(request: HttpRequest, pk: int = Path(..., ge=1, le=MAX_PK)) -> Any:
    return Status(201, detail(services.new_version(request.user, pk)))  # type: ignore[arg-type]


@router.get(
    "/{int:pk}/plan.docx",
    summary="The plan as a Word document",
    openapi_extra=file_response("The plan (.docx)", DOCX),
)
def plan_docx(request: HttpRequest, pk: int = Path(..., ge=1, le=MAX_PK)) -> HttpResponse:
    plan, content = export.plan_docx(request.user, pk)  # type: ignore[arg-type]
    response = HttpResponse(content, content_type=DOCX)
    response["Content-Disposition"] = (
        f'attachment; filename="plan-{plan.code}-v{plan.version}.docx"'
    )
    return response


@router.get("/{int:pk}/preview", summary="The tasks activating the plan would create now")
def plan_preview(request: HttpRequest, query: Query[PreviewQuery],
                 pk: int = Path(..., ge=1, le=MAX_PK)) -> dict[str, Any]:  # fmt: skip
    planned = activation.preview(request.user, pk, query.incident, query.level, query.mode)  # type: ignore[arg-type]
    return {"tasks": [
        {"title": p.action.title, "role": p.action.role, "owner": p.owner.username,
         "owner_holds_role": p.held, "due_at": p.due_at, "priority": p.action.priority,
         "from_level": p.action.from_level} for p in planned
    ]}  # fmt: skip


# ---------------------------------------------------------------- activation and drills


@router.post("/activations", summary="Activate a plan on an incident at a level",
             response={201: dict[str, Any]})  # fmt: skip
def activate(request: HttpRequest, payload: ActivateIn) -> Any:
    done = activation.activate(request.user, payload.plan, payload.incident, payload.level,  # type: ignore[arg-type]
                               payload.mode)  # fmt: skip
    return Status(201, activation_body(done))


@router.post("/activations/{int:pk}/end", summary="End the plan's response on the incident")
def end(request: HttpRequest, pk: int = Path(..., ge=1, le=MAX_PK)) -> dict[str, Any]:
    return {"ended": activation.end_response(request.user, pk)}  # type: ignore[arg-type]


@router.post("/drills", summary="Start a drill: an exercise incident with the plan activated",
             response={201: dict[str, Any]})  # fmt: skip
def drill(request: HttpRequest, payload: DrillIn) -> Any:
    done = activation.start_drill(request.user, payload.plan, payload.level, payload.region)  # type: ignore[arg-type]
    return Status(201, activation_body(done))


@router.post("/activations/{int:pk}/evaluation", summary="Evaluate a drill",
             response={201: dict[str, Any]})  # fmt: skip
def evaluation(request: HttpRequest, payload: EvaluationIn,
               pk: int = Path(..., ge=1, le=MAX_PK)) -> Any:  # fmt: skip
    done = activation.evaluate_drill(request.user, pk, **payload.model_dump())  # type: ignore[arg-type]
    return Status(201, {"activation": done.activation_id, "score": done.score,
                        "findings": done.findings, "improvements": done.improvements,
                        "evaluator": done.evaluator.username, "at": done.at})  # fmt: skip
