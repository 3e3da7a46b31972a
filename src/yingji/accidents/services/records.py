"""Recording an accident, 补报 of its figures, voiding it, and making it from an incident.

The grade is never typed in: :mod:`yingji.kernels.accidents` computes it from deaths,
serious injuries and direct loss (Decree 493 Art. 3) and names the criteria that decided it.
Figures may change afterwards (补报, Art. 13): within 30 days of the accident day (7 for road
traffic and fires) the accident is re-graded; after that window the figures are recorded and
the grade stays, as the incident room does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from yingji.accidents import catalogue
from yingji.accidents.catalogue import Level
from yingji.accidents.models import Accident
from yingji.accidents.selectors import get_accident, investigation_of
from yingji.accidents.services import common
from yingji.core import audit
from yingji.core.errors import Conflict, InvalidInput, NotFound
from yingji.core.permissions import Cap, require
from yingji.core.scoping import jurisdiction_of, scope
from yingji.incidents import catalogue as incident_catalogue
from yingji.incidents.models import Incident
from yingji.kernels import accidents as decree
from yingji.kernels import codes
from yingji.regions.models import Region
from yingji.registry.models.enterprise import Enterprise, validate_industry_code

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yingji.core.models import User

    Actor = User | AnonymousUser

FIGURES: Final = ("dead", "missing", "seriously_injured", "direct_loss_yuan")
EARLIEST: Final = dt.datetime(1990, 1, 1, tzinfo=dt.UTC)


def _enterprise(actor: Actor, data: Mapping[str, Any]) -> Enterprise | None:
    raw = data.get("enterprise")
    if raw is None or raw == "":
        return None
    key = str(getattr(raw, "pk", raw)).strip()[:30]
    lookup = (
        {"pk": int(key)}
        if key.isascii() and key.isdigit() and len(key) < 12
        else {"credit_code": key.upper()}
    )
    found = (
        Enterprise.objects.filter(voided_at__isnull=True, **lookup).select_related("region").first()
    )
    if found is None or not jurisdiction_of(actor).covers(found.region_path):
        raise NotFound(
            f"enterprise: no enterprise {key!r} in your jurisdiction", field="enterprise"
        )
    return found


def _region(actor: Actor, data: Mapping[str, Any], enterprise: Enterprise | None) -> Region:
    raw = data.get("region")
    if (raw is None or raw == "") and enterprise is not None:
        return enterprise.region
    code = common.text(data, "region", 12, required=True)
    try:
        region = Region.objects.filter(code=codes.to_12(code)).first()
    except codes.CodeError as exc:
        raise InvalidInput(f"region: {exc}", field="region") from None
    if region is None:
        raise InvalidInput(f"region: no region has code {code}", field="region")
    if len(region.path) < 6:
        raise InvalidInput("region: give at least the county where it happened", field="region")
    if not jurisdiction_of(actor).covers(region.path):
        raise NotFound("region: that region is outside your jurisdiction", field="region")
    return region


def _incident(actor: Actor, data: Mapping[str, Any]) -> Incident | None:
    pk = common.pk_of(data.get("incident"), "incident")
    if pk is None:
        return None
    found = scope(Incident.objects.all(), actor).filter(pk=pk).first()
    if found is None:
        raise NotFound(f"incident: no incident {pk} in your jurisdiction", field="incident")
    if not incident_catalogue.work_safety(found.event_type) or found.exercise:
        raise InvalidInput(
            "incident: only a real work-safety accident (事故灾难, not a drill) "
            "has an accident record",
            field="incident",
        )
    if Accident.objects.filter(incident=found).exists():
        raise Conflict(
            f"incident: {found.code} already has an accident record",
            field="incident",
            code="already_recorded",
        )
    return found


def _industry(data: Mapping[str, Any], enterprise: Enterprise | None) -> tuple[str, str]:
    """GB/T 4754 code and name: the enterprise's when there is one (its registry is the
    reference), else as given."""
    if enterprise is not None:
        return enterprise.industry_code, enterprise.industry_name
    code = common.text(data, "industry_code", 5).upper()
    if code:
        try:
            validate_industry_code(code)
        except ValidationError:
            raise InvalidInput(
                f"industry_code: {code!r} is not a GB/T 4754 code such as C2614",
                field="industry_code",
            ) from None
    return code, common.text(data, "industry_name", 100)


def _figures(data: Mapping[str, Any], current: Accident | None = None) -> dict[str, Any]:
    """The four figures; one not given keeps the current value (0 for a new record)."""
    out: dict[str, Any] = {}
    for name in FIGURES[:3]:
        out[name] = common.whole(data, name, default=getattr(current, name, 0))
    out["direct_loss_yuan"] = common.yuan(
        data, "direct_loss_yuan", default=getattr(current, "direct_loss_yuan", None)
    )
    return out


def _grade(accident: Accident) -> decree.Grading:
    result = decree.grade(accident.dead, accident.seriously_injured, accident.direct_loss_yuan)
    accident.grade = result.level
    accident.grade_decided_by = ",".join(result.decided_by)
    return result


def window_closes(accident: Accident) -> dt.datetime:
    """When 补报 ends for this accident (Decree 493 Art. 13)."""
    short = accident.road_traffic or accident.accident_type in catalogue.SHORT_WINDOW_TYPES
    return decree.supplement_window_closes(accident.occurred_at, road_or_fire=short)


def next_code(region_path: str, year: int) -> str:
    prefix = f"SG-{region_path[:6]}-{year}-"
    last = (
        Accident.objects.filter(code__startswith=prefix)
        .order_by("-code")
        .values_list("code", flat=True)
        .first()
    )
    return f"{prefix}{(int(last.rsplit('-', 1)[1]) + 1) if last else 1:04d}"


def record_accident(
    *,
    actor: Actor,
    data: Mapping[str, Any],
    synthetic: bool = False,
    now: dt.datetime | None = None,
) -> Accident:
    """A new accident record, graded by Decree 493, numbered SG-<county>-<year>-<n>."""
    require(actor, Cap.MANAGE_ACCIDENTS)
    now = now or timezone.now()
    enterprise = _enterprise(actor, data)
    region = _region(actor, data, enterprise)
    incident = _incident(actor, data)
    occurred = common.moment(data, "occurred_at")
    if occurred > now + dt.timedelta(minutes=5):
        raise InvalidInput(
            "occurred_at: it cannot have happened in the future", field="occurred_at"
        )
    if occurred < EARLIEST:
        raise InvalidInput("occurred_at: before 1990", field="occurred_at")
    industry_code, industry_name = _industry(data, enterprise)
    accident = Accident(
        title=common.text(data, "title", 200, required=True),
        summary=common.text(data, "summary", 5000, required=True),
        occurred_at=occurred,
        accident_type=common.choice(data, "accident_type", catalogue.AccidentType.values),
        road_traffic=common.flag(data, "road_traffic"),
        incident=incident,
        enterprise=enterprise,
        region=region,
        region_path=region.path,
        address=common.text(data, "address", 200),
        lon=common.coordinate(data, "lon", 118, 123.5),
        lat=common.coordinate(data, "lat", 26.5, 31.5),
        industry_code=industry_code,
        industry_name=industry_name,
        recorded_by=actor if actor.is_authenticated else None,
        synthetic=synthetic,
        **_figures(data),
    )
    if (accident.lon is None) != (accident.lat is None):
        raise InvalidInput("lat: longitude and latitude go together", field="lat")
    result = _grade(accident)
    with transaction.atomic():
        year = timezone.localtime(occurred).year
        for attempt in range(5):  # two records in one county at once: take the next number
            accident.code = next_code(region.path, year)
            try:
                with transaction.atomic():
                    accident.save()
                break
            except IntegrityError:
                if incident is not None and Accident.objects.filter(incident=incident).exists():
                    raise Conflict(
                        f"incident: {incident.code} already has an accident record",
                        field="incident",
                        code="already_recorded",
                    ) from None
                if attempt == 4:
                    raise
        by = "、".join(result.decided_by) or "—"
        common.event(
            accident,
            "record",
            actor=actor,
            at=now,
            note=f"{accident.grade_name}（{by}）{accident.title}",
        )
        audit.record(
            actor=actor,
            action="accident_record",
            obj=accident,
            region_path=accident.region_path,
            after=audit.snapshot(accident),
        )
        _enterprise_changed(accident, "事故登记 accident recorded")
    return accident


def prefill_from_incident(actor: Actor, incident_pk: Any) -> dict[str, Any]:
    """The accident form's values taken from an incident (the user checks them)."""
    require(actor, Cap.MANAGE_ACCIDENTS)
    incident = _incident(actor, {"incident": incident_pk})
    assert incident is not None  # noqa: S101 - _incident returns one for a given pk
    guess = catalogue.EVENT_TYPE_TO_ACCIDENT_TYPE.get(
        incident.event_type, catalogue.AccidentType.OTHER
    )
    return {
        "incident": incident.pk,
        "title": incident.title,
        "summary": incident.description,
        "occurred_at": incident.occurred_at,
        "region": incident.region_id,
        "address": incident.address,
        "lon": incident.lon,
        "lat": incident.lat,
        "accident_type": str(guess),
        "road_traffic": incident.event_type == "road",
        **{name: getattr(incident, name) for name in FIGURES},
    }


