"""Who a warning reaches, computed inside the database (预警精准到村到户到人).

A province-wide red warning reaches hundreds of thousands of people. Pulling them into Python
to filter and de-duplicate costs seconds, so the whole resolution is one SQL query over the
registries' region index, used three ways: counted for the preview before 签发
(:func:`counts`), listed (:func:`people`), and written straight into the outbox with
``INSERT … SELECT`` (:func:`write`, inside the issue transaction).

1. **Ranges.** The warning's areas become half-open ranges of region paths
   (:func:`ranges`): a region area is its subtree (its villages and everything registered in
   its townships and county); a polygon or circle is the villages whose centre lies inside
   (:mod:`yingji.kernels.targeting`), as runs of consecutive villages of one township — so
   a township's own duty officers are reached only when the area is a region containing it.
2. **People** (责任人, registry ``Contact``): live contacts registered in the ranges whose roles
   receive the level (:data:`ROLE_LEVELS`), one per phone (the lowest id), with the union of
   the channels registered under that phone. Each gets a 叫应 row and a message per channel
   (SMS, voice call, in-app by phone; e-mail when an address is registered).
3. **Broadcast terminals** (应急广播) of the villages in the ranges, when active: one
   text-to-speech message each, addressed by the platform's terminal code.
4. **Public subscribers** (预警订阅) whose area overlaps the warning's — a subscriber of a
   village, township or county inside a range, or of a county or township containing a
   targeted village — and whose types and lowest level match: an SMS and/or an e-mail, no
   叫应. A phone already reached as a responsible person is not messaged twice (the
   outbox's unique (warning, channel, address)).
"""

# ruff: noqa: S608 - the SQL here is built from constants and quoted table names; every value
# is a parameter.
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
from django.db import connection

from yingji.alerts.audience import BroadcastTerminal, Subscriber
from yingji.alerts.models import Ack, Delivery, Warning
from yingji.kernels import codes, targeting
from yingji.regions.models import Level, Region
from yingji.registry.models.people import CHANNELS, CONTACT_ROLES, Contact

DUTY: Final = frozenset({"县级值班", "乡镇值班", "村干部", "防汛责任人", "地质灾害监测员"})
ROLE_LEVELS: Final = {role: (0 if role in DUTY else 1) for role in CONTACT_ROLES}
"""The lowest level (0 蓝 … 3 红) each contact role receives: duty officers and the
responsible persons of villages, floods and geological hazards from 蓝; grid workers and
enterprise safety managers from 黄."""
PERSON_CHANNELS: Final = ("sms", "voice", "app", "email")
"""The channels that reach a person (each a 0/1 column of the people query)."""
PATH_LEVELS: Final = (2, 4, 6, 9)  # the path lengths of province, city, county, township

Range = tuple[str, str]


@dataclass(frozen=True)
class Person:
    contact_id: int
    name: str
    phone: str
    email: str
    region_path: str
    channels: tuple[str, ...]


# ---------------------------------------------------------------- areas → ranges

_villages: tuple[int, tuple[list[str], Any, Any]] = (-1, ([], None, None))


def _village_points() -> tuple[list[str], Any, Any]:
    """Every village with a centre point: (paths sorted, lons, lats), cached per process."""
    global _villages  # noqa: PLW0603 - one immutable snapshot, replaced whole
    located = Region.objects.filter(level=Level.VILLAGE, lon__isnull=False)
    count = located.count()
    if _villages[0] != count:
        rows = list(located.order_by("path").values_list("path", "lon", "lat"))
        paths = [p for p, _, _ in rows]
        lons = np.asarray([x for _, x, _ in rows], dtype=np.float64)
        lats = np.asarray([y for _, _, y in rows], dtype=np.float64)
        _villages = (count, (paths, lons, lats))
    return _villages[1]


def _runs(paths: Sequence[str], inside: np.ndarray) -> list[Range]:
    """Runs of consecutive inside villages of one township, as ranges."""
    found: list[Range] = []
    start, last = None, -2
    for i in np.flatnonzero(inside).tolist():
        path = paths[i]
        if start is not None and i == last + 1 and path[:-3] == paths[last][:-3]:
            last = i
            continue
        if start is not None:
            found.append((paths[start], codes.subtree_bounds(paths[last])[1]))
        start = last = i
    if start is not None:
        found.append((paths[start], codes.subtree_bounds(paths[last])[1]))
    return found


def ranges(warning: Warning) -> list[Range]:
    """The warning's areas as sorted, non-overlapping ranges of region paths."""
    found: list[Range] = []
    polygons, circles = [], []
    for area in warning.areas.select_related("region"):
        if area.region is not None:
            found.append(codes.subtree_bounds(area.region.path))
        if area.polygon:
            polygons.append(area.polygon)
        if area.circle:
            circles.append(area.circle)
    if polygons or circles:
        paths, lons, lats = _village_points()
        if paths:
            found += _runs(paths, targeting.in_shapes(lons, lats, polygons, circles))
    return _merge(found)


