"""Indicator model versions: build one from its definition, create, compare, activate.

A definition is data (JSON): the indicator tree, the AHP pairwise judgements of each group
and the 从严从高 overrides. :func:`build` turns it into what the kernels run, refusing
anything that would make stored scores unstable or unexplainable: unknown sources, indicators
without fixed bounds, rank normalisation, inconsistent judgements (CR ≥ 0.1), overrides on
unknown inputs.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from yingji.core import audit, jobs
from yingji.core.errors import Conflict, InvalidInput, NotFound
from yingji.core.permissions import Cap, require
from yingji.kernels import overrides as override_kernel
from yingji.kernels.overrides import Override
from yingji.kernels.scoring import Group, Indicator, IndicatorModel, score
from yingji.kernels.scoring import compare as compare_colours
from yingji.kernels.weights import AhpResult, InconsistentJudgements, ahp_weights
from yingji.registry.models.enterprise import Enterprise
from yingji.risk.defaults import default_definition
from yingji.risk.models import IndicatorModelVersion, ModelStatus
from yingji.risk.sources import SOURCES, Selection, gather

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yingji.core.models import Job, User

    Actor = User | AnonymousUser | None

COMPARE_KIND = "risk.compare"
MAX_LISTED_CHANGES = 5000


@dataclass(frozen=True)
class Compiled:
    """A version ready to score: the kernel model, its overrides and the AHP figures."""

    model: IndicatorModel
    overrides: tuple[Override, ...]
    ahp: dict[str, AhpResult]

    @property
    def sources(self) -> list[str]:
        """Matrix columns in the kernel's column order: each indicator's source."""
        return [leaf.source for leaf in self.model.indicators]


def _ratio(value: Any, where: str) -> float:
    """A Saaty judgement written as 3, 0.5, "1/3" or "3"."""
    try:
        number = float(Fraction(str(value).strip())) if isinstance(value, str) else float(value)
    except (ValueError, ZeroDivisionError) as exc:
        raise InvalidInput(f"{where}: {value!r} is not a number or a fraction such as 1/3") from exc
    return number


def build(definition: Any) -> Compiled:
    """Check a definition and compute its weights; InvalidInput says what is wrong and where."""
    if not isinstance(definition, dict) or not isinstance(definition.get("model"), dict):
        raise InvalidInput('A model definition is {"model": …, "pairwise": …, "overrides": …}')
    try:
        model = IndicatorModel.from_dict(definition["model"])
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInput(f"The indicator tree is not valid: {exc}", field="model") from exc
    pairwise = definition.get("pairwise") or {}
    if not isinstance(pairwise, dict):
        raise InvalidInput(
            "pairwise must map a group key to its judgement matrix", field="pairwise"
        )
    ahp: dict[str, AhpResult] = {}
    root = _weigh(model.root, pairwise, ahp)
    unknown = set(pairwise) - set(ahp)
    if unknown:
        raise InvalidInput(
            f"pairwise names no group of the model: {sorted(unknown)}", field="pairwise"
        )
    try:
        model = replace(model, root=root)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="model") from exc
    for leaf in model.indicators:
        if leaf.source not in SOURCES:
            raise InvalidInput(
                f"indicator {leaf.key!r}: unknown source {leaf.source!r}; known: {sorted(SOURCES)}",
                field="model",
            )
        if leaf.normalisation != "minmax" or leaf.bounds is None:
            raise InvalidInput(
                f"indicator {leaf.key!r} needs min-max normalisation with fixed bounds, so that"
                " an enterprise's stored score does not depend on the other enterprises",
                field="model",
            )
    rules = _overrides(definition.get("overrides") or [], model)
    return Compiled(model, rules, ahp)


def _weigh(group: Group, pairwise: dict[str, Any], ahp: dict[str, AhpResult]) -> Group:
    """Replace the children's weights of every group with judgements by their AHP weights."""
    children = tuple(
        _weigh(c, pairwise, ahp) if isinstance(c, Group) else c for c in group.children
    )
    matrix = pairwise.get(group.key)
    if matrix is None:
        return replace(group, children=children)
    n = len(children)
    where = f"pairwise[{group.key!r}]"
    if (
        not isinstance(matrix, list)
        or len(matrix) != n
        or any(not isinstance(row, list) or len(row) != n for row in matrix)
    ):
        raise InvalidInput(
            f"{where} must be a {n}×{n} matrix (one row per child)", field="pairwise"
        )
    values = [[_ratio(v, f"{where}[{i}][{j}]") for j, v in enumerate(row)]
              for i, row in enumerate(matrix)]  # fmt: skip
    names = [c.name for c in children]
    try:
        result = ahp_weights(np.asarray(values), names=names) if n > 1 else None
    except InconsistentJudgements as exc:
        raise InvalidInput(
            f"{group.name}: {exc}", field="pairwise", code="ahp_inconsistent"
        ) from exc
    except ValueError as exc:
        raise InvalidInput(f"{where}: {exc}", field="pairwise") from exc
    if result is None:
        return replace(group, children=children)
    ahp[group.key] = result
    weighted = tuple(
        replace(child, weight=float(w)) for child, w in zip(children, result.weights, strict=True)
    )
    return replace(group, children=weighted)


