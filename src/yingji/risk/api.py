"""Risk API: the four-colour map points, an enterprise's risk card, colour counts per region,
the five-level area risk of a region's children and the monthly control index.

Every read goes through :mod:`yingji.risk.selectors`, so it is the caller's jurisdiction only:
a region or an enterprise outside it is 404, as if it did not exist. Query parameters are
checked here and refused with 422 naming the parameter (an unknown colour, hazard type or
hazchem role, a malformed region code, bounding box or month, an oversized string).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

from django.http import HttpRequest, HttpResponse
from ninja import Field, Path, Query, Router, Schema

from yingji.core.errors import InvalidInput
from yingji.core.params import parse_bbox
from yingji.core.responses import compact_json
from yingji.core.scoping import jurisdiction_of
from yingji.kernels import codes
from yingji.regions import selectors as region_selectors
from yingji.regions.models import Level, Region
from yingji.risk import selectors
from yingji.risk.models import HazardType
from yingji.risk.selectors import Card
from yingji.risk.services.control import COMPONENTS

router = Router(tags=["risk"])

MONTH_PATTERN: Final = r"^(\d{4}-\d{2})?$"
MAX_PK: Final = 2**63 - 1  # the largest id a database column holds
HAZARD_CHOICES: Final = (*HazardType.values, "all")
# Regions that keep a boundary polygon (the others are points on the map).
BOUNDARY_LEVELS: Final = (Level.PROVINCE, Level.CITY, Level.COUNTY)


class PointsQuery(Schema):
    region: str = Field(
        "",
        max_length=12,
        description="Region code (2–12 digits); default: your jurisdiction",
    )
    colour: str = Field("", max_length=40, description="e.g. red,orange (or 3,2); default: all")
    hazchem: str = Field("", max_length=10, description="any, produce, trade, store, use, none")
    bbox: str = Field("", max_length=200, description="minLon,minLat,maxLon,maxLat")


class RegionQuery(Schema):
    region: str = Field(
        "",
        max_length=12,
        description="Region code; default: your jurisdiction",
    )


class AreaQuery(Schema):
    parent: str = Field(
        "",
        max_length=12,
        description="The region whose children are listed; default: yours",
    )
    hazard: str = Field("all", max_length=12, description=f"one of {', '.join(HAZARD_CHOICES)}")


class MonthQuery(Schema):
    month: str = Field(
        "",
        max_length=7,
        pattern=MONTH_PATTERN,
        description="YYYY-MM; default: the latest published month",
    )


# ---------------------------------------------------------------- helpers shared with the pages


def parse_month(raw: str) -> dt.date | None:
    """'2026-11' → 2026-11-01; '' → None (the latest month)."""
    return selectors.parse_month(raw) if raw else None


def check_hazard(hazard: str) -> str:
    if hazard not in HAZARD_CHOICES:
        raise InvalidInput(
            f"Unknown hazard type {hazard[:20]!r}: use one of {', '.join(HAZARD_CHOICES)}",
            field="hazard",
        )
    return hazard


def region_for(actor: Any, code: str, *, field: str = "region") -> Region:
    """The region of ``code`` (2/4/6/9/12 digits, or the 6-digit GB/T 2260 form of a province
    or city; default: the actor's home region); NotFound outside the actor's jurisdiction."""
    code = (code or "").strip()
    if not code:
        return selectors.home_region(actor)
    try:
        full = codes.to_12(code[:20])
    except codes.CodeError as exc:
        raise InvalidInput(
            f"{field} {code[:20]!r} is not a region code: {exc}", field=field
        ) from exc
    return Region.objects.get(path=selectors.region_path(actor, full))


def region_brief(region: Region) -> dict[str, Any]:
    return {
        "code": codes.display(region.code),
        "code12": region.code,
        "name": region.name,
        "level": region.level,
        "path": region.path,
    }


def crumbs(actor: Any, region: Region) -> list[dict[str, Any]]:
    """The region's ancestors the actor may see, then the region: a breadcrumb trail."""
    jurisdiction = jurisdiction_of(actor)
    trail = [*region_selectors.ancestors(region), region]
    return [region_brief(r) for r in trail if jurisdiction.covers(r.path)]


def card_payload(card: Card) -> dict[str, Any]:
    """The risk card as JSON: what the card page shows and its charts draw."""
    enterprise = card.enterprise
    body: dict[str, Any] = {
        "enterprise": {
            "id": enterprise.pk,
            "name": enterprise.name,
            "credit_code": enterprise.credit_code,
            "region": codes.display(enterprise.region_id),
            "region_path": enterprise.region_path,
            "hazchem_role": enterprise.hazchem_role,
            "voided": enterprise.voided_at is not None,
        },
        "assessed": card.current is not None,
        "history": card.history,
        "colours": [selectors.colour_info(c) for c in range(4)],
    }
    if card.current is None or card.built is None or card.version is None:
        return body
    bands = card.built.model.colours
    body.update(
        score=round(card.current.score, 2),
        colour=selectors.colour_info(card.current.colour),
        score_colour=selectors.colour_info(card.assessment.score_colour)
        if card.assessment is not None
        else None,
        overridden=card.current.overridden,
        assessed_at=card.current.assessed_at.isoformat(),
        version={
            "id": card.version.pk,
            "label": str(card.version),
            "status": card.version.status,
        },
        thresholds=list(bands.thresholds),
        contributions=card.contributions,
        overrides=card.overrides,
        missing=card.incomplete,
    )
    return body


def areas_payload(actor: Any, parent: Region, hazard: str) -> dict[str, Any]:
    check_hazard(hazard)
    rows = selectors.area_levels(actor, hazard=hazard, parent=parent)
    child = (
        Level.COUNTY
        if parent.level == Level.PROVINCE
        else selectors.NEXT_LEVEL.get(Level(parent.level))
    )
    trail = crumbs(actor, parent)
    outline = next(
        (c for c in reversed(trail) if c["level"] in BOUNDARY_LEVELS),
        None,
    )
    if outline is None:  # a township user: the outline of the county they sit in
        county = Region.objects.filter(path=parent.path[:6]).first()
        outline = region_brief(county) if county is not None else None
    levels = [
        {"code": i, "name": name, "hex": selectors.LEVEL_HEX[i]}
        for i, name in enumerate(selectors.LEVEL_NAMES)
    ]
    return {
        "parent": {
            **region_brief(parent),
            "area": selectors.area_of(actor, hazard=hazard, region=parent),
        },
        "hazard": hazard,
        "hazards": [{"key": k, "name": str(n)} for k, n in HazardType.choices],
        "child_level": child,
        "polygons": child in BOUNDARY_LEVELS,
        "boundaries": (
            f"/api/regions/{codes.display(parent.code)}/boundary.geojson?level={child}"
            if child in BOUNDARY_LEVELS
            else None
        ),
        "outline": outline,
        "crumbs": trail,
        "levels": levels,
        "areas": rows,
    }


def control_payload(actor: Any, month: dt.date | None) -> dict[str, Any]:
    rows = list(selectors.control_indices(actor, month))
    months = selectors.control_months(actor)
    shown = rows[0].month if rows else month
    return {
        "month": shown.strftime("%Y-%m") if shown else None,
        "months": [m.strftime("%Y-%m") for m in months],
        "components": [
            {
                "key": c.key,
                "name": c.name,
                "weight": c.weight,
                "explanation": c.explanation,
                "available": c.available,
            }
            for c in COMPONENTS
        ],
        "rows": [
            {
                "code": codes.display(r.region_id),
                "name": r.region.name,
                "value": r.value,
                "components": r.components,
            }
            for r in rows
        ],
    }


# ---------------------------------------------------------------- endpoints


@router.get(
    "/enterprises",
    summary="Enterprise colours as compact map points",
    description=(
        "Points are `[id, lon, lat, colour, name]` (colour 0 blue … 3 red), worst colours "
        f"first, at most {selectors.MAP_POINT_LIMIT:,}; `total` counts every match and "
        "`truncated` says when the list was cut."
    ),
)
def enterprise_points(request: HttpRequest, filters: Query[PointsQuery]) -> HttpResponse:
    colours = selectors.parse_colours(filters.colour)
    hazchem = selectors.parse_hazchem(filters.hazchem)
    bbox = parse_bbox(filters.bbox)
    region = region_for(request.user, filters.region)
    points, total = selectors.map_points(
        request.user,
        region=region.code,
        colours=colours,
        hazchem=hazchem,
        bbox=bbox,
        limit=selectors.MAP_POINT_LIMIT,
    )
    return compact_json(
        request,
        {
            "region": region_brief(region),
            "fields": ["id", "lon", "lat", "colour", "name"],
            "points": points,
            "count": len(points),
            "total": total,
            "truncated": total > len(points),
            "limit": selectors.MAP_POINT_LIMIT,
            "colours": [selectors.colour_info(c) for c in range(4)],
        },
    )


@router.get("/enterprises/{pk}", summary="One enterprise's risk card")
def enterprise_card(request: HttpRequest, pk: int = Path(..., ge=1, le=MAX_PK)) -> dict[str, Any]:
    return card_payload(selectors.card(request.user, pk))


@router.get("/summary", summary="Enterprises per colour in a region and in each of its children")
def summary(request: HttpRequest, filters: Query[RegionQuery]) -> dict[str, Any]:
    region = region_for(request.user, filters.region)
    totals = selectors.colour_totals(selectors.current(request.user, region=region.code))
    return {
        "region": region_brief(region),
        "colours": [selectors.colour_info(c) for c in range(4)],
        "totals": totals,
        "total": sum(totals),
        "children": selectors.counts_by_child(request.user, region),
    }


@router.get(
    "/areas",
    summary="Area risk (五色图) of a region's children for one hazard type or all",
    description=(
        "Levels 0 低 … 4 高 with the figures behind them (H hazard, E exposure, V "
        "vulnerability, A capacity, R the risk index). hazard=all gives each region's highest "
        "level over the five hazard types. Counties come with a `boundaries` URL (GeoJSON); "
        "townships and villages are points."
    ),
)
def areas(request: HttpRequest, filters: Query[AreaQuery]) -> dict[str, Any]:
    check_hazard(filters.hazard)
    parent = region_for(request.user, filters.parent, field="parent")
    return areas_payload(request.user, parent, filters.hazard)


@router.get("/control-index", summary="管控力指数 per county for a month")
def control_index(request: HttpRequest, filters: Query[MonthQuery]) -> dict[str, Any]:
    return control_payload(request.user, parse_month(filters.month))
