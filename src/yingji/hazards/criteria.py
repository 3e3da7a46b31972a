"""Loading the 重大事故隐患判定标准 reference lists from data/hazards (idempotent).

Administrators then keep them current in the admin (an item can be retired with
``active=False``; hazards that cite it keep the reference).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings


def rows(path: Path | None = None) -> list[dict[str, Any]]:
    path = path or Path(settings.YINGJI_HAZARD_CRITERIA)
    data = json.loads(path.read_text(encoding="utf-8"))
    return list(data["criteria"])


def load(model: Any, path: Path | None = None) -> int:
    """Insert the listed criteria that are missing; existing ones keep their admin edits."""
    have = set(model.objects.values_list("standard", "number"))
    new = [model(**row) for row in rows(path) if (row["standard"], row["number"]) not in have]
    model.objects.bulk_create(new)
    return len(new)
