"""What the hidden-hazard pages put in their forms and read back from them.

No rule lives here: the services decide what is valid. This module only turns a request's
fields into the mappings the services take, and the rows the templates show (labels,
countdowns, the criteria grouped for a picker), so the views stay short.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import groupby
from typing import TYPE_CHECKING, Any, Final

from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from yingji.core.permissions import Cap, has
from yingji.hazards.models import (
    OPEN_STATES,
    Category,
    Criterion,
    EvidenceKind,
    Grade,
    HiddenHazard,
    Source,
    State,
    Supervision,
    SupervisionLevel,
)
from yingji.hazards.services import report, workflow
from yingji.regions.models import Level, Region

if TYPE_CHECKING:
    from yingji.core.models import User

# Queue tabs: the open work first, then each state, then everything.
TABS: Final = (
    ("open", _("Open")),
    *((s.value, s.label) for s in State),
    ("all", _("All")),
)
EVENT_LABELS: Final = {
    "report": _("Reported"),
    "supervise": _("Listed for supervision"),
    "lift": _("Supervision lifted"),
    "overdue": _("Overdue"),
    "escalate": _("Escalated"),
    **workflow.LABELS,
}
ACTION_LABELS: Final = {
    **workflow.LABELS,
    "evidence": _("Upload rectification photos"),
    "supervise": _("List for supervision (挂牌督办)"),
    "lift": _("Lift the supervision"),
}
# The label of each field a service may name in an error, to point at it in the form.
FIELD_LABELS: Final = {
    "category": _("Category"),
    "title": _("Title"),
    "description": _("Description"),
    "grade": _("Grade"),
    "criterion": _("Major hazard criterion"),
    "region": _("Place"),
    "enterprise": _("Enterprise"),
    "lon": _("Location"),
    "lat": _("Location"),
    "address": _("Address"),
    "photo": _("Photos"),
    "deadline": _("Deadline"),
    "responsible_unit": _("Responsible unit"),
    "responsible_person": _("Responsible person"),
    "responsible_phone": _("Phone"),
    "plan_goal": _("Targets and tasks"),
    "plan_measures": _("Methods and measures"),
    "plan_funding": _("Funding and materials"),
    "plan_organisation": _("Organisation and people"),
    "plan_deadline": _("Plan deadline"),
    "plan_safety": _("Safety measures and emergency plan"),
    "rectification_note": _("Rectification done"),
    "note": _("Opinion"),
    "office": _("Supervising office"),
    "supervision": _("Supervision"),
    "action": _("Action"),
}
REPORT_FIELDS: Final = ("category", "title", "description", "grade", "address", "lon", "lat")
PLAN_TEXTS: Final = (
    ("plan_goal", _("Targets and tasks")),
    ("plan_measures", _("Methods and measures")),
    ("plan_funding", _("Funding and materials")),
    ("plan_organisation", _("Organisation and people")),
    ("plan_safety", _("Safety measures and emergency plan")),
)
TRUE: Final = ("1", "on", "true", "yes")


def clip(value: Any, limit: int = 4000) -> str:
    return str(value or "").strip()[:limit]


# ---------------------------------------------------------------- rows and countdowns


@dataclass
class Row:
    """A hazard as a list shows it: the deadline countdown and an active supervision."""

    hazard: HiddenHazard
    left: int | None = None
    supervision: Supervision | None = None
    supervision_left: int | None = None

    @property
    def overdue(self) -> bool:
        return self.left is not None and self.left < 0

    @property
    def overdue_days(self) -> int:
        return -self.left if self.left is not None and self.left < 0 else 0

    @property
    def supervision_late(self) -> int:
        """Days past the supervision deadline (0 when not past it)."""
        left = self.supervision_left
        return -left if left is not None and left < 0 else 0


def state_label(state: str) -> str:
    return str(State(state).label) if state in State.values else state


def js_strings() -> dict[str, str]:
    """What the page scripts say, translated here so the scripts hold no text."""
    return {
        "locating": str(_("Locating…")),
        "located": str(_("Located: {lon}, {lat} (±{acc} m)")),
        "noLocation": str(_("Your location is not available: {error}")),
        "unsupported": str(_("This browser cannot tell your location.")),
        "tooMany": str(_("At most {n} photos: the first {n} are kept.")),
        "sending": str(_("Sending…")),
    }


def active_supervision(hazard: HiddenHazard) -> Supervision | None:
    try:
        supervision = hazard.supervision
    except Supervision.DoesNotExist:
        return None
    return supervision if supervision.lifted_at is None else None


def row(hazard: HiddenHazard, today: dt.date | None = None) -> Row:
    today = today or timezone.localdate()
    supervision = active_supervision(hazard)
    return Row(
        hazard=hazard,
        left=report.days_left(hazard, today) if hazard.is_open else None,
        supervision=supervision,
        supervision_left=(supervision.deadline - today).days if supervision else None,
    )


def rows(hazards: Iterable[HiddenHazard]) -> list[Row]:
    today = timezone.localdate()
    return [row(h, today) for h in hazards]


def queue_items(
    found: Iterable[Mapping[str, Any]], detail_prefix: str, today: dt.date | None = None
) -> list[dict[str, Any]]:
    """What each queue row prints (``found``: the values of ``selectors.by_ids``), worked out
    once here rather than by includes, filters and translation tags per row: the same badges
    as ``_badges.html`` and ``_due.html`` and the same countdown as :func:`row`.
    ``detail_prefix`` is a hazard page's address up to its number ("/hazards/")."""
    today = today or timezone.localdate()
    states = {value: str(label) for value, label in State.choices}
    levels = {value: str(label) for value, label in SupervisionLevel.choices}
    major, general = gettext("Major"), gettext("General")
    items = []
    for v in found:
        pk, state, grade, deadline = v["pk"], v["state"], v["grade"], v["deadline"]
        left = (deadline - today).days if state in OPEN_STATES and deadline else None
        day = deadline.isoformat() if deadline else ""
        place = v["enterprise__name"] if v["enterprise_id"] else v["region__name"]
        if not v["enterprise_id"] and v["address"]:
            place = f"{place} · {v['address']}"
        level = v["supervision__level"]
        listed = v["supervision__id"] is not None and v["supervision__lifted_at"] is None
        items.append(
            {
                "url": f"{detail_prefix}{pk}/",
                "css": "hz-item"
                + (" late" if left is not None and left < 0 else "")
                + (" major" if grade == Grade.MAJOR else ""),
                "code": v["code"],
                "title": v["title"],
                "place": place,
                "grade": grade,
                "grade_label": major if grade == Grade.MAJOR else general,
                "state": state,
                "state_label": states.get(state, state),
                "deadline": day,
                **_due(left, day),
                "listed": levels.get(level, level) if listed else "",
                "office": v["supervision__office"] if listed else "",
            }
        )
    return items


