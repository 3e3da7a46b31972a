"""Shelters and relief API (转移安置与救助), mounted with the incidents at ``/api/incidents/``:
evacuation counts per village, assigning evacuees to shelters, people going home, the
shelters' occupancy as GeoJSON for the map, and relief per affected group.

Reads are limited to the caller's jurisdiction (an incident elsewhere is 404) and every write
goes through :mod:`yingji.incidents.services.relief`, which checks the roles (403), the state
(409: a closed incident, nobody waiting, needs already met) and the input (422 naming the
field). JSON bodies are strict: an unknown field or a value of the wrong type is 422. The
payload builders here are shared with the panel (:mod:`yingji.incidents.relief_views`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Path, Query, Router, Schema, Status
from pydantic import ConfigDict, StrictFloat, StrictInt, StrictStr

from yingji.core.errors import InvalidInput
from yingji.core.permissions import Cap, require
from yingji.core.responses import compact_json
from yingji.incidents.models import Evacuation, Incident, Placement, Relief
from yingji.incidents.relief_models import NEEDS, labels
from yingji.incidents.selectors import MAX_PK
from yingji.incidents.services import get_incident
from yingji.incidents.services import relief as services
from yingji.kernels import codes

router = Router(tags=["shelters and relief"])


NO_NUL: Final = r"^[^\x00]*$"
GEOJSON: Final = "application/geo+json; charset=utf-8"


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class EvacuationIn(Strict):
    village: StrictStr = Field(..., max_length=12, description="12-digit village code")
    people: StrictInt = Field(..., description="people evacuated from it now (its total)")


class AssignIn(Strict):
    max_km: StrictInt | StrictFloat = Field(20, description="farthest shelter, km (≤ 100)")


class ReliefIn(Strict):
    group: StrictStr = Field(..., max_length=400, pattern=NO_NUL, description="affected group")
    people: StrictInt
    needs: list[StrictStr] | StrictStr = Field(..., description=", ".join(k for k, _ in NEEDS))
    village: StrictStr | None = Field(None, max_length=12)
    started_at: StrictStr | None = Field(None, max_length=40, description="ISO 8601")
    met_at: StrictStr | None = Field(None, max_length=40, description="ISO 8601, if already met")
    note: StrictStr = Field("", max_length=1000, pattern=NO_NUL)


class MetIn(Strict):
    at: StrictStr | None = Field(None, max_length=40, description="ISO 8601; default now")
    note: StrictStr = Field("", max_length=1000, pattern=NO_NUL)


# ---------------------------------------------------------------- payloads


def relief_item(row: Relief, incident: Incident, now: dt.datetime) -> dict[str, Any]:
    t = services.timing(row, incident, now)
    state = ("late" if t.late else "met") if row.met_at else ("overdue" if t.late else "open")
    return {
        "id": row.pk, "group": row.group, "people": row.people, "needs": row.need_list,
        "needs_label": labels(row.needs), "note": row.note,
        "village": {"code": row.village_id, "name": row.village.name} if row.village else None,
        "started_at": row.started_at, "met_at": row.met_at, "due_at": t.due,
        "hours_since_event": t.hours_since_event, "met_hours": t.met_hours, "state": state,
    }  # fmt: skip


def placement_item(p: Placement) -> dict[str, Any]:
    return {"id": p.pk, "shelter": {"id": p.shelter_id, "name": p.shelter.name},
            "village": {"code": p.village_id, "name": p.village.name}, "people": p.people,
            "km": p.km, "at": p.at, "left_at": p.left_at}  # fmt: skip


def _evacuated(incident: Incident) -> dict[str, tuple[str, int, dt.datetime]]:
    """:func:`services.evacuated` with the village's name only: per village code its name, its
    latest evacuation figure and when it was reported."""
    out: dict[str, tuple[str, int, dt.datetime]] = {}
    rows = Evacuation.objects.filter(incident=incident).order_by(
        "village_id", "-reported_at", "-pk"
    )
    for code, name, people, at in rows.values_list("village_id", "village__name", "people",
                                                   "reported_at"):  # fmt: skip
        out.setdefault(code, (name, people, at))
    return out


def situation(
    incident: Incident, now: dt.datetime | None = None, *,
    known: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Per village evacuated, placed and waiting; the placements; the shelters in use (this
    incident's people and everyone's occupancy); the relief groups with their timing.
    ``known``: rows of :func:`services.occupancy` already read (the panel's map), used for the
    shelters in use when they hold all of them."""
    now = now or timezone.now()
    rows = list(Placement.objects.filter(incident=incident).select_related("shelter", "village")
                .order_by("shelter__name", "pk"))  # fmt: skip
    placed: dict[str, int] = {}  # per village, the people in a shelter now (services.placed_now)
    here: dict[int, int] = {}  # per shelter
    for p in rows:
        if p.left_at is None:
            placed[p.village_id] = placed.get(p.village_id, 0) + p.people
            here[p.shelter_id] = here.get(p.shelter_id, 0) + p.people
    villages = [
        {"code": code, "name": name, "evacuated": n, "placed": placed.get(code, 0),
         "waiting": max(0, n - placed.get(code, 0)), "reported_at": at}
        for code, (name, n, at) in sorted(_evacuated(incident).items())
    ]  # fmt: skip
    in_use = [u for u in known or () if u["shelter"].pk in here]
    if len(in_use) < len(here):  # a shelter outside what was read (both ordered by code)
        in_use = services.occupancy(ids=list(here)) if here else []
    shelters = [
        {"id": u["shelter"].pk, "name": u["shelter"].name, "code": u["shelter"].code,
         "lon": u["shelter"].lon, "lat": u["shelter"].lat, "people": here[u["shelter"].pk],
         "capacity": u["capacity"], "occupied": u["occupied"], "percent": u["percent"]}
        for u in in_use
    ]  # fmt: skip
    groups = incident.relief.select_related("village").order_by("started_at", "pk")
    return {
        "incident": incident.pk,
        "occurred_at": incident.occurred_at,
        "target_hours": services.BASIC_NEEDS_WITHIN.total_seconds() / 3600,
        "totals": {"evacuated": sum(v["evacuated"] for v in villages),
                   "placed": sum(v["placed"] for v in villages),
                   "waiting": sum(v["waiting"] for v in villages)},
        "villages": villages,
        "shelters": shelters,
        "placements": [placement_item(p) for p in sorted(rows, key=lambda p: bool(p.left_at))],
        "relief": [relief_item(r, incident, now) for r in groups],
    }  # fmt: skip