def _overrides(raw: Any, model: IndicatorModel) -> tuple[Override, ...]:
    if not isinstance(raw, list):
        raise InvalidInput("overrides must be a list", field="overrides")
    rules = []
    labels = len(model.colours.labels)
    for i, item in enumerate(raw):
        try:
            rule = Override.from_dict(item)
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInput(f"overrides[{i}] is not valid: {exc}", field="overrides") from exc
        for clause in rule.clauses:
            if clause.column not in model.columns:
                raise InvalidInput(
                    f"override {rule.key!r} refers to {clause.column!r}, not an indicator of"
                    " the model",
                    field="overrides",
                )
        if rule.min_colour >= labels:
            raise InvalidInput(f"override {rule.key!r}: colour {rule.min_colour} does not exist")
        rules.append(rule)
    if len({r.key for r in rules}) != len(rules):
        raise InvalidInput("override keys must be distinct", field="overrides")
    return tuple(rules)


_CACHE: dict[tuple[int, str], Compiled] = {}


def compiled(version: IndicatorModelVersion) -> Compiled:
    key = (version.pk, str(version.created_at))
    if key not in _CACHE:
        _CACHE[key] = build(version.definition)
    return _CACHE[key]


def with_weights(definition: dict[str, Any]) -> dict[str, Any]:
    """The definition with the AHP weights written into the tree (what is stored)."""
    built = build(definition)
    return {**definition, "model": built.model.to_dict()}


@transaction.atomic
def ensure_default() -> IndicatorModelVersion:
    """The active version; version 1 of the default model is created when there is none."""
    active = IndicatorModelVersion.objects.filter(status=ModelStatus.ACTIVE).first()
    if active is not None:
        return active
    if IndicatorModelVersion.objects.exists():
        raise Conflict("No indicator model version is active: activate one", code="no_model")
    definition = with_weights(default_definition())
    version = IndicatorModelVersion.objects.create(
        name=definition["model"]["name"],
        version=1,
        definition=definition,
        note="默认模型 (Yingji default, AHP weights)",
        status=ModelStatus.ACTIVE,
        activated_at=timezone.now(),
    )
    audit.record(actor=None, action="create", obj=version, after={"status": version.status})
    return version


def get_version(pk: Any) -> IndicatorModelVersion:
    try:
        return IndicatorModelVersion.objects.get(pk=int(pk))
    except (IndicatorModelVersion.DoesNotExist, TypeError, ValueError) as exc:
        raise NotFound(f"No indicator model version {pk}") from exc


