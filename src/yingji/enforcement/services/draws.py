"""双随机 draw plans: create, draw (once), void with a reason, and who got how much work.

The draw runs :func:`yingji.kernels.draws.draw` on :func:`draw_pool.gather`'s inputs and, in
one transaction, records the seed, the fingerprint and exactly those inputs on the plan, the
drawn entities, and one inspection task per entity with its crew. A drawn plan is read-only:
drawing again is a conflict (409); redoing means voiding the plan with a reason (tasks not
yet started are cancelled with it; a started task blocks voiding) and creating a new plan
that names the one it ``replaces``.

An entity with fewer eligible inspectors than the plan needs makes the draw **refused**,
naming the entities; nothing is written, and the refused attempt is audited with its seed.
So no task is ever short-staffed, and an inspector's conflicts cannot quietly keep an
enterprise out of inspection: the bureau adds inspectors to the pool, then draws.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from yingji.core import audit, notify
from yingji.core.errors import Conflict, InvalidInput
from yingji.core.permissions import Cap, require
from yingji.enforcement import selectors
from yingji.enforcement.models import (
    DrawnEntity,
    DrawPlan,
    InspectionTask,
    Inspector,
    PlanState,
    TaskInspector,
    TaskKind,
    TaskState,
)
from yingji.enforcement.services import draw_pool
from yingji.enforcement.services.draw_checks import (
    choice,
    clean_key_colours,
    clean_region,
    clean_share,
    text,
)
from yingji.kernels import draws as kernel
from yingji.registry.models.enterprise import Enterprise

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yingji.core.models import User

    Actor = User | AnonymousUser

MAX_PER_ENTITY: Final = 6
MAX_DAYS: Final = 731  # a plan runs at most two years
OPEN_TASKS: Final = (TaskState.ASSIGNED, TaskState.IN_PROGRESS)


class Unstaffed(Conflict):
    """The draw picked entities without enough eligible inspectors; nothing was written."""

    def __init__(self, plan: DrawPlan, names: list[str], seed: str) -> None:
        shown = "、".join(names[:10]) + (f" … ({len(names)})" if len(names) > 10 else "")
        super().__init__(
            f"Draw refused: {len(names)} drawn entities have fewer than {plan.per_entity} "
            f"inspectors without a conflict of interest ({shown}). Add inspectors to the pool "
            "of the region (or review the conflicts), then draw again.",
            code="unstaffed",
        )
        self.plan, self.names, self.seed = plan, names, seed


# ---------------------------------------------------------------- reading plans


def search(actor: Actor, *, q: str = "", state: str = "") -> QuerySet[DrawPlan]:
    found = selectors.plans(actor).select_related("item", "region", "replaces")
    q = text({"q": q}, "q", 100, required=False)
    if q:
        found = found.filter(
            Q(code__icontains=q) | Q(title__icontains=q) | Q(item__name__icontains=q)
        )
    if state:
        found = found.filter(state=choice({"state": state}, "state", PlanState.values))
    return found.annotate(task_count=Count("tasks")).order_by("-created_at", "-pk")


def get_plan(actor: Actor, pk: Any, *, for_update: bool = False) -> DrawPlan:
    return selectors.get(selectors.plans(actor), pk, "draw plan", for_update=for_update)


# ---------------------------------------------------------------- creating a plan


def _date(data: Mapping[str, Any], name: str) -> dt.date:
    raw = data.get(name)
    if isinstance(raw, dt.date):
        return raw
    value = str(raw or "").strip()[:20]
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{name}: {value!r} is not a date (YYYY-MM-DD)", field=name) from None


def _per_entity(raw: Any) -> int:
    if raw in (None, ""):
        return kernel.MIN_INSPECTORS
    value = str(raw).strip()
    if isinstance(raw, bool) or not value.isascii() or not value.isdigit() or len(value) > 3:
        raise InvalidInput(f"per_entity: {value[:20]!r} is not a whole number", field="per_entity")
    number = int(value)
    if not kernel.MIN_INSPECTORS <= number <= MAX_PER_ENTITY:
        raise InvalidInput(
            f"per_entity: between {kernel.MIN_INSPECTORS} and {MAX_PER_ENTITY} inspectors per "
            f"entity ({number} given)",
            field="per_entity",
        )
    return number


def _replaced(actor: Actor, raw: Any) -> DrawPlan | None:
    if raw in (None, ""):
        return None
    try:
        old = get_plan(actor, raw)
    except Exception:  # NotFound, or a malformed id
        raise InvalidInput(f"replaces: no draw plan {str(raw)[:20]!r}", field="replaces") from None
    if old.state != PlanState.VOID:
        raise InvalidInput(
            f"replaces: {old.code} is not voided; void it first, with a reason", field="replaces"
        )
    if DrawPlan.objects.filter(replaces=old).exists():
        raise InvalidInput(f"replaces: {old.code} was already replaced", field="replaces")
    return old


def next_code(model: Any, prefix: str, width: int) -> str:
    """The next number after the highest code with this prefix (codes are zero-padded)."""
    last = model.objects.filter(code__startswith=prefix).order_by("-code")
    top = last.values_list("code", flat=True).first()
    tail = top.rsplit("-", 1)[1] if top else "0"
    return f"{prefix}{int(tail) + 1 if tail.isdigit() else 1:0{width}d}"


def create_plan(*, actor: Actor, data: Mapping[str, Any], synthetic: bool = False) -> DrawPlan:
    """A draft plan; the share and key colours default to the item's."""
    require(actor, Cap.MANAGE_ENFORCEMENT)
    title = text(data, "title", 200)
    item = draw_pool.visible_item(actor, data.get("item"))
    region = clean_region(
        actor,
        data.get("region") or draw_pool.home_code(actor),
        "region",
        levels=draw_pool.PLAN_LEVELS,
    )
    if not region.path.startswith(item.region_path):
        raise InvalidInput(
            f"item: {item.code} is issued by {item.region.name} and does not apply "
            f"in {region.name}",
            field="item",
        )
    share = data.get("share")
    key = data.get("key_colours")
    starts_on, due_on = _date(data, "starts_on"), _date(data, "due_on")
    today = timezone.localdate()
    if due_on < starts_on:
        raise InvalidInput("due_on: inspections cannot be due before they start", field="due_on")
    if due_on < today:
        raise InvalidInput("due_on: the due date has passed", field="due_on")
    if (due_on - starts_on).days > MAX_DAYS or (starts_on - today).days > MAX_DAYS:
        raise InvalidInput("due_on: a plan runs within two years", field="due_on")
    plan = DrawPlan(
        title=title,
        item=item,
        region=region,
        share=clean_share(item.share if share in (None, "") else share),
        key_colours=",".join(clean_key_colours(item.key_colours if key is None else key)),
        per_entity=_per_entity(data.get("per_entity")),
        filters=draw_pool.clean_filters(data.get("filters")),
        starts_on=starts_on,
        due_on=due_on,
        replaces=_replaced(actor, data.get("replaces")),
        created_by=actor if actor.is_authenticated else None,
        synthetic=synthetic,
    )
    with transaction.atomic():
        for attempt in range(5):  # two plans created at once in one county: take the next number
            plan.code = next_code(DrawPlan, f"CJ-{region.path}-{starts_on.year}-", 3)
            try:
                with transaction.atomic():
                    plan.save()
                break
            except IntegrityError:
                if attempt == 4:
                    raise
        audit.record(
            actor=actor,
            action="create",
            obj=plan,
            region_path=plan.region_path,
            after=audit.snapshot(plan),
        )
    return plan


