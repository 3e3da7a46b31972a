"""转移安置与救助: evacuation counts per village (:func:`report_evacuation`, each report the
village's current total), evacuees placed in the nearest live shelters of the jurisdiction with
room (:func:`assign_shelters` through :mod:`yingji.kernels.shelters`; room is the capacity less
the people placed by *every* open incident; :func:`leave_shelter`), shelter :func:`occupancy`
for the map, and relief per affected group (:func:`record_relief`, :func:`relief_met`) timed
from the event against :data:`BASIC_NEEDS_WITHIN`: :func:`relief_overdue` and the periodic
:func:`sweep` flag a group not helped in time once, on the timeline and to the county office.
Every write is audited and written to the incident's timeline.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from django.db import IntegrityError, transaction
from django.db.models import DateTimeField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from yingji.core import audit, jobs, notify
from yingji.core.errors import Conflict, InvalidInput, NotFound
from yingji.core.permissions import Cap, require
from yingji.core.scoping import jurisdiction_of, scope
from yingji.incidents.models import Evacuation, Incident, Overdue, Placement, Relief, Status
from yingji.incidents.relief_models import labels, needs_of
from yingji.incidents.services import get_incident, room
from yingji.kernels import codes, shelters
from yingji.regions.models import Level, Region
from yingji.registry.models.shelter import Shelter

if TYPE_CHECKING:
    from yingji.core.models import User

BASIC_NEEDS_WITHIN: Final = dt.timedelta(hours=10)
"""浙江省应急管理"十四五"规划, 主要目标: "受灾群众基本生活得到有效救助时间小于10小时",
from the incident's ``occurred_at`` to the group's ``met_at`` (met at 10 h is on time)."""
SWEEP_KIND: Final = "incidents.relief"
POPULATION_FACTOR: Final = 3  # an evacuation figure above 3 × the village's population is a typo
UNKNOWN_POPULATION_CAP: Final = 100_000  # the bound where a village's population is not known
MAX_PEOPLE: Final = 1_000_000
MAX_ID: Final = 2**63 - 1
MAX_KM: Final = 100
EARLIEST: Final = dt.timedelta(days=3)  # relief may start before the event (pre-evacuation)
SKEW: Final = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class Assigned:
    placements: list[Placement]
    unplaced: dict[str, int]  # village code → people left without a shelter
    placed_total: int
    unplaced_total: int


def _open(actor: User, pk: Any, cap: Cap) -> Incident:
    require(actor, cap)
    if isinstance(pk, bool) or not isinstance(pk, int) or not 0 < pk <= MAX_ID:
        raise NotFound(_("No such incident in your jurisdiction"))
    incident = get_incident(actor, pk)
    if incident.status == Status.CLOSED:
        raise Conflict(_("The 终报 has been filed; this incident is closed"))
    return incident


def _count(raw: Any, field: str, *, low: int = 0, high: int = MAX_PEOPLE) -> int:
    text = raw.strip() if isinstance(raw, str) else ""
    value = None
    if isinstance(raw, int) and not isinstance(raw, bool):
        value = raw
    elif text.isascii() and text.isdigit():
        value = int(text) if len(text) <= 20 else high + 1
    if value is None or value < low:
        raise InvalidInput(_("%(field)s must be a whole number ≥ %(low)d") % {
            "field": field, "low": low}, field=field)  # fmt: skip
    if value > high:
        raise InvalidInput(_("%(field)s must be at most %(high)d") % {
            "field": field, "high": high}, field=field)  # fmt: skip
    return value


def _text(raw: Any, field: str, limit: int, *, required: bool = False) -> str:
    if not isinstance(raw, str | None):
        raise InvalidInput(_("%(field)s must be text") % {"field": field}, field=field)
    value = (raw or "").strip()
    if "\x00" in value:
        raise InvalidInput(_("%(field)s contains a NUL character") % {"field": field}, field=field)
    if len(value) > limit:
        raise InvalidInput(_("%(field)s is longer than %(n)d characters") % {
            "field": field, "n": limit}, field=field)  # fmt: skip
    if required and not value:
        raise InvalidInput(_("%(field)s is required") % {"field": field}, field=field)
    return value


def _village(actor: User, incident: Incident, raw: Any, field: str = "village") -> Region:
    """A village of the incident's county, within the actor's jurisdiction."""
    if isinstance(raw, bool) or not isinstance(raw, str | int) or not str(raw).strip():
        raise InvalidInput(_("Choose a village"), field=field)
    try:
        code12 = codes.to_12(str(raw).strip()[:20])
    except codes.CodeError as exc:
        raise InvalidInput(str(exc), field=field) from None
    region = Region.objects.filter(code=code12).first()
    if region is None or not jurisdiction_of(actor).covers(region.path):
        raise NotFound(_("No village %(code)s in your jurisdiction") % {"code": code12},
                       field=field)  # fmt: skip
    if region.level != Level.VILLAGE:
        raise InvalidInput(_("%(name)s is not a village") % {"name": region.name}, field=field)
    if not region.path.startswith(incident.region_path[:6]):
        raise InvalidInput(_("%(name)s is not in the incident's county") % {"name": region.name},
                           field=field)  # fmt: skip
    return region


def _moment(raw: Any, field: str, now: dt.datetime, earliest: dt.datetime) -> dt.datetime:
    try:
        value = raw if isinstance(raw, dt.datetime) else dt.datetime.fromisoformat(str(raw)[:40])
    except ValueError:
        raise InvalidInput(_("%(field)s is not a date and time (2026-07-01T09:30)") % {
            "field": field}, field=field) from None  # fmt: skip
    if value.tzinfo is None:
        value = timezone.make_aware(value)
    if value > now + SKEW:
        raise InvalidInput(_("%(field)s cannot be in the future") % {"field": field}, field=field)
    if value < earliest:
        raise InvalidInput(_("%(field)s is too early for this incident") % {"field": field},
                           field=field)  # fmt: skip
    return value


def _bound(village: Region) -> int:
    return village.population * POPULATION_FACTOR or UNKNOWN_POPULATION_CAP


def report_evacuation(actor: User, incident_pk: int, village_code: Any, people: Any, *,
                      now: dt.datetime | None = None) -> Evacuation:  # fmt: skip
    """The village's current number of people evacuated, as a grid worker counts them."""
    now = now or timezone.now()
    incident = _open(actor, incident_pk, Cap.REPORT_INCIDENT)
    village = _village(actor, incident, village_code)
    count = _count(people, "people")
    if count > _bound(village):
        raise InvalidInput(_("%(n)d people is more than %(f)d × the population of %(name)s "
                             "(%(pop)d): check the figure") % {
            "n": count, "f": POPULATION_FACTOR, "name": village.name,
            "pop": village.population}, field="people")  # fmt: skip
    with transaction.atomic():
        before = evacuated(incident).get(village.code)
        row = Evacuation.objects.create(incident=incident, village=village, people=count,
                                        reported_at=now, by=actor)  # fmt: skip
        who = actor.get_full_name() or actor.username
        text = _("%(village)s: %(n)d people evacuated (reported by %(who)s)") % {
            "village": village.name, "n": count, "who": who}  # fmt: skip
        if before is not None:
            text += _(", was %(n)d") % {"n": before[1]}
        room.entry(incident, "evacuation", text, actor=actor, at=now,
                   data={"village": village.code, "people": count})  # fmt: skip
        audit.record(actor=actor, action="create", obj=row, region_path=village.path,
                     after=audit.snapshot(row))  # fmt: skip
    return row


