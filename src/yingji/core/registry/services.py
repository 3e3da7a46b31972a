"""Writes of any registry: create, update, void and whole-file import — validated and audited."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from yingji.core import audit, bulk, context
from yingji.core.errors import Conflict, InvalidInput
from yingji.core.models import AuditEntry
from yingji.core.permissions import Cap, require
from yingji.core.registry import selectors
from yingji.core.registry.selectors import record
from yingji.core.registry.spec import listeners
from yingji.core.registry.validation import Context, validate_row
from yingji.core.scoping import get_scoped, scope
from yingji.kernels import codes

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yingji.core.models import User
    from yingji.core.registry.spec import RegistrySpec

BATCH = 2000


class RowErrors(InvalidInput):
    """A write was refused; ``errors`` lists every problem as (row, field, message)."""

    def __init__(self, errors: Sequence[RowError]) -> None:
        first = errors[0]
        where = f"row {first.row}: " if first.row else ""
        super().__init__(f"{where}{first.label}: {first.message}", field=first.field)
        self.errors = list(errors)


@dataclass(frozen=True)
class RowError:
    row: int  # the workbook's row number (0 for a single form or API write)
    field: str
    label: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.label, "field": self.field,
                "message": self.message}  # fmt: skip


def _errors(spec: RegistrySpec, problems: Mapping[str, str], row: int = 0) -> list[RowError]:
    labels = {c.name: c.label for c in spec.columns}
    return [RowError(row, name, labels.get(name, name), msg) for name, msg in problems.items()]


def _check_writable(actor: User | AnonymousUser | None, spec: RegistrySpec) -> None:
    if actor is not None:
        require(actor, Cap.EDIT_REGISTRY)
    if not spec.editable:
        raise Conflict(f"{spec.title} is a ledger: use its own operations", code="read_only")


def _after_write(spec: RegistrySpec, objs: Sequence[Model]) -> None:
    if not objs:
        return
    if spec.after_write is not None:
        spec.after_write(objs)
    for listener in listeners(spec.name):
        listener(spec, objs)


def _updated_objects(
    spec: RegistrySpec, updates: Sequence[dict[str, Any]], existing: Mapping[Any, Any]
) -> list[Model]:
    pks = [existing[_key(spec, v)] for v in updates]
    return list(spec.model._default_manager.filter(pk__in=pks)) if pks else []


def _check_known(spec: RegistrySpec, data: Mapping[str, Any]) -> None:
    unknown = sorted(set(data) - set(spec.by_name))
    if unknown:
        raise InvalidInput(f"{unknown[0]!r} is not a field of {spec.title}", field=unknown[0])


def _region_path(spec: RegistrySpec, obj: Model) -> str:
    return str(getattr(obj, spec.model.scope_path_field, "") or "")  # type: ignore[attr-defined]


def _check_unique(spec: RegistrySpec, values: Mapping[str, Any], exclude: Any = None) -> None:
    key = spec.natural_key
    if key is None or not values.get(key):
        return
    clash = spec.model._default_manager.filter(**{key: values[key]})
    if exclude is not None:
        clash = clash.exclude(pk=exclude)
    if clash.exists():
        label = spec.by_name[key].label
        raise RowErrors([RowError(0, key, label, f"{values[key]} is already registered")])


def _fill(obj: Model, values: Mapping[str, Any]) -> None:
    for attname, value in values.items():
        setattr(obj, attname, value)
    if "region_id" in values and values["region_id"] and hasattr(obj, "region_path"):
        obj.region_path = codes.short(values["region_id"])


@transaction.atomic
def create(
    *,
    actor: User | AnonymousUser | None,
    spec: RegistrySpec,
    data: Mapping[str, Any],
    synthetic: bool = False,
) -> Model:
    """Create one row from user input (form or API); every field is checked."""
    _check_writable(actor, spec)
    _check_known(spec, data)
    values, problems = validate_row(spec, data, Context(actor))
    if problems:
        raise RowErrors(_errors(spec, problems))
    _check_unique(spec, values)
    obj = spec.model()
    _fill(obj, values)
    if synthetic:
        obj.synthetic = True  # type: ignore[attr-defined]
    obj.save()
    _after_write(spec, [obj])
    audit.record(
        actor=actor,
        action="create",
        obj=obj,
        region_path=_region_path(spec, obj),
        after=audit.snapshot(obj),
    )
    return obj


@transaction.atomic
def update(
    *,
    actor: User | AnonymousUser,
    spec: RegistrySpec,
    pk: Any,
    data: Mapping[str, Any],
) -> Model:
    """Change the fields present in ``data``; the audit keeps before and after."""
    _check_writable(actor, spec)
    obj = record(actor, spec, pk)
    obj = get_scoped(
        spec.model._default_manager.select_for_update(), actor, label=spec.title, pk=obj.pk
    )
    if getattr(obj, "voided_at", None):
        raise Conflict(f"This {spec.title} is voided and can no longer be changed")
    _check_known(spec, data)
    # The whole record is checked again, so cross-field rules hold after a partial change.
    merged = {**selectors.values_of(spec, obj), **data}
    values, problems = validate_row(spec, merged, Context(actor))
    if problems:
        raise RowErrors(_errors(spec, problems))
    _check_unique(spec, values, exclude=obj.pk)
    before = audit.snapshot(obj)
    _fill(obj, values)
    obj.save()
    _after_write(spec, [obj])
    audit.record(
        actor=actor,
        action="update",
        obj=obj,
        region_path=_region_path(spec, obj),
        before=before,
        after=audit.snapshot(obj),
    )
    return obj


@transaction.atomic
def void(*, actor: User | AnonymousUser, spec: RegistrySpec, pk: Any, reason: str) -> Model:
    """Take a row out of use, with a reason. Nothing is deleted."""
    _check_writable(actor, spec)
    if not reason.strip():
        raise InvalidInput("Say why this record is voided", field="reason")
    obj = record(actor, spec, pk)
    if getattr(obj, "voided_at", None):
        raise Conflict(f"This {spec.title} is already voided")
    refusal = spec.before_void(obj) if spec.before_void else None
    if refusal:
        raise Conflict(refusal)
    before = audit.snapshot(obj)
    obj.voided_at = timezone.now()  # type: ignore[attr-defined]
    obj.void_reason = reason.strip()[:200]  # type: ignore[attr-defined]
    changed = ["voided_at", "void_reason"]
    if _has_updated_at(spec):  # a void is a change: sorts by change and kept counts see it
        changed.append("updated_at")
    obj.save(update_fields=changed)
    _after_write(spec, [obj])
    audit.record(
        actor=actor,
        action="void",
        obj=obj,
        region_path=_region_path(spec, obj),
        before=before,
        after=audit.snapshot(obj),
        message=reason.strip(),
    )
    return obj


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int


def import_rows(
    *,
    actor: User | AnonymousUser | None,
    spec: RegistrySpec,
    rows: Sequence[tuple[int, Mapping[str, Any]]],
    dry_run: bool = False,
    progress: Any = None,
) -> ImportResult:
    """Validate every row, then write all of them or none.

    ``rows`` pairs each row's number in the workbook with its values. A row whose natural
    key already exists (within the jurisdiction) updates that record; others are created.
    On any problem :class:`RowErrors` lists every bad row, and nothing is written.
    """
    _check_writable(actor, spec)
    ctx = Context(actor)
    ctx.preload_regions()
    for column in spec.columns:
        if column.kind == "ref" and column.ref:
            ctx.preload_references(
                column.ref, (str(r.get(column.name) or "").strip() for _n, r in rows)
            )
    cleaned, problems = _validate_all(spec, rows, ctx, progress)
    existing = _existing(spec, actor, cleaned)
    if problems:
        raise RowErrors(problems)
    if dry_run:
        return ImportResult(
            sum(1 for _n, v in cleaned if _key(spec, v) not in existing),
            sum(1 for _n, v in cleaned if _key(spec, v) in existing),
        )
    return _write(actor, spec, cleaned, existing, progress)


def _key(spec: RegistrySpec, values: Mapping[str, Any]) -> Any:
    if spec.natural_key is None:
        return None
    return values.get(spec.by_name[spec.natural_key].attname)


def _validate_all(
    spec: RegistrySpec,
    rows: Sequence[tuple[int, Mapping[str, Any]]],
    ctx: Context,
    progress: Any,
) -> tuple[list[tuple[int, dict[str, Any]]], list[RowError]]:
    cleaned: list[tuple[int, dict[str, Any]]] = []
    problems: list[RowError] = []
    seen: dict[Any, int] = {}
    for index, (number, raw) in enumerate(rows):
        values, row_problems = validate_row(spec, raw, ctx)
        key = _key(spec, values)
        if key and key in seen and spec.natural_key:
            row_problems[spec.natural_key] = f"{key} repeats row {seen[key]}"
        elif key:
            seen[key] = number
        problems.extend(_errors(spec, row_problems, number))
        cleaned.append((number, values))
        if progress and index % 5000 == 0:
            progress(int(40 * index / max(len(rows), 1)), f"checked {index}/{len(rows)} rows")
    return cleaned, problems


def _existing(
    spec: RegistrySpec,
    actor: User | AnonymousUser | None,
    cleaned: Sequence[tuple[int, dict[str, Any]]],
) -> dict[Any, Any]:
    """Natural key → pk of rows already registered (all of them must be in jurisdiction)."""
    if spec.natural_key is None:
        return {}
    keys = [k for _n, v in cleaned if (k := _key(spec, v))]
    found: dict[Any, Any] = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        found.update(spec.model._default_manager.filter(**{f"{spec.natural_key}__in": chunk})
                     .values_list(spec.natural_key, "pk"))  # fmt: skip
    return found


def _write(
    actor: User | AnonymousUser | None,
    spec: RegistrySpec,
    cleaned: Sequence[tuple[int, dict[str, Any]]],
    existing: Mapping[Any, Any],
    progress: Any,
) -> ImportResult:
    creates = [v for _n, v in cleaned if _key(spec, v) not in existing]
    updates = [v for _n, v in cleaned if _key(spec, v) in existing]
    with transaction.atomic():
        objs = []
        for values in creates:
            obj = spec.model()
            _fill(obj, values)
            objs.append(obj)
        for start in range(0, len(objs), BATCH):
            _insert(spec, objs[start : start + BATCH])
            if progress:
                done = min(start + BATCH, len(objs))
                progress(40 + int(40 * done / max(len(cleaned), 1)), f"wrote {done} rows")
        entries = [
            _entry(actor, spec, obj, "import", None, after=audit.snapshot(obj)) for obj in objs
        ]
        if updates:
            entries += _update_existing(actor, spec, updates, existing)
        bulk.insert_objects(AuditEntry, entries)
        _after_write(spec, [*objs, *_updated_objects(spec, updates, existing)])
    if progress:
        progress(100, f"{len(creates)} created, {len(updates)} updated")
    return ImportResult(len(creates), len(updates))


def _insert(spec: RegistrySpec, objs: Sequence[Model]) -> None:
    """Insert new rows fast, then learn their primary keys (the audit names each one)."""
    if spec.natural_key is None:
        spec.model._default_manager.bulk_create(objs)  # returns the keys itself
        return
    column = spec.by_name[spec.natural_key]
    bulk.insert_objects(spec.model, objs)
    keys = [column.model_field.get_prep_value(getattr(o, column.attname)) for o in objs]
    found = dict(spec.model._default_manager.filter(**{f"{spec.natural_key}__in": keys})
                 .values_list(spec.natural_key, "pk"))  # fmt: skip
    for obj, key in zip(objs, keys, strict=True):
        obj.pk = found[key]


def _entry(
    actor: User | AnonymousUser | None,
    spec: RegistrySpec,
    obj: Model,
    action: str,
    before: dict[str, Any] | None,
    *,
    after: dict[str, Any],
) -> AuditEntry:
    """An audit entry built for bulk insertion (imports write thousands at once)."""
    meta = context.current()
    person = actor if actor is not None and actor.is_authenticated else None
    return AuditEntry(
        actor=person, actor_label=person.get_username() if person else f"({meta.channel})",
        ip=meta.ip, user_agent=meta.user_agent, action=action,
        object_type=spec.model._meta.label_lower, object_id=str(obj.pk),
        object_repr=str(obj)[:200], region_path=_region_path(spec, obj),
        changes=audit.diff(before, after), before=before, after=after,
    )  # fmt: skip


def _has_updated_at(spec: RegistrySpec) -> bool:
    return any(f.name == "updated_at" for f in spec.model._meta.concrete_fields)


def _update_existing(
    actor: User | AnonymousUser | None,
    spec: RegistrySpec,
    updates: Sequence[dict[str, Any]],
    existing: Mapping[Any, Any],
) -> list[AuditEntry]:
    pks = {existing[_key(spec, v)] for v in updates}
    queryset = spec.model._default_manager.filter(pk__in=pks)
    if actor is not None and scope(queryset, actor).count() != len(pks):
        raise InvalidInput("Some rows would change records outside your jurisdiction")
    by_pk = {obj.pk: obj for obj in queryset.select_for_update()}
    objs, entries = [], []
    for values in updates:
        obj = by_pk[existing[_key(spec, values)]]
        before = audit.snapshot(obj)
        _fill(obj, values)
        objs.append(obj)
        entries.append(_entry(actor, spec, obj, "import", before, after=audit.snapshot(obj)))
    names = [c.name for c in spec.columns if c.name != spec.natural_key]
    if spec.located:
        names.append("region_path")
    if _has_updated_at(spec):
        # bulk_update skips auto_now: set it, so lists sorted by change and the kept
        # counts and map answers (core/tablecache.py) see the import at once
        now = timezone.now()
        for obj in objs:
            obj.updated_at = now  # type: ignore[attr-defined]
        names.append("updated_at")
    spec.model._default_manager.bulk_update(objs, names, batch_size=BATCH)
    return entries
