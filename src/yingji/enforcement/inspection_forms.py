"""What the inspection pages read from requests and show: list filters, a task's checklist
with its findings, the signatures posted from the signature pads, and refusals as the forms
show them. No rule lives here: the services decide, these only translate."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Final
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yingji.core.errors import DomainError
from yingji.core.scoping import scope
from yingji.enforcement import selectors
from yingji.enforcement.models import InspectionItem, InspectionTask, Inspector, TaskState
from yingji.enforcement.services import documents, inspections
from yingji.enforcement.services.documents import templates
from yingji.registry.models.enterprise import Enterprise

FIELD_LABELS: Final = {
    "lon": _("Longitude"),
    "lat": _("Latitude"),
    "point_id": _("Check point"),
    "compliant": _("Result"),
    "description": _("What was found"),
    "photo": _("Photos"),
    "outcome": _("Outcome"),
    "summary": _("Inspection summary"),
    "present_person": _("Enterprise person present"),
    "findings": _("Findings"),
    "reason": _("Reason for cancelling"),
    "category": _("Category"),
    "grade": _("Grade"),
    "title": _("Title"),
    "criterion": _("Major hazard criterion"),
    "kind": _("Kind"),
    "enterprise": _("Enterprise"),
    "item": _("Inspection item"),
    "inspectors": _("Inspectors"),
    "due_on": _("Due"),
    "rectify_by": _("Rectify by"),
    "instruction": _("Instruction"),
    "place": _("Place inspected"),
    "note": _("Other remarks"),
    "opinion": _("Review opinion"),
    "signatures": _("Signatures"),
    "document": _("Document"),
}
GROUPS: Final = (
    ("todo", _("To do"), (TaskState.ASSIGNED,)),
    ("doing", _("In progress"), (TaskState.IN_PROGRESS,)),
    ("done", _("Done"), (TaskState.COMPLETED, TaskState.CANCELLED)),
)
DONE_SHOWN: Final = 30  # the done group is history: the latest are enough on a phone
COLOURS: Final = {0: "blue", 1: "yellow", 2: "orange", 3: "red"}


def clip(value: Any, limit: int) -> str:
    return str(value or "").strip()[:limit]


@dataclass
class TaskFilters:
    state: str = ""
    plan: str = ""
    item: str = ""
    inspector: str = ""
    overdue: str = ""
    q: str = ""

    def query(self, **override: str) -> str:
        values = {k: v for k, v in (asdict(self) | override).items() if v}
        return urlencode(values)

    def args(self) -> dict[str, str]:
        return {k: v for k, v in asdict(self).items() if v}


def task_filters(get: Mapping[str, Any]) -> TaskFilters:
    return TaskFilters(
        state=clip(get.get("state"), 12),
        plan=clip(get.get("plan"), 19),
        item=clip(get.get("item"), 19),
        inspector=clip(get.get("inspector"), 19),
        overdue="1" if clip(get.get("overdue"), 5).lower() in ("1", "true", "on", "yes") else "",
        q=clip(get.get("q"), 60),
    )


def filter_choices(actor: Any) -> dict[str, Any]:
    """The plans, items and inspectors a staff member filters by (their jurisdiction's)."""
    return {
        "states": TaskState.choices,
        "plans": list(
            selectors.plans(actor).order_by("-created_at").values_list("pk", "code")[:200]
        ),
        "items": list(
            InspectionItem.objects.filter(voided_at__isnull=True)
            .order_by("code")
            .values_list("pk", "code", "name")[:300]
        ),
        "inspectors": list(
            scope(Inspector.objects.filter(voided_at__isnull=True), actor)
            .order_by("name")
            .values_list("pk", "name")[:500]
        ),
    }


@dataclass
class Row:
    task: InspectionTask
    late: bool
    days_left: int

    @property
    def late_days(self) -> int:
        return max(0, -self.days_left)


def rows(tasks: Any, today: dt.date | None = None) -> list[Row]:
    today = today or timezone.localdate()
    return [Row(t, inspections.is_overdue(t, today), (t.due_on - today).days) for t in tasks]


def groups(tasks: QuerySet[InspectionTask]) -> list[dict[str, Any]]:
    """An inspector's tasks as to do / in progress / done, each in list order."""
    out = []
    for key, label, states in GROUPS:
        found = tasks.filter(state__in=states)
        if key == "done":
            found = found.order_by("-completed_at", "-due_on")[:DONE_SHOWN]
        out.append({"key": key, "label": label, "rows": rows(found)})
    return out


def checklist(task: InspectionTask) -> list[dict[str, Any]]:
    """Each check point with its finding (or None) and the finding's photos."""
    findings = {
        f.point_id: f for f in task.findings.prefetch_related("photos").select_related("hazard")
    }
    points = []
    for point in inspections.checklist(task):
        finding = findings.get(point["id"])
        photos = list(finding.photos.order_by("uploaded_at")) if finding else []
        points.append({**point, "finding": finding, "photos": photos})
    return points


def failure(exc: DomainError, where: str = "", **extra: Any) -> dict[str, Any]:
    """The refusal as a form shows it: the field's label, then the service's message."""
    field = exc.field or ""
    message = exc.message
    if field and message.startswith(f"{field}: "):
        message = message[len(field) + 2 :]
    return {
        "where": where,
        "field": field,
        "label": FIELD_LABELS.get(field, ""),
        "message": message,
        "allowed": getattr(exc, "allowed", None),
        **extra,
    }


def values(post: Mapping[str, Any], names: tuple[str, ...], limit: int = 20_000) -> dict[str, str]:
    """The posted text fields, each cut at ``limit`` (the services refuse what is too long)."""
    return {name: str(post.get(name) or "")[:limit] for name in names}


FINDING_FIELDS: Final = ("point_id", "compliant", "description", "lon", "lat")
HAZARD_FIELDS: Final = ("title", "description", "category", "grade", "criterion")
COMPLETE_FIELDS: Final = ("outcome", "summary", "present_person")
DOCUMENT_FIELDS: Final = (
    "rectify_by", "instruction", "place", "present_person", "note", "opinion",
)  # fmt: skip
TASK_FIELDS: Final = ("kind", "enterprise", "item", "due_on")


def signatures(post: Mapping[str, Any], task: InspectionTask) -> list[dict[str, str]]:
    """The pads that were signed: ``sig_<inspector pk>`` per crew member, ``sig_enterprise``."""
    out = []
    for member in inspections.crew(task):
        image = str(post.get(f"sig_{member.inspector_id}") or "")
        if image:
            out.append({"role": documents.INSPECTOR, "name": member.inspector.name, "image": image})
    image = str(post.get("sig_enterprise") or "")
    if image or post.get("signer_name"):
        out.append(
            {
                "role": documents.ENTERPRISE,
                "name": str(post.get("signer_name") or "")[:200],
                "image": image,
            }
        )
    return out


def pads(task: InspectionTask, post: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One signature pad per crew member, with what was signed before a refused post."""
    return [
        {
            "id": m.inspector_id,
            "name": m.inspector.name,
            "value": str(post.get(f"sig_{m.inspector_id}") or "")[:800_000],
        }
        for m in inspections.crew(task)
    ]


def signer_images(document: Any) -> list[dict[str, str]]:
    """The stored signatures as data URLs (PNG checked and cleaned when they were taken)."""
    return [
        {
            "role": s.role,
            "name": s.name,
            "url": "data:image/png;base64," + base64.b64encode(bytes(s.image)).decode(),
        }
        for s in document.signatures.order_by("pk")
    ]


def paper_dates(content: Mapping[str, Any] | None) -> dict[str, str]:
    """The dates of a document's content as the paper prints them (2026年12月15日)."""
    if not content:
        return {}
    order = content.get("order") or {}
    return {
        "inspected": templates.inspected_on(content),
        "issued": templates.chinese_date(content["issued_on"]),
        "rectify_by": templates.chinese_date(content["rectify_by"])
        if content.get("rectify_by")
        else "",
        "order_issued": templates.chinese_date(order["issued_on"]) if order else "",
    }


def colour(task: InspectionTask) -> dict[str, Any] | None:
    """The enterprise's current risk colour, if it was assessed."""
    # No CurrentRisk row (never assessed) raises RelatedObjectDoesNotExist, an AttributeError.
    risk = getattr(task.enterprise, "risk", None)
    if risk is None:
        return None
    return {"key": COLOURS.get(risk.colour, "blue"), "label": risk.get_colour_display()}


def default_rectify_by(days: int = 15) -> str:
    """The date the order form proposes: a fortnight, the common 限期 for general hazards."""
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def enterprise_name(actor: Any, key: str) -> str:
    """The name of the enterprise picked before a refused post, to show it picked again."""
    if not key.isascii() or not key.isdigit() or len(key) > 18:
        return ""
    found = scope(Enterprise.objects.filter(voided_at__isnull=True), actor).filter(pk=int(key))
    return found.values_list("name", flat=True).first() or ""
