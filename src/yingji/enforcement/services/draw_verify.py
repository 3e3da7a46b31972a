"""Checking a draw after the fact, here or offline.

:func:`verify` re-runs the kernel on the inputs and seed the plan recorded and compares the
result with what the database holds (the drawn entities, key flags, each task's crew); it
also recomputes the inputs' fingerprint, so an edit of the stored inputs shows. It says
"identical" or lists every difference.

:func:`document` is the same evidence as a JSON file for anyone with view rights: the seed,
the inputs, the fingerprint, the recorded result and the recipe to re-run it with nothing
but Python and numpy (``yingji/kernels/draws.py`` imports no Django).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from yingji.core.errors import Conflict
from yingji.enforcement.models import DrawnEntity, DrawPlan, Inspector, PlanState, TaskInspector
from yingji.enforcement.services.draws import get_plan
from yingji.kernels import draws as kernel
from yingji.registry.models.enterprise import Enterprise

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yingji.core.models import User

    Actor = User | AnonymousUser

KERNEL: Final = "yingji.kernels.draws.draw"
MAX_DIFFERENCES: Final = 200
RECIPE: Final = (
    "import json\n"
    "from yingji.kernels.draws import draw, fingerprint  # or copy kernels/draws.py: numpy only\n"
    "doc = json.load(open('{name}', encoding='utf-8'))\n"
    "i = doc['inputs']\n"
    "again = draw(i['entities'], i['inspectors'], seed=doc['seed'], key=i['key'],\n"
    "             conflicts=i['conflicts'], share=i['share'], per_entity=i['per_entity'])\n"
    "assert again.fingerprint == doc['fingerprint']\n"
    "assert list(again.entities) == doc['result']['entities']\n"
    "assert {{e: list(p) for e, p in again.assignments.items()}} == doc['result']['assignments']\n"
)


@dataclass(frozen=True)
class Verification:
    identical: bool
    fingerprint_recorded: str
    fingerprint_recomputed: str
    differences: list[str] = field(default_factory=list)
    entities: int = 0


def recorded(plan: DrawPlan) -> tuple[list[str], list[str], dict[str, list[str]]]:
    """What the database holds for the draw: entities, key entities, each entity's crew."""
    rows = list(DrawnEntity.objects.filter(plan=plan).values_list("enterprise_id", "key"))
    entities = sorted((str(e) for e, _k in rows), key=int)
    key = sorted((str(e) for e, k in rows if k), key=int)
    crews: dict[str, list[str]] = {}
    pairs = TaskInspector.objects.filter(task__plan=plan).values_list(
        "task__enterprise_id", "inspector_id"
    )
    for enterprise, person in pairs:
        crews.setdefault(str(enterprise), []).append(str(person))
    return entities, key, {e: sorted(p) for e, p in sorted(crews.items(), key=lambda x: int(x[0]))}


def _inputs(plan: DrawPlan) -> tuple[list[str], list[str], dict[str, Any]]:
    data = plan.inputs
    if not isinstance(data, dict):
        raise ValueError("the recorded inputs are not an object")
    entities, people = data.get("entities"), data.get("inspectors")
    if not isinstance(entities, list) or not isinstance(people, list):
        raise ValueError("the recorded inputs lack the entity or inspector list")
    options = {k: data.get(k) for k in ("key", "conflicts", "share", "per_entity")}
    if not isinstance(options["key"], list) or not isinstance(options["conflicts"], dict):
        raise ValueError("the recorded key entities or conflicts are malformed")
    return entities, people, options


def verify(actor: Actor, pk: Any) -> Verification:
    """Re-run the recorded draw and compare; every difference in words."""
    plan = get_plan(actor, pk)
    if not plan.seed:
        raise Conflict(f"{plan.code} has not been drawn yet: nothing to verify", code="not_drawn")
    try:
        entities, people, options = _inputs(plan)
        recomputed = kernel.fingerprint(entities, people, **options)
        again = kernel.draw(entities, people, seed=plan.seed, **options)
    except (ValueError, TypeError) as exc:
        return Verification(
            False, plan.fingerprint, "", [f"The recorded inputs cannot be re-run: {exc}"]
        )
    differences = []
    if recomputed != plan.fingerprint:
        differences.append(
            f"The inputs' fingerprint is {recomputed[:16]}…, the draw recorded "
            f"{plan.fingerprint[:16]}…: the stored inputs were changed after the draw."
        )
    drawn, key, crews = recorded(plan)
    differences += _compare(again, set(options["key"] or []), drawn, key, crews)
    return Verification(
        not differences,
        plan.fingerprint,
        recomputed,
        differences[:MAX_DIFFERENCES],
        len(again.entities),
    )


def _compare(
    again: kernel.Draw,
    key_inputs: set[str],
    drawn: list[str],
    key: list[str],
    crews: dict[str, list[str]],
) -> list[str]:
    names = _names(set(again.entities) | set(drawn), crews, again)
    found = []
    for entity in sorted(set(again.entities) - set(drawn), key=int):
        found.append(f"{names.get(entity, entity)}: drawn on re-run, not in the record.")
    for entity in sorted(set(drawn) - set(again.entities), key=int):
        found.append(f"{names.get(entity, entity)}: in the record, not drawn on re-run.")
    expected_key = sorted(set(again.entities) & key_inputs, key=int)
    if expected_key != key:
        found.append("The key-entity marks differ from the recorded key entities.")
    for entity in sorted(set(again.entities) & set(drawn), key=int):
        want, have = sorted(again.assignments.get(entity, ())), crews.get(entity, [])
        if want != have:
            label = names.get(entity, entity)
            found.append(
                f"{label}: inspectors on re-run {_people(want, names)}, "
                f"recorded {_people(have, names)}."
            )
    if again.unstaffed:
        found.append(f"{len(again.unstaffed)} entities are short of inspectors on re-run.")
    return found


def _names(entities: set[str], crews: dict[str, list[str]], again: kernel.Draw) -> dict[str, str]:
    ids = [int(e) for e in entities if e.isdigit()]
    out = {
        str(pk): name
        for pk, name in Enterprise.objects.filter(pk__in=ids).values_list("pk", "name")
    }
    people = {p for crew in crews.values() for p in crew} | {
        p for crew in again.assignments.values() for p in crew
    }
    for pk, name in Inspector.objects.filter(
        pk__in=[int(p) for p in people if p.isdigit()]
    ).values_list("pk", "name"):
        out[f"i{pk}"] = name
    return out


def _people(ids: list[str], names: dict[str, str]) -> str:
    return "、".join(names.get(f"i{p}", p) for p in ids) or "—"


def document(actor: Actor, pk: Any) -> tuple[DrawPlan, dict[str, Any]]:
    """The evidence file: seed, inputs, fingerprint, the recorded result, and the recipe."""
    plan = get_plan(actor, pk)
    if not plan.seed:
        raise Conflict(f"{plan.code} has not been drawn yet", code="not_drawn")
    drawn, key, crews = recorded(plan)
    name = f"{plan.code}-draw.json"
    return plan, {
        "plan": plan.code,
        "title": plan.title,
        "state": plan.state,
        "voided": plan.state == PlanState.VOID,
        "drawn_at": plan.drawn_at.isoformat() if plan.drawn_at else None,
        "kernel": KERNEL,
        "seed": plan.seed,
        "fingerprint": plan.fingerprint,
        "inputs": plan.inputs,
        "result": {"entities": drawn, "key": key, "assignments": crews},
        "ids": "entities are enterprise ids, inspectors are inspector-pool ids",
        "recipe": RECIPE.format(name=name),
    }
