"""Declaring a registry: a model plus one :class:`RegistrySpec`, registered with :func:`register`.

Everything else — list, detail, forms, API, Excel template/import/export, map layer,
scoping and audit — is generic and reads the spec.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.db import models

from yingji.core.registry.fields import Column, kind_of
from yingji.regions.models import Region

RowRule = Callable[[Mapping[str, Any]], Mapping[str, str]]  # values → {field: message}


@dataclass(frozen=True)
class MapLayer:
    """How a located entity shows on the one map."""

    title: str
    color: str
    popup: tuple[str, ...]  # field names shown in the popup


@dataclass(frozen=True)
class RegistrySpec:
    name: str  # URL and API key, e.g. "shelters"
    model: type[models.Model]
    title: str  # 中文 title, e.g. "避灾安置场所"
    fields: tuple[str, ...]  # editable / importable fields, in form and column order
    natural_key: str | None = None  # a unique field that identifies a row in imports
    list_fields: tuple[str, ...] = ()
    search: tuple[str, ...] = ()  # fields matched by the free-text search
    filters: tuple[str, ...] = ()  # fields filterable by exact value
    sort: tuple[str, ...] = ("-updated_at",)  # allowed orderings (first is the default)
    refs: Mapping[str, str] = field(default_factory=dict)  # FK field → registry name
    examples: Mapping[str, Any] = field(default_factory=dict)  # template example row
    rules: tuple[RowRule, ...] = ()  # cross-field checks
    region_levels: tuple[str, ...] = ()  # levels a record's region may have (empty: any)
    map_layer: MapLayer | None = None
    editable: bool = True  # False for ledgers written only by their own service
    actions: tuple[tuple[str, str], ...] = ()  # (label, URL name taking pk) on the detail page
    before_void: Callable[[models.Model], str | None] | None = None  # why it may not be voided
    # Computed by the system (shown and exported, never entered), e.g. a hazard source's grade.
    computed: tuple[str, ...] = ()
    # Called in the writing transaction with the rows just created, changed or voided, so that
    # derived data (a grade, a score) follows its inputs.
    after_write: Callable[[Sequence[models.Model]], None] | None = None
    label_field: str = "name"

    @cached_property
    def columns(self) -> tuple[Column, ...]:
        return tuple(self._column(name) for name in self.fields)

    @cached_property
    def by_name(self) -> dict[str, Column]:
        return {column.name: column for column in self.columns}

    def _column(self, name: str) -> Column:
        model_field = self.model._meta.get_field(name)
        assert isinstance(model_field, models.Field)  # noqa: S101 - a spec names model fields
        kind = kind_of(model_field)
        ref = None
        if isinstance(model_field, models.ForeignKey):
            kind = "region" if model_field.related_model is Region else "ref"
            ref = self.refs.get(name)
            if kind == "ref" and ref is None:
                raise TypeError(f"{self.name}.{name}: name the referenced registry in refs")
        return Column(
            name=name,
            label=str(model_field.verbose_name),
            kind=kind,
            required=not model_field.blank and not model_field.has_default(),
            model_field=model_field,
            choices=tuple((str(v), str(label)) for v, label in model_field.flatchoices or ()),
            max_length=getattr(model_field, "max_length", None) if kind == "text" else None,
            ref=ref,
            example=self.examples.get(name),
        )

    @property
    def located(self) -> bool:
        return hasattr(self.model, "region_path")

    @cached_property
    def computed_columns(self) -> tuple[Column, ...]:
        return tuple(self._column(name) for name in self.computed)

    @cached_property
    def display_columns(self) -> tuple[Column, ...]:
        """Entered columns, then computed ones: what detail pages and exports show."""
        return self.columns + self.computed_columns

    @cached_property
    def list_columns(self) -> tuple[Column, ...]:
        names = self.list_fields or self.fields[:6]
        shown = {c.name: c for c in self.display_columns}
        return tuple(shown[n] for n in names if n in shown)


_SPECS: dict[str, RegistrySpec] = {}


WriteListener = Callable[[RegistrySpec, Sequence[models.Model]], None]
_LISTENERS: dict[str, list[WriteListener]] = {}


def on_write(names: Sequence[str], listener: WriteListener) -> None:
    """Call ``listener(spec, rows)`` after rows of the named registries are written.

    For an app that derives data from registries it does not own (the risk app re-scores an
    enterprise whose licences change), without the registry knowing about it. Listeners run
    after the spec's own ``after_write``, in the writing transaction.
    """
    for name in names:
        if listener not in _LISTENERS.setdefault(name, []):
            _LISTENERS[name].append(listener)


def listeners(name: str) -> Sequence[WriteListener]:
    return _LISTENERS.get(name, ())


def register(spec: RegistrySpec) -> RegistrySpec:
    if spec.name in _SPECS and _SPECS[spec.name].model is not spec.model:
        raise ValueError(f"registry {spec.name!r} is registered twice")
    if not hasattr(spec.model, "scope_path_field"):
        raise TypeError(f"{spec.model.__name__} must be region-scoped (scope_path_field)")
    _SPECS[spec.name] = spec
    return spec


def get(name: str) -> RegistrySpec | None:
    return _SPECS.get(name)


def all_specs() -> Sequence[RegistrySpec]:
    return list(_SPECS.values())


def for_model(model: type[models.Model]) -> RegistrySpec | None:
    return next((s for s in _SPECS.values() if s.model is model), None)
