"""掌上执法 services: the task state machine, who may act, findings with hostile input, hidden
hazards made from findings, completion hooks and ad-hoc tasks.

``make_task`` and ``signature_url`` are shared with the other inspection test modules.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import itertools
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from tests.enforcement.conftest import jpeg
from yingji.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from yingji.core.models import AuditEntry, Notification
from yingji.enforcement.models import (
    Conflict as ConflictOfInterest,
)
from yingji.enforcement.models import (
    ConflictReason,
    Finding,
    InspectionTask,
    TaskInspector,
    TaskState,
)
from yingji.enforcement.services import inspections
from yingji.hazards import selectors as hazard_selectors
from yingji.hazards.models import HiddenHazard, Source

_codes = itertools.count(1)


def make_task(
    item: Any,
    enterprise: Any,
    users: list[Any],
    *,
    state: str = TaskState.ASSIGNED,
    due: dt.date | None = None,
    kind: str = "random",
) -> InspectionTask:
    """A task for ``enterprise`` whose crew are the pool entries of ``users`` (first: lead)."""
    task = InspectionTask.objects.create(
        code=f"T-{next(_codes):05d}", kind=kind, item=item, enterprise=enterprise,
        region_path=enterprise.region_path, state=state,
        due_on=due or timezone.localdate() + dt.timedelta(days=30),
        started_at=timezone.now() if state != TaskState.ASSIGNED else None,
    )  # fmt: skip
    for n, user in enumerate(users):
        TaskInspector.objects.create(task=task, inspector=user.inspector, lead=n == 0)
    return task


def signature_url(seed: int = 0) -> str:
    """A PNG data URL as the signature pad sends it: a stroke on a transparent canvas."""
    image = Image.new("RGBA", (300, 120), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.line((20 + seed, 90, 120, 20 + seed, 200, 100, 280, 30), fill=(0, 0, 0, 255), width=4)
    out = io.BytesIO()
    image.save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def upload(name: str, data: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.fixture
def task(item: Any, firms: SimpleNamespace, crew: SimpleNamespace) -> InspectionTask:
    return make_task(item, firms.own, [crew.i1, crew.i2])


@pytest.fixture
def started(task: InspectionTask, crew: SimpleNamespace) -> InspectionTask:
    return inspections.start(actor=crew.i1, pk=task.pk)


def answer_all(task: InspectionTask, actor: Any, faults: tuple[str, ...] = ()) -> None:
    for point in inspections.checklist(task):
        bad = point["id"] in faults
        data = {"point_id": point["id"], "compliant": "0" if bad else "1"}
        if bad:
            data["description"] = f"检查项{point['id']}不符合要求"
        inspections.record_finding(actor=actor, pk=task.pk, data=data)


# ---------------------------------------------------------------- the state machine


def test_a_crew_member_starts_the_task_with_the_phones_position(task, crew):
    done = inspections.start(actor=crew.i2, pk=task.pk, data={"lon": "120.14", "lat": "30.26"})
    task.refresh_from_db()
    assert task.state == TaskState.IN_PROGRESS == done.state
    assert task.started_at is not None
    assert (task.start_lon, task.start_lat) == (120.14, 30.26)
    entry = AuditEntry.objects.get(action="inspection_start", object_id=str(task.pk))
    assert entry.changes["state"] == ["assigned", "in_progress"]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"lon": "181", "lat": "30"}, "lon"),
        ({"lon": "120", "lat": "-91"}, "lat"),
        ({"lon": "120.1"}, "lat"),
        ({"lon": "east", "lat": "30"}, "lon"),
        ({"lon": "nan", "lat": "30"}, "lon"),
        ({"lon": "inf", "lat": "30"}, "lon"),
        ({"lon": "1" * 5000, "lat": "30"}, "lon"),
    ],
)
def test_a_bad_position_is_refused_and_nothing_changes(task, crew, data, field):
    with pytest.raises(InvalidInput) as caught:
        inspections.start(actor=crew.i1, pk=task.pk, data=data)
    assert caught.value.field == field
    task.refresh_from_db()
    assert task.state == TaskState.ASSIGNED and task.started_at is None


def test_starting_twice_is_a_conflict_naming_what_is_allowed(started, crew):
    with pytest.raises(inspections.IllegalTransition) as caught:
        inspections.start(actor=crew.i1, pk=started.pk)
    assert caught.value.status == 409
    assert caught.value.allowed == ["complete"]  # an inspector may not cancel


def test_only_the_crew_or_the_bureau_acts(task, crew, firms):
    # Not on the task, same county: the task does not exist for them.
    with pytest.raises(NotFound):
        inspections.start(actor=crew.i3, pk=task.pk)
    with pytest.raises(NotFound):  # another county's staff
        inspections.start(actor=crew.other_county, pk=task.pk)
    with pytest.raises(NotFound):  # another enterprise
        inspections.start(actor=firms.other_manager, pk=task.pk)
    # They see it, but may not act on it.
    for reader in (firms.manager, crew.viewer):
        with pytest.raises(Forbidden):
            inspections.start(actor=reader, pk=task.pk)
    assert InspectionTask.objects.get(pk=task.pk).state == TaskState.ASSIGNED
    inspections.start(actor=crew.county, pk=task.pk)  # bureau staff of the county
    assert InspectionTask.objects.get(pk=task.pk).state == TaskState.IN_PROGRESS


def test_a_malformed_task_id_is_not_found(crew):
    for pk in ("abc", "-1", "0", 2**70, None, "1; DROP TABLE"):
        with pytest.raises(NotFound):
            inspections.start(actor=crew.i1, pk=pk)


def test_cancel_is_for_bureau_staff_with_a_reason(task, crew):
    with pytest.raises(Forbidden):
        inspections.cancel(actor=crew.i1, pk=task.pk, data={"reason": "企业已注销"})
    with pytest.raises(InvalidInput) as caught:
        inspections.cancel(actor=crew.county, pk=task.pk, data={"reason": "  "})
    assert caught.value.field == "reason"
    with pytest.raises(InvalidInput):
        inspections.cancel(actor=crew.county, pk=task.pk, data={"reason": "x" * 201})
    inspections.cancel(actor=crew.county, pk=task.pk, data={"reason": "企业已注销"})
    task.refresh_from_db()
    assert (task.state, task.cancel_reason) == (TaskState.CANCELLED, "企业已注销")
    with pytest.raises(inspections.IllegalTransition):
        inspections.start(actor=crew.i1, pk=task.pk)


# ---------------------------------------------------------------- findings


def test_a_finding_with_a_photo_and_location(started, crew):
    finding = inspections.record_finding(
        actor=crew.i1,
        pk=started.pk,
        data={"point_id": "3", "compliant": "0", "description": "报警装置未投用",
              "lon": "120.1", "lat": "30.2"},
        photos=[jpeg()],
    )  # fmt: skip
    assert finding.point_text == "可燃有毒气体检测报警装置正常投用"
    assert not finding.compliant and finding.photos.count() == 1
    assert finding.photos.get().purpose == "inspection"
    # Answered again: the answer is replaced, the photo kept, one row per point.
    again = inspections.record_finding(
        actor=crew.i2, pk=started.pk, data={"point_id": "3", "compliant": "1"}
    )
    assert again.pk == finding.pk and again.compliant and again.photos.count() == 1
    assert Finding.objects.filter(task=started).count() == 1


def pdf_named_jpg() -> SimpleUploadedFile:
    return upload("evidence.jpg", b"%PDF-1.7\n1 0 obj<<>>endobj\n%%EOF\n")


def webp() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (20, 20), (1, 2, 3)).save(out, "WEBP")
    return upload("photo.webp", out.getvalue(), "image/webp")


def twenty_megabytes() -> SimpleUploadedFile:
    return upload("huge.jpg", b"\xff\xd8\xff\xe0" + b"\0" * (20 * 1024 * 1024))


@pytest.mark.parametrize(
    ("data", "photos", "field", "code"),
    [
        ({"point_id": "99", "compliant": "1"}, [], "point_id", None),
        ({"point_id": "", "compliant": "1"}, [], "point_id", None),
        ({"point_id": "<script>", "compliant": "1"}, [], "point_id", None),
        ({"point_id": "1", "compliant": "maybe"}, [], "compliant", None),
        ({"point_id": "1"}, [], "compliant", None),
        ({"point_id": "1", "compliant": "0"}, [], "description", None),
        (
            {"point_id": "1", "compliant": "0", "description": "长" * 10_000},
            [],
            "description",
            None,
        ),
        ({"point_id": "1", "compliant": "1", "lon": "200", "lat": "30"}, [], "lon", None),
        ({"point_id": "1", "compliant": "1"}, [twenty_megabytes], "photo", "photo_too_large"),
        ({"point_id": "1", "compliant": "1"}, [pdf_named_jpg], "photo", "photo_extension"),
        ({"point_id": "1", "compliant": "1"}, [webp], "photo", "photo_type"),
        ({"point_id": "1", "compliant": "1"}, [jpeg] * 7, "photo", None),
    ],
)
def test_bad_findings_are_refused_naming_the_field(started, crew, data, photos, field, code):
    with pytest.raises(InvalidInput) as caught:
        inspections.record_finding(
            actor=crew.i1, pk=started.pk, data=data, photos=[make() for make in photos]
        )
    assert caught.value.field == field
    if code:
        assert caught.value.code == code
    assert not Finding.objects.filter(task=started).exists()


def test_a_good_photo_with_a_bad_one_stores_neither(started, crew, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    with pytest.raises(InvalidInput):
        inspections.record_finding(
            actor=crew.i1,
            pk=started.pk,
            data={"point_id": "1", "compliant": "1"},
            photos=[jpeg(), pdf_named_jpg()],
        )
    assert not Finding.objects.exists()
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]  # the good one was not written


def test_findings_wait_for_the_start(task, crew):
    with pytest.raises(Conflict) as caught:
        inspections.record_finding(
            actor=crew.i1, pk=task.pk, data={"point_id": "1", "compliant": "1"}
        )
    assert caught.value.code == "wrong_state"


# ---------------------------------------------------------------- hidden hazards


def test_a_finding_becomes_a_hidden_hazard_in_the_county_queue(started, crew, firms):
    finding = inspections.record_finding(
        actor=crew.i1,
        pk=started.pk,
        data={"point_id": "2", "compliant": "0", "description": "叉车司机无证驾驶"},
        photos=[jpeg(), jpeg("b.jpg", (10, 200, 30))],
    )
    hazard = inspections.create_hazard(
        actor=crew.i1,
        pk=started.pk,
        finding_id=finding.pk,
        data={"category": "management", "grade": "general"},
    )
    finding.refresh_from_db()
    assert finding.hazard_id == hazard.pk
    assert hazard.source == Source.INSPECTION and hazard.enterprise_id == firms.own.pk
    assert hazard.title == "特种作业人员持证上岗"
    assert hazard.description == "叉车司机无证驾驶"
    assert hazard.evidence.count() == 2
    queue = hazard_selectors.queue(crew.county, state="open")
    assert hazard in queue
    assert hazard in hazard_selectors.visible(firms.manager)  # the enterprise sees it too
    assert hazard not in hazard_selectors.visible(crew.other_county)
    with pytest.raises(Conflict):
        inspections.create_hazard(actor=crew.i1, pk=started.pk, finding_id=finding.pk, data={})
    with pytest.raises(Conflict):  # the finding stays non-compliant now
        inspections.record_finding(
            actor=crew.i1, pk=started.pk, data={"point_id": "2", "compliant": "1"}
        )


def test_no_hazard_from_a_compliant_point_or_with_bad_fields(started, crew):
    ok = inspections.record_finding(
        actor=crew.i1, pk=started.pk, data={"point_id": "1", "compliant": "1"}
    )
    with pytest.raises(InvalidInput):
        inspections.create_hazard(actor=crew.i1, pk=started.pk, finding_id=ok.pk, data={})
    bad = inspections.record_finding(
        actor=crew.i1, pk=started.pk, data={"point_id": "2", "compliant": "0", "description": "x"}
    )
    for data, field in (
        ({"category": "volcano"}, "category"),
        ({"grade": "apocalyptic"}, "grade"),
        ({"title": "t" * 101}, "title"),
    ):
        with pytest.raises(InvalidInput) as caught:
            inspections.create_hazard(actor=crew.i1, pk=started.pk, finding_id=bad.pk, data=data)
        assert caught.value.field == field
    with pytest.raises(NotFound):
        inspections.create_hazard(actor=crew.i1, pk=started.pk, finding_id=999_999, data={})
    assert not HiddenHazard.objects.exists()


def test_a_finding_of_another_task_is_not_found(started, item, firms, crew):
    other = make_task(item, firms.xihu[1], [crew.i1, crew.i3], state=TaskState.IN_PROGRESS)
    finding = inspections.record_finding(
        actor=crew.i1, pk=other.pk, data={"point_id": "1", "compliant": "0", "description": "x"}
    )
    with pytest.raises(NotFound):
        inspections.create_hazard(actor=crew.i1, pk=started.pk, finding_id=finding.pk, data={})


# ---------------------------------------------------------------- completion


@pytest.fixture
def hooks(monkeypatch):
    calls: dict[str, list[Any]] = {"published": [], "refreshed": []}
    monkeypatch.setattr(
        "yingji.enforcement.services.publication.on_task_completed",
        lambda task: calls["published"].append(task.pk),
    )
    monkeypatch.setattr(
        "yingji.enforcement.services.safety_code.refresh",
        lambda ids, *, cause="": calls["refreshed"].append((list(ids), cause)),
    )
    return calls


def test_completion_needs_every_point_and_a_consistent_outcome(started, crew, hooks):
    inspections.record_finding(
        actor=crew.i1, pk=started.pk, data={"point_id": "1", "compliant": "1"}
    )
    with pytest.raises(InvalidInput) as caught:
        inspections.complete(actor=crew.i1, pk=started.pk, data={"outcome": "no_issues"})
    assert caught.value.field == "findings" and "2, 3" in caught.value.message
    answer_all(started, crew.i1, faults=("3",))
    with pytest.raises(InvalidInput) as caught:
        inspections.complete(actor=crew.i1, pk=started.pk, data={"outcome": "no_issues"})
    assert caught.value.field == "outcome"
    with pytest.raises(InvalidInput) as caught:
        inspections.complete(actor=crew.i1, pk=started.pk, data={"outcome": "rectify"})
    assert caught.value.field == "summary"
    with pytest.raises(InvalidInput):
        inspections.complete(actor=crew.i1, pk=started.pk, data={"outcome": "shrug"})
    assert hooks == {"published": [], "refreshed": []}
    assert InspectionTask.objects.get(pk=started.pk).state == TaskState.IN_PROGRESS


def test_completion_publishes_and_refreshes_the_safety_code(started, crew, hooks):
    answer_all(started, crew.i2, faults=("1",))
    done = inspections.complete(
        actor=crew.i2,
        pk=started.pk,
        data={"outcome": "rectify", "summary": "责令限期整改", "present_person": "王经理"},
    )
    assert done.state == TaskState.COMPLETED and done.completed_at is not None
    assert (done.outcome, done.present_person) == ("rectify", "王经理")
    assert hooks["published"] == [started.pk]
    assert hooks["refreshed"] == [([started.enterprise_id], f"inspection {started.code} completed")]
    with pytest.raises(Conflict):  # findings are closed with the task
        inspections.record_finding(
            actor=crew.i1, pk=started.pk, data={"point_id": "1", "compliant": "1"}
        )


def test_all_compliant_cannot_order_rectification(started, crew, hooks):
    answer_all(started, crew.i1)
    with pytest.raises(InvalidInput):
        inspections.complete(
            actor=crew.i1, pk=started.pk, data={"outcome": "rectify", "summary": "x"}
        )
    inspections.complete(actor=crew.i1, pk=started.pk, data={"outcome": "no_issues"})
    assert hooks["published"] == [started.pk]


# ---------------------------------------------------------------- ad-hoc tasks


def ad_hoc(firms, crew, item, **extra):
    data = {
        "kind": "complaint",
        "enterprise": firms.xihu[3].pk,
        "item": item,
        "inspectors": [crew.i1.inspector.pk, crew.i2.inspector.pk],
        "due_on": (timezone.localdate() + dt.timedelta(days=10)).isoformat(),
    }
    data.update(extra)
    return data


def test_staff_open_a_complaint_task_and_the_crew_is_told(firms, crew, item):
    task = inspections.open_task(actor=crew.county, data=ad_hoc(firms, crew, item.pk))
    assert task.code.startswith(f"JB-330106-{timezone.localdate().year}-")
    assert task.region_path == firms.xihu[3].region_path
    assert list(task.crew.order_by("-lead").values_list("inspector__user", flat=True)) == [
        crew.i1.pk,
        crew.i2.pk,
    ]
    assert Notification.objects.filter(recipient=crew.i2, kind="inspection_task").exists()
    assert task in inspections.task_list(crew.i1)
    assert task not in inspections.task_list(crew.i3)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "random"}, "kind"),
        ({"inspectors": []}, "inspectors"),
        ({"inspectors": "one"}, "inspectors"),
        ({"due_on": "2001-01-01"}, "due_on"),
        ({"due_on": "tomorrow"}, "due_on"),
        ({"enterprise": "x"}, "enterprise"),
        ({"item": 10**17}, "item"),
    ],
)
def test_bad_ad_hoc_tasks_are_refused(firms, crew, item, change, field):
    data = ad_hoc(firms, crew, item.pk) | change
    with pytest.raises(InvalidInput) as caught:
        inspections.open_task(actor=crew.county, data=data)
    assert caught.value.field == field
    assert not InspectionTask.objects.exists()


def test_an_ad_hoc_crew_is_two_pool_inspectors_without_conflict(firms, crew, item):
    one = ad_hoc(firms, crew, item.pk, inspectors=[crew.i1.inspector.pk])
    same = ad_hoc(firms, crew, item.pk, inspectors=[crew.i1.inspector.pk] * 2)
    foreign = ad_hoc(
        firms, crew, item.pk,
        inspectors=[crew.i1.inspector.pk, crew.other_inspector.inspector.pk],
    )  # fmt: skip
    ConflictOfInterest.objects.create(
        inspector=crew.i2.inspector, enterprise=firms.xihu[3], reason=ConflictReason.RELATIVE
    )
    conflicted = ad_hoc(firms, crew, item.pk)
    for data, words in ((one, "2 to"), (same, "twice"), (foreign, "pool"), (conflicted, "回避")):
        with pytest.raises(InvalidInput) as caught:
            inspections.open_task(actor=crew.county, data=data)
        assert caught.value.field == "inspectors" and words in caught.value.message
    assert not InspectionTask.objects.exists()


def test_only_staff_open_tasks_and_only_in_their_county(firms, crew, item):
    with pytest.raises(Forbidden):
        inspections.open_task(actor=crew.i1, data=ad_hoc(firms, crew, item.pk))
    with pytest.raises(InvalidInput) as caught:
        inspections.open_task(
            actor=crew.county, data=ad_hoc(firms, crew, item.pk, enterprise=firms.other.pk)
        )
    assert caught.value.field == "enterprise"


# ---------------------------------------------------------------- the list


def test_each_sees_their_own_tasks_with_overdue_first(item, firms, crew):
    late = make_task(
        item, firms.xihu[2], [crew.i1, crew.i3], due=timezone.localdate() - dt.timedelta(days=1)
    )
    mine = make_task(item, firms.own, [crew.i1, crew.i2])
    other = make_task(item, firms.xihu[4], [crew.i3, crew.i4])
    assert list(inspections.task_list(crew.i1)) == [late, mine]
    assert inspections.is_overdue(late) and not inspections.is_overdue(mine)
    assert list(inspections.task_list(crew.i1, {"overdue": "1"})) == [late]
    assert set(inspections.task_list(crew.county)) == {late, mine, other}
    assert list(inspections.task_list(firms.manager)) == [mine]
    assert list(inspections.task_list(crew.other_county)) == []
    assert list(inspections.task_list(crew.county, {"inspector": crew.i4.inspector.pk})) == [other]
    for bad, field in (({"state": "dancing"}, "state"), ({"plan": "1 OR 1=1"}, "plan")):
        with pytest.raises(InvalidInput) as caught:
            list(inspections.task_list(crew.county, bad))
        assert caught.value.field == field


def test_completion_opens_the_publication_and_recomputes_the_safety_code(started, crew, on_commit):
    """The effect of the two hooks, now that the publication and credit parts exist."""
    from yingji.enforcement.models import Publication, SafetyCode, SafetyCodeChange

    answer_all(started, crew.i1)
    with on_commit(execute=True):
        inspections.complete(actor=crew.i1, pk=started.pk, data={"outcome": "no_issues"})
    publication = Publication.objects.get(task=started)
    assert publication.due_on > publication.fact_on == timezone.localdate()
    assert publication.published_at is None  # it waits for the office, 20 working days at most
    assert SafetyCode.objects.filter(enterprise=started.enterprise_id).exists()
    change = SafetyCodeChange.objects.get(enterprise=started.enterprise_id)
    assert change.cause == f"inspection {started.code} completed"
