"""The default enterprise indicator model (version 1): what the plan names, weighted by AHP.

The plan (part 三) names the inputs of "企业风险评估指标体系": licensing, enforcement history,
monitoring alarms, open hidden hazards (and majors), quality checks, accident history, major
hazard sources and their grade, hazardous processes, standardisation grade, insurance and
training. They are grouped as inherent risk (固有风险: what the enterprise handles), dynamic
risk (动态风险: what is going wrong now) and management (管理水平: how it is run).

Zhejiang's own weights are unpublished (STANDARDS.md §5), so these are Yingji's: AHP pairwise
judgements per group on the Saaty scale, kept with the model so an administrator can revise a
judgement, see CR, compare the new version on the same data and activate it. Every indicator
has fixed bounds (values beyond are clipped) so one enterprise's score never depends on the
others' data, and re-scoring one enterprise gives the number a full run would.
"""

from __future__ import annotations

from typing import Any, Final

DEFAULT_NAME: Final = "企业安全风险评估模型"

# (key, 中文 name, source, bounds): every indicator is a cost (more = riskier), min-max on
# bounds. Sources are defined in yingji.risk.sources.
_INHERENT = (
    ("major_source_grade", "重大危险源最高等级", "major_source_grade", (0, 4)),
    ("major_sources", "重大危险源数量", "major_sources", (0, 3)),
    ("key_processes", "重点监管危险化工工艺数", "key_processes", (0, 3)),
    ("hazchem_role", "危险化学品涉及程度", "hazchem_role", (0, 2)),
)
_DYNAMIC = (
    ("open_major_hazards", "未整改重大事故隐患", "open_major_hazards", (0, 2)),
    ("open_hazards", "未整改一般隐患", "open_hazards", (0, 10)),
    ("accidents_36m", "近三年生产安全事故", "accidents_36m", (0, 2)),
    ("alarms_30d", "近30日监测报警", "alarms_30d", (0, 20)),
    ("enforcement_cases_36m", "近三年行政处罚", "enforcement_cases_36m", (0, 4)),
    ("quality_failures_12m", "近一年质量抽检不合格", "quality_failures_12m", (0, 3)),
)
_MANAGEMENT = (
    ("licensing", "许可证缺失或过期", "licensing", (0, 2)),
    ("safety_grade", "安全生产标准化等级", "safety_grade", (0, 3)),
    ("insurance", "安责险未投保或过期", "insurance", (0, 1)),
    ("training_gap", "主要负责人/安全管理人员培训缺失", "training_gap", (0, 2)),
)

# Saaty 1–9 judgements, row item compared with column item (a_ij = 1/a_ji), CR < 0.1 each.
_PAIRWISE = {
    "root": [["1", "1/2", "2"], ["2", "1", "3"], ["1/2", "1/3", "1"]],
    "inherent": [
        ["1", "2", "2", "3"],
        ["1/2", "1", "2", "2"],
        ["1/2", "1/2", "1", "1"],
        ["1/3", "1/2", "1", "1"],
    ],
    "dynamic": [
        ["1", "2", "2", "3", "3", "4"],
        ["1/2", "1", "1", "2", "2", "2"],
        ["1/2", "1", "1", "2", "2", "3"],
        ["1/3", "1/2", "1/2", "1", "1", "1"],
        ["1/3", "1/2", "1/2", "1", "1", "1"],
        ["1/4", "1/2", "1/3", "1", "1", "1"],
    ],
    "management": [
        ["1", "1", "2", "2"],
        ["1", "1", "2", "2"],
        ["1/2", "1/2", "1", "1"],
        ["1/2", "1/2", "1", "1"],
    ],
}

# 从严从高: facts that put a floor under the colour (codes: 1 黄, 2 橙, 3 红).
_OVERRIDES = [
    {
        "key": "open_major_hazard",
        "name": "存在未整改的重大事故隐患，至少橙色",
        "min_colour": 2,
        "clauses": [{"column": "open_major_hazards", "op": ">=", "value": 1}],
    },
    {
        "key": "grade1_source",
        "name": "构成一级重大危险源，定为红色",
        "min_colour": 3,
        "clauses": [{"column": "major_source_grade", "op": ">=", "value": 4}],
    },
    {
        "key": "unlicensed_hazchem",
        "name": "生产、储存危险化学品但许可证缺失或过期，至少橙色",
        "min_colour": 2,
        "clauses": [
            {"column": "hazchem_role", "op": ">=", "value": 2},
            {"column": "licensing", "op": ">=", "value": 1},
        ],
    },
    {
        "key": "recent_accidents",
        "name": "近三年发生两起以上生产安全事故，至少橙色",
        "min_colour": 2,
        "clauses": [{"column": "accidents_36m", "op": ">=", "value": 2}],
    },
]

# Colour thresholds on the 0–100 risk score: 黄 from 12, 橙 from 18, 红 from 25 (a threshold
# belongs to the band above it: 从严从高). The score is a weighted share of the worst case on
# every indicator at once, which no enterprise approaches: an enterprise with nothing against
# it but no standardisation grade and no training on record scores about 8. On the demo
# province these give
# about 83 % blue, 14 % yellow, 2 % orange and 1 % red before the overrides.
_THRESHOLDS = [12.0, 18.0, 25.0]


def _leaves(rows: tuple[tuple[str, str, str, tuple[int, int]], ...]) -> list[dict[str, Any]]:
    return [
        {
            "indicator": key,
            "name": name,
            "source": source,
            "direction": "cost",
            "weight": 1.0,  # replaced by the AHP weights when the version is built
            "normalisation": "minmax",
            "bounds": [float(lo), float(hi)],
        }
        for key, name, source, (lo, hi) in rows
    ]


def default_definition() -> dict[str, Any]:
    """The version-1 definition, before the AHP weights are filled in (services do that)."""
    groups = [
        ("inherent", "固有风险", _INHERENT),
        ("dynamic", "动态风险", _DYNAMIC),
        ("management", "管理水平", _MANAGEMENT),
    ]
    root = {
        "group": "root",
        "name": DEFAULT_NAME,
        "weight": 1.0,
        "children": [
            {"group": key, "name": name, "weight": 1.0, "children": _leaves(rows)}
            for key, name, rows in groups
        ],
    }
    model = {
        "schema": 1,
        "name": DEFAULT_NAME,
        "version": 1,
        "missing": "worst",
        "colours": {
            "thresholds": list(_THRESHOLDS),
            "labels": ["blue", "yellow", "orange", "red"],
            "inclusive": "lower",
        },
        "root": root,
    }
    pairwise = {k: [list(row) for row in m] for k, m in _PAIRWISE.items()}
    overrides = [dict(o) for o in _OVERRIDES]
    return {"model": model, "pairwise": pairwise, "overrides": overrides}