def from_incident(
    *,
    actor: Actor,
    incident_pk: Any,
    changes: Mapping[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> Accident:
    """Record the accident of a work-safety incident, from its figures and description;
    ``changes`` overrides any value (the accident type, the enterprise …)."""
    data = prefill_from_incident(actor, incident_pk)
    data.update(changes or {})
    data["incident"] = incident_pk
    return record_accident(actor=actor, data=data, now=now)


def update_casualties(
    *, actor: Actor, pk: Any, data: Mapping[str, Any], now: dt.datetime | None = None
) -> Accident:
    """补报: new figures; re-graded while the window is open (Decree 493 Art. 13)."""
    require(actor, Cap.MANAGE_ACCIDENTS)
    now = now or timezone.now()
    note = common.text(data, "note", 500)
    with transaction.atomic():
        accident = get_accident(actor, pk, for_update=True)
        if accident.voided:
            raise Conflict(f"{accident.code} is voided", code="voided")
        before = audit.snapshot(accident)
        figures = _figures(data, accident)
        if all(figures[name] == getattr(accident, name) for name in FIGURES):
            raise InvalidInput("dead: no figure changed", field="dead")
        for name, value in figures.items():
            setattr(accident, name, value)
        old = accident.grade
        in_window = now < window_closes(accident)
        text = "补报 " + "，".join(f"{n}={figures[n]}" for n in FIGURES)
        if in_window:
            _grade(accident)
            if accident.grade != old:
                text += f"；等级 {catalogue.GRADE_NAMES[old]} → {accident.grade_name}"
                investigation = investigation_of(accident)
                wanted = catalogue.LEVEL_BY_GRADE[accident.grade]
                if investigation is not None and (
                    catalogue.LEVEL_RANK[wanted] > catalogue.LEVEL_RANK[Level(investigation.level)]
                ):
                    text += f"（应由{wanted.label}组织调查，Art. 13/20）"
        else:
            text += "（补报期已过：数字已记录，等级不变）"
        accident.save()
        common.event(
            accident, "casualties", actor=actor, at=now, note=text + (f" · {note}" if note else "")
        )
        audit.record(
            actor=actor,
            action="accident_casualties",
            obj=accident,
            region_path=accident.region_path,
            before=before,
            after=audit.snapshot(accident),
            message=note,
        )
        _enterprise_changed(accident, "事故补报 casualties updated")
    return accident


def void_accident(*, actor: Actor, pk: Any, reason: str) -> Accident:
    """Void a record entered by mistake (a duplicate, not a work-safety accident): it leaves
    the lists and the statistics but stays readable with its reason."""
    require(actor, Cap.MANAGE_ACCIDENTS)
    text = common.text({"reason": reason}, "reason", 200, required=True)
    if len(text) < 4:
        raise InvalidInput("reason: say why the record is voided (a few words)", field="reason")
    with transaction.atomic():
        accident = get_accident(actor, pk, for_update=True)
        if accident.voided:
            raise Conflict(f"{accident.code} is already voided", code="voided")
        before = audit.snapshot(accident)
        accident.voided_at, accident.void_reason = timezone.now(), text
        accident.save(update_fields=["voided_at", "void_reason", "updated_at"])
        common.event(accident, "void", actor=actor, note=text)
        audit.record(
            actor=actor,
            action="accident_void",
            obj=accident,
            region_path=accident.region_path,
            before=before,
            after=audit.snapshot(accident),
            message=text,
        )
        _enterprise_changed(accident, "事故作废 accident voided")
    return accident


def _enterprise_changed(accident: Accident, cause: str) -> None:
    """An accident is an input of its enterprise's credit and 安全码: recompute them (on
    commit, so a rolled-back record changes nothing)."""
    if accident.enterprise_id is None:
        return
    from yingji.enforcement.services import safety_code  # noqa: PLC0415 - the link's other end

    safety_code.refresh([accident.enterprise_id], cause=cause)
