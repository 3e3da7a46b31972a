"""防御指南: the instruction text offered for each warning type and level.

The drafter's form prefills the instruction from the guide of the chosen type and level. The
guides ship from ``data/alerts/defence_guides.json`` (the decree's text where Yingji could
check it) and are loaded at every ``migrate`` without overwriting a guide the bureau has
edited. Province staff who review warnings edit them on the 防御指南 page; each edit is
audited with the text before and after.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from yingji.alerts import catalogue
from yingji.alerts.models import Guidance
from yingji.core import audit
from yingji.core.errors import Forbidden, InvalidInput
from yingji.core.permissions import Cap, require
from yingji.core.scoping import jurisdiction_of

if TYPE_CHECKING:
    from yingji.core.models import User

MAX_LENGTH: Final = 4000
MAX_FILE_BYTES: Final = 2_000_000
PROVINCE: Final = "33"


def shipped_file() -> Path:
    return Path(settings.YINGJI_DEFENCE_GUIDES)


def load(path: Path | None = None, *, replace: bool = False) -> dict[str, int]:
    """Load guides from a JSON file (``{"source": …, "guides": [{event_type, level,
    instruction}, …]}``); a guide already stored is kept unless ``replace``. Every entry is
    checked first: a bad file changes nothing."""
    path = path or shipped_file()
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ValueError(f"larger than {MAX_FILE_BYTES // 1_000_000} MB")
        data = json.loads(path.read_text(encoding="utf-8"))
        source = str(data.get("source", ""))[:300]
        rows = [_checked(row) for row in data["guides"]]
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise InvalidInput(f"{path}: not a defence-guide file ({exc})") from None
    counts = {"created": 0, "replaced": 0, "kept": 0}
    with transaction.atomic():
        for event_type, level, text in rows:
            found = Guidance.objects.filter(event_type=event_type, level=level).first()
            if found is None:
                Guidance.objects.create(event_type=event_type, level=level, instruction=text,
                                        source=source)  # fmt: skip
                counts["created"] += 1
            elif replace and (found.instruction, found.source) != (text, source):
                found.instruction, found.source, found.updated_by = text, source, None
                found.save()
                counts["replaced"] += 1
            else:
                counts["kept"] += 1
    return counts


def _checked(row: Any) -> tuple[str, int, str]:
    event_type, level, text = row["event_type"], row["level"], row["instruction"]
    kind = catalogue.BY_CODE.get(event_type)
    if kind is None or not isinstance(level, int) or level not in kind.levels:
        raise ValueError(f"{event_type!r} has no level {level!r}")
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_LENGTH:
        raise ValueError(f"the guide of {event_type} {level} must be 1–{MAX_LENGTH} characters")
    return event_type, level, text.strip()


def table() -> list[dict[str, Any]]:
    """Every type and colour it has, with its guide (or None): what the page lists."""
    stored = {(g.event_type, g.level): g for g in Guidance.objects.select_related("updated_by")}
    return [
        {"event_type": kind.code, "name": kind.name, "level": level,
         "title": catalogue.title(kind.code, level), "guide": stored.get((kind.code, level))}
        for kind in catalogue.BY_CODE.values()
        for level in kind.levels
    ]  # fmt: skip


def may_edit(actor: User) -> bool:
    """Province staff who review warnings (the guides serve every county)."""
    jurisdiction = jurisdiction_of(actor)
    return actor.is_authenticated and (jurisdiction.everything or jurisdiction.path == PROVINCE)


def edit(actor: User, event_type: str, level: int, instruction: str) -> Guidance:
    """Set the guide of a type and level (audited); an empty text removes it."""
    require(actor, Cap.REVIEW_WARNINGS)
    if not may_edit(actor):
        raise Forbidden(_("Only the provincial bureau edits the defence guides"))
    kind = catalogue.BY_CODE.get(event_type)
    if kind is None or level not in kind.levels:
        raise InvalidInput(_("This warning type has no such level"), field="level")
    text = instruction.strip() if isinstance(instruction, str) else ""
    if "\x00" in text or len(text) > MAX_LENGTH:
        raise InvalidInput(
            _("The guide must be text of at most %(n)d characters") % {"n": MAX_LENGTH},
            field="instruction",
        )
    with transaction.atomic():
        guide = Guidance.objects.select_for_update().filter(event_type=event_type, level=level)
        found = guide.first()
        before = audit.snapshot(found, ["instruction", "source"]) if found else None
        if not text:
            if found:
                audit.record(actor=actor, action="delete", obj=found, before=before)
                found.delete()
            return found or Guidance(event_type=event_type, level=level)
        found = found or Guidance(event_type=event_type, level=level)
        found.instruction, found.updated_by = text, actor
        found.source = _("Edited by %(name)s") % {"name": actor.get_full_name() or actor.username}
        found.save()
        after = audit.snapshot(found, ["instruction", "source"])
        action = "update" if before else "create"
        audit.record(actor=actor, action=action, obj=found, before=before, after=after)
    return found