def occupancy_geojson(
    actor: Any, region_path: str | None = None, *, rows: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The shelters the actor may see (within ``region_path``) as GeoJSON points (``rows``:
    ``services.occupancy(region_path, actor=actor)`` when the caller has read it)."""
    if rows is None:
        rows = services.occupancy(region_path, actor=actor)
    features = [
        {"type": "Feature", "id": u["shelter"].pk,
         "geometry": {"type": "Point", "coordinates": [u["shelter"].lon, u["shelter"].lat]},
         "properties": {"name": u["shelter"].name, "code": u["shelter"].code,
                        "level": u["shelter"].level, "capacity": u["capacity"],
                        "occupied": u["occupied"], "percent": u["percent"],
                        "region": u["shelter"].region_path}}
        for u in rows
        if u["shelter"].lon is not None and u["shelter"].lat is not None
    ]  # fmt: skip
    return {"type": "FeatureCollection", "features": features}


# ---------------------------------------------------------------- routes


@router.get("/shelters/occupancy.geojson", summary="Shelters with capacity and people placed now")
def shelter_occupancy(
    request: HttpRequest,
    region: str = Query("", max_length=12, description="region code (2–12 digits): its subtree"),
) -> HttpResponse:
    require(request.user, Cap.VIEW_INCIDENTS)
    path = None
    if region:
        try:
            path = codes.short(codes.to_12(region))
        except codes.CodeError as exc:
            raise InvalidInput(str(exc), field="region") from None
    return compact_json(request, occupancy_geojson(request.user, path), GEOJSON)


@router.get("/{int:pk}/relief", summary="Evacuation per village, placements and relief groups")
def relief_situation(request: HttpRequest, pk: int = Path(..., ge=1, le=MAX_PK)) -> Any:
    return situation(get_incident(request.user, pk))  # type: ignore[arg-type]


@router.post(
    "/{int:pk}/evacuations",
    summary="A village's people evacuated now (each report is its current total)",
    response={201: dict[str, Any]},
)
def evacuation_report(
    request: HttpRequest, payload: EvacuationIn, pk: int = Path(..., ge=1, le=MAX_PK)
) -> Any:
    row = services.report_evacuation(request.user, pk, payload.village, payload.people)  # type: ignore[arg-type]
    return Status(201, {"id": row.pk, "village": row.village_id, "people": row.people,
                        "reported_at": row.reported_at})  # fmt: skip


@router.post(
    "/{int:pk}/shelters/assign",
    summary="Place the evacuees not yet placed in the nearest shelters with room",
)
def shelters_assign(
    request: HttpRequest, payload: AssignIn | None = None, pk: int = Path(..., ge=1, le=MAX_PK)
) -> Any:
    body = payload or AssignIn()
    done = services.assign_shelters(request.user, pk, body.max_km)  # type: ignore[arg-type]
    return {"placed": done.placed_total, "unplaced": done.unplaced_total,
            "unplaced_by_village": done.unplaced,
            "placements": [placement_item(p) for p in done.placements]}  # fmt: skip


@router.post("/{int:pk}/placements/{int:placement}/leave", summary="The people went home")
def placement_leave(
    request: HttpRequest,
    pk: int = Path(..., ge=1, le=MAX_PK),
    placement: int = Path(..., ge=1, le=MAX_PK),
) -> Any:
    row = services.leave_shelter(request.user, pk, placement)  # type: ignore[arg-type]
    return placement_item(row)


@router.post(
    "/{int:pk}/relief",
    summary="Record relief for an affected group",
    response={201: dict[str, Any]},
)
def relief_create(
    request: HttpRequest, payload: ReliefIn, pk: int = Path(..., ge=1, le=MAX_PK)
) -> Any:
    row = services.record_relief(request.user, pk, payload.model_dump(exclude_none=True))  # type: ignore[arg-type]
    return Status(201, relief_item(row, row.incident, timezone.now()))


@router.post("/{int:pk}/relief/{int:relief}/met", summary="The group's basic needs are met")
def relief_met(
    request: HttpRequest,
    payload: MetIn | None = None,
    pk: int = Path(..., ge=1, le=MAX_PK),
    relief: int = Path(..., ge=1, le=MAX_PK),
) -> Any:
    body = payload or MetIn()
    row = services.relief_met(request.user, pk, relief, at=body.at, note=body.note)  # type: ignore[arg-type]
    return relief_item(row, row.incident, timezone.now())
