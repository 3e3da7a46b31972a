"""Tasks outside a draw: a complaint or referral (举报/转办), a follow-up check (复查)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from yingji.core import audit, notify
from yingji.core.errors import InvalidInput
from yingji.core.permissions import Cap, require
from yingji.core.scoping import scope
from yingji.enforcement.models import (
    Conflict as ConflictOfInterest,
)
from yingji.enforcement.models import (
    InspectionItem,
    InspectionTask,
    Inspector,
    TaskInspector,
)
from yingji.enforcement.services.inspections.tasks import (
    AD_HOC_KINDS,
    CODE_PREFIX,
    MAX_CREW,
    MAX_DUE_DAYS,
    field_text,
)
from yingji.registry.models.enterprise import Enterprise

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yingji.core.models import User

    Actor = User | AnonymousUser

# ---------------------------------------------------------------- ad-hoc tasks


def _id(raw: Any, name: str) -> int:
    text = str(raw if raw is not None else "").strip()
    if not text.isascii() or not text.isdigit() or not 0 < len(text) < 19:
        raise InvalidInput(f"{name}: {text[:20]!r} is not an id", field=name)
    return int(text)


def _date(data: Mapping[str, Any], name: str) -> dt.date:
    raw = data.get(name)
    if isinstance(raw, dt.date):
        return raw
    try:
        return dt.date.fromisoformat(str(raw or "").strip()[:10])
    except ValueError as exc:
        raise InvalidInput(f"{name}: a date (YYYY-MM-DD) is required", field=name) from exc


def _pool(actor: Actor, enterprise: Enterprise, raw: Iterable[Any]) -> list[Inspector]:
    ids = [_id(x, "inspectors") for x in raw]
    if len(set(ids)) != len(ids):
        raise InvalidInput("inspectors: the same inspector is named twice", field="inspectors")
    if not 2 <= len(ids) <= MAX_CREW:
        raise InvalidInput(
            f"inspectors: name 2 to {MAX_CREW} inspectors ({len(ids)} given)", field="inspectors"
        )
    pool = scope(Inspector.objects.filter(active=True, voided_at__isnull=True), actor)
    found = {i.pk: i for i in pool.filter(pk__in=ids).select_related("user")}
    unknown = [str(i) for i in ids if i not in found or not found[i].user.is_active]
    if unknown:
        raise InvalidInput(
            f"inspectors: {', '.join(unknown)} not in the inspector pool of your jurisdiction",
            field="inspectors",
        )
    conflicts = ConflictOfInterest.objects.filter(
        inspector_id__in=ids, enterprise=enterprise, withdrawn_at__isnull=True
    ).select_related("inspector")
    if conflicts:
        names = "、".join(f"{c.inspector.name}（{c.get_reason_display()}）" for c in conflicts)
        raise InvalidInput(
            f"inspectors: conflict of interest with {enterprise.name} (回避): {names}",
            field="inspectors",
        )
    return [found[i] for i in ids]


def next_code(kind: str, region_path: str, year: int) -> str:
    prefix = f"{CODE_PREFIX[kind]}-{region_path[:6]}-{year}-"
    last = (
        InspectionTask.objects.filter(code__startswith=prefix)
        .order_by("-code")
        .values_list("code", flat=True)
        .first()
    )
    return f"{prefix}{int(last.rsplit('-', 1)[1]) + 1 if last else 1:04d}"


def open_task(*, actor: Actor, data: Mapping[str, Any]) -> InspectionTask:
    """An inspection outside a draw (举报/转办, 复查), staffed from the pool without conflicts."""
    require(actor, Cap.MANAGE_ENFORCEMENT)
    kind = field_text(data, "kind", 12, required=True)
    if kind not in AD_HOC_KINDS:
        raise InvalidInput(
            f"kind: {kind[:20]!r} is not one of {', '.join(AD_HOC_KINDS)}", field="kind"
        )
    enterprise = (
        scope(Enterprise.objects.filter(voided_at__isnull=True), actor)
        .filter(pk=_id(data.get("enterprise"), "enterprise"))
        .first()
    )
    if enterprise is None:
        raise InvalidInput("enterprise: not an enterprise of your jurisdiction", field="enterprise")
    item = (
        InspectionItem.objects.filter(active=True, voided_at__isnull=True)
        .filter(pk=_id(data.get("item"), "item"))
        .first()
    )
    if item is None or not enterprise.region_path.startswith(item.region_path):
        raise InvalidInput("item: no inspection item in force for this enterprise", field="item")
    raw = data.get("inspectors") or []
    inspectors = _pool(actor, enterprise, [raw] if isinstance(raw, str | int) else raw)
    due = _date(data, "due_on")
    today = timezone.localdate()
    if not today <= due <= today + dt.timedelta(days=MAX_DUE_DAYS):
        raise InvalidInput(
            f"due_on: between today and {MAX_DUE_DAYS} days ahead ({due} given)", field="due_on"
        )
    task = InspectionTask(
        kind=kind, item=item, enterprise=enterprise, region_path=enterprise.region_path,
        due_on=due, created_by=actor if actor.is_authenticated else None,
    )  # fmt: skip
    with transaction.atomic():
        for attempt in range(5):  # two tasks opened at once in a county: take the next number
            task.code = next_code(kind, enterprise.region_path, today.year)
            try:
                with transaction.atomic():
                    task.save()
                break
            except IntegrityError:
                if attempt == 4:
                    raise
        TaskInspector.objects.bulk_create(
            TaskInspector(task=task, inspector=i, lead=n == 0) for n, i in enumerate(inspectors)
        )
        audit.record(
            actor=actor,
            action="inspection_open",
            obj=task,
            region_path=task.region_path,
            after=audit.snapshot(task) | {"inspectors": [i.pk for i in inspectors]},
        )
        notify.notify(
            [i.user for i in inspectors],
            kind="inspection_task",
            title=f"新检查任务 {task.code}: {enterprise.name}",
            body=f"{task.get_kind_display()} · {item.name} · 截止 {due:%Y-%m-%d}",
            link=f"/enforcement/tasks/{task.pk}/",
            obj=task,
        )
    return task
