"""Reads of any registry: scoped, searchable, filterable, sortable."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db.models import Model, Q, QuerySet

from yingji.core.errors import InvalidInput, NotFound
from yingji.core.permissions import Cap, require
from yingji.core.registry import spec as specs
from yingji.core.registry.fields import Column, FieldError
from yingji.core.registry.validation import Context
from yingji.core.scoping import get_scoped, scope
from yingji.kernels import codes

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yingji.core.models import User
    from yingji.core.registry.spec import RegistrySpec

MAX_QUERY = 100
RESERVED = {"q", "region", "sort", "voided", "limit", "offset", "page"}


def records(
    actor: User | AnonymousUser | None,
    spec: RegistrySpec,
    params: Mapping[str, str] | None = None,
) -> QuerySet[Any]:
    """The rows of ``spec`` the actor may see, narrowed by ``params``.

    ``q`` searches the spec's search fields; ``region`` narrows to a subtree; any of the
    spec's filter fields filters by exact value (choice labels accepted); ``sort`` picks one
    of the spec's orderings; ``voided=1`` shows voided rows instead of live ones.
    ``actor=None`` is the command line (an operator on the server: everything).
    """
    params = params or {}
    queryset = spec.model._default_manager.all()
    if actor is not None:
        require(actor, Cap.VIEW_REGISTRY)
        queryset = scope(queryset, actor)
    queryset = queryset.filter(voided_at__isnull=params.get("voided") not in ("1", "true"))
    region = (params.get("region") or "").strip()
    if region:
        try:
            low, high = codes.subtree_bounds(codes.short(region))
        except codes.CodeError as exc:
            raise InvalidInput(f"Invalid region code {region[:20]!r}", field="region") from exc
        field = spec.model.scope_path_field  # type: ignore[attr-defined]
        queryset = queryset.filter(**{f"{field}__gte": low, f"{field}__lt": high})
    text = (params.get("q") or "").strip()
    if len(text) > MAX_QUERY:
        raise InvalidInput(f"Search text is limited to {MAX_QUERY} characters", field="q")
    if text:
        condition = Q()
        for name in spec.search:
            condition |= Q(**{f"{name}__icontains": text})
        queryset = queryset.filter(condition)
    queryset = _filtered(queryset, actor, spec, params)
    return queryset.order_by(*_ordering(spec, params.get("sort")))


def _filtered(
    queryset: QuerySet[Any],
    actor: User | AnonymousUser | None,
    spec: RegistrySpec,
    params: Mapping[str, str],
) -> QuerySet[Any]:
    unknown = sorted(k for k in params if k not in RESERVED and k not in spec.filters)
    if unknown:
        allowed = ", ".join(sorted(RESERVED | set(spec.filters)))
        raise InvalidInput(f"Unknown filter {unknown[0]!r}; use one of {allowed}", field=unknown[0])
    ctx = Context(actor)
    for name in spec.filters:
        raw = params.get(name)
        if raw in (None, ""):
            continue
        column = spec.by_name[name]
        try:
            value = column.parse(raw, ctx)
        except FieldError as exc:
            raise InvalidInput(f"{column.label}: {exc}", field=name) from exc
        queryset = queryset.filter(**{column.attname: value})
    return queryset


def _ordering(spec: RegistrySpec, sort: str | None) -> list[str]:
    if not sort:
        return [spec.sort[0], "-pk"]
    if sort not in spec.sort:
        raise InvalidInput(f"Sort by one of {', '.join(spec.sort)}", field="sort")
    return [sort, "-pk"]


def record(
    actor: User | AnonymousUser, spec: RegistrySpec, pk: Any, *, shown: bool = False
) -> Model:
    """One row (voided rows included) within the jurisdiction, or NotFound.

    ``shown``: with the regions and references its display columns show, in the same query.
    """
    require(actor, Cap.VIEW_REGISTRY)
    queryset = spec.model._default_manager.all()
    related = related_of(spec.display_columns) if shown else []
    if related:  # select_related() without names would join every foreign key
        queryset = queryset.select_related(*related)
    try:
        return get_scoped(queryset, actor, label=spec.title, pk=pk)
    except (ValueError, ValidationError) as exc:
        raise NotFound(f"No {spec.title} {str(pk)[:40]}") from exc


def related_of(columns: Sequence[Column]) -> list[str]:
    """The foreign keys among ``columns`` that their display reads through (for
    ``select_related``)."""
    return [c.name for c in columns if c.kind in ("ref", "region")]


def values_of(spec: RegistrySpec, obj: Model) -> dict[str, Any]:
    """Field values of a row for forms, the API and exports (foreign keys by their key)."""
    return {column.name: values_of_column(spec, column, obj) for column in spec.columns}


def values_reader(spec: RegistrySpec) -> Callable[[Model], dict[str, Any]]:
    """:func:`values_of` for many rows: which columns are plain attributes is worked out once,
    not per row and column (an API page is 50 rows × 20 columns)."""
    plan = [(c.name, c.attname, c if c.kind in ("region", "ref") else None) for c in spec.columns]

    def read(obj: Model) -> dict[str, Any]:
        return {name: getattr(obj, attname) if column is None
                else values_of_column(spec, column, obj)
                for name, attname, column in plan}  # fmt: skip

    return read


def values_of_column(spec: RegistrySpec, column: Column, obj: Model) -> Any:
    value = getattr(obj, column.attname)
    if column.kind == "region" and value:
        return codes.display(value)
    if column.kind == "ref" and value is not None:
        return getattr(getattr(obj, column.name), _target_key(column.ref), value)
    return value


def display_of_column(spec: RegistrySpec, column: Column, obj: Model) -> Any:
    """What a person reads in lists and detail pages (a region by its name and code)."""
    if column.kind == "region" and getattr(obj, column.attname):
        region = getattr(obj, column.name)
        return f"{region.name} {codes.display(region.code)}"
    return column.display(values_of_column(spec, column, obj))


def display_rows(
    spec: RegistrySpec, queryset: QuerySet[Any], columns: Sequence[Column]
) -> list[tuple[Any, list[Any]]]:
    """``(pk, [display_of_column(...) for each column])`` of ``queryset``'s rows.

    The same figures as :func:`display_of_column` on model instances, read as plain values in
    one query (regions and references by their joined fields): a list page of 50 rows does
    not build 100 model instances only to show 7 of their fields.
    """
    paths: list[str] = ["pk"]
    readers: list[Callable[[Sequence[Any]], Any]] = []
    for column in columns:
        readers.append(_reader(spec, column, len(paths), paths))
    return [(row[0], [read(row) for read in readers]) for row in queryset.values_list(*paths)]


def _reader(
    spec: RegistrySpec, column: Column, at: int, paths: list[str]
) -> Callable[[Sequence[Any]], Any]:
    """How to read ``column``'s display from a values row; appends the paths it needs."""
    display = column.display
    paths.append(column.attname)
    if column.kind == "region":
        paths += [f"{column.name}__name", f"{column.name}__code"]

        def region(row: Sequence[Any]) -> Any:
            if row[at]:
                return f"{row[at + 1]} {codes.display(row[at + 2])}"
            return display(row[at])

        return region
    if column.kind == "ref":
        paths.append(f"{column.name}__{_target_key(column.ref)}")

        def ref(row: Sequence[Any]) -> Any:
            return display(row[at] if row[at] is None else row[at + 1])

        return ref
    return lambda row: display(row[at])


def sort_options(spec: RegistrySpec) -> list[tuple[str, str]]:
    """``[(value, label)]`` of the allowed orderings, labelled with the field's name."""
    labels = {f.name: str(f.verbose_name) for f in spec.model._meta.concrete_fields}
    labels.update({c.name: c.label for c in spec.columns})
    return [(s, f"{labels.get(s.lstrip('-'), s.lstrip('-'))} {'↓' if s.startswith('-') else '↑'}")
            for s in spec.sort]  # fmt: skip


def _target_key(registry: str | None) -> str:
    target = specs.get(registry or "")
    return target.natural_key if target and target.natural_key else "pk"
