"""Targeting (预警精准到村到户到人): a warning's areas → villages → the people to reach.

- A **region** area covers its whole subtree: its villages, and every contact registered
  anywhere in it (township and county duty included).
- A **polygon** or **circle** covers the villages whose centre lies inside
  (:mod:`yingji.kernels.targeting`) and the contacts registered in those villages.
- Contacts (责任人, registry ``Contact``) are kept when one of their roles receives the
  warning's level (:data:`ROLE_LEVELS`), with the channels they registered; one person
  registered twice (same phone) is reached once per channel.

:func:`preview` gives the counts per county and channel that the issuer sees before 签发.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
from django.db import connection

from yingji.alerts.models import Warning
from yingji.kernels import codes, targeting
from yingji.regions.models import Level, Region
from yingji.registry.models.people import (
    CHANNELS,
    CONTACT_ROLES,
    Contact,
    validate_channels,
    validate_roles,
)

DUTY: Final = frozenset({"县级值班", "乡镇值班", "村干部", "防汛责任人", "地质灾害监测员"})
ROLE_LEVELS: Final = {role: (0 if role in DUTY else 1) for role in CONTACT_ROLES}
"""The lowest level (0 蓝 … 3 红) each contact role receives: duty officers and the
responsible persons of villages, floods and geological hazards from 蓝; grid workers and
enterprise safety managers from 黄."""
CHUNK: Final = 900


@dataclass(frozen=True)
class Recipient:
    contact_id: int
    name: str
    phone: str
    region_path: str
    channels: tuple[str, ...]


_villages: tuple[int, tuple[list[str], Any, Any]] = (-1, ([], None, None))


def _village_points() -> tuple[list[str], Any, Any]:
    """Every village with a centre point: (paths, lons, lats), cached per process."""
    global _villages  # noqa: PLW0603 - one immutable snapshot, replaced whole
    count = Region.objects.filter(level=Level.VILLAGE, lon__isnull=False).count()
    if _villages[0] != count:
        rows = list(
            Region.objects.filter(level=Level.VILLAGE, lon__isnull=False)
            .order_by("path")
            .values_list("path", "lon", "lat")
        )
        paths = [p for p, _, _ in rows]
        lons = np.asarray([x for _, x, _ in rows], dtype=np.float64)
        lats = np.asarray([y for _, _, y in rows], dtype=np.float64)
        _villages = (count, (paths, lons, lats))
    return _villages[1]


def villages(warning: Warning) -> set[str]:
    """The paths of the villages the warning's areas cover."""
    found: set[str] = set()
    polygons, circles = [], []
    for area in warning.areas.select_related("region"):
        if area.region is not None:
            low, high = codes.subtree_bounds(area.region.path)
            found.update(
                Region.objects.filter(
                    level=Level.VILLAGE, path__gte=low, path__lt=high
                ).values_list("path", flat=True)
            )
        if area.polygon:
            polygons.append(area.polygon)
        if area.circle:
            circles.append(area.circle)
    if polygons or circles:
        paths, lons, lats = _village_points()
        if paths:
            inside = targeting.in_shapes(lons, lats, polygons, circles)
            found.update(paths[i] for i in np.flatnonzero(inside).tolist())
    return found


def recipients(warning: Warning) -> list[Recipient]:
    """The contacts the warning reaches, de-duplicated by phone, ordered by region."""
    roles = frozenset(role for role, lowest in ROLE_LEVELS.items() if warning.level >= lowest)
    receives: dict[str, bool] = {}  # a roles text → whether one of its roles gets this level
    channels_of: dict[str, tuple[str, ...]] = {}  # a channels text → its channel values
    by_phone: dict[str, Recipient] = {}
    for pk, name, phone, path, role_text, channel_text in _contacts_in(warning):
        gets = receives.get(role_text)
        if gets is None:
            gets = receives[role_text] = bool(roles.intersection(validate_roles.values(role_text)))
        if not gets:
            continue
        channels = channels_of.get(channel_text)
        if channels is None:
            channels = channels_of[channel_text] = tuple(validate_channels.values(channel_text))
        known = by_phone.get(phone)
        if known is None:
            by_phone[phone] = Recipient(pk, name, phone, path, channels)
        elif not set(channels) <= set(known.channels):
            merged = tuple(dict.fromkeys((*known.channels, *channels)))
            by_phone[phone] = Recipient(known.contact_id, known.name, phone, known.region_path,
                                        merged)  # fmt: skip
    return sorted(by_phone.values(), key=lambda r: (r.region_path, r.contact_id))


def _contacts_in(warning: Warning) -> list[tuple[Any, ...]]:
    """(id, name, phone, region path, roles, channels) of the live contacts in the areas."""
    table = connection.ops.quote_name(Contact._meta.db_table)
    select = (
        f"SELECT id, name, phone, region_path, roles, channels FROM {table}"  # noqa: S608 - quoted
        " WHERE voided_at IS NULL AND "
    )
    rows: dict[int, tuple[Any, ...]] = {}
    shaped = False
    with connection.cursor() as cursor:
        for area in warning.areas.select_related("region"):
            if area.region is not None:
                cursor.execute(select + "region_path >= %s AND region_path < %s",
                               codes.subtree_bounds(area.region.path))  # fmt: skip
                rows.update((row[0], row) for row in cursor.fetchall())
            shaped = shaped or bool(area.polygon or area.circle)
        if shaped:
            ordered = sorted(villages(warning))
            for start in range(0, len(ordered), CHUNK):
                part = ordered[start : start + CHUNK]
                cursor.execute(select + f"region_path IN ({', '.join(['%s'] * len(part))})", part)
                rows.update((row[0], row) for row in cursor.fetchall())
    return list(rows.values())


def preview(warning: Warning) -> dict[str, Any]:
    """Counts before issue: villages, people, and per county × channel the messages to send."""
    people = recipients(warning)
    per_county: dict[str, Counter[str]] = defaultdict(Counter)
    for person in people:
        for channel in person.channels:
            per_county[person.region_path[:6]][channel] += 1
    names = _names(per_county)
    return {
        "villages": len(villages(warning)),
        "recipients": len(people),
        "channels": {c: sum(n[c] for n in per_county.values()) for c in CHANNELS},
        "counties": [
            {"code": path, "name": names.get(path, path), **{c: counts[c] for c in CHANNELS}}
            for path, counts in sorted(per_county.items())
        ],
    }


def _names(paths: Iterable[str]) -> dict[str, str]:
    return dict(Region.objects.filter(path__in=list(paths)).values_list("path", "name"))
