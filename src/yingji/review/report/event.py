"""What a 复盘 report is about: an event = (region, start, end, title), read from the request.

An event is given either as query parameters (``region``, ``start``, ``end``, ``title``) or as
an incident (``incident``: its county, from a day before it occurred to its 终报 or now).
Everything is checked before anything is computed: a malformed date or code, a start after
the end or a window over :data:`MAX_WINDOW` is :class:`InvalidInput` naming the field; a
region or an incident outside the user's jurisdiction (or nowhere) is :class:`NotFound`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from django.utils import timezone
from django.utils.translation import gettext as _

from yingji.core.errors import InvalidInput, NotFound
from yingji.core.scoping import home_region, jurisdiction_of, region_for, scope
from yingji.incidents.models import Incident
from yingji.regions.models import Region

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yingji.core.models import User

MAX_WINDOW: Final = dt.timedelta(days=31)
BEFORE_INCIDENT: Final = dt.timedelta(days=1)  # warnings and alarms that preceded it
MAX_TITLE: Final = 200
MAX_ID: Final = 2**63 - 1


@dataclass(frozen=True)
class Event:
    region: Region
    start: dt.datetime  # aware, inclusive
    end: dt.datetime  # aware, exclusive
    title: str
    incident_id: int | None = None

    def query(self) -> dict[str, str]:
        """The query parameters that name this event (for links and downloads)."""
        if self.incident_id is not None:
            return {"incident": str(self.incident_id)}
        return {
            "region": self.region.path,
            "start": timezone.localtime(self.start).strftime("%Y-%m-%dT%H:%M"),
            "end": timezone.localtime(self.end).strftime("%Y-%m-%dT%H:%M"),
            "title": self.title,
        }


def moment(raw: str, field: str, *, end: bool = False) -> dt.datetime:
    """``2019-08-09`` (a day: its start, or for the end the next midnight, so the day counts
    whole) or ``2019-08-09T14:30`` in local time; an offset, if given, is honoured."""
    text = (raw or "").strip()
    if not text:
        raise InvalidInput(_("%(field)s is required") % {"field": field}, field=field)
    if len(text) > 32 or not text.isascii():
        raise InvalidInput(
            _("%(field)s is not a date (2019-08-09 or 2019-08-09T14:30)") % {"field": field},
            field=field,
        )
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            value = dt.datetime.combine(day, dt.time()) + (
                dt.timedelta(days=1) if end else dt.timedelta()
            )
        else:
            value = dt.datetime.fromisoformat(text)
    except (ValueError, OverflowError):
        raise InvalidInput(
            _("%(field)s is not a date (2019-08-09 or 2019-08-09T14:30)") % {"field": field},
            field=field,
        ) from None
    if not 1970 <= value.year <= 2100:
        raise InvalidInput(
            _("%(field)s must lie between 1970 and 2100") % {"field": field}, field=field
        )
    return value if value.tzinfo else timezone.make_aware(value)


def _title(raw: str, region: Region, start: dt.datetime) -> str:
    text = " ".join((raw or "").split())
    if "\x00" in text:
        raise InvalidInput(_("title contains a NUL character"), field="title")
    if len(text) > MAX_TITLE:
        raise InvalidInput(
            _("title is longer than %(n)d characters") % {"n": MAX_TITLE}, field="title"
        )
    return text or _("%(region)s event of %(day)s") % {
        "region": region.name,
        "day": timezone.localtime(start).strftime("%Y-%m-%d"),
    }


def from_params(user: User | AnonymousUser, params: Any) -> Event:
    """The event the parameters name (a QueryDict or a dict of strings)."""
    incident = str(params.get("incident", "") or "").strip()
    if incident:
        return for_incident(user, incident)
    start = moment(str(params.get("start", "")), "start")
    end = moment(str(params.get("end", "")), "end", end=True)
    if start >= end:
        raise InvalidInput(_("start must be before end"), field="end")
    if end - start > MAX_WINDOW:
        raise InvalidInput(
            _("The window is longer than %(days)d days: choose a shorter one")
            % {"days": MAX_WINDOW.days},
            field="end",
        )
    code = str(params.get("region", "") or "").strip()
    if not code:
        raise InvalidInput(_("region is required"), field="region")
    region = region_for(user, code)  # InvalidInput if malformed, NotFound elsewhere or nowhere
    return Event(region, start, end, _title(str(params.get("title", "")), region, start))


def for_incident(user: User | AnonymousUser, raw: str) -> Event:
    if not (raw.isascii() and raw.isdigit()) or not 0 < int(raw[:20]) <= MAX_ID:
        raise InvalidInput(_("incident must be an incident number"), field="incident")
    incident = (
        scope(Incident.objects.all(), user).filter(pk=int(raw)).select_related("region").first()
    )
    if incident is None:
        raise NotFound(_("No such incident in your jurisdiction"), field="incident")
    county = Region.objects.filter(path=incident.region_path[:6]).first() or incident.region
    if not jurisdiction_of(user).covers(county.path):  # a township's user: their township
        county = home_region(user)
    start = incident.occurred_at - BEFORE_INCIDENT
    end = incident.closed_at or timezone.now()
    end = min(max(end, incident.occurred_at + dt.timedelta(hours=1)), start + MAX_WINDOW)
    return Event(county, start, end, incident.title, incident_id=incident.pk)
