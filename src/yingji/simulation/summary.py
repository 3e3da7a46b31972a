"""The figures of a run, read back from the records the run created (never from its own
counters alone), so they are what the pages and the review would show.

Deterministic for a seed: counts, durations and shares only — no wall-clock time, no ids.
"""

from __future__ import annotations

import statistics
from collections import Counter
from typing import Any, Final

from yingji.alerts.models import Ack, Delivery, DeliveryState, State, Warning
from yingji.alerts.outbox import ACK_MINUTES
from yingji.monitoring.models import Alarm

LEVELS: Final = ("blue", "yellow", "orange", "red")
D = DeliveryState
ESCALATION: Final = "escalation:"


def _minutes(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"median": None, "min": None}
    return {"median": round(statistics.median(values), 1), "min": round(min(values), 1)}


def alarms(alarm_ids: list[int]) -> dict[str, Any]:
    rules = Counter(Alarm.objects.filter(pk__in=alarm_ids).values_list("rule", flat=True))
    return {"alarms_raised": sum(rules.values()), "alarms_by_rule": dict(sorted(rules.items()))}


def warnings(warning_ids: list[int]) -> dict[str, Any]:
    issued = Warning.objects.filter(pk__in=warning_ids, issued_at__isnull=False).exclude(
        state=State.WITHDRAWN
    )
    levels = Counter(issued.values_list("level", flat=True))
    leads = [
        (onset - at).total_seconds() / 60
        for onset, at in issued.values_list("onset", "issued_at")
        if onset and at
    ]
    rows = Delivery.objects.filter(warning_id__in=warning_ids)
    delivered: Counter[str] = Counter()
    waiting: Counter[str] = Counter()
    dead: Counter[str] = Counter()
    reminders = 0
    for channel, state, purpose in rows.values_list("channel", "state", "purpose"):
        if purpose.startswith(ESCALATION):
            reminders += state in (D.SENT, D.DELIVERED)
        elif state in (D.SENT, D.DELIVERED):
            delivered[channel] += 1
        elif state == D.DEAD:
            dead[channel] += 1
        else:  # queued (a channel not configured: no plug-in or no settings), retrying
            waiting[channel] += 1
    people = Ack.objects.filter(warning_id__in=warning_ids)
    total = people.count()
    answered = people.filter(acked_at__isnull=False)
    on_time = len(
        [
            1
            for acked, due in answered.values_list("acked_at", "due_at")
            if acked and due and acked <= due
        ]
    )
    answer_minutes = [
        (acked - issued_at).total_seconds() / 60
        for acked, issued_at in answered.values_list("acked_at", "warning__issued_at")
        if acked and issued_at
    ]
    return {
        "warnings_drafted": len(warning_ids),
        "warnings_issued": sum(levels.values()),
        "warnings_by_level": {name: levels.get(i, 0) for i, name in enumerate(LEVELS)},
        "messages_delivered": dict(sorted(delivered.items())),
        "messages_delivered_total": sum(delivered.values()),
        "messages_waiting": dict(sorted(waiting.items())),
        "messages_given_up": dict(sorted(dead.items())),
        "ack": {
            "people": total,
            "answered": answered.count(),
            "rate": round(answered.count() / total, 3) if total else None,
            "answered_in_time": on_time,
            "escalated": people.filter(escalations__gt=0).count(),
            "escalation_reminders_sent": reminders,
            "minutes_to_answer": _minutes(answer_minutes),
            "limits_minutes": {LEVELS[k]: v for k, v in sorted(ACK_MINUTES.items())},
        },
        "lead_time_minutes": _minutes(leads),
    }