# ---------------------------------------------------------------- the draw


def clean_seed(raw: Any) -> str:
    """The user's seed (printable, ≤ 64 characters), or a fresh one from ``secrets``."""
    value = str(raw or "").strip()
    if not value:
        return secrets.token_hex(16)
    if len(value) > 64 or not value.isprintable():
        raise InvalidInput("seed: at most 64 printable characters", field="seed")
    return value


def draw(*, actor: Actor, pk: Any, seed: Any = "") -> DrawPlan:
    """Draw the plan once: entities, crews and tasks, with everything a re-run needs."""
    require(actor, Cap.MANAGE_ENFORCEMENT)
    chosen_seed = clean_seed(seed)
    try:
        with transaction.atomic():
            plan = get_plan(actor, pk, for_update=True)
            if plan.state != PlanState.DRAFT:
                raise Conflict(
                    f"{plan.code} is {plan.get_state_display()}: a plan is drawn once. To redo "
                    "it, void it with a reason and create a new plan that replaces it.",
                    code="already_drawn" if plan.state == PlanState.DRAWN else "voided",
                )
            inputs = draw_pool.gather(plan)
            problems = draw_pool.problems(plan, inputs, set())
            if problems:
                raise Conflict(" ".join(problems), code="not_drawable")
            result = kernel.draw(
                inputs.entities, inputs.inspectors, seed=chosen_seed, **inputs.options()
            )
            if result.unstaffed:
                names = Enterprise.objects.filter(pk__in=[int(e) for e in result.unstaffed])
                raise Unstaffed(plan, sorted(names.values_list("name", flat=True)), chosen_seed)
            _record(plan, inputs, result, actor)
    except Unstaffed as refused:
        audit.record(
            actor=actor,
            action="draw_refused",
            obj=refused.plan,
            region_path=refused.plan.region_path,
            after={"seed": refused.seed, "unstaffed": refused.names[:100]},
            message=refused.message,
        )
        raise
    return plan