def evacuated(incident: Incident) -> dict[str, tuple[Region, int, dt.datetime]]:
    """Per village code: the village, its latest evacuation figure and when it was reported."""
    out: dict[str, tuple[Region, int, dt.datetime]] = {}
    rows = Evacuation.objects.filter(incident=incident).select_related("village")
    for row in rows.order_by("village_id", "-reported_at", "-pk"):
        out.setdefault(row.village_id, (row.village, row.people, row.reported_at))
    return out


def placed_now(incident: Incident) -> dict[str, int]:
    """Per village code: the people of this incident in a shelter now."""
    rows = Placement.objects.filter(incident=incident, left_at__isnull=True)
    return {r["village"]: r["n"] for r in rows.values("village").annotate(n=Sum("people"))}


def assign_shelters(actor: User, incident_pk: int, max_km: Any = shelters.DEFAULT_MAX_KM, *,
                    now: dt.datetime | None = None) -> Assigned:  # fmt: skip
    """Place everyone evacuated and not yet placed, nearest shelter first within ``max_km``,
    in the live shelters of the actor's jurisdiction, never over their capacity."""
    now = now or timezone.now()
    incident = _open(actor, incident_pk, Cap.COMMAND_INCIDENTS)
    if isinstance(max_km, bool) or not isinstance(max_km, int | float) or not (
            math.isfinite(max_km) and 0 < max_km <= MAX_KM):  # fmt: skip
        raise InvalidInput(_("max_km must be a number of km above 0 and at most %(n)d") % {
            "n": MAX_KM}, field="max_km")  # fmt: skip
    limit = float(max_km)
    with transaction.atomic():
        placed = placed_now(incident)
        waiting = [(v, n - placed.get(code, 0)) for code, (v, n, _at) in evacuated(incident).items()
                   if n > placed.get(code, 0)]  # fmt: skip
        if not waiting:
            raise Conflict(_("Everyone reported evacuated already has a shelter"))
        here = [(v, n) for v, n in waiting if v.lat is not None and v.lon is not None]
        unplaced = {v.code: n for v, n in waiting if v.lat is None or v.lon is None}
        pool = _nearby(actor, [v for v, _n in here], limit)
        used = _occupied([s.pk for s in pool])
        result = shelters.assign(  # every point is located (the `or 0.0` is for the types)
            [v.lat or 0.0 for v, _n in here], [v.lon or 0.0 for v, _n in here],
            [s.lat or 0.0 for s in pool], [s.lon or 0.0 for s in pool],
            people=[n for _v, n in here],
            room=[max(0, s.capacity - used.get(s.pk, 0)) for s in pool], max_km=limit)  # fmt: skip
        made = Placement.objects.bulk_create([
            Placement(incident=incident, village=here[p.village][0], shelter=pool[p.shelter],
                      people=p.people, km=round(p.km, 3), at=now, by=actor)
            for p in result.placed])  # fmt: skip
        unplaced.update({here[i][0].code: n for i, n in enumerate(result.unplaced.tolist()) if n})
        out = Assigned(made, unplaced, result.total_placed, sum(unplaced.values()))
        text = _("Shelters assigned: %(placed)d people placed in %(n)d shelters; %(left)d not "
                 "placed (no shelter with room within %(km)g km)") % {
            "placed": out.placed_total, "n": len({p.shelter_id for p in made}),
            "left": out.unplaced_total, "km": limit}  # fmt: skip
        room.entry(incident, "shelter", text, actor=actor, at=now,
                   data={"placed": out.placed_total, "unplaced": out.unplaced_total,
                         "max_km": limit, "unplaced_by_village": unplaced})  # fmt: skip
        audit.record(actor=actor, action="assign", obj=incident, region_path=incident.region_path,
                     message=text)  # fmt: skip
    return out


