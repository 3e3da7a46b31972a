"""Accident API (``/api/accidents/``): the list (scoped, filtered, paged), an accident,
recording one (also from an incident), 补报, the investigation and its steps (the report as a
file upload), findings, measures, 回头看, evaluation, statistics, and county GDP with its
import.

Reads are limited to what the caller may see (404 otherwise); every write goes through
:mod:`yingji.accidents.services`, which checks the roles (403), the state (409 with a code)
and the input (422 naming the field). Bodies are strict: an unknown field is 422. A GDP file
refused whole answers 422 with ``errors``: every row at fault.
"""

from __future__ import annotations

from typing import Any, Final

from django.http import HttpRequest
from ninja import File, Form, Path, Query, Router, Status, UploadedFile

from yingji.accidents import schemas, selectors, stats
from yingji.accidents.models import Accident, Investigation, RegionEconomy
from yingji.accidents.services import economy, followup, investigation, records
from yingji.core.errors import Forbidden
from yingji.core.permissions import Cap, require
from yingji.core.schemas import paged
from yingji.core.scoping import scope

router = Router(tags=["accidents"])
MAX_PK: Final = schemas.MAX_PK


# ---------------------------------------------------------------- payloads


def item(a: Accident) -> dict[str, Any]:
    inv = selectors.investigation_of(a)
    return {
        "id": a.pk,
        "code": a.code,
        "title": a.title,
        "occurred_at": a.occurred_at,
        "accident_type": a.accident_type,
        "accident_type_label": a.get_accident_type_display(),
        "grade": a.grade,
        "grade_label": a.grade_name,
        "grade_decided_by": [x for x in a.grade_decided_by.split(",") if x],
        "region": {"code": a.region_id, "path": a.region_path, "name": a.region.name},
        "enterprise": {"id": a.enterprise_id, "name": a.enterprise.name} if a.enterprise else None,
        "incident": a.incident_id,
        "industry_code": a.industry_code,
        "dead": a.dead,
        "missing": a.missing,
        "seriously_injured": a.seriously_injured,
        "direct_loss_yuan": str(a.direct_loss_yuan),
        "investigation": inv.state if inv else None,
        "evaluated": hasattr(a, "evaluation"),
        "voided": a.voided,
        "synthetic": a.synthetic,
    }


def investigation_body(inv: Investigation) -> dict[str, Any]:
    return {
        "state": inv.state,
        "state_label": inv.get_state_display(),
        "level": inv.level,
        "office": inv.office,
        "team": inv.team,
        "started_on": inv.started_on,
        "due_on": inv.due_on,
        "extension_days": inv.extension_days,
        "extension_reason": inv.extension_reason,
        "appraisal_days": inv.appraisal_days,
        "paused_on": inv.paused_on,
        "cause": inv.cause,
        "submitted_on": inv.submitted_on,
        "report": {
            "name": inv.report_name,
            "size": inv.report_size,
            "url": f"/accidents/{inv.accident_id}/report",
        }
        if inv.report_file
        else None,
        "approval": inv.approval,
        "closed_on": inv.closed_on,
        "findings": [
            {
                "subject": f.subject,
                "position": f.position,
                "responsibility": f.responsibility,
                "handling": f.handling,
                "note": f.note,
            }
            for f in inv.findings.all()
        ],
        "measures": [
            {
                "id": m.pk,
                "text": m.text,
                "owner_unit": m.owner_unit,
                "due_on": m.due_on,
                "state": m.state,
                "done_on": m.done_on,
                "checked_on": m.checked_on,
                "check_result": m.check_result,
                "check_note": m.check_note,
            }
            for m in inv.measures.all()
        ],
    }


def detail(a: Accident) -> dict[str, Any]:
    body = item(a)
    inv = selectors.investigation_of(a)
    evaluation = getattr(a, "evaluation", None)
    body.update(
        summary=a.summary,
        address=a.address,
        lon=a.lon,
        lat=a.lat,
        industry_name=a.industry_name,
        road_traffic=a.road_traffic,
        supplement_window_closes=records.window_closes(a),
        void_reason=a.void_reason,
        investigation=investigation_body(inv) if inv else None,
        evaluation={
            "on": evaluation.evaluated_on,
            "score": evaluation.score,
            "measures_implemented": evaluation.measures_implemented,
            "conclusion": evaluation.conclusion,
        }
        if evaluation
        else None,
        timeline=[
            {"at": e.at, "action": e.action, "note": e.note, "by": e.actor_label}
            for e in a.events.all()
        ],
    )
    return body


