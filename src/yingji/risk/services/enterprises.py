"""Enterprise four-colour assessment: score a selection, store the run, keep "current" in step.

A run reads every input with a handful of queries (:mod:`yingji.risk.sources`), scores all
enterprises at once in the kernel, applies the 从严从高 overrides, and writes in one
transaction one :class:`Assessment` per enterprise (history: score, colour, inputs,
contributions, overrides) and the :class:`CurrentRisk` row that maps and lists read. Nothing
is half-written: a failed run leaves the previous colours in place.

When an input of a few enterprises changes through a registry (a licence, a hazard source's
inventory, the risk facts), those enterprises are re-scored in the writing transaction, so
the risk card is right the moment the change is saved; a bulk change (an import of many rows)
queues a job for the smallest region holding all of them instead.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, Final

import numpy as np
from django.db import connection, models, transaction
from django.utils import timezone

from yingji.core import audit, bulk, jobs
from yingji.core.permissions import Cap, require
from yingji.kernels import codes
from yingji.kernels import overrides as override_kernel
from yingji.kernels.scoring import score
from yingji.registry.models.enterprise import Enterprise
from yingji.registry.models.hazard import HazardSource, HazardUnit
from yingji.risk.models import Assessment, AssessmentRun, CurrentRisk, RunStatus
from yingji.risk.services.versions import compiled, ensure_default
from yingji.risk.sources import IN_CHUNK, Selection, gather

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yingji.core.models import Job, User
    from yingji.core.registry.spec import RegistrySpec

    Actor = User | AnonymousUser | None

ASSESS_KIND: Final = "risk.assess"
# Registries whose rows feed the model: a write to any of them re-scores the enterprises.
INPUT_REGISTRIES: Final = (
    "enterprises",
    "licences",
    "trainings",
    "hazard_sources",
    "hazard_units",
    "hazard_chemicals",
    "risk_facts",
)
ASSESSMENT_COLUMNS: Final = (
    "run_id",
    "enterprise_id",
    "region_path",
    "score",
    "score_colour",
    "colour",
    "overrides",
    "inputs",
    "contributions",
    "assessed_at",
)
INLINE_LIMIT: Final = 200  # re-score inline up to this many enterprises, else queue a job
Progress = Callable[[int, str], None]


def assess(
    selection: Selection,
    *,
    reason: str,
    actor: Actor = None,
    progress: Progress | None = None,
) -> AssessmentRun:
    """Score the selected enterprises with the active model and store the run."""
    started = time.perf_counter()
    version = ensure_default()
    built = compiled(version)
    note = progress or (lambda _p, _m: None)
    note(5, "reading inputs")
    inputs = gather(selection)
    note(35, f"scoring {inputs.ids.size} enterprises")
    x = inputs.matrix(built.sources)
    scored = score(built.model, x)
    fired = override_kernel.apply(scored.colour, built.model.columns, x, built.overrides)
    note(45, "writing assessments")
    with transaction.atomic():
        run = AssessmentRun.objects.create(
            model_version=version,
            full=selection.ids is None,
            region_path=selection.region_path,
            reason=reason[:200],
            started_by=actor if actor is not None and actor.is_authenticated else None,
        )
        _write(run, ids=inputs.ids, paths=inputs.region_paths, x=x, scored=scored, fired=fired,
               note=note)  # fmt: skip
        if selection.ids is None:  # voided enterprises leave the maps
            gone = CurrentRisk.objects.filter(enterprise__voided_at__isnull=False)
            if selection.region_path:
                gone = gone.filter(**selection.range("region_path"))
            gone.delete()
        counts = np.bincount(fired.colour[fired.colour >= 0], minlength=4)
        run.status, run.finished_at = RunStatus.SUCCEEDED, timezone.now()
        run.enterprises, run.colour_counts = int(inputs.ids.size), counts.tolist()
        run.seconds = round(time.perf_counter() - started, 3)
        run.save(update_fields=["status", "finished_at", "enterprises", "colour_counts", "seconds"])
        if selection.ids is None:
            audit.record(
                actor=actor,
                action="assess",
                obj=run,
                region_path=selection.region_path,
                after={"enterprises": run.enterprises, "colours": run.colour_counts},
                message=reason[:200],
            )
    note(100, f"{run.enterprises} enterprises assessed")
    return run


def _write(
    run: AssessmentRun,
    *,
    ids: np.ndarray,
    paths: list[str],
    x: np.ndarray,
    scored: Any,
    fired: override_kernel.Fired,
    note: Progress,
) -> None:
    now = timezone.now()
    inputs = np.round(x, 4).tolist()
    contributions = np.round(scored.contributions, 4).tolist()
    for i in scored.incomplete.tolist():  # NaN is not JSON: a missing input is null
        inputs[i] = [None if math.isnan(v) else v for v in inputs[i]]
    totals = np.round(scored.total, 4).tolist()
    base, final = scored.colour.tolist(), fired.colour.tolist()
    hits: list[list[str]] = [[] for _ in range(ids.size)]
    for row, col in np.argwhere(fired.fired).tolist():
        hits[row].append(fired.keys[col])
    json = connection.ops.adapt_json_value
    when = Assessment._meta.get_field("assessed_at").get_db_prep_save(now, connection)
    rows = [
        (run.pk, int(pk), paths[i], totals[i], base[i], final[i], json(hits[i], None),
         json(inputs[i], None), json(contributions[i], None), when)
        for i, pk in enumerate(ids.tolist())
    ]  # fmt: skip
    bulk.insert_rows(Assessment, ASSESSMENT_COLUMNS, rows)
    note(75, "updating current colours")
    _make_current(run)


def _make_current(run: AssessmentRun) -> None:
    """Point each assessed enterprise's current row at this run's assessment, in SQL.

    One ``INSERT … SELECT … ON CONFLICT DO UPDATE`` (same syntax on SQLite ≥ 3.24, whose
    parser needs the SELECT's WHERE, and PostgreSQL) instead of reading 500,000 new ids back.
    """
    quote = connection.ops.quote_name
    current, source = quote(CurrentRisk._meta.db_table), quote(Assessment._meta.db_table)
    columns = ("enterprise_id", "assessment_id", "region_path", "score", "colour", "overridden",
               "assessed_at")  # fmt: skip
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns[1:])
    sql = (
        f"INSERT INTO {current} ({', '.join(columns)}) "  # noqa: S608 - quoted model names
        f"SELECT enterprise_id, id, region_path, score, colour, colour > score_colour, "
        f"assessed_at FROM {source} WHERE run_id = %s "
        f"ON CONFLICT (enterprise_id) DO UPDATE SET {updates}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [run.pk])


def start_assess(
    *, actor: Actor, region_path: str = "", reason: str = "手动评估 manual assessment"
) -> Job:
    """Queue a full run over a subtree ('' = the province) as a job with progress."""
    if actor is not None and actor.is_authenticated:
        require(actor, Cap.RUN_JOBS)
    return jobs.start(
        actor=actor,
        kind=ASSESS_KIND,
        params={"region_path": region_path, "reason": reason},
        title=f"企业风险评估 risk assessment {region_path or '33'}",
    )


def rescore(enterprise_ids: Iterable[int], *, reason: str) -> AssessmentRun | Job | None:
    """Re-score these enterprises now (a few) or queue a run over their smallest region."""
    ids = sorted({int(i) for i in enterprise_ids})
    if not ids:
        return None
    if len(ids) <= INLINE_LIMIT:
        return assess(Selection(ids=tuple(ids)), reason=reason)
    paths: list[str] = []
    for start in range(0, len(ids), IN_CHUNK):
        chunk = ids[start : start + IN_CHUNK]
        paths += Enterprise.objects.filter(pk__in=chunk).values_list("region_path", flat=True)
    return start_assess(actor=None, region_path=_common_region(paths), reason=reason)


def _common_region(paths: Sequence[str]) -> str:
    """The smallest region holding every path: a whole level prefix, '' for the province."""
    if not paths:
        return ""
    prefix = paths[0]
    for path in paths[1:]:
        while not path.startswith(prefix):
            prefix = prefix[:-1]
    lengths = [n for n in codes.SHORT_LENGTHS if n <= len(prefix)]
    return prefix[: lengths[-1]] if lengths and lengths[-1] > 2 else ""


def enterprises_of(spec: RegistrySpec, rows: Sequence[models.Model]) -> set[int]:
    """Which enterprises a registry write touches."""
    if spec.model is Enterprise:
        return {int(r.pk) for r in rows}
    if spec.model is HazardUnit:
        sources = {r.source_id for r in rows}  # type: ignore[attr-defined]
        return set(
            HazardSource.objects.filter(pk__in=sources).values_list("enterprise_id", flat=True)
        )
    if spec.name == "hazard_chemicals":
        units = {r.unit_id for r in rows}  # type: ignore[attr-defined]
        return set(
            HazardUnit.objects.filter(pk__in=units).values_list("source__enterprise_id", flat=True)
        )
    return {int(r.enterprise_id) for r in rows}  # type: ignore[attr-defined]


CODE_REFRESH_LIMIT = 1000  # past this, a bulk import's codes follow with the daily sweep


def rescore_written(spec: RegistrySpec, rows: Sequence[models.Model]) -> None:
    """Registry write listener: the enterprises whose inputs just changed are re-scored, and
    their credit and 安全码 (licences, insurance, colour) recomputed once committed."""
    from yingji.enforcement.services import safety_code  # noqa: PLC0415 - the link's other end

    ids = enterprises_of(spec, rows)
    rescore(ids, reason=f"{spec.title} 变更 changed")
    if len(ids) <= CODE_REFRESH_LIMIT:
        safety_code.refresh(ids, cause=f"{spec.title} 变更 changed")


@jobs.job_kind(ASSESS_KIND, "企业风险评估 enterprise risk assessment")
def run_assess(context: jobs.JobContext, region_path: str = "", reason: str = "") -> dict[str, Any]:
    run = assess(
        Selection(region_path=region_path),
        reason=reason or "job",
        actor=context.job.created_by,
        progress=context.progress,
    )
    return {"run": run.pk, "enterprises": run.enterprises, "colours": run.colour_counts}
