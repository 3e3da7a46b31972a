"""What a 双随机 draw is given: the live entity pool (检查对象名录库) of a region and item, the
eligible inspectors and their conflicts — and the preview of a plan built from them.

The pool is not a table: it is the enterprise registry filtered by the item (industry
prefixes, hazardous chemicals only) and the plan's filters, with each enterprise's current
risk colour, so it never drifts from the 一企一档 record. It is live until a draw freezes it
into ``DrawPlan.inputs`` (:func:`gather` builds exactly what the kernel is given).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from django.db.models import Count, F, Q, QuerySet

from yingji.core.errors import InvalidInput, NotFound
from yingji.core.models import Role
from yingji.core.permissions import Cap, require
from yingji.enforcement import selectors
from yingji.enforcement.models import Conflict as Declared
from yingji.enforcement.models import DrawPlan, InspectionItem, Inspector, PlanState
from yingji.enforcement.services import lists
from yingji.enforcement.services.draw_checks import clean_prefixes, clean_region, words
from yingji.kernels import codes
from yingji.regions.models import Region
from yingji.registry.models.enterprise import Enterprise, EnterpriseScale, HazchemRole
from yingji.risk.models import Colour

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yingji.core.models import User

    Actor = User | AnonymousUser

COLOURS: Final = {
    "red": Colour.RED,
    "orange": Colour.ORANGE,
    "yellow": Colour.YELLOW,
    "blue": Colour.BLUE,
}
COLOUR_NAME: Final = {int(v): k for k, v in COLOURS.items()}
POOL_COLOURS: Final = (*COLOURS, "none")  # "none": not assessed yet
FILTER_KEYS: Final = ("industries", "scales", "colours", "hazchem")
PLAN_LEVELS: Final = ("province", "city", "county", "township")
MAX_PER_ENTITY: Final = 6
MAX_LISTED: Final = 500  # entities named on a page; counts are always complete


# ---------------------------------------------------------------- the entity pool


def clean_filters(raw: Any) -> dict[str, list[str]]:
    """Pool filters ``{"industries", "scales", "colours", "hazchem"}``, each a list (or text)."""
    if raw in (None, ""):
        return {}
    if not isinstance(raw, Mapping):
        raise InvalidInput(
            "filters: give an object with industries, scales, colours, hazchem", field="filters"
        )
    unknown = sorted(set(raw) - set(FILTER_KEYS))
    if unknown:
        raise InvalidInput(
            f"filters: unknown filter {unknown[0][:20]!r}; use one of {', '.join(FILTER_KEYS)}",
            field=unknown[0][:20],
        )
    allowed = {
        "scales": EnterpriseScale.values,
        "colours": list(POOL_COLOURS),
        "hazchem": HazchemRole.values,
    }
    out: dict[str, list[str]] = {}
    for name in FILTER_KEYS:
        if name == "industries":
            values = clean_prefixes(raw.get(name), name)
        else:
            values = words(raw.get(name), name)
            wrong = [v for v in values if v not in allowed[name]]
            if wrong:
                raise InvalidInput(
                    f"{name}: {wrong[0][:20]!r} is not one of {', '.join(allowed[name])}",
                    field=name,
                )
        if values:
            out[name] = values
    return out


def _prefixes(values: Sequence[str]) -> Q:
    condition = Q()
    for prefix in values:
        condition |= Q(industry_code__startswith=prefix)
    return condition


def pool(
    item: InspectionItem, region_path: str, filters: Mapping[str, list[str]]
) -> QuerySet[Enterprise]:
    """Live enterprises of the region's subtree the item applies to, narrowed by the filters.

    Each row carries ``colour`` (0 blue … 3 red, None when not assessed) from the risk app.
    """
    low, high = codes.subtree_bounds(region_path)
    found = Enterprise.objects.filter(
        voided_at__isnull=True, region_path__gte=low, region_path__lt=high
    )
    if item.industries:
        found = found.filter(_prefixes([p for p in item.industries.split(",") if p]))
    if item.hazchem_only:
        found = found.exclude(hazchem_role=HazchemRole.NONE)
    if filters.get("industries"):
        found = found.filter(_prefixes(filters["industries"]))
    if filters.get("scales"):
        found = found.filter(scale__in=filters["scales"])
    if filters.get("hazchem"):
        found = found.filter(hazchem_role__in=filters["hazchem"])
    chosen = filters.get("colours") or []
    if chosen:
        condition = Q(risk__colour__in=[COLOURS[c] for c in chosen if c in COLOURS])
        if "none" in chosen:
            condition |= Q(risk__isnull=True)
        found = found.filter(condition)
    return found.annotate(colour=F("risk__colour"))


def colour_counts(found: QuerySet[Enterprise]) -> dict[str, int]:
    """Entities per risk colour (and "none"), and the total."""
    counts = dict.fromkeys(POOL_COLOURS, 0)
    for colour, n in found.order_by().values_list("risk__colour").annotate(n=Count("pk")):
        counts[COLOUR_NAME.get(colour, "none") if colour is not None else "none"] += n
    counts["total"] = sum(counts.values())
    return counts


@dataclass(frozen=True)
class PoolQuery:
    item: InspectionItem
    region: Region
    filters: dict[str, list[str]]
    entities: QuerySet[Enterprise]


def pool_for(actor: Actor, *, item: Any, region: Any = "", filters: Any = None) -> PoolQuery:
    """The pool page and API: an item the actor sees, a region of their jurisdiction."""
    require(actor, Cap.VIEW_ENFORCEMENT)
    if selectors.is_enterprise(actor):
        raise NotFound("The entity pool is for enforcement staff")
    chosen = visible_item(actor, item)
    place = clean_region(actor, region or home_code(actor), "region", levels=PLAN_LEVELS)
    if not place.path.startswith(chosen.region_path):
        raise InvalidInput(
            f"item: {chosen.code} is issued by {chosen.region.name} and does not "
            f"apply in {place.name}",
            field="item",
        )
    clean = clean_filters(filters)
    return PoolQuery(chosen, place, clean, pool(chosen, place.path, clean))


def visible_item(actor: Actor, raw: Any) -> InspectionItem:
    try:
        found = lists.get_item(actor, str(raw or "").strip()[:20])
    except NotFound:
        raise InvalidInput(f"item: no inspection item {str(raw)[:20]!r}", field="item") from None
    if found.voided_at is not None or not found.active:
        raise InvalidInput(f"item: {found.code} is not in force", field="item")
    return found


def home_code(actor: Actor) -> str:
    region = getattr(actor, "region", None)
    return str(region.code) if region is not None else "330000000000"


def eligible_inspectors(region_path: str) -> QuerySet[Inspector]:
    """Active pool members of the subtree whose accounts are active and still inspectors."""
    low, high = codes.subtree_bounds(region_path)
    accounts = Inspector.objects.filter(user__role_rows__role=Role.INSPECTOR).values("pk")
    return Inspector.objects.filter(
        voided_at__isnull=True,
        active=True,
        user__is_active=True,
        pk__in=accounts,
        region_path__gte=low,
        region_path__lt=high,
    ).select_related("user")


# ---------------------------------------------------------------- what a draw is given


@dataclass(frozen=True)
class Inputs:
    """Exactly what the kernel is given; ``as_json`` is what ``DrawPlan.inputs`` keeps."""

    entities: list[str]
    key: list[str]
    inspectors: list[str]
    conflicts: dict[str, list[str]]
    share: float
    per_entity: int

    def options(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "conflicts": self.conflicts,
            "share": self.share,
            "per_entity": self.per_entity,
        }

    def as_json(self) -> dict[str, Any]:
        return {"entities": self.entities, "inspectors": self.inspectors, **self.options()}

    def short(self) -> list[str]:
        """Entities with fewer eligible inspectors than needed (a draw including one is refused)."""
        barred: dict[str, int] = {}
        for entities in self.conflicts.values():
            for entity in entities:
                barred[entity] = barred.get(entity, 0) + 1
        people = len(self.inspectors)
        return [e for e in self.entities if people - barred.get(e, 0) < self.per_entity]


def gather(plan: DrawPlan) -> Inputs:
    """The plan's inputs as they stand now (the pool is live until the draw freezes it)."""
    rows = list(
        pool(plan.item, plan.region_path, plan.filters or {}).values_list("pk", "risk__colour")
    )
    key_colours = {COLOURS[c] for c in plan.key_colours.split(",") if c in COLOURS}
    entities = sorted((str(pk) for pk, _c in rows), key=int)
    key = sorted((str(pk) for pk, colour in rows if colour in key_colours), key=int)
    people = sorted(
        (str(pk) for pk in eligible_inspectors(plan.region_path).values_list("pk", flat=True)),
        key=int,
    )
    pool_ids = set(entities)
    conflicts: dict[str, list[str]] = {}
    live = Declared.objects.filter(
        withdrawn_at__isnull=True, inspector_id__in=[int(p) for p in people]
    )
    for person, enterprise in live.values_list("inspector_id", "enterprise_id"):
        if str(enterprise) in pool_ids:
            conflicts.setdefault(str(person), []).append(str(enterprise))
    conflicts = {
        p: sorted(v, key=int) for p, v in sorted(conflicts.items(), key=lambda x: int(x[0]))
    }
    return Inputs(entities, key, people, conflicts, plan.share, plan.per_entity)


