"""Demo inspections (synthetic): two tasks of the demo draw plan carried out as an inspector
would on a phone, through the same services.

The first (one of ``xihu_inspector``'s if the draw gave them one) finds its last check point
not compliant: a photo, a hidden hazard for the county's queue, a 现场检查记录 and a
责令限期整改指令书 signed with synthetic signatures. The second finds nothing wrong. The
other tasks stay open for people trying the demo. Loading again changes nothing.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import random
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import QuerySet
from django.utils import timezone
from PIL import Image, ImageDraw

from yingji.core.errors import DomainError
from yingji.enforcement.models import (
    DocumentKind,
    DrawPlan,
    EnforcementDocument,
    InspectionTask,
    PlanState,
    TaskState,
)
from yingji.enforcement.services import documents, inspections
from yingji.hazards.models import Category

DEMO_INSPECTOR = "xihu_inspector"
RECTIFY_DAYS = 15


def load() -> dict[str, int]:
    plan = DrawPlan.objects.filter(synthetic=True, state=PlanState.DRAWN).order_by("pk").first()
    counts = {"tasks_completed": 0, "findings": 0, "hazards": 0, "documents": 0}
    if plan is None:
        return counts  # the draw demo made no plan: nothing to inspect
    tasks = plan.tasks.filter(synthetic=True).select_related("item", "enterprise")
    if EnforcementDocument.objects.filter(task__in=tasks).exists():
        return counts  # loaded before
    chosen = _pick(tasks.filter(state=TaskState.ASSIGNED))
    for n, task in enumerate(chosen):
        if inspections.checklist(task):
            _inspect(task, faulty=n == 0, counts=counts)
    return counts


def _pick(open_tasks: QuerySet[InspectionTask]) -> list[InspectionTask]:
    """One of the demo inspector's tasks first (if any), then the next task of the plan."""
    ordered = list(open_tasks.order_by("code")[:200])
    theirs = [t for t in ordered if t.crew.filter(inspector__user__username=DEMO_INSPECTOR)]
    first = theirs[0] if theirs else (ordered[0] if ordered else None)
    rest = [t for t in ordered if t != first]
    return [t for t in (first, rest[0] if rest else None) if t is not None]


def _inspect(task: InspectionTask, *, faulty: bool, counts: dict[str, int]) -> None:
    lead = task.crew.select_related("inspector__user").order_by("-lead", "pk").first()
    if lead is None:
        return
    actor = lead.inspector.user
    where = {"lon": task.enterprise.lon or "", "lat": task.enterprise.lat or ""}
    inspections.start(actor=actor, pk=task.pk, data=where)
    points = inspections.checklist(task)
    for point in points:
        bad = faulty and point is points[-1]
        data = {"point_id": point["id"], "compliant": "0" if bad else "1", **where}
        photos = []
        if bad:
            data["description"] = f"现场检查发现：{point['text']}不符合要求（示范数据）"
            photos = [_photo(task.pk)]
        finding = inspections.record_finding(actor=actor, pk=task.pk, data=data, photos=photos)
        counts["findings"] += 1
        if bad:
            try:
                inspections.create_hazard(
                    actor=actor,
                    pk=task.pk,
                    finding_id=finding.pk,
                    data={"category": _category(task), "grade": "general"},
                )
                counts["hazards"] += 1
            except DomainError:
                pass  # the crew's jurisdiction does not reach the enterprise: no hazard
    person = task.enterprise.safety_manager or "现场负责人"
    kinds = [DocumentKind.SITE_RECORD] + ([DocumentKind.RECTIFICATION_ORDER] if faulty else [])
    for kind in kinds:
        data = {"present_person": person}
        if kind == DocumentKind.RECTIFICATION_ORDER:
            due = timezone.localdate() + dt.timedelta(days=RECTIFY_DAYS)
            data["rectify_by"] = due.isoformat()
        documents.issue(
            actor=actor, pk=task.pk, kind=kind, data=data, signatures=_signatures(task, person)
        )
        counts["documents"] += 1
    outcome = {"outcome": "rectify", "summary": "发现问题1项，已下达责令限期整改指令书。"}
    inspections.complete(
        actor=actor,
        pk=task.pk,
        data={**(outcome if faulty else {"outcome": "no_issues"}), "present_person": person},
    )
    counts["tasks_completed"] += 1


def _category(task: InspectionTask) -> str:
    return Category.HAZCHEM if task.item.hazchem_only else Category.MANAGEMENT


def _photo(seed: int) -> SimpleUploadedFile:
    """A synthetic scene: a wall, a red cabinet and a grey pipe."""
    rng = random.Random(seed)
    image = Image.new("RGB", (960, 720), (200 + rng.randint(0, 30), 196, 184))
    draw = ImageDraw.Draw(image)
    draw.rectangle((360, 180, 620, 620), fill=(176, 38, 30), outline=(60, 20, 20), width=6)
    draw.line((0, 120, 960, 160 + rng.randint(0, 60)), fill=(110, 110, 110), width=28)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return SimpleUploadedFile("demo-finding.jpg", out.getvalue(), content_type="image/jpeg")


def _signature(name: str) -> str:
    """A synthetic signature: a seeded scrawl, as a signature pad would send it."""
    rng = random.Random(name)
    image = Image.new("RGBA", (360, 120), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    x, points = 20, []
    while x < 330:
        points.append((x, rng.randint(30, 95)))
        x += rng.randint(12, 30)
    draw.line(points, fill=(20, 20, 60, 255), width=4, joint="curve")
    out = io.BytesIO()
    image.save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def _signatures(task: InspectionTask, person: str) -> list[dict[str, Any]]:
    crew = inspections.crew(task)[:2]
    signed = [
        {"role": documents.INSPECTOR, "name": name, "image": _signature(name)}
        for name in (c.inspector.name for c in crew)
    ]
    return [*signed, {"role": documents.ENTERPRISE, "name": person, "image": _signature(person)}]
