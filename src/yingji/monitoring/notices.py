"""Who hears of an alarm: the duty office of the sensor's county when it is raised or rises,
the office one level up each time it escalates unacknowledged (county → city → province)."""

from __future__ import annotations

from typing import Final

from django.utils.translation import gettext as _

from yingji.core import notify
from yingji.core.permissions import Cap
from yingji.kernels import codes, signals
from yingji.monitoring.models import Alarm

KIND: Final = "monitoring.alarm"
COUNTY: Final = 6  # length of a county's region path
LADDER: Final = (6, 4, 2)  # county, city, province


def office_path(path: str, step: int = 0) -> str:
    """The office told at escalation ``step`` (0 = the county), capped at the province."""
    lengths = [n for n in LADDER if n <= len(path)] or [len(path)]
    return path[: lengths[min(step, len(lengths) - 1)]]


def link(alarm: Alarm) -> str:
    return f"/monitoring/alarms/{alarm.pk}/"


def title(alarm: Alarm) -> str:
    level = signals.LEVELS[alarm.peak] if 0 <= alarm.peak <= 3 else ""
    colour = signals.LEVEL_ZH.get(level, "")
    return f"{colour}{alarm.get_rule_display()} {alarm.sensor.code}"


def announce(alarm: Alarm, *, rose: bool) -> int:
    """Tell the county duty office of a new alarm (or one whose level rose)."""
    what = _("Alarm level rose") if rose else _("New alarm")
    office = office_path(alarm.region_path)
    return notify.notify(
        notify.office(office, Cap.HANDLE_ALARMS),
        kind=KIND,
        title=f"{what}: {title(alarm)}",
        body=alarm.detail,
        link=link(alarm),
        obj=alarm,
    )


def escalate(alarm: Alarm) -> int:
    """Tell the office ``alarm.escalations`` levels above the county that nobody answered."""
    office = office_path(alarm.region_path, alarm.escalations)
    body = _("Not acknowledged since %(time)s; region %(region)s") % {
        "time": f"{alarm.raised_at:%Y-%m-%d %H:%M}",
        "region": codes.display(codes.to_12(alarm.region_path)),
    }
    return notify.notify(
        notify.office(office, Cap.HANDLE_ALARMS),
        kind=KIND,
        title=f"{_('Unacknowledged alarm escalated')}: {title(alarm)}",
        body=body,
        link=link(alarm),
        obj=alarm,
    )
