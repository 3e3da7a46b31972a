"""Targeting reads (预警精准到村到户到人): the villages, people and message counts of a warning.

The resolution itself runs in the database (:mod:`yingji.alerts.reach`); this module gives
the shapes the pages and the API show. :func:`preview` gives the counts per county and channel
that the issuer sees before 签发.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

from yingji.alerts import reach
from yingji.alerts.models import Warning
from yingji.alerts.reach import ROLE_LEVELS, Person
from yingji.core.permissions import Cap, require
from yingji.core.scoping import get_scoped
from yingji.regions.models import Region
from yingji.registry.models.people import CHANNELS

__all__ = ["ROLE_LEVELS", "Person", "preview", "recipients", "villages", "warning_file"]
PREVIEW_CHANNELS: Final = ("sms", "voice", "app", "email", "broadcast")
CHANNEL_LABELS: Final = {**CHANNELS, "broadcast": "应急广播"}


def warning_file(actor: Any, pk: int) -> Warning:
    """One warning in the actor's jurisdiction (NotFound elsewhere) with the office and the
    people its page names (drafter, reviewer, issuer) joined: one query, not four."""
    require(actor, Cap.VIEW_WARNINGS)
    related = Warning.objects.select_related("sender", "drafted_by", "reviewed_by", "issued_by")
    return get_scoped(related, actor, label="warning", pk=pk)


def villages(warning: Warning) -> set[str]:
    """The paths of the villages the warning's areas cover."""
    return reach.village_paths(warning)


def recipients(warning: Warning) -> list[Person]:
    """The responsible persons the warning reaches (one per phone), ordered by region."""
    return reach.people(warning)


def preview(warning: Warning) -> dict[str, Any]:
    """Counts before issue: villages, people, and per county × channel the messages to send
    (responsible persons, broadcast terminals and public subscribers)."""
    found = reach.ranges(warning)
    per_county = reach.counts(warning, found)
    names = _names(per_county)
    return {
        "villages": reach.villages(warning, found),
        "recipients": sum(n.get("people", 0) for n in per_county.values()),
        "channels": {c: sum(n.get(c, 0) for n in per_county.values()) for c in PREVIEW_CHANNELS},
        "labels": {c: CHANNEL_LABELS[c] for c in PREVIEW_CHANNELS},
        "counties": [
            {
                "code": path,
                "name": names.get(path, path),
                **{c: counts.get(c, 0) for c in PREVIEW_CHANNELS},
            }
            for path, counts in sorted(per_county.items())
        ],
    }


def _names(paths: Iterable[str]) -> dict[str, str]:
    return dict(Region.objects.filter(path__in=list(paths)).values_list("path", "name"))