def _record(plan: DrawPlan, inputs: draw_pool.Inputs, result: kernel.Draw, actor: Actor) -> None:
    person = actor if actor.is_authenticated else None
    plan.state, plan.seed, plan.fingerprint = PlanState.DRAWN, result.seed, result.fingerprint
    plan.inputs, plan.unstaffed = inputs.as_json(), []
    plan.drawn_at, plan.drawn_by = timezone.now(), person
    plan.save(
        update_fields=[
            "state",
            "seed",
            "fingerprint",
            "inputs",
            "unstaffed",
            "drawn_at",
            "drawn_by",
        ]
    )
    key = set(inputs.key)
    DrawnEntity.objects.bulk_create(
        [DrawnEntity(plan=plan, enterprise_id=int(e), key=e in key) for e in result.entities],
        batch_size=500,
    )
    tasks = _tasks(plan, result, key, person)
    _crews(tasks, result)
    audit.record(
        actor=actor,
        action="draw",
        obj=plan,
        region_path=plan.region_path,
        after={
            "seed": plan.seed,
            "fingerprint": plan.fingerprint,
            "entities": len(result.entities),
            "key": len(key & set(result.entities)),
            "tasks": [t.code for t in tasks][:1000],
        },
    )
    _tell_inspectors(plan, result)


def _tasks(plan: DrawPlan, result: kernel.Draw, key: set[str], person: Any) -> list[InspectionTask]:
    """One task per drawn entity, numbered JC-<county>-<year>-<seq> in enterprise-id order."""
    firms = Enterprise.objects.in_bulk([int(e) for e in result.entities])
    year = timezone.localdate().year
    counters: dict[str, int] = {}
    tasks = []
    for entity in sorted(result.entities, key=int):
        firm = firms[int(entity)]
        county = firm.region_path[:6].ljust(6, "0")
        prefix = f"JC-{county}-{year}-"
        if county not in counters:
            counters[county] = int(next_code(InspectionTask, prefix, 5).rsplit("-", 1)[1]) - 1
        counters[county] += 1
        tasks.append(
            InspectionTask(
                code=f"{prefix}{counters[county]:05d}",
                kind=TaskKind.KEY if entity in key else TaskKind.RANDOM,
                plan=plan,
                item=plan.item,
                enterprise=firm,
                region_path=firm.region_path,
                due_on=plan.due_on,
                created_by=person,
                synthetic=plan.synthetic,
            )
        )
    try:
        with transaction.atomic():
            InspectionTask.objects.bulk_create(tasks, batch_size=500)
    except IntegrityError as exc:  # another draw numbered tasks in the same county just now
        raise Conflict(
            "Task numbers clashed with a draw made at the same moment; draw again", code="retry"
        ) from exc
    ids = dict(InspectionTask.objects.filter(plan=plan).values_list("enterprise_id", "pk"))
    for task in tasks:
        task.pk = ids[task.enterprise_id]
    return tasks


