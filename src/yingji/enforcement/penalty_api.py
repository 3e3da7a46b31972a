"""Enforcement API, penalty part (``/api/enforcement/``): cases and their steps, the
discretion table, publications, and the publication deadline for a date.

Reads are scoped (404 outside the caller's reach); writes go through the services, which
check roles (403), state (409 with a code) and input (422 naming the field). Bodies are
strict: an unknown field is 422. Amounts may be sent as text ("20000.00") or numbers; either
way they are checked as yuan with two decimals inside the cited rule's range.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Path, Query, Router, Schema, Status

from yingji.core.errors import InvalidInput
from yingji.core.permissions import Cap, require
from yingji.core.schemas import IsoDate, Page, Strict, paged
from yingji.enforcement import penalty_forms as forms
from yingji.enforcement import selectors
from yingji.enforcement.models import DiscretionRule, PenaltyCase, Publication
from yingji.enforcement.services import calendar, discretion, penalties, publication

router = Router(tags=["enforcement"])

MAX_PK: Final = 2**63 - 1
Amount = str | int | float


class CaseQuery(Page):
    q: str = Field("", max_length=60, description="case, decision number, enterprise, credit code")
    state: str = Field("", max_length=12)
    payment: str = Field("", max_length=12)
    year: str = Field("", max_length=4)
    region: str = Field("", max_length=6, description="county code (subtree)")


class PublicationQuery(Page):
    tab: str = Field("due", max_length=12, description="due, overdue, published or withdrawn")
    q: str = Field("", max_length=60)
    kind: str = Field("", max_length=12, description="result or decision")
    year: str = Field("", max_length=4)
    region: str = Field("", max_length=6)


class CaseIn(Strict):
    enterprise: int | None = Field(None, ge=1, le=MAX_PK)
    task: int | None = Field(None, ge=1, le=MAX_PK)
    finding: int | None = Field(None, ge=1, le=MAX_PK)
    rule: int = Field(..., ge=1, le=MAX_PK, description="the discretion row cited")
    facts: str = Field(..., max_length=penalties.FACTS_MAX)
    filed_on: IsoDate | None = None


class NotifyIn(Strict):
    amount: Amount = Field(..., description="proposed fine, yuan")
    other_measures: str = Field("", max_length=penalties.MEASURES_MAX)
    notified_on: IsoDate | None = None


class DecideIn(Strict):
    decision_number: str = Field(..., max_length=penalties.NUMBER_MAX)
    amount: Amount = Field(..., description="fine, yuan")
    other_measures: str | None = Field(None, max_length=penalties.MEASURES_MAX)
    decided_on: IsoDate | None = None


class PayIn(Strict):
    payment: str = Field(..., max_length=10, description="paid or deferred")
    paid_on: IsoDate | None = None
    note: str = Field("", max_length=500)


class ExecuteIn(Strict):
    execution: str = Field(..., max_length=10, description="court or done")
    note: str = Field("", max_length=500)


class NoteIn(Strict):
    note: str = Field("", max_length=500)


class ReasonIn(Strict):
    reason: str = Field(..., max_length=200)


class DueQuery(Schema):
    start: IsoDate = Field(..., alias="from", description="inspection or decision date")
    days: int = Field(calendar.PUBLICATION_LIMIT, ge=0, le=calendar.MAX_DAYS)


# ---------------------------------------------------------------- payloads


def rule_out(rule: DiscretionRule) -> dict[str, Any]:
    return {
        "id": rule.pk, "code": rule.code, "violation": rule.violation,
        "violated_provision": rule.violated_provision,
        "penalty_provision": rule.penalty_provision, "circumstance": rule.circumstance,
        "circumstance_text": rule.circumstance_text, "min_yuan": str(rule.min_yuan),
        "max_yuan": str(rule.max_yuan), "other_measures": rule.other_measures,
        "region": rule.region_path, "voided": rule.voided_at is not None,
    }  # fmt: skip


def case_out(case: PenaltyCase, actor: Any = None) -> dict[str, Any]:
    body = {
        "id": case.pk, "code": case.code, "state": case.state,
        "enterprise": {"id": case.enterprise_id, "name": case.enterprise.name,
                       "credit_code": case.enterprise.credit_code},
        "task": case.task_id, "finding": case.finding_id, "rule": rule_out(case.rule),
        "facts": case.facts,
        "amount_yuan": str(case.amount_yuan) if case.amount_yuan is not None else None,
        "other_measures": case.other_measures, "filed_on": case.filed_on,
        "notified_on": case.notified_on, "decision_number": case.decision_number,
        "decided_on": case.decided_on, "payment": case.payment, "paid_on": case.paid_on,
        "execution": case.execution, "closed_on": case.closed_on,
        "withdraw_reason": case.withdraw_reason,
    }  # fmt: skip
    if actor is not None:
        body["allowed"] = penalties.allowed(actor, case)
        body["events"] = [
            {"action": e.action, "from": e.from_state, "to": e.to_state, "note": e.note,
             "at": e.at, "actor": e.actor.get_username() if e.actor else None}
            for e in case.events.select_related("actor")
        ]  # fmt: skip
        body["documents"] = [
            {"id": d.pk, "kind": d.kind, "number": d.number, "issued_at": d.issued_at,
             "pdf_url": f"/enforcement/cases/{case.pk}/documents/{d.pk}.pdf"}
            for d in selectors.documents(actor).filter(case=case).order_by("issued_at")
        ]  # fmt: skip
    return body


def publication_out(item: Publication, today: dt.date, cal: Any) -> dict[str, Any]:
    left = None
    if cal is not None and item.published_at is None and item.withdrawn_at is None:
        left = calendar.workdays_left(item.due_on, today, cal)
    return {
        "id": item.pk, "kind": item.kind, "task": item.task_id, "case": item.case_id,
        "enterprise": item.enterprise_id, "title": item.title, "body": item.body,
        "fact_on": item.fact_on, "due_on": item.due_on, "workdays_left": left,
        "published_at": item.published_at, "overdue_flagged_at": item.overdue_flagged_at,
        "withdrawn_at": item.withdrawn_at, "withdraw_reason": item.withdraw_reason,
    }  # fmt: skip


def _filters(build: Any, query: Schema) -> Any:
    return build(query.model_dump(exclude={"limit", "offset"}))


# ---------------------------------------------------------------- cases


@router.get("/cases", summary="Penalty cases the caller may see (filters, pages)")
def case_list(request: HttpRequest, query: Query[CaseQuery]) -> dict[str, Any]:
    qs = forms.case_rows(request.user, _filters(forms.case_filters, query))  # type: ignore[arg-type]
    return paged(qs, query, case_out)


@router.post("/cases", summary="File a case (立案)", response={201: dict[str, Any]})
def case_create(request: HttpRequest, payload: CaseIn) -> Any:
    case = penalties.file_case(actor=request.user, data=payload.model_dump())
    return Status(201, case_out(case, request.user))


@router.get("/cases/{int:pk}", summary="A case with its steps, events and documents")
def case_detail(request: HttpRequest, pk: int = Path(..., ge=1, le=MAX_PK)) -> dict[str, Any]:
    return case_out(selectors.get(selectors.cases(request.user), pk, "penalty case"), request.user)


def _act(request: HttpRequest, pk: int, action: str, payload: Schema | None) -> dict[str, Any]:
    data = payload.model_dump(exclude_none=True) if payload is not None else {}
    case = penalties.act(actor=request.user, pk=pk, action=action, data=data)
    return case_out(case, request.user)


@router.post("/cases/{int:pk}/notify", summary="告知: the notice of the intended penalty")
def case_notify(request: HttpRequest, payload: NotifyIn,
                pk: int = Path(..., ge=1, le=MAX_PK)) -> dict[str, Any]:  # fmt: skip
    return _act(request, pk, "notify", payload)


@router.post("/cases/{int:pk}/decide", summary="决定: the decision (number, fine in range)")
def case_decide(request: HttpRequest, payload: DecideIn,
                pk: int = Path(..., ge=1, le=MAX_PK)) -> dict[str, Any]:  # fmt: skip
    return _act(request, pk, "decide", payload)


@router.post("/cases/{int:pk}/pay", summary="Record payment: paid (with the date) or deferred")
def case_pay(request: HttpRequest, payload: PayIn,
             pk: int = Path(..., ge=1, le=MAX_PK)) -> dict[str, Any]:  # fmt: skip
    return _act(request, pk, "pay", payload)


@router.post("/cases/{int:pk}/execute", summary="Court enforcement applied for, then done")
def case_execute(request: HttpRequest, payload: ExecuteIn,
                 pk: int = Path(..., ge=1, le=MAX_PK)) -> dict[str, Any]:  # fmt: skip
    return _act(request, pk, "execute", payload)


@router.post("/cases/{int:pk}/close", summary="结案: only when paid or executed")
def case_close(request: HttpRequest, payload: NoteIn,
               pk: int = Path(..., ge=1, le=MAX_PK)) -> dict[str, Any]:  # fmt: skip
    return _act(request, pk, "close", payload)


@router.post("/cases/{int:pk}/withdraw", summary="撤销立案 (before the decision), with a reason")
def case_withdraw(request: HttpRequest, payload: ReasonIn,
                  pk: int = Path(..., ge=1, le=MAX_PK)) -> dict[str, Any]:  # fmt: skip
    return _act(request, pk, "withdraw", payload)


# ---------------------------------------------------------------- discretion, publications


@router.get("/discretion-rules", summary="The discretion rows binding the caller's region")
def rule_list(
    request: HttpRequest, history: bool = False, q: str = Query("", max_length=60)
) -> list[dict[str, Any]]:
    qs = discretion.visible(request.user)
    if not history:
        qs = qs.filter(voided_at__isnull=True)
    if q:
        qs = qs.filter(code__icontains=q) | qs.filter(violation__icontains=q)
    return [rule_out(r) for r in discretion.ordered(qs)[:1000]]


@router.get("/publications", summary="Publications: due, overdue, published or withdrawn")
def publication_list(request: HttpRequest, query: Query[PublicationQuery]) -> dict[str, Any]:
    today = timezone.localdate()
    qs = forms.publication_rows(
        request.user,  # type: ignore[arg-type]
        _filters(forms.publication_filters, query),
        today,
    )
    try:
        cal = calendar.current()
    except calendar.CalendarGap:
        cal = None
    return paged(qs, query, lambda p: publication_out(p, today, cal))


@router.post("/publications/{int:pk}/publish", summary="Put it on the public site")
def publication_publish(request: HttpRequest, pk: int = Path(..., ge=1, le=MAX_PK)) -> Any:
    item = publication.publish(actor=request.user, pk=pk)
    return publication_out(item, timezone.localdate(), None)


@router.post("/publications/{int:pk}/withdraw", summary="Take it off the public site")
def publication_withdraw(request: HttpRequest, payload: ReasonIn,
                         pk: int = Path(..., ge=1, le=MAX_PK)) -> Any:  # fmt: skip
    item = publication.withdraw(actor=request.user, pk=pk, reason=payload.reason)
    return publication_out(item, timezone.localdate(), None)


@router.get("/calendar/due", summary="The publication deadline: n working days after a date")
def calendar_due(request: HttpRequest, query: Query[DueQuery]) -> dict[str, Any]:
    require(request.user, Cap.VIEW_ENFORCEMENT)
    if not 2000 <= query.start.year <= 2199:
        raise InvalidInput("from: the year is out of range", field="from")
    due = calendar.due_date(query.start, query.days)
    return {"from": query.start, "days": query.days, "due": due,
            "weekday": due.isoweekday()}  # fmt: skip
