"""Deadlines: reminders before a rectification deadline, and escalation when it is missed.

A daily sweep (a periodic job; also `yingji hazards sweep`) looks at every open hazard with a
deadline:

- ``REMIND_DAYS`` (3 and 1) days before it: the responsible people (the enterprise's accounts)
  and the office now chasing it are reminded;
- the day after it: both are told it is overdue, at the county office;
- every ``ESCALATE_DAYS`` (7) days later it climbs one administrative level — county → city →
  province — and the new office is told (逾期升级督办). ``escalated_to`` records the office.

Each hazard is told at most once a day, so running the sweep twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from yingji.core import audit, jobs, notify
from yingji.core.permissions import Cap
from yingji.hazards.models import OPEN_STATES, HiddenHazard
from yingji.hazards.services.supervision import responsible_users
from yingji.hazards.services.workflow import record_event
from yingji.kernels import codes

SWEEP_KIND: Final = "hazards.sweep"
LEVELS: Final = (6, 4, 2)  # path lengths: county, city, province


def remind_days() -> tuple[int, ...]:
    return tuple(getattr(settings, "YINGJI_HAZARD_REMIND_DAYS", (3, 1)))


def escalate_days() -> int:
    return int(getattr(settings, "YINGJI_HAZARD_ESCALATE_DAYS", 7))


def office_for(hazard: HiddenHazard, overdue_days: int) -> str:
    """The path of the office chasing an overdue hazard: one level up per interval."""
    step = min((overdue_days - 1) // escalate_days(), len(LEVELS) - 1) if overdue_days > 0 else 0
    return hazard.region_path[: LEVELS[step]]


def sweep(today: dt.date | None = None) -> dict[str, int]:
    """Remind, flag and escalate; returns how many hazards got each treatment."""
    today = today or timezone.localdate()
    counts = {"reminded": 0, "overdue": 0, "escalated": 0, "people_told": 0}
    open_hazards = HiddenHazard.objects.filter(state__in=OPEN_STATES, deadline__isnull=False)
    due = open_hazards.filter(
        deadline__lte=today + dt.timedelta(days=max(remind_days(), default=0))
    )
    for hazard in due.exclude(reminded_on=today).select_related("region").iterator(chunk_size=500):
        with transaction.atomic():
            counts["people_told"] += _treat(hazard, today, counts)
    return counts


def _treat(hazard: HiddenHazard, today: dt.date, counts: dict[str, int]) -> int:
    left = (hazard.deadline - today).days if hazard.deadline else 0
    link = f"/hazards/{hazard.pk}/"
    told = 0
    if left >= 0:
        if left not in remind_days():
            return 0
        office = hazard.escalated_to or hazard.region_path[:6]
        told = notify.notify(
            [*responsible_users(hazard), *notify.office(office, Cap.MANAGE_HAZARDS)],
            kind="hazard_due",
            title=f"隐患整改期限将至（剩 {left} 天）{hazard.code}",
            body=f"{hazard.title}，整改期限 {hazard.deadline}",
            link=link,
            obj=hazard,
        )
        counts["reminded"] += 1
    else:
        office = office_for(hazard, -left)
        climbed = bool(hazard.escalated_to) and office != hazard.escalated_to
        first = not hazard.escalated_to
        if first or climbed:
            told = notify.notify(
                [*responsible_users(hazard), *notify.office(office, Cap.MANAGE_HAZARDS)],
                kind="hazard_overdue" if first else "hazard_escalated",
                title=("隐患逾期未整改" if first else "逾期隐患升级督办") + f" {hazard.code}",
                body=f"{hazard.title}，已逾期 {-left} 天（期限 {hazard.deadline}）",
                link=link,
                obj=hazard,
            )
            counts["overdue" if first else "escalated"] += 1
            record_event(
                hazard,
                "escalate" if climbed else "overdue",
                hazard.state,
                hazard.state,
                actor=None,
                note=f"→ {codes.display(codes.to_12(office))}",
            )
            audit.record(
                actor=None,
                action="hazard_escalate",
                obj=hazard,
                region_path=hazard.region_path,
                after={"escalated_to": office, "overdue_days": -left},
            )
            hazard.escalated_to, hazard.escalated_at = office, timezone.now()
    hazard.reminded_on = today
    hazard.save(update_fields=["reminded_on", "escalated_to", "escalated_at", "updated_at"])
    return told


@jobs.job_kind(SWEEP_KIND, "隐患期限巡检 hidden-hazard deadline sweep")
def run_sweep(context: jobs.JobContext, today: str = "") -> dict[str, Any]:
    result = sweep(dt.date.fromisoformat(today) if today else None)
    context.log(f"{result}")
    return result