def _crews(tasks: list[InspectionTask], result: kernel.Draw) -> None:
    """The drawn inspectors of each task; the lead is the crew member with fewest leads so far
    (ties: the lowest id), so leading is shared out too and follows from the draw alone."""
    leads: dict[str, int] = {}
    rows = []
    for task in tasks:  # in enterprise-id order, deterministic
        crew = list(result.assignments[str(task.enterprise_id)])
        lead = min(crew, key=lambda p: (leads.get(p, 0), int(p)))
        leads[lead] = leads.get(lead, 0) + 1
        rows += [TaskInspector(task=task, inspector_id=int(p), lead=p == lead) for p in crew]
    TaskInspector.objects.bulk_create(rows, batch_size=1000)


def _tell_inspectors(plan: DrawPlan, result: kernel.Draw) -> None:
    try:
        link = reverse("enforcement-tasks")
    except NoReverseMatch:
        link = f"/enforcement/plans/{plan.pk}/"
    load = result.load()
    people = Inspector.objects.filter(pk__in=[int(p) for p in load]).select_related("user")
    for person in people:
        notify.notify(
            [person.user],
            kind="enforcement_task",
            link=link,
            obj=plan,
            title=f"双随机抽查任务 {load[str(person.pk)]} 项：{plan.title}"[:200],
            body=f"{plan.code} · {plan.item.name} · 截止 {plan.due_on}",
        )


# ---------------------------------------------------------------- voiding


def void_plan(*, actor: Actor, pk: Any, reason: Any) -> DrawPlan:
    """Void a plan with a reason; its tasks not yet started are cancelled with that reason."""
    require(actor, Cap.MANAGE_ENFORCEMENT)
    why = text({"reason": reason}, "reason", 200)
    with transaction.atomic():
        plan = get_plan(actor, pk, for_update=True)
        if plan.state == PlanState.VOID:
            raise Conflict(f"{plan.code} is already voided", code="voided")
        tasks = InspectionTask.objects.select_for_update().filter(plan=plan)
        started = list(
            tasks.exclude(state__in=[TaskState.ASSIGNED, TaskState.CANCELLED]).values_list(
                "code", flat=True
            )[:20]
        )
        if started:
            raise Conflict(
                f"{plan.code} cannot be voided: inspections have started ({', '.join(started)})",
                code="tasks_started",
            )
        before = audit.snapshot(plan)
        for task in tasks.filter(state=TaskState.ASSIGNED):
            was = audit.snapshot(task, ["state", "cancel_reason"])
            task.state, task.cancel_reason = TaskState.CANCELLED, why
            task.save(update_fields=["state", "cancel_reason"])
            audit.record(
                actor=actor,
                action="cancel",
                obj=task,
                region_path=task.region_path,
                before=was,
                after=audit.snapshot(task, ["state", "cancel_reason"]),
                message=why,
            )
        plan.state, plan.void_reason, plan.voided_at = PlanState.VOID, why, timezone.now()
        plan.save(update_fields=["state", "void_reason", "voided_at"])
        audit.record(
            actor=actor,
            action="void",
            obj=plan,
            region_path=plan.region_path,
            before=before,
            after=audit.snapshot(plan),
            message=why,
        )
    return plan


# ---------------------------------------------------------------- load


def crew_load(plan: DrawPlan) -> list[dict[str, Any]]:
    """Per inspector of the plan: its tasks, leads, and open tasks over all plans."""
    rows = (
        TaskInspector.objects.filter(task__plan=plan)
        .values("inspector_id")
        .annotate(tasks=Count("pk"), leads=Count("pk", filter=Q(lead=True)))
    )
    counts = {r["inspector_id"]: r for r in rows}
    open_all = dict(
        TaskInspector.objects.filter(inspector_id__in=counts, task__state__in=OPEN_TASKS)
        .values("inspector_id")
        .annotate(n=Count("pk"))
        .values_list("inspector_id", "n")
    )
    people = Inspector.objects.filter(pk__in=counts).order_by("name")
    return [
        {
            "inspector": p,
            "tasks": counts[p.pk]["tasks"],
            "leads": counts[p.pk]["leads"],
            "open_all": open_all.get(p.pk, 0),
        }
        for p in people
    ]
