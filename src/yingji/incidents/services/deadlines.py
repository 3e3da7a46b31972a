"""Time limits of an incident, shown as countdowns and swept every minute.

- **Reports up the chain** (Decree 493 Arts. 9–11, :func:`yingji.kernels.accidents.deadlines`):
  the county within 1 hour of the accident, then at most 2 hours per level, as far as the
  grade requires. A level added by a higher grade starts from the moment of the re-grade.
  Incidents that Decree 493 does not grade follow the same chain once graded (一般 when not).
- **续报**: daily for 一般 and 较大, twice a day for 重大 and 特别重大, from the last report,
  until the 终报.
- **Tasks**: a reminder to the owner 15 minutes before the deadline, a flag when it passes.

A limit missed is flagged once (:class:`Overdue`), written to the timeline and notified: a
report to the office that is waiting for it and the one that owes it; a 续报 to the county
office; a task to its owner and the county office.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Final

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from yingji.core import jobs, notify
from yingji.core.permissions import Cap
from yingji.incidents import catalogue
from yingji.incidents.models import Incident, Overdue, Status, Task, TaskStatus
from yingji.incidents.services import room
from yingji.kernels import accidents

SWEEP_KIND: Final = "incidents.deadlines"
WINDOW: Final = "window"  # the 补报 window: shown as a countdown, never flagged
REMIND_BEFORE: Final = dt.timedelta(minutes=15)
OFFICE: Final = {"county": 6, "city": 4, "province": 2}


@dataclass(frozen=True)
class Limit:
    what: str  # "report:city", "update"
    label: str
    due: dt.datetime
    done_at: dt.datetime | None

    def overdue(self, now: dt.datetime) -> bool:
        return (self.done_at or now) > self.due


LAST_REPORT_AT: Final = "last_report_at"  # an attribute a caller may set on each incident
RECEIVED: Final = "received_by_level"  # and {level: received_at} of its receipts
_UNREAD: Final = object()


def limits(incident: Incident) -> list[Limit]:
    """The incident's time limits: each level of the reporting chain and the next 续报."""
    received = incident.__dict__.get(RECEIVED)
    if received is None:
        received = {r.level: r.received_at for r in incident.receipts.all()}
    level = incident.grade if incident.grade is not None else 0
    chain = accidents.deadlines(incident.occurred_at, level, received)
    out = []
    for i, step in enumerate(chain):
        due = step.due
        if i >= incident.first_reach and incident.grade_raised_at is not None:
            # a level the first grade did not need: its clock starts at the re-grade
            later = incident.grade_raised_at + accidents.PER_LEVEL * (i - incident.first_reach + 1)
            due = max(due, later)
        out.append(Limit(f"report:{step.level}", _level_label(step.level), due, step.received))
    if catalogue.work_safety(incident.event_type):
        # Not an obligation but a window: casualty changes re-grade the accident until then.
        short = incident.event_type in catalogue.SHORT_WINDOW
        closes = accidents.supplement_window_closes(incident.occurred_at, road_or_fire=short)
        out.append(Limit(WINDOW, _("补报 window (changes re-grade until)"), closes, None))
    if incident.status == Status.OPEN:
        # A list reads every row's last report in one query first (selectors.overdue_ids).
        last = incident.__dict__.get(LAST_REPORT_AT, _UNREAD)
        if last is _UNREAD:
            last = incident.reports.order_by("-at").values_list("at", flat=True).first()
        if last is not None:
            out.append(
                Limit("update", _("next 续报"), accidents.next_update_due(last, level), None)
            )
    return out


_LEVEL_LABELS: Final = {"county": gettext_noop("report to the county"),
                        "city": gettext_noop("report to the city"),
                        "province": gettext_noop("report to the province"),
                        "ministry": gettext_noop("report to the ministry")}  # fmt: skip


def _level_label(level: str) -> str:
    return _(_LEVEL_LABELS[level])


@jobs.job_kind(SWEEP_KIND, "信息报送时限 incident time limits")
def sweep_job(ctx: jobs.JobContext) -> dict[str, Any]:
    return sweep()


def sweep(now: dt.datetime | None = None) -> dict[str, int]:
    """Flag and notify every limit missed since the last sweep; remind task owners."""
    now = now or timezone.now()
    counts = {"reports": 0, "updates": 0, "tasks": 0, "reminders": 0}
    for incident in Incident.objects.filter(status=Status.OPEN).prefetch_related("receipts"):
        for limit in limits(incident):
            if limit.what == WINDOW:
                continue
            missed = limit.overdue(now)  # not there yet, or there late
            if missed and _flag(incident, limit.what, limit.due, now):
                counts["reports" if limit.what.startswith("report") else "updates"] += 1
                _notify_missed(incident, limit)
    late = Task.objects.filter(
        status=TaskStatus.OPEN, due_at__lt=now, incident__status=Status.OPEN
    ).select_related("incident", "owner")
    for task in late:
        if _flag(task.incident, f"task:{task.pk}", task.due_at, now):  # type: ignore[arg-type]
            counts["tasks"] += 1
            people = [task.owner] if task.owner else []
            people += notify.office(task.incident.region_path[:6], Cap.COMMAND_INCIDENTS)
            notify.notify(people, kind="task", title=_("Task overdue: %(t)s") % {"t": task.title},
                          link=f"/incidents/{task.incident_id}/", obj=task.incident)  # fmt: skip
    soon = Task.objects.filter(status=TaskStatus.OPEN, reminded_at__isnull=True,
                               owner__isnull=False, due_at__gte=now,
                               due_at__lte=now + REMIND_BEFORE).select_related("owner")  # fmt: skip
    for task in soon:
        if Task.objects.filter(pk=task.pk, reminded_at__isnull=True).update(reminded_at=now):
            counts["reminders"] += 1
            notify.notify([task.owner], kind="task",  # type: ignore[list-item]
                          title=_("Task due soon: %(t)s") % {"t": task.title},
                          link=f"/incidents/{task.incident_id}/")  # fmt: skip
    return counts


def _flag(incident: Incident, what: str, due: dt.datetime, now: dt.datetime) -> bool:
    """Record the miss once; False when it was already flagged."""
    try:
        with transaction.atomic():
            Overdue.objects.create(incident=incident, what=what, due_at=due, flagged_at=now)
            room.entry(incident, "overdue", _("Time limit missed: %(what)s (due %(due)s)") % {
                "what": _what(what), "due": timezone.localtime(due).strftime("%m-%d %H:%M")},
                at=now, data={"what": what})  # fmt: skip
    except IntegrityError:
        return False
    return True


def _what(what: str) -> str:
    if what.startswith("report:"):
        return _level_label(what.split(":", 1)[1])
    return _("next 续报") if what == "update" else _("a task")


def _notify_missed(incident: Incident, limit: Limit) -> None:
    path = incident.region_path
    level = limit.what.split(":", 1)[1] if limit.what.startswith("report:") else "county"
    offices = {path[:6]}
    if level in OFFICE:
        offices.add(path[: OFFICE[level]])  # the office waiting for the report
    people = [p for office in sorted(offices) for p in notify.office(office, Cap.COMMAND_INCIDENTS)]
    notify.notify(people, kind="incident",
                  title=_("Overdue: %(what)s for %(title)s") % {"what": limit.label,
                                                               "title": incident.title},
                  link=f"/incidents/{incident.pk}/", obj=incident)  # fmt: skip
