"""The inspection demo loader: on the demo draw plan it completes two tasks through the
services (one with a fault, a hidden hazard and a signed rectification order), once."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tests.enforcement.conftest import region
from tests.enforcement.test_inspection_services import make_task
from yingji.enforcement import demo_inspection
from yingji.enforcement.models import (
    DocumentKind,
    DrawPlan,
    EnforcementDocument,
    InspectionTask,
    PlanState,
    TaskState,
)
from yingji.hazards.models import HiddenHazard


def test_nothing_without_a_demo_plan(db):
    assert demo_inspection.load() == {
        "tasks_completed": 0, "findings": 0, "hazards": 0, "documents": 0,
    }  # fmt: skip


def test_two_demo_tasks_done_once(item, firms, crew, monkeypatch, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    today = timezone.localdate()
    plan = DrawPlan.objects.create(
        code="DEMO-1", title="示范抽查", item=item, region=region("330106"), share=0.05,
        starts_on=today, due_on=today + dt.timedelta(days=30), state=PlanState.DRAWN,
        synthetic=True,
    )  # fmt: skip
    tasks = [make_task(item, firms.xihu[n], [crew.i1, crew.i2]) for n in range(3)]
    theirs = make_task(item, firms.xihu[3], [crew.i3, crew.i4])
    InspectionTask.objects.filter(pk__in=[t.pk for t in [*tasks, theirs]]).update(
        plan=plan, synthetic=True
    )
    monkeypatch.setattr(demo_inspection, "DEMO_INSPECTOR", crew.i3.username)
    counts = demo_inspection.load()
    assert counts == {"tasks_completed": 2, "findings": 6, "hazards": 1, "documents": 3}
    done = InspectionTask.objects.filter(state=TaskState.COMPLETED).order_by("code")
    assert theirs in done  # the demo inspector's task comes first
    order = EnforcementDocument.objects.get(kind=DocumentKind.RECTIFICATION_ORDER)
    assert order.task_id == theirs.pk and order.signatures.count() == 3
    assert HiddenHazard.objects.get().synthetic
    assert InspectionTask.objects.filter(state=TaskState.ASSIGNED).count() == 2
    assert demo_inspection.load()["tasks_completed"] == 0
    assert EnforcementDocument.objects.count() == 3
