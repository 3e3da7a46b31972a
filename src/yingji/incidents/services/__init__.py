"""信息报送: receiving an incident, its reports, where the reports have reached, and its grade.

- :func:`report_incident` — the 首报, from the web, a phone (灾情上报), an alarm or the API.
  The incident reaches the county when it is filed in Yingji (the county duty office sees it
  at once and is notified).
- :func:`add_report` — 续报, 补报 and 终报. The figures of a work-safety accident re-grade it
  by Decree 493 while the 补报 window is open; a higher grade extends the reporting chain
  and notifies the offices it now has to reach. After the window the figures are recorded
  and the grade stays.
- :func:`forward` — 上报: an office records that its report went one level up (the
  county to the city, the city to the province, the province to the ministry), which meets
  that level's time limit (:mod:`.deadlines`).
- :func:`set_grade` — the duty officer grades an incident that Decree 493 does not (a
  natural disaster, a public-health or social-safety event).

Every step is audited and written to the incident's timeline (:mod:`.room`).
"""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Final

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yingji.core import audit, notify
from yingji.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from yingji.core.permissions import Cap, require
from yingji.core.scoping import jurisdiction_of, scope
from yingji.incidents import catalogue
from yingji.incidents.models import Incident, Receipt, Report, ReportKind, Source, Status
from yingji.incidents.services import room
from yingji.kernels import accidents, codes
from yingji.regions.models import Region

if TYPE_CHECKING:
    from yingji.core.models import User

LEVEL_OF_PATH: Final = {6: "county", 4: "city", 2: "province"}
"""An office's level by its path length; forwarding goes to the next in accidents.CHAIN."""
FIGURES: Final = ("dead", "missing", "seriously_injured", "direct_loss_yuan")
MAX_PEOPLE: Final = 1_000_000
MAX_LOSS: Final = Decimal("1e13")
TEXT_LIMITS: Final = {"title": 200, "description": 5000, "unit": 2000, "measures": 3000,
                      "other": 2000, "address": 200}  # fmt: skip


def get_incident(actor: User, pk: int, *, related: tuple[str, ...] = ()) -> Incident:
    """The incident if the actor may see it (``related``: foreign keys to read with it)."""
    require(actor, Cap.VIEW_INCIDENTS)
    qs = Incident.objects.select_related(*related) if related else Incident.objects.all()
    found = scope(qs, actor).filter(pk=pk).first()
    if found is None:
        raise NotFound(_("No such incident in your jurisdiction"))
    return found


# ---------------------------------------------------------------- reading input