def _due(left: int | None, deadline: str) -> dict[str, str]:
    """The countdown badge of ``_due.html``: its class, its title (the deadline) and text."""
    if left is None:
        if not deadline:
            return {"due": ""}
        return {"due": gettext("deadline %(d)s") % {"d": deadline}, "due_css": "hz-due done"}
    if left < 0:
        text = gettext("%(n)s days overdue") % {"n": -left}
        return {"due": text, "due_css": "hz-due late", "due_title": deadline}
    if left == 0:
        return {"due": gettext("due today"), "due_css": "hz-due soon", "due_title": deadline}
    text = gettext("%(n)s days left") % {"n": left}
    css = "hz-due soon" if left <= 3 else "hz-due"
    return {"due": text, "due_css": css, "due_title": deadline}


# ---------------------------------------------------------------- queue filters


@dataclass
class QueueFilters:
    state: str = "open"
    grade: str = ""
    source: str = ""
    region: str = ""
    overdue: bool = False
    supervised: bool = False
    q: str = ""

    @property
    def narrowed(self) -> bool:
        """Whether a filter besides the state narrows the rows (so no tab counts them)."""
        return bool(
            self.grade or self.source or self.region or self.overdue or self.supervised or self.q
        )

    def selector_args(self) -> dict[str, Any]:
        return {
            "state": "" if self.state == "all" else self.state,
            "grade": self.grade,
            "source": self.source,
            "region": self.region,
            "overdue_only": self.overdue,
            "supervised": self.supervised,
            "text": self.q,
        }

    def query(self, **changes: Any) -> str:
        """The query string of these filters with ``changes`` (for the tabs' links)."""
        values = {
            "state": self.state,
            "grade": self.grade,
            "source": self.source,
            "region": self.region,
            "overdue": "1" if self.overdue else "",
            "supervised": "1" if self.supervised else "",
            "q": self.q,
            **changes,
        }
        return urlencode({k: v for k, v in values.items() if v})


def queue_filters(params: Mapping[str, str]) -> QueueFilters:
    return QueueFilters(
        state=clip(params.get("state"), 20) or "open",
        grade=clip(params.get("grade"), 20),
        source=clip(params.get("source"), 20),
        region=clip(params.get("region"), 20),
        overdue=clip(params.get("overdue"), 5).lower() in TRUE,
        supervised=clip(params.get("supervised"), 5).lower() in TRUE,
        q=clip(params.get("q"), 60),
    )


def region_choices(user: User) -> list[Region]:
    """The regions one level below the user's home region, to narrow a list or place a report
    (their path and name: all the pickers show)."""
    home = getattr(user, "region", None)
    if home is None or home.level == Level.VILLAGE:
        return []
    return list(Region.objects.filter(parent=home).order_by("code").only("path", "name"))


# ---------------------------------------------------------------- the report form


