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


def test_an_enterprise_cannot_turn_its_general_hazard_into_a_major_while_registering(
    people, criterion
):
    own = report.report(actor=people.manager, data={"category": "fire", "title": "灭火器过期",
                                                     "description": "车间灭火器过期"})  # fmt: skip
    deadline = (timezone.localdate() + dt.timedelta(days=5)).isoformat()
    with pytest.raises(Forbidden):
        workflow.transition(actor=people.manager, pk=own.pk, action="register", data={
            "deadline": deadline, "responsible_person": "王工", "grade": "major",
            "criterion": str(criterion.pk),
        })  # fmt: skip
    assert HiddenHazard.objects.get(pk=own.pk).grade == "general"


@pytest.mark.parametrize(
    ("field", "value"),
    [("grade", "fatal"), ("category", "arson"), ("criterion", "999999"), ("criterion", "²"),
     ("responsible_phone", "12345"), ("responsible_person", "名" * 51)],
)  # fmt: skip
def test_registration_checks_every_field_it_writes(people, field, value):
    hazard = new_hazard(people)
    data = {"deadline": (timezone.localdate() + dt.timedelta(days=5)).isoformat(),
            "responsible_person": "李", field: value}  # fmt: skip
    with pytest.raises(InvalidInput) as caught:
        workflow.transition(actor=people.county, pk=hazard.pk, action="register", data=data)
    assert caught.value.field == field
    assert HiddenHazard.objects.get(pk=hazard.pk).state == State.REPORTED


def test_voiding_a_supervised_major_ends_the_listing(people, criterion):
    from yingji.hazards.models import Supervision
    from yingji.hazards.services import supervision

    major = new_hazard(people, grade="major", criterion=str(criterion.pk))
    supervision.supervise(actor=people.county, pk=major.pk, data={
        "deadline": (timezone.localdate() + dt.timedelta(days=30)).isoformat()})  # fmt: skip
    workflow.transition(actor=people.county, pk=major.pk, action="void",
                        data={"note": "重复上报，已并入另一条"})  # fmt: skip
    listing = Supervision.objects.get(hazard=major)
    assert listing.lifted_at is not None and "重复上报" in listing.lift_note


def test_a_refused_photo_rejects_the_whole_report_and_writes_no_file(people, photo, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from yingji.core.photos import photos_root

    before = (
        sorted(p for p in photos_root().rglob("*") if p.is_file()) if photos_root().exists() else []
    )
    fake = SimpleUploadedFile("evil.jpg", b"<html>not a photo</html>", content_type="image/jpeg")
    with pytest.raises(InvalidInput):
        report.report(actor=people.grid, photos=[photo("a.jpg", (1, 2, 3)), fake], data={
            "enterprise": str(people.factory.pk), "category": "fire", "title": "t",
            "description": "d"})  # fmt: skip
    after = (
        sorted(p for p in photos_root().rglob("*") if p.is_file()) if photos_root().exists() else []
    )
    assert after == before
    assert not HiddenHazard.objects.filter(title="t").exists()


def test_reporting_a_major_hazard_rescores_the_enterprise_at_once(people, criterion):
    from yingji.risk.models import CurrentRisk
    from yingji.risk.services import enterprises as assessing
    from yingji.risk.sources import Selection

    assessing.assess(Selection(), reason="before")
    assert CurrentRisk.objects.get(enterprise=people.factory).colour < 2
    new_hazard(people, grade="major", criterion=str(criterion.pk))
    assert CurrentRisk.objects.get(enterprise=people.factory).colour >= 2


def test_criteria_are_reference_data_an_administrator_maintains(client, make_user):
    from yingji.hazards.models import Criterion

    assert Criterion.objects.filter(standard="chemical").count() == 20
    assert set(Criterion.objects.filter(standard="gongmao").values_list("group", flat=True)) == {
        "管理类", "专项类"}  # fmt: skip
    admin = make_user("root", "33", superuser=True)
    client.force_login(admin)
    page = client.get("/admin/hazards/criterion/?standard=chemical")
    assert page.status_code == 200 and "安全阀、爆破片等安全附件未正常投用" in page.content.decode()
