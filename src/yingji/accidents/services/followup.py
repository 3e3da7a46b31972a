"""After the report: rectification measures and their 回头看, the evaluation (评估) of the
accident, and typical cases published for warning education.

- measures are set while the investigation is under way (the report proposes them), by the
  office leading it; the unit responsible reports them done;
- 回头看 checks, once the report is in, whether each measure was really carried out;
- every accident whose investigation is closed gets one evaluation, so the list and the
  statistics can show how many closed accidents are evaluated (the coverage);
- a typical case (典型案例) is written from a closed accident and, when public, is readable by
  anyone at ``/accidents/cases/``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from django.db import transaction
from django.utils import timezone

from yingji.accidents.catalogue import Implemented
from yingji.accidents.models import (
    Accident,
    Evaluation,
    Investigation,
    Measure,
    MeasureState,
    State,
    TypicalCase,
)
from yingji.accidents.selectors import get_accident, investigation_of
from yingji.accidents.services import common
from yingji.accidents.services.investigation import WORK_STATES, IllegalTransition, _guard
from yingji.core import audit
from yingji.core.errors import Conflict, InvalidInput, NotFound
from yingji.core.permissions import Cap, require

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yingji.core.models import User

    Actor = User | AnonymousUser

MAX_MEASURES: Final = 100
CHECKED_STATES: Final = (State.REPORTED, State.CLOSED)
audit.ACTION_LABELS.update(
    {
        "accident_record": "记录事故",
        "accident_casualties": "补报",
        "accident_void": "作废",
        "accident_finding": "责任认定",
        "accident_measure": "整改措施",
        "measure_done": "措施完成",
        "measure_followup": "回头看",
        "accident_evaluate": "事故评估",
        "case_publish": "发布典型案例",
        "case_withdraw": "撤回典型案例",
        "economy_import": "导入GDP",
    }
)


def _investigation(accident: Accident, states: tuple[str, ...], what: str) -> Investigation:
    inv = investigation_of(accident)
    state = inv.state if inv is not None else ""
    if inv is None or state not in states:
        raise IllegalTransition(what, state, [])
    return inv


def _today_or_before(
    data: Mapping[str, Any], name: str, today: dt.date, after: dt.date | None = None
) -> dt.date:
    value = common.day(data, name, default=today)
    assert value is not None  # noqa: S101 - a default is given
    if value > today:
        raise InvalidInput(f"{name}: {value} lies in the future", field=name)
    if after is not None and value < after:
        raise InvalidInput(f"{name}: {value} lies before {after}", field=name)
    return value


def _who(actor: Actor) -> str:
    return str(actor)[:100] if actor.is_authenticated else "(system)"


def add_measure(*, actor: Actor, pk: Any, data: Mapping[str, Any]) -> Measure:
    require(actor, Cap.MANAGE_ACCIDENTS)
    with transaction.atomic():
        accident = get_accident(actor, pk, for_update=True)
        inv = _investigation(accident, WORK_STATES, "add a measure")
        _guard(actor, inv)
        if inv.measures.count() >= MAX_MEASURES:
            raise InvalidInput(f"text: at most {MAX_MEASURES} measures", field="text")
        due_on = common.day(data, "due_on")
        assert due_on is not None  # noqa: S101 - required
        if due_on < inv.started_on:
            raise InvalidInput(
                f"due_on: {due_on} lies before the investigation started", field="due_on"
            )
        measure = Measure.objects.create(
            investigation=inv,
            text=common.text(data, "text", 500, required=True),
            owner_unit=common.text(data, "owner_unit", 100, required=True),
            due_on=due_on,
        )
        common.event(
            accident,
            "measure",
            actor=actor,
            note=f"{measure.text}（{measure.owner_unit}，{due_on} 前）",
        )
        audit.record(
            actor=actor,
            action="accident_measure",
            obj=measure,
            region_path=accident.region_path,
            after=audit.snapshot(measure),
        )
    return measure


def _measure(accident: Accident, measure_id: Any) -> Measure:
    number = common.pk_of(measure_id, "measure")
    found = (
        Measure.objects.select_for_update()
        .filter(pk=number or 0, investigation__accident=accident)
        .first()
    )
    if found is None:
        raise NotFound(f"No measure {number} on {accident.code}", field="measure")
    return found


def complete_measure(*, actor: Actor, pk: Any, measure_id: Any, data: Mapping[str, Any]) -> Measure:
    """The responsible unit reports the measure done (recorded by the bureau)."""
    require(actor, Cap.MANAGE_ACCIDENTS)
    today = timezone.localdate()
    with transaction.atomic():
        accident = get_accident(actor, pk, for_update=True)
        measure = _measure(accident, measure_id)
        if measure.state == MeasureState.DONE:
            raise Conflict(f"The measure was already done on {measure.done_on}", code="done")
        before = audit.snapshot(measure)
        measure.done_on = _today_or_before(data, "on", today, measure.investigation.started_on)
        measure.done_note = common.text(data, "note", 500, required=True)
        measure.state = MeasureState.DONE
        measure.save()
        common.event(
            accident, "measure_done", actor=actor, note=f"{measure.text}：{measure.done_note}"
        )
        audit.record(
            actor=actor,
            action="measure_done",
            obj=measure,
            region_path=accident.region_path,
            before=before,
            after=audit.snapshot(measure),
        )
    return measure


def record_followup(*, actor: Actor, pk: Any, measure_id: Any, data: Mapping[str, Any]) -> Measure:
    """回头看: whether a measure was really carried out, checked on the spot later."""
    require(actor, Cap.MANAGE_ACCIDENTS)
    today = timezone.localdate()
    with transaction.atomic():
        accident = get_accident(actor, pk, for_update=True)
        inv = _investigation(accident, CHECKED_STATES, "record a follow-up (回头看)")
        measure = _measure(accident, measure_id)
        before = audit.snapshot(measure)
        result = common.choice(data, "result", Implemented.values)
        note = common.text(data, "note", 1000, required=result != Implemented.YES)
        measure.checked_on = _today_or_before(data, "on", today, inv.submitted_on)
        measure.check_result, measure.check_note = result, note
        measure.checked_by = common.text(data, "checked_by", 100) or _who(actor)
        measure.save()
        common.event(
            accident,
            "followup",
            actor=actor,
            note=f"回头看 {measure.text}：{Implemented(result).label} {note}",
        )
        audit.record(
            actor=actor,
            action="measure_followup",
            obj=measure,
            region_path=accident.region_path,
            before=before,
            after=audit.snapshot(measure),
        )
    return measure


def evaluate(*, actor: Actor, pk: Any, data: Mapping[str, Any]) -> Evaluation:
    """The one evaluation of an accident whose investigation is closed."""
    require(actor, Cap.MANAGE_ACCIDENTS)
    today = timezone.localdate()
    with transaction.atomic():
        accident = get_accident(actor, pk, for_update=True)
        if accident.voided:
            raise Conflict(f"{accident.code} is voided", code="voided")
        inv = _investigation(accident, (State.CLOSED,), "evaluate")
        if Evaluation.objects.filter(accident=accident).exists():
            raise Conflict(f"{accident.code} is already evaluated", code="evaluated")
        score = common.whole(data, "score", default=-1, low=0, high=100)
        if score < 0:
            raise InvalidInput("score: give a score from 0 to 100", field="score")
        evaluation = Evaluation.objects.create(
            accident=accident,
            evaluated_on=_today_or_before(data, "on", today, inv.closed_on),
            evaluator=common.text(data, "evaluator", 100) or _who(actor),
            measures_implemented=common.choice(data, "measures_implemented", Implemented.values),
            score=score,
            conclusion=common.text(data, "conclusion", 3000, required=True),
            recorded_by=actor if actor.is_authenticated else None,
        )
        common.event(
            accident,
            "evaluate",
            actor=actor,
            note=f"评估 {evaluation.score} 分：{evaluation.conclusion[:200]}",
        )
        audit.record(
            actor=actor,
            action="accident_evaluate",
            obj=evaluation,
            region_path=accident.region_path,
            after=audit.snapshot(evaluation),
        )
    return evaluation


def publish_case(*, actor: Actor, pk: Any, data: Mapping[str, Any]) -> TypicalCase:
    """Publish (or re-edit) the accident's typical case for warning education."""
    require(actor, Cap.MANAGE_ACCIDENTS)
    with transaction.atomic():
        accident = get_accident(actor, pk, for_update=True)
        if accident.voided:
            raise Conflict(f"{accident.code} is voided", code="voided")
        _investigation(accident, (State.CLOSED,), "publish a typical case")
        case = TypicalCase.objects.filter(accident=accident).first()
        before = audit.snapshot(case) if case else None
        case = case or TypicalCase(
            accident=accident,
            published_at=timezone.now(),
            published_by=actor if actor.is_authenticated else None,
        )
        case.title = common.text(data, "title", 200, required=True)
        case.body = common.text(data, "body", 10000, required=True)
        case.lessons = common.text(data, "lessons", 5000, required=True)
        case.public = data.get("public") is None or common.flag(data, "public")
        case.save()
        common.event(
            accident,
            "case",
            actor=actor,
            note=f"典型案例《{case.title}》" + ("公开发布" if case.public else "内部发布"),
        )
        audit.record(
            actor=actor,
            action="case_publish",
            obj=case,
            region_path=accident.region_path,
            before=before,
            after=audit.snapshot(case),
        )
    return case


def withdraw_case(*, actor: Actor, pk: Any, reason: str) -> TypicalCase:
    require(actor, Cap.MANAGE_ACCIDENTS)
    why = common.text({"reason": reason}, "reason", 200, required=True)
    with transaction.atomic():
        accident = get_accident(actor, pk, for_update=True)
        case = TypicalCase.objects.filter(accident=accident).first()
        if case is None or not case.public:
            raise Conflict("There is no public typical case to withdraw", code="not_public")
        before = audit.snapshot(case)
        case.public = False
        case.save(update_fields=["public"])
        common.event(accident, "case", actor=actor, note=f"撤回典型案例：{why}")
        audit.record(
            actor=actor,
            action="case_withdraw",
            obj=case,
            message=why,
            region_path=accident.region_path,
            before=before,
            after=audit.snapshot(case),
        )
    return case
