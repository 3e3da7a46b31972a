"""Incident categories (突发事件应对法 Art. 2) and the types Yingji records in each.

Work-safety accidents (生产安全事故, category 事故灾难 except the public-health and social ones)
are graded by Decree 493 from their figures; the other categories are graded by the duty
officer (the special plans set their own standards). Road-traffic accidents and fires have the
7-day 补报 window instead of 30 (Decree 493 Art. 13).
"""

from __future__ import annotations

from typing import Final

CATEGORIES: Final = (
    ("natural", "自然灾害"),
    ("accident", "事故灾难"),
    ("health", "公共卫生事件"),
    ("social", "社会安全事件"),
)
TYPES: Final = {
    "natural": (("typhoon", "台风"), ("flood", "洪涝"), ("rainstorm", "暴雨内涝"),
                ("geohazard", "地质灾害"), ("forest_fire", "森林火灾"), ("earthquake", "地震"),
                ("drought", "干旱"), ("marine", "海洋灾害"), ("other_natural", "其他自然灾害")),
    "accident": (("hazchem", "危险化学品事故"), ("mining", "矿山事故"),
                 ("industrial", "工贸事故"), ("construction", "建筑施工事故"),
                 ("road", "道路交通事故"), ("fire", "火灾"), ("waterway", "水上交通事故"),
                 ("special_equipment", "特种设备事故"), ("gas", "燃气事故"),
                 ("other_accident", "其他事故")),
    "health": (("infectious", "传染病疫情"), ("food", "食物中毒"),
               ("other_health", "其他公共卫生事件")),
    "social": (("mass", "群体性事件"), ("other_social", "其他社会安全事件")),
}  # fmt: skip
TYPE_NAMES: Final = {code: name for types in TYPES.values() for code, name in types}
CATEGORY_OF: Final = {code: category for category, types in TYPES.items() for code, _ in types}
TYPE_CHOICES: Final = [(code, name) for types in TYPES.values() for code, name in types]
SHORT_WINDOW: Final = frozenset({"road", "fire"})
"""Types whose 补报 window is 7 days."""
GRADE_NAMES: Final = ("一般", "较大", "重大", "特别重大")
RESPONSE_LEVELS: Final = ("Ⅳ级", "Ⅲ级", "Ⅱ级", "Ⅰ级")  # index as the grade: 0 Ⅳ … 3 Ⅰ


def work_safety(event_type: str) -> bool:
    """Graded by Decree 493 from its figures."""
    return CATEGORY_OF.get(event_type) == "accident"