def _nearby(actor: User, villages: list[Region], km: float) -> list[Shelter]:
    """Live located shelters of the jurisdiction near the villages, locked for the assignment
    (so two at once cannot overfill one)."""
    if not villages:
        return []
    box = shelters.search_box(
        [v.lat or 0.0 for v in villages], [v.lon or 0.0 for v in villages], km
    )
    live = Shelter.objects.filter(voided_at__isnull=True, lat__gte=box[0], lat__lte=box[1],
                                  lon__gte=box[2], lon__lte=box[3])  # fmt: skip
    return list(scope(live, actor).select_for_update().order_by("pk"))


def _occupied(shelter_ids: list[int]) -> dict[int, int]:
    rows = Placement.objects.filter(shelter__in=shelter_ids, left_at__isnull=True,
                                    incident__status=Status.OPEN)  # fmt: skip
    return {r["shelter"]: r["n"] for r in rows.values("shelter").annotate(n=Sum("people"))}


def leave_shelter(actor: User, incident_pk: int, placement_id: Any, *,
                  now: dt.datetime | None = None) -> Placement:  # fmt: skip
    """The people of a placement have gone home: the shelter's places are free again and the
    village's evacuated figure drops by as many (they are no longer evacuated)."""
    now = now or timezone.now()
    incident = _open(actor, incident_pk, Cap.COMMAND_INCIDENTS)
    pid = _count(placement_id, "placement", low=1, high=MAX_ID)
    with transaction.atomic():
        row = (Placement.objects.select_for_update().select_related("shelter", "village")
               .filter(incident=incident, pk=pid).first())  # fmt: skip
        if row is None:
            raise NotFound(_("No such placement"), field="placement")
        if row.left_at is not None:
            raise Conflict(_("These people have already gone home"))
        row.left_at = now
        row.save(update_fields=["left_at"])
        still = max(0, evacuated(incident)[row.village_id][1] - row.people)
        Evacuation.objects.create(incident=incident, village=row.village, people=still,
                                  reported_at=now, by=actor)  # fmt: skip
        text = _("%(n)d people of %(village)s went home from %(shelter)s; %(left)d still "
                 "evacuated") % {"n": row.people, "village": row.village.name,
                                 "shelter": row.shelter.name, "left": still}  # fmt: skip
        room.entry(incident, "shelter", text, actor=actor, at=now, data={"placement": row.pk})
        audit.record(actor=actor, action="update", obj=row, region_path=incident.region_path,
                     message=text)  # fmt: skip
    return row


