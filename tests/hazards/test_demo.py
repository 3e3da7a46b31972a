"""The demo hidden hazards: every state, consistent histories, overdue majors under
supervision in 西湖区/北山街道, all synthetic, loaded once."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections import Counter

import pytest
from django.utils import timezone

from yingji.hazards import demo
from yingji.hazards.models import OPEN_STATES, Grade, HazardEvent, HiddenHazard, State
from yingji.hazards.services import deadlines
from yingji.hazards.services.workflow import PLAN_FIELDS, allowed

pytestmark = pytest.mark.django_db

CODE = re.compile(r"^YH-(\d{6})-(\d{4})-(\d{6})$")
STATE_CHANGES = {"report", "register", "start", "submit", "reject", "accept", "close", "void"}


@pytest.fixture
def enterprises(make_enterprise):
    made = []
    for i in range(30):
        region = ("330106002", "330106004", "330108001")[i % 3]
        made.append(
            make_enterprise(
                region,
                facts=False,
                hazchem_role="use" if i % 4 == 0 else "none",
                industry_code="C2614" if i % 4 == 0 else "C3311",
                safety_manager=f"安全员{i}",
                safety_manager_phone=f"1380000{i:04d}",
            )
        )
    return made


@pytest.fixture
def loaded(enterprises):
    counts = demo.load(seed=7)
    return counts


def test_every_state_in_xihu_and_beishan(loaded):
    for prefix in ("330106", "330106002"):
        states = set(
            HiddenHazard.objects.filter(region_path__startswith=prefix).values_list(
                "state", flat=True
            )
        )
        assert states == set(State.values), prefix
    assert loaded["hazards"] == HiddenHazard.objects.count()
    assert loaded["hazard_events"] == HazardEvent.objects.count()


def test_overdue_majors_under_supervision_in_xihu(loaded):
    today = timezone.localdate()
    overdue = HiddenHazard.objects.filter(
        region_path__startswith="330106",
        grade=Grade.MAJOR,
        state__in=OPEN_STATES,
        deadline__lt=today,
        supervision__lifted_at__isnull=True,
        supervision__deadline__lt=today,
    ).select_related("supervision", "criterion")
    assert overdue.count() >= 2
    levels = set()
    for hazard in overdue:
        assert hazard.escalated_to and hazard.escalated_at is not None
        assert hazard.region_path.startswith(hazard.escalated_to)
        assert hazard.criterion is not None
        assert all(getattr(hazard, name) for name in PLAN_FIELDS)
        assert hazard.supervision.office.endswith("安全生产委员会办公室")
        assert hazard.region_path.startswith(hazard.supervision.office_path)
        levels.add(hazard.supervision.level)
        actions = [e.action for e in hazard.events.all()]
        assert "supervise" in actions and "overdue" in actions
    assert {"county", "city"} <= levels


def test_everything_is_synthetic_and_marked_as_demo(loaded):
    assert not HiddenHazard.objects.filter(synthetic=False).exists()
    assert not HazardEvent.objects.filter(actor__isnull=False).exists()
    labels = HazardEvent.objects.values_list("actor_label", flat=True)
    assert all(label.startswith("（示范）") for label in labels)
    assert HiddenHazard.objects.filter(reported_by__isnull=False).count() == 0


def test_histories_are_consistent(loaded):
    now = timezone.now()
    codes = set()
    for hazard in HiddenHazard.objects.prefetch_related("events").select_related("supervision"):
        match = CODE.match(hazard.code)
        assert match, hazard.code
        assert match.group(1) == hazard.region_path[:6]
        assert int(match.group(2)) == timezone.localtime(hazard.reported_at).year
        codes.add(hazard.code)
        events = list(hazard.events.all())
        assert events[0].action == "report" and events[0].at == hazard.reported_at
        assert all(a.at <= b.at for a, b in itertools.pairwise(events))
        assert all(e.at <= now for e in events)
        assert hazard.reported_at >= now - dt.timedelta(days=400)
        changes = [e for e in events if e.action in STATE_CHANGES]
        assert all(a.to_state == b.from_state for a, b in itertools.pairwise(changes))
        assert changes[-1].to_state == hazard.state, hazard.code
        assert hazard.updated_at == events[-1].at
        registered = any(e.action == "register" for e in changes)
        assert (hazard.deadline is not None) == registered, hazard.code
        if registered:
            assert hazard.responsible_person and hazard.responsible_unit
            register = next(e for e in changes if e.action == "register")
            assert hazard.deadline >= timezone.localdate(register.at)
        if hazard.state == State.CLOSED:
            assert hazard.closed_at == changes[-1].at
        else:
            assert hazard.closed_at is None
        if hazard.state == State.VOIDED:
            assert hazard.void_reason
        if hazard.grade == Grade.MAJOR:
            assert hazard.criterion_id is not None
            if any(e.action == "start" for e in changes):
                assert all(getattr(hazard, name) for name in PLAN_FIELDS)
        listing = getattr(hazard, "supervision", None)
        if listing is not None:
            assert hazard.grade == Grade.MAJOR
            if hazard.state == State.CLOSED:  # lifted on acceptance, before 销号
                assert listing.lifted_at is not None and listing.lifted_at <= hazard.closed_at
    assert len(codes) == HiddenHazard.objects.count()


def test_the_real_workflow_and_sweep_accept_the_demo(loaded, make_user):
    """The sweep finds nothing new to escalate, and the state machine works on demo rows."""
    result = deadlines.sweep()
    assert result["overdue"] == 0 and result["escalated"] == 0
    county = make_user("xh_county", "330106", "county_staff")
    submitted = HiddenHazard.objects.filter(
        region_path__startswith="330106", state=State.SUBMITTED
    ).first()
    assert set(allowed(county, submitted)) >= {"accept", "reject", "void"}


def test_loading_twice_adds_nothing(loaded):
    before = (HiddenHazard.objects.count(), HazardEvent.objects.count())
    assert demo.already_loaded()
    assert demo.load(seed=7) == {}
    assert (HiddenHazard.objects.count(), HazardEvent.objects.count()) == before


def test_no_enterprises_still_gives_the_showcase(db):
    counts = demo.load()
    assert counts["hazards"] >= len(State.values)
    assert HiddenHazard.objects.filter(region_path__startswith="330106002").count() >= 8
    assert HiddenHazard.objects.filter(
        grade=Grade.MAJOR, state__in=OPEN_STATES, supervision__isnull=False
    ).exists()


def test_a_realistic_spread(enterprises, monkeypatch):
    """At scale (here 20 hazards per enterprise), most are closed, every state occurs, majors
    are a few percent, and every month of the past year has finds."""
    monkeypatch.setattr(demo, "PER_ENTERPRISE", 20.0)
    monkeypatch.setattr(demo, "PATROL_PER_ENTERPRISE", 2.0)
    demo.load(seed=11)
    states = Counter(HiddenHazard.objects.values_list("state", flat=True))
    total = sum(states.values())
    assert total >= 600
    assert set(states) == set(State.values)
    assert 0.6 < states[State.CLOSED] / total < 0.95
    assert states[State.VOIDED] / total < 0.08
    majors = HiddenHazard.objects.filter(grade=Grade.MAJOR).count()
    assert 0.01 < majors / HiddenHazard.objects.count() < 0.1
    patrol = HiddenHazard.objects.filter(enterprise__isnull=True, source="patrol").count()
    assert patrol >= 40
    # a month's finds need a few days of it: on the 1st, count back from the month before
    today = timezone.localdate() - dt.timedelta(days=2)
    months = {
        timezone.localtime(at).strftime("%Y-%m")
        for at in HiddenHazard.objects.values_list("reported_at", flat=True)
    }
    for back in range(12):
        day = (today.replace(day=1) - dt.timedelta(days=back * 28)).replace(day=1)
        assert day.strftime("%Y-%m") in months