@transaction.atomic
def create_version(*, actor: Actor, definition: Any, note: str = "") -> IndicatorModelVersion:
    """A new draft version of the active model's name (numbered after the last)."""
    if actor is not None:
        require(actor, Cap.MANAGE_RISK_MODELS)
    current = ensure_default()
    if isinstance(definition, dict) and isinstance(definition.get("model"), dict):
        definition = {**definition, "model": {**definition["model"], "name": current.name}}
    last = IndicatorModelVersion.objects.filter(name=current.name).aggregate(v=Max("version"))["v"]
    number = int(last or 0) + 1
    if isinstance(definition, dict) and isinstance(definition.get("model"), dict):
        definition["model"]["version"] = number
    stored = with_weights(definition)
    version = IndicatorModelVersion.objects.create(
        name=current.name,
        version=number,
        definition=stored,
        note=note[:500],
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    audit.record(actor=actor, action="create", obj=version, after={"note": version.note})
    return version


def start_compare(*, actor: Actor, version: IndicatorModelVersion) -> Job:
    """Score the province with the draft and the active version, as a job; see :func:`compare`."""
    if actor is not None:
        require(actor, Cap.MANAGE_RISK_MODELS)
    return jobs.start(
        actor=actor,
        kind=COMPARE_KIND,
        params={"version_id": version.pk},
        title=f"比较 compare {version} with the active version",
    )


def compare(version: IndicatorModelVersion, progress: Any = None) -> dict[str, Any]:
    """Colour changes from the active version to ``version`` on today's data, stored on it."""
    active = ensure_default()
    before, after = compiled(active), compiled(version)
    if progress:
        progress(5, "reading inputs")
    inputs = gather(Selection())
    colours = []
    scores = []
    for n, built in enumerate((before, after)):
        x = inputs.matrix(built.sources)
        scored = score(built.model, x)
        fired = override_kernel.apply(scored.colour, built.model.columns, x, built.overrides)
        colours.append(fired.colour)
        scores.append(scored.total)
        if progress:
            progress(40 + 30 * n, f"scored with {active if n == 0 else version}")
    changes = compare_colours(colours[0], colours[1], before.model.colours.labels)
    listed = changes.rows[:MAX_LISTED_CHANGES]
    ids = inputs.ids[listed].tolist()
    names = _names(ids)
    rows = [
        {
            "enterprise": int(inputs.ids[i]),
            "name": names.get(int(inputs.ids[i]), ""),
            "region_path": inputs.region_paths[i],
            "before": int(colours[0][i]),
            "after": int(colours[1][i]),
            "score_before": round(float(scores[0][i]), 2),
            "score_after": round(float(scores[1][i]), 2),
        }
        for i in listed.tolist()
    ]
    result = {
        "against": {"id": active.pk, "label": str(active)},
        "enterprises": int(inputs.ids.size),
        "changed": changes.changed,
        "raised": changes.raised,
        "lowered": changes.lowered,
        "transitions": changes.transitions.tolist(),
        "labels": list(changes.labels),
        "summary": [list(s) for s in changes.summary()],
        "rows": rows,
        "rows_truncated": changes.changed > len(rows),
    }
    version.comparison, version.compared_at = result, timezone.now()
    version.save(update_fields=["comparison", "compared_at"])
    return result


def _names(ids: list[int]) -> dict[int, str]:
    names: dict[int, str] = {}
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        names.update(Enterprise.objects.filter(pk__in=chunk).values_list("pk", "name"))
    return names


@transaction.atomic
def activate(*, actor: Actor, version: IndicatorModelVersion) -> Job:
    """Make ``version`` the active one (the previous is retired) and re-score everything."""
    if actor is not None:
        require(actor, Cap.MANAGE_RISK_MODELS)
    version = IndicatorModelVersion.objects.select_for_update().get(pk=version.pk)
    if version.status == ModelStatus.ACTIVE:
        raise Conflict(f"{version} is already active", code="already_active")
    build(version.definition)  # never activate something that cannot score
    previous = IndicatorModelVersion.objects.filter(status=ModelStatus.ACTIVE).first()
    if previous is not None:
        previous.status = ModelStatus.RETIRED
        previous.save(update_fields=["status"])
    version.status, version.activated_at = ModelStatus.ACTIVE, timezone.now()
    version.activated_by = actor if actor is not None and actor.is_authenticated else None
    version.save(update_fields=["status", "activated_at", "activated_by"])
    audit.record(
        actor=actor,
        action="activate",
        obj=version,
        before={"active": str(previous) if previous else None},
        after={"active": str(version)},
    )
    from yingji.risk.services.enterprises import start_assess  # noqa: PLC0415 - it imports this

    return start_assess(actor=actor, region_path="", reason=f"启用 activation of {version}")


def indicators_of(built: Compiled) -> list[tuple[Indicator, float]]:
    """Each indicator with its global weight (Σ = 1), in column order."""
    return list(zip(built.model.indicators, built.model.weights.tolist(), strict=True))


@jobs.job_kind(COMPARE_KIND, "比较模型版本 compare indicator model versions")
def run_compare(context: jobs.JobContext, version_id: int) -> dict[str, Any]:
    result = compare(get_version(version_id), progress=context.progress)
    return {key: result[key] for key in ("changed", "raised", "lowered", "enterprises")}
