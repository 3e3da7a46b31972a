"""Regions API: lookup by code, children, search and GeoJSON boundaries.

Regions are public reference geography, so reads need no sign-in; corrections do.
"""

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.gzip import re_accepts_gzip
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.gzip import gzip_page
from ninja import Field, Query, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from yingji.core.errors import InvalidInput, NotFound
from yingji.kernels import codes
from yingji.regions import selectors, services
from yingji.regions.models import Level, Region

router = Router(tags=["regions"])

CODE_PATTERN = r"^\d{2}(\d{2}(\d{2}(\d{3}(\d{3})?)?)?)?$"


class RegionOut(Schema):
    code: str = Field(description="6 digits down to county (GB/T 2260), 12 below")
    code12: str
    name: str
    level: str
    parent: str | None
    parent_name: str | None
    population: int
    households: int
    population_source: str
    lon: float | None
    lat: float | None
    township_count: int
    village_count: int


class RegionDetailOut(RegionOut):
    geometry: dict[str, Any] | None


class ChildrenQuery(Schema):
    parent: str = Field("33", pattern=CODE_PATTERN, description="Code of the parent region")
    level: Level | None = Field(None, description="Descendants at this level instead of children")


class SearchQuery(Schema):
    q: str = Field(..., min_length=1, max_length=50, description="Part of a name, or a code prefix")
    limit: int = Field(20, ge=1, le=100)


class BoundaryQuery(Schema):
    level: Level | None = Field(None, description="Boundaries of descendants at this level")


class PopulationIn(Schema):
    population: int = Field(..., ge=0, le=services.MAX_POPULATION)
    households: int = Field(..., ge=0, le=services.MAX_POPULATION)
    note: str = Field(..., min_length=1, max_length=500, description="Source of the new figures")


def out(region: Region) -> dict[str, Any]:
    data = selectors.properties(region)
    data["parent_name"] = region.parent.name if region.parent_id and region.parent else None
    return data


@router.get("/", response=list[RegionOut], auth=None, summary="Children of a region")
@paginate(LimitOffsetPagination)
def list_regions(request: HttpRequest, filters: Query[ChildrenQuery]) -> Any:
    parent = selectors.get_region(filters.parent)
    if filters.level:
        queryset = selectors.subtree(parent, level=filters.level).exclude(code=parent.code)
    else:
        queryset = selectors.children(parent.code)
    return [out(r) for r in queryset.select_related("parent")]


@router.get("/summary", auth=None, summary="Number of regions at each level")
def summary(request: HttpRequest) -> dict[str, int]:
    return selectors.level_counts()


@router.get("/search", response=list[RegionOut], auth=None, summary="Find regions")
def search(request: HttpRequest, filters: Query[SearchQuery]) -> Any:
    return [out(r) for r in selectors.search(filters.q, limit=filters.limit)]


@router.get("/{code}", response=RegionDetailOut, auth=None, summary="One region by code")
def detail(request: HttpRequest, code: str) -> Any:
    region = selectors.get_region(code)
    data = out(region)
    data["geometry"] = selectors.boundary_of(region)
    return data


def _geojson(request: HttpRequest, body: dict[str, Any]) -> HttpResponse:
    response = JsonResponse(
        body,
        content_type="application/geo+json",
        json_dumps_params={"ensure_ascii": False, "separators": (",", ":")},
    )
    patch_cache_control(response, public=True, max_age=3600)
    return response


def _geojson_bytes(request: HttpRequest, body: bytes, gzipped: bytes) -> HttpResponse:
    """Ready JSON, sent gzipped when the client accepts it (as ``gzip_page`` would, without
    compressing the same boundaries again for every request)."""
    if re_accepts_gzip.search(request.META.get("HTTP_ACCEPT_ENCODING", "")):
        response = HttpResponse(gzipped, content_type="application/geo+json")
        response["Content-Encoding"] = "gzip"
    else:
        response = HttpResponse(body, content_type="application/geo+json")
    patch_vary_headers(response, ("Accept-Encoding",))
    patch_cache_control(response, public=True, max_age=3600)
    return response


@router.get("/{code}/boundary.geojson", auth=None, summary="Boundary as a GeoJSON Feature")
@gzip_page
def boundary(request: HttpRequest, code: str, filters: Query[BoundaryQuery]) -> HttpResponse:
    region = selectors.get_region(code)
    if filters.level:
        if selectors.LEVEL_ORDER[filters.level] <= selectors.LEVEL_ORDER[region.level]:
            raise InvalidInput(f"level must be below {region.level}", field="level")
        body, gzipped = selectors.feature_collection_json(
            selectors.subtree(region, level=filters.level)
        )
        return _geojson_bytes(request, body, gzipped)
    geometry = selectors.boundary_of(region)
    if geometry is None:
        raise NotFound(
            f"No boundary is kept for {region.name} ({codes.display(region.code)}); "
            "boundaries exist for the province, cities and counties"
        )
    feature = {
        "type": "Feature",
        "id": codes.display(region.code),
        "properties": selectors.properties(region),
        "geometry": geometry,
    }
    return _geojson(request, feature)


@router.patch("/{code}/population", response=RegionOut, summary="Correct population figures")
def update_population(request: HttpRequest, code: str, payload: PopulationIn) -> Any:
    region = services.update_population(
        actor=request.user,
        code=code,
        population=payload.population,
        households=payload.households,
        note=payload.note,
    )
    return out(region)
