"""Demo credit ratings and safety codes: every live demo enterprise gets both.

Nothing here is invented: the codes are computed by the real services from the demo's hidden
hazards (majors under 挂牌督办 come out red), penalties, accidents, inspections, risk colours,
licences and insurance, exactly as the daily sweep does. Running it again recomputes the same
codes and changes nothing (no new history rows, ``since`` kept).
"""

from __future__ import annotations

from typing import Any

from yingji.enforcement.services import safety_code


def load() -> dict[str, Any]:
    """Compute every demo enterprise's credit and code; counts by colour and the time taken."""
    return safety_code.refresh_all(cause="示范数据 demo")
