"""Real values for the path parameters of the API's operations, taken from a :class:`World`.

``path_values(template, county)`` gives the parameter sets that address the records of one
county at ``template`` (an OpenAPI path such as ``/api/hazards/{pk}/photos/{photo_id}``):
the fuzzing test mixes them into generated requests so that detail endpoints hit real objects,
and the jurisdiction walk uses another county's to prove they answer 404. The table is keyed
by the path before each parameter, so a new endpoint under a known prefix is covered at once;
one under an unknown prefix yields nothing, and the walk then fails until it is added here.
"""

from __future__ import annotations

import itertools
from typing import Any

from tests.api.world import County
from yingji.accidents.services.investigation import TRANSITIONS as INVESTIGATION_STEPS
from yingji.alerts.api import ACTIONS as WARNING_ACTIONS
from yingji.core.registry import spec as specs
from yingji.core.registry.maplayers import map_specs
from yingji.enforcement.models import InspectionItem
from yingji.kernels import codes
from yingji.review.indicators.catalogue import INDICATORS

# (the path before the parameter, the parameter) → the kind of record in County.records
KINDS: dict[tuple[str, str], str] = {
    ("/api/registry-ops/stock-items/", "item_id"): "stock_item",
    ("/api/registry-ops/depots/", "depot_id"): "depot",
    ("/api/hazards/", "pk"): "hazard",
    ("/api/hazards/{pk}/photos/", "photo_id"): "hazard_photo",
    ("/api/risk/enterprises/", "pk"): "enterprise",
    ("/api/monitoring/alarms/", "pk"): "alarm",
    ("/api/monitoring/sensors/", "pk"): "sensor",
    ("/api/alerts/", "pk"): "warning",
    ("/api/plans/", "pk"): "plan",
    ("/api/plans/activations/", "pk"): "activation",
    ("/api/incidents/", "pk"): "incident",
    ("/api/incidents/{pk}/tasks/", "task"): "incident_task",
    ("/api/incidents/{pk}/placements/", "placement"): "placement",
    ("/api/incidents/{pk}/relief/", "relief"): "relief",
    ("/api/incidents/{pk}/orders/", "order"): "dispatch_order",
    ("/api/incidents/supplies/", "request_id"): "supply_request",
    ("/api/enforcement/inspectors/", "pk"): "inspector",
    ("/api/enforcement/conflicts/", "pk"): "conflict",
    ("/api/enforcement/plans/", "pk"): "draw_plan",
    ("/api/enforcement/tasks/", "pk"): "inspection_task",
    ("/api/enforcement/tasks/{pk}/findings/", "finding_id"): "inspection_finding",
    ("/api/enforcement/tasks/{pk}/photos/", "photo_id"): "inspection_photo",
    ("/api/enforcement/documents/", "pk"): "document",
    ("/api/enforcement/cases/", "pk"): "penalty_case",
    ("/api/enforcement/publications/", "pk"): "publication",
    ("/api/enforcement/codes/", "pk"): "safety_code",
    ("/api/enforcement/credit/repairs/", "pk"): "credit_repair",
    ("/api/enforcement/public/codes/", "token"): "safety_code",
    ("/api/accidents/from-incident/", "incident"): "incident",
    ("/api/accidents/", "pk"): "accident",
    ("/api/accidents/{pk}/measures/", "measure_id"): "accident_measure",
    ("/api/review/manual-values/", "pk"): "manual_value",
    ("/api/users/", "user_id"): "user",
    ("/api/jobs/", "job_id"): "job",
    ("/api/regions/", "code"): "region",
}

# Parameters that name a kind of thing, not a record: every valid value is tried.
CHOICES: dict[tuple[str, str], Any] = {
    ("/api/alerts/{pk}/", "action"): lambda: list(WARNING_ACTIONS),
    ("/api/accidents/{pk}/investigation/", "action"): lambda: [
        t.action for t in INVESTIGATION_STEPS
    ],
    ("/api/map/layers/", "name"): lambda: [s.name for s in map_specs()],
    ("/api/incidents/coverage/", "mode"): lambda: ["ground", "air"],
    ("/api/review/indicators/", "indicator_id"): lambda: [i.id for i in INDICATORS],
}


def _value(kind: str, obj: Any) -> Any:
    if kind == "safety_code":
        return obj.enterprise_id
    if kind == "region":
        return codes.display(obj.code)
    return str(obj.pk) if not isinstance(obj.pk, int) else obj.pk


def _records(county: County, kind: str) -> list[Any]:
    if kind == "region":
        return [county.region, county.township, county.village]
    return county.records.get(kind, [])


def params_of(template: str) -> list[tuple[str, str]]:
    """``[(prefix, name)]`` of each path parameter of ``template``, in order."""
    out = []
    for part in template.split("{")[1:]:
        name = part.split("}", 1)[0]
        out.append((template[: template.index("{" + name + "}")], name))
    return out


def registry_kind(entity: str) -> str:
    return entity.removesuffix("s")


def path_values(template: str, county: County) -> list[dict[str, Any]] | None:
    """Parameter sets addressing ``county``'s records at ``template``; None if a parameter is
    not in the tables above (a new endpoint: add its prefix to KINDS or CHOICES)."""
    if template.startswith("/api/registry/{entity}/"):
        return _registry_values(template, county)
    if template.startswith("/api/enforcement/items/"):  # the province's list: not a county's
        return [{"pk": item.pk} for item in InspectionItem.objects.order_by("pk")[:1]]
    options: list[list[tuple[str, Any]]] = []
    for prefix, name in params_of(template):
        if (prefix, name) in CHOICES:
            options.append([(name, v) for v in CHOICES[prefix, name]()])
        elif (prefix, name) in KINDS:
            kind = KINDS[prefix, name]
            value = "token" if template.endswith("{token}") else None
            options.append(
                [(name, getattr(o, value) if value else _value(kind, o))
                 for o in _records(county, kind)]
            )  # fmt: skip
        else:
            return None
    return [dict(combo) for combo in itertools.product(*options)] if options else [{}]


def _registry_values(template: str, county: County) -> list[dict[str, Any]]:
    out = []
    for spec in specs.all_specs():
        records = county.records.get(registry_kind(spec.name), [])
        if "{record_id}" in template:
            out += [{"entity": spec.name, "record_id": r.pk} for r in records[:1]]
        else:
            out.append({"entity": spec.name})
    return out
