"""双随机 draws at the service level (issue 9, done means 1): a fixed seed gives the same
entities and inspectors, conflicts are honoured, every entity gets ≥ 2 inspectors, key
colours are drawn in full, the share is ≥ 5 % rounded up, a plan is drawn once, voiding and
redrawing are linked, and verification catches tampering with the stored inputs."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pytest
from django.utils import timezone

from yingji.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from yingji.core.models import AuditEntry
from yingji.enforcement.models import (
    Conflict as Declared,
)
from yingji.enforcement.models import (
    DrawnEntity,
    DrawPlan,
    InspectionTask,
    Inspector,
    PlanState,
    TaskInspector,
    TaskState,
)
from yingji.enforcement.services import draw_pool, draw_verify, draws
from yingji.kernels import draws as kernel
from yingji.risk import services as risk_services
from yingji.risk.models import CurrentRisk
from yingji.risk.sources import Selection

pytestmark = pytest.mark.django_db


def paint(firms: list[Any], colour: int) -> None:
    """Give enterprises a current risk colour (0 blue … 3 red) through a real assessment."""
    ids = tuple(f.pk for f in firms)
    if CurrentRisk.objects.filter(enterprise_id__in=ids).count() != len(ids):
        risk_services.enterprises.assess(Selection(ids=ids), reason="test")
    CurrentRisk.objects.filter(enterprise_id__in=ids).update(colour=colour)


def new_plan(actor: Any, item: Any, /, **extra: Any) -> DrawPlan:
    today = timezone.localdate()
    data = {
        "title": "2026年西湖区危化企业双随机抽查",
        "item": item.pk,
        "region": "330106",
        "starts_on": today.isoformat(),
        "due_on": (today + dt.timedelta(days=60)).isoformat(),
    }
    data.update(extra)
    return draws.create_plan(actor=actor, data=data)


@pytest.fixture
def coloured(firms: Any) -> Any:
    """西湖区: 2 red, 1 orange, 17 blue (the other county's one is left as it is)."""
    paint(firms.xihu[2:], 0)
    paint(firms.xihu[:2], 3)
    paint(firms.xihu[2:3], 2)
    return firms


def crews(plan: DrawPlan) -> dict[int, set[int]]:
    out: dict[int, set[int]] = {}
    for task_enterprise, person in TaskInspector.objects.filter(task__plan=plan).values_list(
        "task__enterprise_id", "inspector_id"
    ):
        out.setdefault(task_enterprise, set()).add(person)
    return out


def test_same_seed_same_result_and_verify_says_identical(crew, item, coloured):
    first = new_plan(crew.county, item)
    draws.draw(actor=crew.county, pk=first.pk, seed="fixed-seed-2026")
    first.refresh_from_db()
    again = kernel.draw(
        first.inputs["entities"],
        first.inputs["inspectors"],
        seed="fixed-seed-2026",
        **{k: first.inputs[k] for k in ("key", "conflicts", "share", "per_entity")},
    )
    drawn = set(DrawnEntity.objects.filter(plan=first).values_list("enterprise_id", flat=True))
    assert drawn == {int(e) for e in again.entities}
    assert crews(first) == {int(e): {int(p) for p in c} for e, c in again.assignments.items()}
    assert first.fingerprint == again.fingerprint
    # A second plan with the same inputs and seed draws the very same entities and crews.
    second = new_plan(crew.county, item, title="same inputs")
    draws.draw(actor=crew.county, pk=second.pk, seed="fixed-seed-2026")
    second.refresh_from_db()
    assert second.fingerprint == first.fingerprint
    assert crews(second) == crews(first)
    result = draw_verify.verify(crew.county, first.pk)
    assert result.identical and result.differences == []
    assert result.fingerprint_recomputed == first.fingerprint


def test_key_colours_in_full_and_share_rounded_up(crew, item, coloured):
    plan = new_plan(crew.county, item, share=0.05)
    draws.draw(actor=crew.county, pk=plan.pk)
    rows = dict(DrawnEntity.objects.filter(plan=plan).values_list("enterprise_id", "key"))
    key_ids = {f.pk for f in coloured.xihu[:3]}
    assert {pk for pk, key in rows.items() if key} == key_ids  # red and orange, all of them
    assert sum(1 for key in rows.values() if not key) == math.ceil(0.05 * 17) == 1
    tasks = InspectionTask.objects.filter(plan=plan)
    assert tasks.count() == len(rows) == 4
    assert {t.kind for t in tasks if t.enterprise_id in key_ids} == {"key"}
    assert all(t.due_on == plan.due_on and t.code.startswith("JC-330106-") for t in tasks)
    assert all(len(c) >= 2 for c in crews(plan).values())
    leads = TaskInspector.objects.filter(task__plan=plan, lead=True)
    assert leads.count() == 4  # exactly one lead per task
    preview = draw_pool.preview(crew.county, plan.pk)  # a drawn plan previews what it froze
    assert (preview.key_count, preview.non_key, preview.sample) == (3, 17, 1)


def test_share_of_a_third_and_yellow_as_key(crew, item, coloured):
    paint(coloured.xihu[3:5], 1)
    plan = new_plan(crew.county, item, share="34%", key_colours=["red", "yellow"])
    assert plan.share == pytest.approx(0.34) and plan.key_colours == "red,yellow"
    preview = draw_pool.preview(crew.county, plan.pk)
    assert preview.key_count == 4 and preview.non_key == 16
    assert preview.sample == math.ceil(0.34 * 16) == 6
    draws.draw(actor=crew.county, pk=plan.pk)
    assert DrawnEntity.objects.filter(plan=plan, key=False).count() == 6


def test_no_inspector_is_drawn_for_a_declared_conflict(crew, item, coloured):
    people = list(Inspector.objects.filter(region_path="330106").order_by("pk"))
    target = coloured.xihu[0]  # red: drawn in full
    for person in people[:2]:
        Declared.objects.create(inspector=person, enterprise=target, reason="relative")
    plan = new_plan(crew.county, item)
    draws.draw(actor=crew.county, pk=plan.pk, seed="any")
    crew_of_target = crews(plan)[target.pk]
    assert crew_of_target == {people[2].pk, people[3].pk}
    plan.refresh_from_db()
    assert plan.inputs["conflicts"] == {str(p.pk): [str(target.pk)] for p in people[:2]}


def test_an_entity_short_of_inspectors_refuses_the_draw_naming_it(crew, item, coloured):
    people = list(Inspector.objects.filter(region_path="330106"))
    target = coloured.xihu[1]
    for person in people[:3]:
        Declared.objects.create(inspector=person, enterprise=target, reason="interest", note="x")
    plan = new_plan(crew.county, item)
    preview = draw_pool.preview(crew.county, plan.pk)
    assert [e.pk for e in preview.short_key] == [target.pk] and preview.problems
    with pytest.raises(Conflict) as refused:
        draws.draw(actor=crew.county, pk=plan.pk, seed="s")
    assert refused.value.code == "unstaffed" and target.name in refused.value.message
    plan.refresh_from_db()
    assert plan.state == PlanState.DRAFT and not plan.seed
    assert not InspectionTask.objects.filter(plan=plan).exists()
    assert AuditEntry.objects.filter(action="draw_refused", object_id=str(plan.pk)).exists()


def test_too_few_inspectors_in_the_region(crew, item, coloured):
    Inspector.objects.filter(region_path="330106").exclude(user=crew.i1).update(active=False)
    plan = new_plan(crew.county, item)
    with pytest.raises(Conflict) as refused:
        draws.draw(actor=crew.county, pk=plan.pk)
    assert refused.value.code == "not_drawable" and "1 active inspectors" in refused.value.message


def test_a_plan_is_drawn_once_and_redone_only_by_void_and_replace(crew, item, coloured):
    plan = new_plan(crew.county, item)
    draws.draw(actor=crew.county, pk=plan.pk, seed="one")
    with pytest.raises(Conflict) as twice:
        draws.draw(actor=crew.county, pk=plan.pk, seed="two")
    assert twice.value.code == "already_drawn"
    with pytest.raises(InvalidInput) as not_void:
        new_plan(crew.county, item, replaces=plan.pk)
    assert not_void.value.field == "replaces"
    with pytest.raises(InvalidInput):
        draws.void_plan(actor=crew.county, pk=plan.pk, reason="   ")
    draws.void_plan(actor=crew.county, pk=plan.pk, reason="企业名录更新后重新抽取")
    plan.refresh_from_db()
    assert plan.state == PlanState.VOID and plan.void_reason == "企业名录更新后重新抽取"
    tasks = InspectionTask.objects.filter(plan=plan)
    assert {t.state for t in tasks} == {TaskState.CANCELLED}
    assert {t.cancel_reason for t in tasks} == {"企业名录更新后重新抽取"}
    with pytest.raises(Conflict):
        draws.draw(actor=crew.county, pk=plan.pk)
    redo = new_plan(crew.county, item, replaces=plan.pk)
    assert redo.replaces_id == plan.pk and plan.replaced_by == redo
    with pytest.raises(InvalidInput):  # one replacement per voided plan
        new_plan(crew.county, item, replaces=plan.pk)
    assert AuditEntry.objects.filter(action="void", object_id=str(plan.pk)).exists()
    assert draw_verify.verify(crew.county, plan.pk).identical  # a voided draw still verifies


def test_a_started_task_blocks_voiding(crew, item, coloured):
    plan = new_plan(crew.county, item)
    draws.draw(actor=crew.county, pk=plan.pk)
    task = InspectionTask.objects.filter(plan=plan).first()
    InspectionTask.objects.filter(pk=task.pk).update(state=TaskState.IN_PROGRESS)
    with pytest.raises(Conflict) as blocked:
        draws.void_plan(actor=crew.county, pk=plan.pk, reason="redo")
    assert blocked.value.code == "tasks_started" and task.code in blocked.value.message
    assert DrawPlan.objects.get(pk=plan.pk).state == PlanState.DRAWN


@pytest.mark.parametrize("tamper", ["drop_entity", "drop_conflict", "seed", "crew", "share"])
def test_tampering_with_the_record_shows_in_verify(crew, item, coloured, tamper):
    plan = new_plan(crew.county, item)
    draws.draw(actor=crew.county, pk=plan.pk, seed="tamper")
    plan.refresh_from_db()
    inputs = dict(plan.inputs)
    if tamper == "drop_entity":
        drawn = set(DrawnEntity.objects.filter(plan=plan).values_list("enterprise_id", flat=True))
        spare = next(e for e in inputs["entities"] if int(e) not in drawn)
        inputs["entities"] = [e for e in inputs["entities"] if e != spare]
        DrawPlan.objects.filter(pk=plan.pk).update(inputs=inputs)
    elif tamper == "drop_conflict":
        inputs["conflicts"] = {inputs["inspectors"][0]: [inputs["entities"][0]]}
        DrawPlan.objects.filter(pk=plan.pk).update(inputs=inputs)
    elif tamper == "seed":
        DrawPlan.objects.filter(pk=plan.pk).update(seed="another")
    elif tamper == "share":
        inputs["share"] = 0.5
        DrawPlan.objects.filter(pk=plan.pk).update(inputs=inputs)
    else:
        member = TaskInspector.objects.filter(task__plan=plan).first()
        outsider = Inspector.objects.exclude(
            pk__in=TaskInspector.objects.filter(task=member.task_id).values("inspector_id")
        ).first()
        TaskInspector.objects.filter(pk=member.pk).update(inspector=outsider)
    result = draw_verify.verify(crew.county, plan.pk)
    assert not result.identical and result.differences
    if tamper in ("drop_entity", "drop_conflict", "share"):
        assert "fingerprint" in result.differences[0]


def test_malformed_stored_inputs_are_reported_not_crashed(crew, item, coloured):
    plan = new_plan(crew.county, item)
    draws.draw(actor=crew.county, pk=plan.pk)
    DrawPlan.objects.filter(pk=plan.pk).update(inputs={"entities": "oops"})
    result = draw_verify.verify(crew.county, plan.pk)
    assert not result.identical and "cannot be re-run" in result.differences[0]


def test_the_evidence_file_re_runs_offline(crew, item, coloured):
    plan = new_plan(crew.county, item)
    draws.draw(actor=crew.county, pk=plan.pk, seed="offline")
    _plan, doc = draw_verify.document(crew.viewer, plan.pk)
    namespace: dict[str, Any] = {}
    recipe = (
        doc["recipe"]
        .replace("doc = json.load(open(", "doc = DOC  # (")
        .replace("i = doc", "i = DOC")
    )
    exec(compile(recipe.replace("doc[", "DOC["), "recipe", "exec"), {"DOC": doc}, namespace)  # noqa: S102
    assert doc["kernel"] == "yingji.kernels.draws.draw" and doc["seed"] == "offline"


def test_scoping_of_plans(crew, item, coloured, firms):
    plan = new_plan(crew.county, item)
    with pytest.raises(NotFound):
        draws.get_plan(crew.other_county, plan.pk)
    with pytest.raises(NotFound):
        draws.draw(actor=crew.other_county, pk=plan.pk)
    with pytest.raises(NotFound):
        draw_verify.verify(crew.other_county, plan.pk)
    assert draws.get_plan(crew.city, plan.pk) == plan  # the city sees its counties' plans
    assert not draws.search(firms.manager).exists()  # an enterprise user sees no plans
    with pytest.raises(Forbidden):
        draws.draw(actor=crew.viewer, pk=plan.pk)
    with pytest.raises(Forbidden):
        new_plan(crew.i1, item)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("share", 1e308),
        ("share", -0.5),
        ("share", 0.049),
        ("share", "NaN"),
        ("share", "abc"),
        ("share", True),
        ("per_entity", 1),
        ("per_entity", "-2"),
        ("per_entity", 99),
        ("per_entity", "2; DROP TABLE"),
        ("title", "x" * 10_000),
        ("title", ""),
        ("item", 999_999),
        ("item", "1 OR 1=1"),
        ("region", "330108"),
        ("region", "x'--"),
        ("key_colours", ["purple"]),
        ("starts_on", "2026-13-40"),
        ("due_on", "1999-01-01"),
        ("filters", {"colours": ["black"]}),
        ("filters", {"evil": 1}),
        ("filters", "text"),
        ("filters", {"industries": ["Z99"]}),
        ("replaces", "abc"),
    ],
)
def test_hostile_plan_input_names_the_field_and_changes_nothing(crew, item, field, value):
    before = DrawPlan.objects.count()
    with pytest.raises(InvalidInput) as refused:
        new_plan(crew.county, item, **{field: value})
    assert refused.value.field in (field, "colours", "evil", "industries")
    assert DrawPlan.objects.count() == before


