"""Deadlines: reminders before, overdue on the day after, escalation one level per interval —
a test moves the clock and checks who was told (issue Done means 3)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from yingji.core import schedule
from yingji.core.models import Job, Notification, ScheduledRun
from yingji.hazards.models import HazardEvent, HiddenHazard
from yingji.hazards.services import deadlines, report, workflow

pytestmark = pytest.mark.django_db


@pytest.fixture
def registered(people):
    hazard = report.report(
        actor=people.grid,
        data={
            "enterprise": str(people.factory.pk),
            "category": "fire",
            "title": "消防通道堵塞",
            "description": "仓库东侧消防通道堆放货物",
        },
    )
    deadline = timezone.localdate() + dt.timedelta(days=10)
    return workflow.transition(
        actor=people.township,
        pk=hazard.pk,
        action="register",
        data={
            "deadline": deadline.isoformat(),
            "responsible_person": "李明",
        },
    )


def told(kind: str) -> set[str]:
    return set(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


def test_clock_moves_reminders_overdue_and_escalation(people, registered, make_user):
    deadline = registered.deadline
    Notification.objects.all().delete()  # the report told the county office; start afresh

    assert deadlines.sweep(deadline - dt.timedelta(days=5))["people_told"] == 0
    three_before = deadlines.sweep(deadline - dt.timedelta(days=3))
    assert three_before["reminded"] == 1
    # The enterprise's own account and the county office (whoever may manage hazards there).
    assert told("hazard_due") == {"xh_manager", "xh_county"}
    assert deadlines.sweep(deadline - dt.timedelta(days=3))["people_told"] == 0  # once a day

    assert deadlines.sweep(deadline)["people_told"] == 0  # due today: not yet overdue
    first = deadlines.sweep(deadline + dt.timedelta(days=1))
    assert first["overdue"] == 1
    assert told("hazard_overdue") == {"xh_manager", "xh_county"}
    registered.refresh_from_db()
    assert registered.escalated_to == "330106"

    assert deadlines.sweep(deadline + dt.timedelta(days=7))["escalated"] == 0  # still county
    city = deadlines.sweep(deadline + dt.timedelta(days=8))
    assert city["escalated"] == 1
    assert told("hazard_escalated") == {"xh_manager", "hz_city"}
    province = deadlines.sweep(deadline + dt.timedelta(days=15))
    assert province["escalated"] == 1
    assert told("hazard_escalated") == {"xh_manager", "hz_city", "zj_prov"}
    registered.refresh_from_db()
    assert registered.escalated_to == "33"
    actions = list(HazardEvent.objects.filter(hazard=registered).values_list("action", flat=True))
    assert actions[-3:] == ["overdue", "escalate", "escalate"]
    assert "bj_county" not in told("hazard_escalated") | told("hazard_overdue")


def test_closed_hazards_are_left_alone(people, registered):
    HiddenHazard.objects.filter(pk=registered.pk).update(state="closed")
    assert deadlines.sweep(registered.deadline + dt.timedelta(days=30))["people_told"] == 0


def test_the_sweep_is_a_daily_periodic_job_started_once(people):
    assert schedule.periods()[deadlines.SWEEP_KIND] == schedule.DAY
    now = 1_800_000_000.0
    assert deadlines.SWEEP_KIND in schedule.tick(now)
    assert deadlines.SWEEP_KIND not in schedule.tick(now + 60)  # same day: another worker's
    assert ScheduledRun.objects.filter(kind=deadlines.SWEEP_KIND).count() == 1
    assert Job.objects.filter(kind=deadlines.SWEEP_KIND).count() == 1
    assert deadlines.SWEEP_KIND in schedule.tick(now + schedule.DAY)


def test_cli_sweep_with_a_pretend_date(people, registered, capsys):
    from yingji import cli

    day = (registered.deadline + dt.timedelta(days=1)).isoformat()
    assert cli.main(["hazards", "sweep", "--today", day, "--json"]) == 0
    assert '"overdue": 1' in capsys.readouterr().out
    assert cli.main(["hazards", "sweep", "--today", "tomorrow"]) == 2
    assert "not a date" in capsys.readouterr().err
