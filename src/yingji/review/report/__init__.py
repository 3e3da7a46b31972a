"""复盘 (post-event review) reports: for an event — a region, a time window and a title,
optionally an incident — the timeline, warnings per county with their lead times, delivery and
叫应, alarms and their handling, incidents and report timeliness, dispatch, evacuation and
shelter use, relief, and the gaps against the plan's targets with the units that missed them.

- :mod:`.event` reads and checks the event from the request (nothing is computed on bad input);
- :mod:`.content` and :mod:`.response` gather the facts, set-based and jurisdiction-scoped;
- :mod:`.gaps` compares them with the targets; :mod:`.charts` draws the figures;
- :mod:`.documents` (Word and PDF through :mod:`yingji.core.documents`) and :mod:`.excel`
  write them; the page is :mod:`yingji.review.report_views`.
"""

from __future__ import annotations

import datetime as dt
import statistics
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext as _

from yingji.review.report import charts, content, gaps
from yingji.review.report.event import Event

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yingji.core.models import User


def build(user: User | AnonymousUser, event: Event) -> dict[str, Any]:
    """The report's facts, gaps, summary and chart specs."""
    facts = content.gather(user, event)
    facts["gaps"] = gaps.gaps(facts)
    facts["gap_summary"] = gaps.summary(facts["gaps"])
    facts["summary"] = summary(facts)
    facts["charts"] = charts.specs(facts)
    return facts


def when(value: dt.datetime | None, *, short: bool = False) -> str:
    """A moment in local time as the report prints it."""
    if value is None:
        return "—"
    return timezone.localtime(value).strftime("%m-%d %H:%M" if short else "%Y-%m-%d %H:%M")


def number(value: float | None, suffix: str = "") -> str:
    if value is None:
        return "—"
    return f"{value:,.1f}{suffix}" if not float(value).is_integer() else f"{value:,.0f}{suffix}"


def tenth(value: float | None) -> str:
    """Minutes and hours as the warning page prints them: one decimal."""
    return "—" if value is None else f"{value:.1f}"


def rate(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def summary(facts: dict[str, Any]) -> list[tuple[str, str]]:
    """The headline figures, label and value, in reading order."""
    event: Event = facts["event"]
    warnings = facts["warnings"]
    leads = [w["lead"] for w in warnings if w["alert"] and w["lead"] is not None]
    units = facts["by_unit"]
    people = sum(u["people"] for u in units)
    answered = sum(u["answered"] for u in units)
    messages = sum(u["messages"] for u in units)
    delivered = sum(u["delivered"] for u in units)
    alarms = facts["alarms"]
    incidents = facts["incidents"]
    arrivals = [d["arrival_minutes"] for d in facts["dispatch"] if d["arrival_minutes"] is not None]
    hours = [r["hours"] for r in facts["relief"] if r["hours"] is not None]
    return [
        (_("Region"), event.region.name),
        (_("Window"), f"{when(event.start)} — {when(event.end)}"),
        (_("Warnings issued"), str(len(warnings))),
        (_("Counties covered"), f"{sum(1 for u in units if u['warnings'])} / {len(units)}"),
        (
            _("Median lead time (first issues)"),
            number(round(statistics.median(leads), 1) if leads else None, " min"),
        ),
        (
            _("Lead time ≥ 60 min"),
            f"{sum(1 for v in leads if v >= gaps.LEAD_TARGET)} / {len(leads)}",
        ),
        (_("Messages delivered"), f"{delivered:,} / {messages:,}"),
        (
            _("叫应 answered"),
            f"{answered:,} / {people:,} ({rate(answered / people if people else None)})",
        ),
        (_("Alarms (acknowledged)"), f"{alarms['total']} ({alarms['acknowledged']})"),
        (_("Median minutes to acknowledge an alarm"), number(alarms["median_ack_minutes"])),
        (_("Incidents in the window"), str(len(incidents))),
        (_("Reports past their limit"), str(sum(len(i["missed"]) for i in incidents))),
        (_("Forces dispatched"), str(len(facts["dispatch"]))),
        (
            _("Median minutes to arrive"),
            number(round(statistics.median(arrivals), 1) if arrivals else None),
        ),
        (_("People evacuated"), f"{facts['evacuation']['total']:,}"),
        (
            _("Shelters used (over capacity)"),
            f"{len(facts['shelters'])} ({sum(1 for s in facts['shelters'] if s['overflow'])})",
        ),
        (
            _("Relief groups (over 10 h)"),
            f"{len(facts['relief'])} ({sum(1 for r in facts['relief'] if r['late'])})",
        ),
        (_("Longest relief time"), number(max(hours) if hours else None, " h")),
        (_("Gaps against targets"), str(len(facts["gaps"]))),
    ]


__all__ = ["Event", "build", "number", "rate", "summary", "tenth", "when"]