def criteria_groups() -> list[dict[str, Any]]:
    """The criteria in force, grouped by standard and group (工贸 · 管理类 …) for a picker."""
    items = list(Criterion.objects.filter(active=True).order_by("standard", "id"))

    def key(c: Criterion) -> tuple[str, str]:
        return c.get_standard_display(), c.group or c.sector

    return [
        {"label": f"{standard} · {group}" if group else standard, "items": list(found)}
        for (standard, group), found in groupby(items, key=key)
    ]


def report_initial(user: User) -> dict[str, Any]:
    """A fresh form: a general hazard, placed in the reporter's village or township."""
    home = getattr(user, "region", None)
    local = home is not None and home.level in (Level.TOWNSHIP, Level.VILLAGE)
    return {"grade": Grade.GENERAL, "place": "region", "region": home.path if local else ""}


def report_values(post: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of a posted report as :func:`report.report` takes them."""
    values: dict[str, Any] = {name: clip(post.get(name)) for name in REPORT_FIELDS}
    values["place"] = "enterprise" if post.get("place") == "enterprise" else "region"
    values["source"] = clip(post.get("source"), 20)
    values["keep_location"] = clip(post.get("keep_location"), 5).lower() in TRUE
    values["criterion"] = clip(post.get("criterion"), 20) if values["grade"] == "major" else ""
    values["enterprise_name"] = clip(post.get("enterprise_name"), 200)
    if values["place"] == "enterprise":
        values["enterprise"] = clip(post.get("enterprise"), 20)
        values["region"] = ""
    else:
        values["enterprise"] = ""
        values["region"] = clip(post.get("region"), 20)
    return values


def report_context(user: User) -> dict[str, Any]:
    home = getattr(user, "region", None)
    regions = ([home] if home is not None else []) + region_choices(user)
    return {
        "categories": Category.choices,
        "grades": Grade.choices,
        "criteria": criteria_groups(),
        "regions": regions,
        "sources": [
            (s, label) for s, label in Source.choices if s in (Source.INSPECTION, Source.PUBLIC)
        ],
        "choose_source": has(user, Cap.MANAGE_HAZARDS),
        "max_photos": report.MAX_PHOTOS,
    }


# ---------------------------------------------------------------- the detail page's actions


def action_data(action: str, post: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of one action's form, as the workflow and supervision services take them."""
    names = {
        "register": workflow.WRITABLE["register"],
        "start": workflow.PLAN_FIELDS,
        "submit": ("rectification_note",),
        "supervise": ("deadline", "office"),
    }.get(action, ())
    data: dict[str, Any] = {name: clip(post.get(name)) for name in names}
    data["note"] = clip(post.get("note"))
    if action == "supervise":
        data["published"] = clip(post.get("published"), 5).lower() in TRUE
    return data


def action_initial(hazard: HiddenHazard, user: User) -> dict[str, Any]:
    """Sensible defaults for the forms: the enterprise's safety manager, a month to rectify."""
    enterprise = hazard.enterprise
    today = timezone.localdate()
    region = getattr(user, "region", None)
    return {
        "grade": hazard.grade,
        "criterion": hazard.criterion_id or "",
        "category": hazard.category,
        "deadline": (hazard.deadline or today + dt.timedelta(days=30)).isoformat(),
        "responsible_unit": hazard.responsible_unit or (enterprise.name if enterprise else ""),
        "responsible_person": hazard.responsible_person
        or (enterprise.safety_manager if enterprise else ""),
        "responsible_phone": hazard.responsible_phone
        or (enterprise.safety_manager_phone if enterprise else ""),
        **{name: getattr(hazard, name) or "" for name, _label in PLAN_TEXTS},
        "plan_deadline": str(hazard.plan_deadline or hazard.deadline or ""),
        "rectification_note": hazard.rectification_note,
        "office": f"{region.name}安全生产委员会办公室" if region is not None else "",
        "supervise_deadline": (hazard.deadline or today + dt.timedelta(days=60)).isoformat(),
    }


def actions_for(user: User, hazard: HiddenHazard) -> list[str]:
    """The forms to show: the allowed transitions, evidence upload, 挂牌督办 and lifting."""
    found = workflow.allowed(user, hazard)
    if hazard.state == State.RECTIFYING and has(user, Cap.REPORT_HAZARD):
        found.insert(found.index("submit") if "submit" in found else len(found), "evidence")
    if has(user, Cap.SUPERVISE_HAZARDS) and hazard.grade == Grade.MAJOR:
        if active_supervision(hazard) is not None:
            found.append("lift")
        elif hazard.is_open:
            found.append("supervise")
    return found


def evidence_groups(hazard: HiddenHazard) -> list[dict[str, Any]]:
    """The hazard's photos by kind, in the order of the loop: found, rectified, accepted."""
    photos = list(hazard.evidence.select_related("photo").order_by("photo__uploaded_at", "pk"))
    return [
        {"kind": kind, "label": label, "items": [e for e in photos if e.kind == kind]}
        for kind, label in EvidenceKind.choices
        if any(e.kind == kind for e in photos)
    ]