def _merge(found: Iterable[Range]) -> list[Range]:
    merged: list[list[str]] = []
    for low, high in sorted(found):
        if merged and low <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], high)
        else:
            merged.append([low, high])
    return [(low, high) for low, high in merged]


def villages(warning: Warning, found: Sequence[Range] | None = None) -> int:
    """How many villages the ranges hold."""
    return int(_select_villages(warning, found, "COUNT(*)")[0][0])


def village_paths(warning: Warning, found: Sequence[Range] | None = None) -> set[str]:
    """The paths of the villages the ranges hold."""
    return {row[0] for row in _select_villages(warning, found, "r.path")}


def _select_villages(warning: Warning, found: Sequence[Range] | None, select: str) -> list[Any]:
    found = ranges(warning) if found is None else found
    if not found:
        return [(0,)] if select.startswith("COUNT") else []
    sql, params = _ranges_cte(found)
    with connection.cursor() as cursor:
        cursor.execute(
            f"{sql} SELECT {select} FROM {_table(Region)} r"
            " JOIN t ON r.path >= t.low AND r.path < t.high WHERE r.level = %s",
            [*params, Level.VILLAGE],
        )
        return list(cursor.fetchall())


# ---------------------------------------------------------------- SQL


def _table(model: Any) -> str:
    return str(connection.ops.quote_name(model._meta.db_table))


def _ranges_cte(found: Sequence[Range]) -> tuple[str, list[str]]:
    values = ", ".join(["(%s, %s)"] * len(found))
    return f"WITH t(low, high) AS (VALUES {values})", [p for r in found for p in r]


def _contains(text_sql: str) -> str:
    """SQL true when the comma list ``text_sql`` holds the item given as ``,item,``."""
    find = "STRPOS" if connection.vendor == "postgresql" else "INSTR"
    return f"{find}(',' || {text_sql} || ',', %s) > 0"


def _holds(text_sql: str) -> str:
    """SQL true when the stored channel list ``text_sql`` holds the channel given: a plain
    substring test, as no channel value is part of another (checked below), and this runs
    for every contact of a province-wide warning."""
    find = "STRPOS" if connection.vendor == "postgresql" else "INSTR"
    return f"{find}({text_sql}, %s) > 0"


assert not [a for a in CHANNELS for b in CHANNELS if a != b and a in b], "see _holds"  # noqa: S101


def _role_test(warning: Warning) -> tuple[str, list[str]]:
    """SQL true for a contact ``c`` one of whose roles receives the warning's level."""
    roles = sorted(role for role, lowest in ROLE_LEVELS.items() if warning.level >= lowest)
    if set(roles) == set(CONTACT_ROLES):
        return "c.roles <> ''", []
    return " OR ".join([_contains("c.roles")] * len(roles)) or "1 = 0", [f",{r}," for r in roles]


def _people_cte(warning: Warning, found: Sequence[Range]) -> tuple[str, list[Any]]:
    """``WITH t, cand, dup, reached``: reached = (id, phone, email, region_path, f_sms,
    f_voice, f_app, f_email), one row per phone.

    Candidates are read from the covering index ``contact_reach`` alone. De-duplication by
    phone needs a sort, so only the phones found more than once among the candidates
    (``dup``) go through it; everyone else passes straight. (A phone registered twice but
    reached once needs no merging: ``dup`` is read from the candidates, not from the whole
    table, which for a warning on two townships was 80,000 contacts grouped by phone.)"""
    contact = _table(Contact)
    role_test, params = _role_test(warning)
    flags = ", ".join(
        f"CASE WHEN {_holds('c.channels')}{' AND c.email <> %s' if c == 'email' else ''}"
        f" THEN 1 ELSE 0 END AS f_{c}"
        for c in PERSON_CHANNELS
    )
    flag_params = [p for c in PERSON_CHANNELS for p in ([c, ""] if c == "email" else [c])]
    columns = ", ".join(f"f_{c}" for c in PERSON_CHANNELS)
    merged = ", ".join(f"MAX(f_{c}) AS f_{c}" for c in PERSON_CHANNELS)
    cte, range_params = _ranges_cte(found)
    sql = (
        f"{cte}, cand AS (SELECT c.id, c.phone, c.email, c.region_path, {flags}"
        f" FROM {contact} c JOIN t ON c.region_path >= t.low AND c.region_path < t.high"
        f" WHERE c.voided_at IS NULL AND ({role_test})),"
        " dup AS (SELECT phone FROM cand GROUP BY phone HAVING COUNT(*) > 1),"
        f" reached AS (SELECT id, phone, email, region_path, {columns} FROM cand"
        " WHERE phone NOT IN (SELECT phone FROM dup)"
        f" UNION ALL SELECT p.id, p.phone, p.email, c.region_path, {columns}"
        f" FROM (SELECT MIN(id) AS id, phone, MAX(email) AS email, {merged} FROM cand"
        f" WHERE phone IN (SELECT phone FROM dup) GROUP BY phone) p"
        f" JOIN {contact} c ON c.id = p.id)"
    )
    return sql, [*range_params, *flag_params, *params]


