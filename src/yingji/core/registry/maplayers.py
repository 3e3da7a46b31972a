"""Registry layers on the one map: ``/api/map/layers`` and ``/api/map/layers/<name>``.

Every registry whose spec has a ``map_layer`` is a layer; nothing here names an entity.
A layer answers for one map view (bbox + zoom) so the browser never holds more than a
screenful: up to :data:`POINT_LIMIT` rows come back as individual points with their popup
fields; past that the server sends grid clusters (``yingji.kernels.clusters``) and the user
zooms in. Rows are always read through :func:`selectors.records`, so a layer shows exactly
what the registry list shows the same user (jurisdiction, voided rows hidden).
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from ninja import Router, Schema
from ninja.params import P, QueryEx

from yingji.core import tablecache
from yingji.core.errors import InvalidInput, NotFound
from yingji.core.params import parse_bbox
from yingji.core.permissions import Cap, has
from yingji.core.registry import selectors
from yingji.core.registry import spec as specs
from yingji.core.registry.spec import RegistrySpec
from yingji.core.responses import Encoded, encoded_response
from yingji.kernels import clusters as grid

router = Router(tags=["map"])

POINT_LIMIT = 3_000  # above this many rows in view, send clusters instead of points
MAX_ZOOM = 22.0
MAX_VIEW_PX = 8_192  # a view wider or taller than this on screen is not a real screen
ID_CHUNK = 900  # ids per IN (...) query: below SQLite's oldest bound-parameter limit
GEOJSON = "application/geo+json; charset=utf-8"


class LayerOut(Schema):
    name: str
    title: str
    color: str
    count: int  # rows with a location in the caller's jurisdiction
    list_url: str


@dataclass(frozen=True)
class View:
    """A map view as the browser sends it, validated."""

    bbox: tuple[float, float, float, float]  # min_lon, min_lat, max_lon, max_lat
    zoom: float


@dataclass(frozen=True)
class PopupField:
    name: str
    label: str
    value: Callable[[models.Model], Any]  # the displayed value of one row


def map_specs() -> list[RegistrySpec]:
    """Registries drawn on the map: a ``map_layer`` and a point (lon/lat) per row."""
    return [s for s in specs.all_specs() if s.map_layer is not None and _has_point(s)]


def _has_point(spec: RegistrySpec) -> bool:
    names = {f.name for f in spec.model._meta.get_fields()}
    return {"lon", "lat"} <= names


def _layer_spec(name: str) -> RegistrySpec:
    found = next((s for s in map_specs() if s.name == name), None)
    if found is None:
        names = ", ".join(s.name for s in map_specs())
        raise NotFound(f"No map layer {name[:40]!r}; available: {names}", field="name")
    return found


def parse_view(bbox: str, zoom: str) -> View:
    """The view from query parameters, or :class:`InvalidInput` naming the field at fault."""
    try:
        level = float(zoom)
    except ValueError:
        raise InvalidInput(f"zoom {zoom[:20]!r} is not a number", field="zoom") from None
    if not math.isfinite(level) or not 0 <= level <= MAX_ZOOM:
        raise InvalidInput(f"zoom must be a number from 0 to {MAX_ZOOM:g}", field="zoom")
    box = parse_bbox(bbox)
    if box is None:
        raise InvalidInput("bbox is required: minLon,minLat,maxLon,maxLat", field="bbox")
    min_lon, min_lat, max_lon, max_lat = box
    width, height = grid.view_px((min_lon, min_lat, max_lon, max_lat), level)
    if max(width, height) > MAX_VIEW_PX:
        raise InvalidInput(
            f"bbox spans {max(width, height):,.0f} px at zoom {level:g}; at most "
            f"{MAX_VIEW_PX:,}: send the visible area of the map",
            field="bbox",
        )
    return View((min_lon, min_lat, max_lon, max_lat), level)


@router.get("/layers", response=list[LayerOut], summary="Map layers you may see, with counts")
def layers(request: HttpRequest) -> list[dict[str, Any]]:
    if not has(request.user, Cap.VIEW_REGISTRY):
        return []
    shown = [spec for spec in map_specs() if spec.map_layer is not None]
    # every table's version in one statement; a count is then the length of the layer's kept
    # points (the map's views read them) or a kept or fresh COUNT
    current = tablecache.versions([spec.model for spec in shown])
    return [
        {
            "name": spec.name,
            "title": str(spec.map_layer.title),
            "color": spec.map_layer.color,
            "count": tablecache.count(
                _located(selectors.records(request.user, spec)), current=current[spec.model]
            ),
            "list_url": reverse("registry-list", kwargs={"name": spec.name}),
        }
        for spec in shown
        if spec.map_layer is not None
    ]


@router.get(
    "/layers/{name}",
    summary="One layer in a map view as GeoJSON: points, or clusters when there are many",
    description=(
        f"Up to {POINT_LIMIT:,} rows in the view come back as points (id, label, popup fields "
        "as displayed, detail URL); more come back as grid clusters (count, bounds), with "
        "clusters of one row shown as that row's point."
    ),
)
def layer(
    request: HttpRequest,
    name: str,
    bbox: QueryEx[str, P(max_length=200, description="minLon,minLat,maxLon,maxLat")],
    zoom: QueryEx[str, P(max_length=20, description=f"map zoom, 0–{MAX_ZOOM:g}")],
) -> HttpResponse:
    spec = _layer_spec(name)
    view = parse_view(bbox, zoom)
    # The same view of the same rows is the same answer for everyone who sees those rows
    # (the duty room's screens, leaders opening the province map): kept while the layer's
    # table and the tables its popups read are unchanged.
    answer = tablecache.answer(
        "layer",
        _located(selectors.records(request.user, spec)),
        lambda: Encoded.of(layer_geojson(request.user, spec, view)),
        depends=_popup_models(spec),
        detail=f"{view.bbox!r}|{view.zoom!r}|{translation.get_language()}",
    )
    return encoded_response(request, answer, GEOJSON)


def _popup_models(spec: RegistrySpec) -> list[type[models.Model]]:
    """The models of the parent records a layer's labels and popups show."""
    assert spec.map_layer is not None  # noqa: S101 - only layers reach here
    names = [spec.label_field, *spec.map_layer.popup]
    columns = [spec.by_name[n] for n in names if n in spec.by_name]
    targets = [specs.get(c.ref) for c in columns if c.kind == "ref" and c.ref]
    return [target.model for target in targets if target is not None]