@pytest.mark.parametrize("seed", ["x" * 65, "tab\there", "nul\x00"])
def test_hostile_seed(crew, item, coloured, seed):
    plan = new_plan(crew.county, item)
    with pytest.raises(InvalidInput) as refused:
        draws.draw(actor=crew.county, pk=plan.pk, seed=seed)
    assert refused.value.field == "seed"
    assert DrawPlan.objects.get(pk=plan.pk).state == PlanState.DRAFT


def test_inactive_or_void_item_cannot_start_a_plan(crew, item):
    item.active = False
    item.save()
    with pytest.raises(InvalidInput) as refused:
        new_plan(crew.county, item)
    assert refused.value.field == "item"


def test_an_item_of_another_county_does_not_apply(crew, item, make_user):
    from yingji.enforcement.services import lists

    bj = lists.create_item(
        actor=crew.other_county,
        data={
            "code": "BJ-001",
            "name": "滨江区专项",
            "legal_basis": "《安全生产法》第六十五条",
            "region": "330108",
            "checklist": [{"id": "1", "text": "检查"}],
        },
    )
    with pytest.raises(InvalidInput) as refused:  # not visible to 西湖区 at all
        new_plan(crew.county, bj)
    assert refused.value.field == "item"
    with pytest.raises(InvalidInput) as refused:  # the city sees it, but it applies in 滨江 only
        new_plan(crew.city, bj, region="330106")
    assert refused.value.field == "item"


def test_pool_filters_and_counts(crew, item, coloured):
    query = draw_pool.pool_for(crew.county, item=item.pk, filters={"colours": ["red", "orange"]})
    assert query.entities.count() == 3
    counts = draw_pool.colour_counts(draw_pool.pool_for(crew.county, item=item.pk).entities)
    assert counts == {"red": 2, "orange": 1, "yellow": 0, "blue": 17, "none": 0, "total": 20}
    coloured.xihu[5].hazchem_role = "none"
    coloured.xihu[5].save()
    item.hazchem_only = True
    item.save()
    assert draw_pool.pool_for(crew.county, item=item.pk).entities.count() == 19
    item.industries = "C26"
    item.save()
    assert draw_pool.pool_for(crew.county, item=item.pk).entities.count() == 0  # all are C3311
    with pytest.raises(InvalidInput):
        draw_pool.pool_for(crew.county, item=item.pk, region="330108")
