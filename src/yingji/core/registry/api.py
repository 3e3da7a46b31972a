"""Generic registry API: ``/api/registry/<entity>/`` with the same filters as the list page."""

from typing import Any

from django.http import HttpRequest
from ninja import Body, Field, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate
from pydantic import BaseModel

from yingji.core import tablecache
from yingji.core.errors import NotFound
from yingji.core.registry import selectors, services
from yingji.core.registry import spec as specs
from yingji.core.registry.spec import RegistrySpec

router = Router(tags=["registry"])


# A plain pydantic model (no docstring: it would become the OpenAPI description): the API
# hands it dicts, so it needs none of ``Schema``'s attribute resolving, a wrapper per row.
class RecordOut(BaseModel):
    id: int
    label: str
    voided: bool
    fields: dict[str, Any]


class VoidIn(Schema):
    reason: str = Field(..., min_length=1, max_length=200)


def _spec(entity: str) -> RegistrySpec:
    spec = specs.get(entity)
    if spec is None:
        names = ", ".join(s.name for s in specs.all_specs())
        raise NotFound(f"No registry {entity[:40]!r}; available: {names}", field="entity")
    return spec


def out(spec: RegistrySpec, obj: Any) -> dict[str, Any]:
    return _out(obj, selectors.values_of(spec, obj))


def _out(obj: Any, fields: dict[str, Any]) -> dict[str, Any]:
    return {"id": obj.pk, "label": str(obj), "voided": obj.voided_at is not None, "fields": fields}


def _query(request: HttpRequest) -> dict[str, str]:
    return {k: v for k, v in request.GET.items() if k not in ("limit", "offset")}


@router.get("/", summary="The registries and their record counts in your jurisdiction")
def index(request: HttpRequest) -> list[dict[str, Any]]:
    return [_describe(request, s) for s in specs.all_specs()]


def _describe(request: HttpRequest, spec: RegistrySpec) -> dict[str, Any]:
    fields = [
        {"name": c.name, "label": c.label, "kind": c.kind, "required": c.required,
         "choices": c.choices}
        for c in spec.columns
    ]  # fmt: skip
    count = tablecache.count(selectors.records(request.user, spec))
    return {"name": spec.name, "title": spec.title, "count": count, "fields": fields,
            "filters": list(spec.filters), "sort": list(spec.sort)}  # fmt: skip


@router.get("/{entity}/", response=list[RecordOut], summary="List (q, region, filters, sort)")
@paginate(LimitOffsetPagination)
def list_records(request: HttpRequest, entity: str) -> Any:
    spec = _spec(entity)
    # References are shown by their key, read through the joined row; a region by its code,
    # which the row holds itself.
    refs = [c.name for c in spec.columns if c.kind == "ref"]
    queryset = selectors.records(request.user, spec, _query(request))
    read = selectors.values_reader(spec)
    joined = queryset.select_related(*refs) if refs else queryset  # () would join every FK
    return _Lazy(joined, lambda obj: _out(obj, read(obj)), queryset)


@router.get("/{entity}/{record_id}", response=RecordOut, summary="One record")
def get_record(request: HttpRequest, entity: str, record_id: int) -> Any:
    spec = _spec(entity)
    return out(spec, selectors.record(request.user, spec, record_id))


@router.post("/{entity}/", response={201: RecordOut}, summary="Create a record")
def create(request: HttpRequest, entity: str, payload: Body[dict[str, Any]]) -> Any:
    spec = _spec(entity)
    obj = services.create(actor=request.user, spec=spec, data=payload)
    return Status(201, out(spec, obj))


@router.patch("/{entity}/{record_id}", response=RecordOut, summary="Change fields")
def update(request: HttpRequest, entity: str, record_id: int, payload: Body[dict[str, Any]]) -> Any:
    spec = _spec(entity)
    return out(spec, services.update(actor=request.user, spec=spec, pk=record_id, data=payload))


@router.post("/{entity}/{record_id}/void", response=RecordOut, summary="Void with a reason")
def void(request: HttpRequest, entity: str, record_id: int, payload: VoidIn) -> Any:
    spec = _spec(entity)
    obj = services.void(actor=request.user, spec=spec, pk=record_id, reason=payload.reason)
    return out(spec, obj)


class _Lazy:
    """A sliceable view that converts only the page the paginator asks for."""

    def __init__(self, queryset: Any, convert: Any, counted: Any = None) -> None:
        self.queryset, self.convert = queryset, convert
        self.counted = queryset if counted is None else counted  # the rows, without joins

    def __len__(self) -> int:
        return tablecache.count(self.counted)

    def count(self) -> int:
        return len(self)

    def __getitem__(self, item: slice) -> list[dict[str, Any]]:
        return [self.convert(obj) for obj in self.queryset[item]]