def _fresh(request: HttpRequest, pk: int) -> dict[str, Any]:
    return detail(selectors.get_accident(request.user, pk))  # type: ignore[arg-type]


# ---------------------------------------------------------------- records


@router.get("/", summary="Accidents the caller may see (filters, newest first)")
def accident_list(request: HttpRequest, filters: Query[schemas.ListQuery]) -> dict[str, Any]:
    keys = ("q", "grade", "accident_type", "region", "year", "investigation", "evaluated")
    qs = selectors.search(request.user, **{k: getattr(filters, k) for k in keys})  # type: ignore[arg-type]
    return paged(qs, filters, item, coverage=selectors.coverage(qs))


@router.post(
    "/", summary="Record an accident (graded by Decree 493)", response={201: dict[str, Any]}
)
def accident_create(request: HttpRequest, payload: schemas.AccidentIn) -> Any:
    data = payload.model_dump()
    data["occurred_at"] = payload.occurred_at.isoformat()
    accident = records.record_accident(actor=request.user, data=data)  # type: ignore[arg-type]
    return Status(201, _fresh(request, accident.pk))


@router.post(
    "/from-incident/{int:incident}",
    response={201: dict[str, Any]},
    summary="Record the accident of a work-safety incident from its figures",
)
def accident_from_incident(
    request: HttpRequest,
    payload: schemas.FromIncidentIn,
    incident: int = Path(..., ge=1, le=MAX_PK),
) -> Any:
    changes = {k: v for k, v in payload.model_dump().items() if v is not None}
    accident = records.from_incident(actor=request.user, incident_pk=incident, changes=changes)  # type: ignore[arg-type]
    return Status(201, _fresh(request, accident.pk))


@router.get("/{int:pk}", summary="An accident: figures, investigation, evaluation, timeline")
def accident_detail(request: HttpRequest, pk: int = Path(..., ge=1, le=MAX_PK)) -> dict[str, Any]:
    return _fresh(request, pk)


@router.post("/{int:pk}/casualties", summary="补报: new figures (re-graded within the window)")
def casualties(
    request: HttpRequest, payload: schemas.CasualtiesIn, pk: int = Path(..., ge=1, le=MAX_PK)
) -> dict[str, Any]:
    data = {k: v for k, v in payload.model_dump().items() if v is not None}
    records.update_casualties(actor=request.user, pk=pk, data=data)  # type: ignore[arg-type]
    return _fresh(request, pk)


# ---------------------------------------------------------------- investigation


@router.post(
    "/{int:pk}/investigation",
    response={201: dict[str, Any]},
    summary="Open the investigation (led by the government the grade names)",
)
def investigation_open(
    request: HttpRequest, payload: schemas.InvestigationIn, pk: int = Path(..., ge=1, le=MAX_PK)
) -> Any:
    data = payload.model_dump()
    investigation.open_investigation(actor=request.user, pk=pk, data=data)  # type: ignore[arg-type]
    return Status(201, _fresh(request, pk))


@router.post("/{int:pk}/investigation/report", summary="Submit the report (PDF or .docx)")
def investigation_report(
    request: HttpRequest,
    report: File[UploadedFile],
    cause: Form[str] = "",
    on: Form[str] = "",
    pk: int = Path(..., ge=1, le=MAX_PK),
) -> dict[str, Any]:
    data = {"cause": cause[:6000], "on": on[:10]}
    investigation.transition(
        actor=request.user,
        pk=pk,
        action="submit",
        data=data,  # type: ignore[arg-type]
        upload=report,
    )
    return _fresh(request, pk)


