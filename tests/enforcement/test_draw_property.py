"""Property test of 双随机 through the service (issue 9, done means 1), over random pools:
random risk colours, random declared conflicts, share, inspectors per entity and seed.

Whatever the pool: a draw either is refused naming entities that truly lack eligible
inspectors, or every task has exactly ``per_entity`` (≥ 2) distinct inspectors, none with a
declared conflict with that enterprise; every key entity is drawn and ⌈share × others⌉ of
the others; and re-running from the record gives the identical result.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yingji.core.errors import Conflict
from yingji.enforcement.models import Conflict as Declared
from yingji.enforcement.models import DrawnEntity, InspectionTask, Inspector, TaskInspector
from yingji.enforcement.services import draw_verify, draws
from yingji.risk import services as risk_services
from yingji.risk.models import CurrentRisk
from yingji.risk.sources import Selection

pytestmark = pytest.mark.django_db

KEY = {3, 2}  # the item's key colours: red, orange


@pytest.fixture
def world(crew: Any, item: Any, firms: Any) -> Any:
    risk_services.enterprises.assess(Selection(ids=tuple(f.pk for f in firms.xihu)), reason="t")
    people = list(Inspector.objects.filter(region_path="330106").order_by("pk"))
    return crew, item, firms.xihu, people


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    colours=st.lists(st.sampled_from([0, 1, 2, 3]), min_size=20, max_size=20),
    barred=st.sets(st.tuples(st.integers(0, 3), st.integers(0, 19)), max_size=25),
    share=st.floats(0.05, 1.0, allow_nan=False),
    per_entity=st.integers(2, 3),
    seed=st.text(st.characters(categories=("L", "N", "P", "S")), min_size=1, max_size=12),
)
def test_random_pools(world, colours, barred, share, per_entity, seed):
    crew, item, firms, people = world
    with transaction.atomic():
        for firm, colour in zip(firms, colours, strict=True):
            CurrentRisk.objects.filter(enterprise=firm).update(colour=colour)
        Declared.objects.bulk_create(
            Declared(inspector=people[p], enterprise=firms[f], reason="relative") for p, f in barred
        )
        today = timezone.localdate()
        plan = draws.create_plan(
            actor=crew.county,
            data={
                "title": "property",
                "item": item.pk,
                "region": "330106",
                "share": share,
                "per_entity": per_entity,
                "starts_on": today,
                "due_on": today + dt.timedelta(days=30),
            },
        )
        conflicts = {(people[p].pk, firms[f].pk) for p, f in barred}
        refused: Conflict | None = None
        try:
            draws.draw(actor=crew.county, pk=plan.pk, seed=seed)
        except Conflict as exc:
            refused = exc
        if refused is not None:
            assert refused.code == "unstaffed"
            short = [f for f in firms if f.name in refused.message]
            assert short
            for firm in short:
                eligible = [p for p in people if (p.pk, firm.pk) not in conflicts]
                assert len(eligible) < per_entity
            transaction.set_rollback(True)
            return
        key = {f.pk for f, c in zip(firms, colours, strict=True) if c in KEY}
        drawn = dict(DrawnEntity.objects.filter(plan=plan).values_list("enterprise_id", "key"))
        assert {pk for pk, k in drawn.items() if k} == key
        assert sum(1 for k in drawn.values() if not k) == math.ceil(share * (20 - len(key)) - 1e-9)
        assert InspectionTask.objects.filter(plan=plan).count() == len(drawn)
        for task in InspectionTask.objects.filter(plan=plan):
            crew_ids = list(
                TaskInspector.objects.filter(task=task).values_list("inspector_id", flat=True)
            )
            assert len(crew_ids) == len(set(crew_ids)) == per_entity >= 2
            assert not any((p, task.enterprise_id) in conflicts for p in crew_ids)
        assert draw_verify.verify(crew.county, plan.pk).identical
        transaction.set_rollback(True)
