"""Shaping the plan pages' POSTs into the services' input; the services decide what is valid.

The edit page posts roles and actions as numbered rows (``role-3-name``, ``action-7-title``);
an empty row or one ticked for removal is dropped, the rest go to the service as lists.
"""

from __future__ import annotations

import re
from typing import Any, Final

from django.http import QueryDict

from yingji.incidents import catalogue
from yingji.plans.models import CONDITION_FIELDS, LEVEL_CHOICES, PRIORITY_CHOICES, Kind, Plan
from yingji.plans.services import fields

ROW_KEY: Final = re.compile(r"(role|action)-(\d{1,3})-(name|title)")
BLANK_ROLES: Final = 3
BLANK_ACTIONS: Final = 5
TEXT_FIELDS: Final = ("title", "scope", *CONDITION_FIELDS)
LEVEL_NAMES: Final = dict(LEVEL_CHOICES)


def _rows(post: QueryDict, prefix: str, names: tuple[str, ...]) -> list[dict[str, Any]]:
    numbers = sorted({int(m.group(2)) for key in post if (m := ROW_KEY.fullmatch(key))
                      and m.group(1) == prefix})  # fmt: skip
    rows = []
    for number in numbers[: fields.MAX_ACTIONS + 1]:
        row = {name: post.get(f"{prefix}-{number}-{name}", "") for name in names}
        if post.get(f"{prefix}-{number}-delete") or not any(
            str(row[key]).strip() for key in names[:2]
        ):
            continue
        rows.append(row)
    return rows


def plan_data(post: QueryDict, *, new: bool) -> dict[str, Any]:
    """The plan's fields, its roles and its actions as the services take them."""
    data: dict[str, Any] = {name: post.get(name, "") for name in (*TEXT_FIELDS, "kind")}
    data["event_types"] = post.getlist("event_types")
    if new:
        data["code"] = post.get("code", "")
        data["region"] = post.get("region", "")
    data["roles"] = _rows(post, "role", ("name", "duties"))
    actions = _rows(post, "action", ("title", "role", "from_level", "offset_minutes", "priority"))
    for row in actions:  # an empty time limit: at once
        row["offset_minutes"] = str(row["offset_minutes"]).strip() or "0"
    data["actions"] = actions
    return data


def values_of(plan: Plan | None) -> dict[str, Any]:
    """What the form shows for a plan (or a blank new one)."""
    if plan is None:
        return {"kind": Kind.SPECIAL, "event_types": [], "roles": [], "actions": []}
    values: dict[str, Any] = {name: getattr(plan, name) for name in (*TEXT_FIELDS, "kind")}
    values["event_types"] = plan.type_codes
    values["roles"] = [{"name": r.name, "duties": r.duties} for r in plan.roles.all()]
    values["actions"] = [
        {"title": a.title, "role": a.role, "from_level": a.from_level,
         "offset_minutes": a.offset_minutes, "priority": a.priority}
        for a in plan.actions.all()
    ]  # fmt: skip
    return values


def posted(post: QueryDict, *, new: bool) -> dict[str, Any]:
    """A refused form's values, shown again as entered."""
    values = plan_data(post, new=new)
    for row in values["actions"]:
        row["from_level"] = _int_or_text(row["from_level"])
        row["priority"] = _int_or_text(row["priority"])
    return values


def _int_or_text(raw: Any) -> Any:
    text = str(raw).strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 4 else text


def with_blanks(values: dict[str, Any]) -> dict[str, Any]:
    """The rows plus empty ones to fill in."""
    roles = [*values["roles"], *({"name": "", "duties": ""} for _ in range(BLANK_ROLES))]
    actions = [*values["actions"], *({"title": "", "role": "", "from_level": 0,
                                      "offset_minutes": 0, "priority": 2}
                                     for _ in range(BLANK_ACTIONS))]  # fmt: skip
    return {**values, "role_rows": roles, "action_rows": actions}


def choices() -> dict[str, Any]:
    return {
        "kinds": Kind.choices,
        "type_choices": catalogue.TYPE_CHOICES,
        "level_choices": LEVEL_CHOICES,
        "priority_choices": PRIORITY_CHOICES,
        "condition_rows": [
            (name, LEVEL_NAMES[level])
            for level, name in reversed(list(enumerate(CONDITION_FIELDS)))
        ],
    }
