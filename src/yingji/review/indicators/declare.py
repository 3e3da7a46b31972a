"""Helpers and the responsible offices for the catalogue's records (one place, so the
records read as data)."""

# ruff: noqa: E501, PLR0917 - a record's fields follow the plan's order (id, area, names, section,
# quote, target, formula, source, owner) and read best positionally

from __future__ import annotations

from collections.abc import Callable

from yingji.review.indicators.base import Compute, Indicator, Target

TING = "省应急管理厅"
MONITORING = f"{TING} 风险监测和综合减灾处"
RESCUE = f"{TING} 救援协调和预案管理处"
RELIEF = f"{TING} 救灾和物资保障处"
HAZCHEM = f"{TING} 危险化学品安全监督管理处"
BASICS = f"{TING} 安全生产基础处"
ENFORCE = f"{TING} 政策法规处（执法监督）"
INVESTIGATE = f"{TING} 调查评估和统计处"
FIRE = f"{TING} 火灾防治管理处"
EQUIP = f"{TING} 规划财务处"
COMMAND = f"{TING} 应急指挥中心"
PCT, PERMILLE = "%", "‰"


def registry_link(name: str, **filters: str) -> Callable[[str], str]:
    def link(path: str) -> str:
        query = "&".join(f"{k}={v}" for k, v in {"region": path, **filters}.items())
        return f"/registry/{name}/?{query}"

    return link


def coverage_link(path: str) -> str:
    return f"/incidents/coverage/?county={path[:6]}" if len(path) >= 6 else "/incidents/coverage/"


def computed(id: str, area: str, zh: str, en: str, section: str, quote: str, target: Target,
       formula: str, source: str, owner: str, *, compute: Compute,
       units_link: Callable[[str], str] | None = None, units_label: str = "") -> Indicator:  # fmt: skip
    return Indicator(id, area, zh, en, section, quote, target, formula, source, owner,
                     "computed", compute, units_link, units_label)  # fmt: skip


def manual(id: str, area: str, zh: str, en: str, section: str, quote: str, target: Target,
       formula: str, source: str, owner: str) -> Indicator:  # fmt: skip
    return Indicator(id, area, zh, en, section, quote, target, formula, source, owner, "manual")


ALL_PCT = Target(100, ">=", PCT)
