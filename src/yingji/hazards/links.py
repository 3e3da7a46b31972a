"""How hidden hazards feed the enterprise risk engine (the risk app).

Open hazards tracked in Yingji are added to the counts imported in 企业风险动态数据 (those hold
what other systems know; a bureau that runs its hazards only in Yingji imports zeros there),
and a change to a hazard re-scores its enterprise at once.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from django.db.models import Count, Q

from yingji.hazards.models import OPEN_STATES, Grade, HiddenHazard
from yingji.kernels.arrays import FloatArray
from yingji.risk import sources
from yingji.risk.services import enterprises as assessing


def open_counts(
    selection: sources.Selection, at: dict[int, int], _roles: list[str], _today: dt.date
) -> dict[str, FloatArray]:
    """Open general and major hazards per enterprise, to add to the imported facts."""
    general = np.zeros(len(at))
    major = np.zeros(len(at))
    live = HiddenHazard.objects.filter(state__in=OPEN_STATES, enterprise__isnull=False)
    rows = (
        selection.related(live)
        .order_by()
        .values("enterprise_id")
        .annotate(
            g=Count("pk", filter=~Q(grade=Grade.MAJOR)), m=Count("pk", filter=Q(grade=Grade.MAJOR))
        )
    )
    for row in rows:
        i = at.get(row["enterprise_id"])
        if i is not None:
            general[i], major[i] = row["g"], row["m"]
    return {"open_hazards": general, "open_major_hazards": major}


def hazard_changed(enterprise_id: int) -> None:
    """Re-score the enterprise, then (once committed) recompute its credit and 安全码."""
    from yingji.enforcement.services import safety_code  # noqa: PLC0415 - the link's other end

    assessing.rescore([enterprise_id], reason="隐患变更 hidden hazard changed")
    safety_code.refresh([enterprise_id], cause="隐患变更 hidden hazard changed")


def connect() -> None:
    sources.add_contributor(open_counts)
