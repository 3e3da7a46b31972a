"""Validating one row of a registry: the single path for forms, the API and Excel imports."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from yingji.core.registry import spec as specs
from yingji.core.registry.fields import FieldError
from yingji.core.scoping import Jurisdiction, jurisdiction_of, scope
from yingji.kernels import codes
from yingji.regions.models import Region

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yingji.core.models import User
    from yingji.core.registry.spec import RegistrySpec


@dataclass
class Context:
    """What parsing needs beyond the value: who is acting, and lookups cached per batch."""

    actor: User | AnonymousUser | None  # None: the command line, an operator on the server
    jurisdiction: Jurisdiction = field(init=False)
    _regions: dict[str, str] | None = None  # code12 → level, loaded whole for batches
    _refs: dict[tuple[str, str], int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.actor is None:
            self.jurisdiction = Jurisdiction(path=None, everything=True)
        else:
            self.jurisdiction = jurisdiction_of(self.actor)

    def scoped(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset if self.actor is None else scope(queryset, self.actor)

    def preload_regions(self) -> None:
        self._regions = dict(Region.objects.values_list("code", "level"))

    def region_level(self, code12: str) -> str | None:
        if self._regions is not None:
            return self._regions.get(code12)
        return Region.objects.filter(code=code12).values_list("level", flat=True).first()

    def region_code(self, text: str) -> str:
        try:
            code12 = codes.to_12(text)
        except codes.CodeError as exc:
            raise FieldError(f"{text!r}: {exc}") from exc
        if self.region_level(code12) is None:
            raise FieldError(f"no region has code {text}")
        if not self.jurisdiction.covers(codes.short(code12)):
            raise FieldError(f"region {text} is outside your jurisdiction")
        return code12

    def preload_references(self, registry: str, keys: Iterable[str]) -> None:
        """Resolve many natural keys in a few queries (imports)."""
        target, key_field = _target(registry)
        wanted = sorted({k for k in keys if k})
        queryset = self.scoped(target.model._default_manager.filter(voided_at__isnull=True))
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            rows = queryset.filter(**{f"{key_field}__in": chunk}).values_list(key_field, "pk")
            for key, pk in rows:
                self._refs[(registry, str(key))] = pk

    def reference(self, registry: str, key: str) -> int:
        cached = self._refs.get((registry, key))
        if cached is not None:
            return cached
        target, key_field = _target(registry)
        queryset = self.scoped(target.model._default_manager.filter(voided_at__isnull=True))
        pk = queryset.filter(**{key_field: key}).values_list("pk", flat=True).first()
        if pk is None:
            raise FieldError(f"no {target.title} {key} in your jurisdiction")
        self._refs[(registry, key)] = pk
        return int(pk)


def _target(registry: str) -> tuple[RegistrySpec, str]:
    target = specs.get(registry)
    if target is None or target.natural_key is None:
        raise FieldError(f"{registry} cannot be referenced")
    return target, target.natural_key


def validate_row(
    spec: RegistrySpec,
    raw: Mapping[str, Any],
    ctx: Context,
    *,
    partial: bool = False,
) -> tuple[dict[str, Any], dict[str, str]]:
    """``(values by attribute name, errors by field name)`` for one row.

    With ``partial`` (an API PATCH), only the fields present in ``raw`` are checked.
    """
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for column in spec.columns:
        if partial and column.name not in raw:
            continue
        try:
            values[column.attname] = column.parse(raw.get(column.name), ctx)
        except FieldError as exc:
            errors[column.name] = str(exc)
            continue
        if column.kind == "region" and spec.region_levels and values[column.attname]:
            level = ctx.region_level(values[column.attname])
            if level not in spec.region_levels:
                allowed = "/".join(spec.region_levels)
                errors[column.name] = f"must be a {allowed}, not a {level}"
    if not errors and not partial:
        named = {c.name: values[c.attname] for c in spec.columns}
        for rule in spec.rules:
            errors.update(rule(named))
    return values, errors