def people(warning: Warning, found: Sequence[Range] | None = None) -> list[Person]:
    """The responsible persons the warning reaches, ordered by region."""
    found = ranges(warning) if found is None else found
    if not found:
        return []
    cte, params = _people_cte(warning, found)
    with connection.cursor() as cursor:
        cursor.execute(
            f"{cte} SELECT r.id, c.name, r.phone, r.email, r.region_path,"
            f" {', '.join(f'r.f_{c}' for c in PERSON_CHANNELS)}"
            f" FROM reached r JOIN {_table(Contact)} c ON c.id = r.id",
            params,
        )
        rows = cursor.fetchall()
    return sorted(
        (
            Person(row[0], row[1], row[2], row[3], row[4],
                   tuple(c for c, on in zip(PERSON_CHANNELS, row[5:], strict=True) if on))
            for row in rows
        ),
        key=lambda p: (p.region_path, p.contact_id),
    )  # fmt: skip


def counts(warning: Warning, found: Sequence[Range] | None = None) -> dict[str, dict[str, int]]:
    """Per county: people and messages per channel, as :func:`write` will write them."""
    found = ranges(warning) if found is None else found
    if not found:
        return {}
    cte, params = _people_cte(warning, found)
    sums = ", ".join(f"SUM(f_{c})" for c in PERSON_CHANNELS)
    per: dict[str, dict[str, int]] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"{cte} SELECT SUBSTR(region_path, 1, 6), COUNT(*), {sums} FROM reached GROUP BY 1",
            params,
        )
        for row in cursor.fetchall():
            per[row[0]] = {"people": int(row[1]), **{
                c: int(n or 0) for c, n in zip(PERSON_CHANNELS, row[2:], strict=True)}}  # fmt: skip
        for county, channel, n in _public_counts(cursor, warning, found):
            entry = per.setdefault(county, {"people": 0})
            entry[channel] = entry.get(channel, 0) + n
    return per


# ---------------------------------------------------------------- writing the outbox

_DELIVERY_COLUMNS: Final = (
    "warning_id", "contact_id", "region_path", "channel", "address", "purpose", "text", "state",
    "attempts", "next_at", "worker", "provider_id", "error", "created_at",
)  # fmt: skip


def _insert_delivery() -> str:
    quote = connection.ops.quote_name
    return f"INSERT INTO {_table(Delivery)} ({', '.join(quote(c) for c in _DELIVERY_COLUMNS)})"


def _queued(source: str, values: Sequence[str]) -> str:
    """The SELECT of queued delivery rows from ``source``; ``values``: the SQL of contact,
    region path, channel, address and purpose (params: warning id, now, now)."""
    contact, region, channel, address, purpose = values
    return (f"SELECT %s, {contact}, {region}, {channel}, {address}, {purpose}, '', 'queued', 0,"
            f" %s, '', '', '', %s FROM {source}")  # fmt: skip


def write(warning: Warning, at: Any, due_at: Any) -> dict[str, int]:
    """Write the warning's 叫应 rows and messages (``at``, ``due_at``: database-ready times).
    Call inside the issue transaction. Returns the counts written."""
    found = ranges(warning)
    if not found:
        return {"recipients": 0, "messages": 0, "public": 0}
    cte, params = _people_cte(warning, found)
    pk = warning.pk
    quote = connection.ops.quote_name
    ack_columns = ", ".join(quote(c) for c in
                            ("warning_id", "contact_id", "region_path", "due_at", "via",
                             "escalations"))  # fmt: skip
    written = {"recipients": 0, "messages": 0, "public": 0}
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_table(Ack)} ({ack_columns}) {cte}"
            " SELECT %s, id, region_path, %s, '', 0 FROM reached",
            [*params, pk, due_at],
        )
        written["recipients"] = cursor.rowcount
        pick = " ".join(f"WHEN '{c}' THEN r.f_{c}" for c in PERSON_CHANNELS)
        chans = ", ".join(f"('{c}')" for c in PERSON_CHANNELS)
        cursor.execute(
            f"{_insert_delivery()} {cte}, chan(name) AS (VALUES {chans}) "
            + _queued("reached r JOIN chan ON (CASE chan.name " + pick + " END) = 1",
                      ("r.id", "r.region_path", "chan.name",
                       "CASE chan.name WHEN 'email' THEN r.email ELSE r.phone END", "'warning'"))
            + " WHERE 1 = 1 ON CONFLICT DO NOTHING",
            [*params, pk, at, at],
        )  # fmt: skip
        written["messages"] = cursor.rowcount
        written["public"] = _write_public(cursor, warning, found, at)
    return written


