"""The transition table: every illegal (state, action) pair is refused and changes nothing;
roles and the enterprise's own-hazard rule decide who may act."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from yingji.core.errors import Forbidden, InvalidInput, NotFound
from yingji.core.models import AuditEntry
from yingji.hazards.models import HazardEvent, HiddenHazard, State
from yingji.hazards.services import report, workflow
from yingji.hazards.services.workflow import IllegalTransition

pytestmark = pytest.mark.django_db


def new_hazard(people, **data):
    fields = {
        "enterprise": str(people.factory.pk),
        "category": "equipment",
        "title": "压力表失效",
        "description": "反应釜压力表指针卡滞",
        **data,
    }
    return report.report(actor=people.grid, data=fields)


@pytest.mark.parametrize("state", list(State.values))
def test_every_illegal_action_is_refused_and_changes_nothing(people, state):
    hazard = new_hazard(people)
    HiddenHazard.objects.filter(pk=hazard.pk).update(state=state)
    legal = {t.action for t in workflow.TRANSITIONS if state in t.sources}
    for action in set(workflow.BY_ACTION) - legal:
        events, audits = HazardEvent.objects.count(), AuditEntry.objects.count()
        with pytest.raises(IllegalTransition) as caught:
            workflow.transition(
                actor=people.province, pk=hazard.pk, action=action, data={"note": "x" * 10}
            )
        assert caught.value.status == 409
        assert sorted(caught.value.allowed) == sorted(legal)
        assert HiddenHazard.objects.get(pk=hazard.pk).state == state
        assert (HazardEvent.objects.count(), AuditEntry.objects.count()) == (events, audits)


def test_an_enterprise_registers_its_own_general_hazards_but_not_majors(people, criterion):
    deadline = (timezone.localdate() + dt.timedelta(days=5)).isoformat()
    own = report.report(
        actor=people.manager,
        data={"category": "fire", "title": "灭火器过期", "description": "车间灭火器过期"},
    )
    assert own.source == "self" and own.enterprise == people.factory
    workflow.transition(
        actor=people.manager,
        pk=own.pk,
        action="register",
        data={"deadline": deadline, "responsible_person": "王工"},
    )
    major = report.report(
        actor=people.manager,
        data={
            "category": "hazchem",
            "title": "无报警",
            "description": "罐区无可燃气体报警",
            "grade": "major",
            "criterion": criterion.pk,
        },
    )
    assert workflow.allowed(people.manager, major) == []
    with pytest.raises(Forbidden):
        workflow.transition(
            actor=people.manager,
            pk=major.pk,
            action="register",
            data={"deadline": deadline, "responsible_person": "王工"},
        )
    with pytest.raises(NotFound):  # another enterprise's manager cannot even see it
        workflow.transition(actor=people.other_manager, pk=own.pk, action="start")


def test_register_needs_a_future_deadline_and_a_responsible_person(people):
    hazard = new_hazard(people)
    past = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    with pytest.raises(InvalidInput, match="deadline"):
        workflow.transition(
            actor=people.county,
            pk=hazard.pk,
            action="register",
            data={"deadline": past, "responsible_person": "李"},
        )
    with pytest.raises(InvalidInput, match="not a date"):
        workflow.transition(
            actor=people.county,
            pk=hazard.pk,
            action="register",
            data={"deadline": "next week", "responsible_person": "李"},
        )
    assert HiddenHazard.objects.get(pk=hazard.pk).state == State.REPORTED