def sample_size(non_key: int, share: float) -> int:
    """How many non-key entities the kernel draws: ⌈share × n⌉ (the kernel's own rounding)."""
    return min(non_key, math.ceil(share * non_key - 1e-9)) if non_key else 0


@dataclass(frozen=True)
class Preview:
    inputs: Inputs
    counts: dict[str, int]
    key_entities: Sequence[Enterprise]
    inspectors: list[Inspector]
    short_key: Sequence[Enterprise]  # key entities that cannot be staffed: the draw will be refused
    short_other: int  # non-key ones: the draw is refused if one of them is drawn
    problems: list[str] = field(default_factory=list)

    @property
    def key_count(self) -> int:
        return len(self.inputs.key)

    @property
    def non_key(self) -> int:
        return len(self.inputs.entities) - len(self.inputs.key)

    @property
    def sample(self) -> int:
        return sample_size(self.non_key, self.inputs.share)

    @property
    def total(self) -> int:
        return self.key_count + self.sample

    @property
    def conflicts(self) -> int:
        return sum(len(v) for v in self.inputs.conflicts.values())

    @property
    def average_load(self) -> float:
        people = len(self.inputs.inspectors)
        return round(self.total * self.inputs.per_entity / people, 1) if people else 0.0


def preview(actor: Actor, pk: Any) -> Preview:
    """What drawing the plan now would take in (pool, key entities, sample size, inspectors)."""
    plan = selectors.get(selectors.plans(actor), pk, "draw plan")
    inputs = gather(plan) if plan.state == PlanState.DRAFT else frozen(plan)
    short = set(inputs.short())
    key_ids = [int(k) for k in inputs.key]
    key_rows = list(
        Enterprise.objects.filter(pk__in=key_ids[:MAX_LISTED])
        .annotate(colour=F("risk__colour"))
        .select_related("region")
        .order_by("name")
    )
    found = problems(plan, inputs, short)
    return Preview(
        inputs=inputs,
        counts=(
            colour_counts(pool(plan.item, plan.region_path, plan.filters or {}))
            if plan.state == PlanState.DRAFT
            else {}
        ),
        key_entities=key_rows,
        inspectors=list(
            Inspector.objects.filter(pk__in=[int(p) for p in inputs.inspectors])
            .select_related("user")
            .order_by("name")
        ),
        short_key=[e for e in key_rows if str(e.pk) in short],
        short_other=len(short - set(inputs.key)),
        problems=found,
    )


def problems(plan: DrawPlan, inputs: Inputs, short: set[str]) -> list[str]:
    found = []
    if plan.item.voided_at is not None or not plan.item.active:
        found.append(f"The item {plan.item.code} is no longer in force.")
    if not inputs.entities:
        found.append("The pool is empty: no enterprise of the region matches the item and filters.")
    if len(inputs.inspectors) < inputs.per_entity:
        found.append(
            f"Only {len(inputs.inspectors)} active inspectors in the pool of this region; "
            f"{inputs.per_entity} are needed per entity."
        )
    elif short & set(inputs.key):
        found.append(
            f"{len(short & set(inputs.key))} key entities have too few inspectors "
            "without a conflict of interest."
        )
    return found


def frozen(plan: DrawPlan) -> Inputs:
    """The inputs recorded at the draw (a drawn or voided plan)."""
    data = plan.inputs or {}
    return Inputs(
        list(data.get("entities", [])),
        list(data.get("key", [])),
        list(data.get("inspectors", [])),
        dict(data.get("conflicts", {})),
        float(data.get("share", plan.share)),
        int(data.get("per_entity", plan.per_entity)),
    )