def layer_geojson(actor: Any, spec: RegistrySpec, view: View) -> dict[str, Any]:
    """The GeoJSON FeatureCollection of ``spec``'s rows in ``view`` that ``actor`` may see."""
    min_lon, min_lat, max_lon, max_lat = view.bbox
    scoped = selectors.records(actor, spec)
    fields = popup_fields(spec)
    # Every located row of the jurisdiction as (pk, lon, lat), kept while the table is
    # unchanged (500,000 enterprises take a second to read); the view is cut from it here.
    everything = tablecache.points(_located(scoped))
    if everything is not None:
        lon, lat = everything[:, 1], everything[:, 2]
        inside = (lon >= min_lon) & (lon <= max_lon) & (lat >= min_lat) & (lat <= max_lat)
        table = everything[inside]
        if len(table) <= POINT_LIMIT:
            ids = [int(pk) for pk in table[:, 0]]
            mode, features = "points", _points_of(spec, fields, scoped, ids)
        else:
            mode, features = "clusters", _clusters(spec, fields, scoped, table, view)
        return _collection(spec, fields, view, mode=mode, features=features, count=len(table))
    rows = scoped.filter(lon__gte=min_lon, lon__lte=max_lon, lat__gte=min_lat, lat__lte=max_lat)
    # A bounded probe instead of COUNT(*): it decides the mode without counting every row,
    # and the cluster path counts for free when it reads the points.
    coordinates = rows.order_by().values_list("pk", "lon", "lat")
    if len(coordinates[: POINT_LIMIT + 1]) <= POINT_LIMIT:
        mode, features = "points", _points(spec, fields, rows.order_by())
        count = len(features)
    else:
        table = np.array(list(coordinates), dtype=np.float64).reshape(-1, 3)
        mode, features = "clusters", _clusters(spec, fields, rows, table, view)
        count = len(table)
    return _collection(spec, fields, view, mode=mode, features=features, count=count)


def _collection(
    spec: RegistrySpec, fields: Sequence[PopupField], view: View, *, mode: str,
    features: list[dict[str, Any]], count: int,
) -> dict[str, Any]:  # fmt: skip
    return {
        "type": "FeatureCollection",
        "layer": spec.name,
        "mode": mode,
        "count": count,
        "zoom": view.zoom,
        "popup": [{"name": f.name, "label": f.label} for f in fields],
        "features": features,
    }


def _located(queryset: QuerySet[Any]) -> QuerySet[Any]:
    return queryset.filter(lon__isnull=False, lat__isnull=False)


def _clusters(
    spec: RegistrySpec,
    fields: Sequence[PopupField],
    rows: QuerySet[Any],
    table: np.ndarray[Any, np.dtype[np.float64]],
    view: View,
) -> list[dict[str, Any]]:
    """Grid clusters of ``table`` (pk, lon, lat rows); a cell's lone row as its own point."""
    found = grid.grid_clusters(table[:, 1], table[:, 2], view.bbox, view.zoom)
    lone = found.index[found.index >= 0]
    single_ids = [int(pk) for pk in table[lone, 0]]
    features = []
    for i in np.flatnonzero(found.index < 0):
        bounds = [round(float(v), 6) for v in found.bounds[i]]
        features.append(
            _feature(
                float(found.lon[i]),
                float(found.lat[i]),
                {"cluster": True, "count": int(found.count[i]), "bounds": bounds},
            )
        )
    features.extend(_points_of(spec, fields, rows, single_ids))
    return features