@router.post(
    "/{int:pk}/investigation/{action}",
    summary="extend, pause, resume, submit (report already uploaded), return, close",
)
def investigation_step(
    request: HttpRequest,
    payload: schemas.StepIn,
    action: str = Path(..., max_length=10),
    pk: int = Path(..., ge=1, le=MAX_PK),
) -> dict[str, Any]:
    data = {k: v for k, v in payload.model_dump().items() if v not in (None, "")}
    investigation.transition(actor=request.user, pk=pk, action=action, data=data)  # type: ignore[arg-type]
    return _fresh(request, pk)


@router.post(
    "/{int:pk}/findings", response={201: dict[str, Any]}, summary="Add a responsibility finding"
)
def finding(
    request: HttpRequest, payload: schemas.FindingIn, pk: int = Path(..., ge=1, le=MAX_PK)
) -> Any:
    investigation.add_finding(actor=request.user, pk=pk, data=payload.model_dump())  # type: ignore[arg-type]
    return Status(201, _fresh(request, pk))


@router.post(
    "/{int:pk}/measures", response={201: dict[str, Any]}, summary="Add a rectification measure"
)
def measure(
    request: HttpRequest, payload: schemas.MeasureIn, pk: int = Path(..., ge=1, le=MAX_PK)
) -> Any:
    followup.add_measure(actor=request.user, pk=pk, data=payload.model_dump())  # type: ignore[arg-type]
    return Status(201, _fresh(request, pk))


@router.post("/{int:pk}/measures/{int:measure_id}/followup", summary="Record a 回头看 check")
def measure_followup(
    request: HttpRequest,
    payload: schemas.FollowupIn,
    pk: int = Path(..., ge=1, le=MAX_PK),
    measure_id: int = Path(..., ge=1, le=MAX_PK),
) -> dict[str, Any]:
    data = {k: v for k, v in payload.model_dump().items() if v not in (None, "")}
    followup.record_followup(actor=request.user, pk=pk, measure_id=measure_id, data=data)  # type: ignore[arg-type]
    return _fresh(request, pk)


@router.post(
    "/{int:pk}/evaluation",
    response={201: dict[str, Any]},
    summary="Evaluate an accident whose investigation is closed",
)
def evaluation(
    request: HttpRequest, payload: schemas.EvaluationIn, pk: int = Path(..., ge=1, le=MAX_PK)
) -> Any:
    data = {k: v for k, v in payload.model_dump().items() if v not in (None, "")}
    followup.evaluate(actor=request.user, pk=pk, data=data)  # type: ignore[arg-type]
    return Status(201, _fresh(request, pk))


# ---------------------------------------------------------------- statistics and GDP


@router.get("/stats", summary="Statistics of a region for a year (or a date range)")
def statistics(request: HttpRequest, query: Query[schemas.StatsQuery]) -> dict[str, Any]:
    return stats.statistics(
        request.user,
        region=query.region,
        year=query.year,  # type: ignore[arg-type]
        start=query.start,
        end=query.end,
    )


@router.get("/gdp", summary="County GDP (亿元) in the caller's jurisdiction")
def gdp(request: HttpRequest, year: int | None = Query(None, ge=1978, le=2100)) -> dict[str, Any]:
    require(request.user, Cap.VIEW_ACCIDENTS)
    if selectors.is_enterprise_user(request.user):  # type: ignore[arg-type]
        raise Forbidden("County GDP is for bureau staff")
    rows = scope(RegionEconomy.objects.select_related("region"), request.user)
    rows = rows.filter(year=year) if year else rows
    return {
        "items": [
            {
                "region": r.region_id,
                "name": r.region.name,
                "year": r.year,
                "gdp_100m_yuan": str(r.gdp_100m_yuan),
                "source": r.source,
                "synthetic": r.synthetic,
            }
            for r in rows.order_by("region", "year")[:5000]
        ]
    }


@router.post("/gdp/import", summary="Import county GDP from CSV or .xlsx (whole or nothing)")
def gdp_import(
    request: HttpRequest, file: File[UploadedFile], source: Form[str] = ""
) -> dict[str, int]:
    content = file.read(economy.MAX_BYTES + 1)
    return economy.import_gdp(actor=request.user, content=content, source=source[:300])  # type: ignore[arg-type]
