"""Activating a plan (issue 8, done means 3): 防汛防台 at Ⅱ on a typhoon creates exactly its
Ⅳ+Ⅲ+Ⅱ actions as tasks, owned by the role's holder (else the person activating), due at
activation + offset; the response level rises and the timeline says so. Re-activation at Ⅰ
adds only the Ⅰ actions. Refusals change nothing; a drill runs on an exercise incident and
is evaluated."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from yingji.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from yingji.core.models import AuditEntry
from yingji.incidents import services as incidents
from yingji.incidents.models import Entry, Incident, Task
from yingji.incidents.services import room
from yingji.plans import services
from yingji.plans.models import Activation, DrillEvaluation
from yingji.plans.services import activation

from .conftest import NOW, county_plan

AT = NOW + dt.timedelta(minutes=10)
FXFT = "浙江省防汛防台抗旱应急预案（示例）"


def test_level_ii_creates_the_iv_iii_ii_tasks_with_owners_and_deadlines(
    library, people, make_incident
):
    plan = library["ZJ-FXFT"]
    incident = make_incident()
    room.assign_role(people.province, incident.pk, "转移安置组", people.duty.pk)
    with translation.override("zh-hans"):
        done = activation.activate(people.province, plan.pk, incident.pk, 2, "real", now=AT)

    expected = {a.title: a for a in plan.actions.filter(from_level__lte=2)}
    tasks = list(Task.objects.filter(incident=incident, source=f"plan:{done.pk}"))
    assert len(tasks) == len(expected) == 12 and done.tasks_created == 12
    assert {t.title for t in tasks} == set(expected)
    for task in tasks:
        action = expected[task.title]
        assert task.role == action.role
        assert task.due_at == AT + dt.timedelta(minutes=action.offset_minutes)
        assert task.priority == action.priority
        holder = people.duty if action.role == "转移安置组" else people.province
        assert task.owner == holder, task.title
    assert sum(t.owner == people.duty for t in tasks) == 2  # the holder: 转移 at Ⅲ and Ⅱ

    incident.refresh_from_db()
    assert incident.response_level == 2
    entry = Entry.objects.filter(incident=incident, kind="plan").get()
    assert entry.text == f"启动《{FXFT}》Ⅱ级响应"
    assert entry.data["tasks"] == 12 and entry.at == AT
    assert AuditEntry.objects.filter(action="activate", object_id=str(done.pk)).exists()
    raised = AuditEntry.objects.get(object_type="incidents.incident", message="response level")
    assert raised.changes == {"response_level": [None, 2]}


def test_reactivation_at_i_adds_only_the_level_i_actions(library, people, make_incident):
    plan = library["ZJ-FXFT"]
    incident = make_incident()
    activation.activate(people.province, plan.pk, incident.pk, 2, now=AT)
    later = AT + dt.timedelta(hours=3)
    raised = activation.activate(people.province, plan.pk, incident.pk, 3, now=later)
    added = Task.objects.filter(incident=incident, source=f"plan:{raised.pk}")
    assert {t.title for t in added} == set(
        plan.actions.filter(from_level=3).values_list("title", flat=True)
    )
    assert all(t.due_at > later for t in added)
    titles = list(Task.objects.filter(incident=incident).values_list("title", flat=True))
    assert len(titles) == len(set(titles)) == plan.actions.count() == 16
    incident.refresh_from_db()
    assert incident.response_level == 3
    with pytest.raises(Conflict) as again:
        activation.activate(people.province, plan.pk, incident.pk, 1, now=later)
    assert again.value.code == "already_active"
    assert activation.end_response(people.province, raised.pk) == 2
    assert Activation.objects.filter(incident=incident, ended_at__isnull=True).count() == 0


def test_the_preview_lists_what_activation_creates(library, people, make_incident):
    plan = library["ZJ-FXFT"]
    incident = make_incident()
    planned = activation.preview(people.province, plan.pk, incident.pk, 1, now=AT)
    assert [p.action.from_level for p in planned] == sorted(p.action.from_level for p in planned)
    assert len(planned) == plan.actions.filter(from_level__lte=1).count()
    assert not any(p.held for p in planned) and {p.owner for p in planned} == {people.province}
    assert Task.objects.filter(incident=incident).count() == 0


def refused(exc_type, call, code=None, field=None):
    with pytest.raises(exc_type) as caught:
        call()
    if code:
        assert caught.value.code == code, caught.value.message
    if field:
        assert caught.value.field == field
    return caught.value


def test_refusals_change_nothing(library, people, make_incident):
    fxft, hazchem_plan = library["ZJ-FXFT"], library["ZJ-WHP"]
    typhoon = make_incident()
    leak = make_incident("hazchem", title="某化工企业泄漏")
    p = people

    def go(actor, plan, incident, level=2, mode="real"):
        return lambda: activation.activate(actor, plan.pk, incident.pk, level, mode, now=AT)

    wrong = refused(Conflict, go(p.province, fxft, leak), "not_covered")
    assert "台风" in wrong.message and "危险化学品事故" in wrong.message
    refused(Conflict, go(p.province, hazchem_plan, typhoon), "not_covered")
    refused(Conflict, go(p.province, fxft, typhoon, mode="drill"), "not_exercise")
    refused(Forbidden, go(p.viewer, fxft, typhoon))
    refused(NotFound, go(p.other, fxft, typhoon))  # 滨江 cannot see 西湖's incident
    refused(Forbidden, go(p.county, fxft, typhoon))  # the province's plan, not the county's
    refused(InvalidInput, go(p.province, fxft, typhoon, level=4), field="level")
    refused(InvalidInput, go(p.province, fxft, typhoon, level="Ⅱ"), field="level")
    refused(InvalidInput, go(p.province, fxft, typhoon, level=True), field="level")
    refused(InvalidInput, go(p.province, fxft, typhoon, mode="live"), field="mode")
    refused(NotFound, lambda: activation.activate(p.province, 10**30, typhoon.pk, 2, now=AT))
    refused(NotFound, lambda: activation.activate(p.province, fxft.pk, "1", 2, now=AT))

    v2 = services.new_version(p.province, fxft.pk)
    services.approve(p.province, v2.pk)
    refused(Conflict, go(p.province, fxft, typhoon), "not_current")  # v1 is retired now

    incidents.add_report(p.county, typhoon.pk, {"kind": "final", "description": "处置完毕。"})
    refused(Conflict, go(p.province, v2, typhoon), "closed")
    assert Activation.objects.count() == 0 and Task.objects.count() == 0
    assert not Entry.objects.filter(kind="plan").exists()
    assert Incident.objects.filter(response_level__isnull=False).count() == 0


def test_a_level_the_plan_does_not_define_and_another_countys_plan(library, people, make_incident):
    plan = county_plan(people.county)
    services.approve(people.county, plan.pk)
    incident = make_incident()
    refused(InvalidInput, lambda: activation.activate(people.county, plan.pk, incident.pk, 2),
            field="level")  # fmt: skip
    done = activation.activate(people.county, plan.pk, incident.pk, 1, now=AT)
    assert done.tasks_created == 3
    elsewhere = make_incident(region="330108001", actor=people.other)
    refused(NotFound, lambda: activation.activate(people.other, plan.pk, elsewhere.pk, 0))
    refused(Conflict, lambda: activation.activate(people.province, plan.pk, elsewhere.pk, 0),
            "outside_plan")  # fmt: skip


def test_the_drill_flow(library, people):
    plan = library["ZJ-FXFT"]
    with translation.override("zh-hans"):
        drill = activation.start_drill(people.province, plan.pk, 1, "330106", now=AT)
    incident = drill.incident
    assert incident.exercise and incident.event_type == "typhoon" and drill.mode == "drill"
    assert incident.response_level == 1
    assert drill.tasks_created == plan.actions.filter(from_level__lte=1).count() == 8
    text = Entry.objects.get(incident=incident, kind="plan").text
    assert text == f"【演练】启动《{FXFT}》Ⅲ级响应"

    refused(InvalidInput, lambda: activation.evaluate_drill(
        people.province, drill.pk, score=101, findings="x"), field="score")  # fmt: skip
    refused(InvalidInput, lambda: activation.evaluate_drill(
        people.province, drill.pk, score="90", findings="  "), field="findings")  # fmt: skip
    refused(Forbidden, lambda: activation.evaluate_drill(
        people.duty, drill.pk, score=90, findings="x"))  # fmt: skip
    evaluation = activation.evaluate_drill(
        people.province, drill.pk, score="86", findings="转移环节耗时偏长。",
        improvements="提前预置转移车辆。", now=AT + dt.timedelta(hours=4),
    )  # fmt: skip
    assert (evaluation.score, evaluation.evaluator) == (86, people.province)
    drill.refresh_from_db()
    assert drill.ended_at == AT + dt.timedelta(hours=4)
    refused(Conflict, lambda: activation.evaluate_drill(
        people.province, drill.pk, score=90, findings="x"), "evaluated")  # fmt: skip
    assert DrillEvaluation.objects.count() == 1


def test_drill_refusals(library, people, make_incident):
    plan = library["ZJ-FXFT"]
    real = make_incident()
    done = activation.activate(people.province, plan.pk, real.pk, 0, now=AT)
    refused(Conflict, lambda: activation.evaluate_drill(
        people.province, done.pk, score=50, findings="x"), "not_drill")  # fmt: skip
    exercise = make_incident(exercise=True)
    refused(Conflict, lambda: activation.activate(people.province, plan.pk, exercise.pk, 0),
            "exercise")  # fmt: skip
    refused(Forbidden, lambda: activation.start_drill(people.viewer, plan.pk, 0, "330106"))
    refused(InvalidInput, lambda: activation.start_drill(people.province, plan.pk, 0, ""),
            field="region")  # fmt: skip
    refused(InvalidInput, lambda: activation.start_drill(people.province, plan.pk, 0, "33"),
            field="region")  # a drill happens in a county or below  # fmt: skip
    mine = county_plan(people.county)
    services.approve(people.county, mine.pk)
    refused(NotFound, lambda: activation.start_drill(people.county, mine.pk, 0, "330108"),
            field="region")  # fmt: skip
    assert Incident.objects.filter(exercise=True).count() == 1  # only the one made above
