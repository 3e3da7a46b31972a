"""Reporting a hidden hazard (排查发现), and adding evidence photos to one.

The source follows the reporter: an enterprise user's report is 企业自查 for their own
enterprise, a grid worker's is 网格员巡查, an inspector's is 执法检查; bureau staff say whether
they enter an inspection find or a public report (群众举报). A report names an enterprise or
a place (a region in the reporter's jurisdiction, with an optional point), and the county
office is told that a new hazard waits for registration.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

from django.db import IntegrityError, transaction
from django.utils import timezone

from yingji.core import audit, notify
from yingji.core.errors import InvalidInput, NotFound
from yingji.core.permissions import Cap, has, require, roles_of
from yingji.core.photos import store_photos
from yingji.core.scoping import jurisdiction_of
from yingji.hazards.models import (
    Category,
    Criterion,
    Evidence,
    EvidenceKind,
    Grade,
    HiddenHazard,
    Source,
    State,
)
from yingji.hazards.selectors import enterprise_of, get_hazard
from yingji.hazards.services.workflow import after_change, record_event
from yingji.kernels import codes
from yingji.regions.models import Region
from yingji.registry.models.enterprise import Enterprise

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yingji.core.models import User

    Actor = User | AnonymousUser

MAX_PHOTOS: Final = 6
ROLE_SOURCE: Final = {"grid_worker": Source.PATROL, "inspector": Source.INSPECTION}


def _source(actor: Actor, asked: str) -> str:
    if enterprise_of(actor) is not None:
        return Source.SELF
    if has(actor, Cap.MANAGE_HAZARDS) and asked in (Source.INSPECTION, Source.PUBLIC):
        return asked
    for role, source in ROLE_SOURCE.items():
        if role in roles_of(actor):
            return source
    return Source.INSPECTION if has(actor, Cap.MANAGE_HAZARDS) else Source.PATROL


def _text(data: Mapping[str, Any], name: str, limit: int, *, required: bool = True) -> str:
    value = str(data.get(name) or "").strip()
    if required and not value:
        raise InvalidInput(f"{name}: required", field=name)
    if len(value) > limit:
        raise InvalidInput(f"{name}: at most {limit} characters ({len(value)} given)", field=name)
    return value


def _choice(data: Mapping[str, Any], name: str, choices: Sequence[str], default: str = "") -> str:
    value = str(data.get(name) or default).strip()
    if value not in choices:
        raise InvalidInput(f"{name}: {value[:20]!r} is not one of {', '.join(choices)}", field=name)
    return value


def _coordinate(data: Mapping[str, Any], name: str, low: float, high: float) -> float | None:
    raw = data.get(name)
    if raw in (None, ""):
        return None
    try:
        value = float(raw)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"{name}: {str(raw)[:20]!r} is not a number", field=name) from exc
    if not low <= value <= high:
        raise InvalidInput(f"{name}: {value} is outside {low}…{high}", field=name)
    return value


def _place(actor: Actor, data: Mapping[str, Any]) -> tuple[Enterprise | None, Region]:
    own = enterprise_of(actor)
    if own is not None:
        return own, own.region
    enterprise = None
    key = str(data.get("enterprise") or "").strip()
    if key:
        enterprise = (
            Enterprise.objects.filter(voided_at__isnull=True)
            .filter(
                **(
                    {"pk": int(key)}
                    if key.isascii() and key.isdigit() and len(key) < 12
                    else {"credit_code": key.upper()}
                )
            )
            .select_related("region")
            .first()
        )
        if enterprise is None or not jurisdiction_of(actor).covers(enterprise.region_path):
            raise NotFound(f"No enterprise {key[:20]!r} in your jurisdiction", field="enterprise")
        return enterprise, enterprise.region
    code = str(data.get("region") or "").strip()
    if not code:
        raise InvalidInput("region: name the village or township, or an enterprise", field="region")
    try:
        region = Region.objects.filter(code=codes.to_12(code)).first()
    except codes.CodeError as exc:
        raise InvalidInput(f"region: {exc}", field="region") from exc
    if region is None or not jurisdiction_of(actor).covers(region.path):
        raise NotFound(f"No region {code[:20]!r} in your jurisdiction", field="region")
    return None, region


def _criterion(data: Mapping[str, Any]) -> Criterion | None:
    raw = data.get("criterion")
    if raw in (None, ""):
        return None
    found = Criterion.objects.filter(
        pk=int(raw) if str(raw).isascii() and str(raw).isdigit() else -1, active=True
    ).first()
    if found is None:
        raise InvalidInput(f"criterion: no criterion {str(raw)[:20]!r} in force", field="criterion")
    return found


def next_code(region_path: str, year: int) -> str:
    prefix = f"YH-{region_path[:6]}-{year}-"
    last = (
        HiddenHazard.objects.filter(code__startswith=prefix)
        .order_by("-code")
        .values_list("code", flat=True)
        .first()
    )
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{number:06d}"


def report(
    *, actor: Actor, data: Mapping[str, Any], photos: Sequence[Any] = (), synthetic: bool = False
) -> HiddenHazard:
    """A new hidden hazard in state 已上报, with its report photos."""
    require(actor, Cap.REPORT_HAZARD)
    if len(photos) > MAX_PHOTOS:
        raise InvalidInput(f"photo: at most {MAX_PHOTOS} photos per report", field="photo")
    enterprise, region = _place(actor, data)
    hazard = HiddenHazard(
        source=_source(actor, str(data.get("source") or "")),
        enterprise=enterprise,
        region=region,
        region_path=region.path,
        address=_text(data, "address", 200, required=False),
        lon=_coordinate(data, "lon", -180, 180),
        lat=_coordinate(data, "lat", -90, 90),
        category=_choice(data, "category", Category.values),
        grade=_choice(data, "grade", Grade.values, Grade.GENERAL),
        criterion=_criterion(data),
        title=_text(data, "title", 100),
        description=_text(data, "description", 2000),
        reported_by=actor if actor.is_authenticated else None,
        synthetic=synthetic,
    )
    if (hazard.lon is None) != (hazard.lat is None):
        raise InvalidInput("lon and lat go together", field="lat")
    keep = str(data.get("keep_location") or "").lower() in ("1", "true", "on", "yes")
    with transaction.atomic():
        for attempt in range(5):  # two reports in the same county at once: take the next number
            hazard.code = next_code(region.path, timezone.localdate().year)
            try:
                with transaction.atomic():
                    hazard.save()
                break
            except IntegrityError:
                if attempt == 4:
                    raise
        _attach(hazard, photos, EvidenceKind.REPORT, actor, keep_location=keep)
        record_event(
            hazard, "report", "", State.REPORTED, actor=actor, note=hazard.description[:200]
        )
        audit.record(
            actor=actor,
            action="hazard_report",
            obj=hazard,
            region_path=region.path,
            after=audit.snapshot(hazard),
        )
        offices = {region.path[:6], region.path[:9]}  # the county, and the township (街道) if any
        notify.notify(
            [u for path in sorted(offices) for u in notify.office(path, Cap.MANAGE_HAZARDS)],
            kind="hazard_reported",
            title=f"新隐患待登记 {hazard.code}: {hazard.title}",
            body=f"{hazard.get_source_display()} · {region.name} · {hazard.get_grade_display()}",
            link=f"/hazards/{hazard.pk}/",
            obj=hazard,
        )
        after_change(hazard)  # an open hazard is a risk input of its enterprise at once
    return hazard


def _attach(
    hazard: HiddenHazard, photos: Sequence[Any], kind: str, actor: Actor, *, keep_location: bool
) -> list[Evidence]:
    stored = store_photos(photos, purpose="hazard", actor=actor, keep_location=keep_location)
    return [Evidence.objects.create(hazard=hazard, kind=kind, photo=photo) for photo in stored]


def add_evidence(
    *, actor: Actor, pk: Any, kind: str, photos: Sequence[Any], keep_location: bool = False
) -> list[Evidence]:
    """Rectification or acceptance photos on an open hazard the actor may work on."""
    require(actor, Cap.REPORT_HAZARD)
    kind = _choice({"kind": kind}, "kind", EvidenceKind.values)
    if not photos:
        raise InvalidInput("photo: choose at least one photo", field="photo")
    if len(photos) > MAX_PHOTOS:
        raise InvalidInput(f"photo: at most {MAX_PHOTOS} photos at a time", field="photo")
    with transaction.atomic():
        hazard = get_hazard(actor, pk, for_update=True)
        if not hazard.is_open and kind != EvidenceKind.ACCEPTANCE:
            raise InvalidInput(
                f"{hazard.code} is {hazard.get_state_display()}: no more photos", field="photo"
            )
        added = _attach(hazard, photos, kind, actor, keep_location=keep_location)
        audit.record(
            actor=actor,
            action="hazard_evidence",
            obj=hazard,
            region_path=hazard.region_path,
            after={"kind": kind, "photos": [str(e.photo_id) for e in added]},
        )
    return added


def days_left(hazard: HiddenHazard, today: dt.date | None = None) -> int | None:
    if hazard.deadline is None:
        return None
    return (hazard.deadline - (today or timezone.localdate())).days