def _text(data: dict[str, Any], name: str, *, required: bool = False) -> str:
    value = data.get(name, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput(_("%(field)s must be text") % {"field": name}, field=name)
    value = value.strip()
    if "\x00" in value:
        raise InvalidInput(_("%(field)s contains a NUL character") % {"field": name}, field=name)
    if len(value) > TEXT_LIMITS.get(name, 1000):
        raise InvalidInput(
            _("%(field)s is longer than %(n)d characters") % {"field": name,
                                                               "n": TEXT_LIMITS[name]},
            field=name,
        )  # fmt: skip
    if required and not value:
        raise InvalidInput(_("%(field)s is required") % {"field": name}, field=name)
    return value


def _figures(data: dict[str, Any], current: Incident | None = None) -> dict[str, Any]:
    """Casualties and loss; a figure not given keeps the incident's current value."""
    out: dict[str, Any] = {}
    for name in FIGURES:
        raw = data.get(name)
        if raw in (None, ""):
            zero: Any = Decimal(0) if name == "direct_loss_yuan" else 0
            out[name] = getattr(current, name) if current else zero
            continue
        if name == "direct_loss_yuan":
            try:
                value = Decimal(str(raw).replace(",", "").strip())
            except (InvalidOperation, ValueError):
                value = Decimal("NaN")
            if not value.is_finite() or value < 0 or value > MAX_LOSS:
                raise InvalidInput(_("The direct loss must be an amount of yuan ≥ 0"), field=name)
            out[name] = value.quantize(Decimal("0.01"))
        else:
            text = str(raw).strip()
            if isinstance(raw, bool) or not (text.isascii() and text.isdecimal()):
                raise InvalidInput(
                    _("%(field)s must be a whole number ≥ 0") % {"field": name}, field=name
                )
            value_int = int(text)
            if value_int > MAX_PEOPLE:
                raise InvalidInput(_("%(field)s is implausibly large") % {"field": name},
                                   field=name)  # fmt: skip
            out[name] = value_int
    return out


def _when(data: dict[str, Any], name: str, now: dt.datetime) -> dt.datetime:
    raw = data.get(name)
    if raw in (None, ""):
        raise InvalidInput(_("Say when it happened"), field=name)
    if isinstance(raw, dt.datetime):
        value = raw
    else:
        try:
            value = dt.datetime.fromisoformat(str(raw).strip()[:40])
        except ValueError:
            raise InvalidInput(
                _("%(field)s is not a date and time (2026-07-01T09:30)") % {"field": name},
                field=name,
            ) from None
    if value.tzinfo is None:
        value = timezone.make_aware(value)
    if value > now + dt.timedelta(minutes=5):
        raise InvalidInput(_("It cannot have happened in the future"), field=name)
    if value < now - dt.timedelta(days=366):
        raise InvalidInput(_("More than a year ago: record it as a past accident"), field=name)
    return value


def _point(data: dict[str, Any]) -> tuple[float | None, float | None]:
    lon, lat = data.get("lon"), data.get("lat")
    if lon in (None, "") and lat in (None, ""):
        return None, None
    try:
        x, y = float(lon), float(lat)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InvalidInput(_("The location must be a longitude and a latitude"),
                           field="lon") from None  # fmt: skip
    if not (118 <= x <= 123.5 and 26.5 <= y <= 31.5):
        raise InvalidInput(_("The location is outside Zhejiang"), field="lon")
    return x, y


def _region(actor: User, data: dict[str, Any]) -> Region:
    raw = data.get("region")
    if not raw or not isinstance(raw, str | int):
        raise InvalidInput(_("Choose the region where it happened"), field="region")
    try:
        code12 = codes.to_12(str(raw).strip())
    except codes.CodeError as exc:
        raise InvalidInput(str(exc), field="region") from None
    region = Region.objects.filter(code=code12).first()
    if region is None:
        raise InvalidInput(_("No region has code %(code)s") % {"code": raw}, field="region")
    if len(region.path) < 6:
        raise InvalidInput(_("Give at least the county"), field="region")
    if not jurisdiction_of(actor).covers(region.path):
        raise NotFound(_("That region is outside your jurisdiction"), field="region")
    return region


# ---------------------------------------------------------------- the first report


def report_incident(
    actor: User, data: dict[str, Any], *, source: str = Source.WEB, now: dt.datetime | None = None
) -> Incident:
    """File the 首报: the incident, its first report and the county's receipt.
    ``data["exercise"] is True`` files a drill (演练), kept out of statistics."""
    require(actor, Cap.REPORT_INCIDENT)
    now = now or timezone.now()
    event_type = data.get("event_type")
    if not isinstance(event_type, str) or event_type not in catalogue.TYPE_NAMES:
        raise InvalidInput(_("Choose the type of incident"), field="event_type")
    region = _region(actor, data)
    lon, lat = _point(data)
    occurred = _when(data, "occurred_at", now)
    figures = _figures(data)
    fields = {name: _text(data, name) for name in ("unit", "measures", "other", "address")}
    description = _text(data, "description", required=True)
    title = _text(data, "title") or f"{region.name}{catalogue.TYPE_NAMES[event_type]}"
    with transaction.atomic():
        incident = Incident(
            code="", title=title, category=catalogue.CATEGORY_OF[event_type],
            event_type=event_type, occurred_at=occurred, description=description,
            region=region, region_path=region.path, address=fields["address"], lon=lon,
            lat=lat, source=source, reported_by=actor, reported_at=now,
            exercise=data.get("exercise") is True, **figures,
        )  # fmt: skip
        if catalogue.work_safety(event_type):
            _apply_grade(incident, now)
            incident.first_reach = accidents.REACH[incident.grade or 0]
        _save_new(incident)
        contents = {
            "description": description,
            "unit": fields["unit"],
            "measures": fields["measures"],
            "other": fields["other"],
            **figures,
        }
        _report(actor, incident, ReportKind.FIRST, contents, now)
        Receipt.objects.create(incident=incident, level="county", received_at=now, by=actor)
        room.entry(incident, "report", _("首报 filed by %(who)s") % {"who": _who(actor)},
                   actor=actor, at=now, data={"kind": "first"})  # fmt: skip
        audit.record(actor=actor, action="create", obj=incident, region_path=incident.region_path,
                     after=audit.snapshot(incident))  # fmt: skip
        county = incident.region_path[:6]
        transaction.on_commit(lambda: _tell(county, incident, _("New incident reported")))
    return incident


ALARM_TYPES: Final = {"rainstorm": "rainstorm", "gale": "typhoon", "rate": "geohazard"}
"""An alarm's rule → the incident type its report starts with (a threshold alarm — gas, water
level — takes the type the reporter chooses)."""


def report_from_alarm(
    actor: User, alarm_id: int, data: dict[str, Any], *, now: dt.datetime | None = None
) -> Incident:
    """A 首报 from a monitoring alarm: the station's place and point, the alarm's start as
    the time it happened and its figures in the description; the reporter adds the rest."""
    from yingji.monitoring.selectors import get_alarm  # noqa: PLC0415 - optional app

    alarm = get_alarm(actor, _alarm_id(alarm_id))
    given = {k: v for k, v in data.items() if v not in (None, "")}
    merged = {**alarm_prefill(actor, alarm.pk), **given}
    detail = alarm_prefill(actor, alarm.pk)["description"]
    if detail not in str(merged.get("description", "")):
        merged["description"] = f"{detail}\n{given.get('description') or ''}".strip()[:5000]
    incident = report_incident(actor, merged, source=Source.ALARM, now=now)
    Incident.objects.filter(pk=incident.pk).update(source_alarm=alarm)
    incident.source_alarm = alarm
    return incident


def alarm_prefill(actor: User, alarm_id: Any) -> dict[str, Any]:
    """What an alarm tells a new report: type (by rule), place, point, start and figures."""
    from yingji.monitoring.selectors import get_alarm  # noqa: PLC0415 - optional app

    alarm = get_alarm(actor, _alarm_id(alarm_id))
    station = alarm.sensor.station
    return {
        "event_type": ALARM_TYPES.get(alarm.rule, ""),
        "region": station.region_id,
        "lon": station.lon,
        "lat": station.lat,
        "occurred_at": alarm.started_at,
        "title": f"{station.name}{alarm.get_rule_display()}",
        "description": f"{alarm.get_rule_display()}：{station.name}（{alarm.sensor.code}）"
        f"{alarm.detail}",
    }


def _alarm_id(raw: Any) -> int:
    text = str(raw).strip() if isinstance(raw, int | str) and not isinstance(raw, bool) else ""
    if not (text.isascii() and text.isdecimal()) or len(text) > 18:
        raise InvalidInput(_("No such alarm"), field="alarm")
    return int(text)


def _save_new(incident: Incident) -> None:
    """Save with the next code of the county and day (``330106-20260701-001``)."""
    day = timezone.localtime(incident.occurred_at).strftime("%Y%m%d")
    prefix = f"{incident.region_path[:6]}-{day}-"
    for _attempt in range(5):
        taken = Incident.objects.filter(code__startswith=prefix).count()
        incident.code = f"{prefix}{taken + 1:03d}"
        try:
            with transaction.atomic():
                incident.save()
            return
        except IntegrityError:
            continue
    raise Conflict(_("Could not number the incident; try again"))


def _report(
    actor: User, incident: Incident, kind: str, contents: dict[str, Any], now: dt.datetime
) -> Report:
    """Store a report; ``contents``: description, unit, measures, other and the figures."""
    number = incident.reports.count() + 1
    return Report.objects.create(
        incident=incident, kind=kind, number=number, at=now, by=actor,
        by_region_path=_office(actor),
        grade_after=incident.grade, **contents,
    )  # fmt: skip


def _apply_grade(incident: Incident, now: dt.datetime) -> bool:
    """Grade a work-safety accident from its figures; True when the grade went up."""
    result = accidents.grade(incident.dead, incident.seriously_injured, incident.direct_loss_yuan)
    raised = incident.grade is not None and result.level > incident.grade
    incident.grade = result.level
    incident.grade_decided_by = ",".join(result.decided_by)
    if raised:
        incident.grade_raised_at = now
    return raised


def window_closes(incident: Incident) -> dt.datetime:
    """When 补报 of casualty changes stops re-grading."""
    short = incident.event_type in catalogue.SHORT_WINDOW
    return accidents.supplement_window_closes(incident.occurred_at, road_or_fire=short)


# ---------------------------------------------------------------- 续报, 补报, 终报


def add_report(
    actor: User, pk: int, data: dict[str, Any], *, now: dt.datetime | None = None
) -> Report:
    """File a 续报 (or 补报 of casualty changes, or the 终报, which closes the incident)."""
    require(actor, Cap.REPORT_INCIDENT)
    now = now or timezone.now()
    kind = data.get("kind", ReportKind.UPDATE)
    if kind not in (ReportKind.UPDATE, ReportKind.SUPPLEMENT, ReportKind.FINAL):
        raise InvalidInput(_("A report after the first is 续报, 补报 or 终报"), field="kind")
    if kind == ReportKind.FINAL:
        require(actor, Cap.COMMAND_INCIDENTS)
    with transaction.atomic():
        incident = get_incident(actor, pk)
        incident = Incident.objects.select_for_update().get(pk=incident.pk)
        if incident.status == Status.CLOSED:
            raise Conflict(_("The 终报 has been filed; this incident is closed"))
        before = audit.snapshot(incident)
        figures = _figures(data, incident)
        description = _text(data, "description", required=True)
        fields = {name: _text(data, name) for name in ("unit", "measures", "other")}
        old_grade = incident.grade
        changed = any(figures[name] != getattr(incident, name) for name in FIGURES)
        in_window = now < window_closes(incident)
        raised = False
        if changed and (in_window or not catalogue.work_safety(incident.event_type)):
            for name, value in figures.items():
                setattr(incident, name, value)
            if catalogue.work_safety(incident.event_type):
                raised = _apply_grade(incident, now)
        if kind == ReportKind.FINAL:
            incident.status, incident.closed_at = Status.CLOSED, now
        incident.save()
        report = _report(actor, incident, kind, {"description": description, **fields,
                                                 **figures}, now)  # fmt: skip
        text = _("%(kind)s by %(who)s") % {"kind": report.get_kind_display(), "who": _who(actor)}
        if changed and not in_window and catalogue.work_safety(incident.event_type):
            text += _(" (after the 补报 window: figures recorded, grade unchanged)")
        room.entry(incident, "report", text, actor=actor, at=now,
                   data={"kind": kind, "number": report.number})  # fmt: skip
        if raised:
            _grade_raised(actor, incident, old_grade, now)
        audit.record(actor=actor, action="update", obj=incident, region_path=incident.region_path,
                     before=before, after=audit.snapshot(incident), message=kind)  # fmt: skip
    return report


def _grade_raised(actor: User, incident: Incident, old: int | None, now: dt.datetime) -> None:
    new = incident.grade or 0
    text = _("Grade raised from %(old)s to %(new)s by the figures of the report") % {
        "old": catalogue.GRADE_NAMES[old or 0], "new": catalogue.GRADE_NAMES[new]}  # fmt: skip
    room.entry(incident, "grade", text, actor=actor, at=now, data={"from": old, "to": new})
    # Every office the report must now reach hears of it (重大 is the province's to handle).
    offices = {"county": incident.region_path[:6], "city": incident.region_path[:4],
               "province": incident.region_path[:2]}  # fmt: skip
    for level in accidents.CHAIN[: accidents.REACH[new]]:
        if level in offices:
            transaction.on_commit(functools.partial(_tell, offices[level], incident, text))


def set_grade(actor: User, pk: int, level: int, note: str = "") -> Incident:
    """The duty officer grades an incident Decree 493 does not grade."""
    require(actor, Cap.COMMAND_INCIDENTS)
    if isinstance(level, bool) or level not in range(4):
        raise InvalidInput(_("The grade is 0 一般, 1 较大, 2 重大 or 3 特别重大"), field="grade")
    now = timezone.now()
    with transaction.atomic():
        incident = get_incident(actor, pk)
        incident = Incident.objects.select_for_update().get(pk=incident.pk)
        if incident.status == Status.CLOSED:
            raise Conflict(_("The 终报 has been filed; this incident is closed"))
        if catalogue.work_safety(incident.event_type):
            raise Conflict(_("A work-safety accident is graded by its figures (Decree 493)"))
        old = incident.grade
        incident.grade, incident.grade_decided_by = level, "duty officer"
        if old is None:
            incident.first_reach = accidents.REACH[level]
        elif level > old:
            incident.grade_raised_at = now
        incident.save(update_fields=["grade", "grade_decided_by", "first_reach",
                                     "grade_raised_at"])  # fmt: skip
        text = _("Graded %(grade)s by %(who)s") % {"grade": catalogue.GRADE_NAMES[level],
                                                  "who": _who(actor)}  # fmt: skip
        note = _clean_note(note)
        room.entry(incident, "grade", text + (f" · {note}" if note else ""), actor=actor,
                   at=now, data={"from": old, "to": level})  # fmt: skip
        if old is not None and level > old:
            _grade_raised(actor, incident, old, now)
        audit.record(actor=actor, action="update", obj=incident,
                     region_path=incident.region_path,
                     message=f"grade {old} → {level}")  # fmt: skip
    return incident


# ---------------------------------------------------------------- 上报


def forward(actor: User, pk: int, *, now: dt.datetime | None = None) -> Receipt:
    """The actor's office sends the report one level up: that level has it now."""
    require(actor, Cap.COMMAND_INCIDENTS)
    now = now or timezone.now()
    path = _office(actor)
    mine = "province" if actor.is_superuser and not path else LEVEL_OF_PATH.get(len(path))
    if mine is None:
        raise Forbidden(_("Only a county, city or provincial office forwards reports"))
    upward = accidents.CHAIN[accidents.CHAIN.index(mine) + 1]
    with transaction.atomic():
        incident = get_incident(actor, pk)
        if Receipt.objects.filter(incident=incident, level=upward).exists():
            raise Conflict(_("The report is already at the %(level)s level") % {"level": upward})
        Receipt.objects.get_or_create(incident=incident, level=mine,
                                      defaults={"received_at": now, "by": actor})  # fmt: skip
        receipt = Receipt.objects.create(incident=incident, level=upward, received_at=now,
                                         by=actor)  # fmt: skip
        room.entry(incident, "forward", _("Reported to the %(level)s level by %(who)s") % {
            "level": dict(LEVEL_NAMES)[upward], "who": _who(actor)}, actor=actor, at=now,
            data={"level": upward})  # fmt: skip
        audit.record(actor=actor, action="forward", obj=incident,
                     region_path=incident.region_path, message=upward)  # fmt: skip
        office = {"city": incident.region_path[:4], "province": incident.region_path[:2]}
        if upward in office:
            transaction.on_commit(lambda: _tell(office[upward], incident,
                                                _("Incident reported to you")))  # fmt: skip
    return receipt


LEVEL_NAMES: Final = (("county", "县级"), ("city", "市级"), ("province", "省级"),
                      ("ministry", "应急管理部"))  # fmt: skip


def _clean_note(note: Any) -> str:
    """A short free-text note: text, no NUL, at most 200 characters."""
    if note is None:
        return ""
    if not isinstance(note, str) or "\x00" in note:
        raise InvalidInput(_("The note must be plain text"), field="note")
    return note.strip()[:200]


def _office(actor: User) -> str:
    """The path of the actor's home office ('' for an account without one)."""
    return actor.region.path if actor.region is not None else ""


def _who(actor: User) -> str:
    return str(actor)  # the display name, else the username


def _tell(path: str, incident: Incident, title: str) -> None:
    """Notify the duty office of ``path`` (those who command incidents there)."""
    people = notify.office(path, Cap.COMMAND_INCIDENTS)
    grade = f"【{incident.grade_name}】" if incident.grade is not None else ""
    notify.notify(people, kind="incident", title=f"{title}: {grade}{incident.title}"[:200],
                  body=incident.description[:500], link=f"/incidents/{incident.pk}/",
                  obj=incident)  # fmt: skip
