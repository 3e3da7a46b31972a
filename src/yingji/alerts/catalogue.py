"""The warning types Yingji issues: the 14 meteorological signals (中国气象局令第16号, STANDARDS.md
§1) with the colours each has, and the other hazard types of the plan, with their CAP category
and event code (GB/T 35561-style; the 11Bxx meteorological codes other than 11B06 are
unverified, STANDARDS.md §1)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class EventType:
    code: str
    name: str
    levels: tuple[int, ...]  # 0 蓝 … 3 红: the colours the type has
    category: str  # CAP category
    event_code: str = ""


ALL: Final = (0, 1, 2, 3)
_TYPES: Final = (
    EventType("typhoon", "台风", ALL, "Met", "11B01"),
    EventType("rainstorm", "暴雨", ALL, "Met", "11B03"),
    EventType("snowstorm", "暴雪", ALL, "Met", "11B04"),
    EventType("cold_wave", "寒潮", ALL, "Met", "11B05"),
    EventType("gale", "大风", ALL, "Met", "11B06"),
    EventType("sandstorm", "沙尘暴", (1, 2, 3), "Met", "11B07"),
    EventType("heat", "高温", (1, 2, 3), "Met", "11B09"),
    EventType("drought", "干旱", (2, 3), "Met", "11B22"),
    EventType("lightning", "雷电", (1, 2, 3), "Met", "11B14"),
    EventType("hail", "冰雹", (2, 3), "Met", "11B15"),
    EventType("frost", "霜冻", (0, 1, 2), "Met", "11B16"),
    EventType("fog", "大雾", (1, 2, 3), "Met", "11B17"),
    EventType("haze", "霾", (1, 2, 3), "Met", "11B19"),
    EventType("road_icing", "道路结冰", (1, 2, 3), "Met", "11B21"),
    EventType("flood", "洪水", ALL, "Met"),
    EventType("flash_flood", "山洪", ALL, "Geo"),
    EventType("geohazard", "地质灾害", ALL, "Geo"),
    EventType("forest_fire", "森林火险", ALL, "Fire"),
    EventType("hazchem", "危险化学品事故", ALL, "Safety"),
    EventType("earthquake", "地震", ALL, "Geo"),
    EventType("other", "其他", ALL, "Other"),
)
BY_CODE: Final = {t.code: t for t in _TYPES}
CHOICES: Final = [(t.code, t.name) for t in _TYPES]
LEVEL_NAMES: Final = ("蓝色", "黄色", "橙色", "红色")
LEVEL_GRADES: Final = ("Ⅳ级", "Ⅲ级", "Ⅱ级", "Ⅰ级")
FROM_RULE: Final = {"rainstorm": "rainstorm", "gale": "gale"}
"""A monitoring alarm's rule → the warning type its draft gets (others draft as ``other``)."""


def title(code: str, level: int) -> str:
    """The signal's name as published, e.g. 暴雨橙色预警 (Ⅱ级)."""
    kind = BY_CODE[code]
    return f"{kind.name}{LEVEL_NAMES[level]}预警（{LEVEL_GRADES[level]}）"