# ---------------------------------------------------------------- terminals and subscribers


def _subscriber_where(warning: Warning, found: Sequence[Range]) -> tuple[str, list[Any]]:
    """Live subscribers of an area overlapping the ranges, for this type and level."""
    ancestors = sorted({low[:n] for low, _ in found for n in PATH_LEVELS if n < len(low)})
    params: list[Any] = [warning.level, f"%,{warning.event_type},%"]
    holds = "s.region_path IN (" + ", ".join(["%s"] * len(ancestors)) + ")" if ancestors else ""
    params += ancestors
    inside = ("EXISTS (SELECT 1 FROM t WHERE s.region_path >= t.low"
              " AND s.region_path < t.high)")  # fmt: skip
    where = (
        "s.voided_at IS NULL AND s.min_level <= %s"
        " AND (s.event_types = '' OR (',' || s.event_types || ',') LIKE %s)"
        f" AND ({inside}{' OR ' + holds if holds else ''})"
    )
    return where, params


def _write_public(cursor: Any, warning: Warning, found: Sequence[Range], at: Any) -> int:
    cte, range_params = _ranges_cte(found)
    pk = warning.pk
    cursor.execute(
        f"{_insert_delivery()} {cte} "
        + _queued(f"{_table(BroadcastTerminal)} b JOIN t ON b.region_path >= t.low"
                  " AND b.region_path < t.high",
                  ("NULL", "b.region_path", "'broadcast'", "b.code", "'terminal'"))
        + " WHERE b.voided_at IS NULL AND b.status = 'active' ON CONFLICT DO NOTHING",
        [*range_params, pk, at, at],
    )  # fmt: skip
    total = int(cursor.rowcount)
    where, params = _subscriber_where(warning, found)
    for channel, address in (("sms", "s.phone"), ("email", "s.email")):
        cursor.execute(
            f"{_insert_delivery()} {cte} "
            + _queued(f"{_table(Subscriber)} s", ("NULL", "s.region_path", f"'{channel}'",
                      address, "'public:' || CAST(s.id AS VARCHAR(20))"))
            + f" WHERE {address} <> '' AND {where} ON CONFLICT DO NOTHING",
            [*range_params, pk, at, at, *params],
        )  # fmt: skip
        total += int(cursor.rowcount)
    return total


def _public_counts(
    cursor: Any, warning: Warning, found: Sequence[Range]
) -> list[tuple[str, str, int]]:
    """(county, channel, messages) for terminals and for subscribers. A subscriber's phone
    that a reached responsible person has (with SMS) is not counted: it gets one message.
    E-mail is counted per distinct subscriber address."""
    range_cte, range_params = _ranges_cte(found)
    cursor.execute(
        f"{range_cte} SELECT SUBSTR(b.region_path, 1, 6), COUNT(*)"
        f" FROM {_table(BroadcastTerminal)} b"
        " JOIN t ON b.region_path >= t.low AND b.region_path < t.high"
        " WHERE b.voided_at IS NULL AND b.status = 'active' GROUP BY 1",
        range_params,
    )
    out = [(county, "broadcast", int(n)) for county, n in cursor.fetchall()]
    where, where_params = _subscriber_where(warning, found)
    role_test, role_params = _role_test(warning)
    cursor.execute(
        f"{range_cte} SELECT SUBSTR(s.region_path, 1, 6), COUNT(DISTINCT s.phone)"
        f" FROM {_table(Subscriber)} s WHERE s.phone <> '' AND {where}"
        f" AND NOT EXISTS (SELECT 1 FROM {_table(Contact)} c JOIN t ON c.region_path >= t.low"
        " AND c.region_path < t.high WHERE c.phone = s.phone AND c.voided_at IS NULL"
        f" AND ({role_test}) AND {_holds('c.channels')}) GROUP BY 1",
        [*range_params, *where_params, *role_params, "sms"],
    )
    out += [(county, "sms", int(n)) for county, n in cursor.fetchall()]
    cursor.execute(
        f"{range_cte} SELECT SUBSTR(s.region_path, 1, 6), COUNT(DISTINCT s.email)"
        f" FROM {_table(Subscriber)} s WHERE s.email <> '' AND {where} GROUP BY 1",
        [*range_params, *where_params],
    )
    out += [(county, "email", int(n)) for county, n in cursor.fetchall()]
    return out
