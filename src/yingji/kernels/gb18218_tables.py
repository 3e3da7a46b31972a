"""GB 18218-2018 tables as data: Table 1 (named chemicals), Table 2 + 4 (categories), Table 3.

Values are those of ../shared/STANDARDS.md §2 (cross-checked by CAS number). Table 1 holds the
48 rows STANDARDS lists, not yet the standard's full 85: a chemical missing here is assessed
through its Table 2 category, which the caller must then give.

``default_categories`` is not part of the standard. Table 4 gives β by hazard category, and
Table 1 does not state one, so each Table 1 row carries the category of its principal hazard in
危险化学品目录 (2015) / GHS, used for β only when the caller gives none (Q always comes from
Table 1). Where a chemical has several hazards the listed category is the one with the highest
β. Table 3 gases (and 煤气, named after CO) have none: Table 3 gives their β.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Grade = Literal["一级", "二级", "三级", "四级"]


@dataclass(frozen=True, slots=True)
class Table1Entry:
    """One row of Table 1. ``names[0]`` is the name as printed in the standard."""

    number: int  # position in STANDARDS.md's list (not the standard's own row number)
    names: tuple[str, ...]
    cas: tuple[str, ...]  # as printed in the standard (煤气 has none)
    Q: float  # critical quantity, tonnes
    default_categories: tuple[str, ...]  # for β only; see the module docstring
    also_cas: tuple[str, ...] = ()  # accepted for look-up but not printed in the standard

    @property
    def name(self) -> str:
        return self.names[0]


@dataclass(frozen=True, slots=True)
class Category:
    """A Table 2 hazard category with its critical quantity and its Table 4 β."""

    code: str
    hazard: str
    description: str
    Q: float
    beta: float


@dataclass(frozen=True, slots=True)
class ToxicGas:
    """A Table 3 toxic gas with its β."""

    names: tuple[str, ...]
    cas: str
    beta: float


_E = Table1Entry
TABLE1: tuple[Table1Entry, ...] = (
    _E(1, ("氨", "液氨", "氨气", "无水氨"), ("7664-41-7",), 10, ()),
    _E(2, ("氯", "液氯", "氯气"), ("7782-50-5",), 5, ()),
    _E(3, ("二氧化硫", "液态二氧化硫", "亚硫酸酐"), ("7446-09-5",), 20, ()),
    _E(4, ("硫化氢",), ("7783-06-4",), 5, ()),
    _E(5, ("氯化氢(无水)", "氯化氢", "无水氯化氢"), ("7647-01-0",), 20, ()),
    _E(6, ("氟化氢", "无水氟化氢", "无水氢氟酸"), ("7664-39-3",), 1, ()),
    _E(7, ("氰化氢", "无水氢氰酸"), ("74-90-8",), 1, ()),
    _E(8, ("碳酰氯", "光气", "碳酰氯(光气)"), ("75-44-5",), 0.3, ()),
    _E(9, ("环氧乙烷", "氧化乙烯"), ("75-21-8",), 10, ()),
    _E(10, ("甲醛(含量>90%)", "甲醛"), ("50-00-0",), 5, ("J3", "W2")),
    _E(11, ("溴甲烷", "甲基溴"), ("74-83-9",), 10, ()),
    # The standard prints no CAS for 煤气; the entry names CO itself, so CO's number finds it.
    _E(
        12,
        ("煤气(CO,CO和H2、CH4的混合物等)", "煤气", "一氧化碳"),
        (),
        20,
        (),
        also_cas=("630-08-0",),
    ),
    _E(13, ("异氰酸甲酯", "甲基异氰酸酯"), ("624-83-9",), 0.75, ()),
    _E(14, ("甲苯二异氰酸酯", "二异氰酸甲苯酯", "TDI"), ("26471-62-5",), 100, ("J5",)),
    _E(15, ("1,3-丁二烯", "丁二烯", "联乙烯"), ("106-99-0",), 5, ("W2",)),
    _E(16, ("二甲醚", "甲醚"), ("115-10-6",), 50, ("W2",)),
    _E(
        17,
        ("甲烷、天然气", "甲烷", "天然气", "液化天然气", "压缩天然气", "LNG", "CNG"),
        ("74-82-8", "8006-14-2"),
        50,
        ("W2",),
    ),
    _E(18, ("氯乙烯", "乙烯基氯"), ("75-01-4",), 50, ("W2",)),
    _E(19, ("氢", "氢气", "液氢"), ("1333-74-0",), 5, ("W2",)),
    _E(
        20,
        (
            "液化石油气",
            "液化石油气(含丙烷、丁烷及其混合物)",
            "石油气(液化的)",
            "LPG",
            "丙烷",
            "丁烷",
        ),
        ("68476-85-7", "74-98-6", "106-97-8"),
        50,
        ("W2",),
    ),
    _E(21, ("一甲胺", "甲胺", "氨基甲烷"), ("74-89-5",), 5, ("W2",)),
    _E(22, ("乙炔", "电石气"), ("74-86-2",), 1, ("W2",)),
    _E(23, ("乙烯",), ("74-85-1",), 50, ("W2",)),
    _E(24, ("氧(压缩的或液化的)", "氧", "氧气", "液氧"), ("7782-44-7",), 200, ("W4",)),
    _E(25, ("苯",), ("71-43-2",), 50, ("W5.3",)),
    _E(26, ("苯乙烯", "乙烯苯"), ("100-42-5",), 500, ("W5.4",)),
    _E(27, ("丙酮",), ("67-64-1",), 500, ("W5.3",)),
    _E(28, ("2-丙烯腈", "丙烯腈", "乙烯基氰"), ("107-13-1",), 50, ("W5.3",)),
    _E(29, ("二硫化碳",), ("75-15-0",), 50, ("W5.3",)),
    _E(30, ("环己烷", "六氢化苯"), ("110-82-7",), 500, ("W5.3",)),
    _E(31, ("1,2-环氧丙烷", "环氧丙烷", "氧化丙烯"), ("75-56-9",), 10, ("W5.1",)),
    _E(32, ("甲苯", "甲基苯"), ("108-88-3",), 500, ("W5.3",)),
    _E(33, ("甲醇", "木醇", "木精"), ("67-56-1",), 500, ("W5.3",)),
    _E(
        34,
        ("汽油(乙醇汽油、甲醇汽油)", "汽油", "乙醇汽油", "甲醇汽油"),
        ("86290-81-5",),
        200,
        ("W5.3",),
    ),
    _E(35, ("乙醇", "酒精", "无水乙醇"), ("64-17-5",), 500, ("W5.3",)),
    _E(36, ("乙醚", "二乙基醚"), ("60-29-7",), 10, ("W5.1",)),
    _E(37, ("乙酸乙酯", "醋酸乙酯"), ("141-78-6",), 500, ("W5.3",)),
    _E(38, ("正己烷", "己烷"), ("110-54-3",), 500, ("W5.3",)),
    _E(39, ("过乙酸", "过氧乙酸", "过醋酸"), ("79-21-0",), 10, ("W7.1",)),
    _E(40, ("氯酸钾",), ("3811-04-9",), 100, ("W9.1",)),
    _E(41, ("氯酸钠",), ("7775-09-9",), 100, ("W9.1",)),
    _E(42, ("硝酸(发红烟的除外,含硝酸>70%)", "硝酸"), ("7697-37-2",), 100, ("W9.2",)),
    _E(43, ("发烟硝酸",), ("52583-42-3",), 20, ("W9.1",)),
    _E(44, ("碳化钙", "电石"), ("75-20-7",), 100, ("W11",)),
    _E(45, ("钾", "金属钾"), ("7440-09-7",), 1, ("W11",)),
    _E(46, ("钠", "金属钠"), ("7440-23-5",), 10, ("W11",)),
    _E(47, ("硝化甘油", "硝化丙三醇", "甘油三硝酸酯"), ("55-63-0",), 1, ("W1.1",)),
    _E(48, ("2,4,6-三硝基甲苯", "三硝基甲苯", "TNT", "梯恩梯"), ("118-96-7",), 5, ("W1.1",)),
)

_C = Category
CATEGORIES: dict[str, Category] = {
    c.code: c
    for c in (
        _C("J1", "急性毒性", "类别1,所有暴露途径,气体", 5, 4),
        _C("J2", "急性毒性", "类别1,所有暴露途径,固体、液体", 50, 1),
        _C("J3", "急性毒性", "类别2、类别3,所有暴露途径,气体", 50, 2),
        _C("J4", "急性毒性", "类别2、类别3,吸入途径,液体(沸点≤35℃)", 50, 2),
        _C("J5", "急性毒性", "类别2,所有暴露途径,液体(除J4外)、固体", 500, 1),
        _C("W1.1", "爆炸物", "不稳定爆炸物、1.1项爆炸物", 1, 2),
        _C("W1.2", "爆炸物", "1.2、1.3、1.5、1.6项爆炸物", 10, 2),
        _C("W1.3", "爆炸物", "1.4项爆炸物", 50, 2),
        _C("W2", "易燃气体", "类别1和类别2", 10, 1.5),
        _C("W3", "气溶胶", "类别1和类别2", 150, 1),
        _C("W4", "氧化性气体", "类别1", 50, 1),
        _C("W5.1", "易燃液体", "类别1;类别2和3,工作温度高于沸点", 10, 1.5),
        _C("W5.2", "易燃液体", "类别2和3,具有引发重大事故的特殊工艺条件", 50, 1),
        _C("W5.3", "易燃液体", "不属于W5.1或W5.2的其他类别2", 1000, 1),
        _C("W5.4", "易燃液体", "不属于W5.1或W5.2的其他类别3", 5000, 1),
        _C("W6.1", "自反应物质和混合物", "A型和B型", 10, 1.5),
        _C("W6.2", "自反应物质和混合物", "C型、D型、E型", 50, 1),
        _C("W7.1", "有机过氧化物", "A型和B型", 10, 1.5),
        _C("W7.2", "有机过氧化物", "C型、D型、E型、F型", 50, 1),
        _C("W8", "自燃液体和自燃固体", "类别1自燃液体、类别1自燃固体", 50, 1),
        _C("W9.1", "氧化性固体和液体", "类别1", 50, 1),
        _C("W9.2", "氧化性固体和液体", "类别2、类别3", 200, 1),
        _C("W10", "易燃固体", "类别1易燃固体", 200, 1),
        _C("W11", "遇水放出易燃气体的物质和混合物", "类别1和类别2", 200, 1),
    )
}

_G = ToxicGas
TABLE3: tuple[ToxicGas, ...] = (
    _G(("一氧化碳",), "630-08-0", 2),
    _G(("二氧化硫",), "7446-09-5", 2),
    _G(("氨",), "7664-41-7", 2),
    _G(("环氧乙烷",), "75-21-8", 2),
    _G(("氯化氢",), "7647-01-0", 3),
    _G(("溴甲烷",), "74-83-9", 3),
    _G(("氯",), "7782-50-5", 4),
    _G(("硫化氢",), "7783-06-4", 5),
    _G(("氟化氢",), "7664-39-3", 5),
    _G(("二氧化氮",), "10102-44-0", 10),
    _G(("氰化氢",), "74-90-8", 10),
    _G(("碳酰氯", "光气"), "75-44-5", 20),
    _G(("磷化氢", "膦"), "7803-51-2", 20),
    _G(("异氰酸甲酯", "甲基异氰酸酯"), "624-83-9", 20),
)

# α (exposed-people correction): (lowest head count of the band, α), highest band first.
ALPHA_BANDS: tuple[tuple[int, float], ...] = ((100, 2.0), (50, 1.5), (30, 1.2), (1, 1.0), (0, 0.5))

# Grades: (lowest R of the grade, grade), highest first; below the last threshold is 四级.
GRADE_BANDS: tuple[tuple[int, Grade], ...] = ((100, "一级"), (50, "二级"), (10, "三级"))