SHELTER_SHOWN: Final = ("id", "name", "code", "level", "region_path", "lon", "lat", "capacity")
"""The fields of a shelter that the occupancy views show (the others are read when used)."""


def occupancy(region_path: str | None = None, *, actor: User | None = None,
              ids: list[int] | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """Live shelters (of ``region_path``'s subtree, given an actor their jurisdiction, given
    ``ids`` those) with ``capacity``, ``occupied`` (now, by every open incident), ``percent``."""
    qs = Shelter.objects.filter(voided_at__isnull=True)
    qs = qs.filter(region_path__startswith=region_path) if region_path else qs
    qs = qs if ids is None else qs.filter(pk__in=ids)
    if actor is not None:
        qs = scope(qs, actor)
    now_in = Q(placements__left_at__isnull=True, placements__incident__status=Status.OPEN)
    qs = qs.annotate(occupied=Sum("placements__people", filter=now_in)).order_by("code")
    qs = qs.only(*SHELTER_SHOWN)
    return [{"shelter": s, "capacity": s.capacity, "occupied": (n := int(s.occupied or 0)),
             "percent": round(100 * n / s.capacity, 1) if s.capacity else None}
            for s in qs]  # fmt: skip


def record_relief(actor: User, incident_pk: int, data: dict[str, Any], *,
                  now: dt.datetime | None = None) -> Relief:  # fmt: skip
    """A group to relieve: ``group`` (who), ``people``, ``needs``, optional ``village``,
    ``started_at`` (default now), ``met_at`` (when already met) and ``note``."""
    now = now or timezone.now()
    incident = _open(actor, incident_pk, Cap.COMMAND_INCIDENTS)
    if not isinstance(data, dict):
        raise InvalidInput(_("Send the relief record as fields"), field="group")
    group = _text(data.get("group"), "group", 200, required=True)
    village = _village(actor, incident, data["village"]) if data.get("village") else None
    people = _count(data.get("people"), "people", low=1)
    if village is not None and people > _bound(village):
        raise InvalidInput(_("More people than %(f)d × the population of %(name)s") % {
            "f": POPULATION_FACTOR, "name": village.name}, field="people")  # fmt: skip
    needs = needs_of(data.get("needs"))
    note = _text(data.get("note"), "note", 500)
    started = now
    if data.get("started_at"):
        started = _moment(data["started_at"], "started_at", now, incident.occurred_at - EARLIEST)
    met = _moment(data["met_at"], "met_at", now, started) if data.get("met_at") else None
    with transaction.atomic():
        row = Relief.objects.create(incident=incident, group=group, village=village, people=people,
                                    needs=needs, started_at=started, met_at=met, by=actor,
                                    note=note)  # fmt: skip
        text = _("Relief for %(group)s (%(n)d people): %(needs)s") % {
            "group": group, "n": people, "needs": labels(needs)}  # fmt: skip
        room.entry(incident, "relief", text, actor=actor, at=now, data={"relief": row.pk})
        audit.record(actor=actor, action="create", obj=row, region_path=incident.region_path,
                     after=audit.snapshot(row))  # fmt: skip
        if met is not None:
            _met_entry(actor, incident, row, now)
    return row


def relief_met(actor: User, incident_pk: int, relief_id: Any, *, at: Any = None,
               note: Any = "", now: dt.datetime | None = None) -> Relief:  # fmt: skip
    """The group's basic needs are met (at ``at``, default now)."""
    now = now or timezone.now()
    incident = _open(actor, incident_pk, Cap.COMMAND_INCIDENTS)
    rid = _count(relief_id, "relief", low=1, high=MAX_ID)
    extra = _text(note, "note", 500)
    with transaction.atomic():
        row = Relief.objects.select_for_update().filter(incident=incident, pk=rid).first()
        if row is None:
            raise NotFound(_("No such relief record"), field="relief")
        if row.met_at is not None:
            raise Conflict(_("The basic needs of this group are already recorded as met"))
        before = audit.snapshot(row)
        row.met_at = _moment(at, "met_at", now, row.started_at) if at else now
        row.note = f"{row.note} {extra}".strip()[:500]
        row.save(update_fields=["met_at", "note"])
        _met_entry(actor, incident, row, now)
        audit.record(actor=actor, action="update", obj=row, region_path=incident.region_path,
                     before=before, after=audit.snapshot(row), message="met")  # fmt: skip
    return row


def timing(row: Relief, incident: Incident, now: dt.datetime) -> shelters.ReliefTiming:
    return shelters.relief_timing(incident.occurred_at, row.met_at, now, BASIC_NEEDS_WITHIN)


def _met_entry(actor: User, incident: Incident, row: Relief, now: dt.datetime) -> None:
    t = timing(row, incident, now)
    text = _("Basic needs met for %(group)s, %(h).1f h after the event") % {
        "group": row.group, "h": t.met_hours or 0.0}  # fmt: skip
    if t.late:
        text += _(" — later than the 10-hour target")
    room.entry(incident, "relief", text, actor=actor, at=now,
               data={"relief": row.pk, "hours": t.met_hours, "late": t.late})  # fmt: skip


def relief_overdue(now: dt.datetime | None = None, *, open_only: bool = True) -> QuerySet[Relief]:
    """Groups whose basic needs were not met within :data:`BASIC_NEEDS_WITHIN` of the event:
    not met and past it at ``now``, or met later (of open incidents unless ``open_only=False``)."""
    now = now or timezone.now()
    due = ExpressionWrapper(F("incident__occurred_at") + BASIC_NEEDS_WITHIN,
                            output_field=DateTimeField())  # fmt: skip
    qs = Relief.objects.annotate(due=due).filter(
        Q(met_at__isnull=True, due__lt=now) | Q(met_at__gt=F("due"))
    )
    if open_only:
        qs = qs.filter(incident__status=Status.OPEN)
    return qs.select_related("incident").order_by("pk")


@jobs.job_kind(SWEEP_KIND, "救助时限 relief within 10 hours")
def sweep_job(ctx: jobs.JobContext) -> dict[str, Any]:
    return sweep()


def sweep(now: dt.datetime | None = None) -> dict[str, int]:
    """Flag each group not helped within 10 hours once: timeline, audit, the county office."""
    now = now or timezone.now()
    flagged = 0
    for row in relief_overdue(now):
        incident, what = row.incident, f"relief:{row.pk}"
        text = _("Relief overdue: basic needs of %(group)s not met within 10 hours of the "
                 "event") % {"group": row.group}  # fmt: skip
        try:
            with transaction.atomic():
                due = incident.occurred_at + BASIC_NEEDS_WITHIN
                Overdue.objects.create(incident=incident, what=what, due_at=due, flagged_at=now)
                room.entry(incident, "overdue", text, at=now, data={"what": what})
                audit.record(actor=None, action="overdue", obj=row,
                             region_path=incident.region_path, message=text)  # fmt: skip
        except IntegrityError:
            continue  # flagged before
        flagged += 1
        people = notify.office(incident.region_path[:6], Cap.COMMAND_INCIDENTS)
        notify.notify(people, kind="incident", title=f"{text} · {incident.title}"[:200],
                      link=f"/incidents/{incident.pk}/", obj=incident)  # fmt: skip
    return {"relief": flagged}