def _points_of(
    spec: RegistrySpec, fields: Sequence[PopupField], rows: QuerySet[Any], ids: list[int]
) -> list[dict[str, Any]]:
    """The point features of the rows ``ids`` among ``rows``, in chunks of :data:`ID_CHUNK`,
    ordered by id as :func:`_points` orders them."""
    features: list[dict[str, Any]] = []
    for start in range(0, len(ids), ID_CHUNK):
        chunk = rows.filter(pk__in=ids[start : start + ID_CHUNK]).order_by()
        features.extend(_points(spec, fields, chunk))
    features.sort(key=lambda f: f["id"])
    return features


def _points(
    spec: RegistrySpec, fields: Sequence[PopupField], rows: QuerySet[Any]
) -> list[dict[str, Any]]:
    detail = reverse("registry-detail", kwargs={"name": spec.name, "pk": 0})
    prefix = detail[: -len("0/")]
    label = _label_of(spec)
    # No ORDER BY: sorting in SQL can make the planner scan the whole table by primary key
    # instead of using the scope index; a few thousand rows sort here in a millisecond.
    objects = sorted(_loaded(spec, fields, rows), key=lambda obj: obj.pk)
    return [
        _feature(
            obj.lon,
            obj.lat,
            {
                "id": obj.pk,
                "label": label(obj),
                "url": f"{prefix}{obj.pk}/",
                "popup": {f.name: f.value(obj) for f in fields},
            },
            obj.pk,
        )
        for obj in objects
    ]


def _feature(lon: float, lat: float, properties: dict[str, Any], pk: Any = None) -> dict[str, Any]:
    feature: dict[str, Any] = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
        "properties": properties,
    }
    if pk is not None:
        feature["id"] = pk
    return feature


def _loaded(spec: RegistrySpec, fields: Sequence[PopupField], rows: QuerySet[Any]) -> Iterable[Any]:
    """Rows with just the columns the popups need, related rows joined (no query per row)."""
    meta = spec.model._meta
    wanted = {"lon", "lat", spec.label_field, *(f.name for f in fields)}
    concrete = {f.name: f for f in meta.concrete_fields}
    related = [n for n in wanted if n in spec.by_name and spec.by_name[n].kind == "ref"]
    if wanted <= set(concrete):
        rows = rows.only(*wanted)
    return rows.select_related(*related) if related else rows


def _label_of(spec: RegistrySpec) -> Callable[[models.Model], str]:
    name = spec.label_field
    column = spec.by_name.get(name)
    if column is not None:
        return lambda obj: str(_json(column.display(selectors.values_of_column(spec, column, obj))))
    return lambda obj: str(getattr(obj, name, "") or obj)


def popup_fields(spec: RegistrySpec) -> list[PopupField]:
    """The spec's popup fields with their labels and how each value is displayed.

    A field that is a registry column is shown as in lists and exports (choice labels,
    是/否, region codes), except a parent record, shown by its label (an enterprise's name
    says more on a map than its credit code); any other model field by its value.
    """
    assert spec.map_layer is not None  # noqa: S101 - only layers reach here
    result = []
    for name in spec.map_layer.popup:
        column = spec.by_name.get(name)
        if column is not None:
            result.append(PopupField(name, column.label, _column_value(spec, column)))
            continue
        model_field = spec.model._meta.get_field(name)
        label = str(getattr(model_field, "verbose_name", name))
        result.append(PopupField(name, label, _plain_value(model_field)))
    return result


def _column_value(spec: RegistrySpec, column: Any) -> Callable[[models.Model], Any]:
    target = specs.get(column.ref or "") if column.kind == "ref" else None
    if target is not None:  # the parent row is joined by _loaded: no query here
        return lambda obj: _json(getattr(getattr(obj, column.name), target.label_field, ""))
    return lambda obj: _json(column.display(selectors.values_of_column(spec, column, obj)))


def _plain_value(model_field: Any) -> Callable[[models.Model], Any]:
    choices = {str(k): str(v) for k, v in (getattr(model_field, "flatchoices", None) or ())}
    attname = getattr(model_field, "attname", model_field.name)

    def value(obj: models.Model) -> Any:
        raw = getattr(obj, attname)
        if isinstance(raw, bool):
            return "是" if raw else "否"
        return _json(choices.get(str(raw), raw) if choices else raw)

    return value


def _json(value: Any) -> Any:
    """A displayed value as JSON: numbers stay numbers (formatted by the browser), the rest text."""
    if isinstance(value, bool):
        value = "是" if value else "否"
    elif isinstance(value, decimal.Decimal):
        value = float(value)
    elif isinstance(value, dt.datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        value = local.strftime("%Y-%m-%d %H:%M")
    elif isinstance(value, dt.date):
        value = value.isoformat()
    if isinstance(value, int | float):
        return value if math.isfinite(value) else ""
    return "" if value is None else str(value)
