"""Indicator model versions: the default is consistent AHP; bad versions are refused with the
reason; a new version is compared on today's data and activating it re-scores."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from yingji.core.errors import Conflict, Forbidden, InvalidInput
from yingji.core.models import JobStatus
from yingji.core.worker import run as run_worker
from yingji.kernels.weights import CR_LIMIT
from yingji.risk.defaults import default_definition
from yingji.risk.models import AssessmentRun, CurrentRisk, IndicatorModelVersion, ModelStatus
from yingji.risk.services import enterprises as assessing
from yingji.risk.services import versions
from yingji.risk.sources import Selection

pytestmark = pytest.mark.django_db


def test_default_model_is_consistent_and_weights_sum_to_one():
    built = versions.build(default_definition())
    assert set(built.ahp) == {"root", "inherent", "dynamic", "management"}
    assert all(result.cr < CR_LIMIT for result in built.ahp.values())
    assert built.model.weights.sum() == pytest.approx(1.0)
    # The dynamic group weighs most (判断: 动态风险 > 固有风险 > 管理水平) and open majors lead it.
    weights = dict(zip(built.model.columns, built.model.weights, strict=True))
    assert max(weights, key=weights.get) == "open_major_hazards"
    assert {o.key for o in built.overrides} >= {"open_major_hazard", "grade1_source"}


def test_ensure_default_creates_one_active_version_once():
    first = versions.ensure_default()
    assert first.status == ModelStatus.ACTIVE and first.version == 1
    assert versions.ensure_default() == first
    assert IndicatorModelVersion.objects.count() == 1


def inconsistent():
    definition = copy.deepcopy(default_definition())
    # 固有风险 ≫ 动态风险, 动态风险 ≫ 管理水平, yet 管理水平 ≫ 固有风险: a circle.
    definition["pairwise"]["root"] = [["1", "9", "1/9"], ["1/9", "1", "9"], ["9", "1/9", "1"]]
    return definition


def test_inconsistent_judgements_are_refused_with_cr_and_nothing_is_created(manager):
    versions.ensure_default()
    with pytest.raises(InvalidInput) as caught:
        versions.create_version(actor=manager, definition=inconsistent(), note="bad")
    message = caught.value.message
    assert "CR" in message and "Revisit first" in message and "风险" in message
    assert IndicatorModelVersion.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (
            lambda d: d["model"]["root"]["children"][0]["children"][0].update(source="nowhere"),
            "unknown source",
        ),
        (
            lambda d: d["model"]["root"]["children"][0]["children"][0].update(bounds=None),
            "fixed bounds",
        ),
        (lambda d: d["overrides"][0]["clauses"][0].update(column="nothing"), "not an indicator"),
        (lambda d: d["pairwise"].update(inherent=[["1", "2"], ["1/2", "1"]]), "4×4"),
        (lambda d: d["pairwise"]["root"][0].__setitem__(1, "x/y"), "not a number"),
        (lambda d: d.pop("model"), "definition"),
    ],
)
def test_malformed_definitions_say_what_is_wrong(manager, change, words):
    definition = copy.deepcopy(default_definition())
    change(definition)
    with pytest.raises(InvalidInput) as caught:
        versions.create_version(actor=manager, definition=definition)
    assert words in caught.value.message


def test_only_model_managers_create_versions(xihu_staff):
    with pytest.raises(Forbidden):
        versions.create_version(actor=xihu_staff, definition=default_definition())


def heavier_hazards():
    """Version 2: open general hidden hazards count three times as much in 动态风险."""
    definition = copy.deepcopy(default_definition())
    dynamic = definition["pairwise"]["dynamic"]
    dynamic[0][1], dynamic[1][0] = "1/2", "2"  # 重大隐患 vs 一般隐患: now half as important
    definition["model"]["colours"]["thresholds"] = [12.0, 18.0, 24.0]
    return definition


def test_compare_lists_colour_changes_and_activation_rescores(manager, make_enterprise, on_commit):
    many_hazards = [make_enterprise(facts={"open_hazards": 10, "alarms_30d": 20}) for _ in range(3)]
    quiet = make_enterprise()
    assessing.assess(Selection(), reason="v1")
    before = {e.pk: CurrentRisk.objects.get(enterprise=e).colour for e in many_hazards}
    draft = versions.create_version(actor=manager, definition=heavier_hazards(), note="隐患加权")
    assert draft.version == 2 and draft.status == ModelStatus.DRAFT

    result = versions.compare(draft)
    draft.refresh_from_db()
    assert draft.comparison == result
    assert result["changed"] == 3 and result["raised"] == 3
    assert {row["enterprise"] for row in result["rows"]} == {e.pk for e in many_hazards}
    assert np.asarray(result["transitions"]).sum() == 4
    assert quiet.pk not in {row["enterprise"] for row in result["rows"]}

    with on_commit(execute=True):
        job = versions.activate(actor=manager, version=draft)
    run_worker(batch=True, interval=0)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert IndicatorModelVersion.objects.get(version=1).status == ModelStatus.RETIRED
    assert IndicatorModelVersion.objects.get(version=2).status == ModelStatus.ACTIVE
    after = {e.pk: CurrentRisk.objects.get(enterprise=e).colour for e in many_hazards}
    assert all(after[pk] > before[pk] for pk in before)
    assert AssessmentRun.objects.latest("started_at").model_version == draft
    with pytest.raises(Conflict):
        versions.activate(actor=manager, version=draft)
