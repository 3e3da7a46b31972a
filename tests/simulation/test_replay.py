"""A short replay over a tiny scope drives the real pipeline, deterministically for a seed."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import transaction

from yingji.alerts.models import Ack, State, Warning
from yingji.incidents.models import Incident
from yingji.incidents.relief_models import Placement, Relief
from yingji.monitoring.models import Alarm, Reading
from yingji.plans.models import Activation
from yingji.simulation import services


def replay(scope: dict[str, Any], seed: int = 1) -> Any:
    start, end = scope["window"]
    return services.run_typhoon(scale="small", seed=seed, scope=scope["county"],
                                start=start, end=end)  # fmt: skip


def replay_and_forget(scope: dict[str, Any], seed: int) -> dict[str, Any]:
    """The summary of a run on the fixture as it is, undone afterwards (a fresh copy)."""
    with transaction.atomic():
        summary = replay(scope, seed).summary
        transaction.set_rollback(True)
    return summary


@pytest.mark.django_db
def test_a_replay_runs_the_real_pipeline(tiny_scope):
    run = replay(tiny_scope)
    s = run.summary
    assert run.status == "done"
    assert Reading.objects.count() == s["readings_stored"] == s["sensors"] * 12  # 6 h of 30 min
    assert Alarm.objects.filter(pk__in=run.created["alarms"]).count() == s["alarms_raised"] > 0
    issued = Warning.objects.filter(pk__in=run.created["warnings"], issued_at__isnull=False)
    assert issued.count() == s["warnings_issued"] > 0
    first = issued.order_by("pk").first()
    assert first.reviewed_by.username.endswith("-reviewer")
    assert first.issued_by.username.endswith("-issuer") and first.source_alarm_id
    assert [e.action for e in first.events.order_by("pk")][:4] == [
        "create",
        "edit",
        "submit",
        "review",
    ] or first.state in (State.ISSUED, State.EXPIRED)
    # every text the gateway accepted is a delivered row (warnings plus 叫应 reminders)
    assert (
        s["gateway"]["messages"]["sms"]
        == (s["messages_delivered"]["sms"] + s["ack"]["escalation_reminders_sent"])
        > 0
    )
    acks = Ack.objects.filter(warning__in=issued)
    assert acks.filter(acked_at__isnull=False).count() == s["ack"]["answered"] > 0
    assert acks.filter(escalations__gt=0).count() == s["ack"]["escalated"] > 0
    assert 0 < s["ack"]["rate"] <= 1
    assert s["lead_time_minutes"]["median"] is not None
    incidents = Incident.objects.filter(pk__in=run.created["incidents"])
    assert incidents.count() == s["incidents"] > 0
    assert Activation.objects.filter(incident__in=incidents).count() == s["plans_activated"] > 0
    assert s["dispatches"] > 0
    assert Placement.objects.filter(incident__in=incidents).exists()
    assert s["people_placed"] > 0 and s["shelter_occupancy"]["percent"] > 0
    assert Relief.objects.filter(incident__in=incidents, met_at__isnull=False).exists()
    assert s["relief_hours_median"] > 0
    json.dumps(s)  # the stored summary is plain JSON


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_summary_and_another_seed_another(tiny_scope):
    one = replay_and_forget(tiny_scope, 1)
    again = replay_and_forget(tiny_scope, 1)
    other = replay_and_forget(tiny_scope, 2)
    assert one == again
    assert one != other
