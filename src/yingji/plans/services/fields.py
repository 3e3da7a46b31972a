"""Reading a plan's input: every value checked where it enters, errors naming the field.

Roles and actions arrive as whole lists (a page's rows or an API body) and are validated
whole: one bad row rejects the list with the row number, nothing is half-written.
"""

from __future__ import annotations

import re
from typing import Any, Final

from django.utils.translation import gettext as _

from yingji.core.errors import InvalidInput, NotFound
from yingji.core.models import User
from yingji.core.scoping import jurisdiction_of
from yingji.incidents import catalogue
from yingji.kernels import codes
from yingji.plans.models import CONDITION_FIELDS, MAX_OFFSET_MINUTES, Kind
from yingji.regions.models import Region

CODE_RE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{1,39}")
TEXT_LIMITS: Final = {"title": 200, "scope": 4000, "findings": 4000, "improvements": 4000,
                      **dict.fromkeys(CONDITION_FIELDS, 2000)}  # fmt: skip
MAX_ROLES: Final = 40
MAX_ACTIONS: Final = 200
TYPE_ORDER: Final = {code: index for index, (code, _name) in enumerate(catalogue.TYPE_CHOICES)}


def text(data: dict[str, Any], name: str, *, required: bool = False, limit: int = 0) -> str:
    value = data.get(name, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput(_("%(field)s must be text") % {"field": name}, field=name)
    value = value.strip()
    limit = limit or TEXT_LIMITS.get(name, 1000)
    if "\x00" in value:
        raise InvalidInput(_("%(field)s contains a NUL character") % {"field": name}, field=name)
    if len(value) > limit:
        raise InvalidInput(_("%(field)s is longer than %(n)d characters") % {
            "field": name, "n": limit}, field=name)  # fmt: skip
    if required and not value:
        raise InvalidInput(_("%(field)s is required") % {"field": name}, field=name)
    return value


def whole(raw: Any, field: str, low: int, high: int) -> int:
    """A whole number in [low, high]: an int (not a bool) or ASCII digits."""
    if isinstance(raw, bool):
        value = None
    elif isinstance(raw, int):
        value = raw
    elif isinstance(raw, str) and raw.strip().isascii() and raw.strip().isdigit():
        value = int(raw.strip())
    else:
        value = None
    if value is None or not low <= value <= high:
        raise InvalidInput(_("%(field)s must be a whole number from %(low)d to %(high)d") % {
            "field": field, "low": low, "high": high}, field=field)  # fmt: skip
    return value


def level(raw: Any, field: str = "level") -> int:
    """A response level: 0 Ⅳ, 1 Ⅲ, 2 Ⅱ, 3 Ⅰ."""
    try:
        return whole(raw, field, 0, 3)
    except InvalidInput:
        raise InvalidInput(_("The level is 0 Ⅳ级, 1 Ⅲ级, 2 Ⅱ级 or 3 Ⅰ级"), field=field) from None


def code(raw: Any) -> str:
    value = raw.strip() if isinstance(raw, str) else ""
    if not CODE_RE.fullmatch(value):
        raise InvalidInput(
            _("The plan code is 2–40 letters, digits, '-' or '_' (e.g. ZJ-FXFT)"), field="code"
        )
    return value


def kind(raw: Any) -> str:
    if not isinstance(raw, str) or raw not in Kind.values:
        raise InvalidInput(_("Choose the kind of plan"), field="kind")
    return raw


def event_types(raw: Any) -> str:
    """Incident type codes as the canonical comma list (catalogue order, no repeats)."""
    if isinstance(raw, str):
        items: list[Any] = raw.split(",")
    elif isinstance(raw, list | tuple):
        items = list(raw)
    else:
        items = []
    found: set[str] = set()
    for item in items:
        value = item.strip() if isinstance(item, str) else item
        if value == "":
            continue
        if not isinstance(value, str) or value not in catalogue.TYPE_NAMES:
            raise InvalidInput(_("Unknown incident type %(type)r") % {"type": str(value)[:30]},
                               field="event_types")  # fmt: skip
        found.add(value)
    if not found:
        raise InvalidInput(_("Choose the incident types the plan covers"), field="event_types")
    return ",".join(sorted(found, key=TYPE_ORDER.__getitem__))


def region(actor: User, raw: Any) -> Region:
    """The issuing office: a region within the actor's jurisdiction (default: their own)."""
    if raw in (None, ""):
        if actor.region_id is None:
            raise InvalidInput(_("Choose the issuing region"), field="region")
        return actor.region  # type: ignore[return-value]
    if not isinstance(raw, str | int) or isinstance(raw, bool):
        raise InvalidInput(_("Choose the issuing region"), field="region")
    try:
        code12 = codes.to_12(str(raw).strip())
    except codes.CodeError as exc:
        raise InvalidInput(str(exc), field="region") from None
    found = Region.objects.filter(code=code12).first()
    if found is None:
        raise InvalidInput(_("No region has code %(code)s") % {"code": raw}, field="region")
    if not jurisdiction_of(actor).covers(found.path):
        raise NotFound(_("That region is outside your jurisdiction"), field="region")
    return found


def _rows(raw: Any, field: str, most: int) -> list[dict[str, Any]]:
    if not isinstance(raw, list | tuple) or not all(isinstance(r, dict) for r in raw):
        raise InvalidInput(_("%(field)s must be a list of rows") % {"field": field}, field=field)
    if len(raw) > most:
        raise InvalidInput(_("At most %(n)d %(field)s") % {"n": most, "field": field},
                           field=field)  # fmt: skip
    return list(raw)


def _row_error(field: str, number: int, exc: InvalidInput) -> InvalidInput:
    return InvalidInput(_("Row %(n)d of %(field)s: %(problem)s") % {
        "n": number, "field": field, "problem": exc.message}, field=field)  # fmt: skip


def roles(raw: Any) -> list[dict[str, Any]]:
    """``[{"name": "指挥长", "duties": "…"}, …]``: names unique, at most 40 characters."""
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for number, row in enumerate(_rows(raw, "roles", MAX_ROLES), start=1):
        try:
            name = text(row, "name", required=True, limit=40)
            duties = text(row, "duties", limit=1000)
            if name in seen:
                raise InvalidInput(_("%(name)s appears twice") % {"name": name}, field="name")
        except InvalidInput as exc:
            raise _row_error("roles", number, exc) from None
        seen.add(name)
        out.append({"name": name, "duties": duties, "order": number})
    return out


def actions(raw: Any, role_names: set[str]) -> list[dict[str, Any]]:
    """``[{"from_level": 0, "title": …, "role": …, "offset_minutes": 60, "priority": 2}, …]``;
    each action's role is one of the plan's roles."""
    out: list[dict[str, Any]] = []
    for number, row in enumerate(_rows(raw, "actions", MAX_ACTIONS), start=1):
        try:
            title = text(row, "title", required=True, limit=300)
            role = text(row, "role", required=True, limit=40)
            if role not in role_names:
                raise InvalidInput(_("%(role)s is not a role of the plan") % {"role": role},
                                   field="role")  # fmt: skip
            spec = {
                "from_level": level(row.get("from_level"), "from_level"),
                "title": title,
                "role": role,
                "offset_minutes": whole(row.get("offset_minutes", 0), "offset_minutes", 0,
                                        MAX_OFFSET_MINUTES),
                "priority": whole(row.get("priority", 2), "priority", 0, 3),
                "order": number,
            }  # fmt: skip
        except InvalidInput as exc:
            raise _row_error("actions", number, exc) from None
        out.append(spec)
    return out
