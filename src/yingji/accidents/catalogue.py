"""The fixed vocabularies of accident records, in one place so that models, forms, the API,
statistics and exports name things the same way.

- accident types: the 20 categories of GB 6441-1986《企业职工伤亡事故分类》(事故类别);
- who investigates by grade (Decree 493 Art. 19): 一般 the county, 较大 the city (设区的市),
  重大 the province, 特别重大 the State Council;
- responsibility findings (责任认定) and their handling (处理), as investigation reports word them.
"""

from __future__ import annotations

from typing import Final

from django.db import models

from yingji.kernels import accidents as decree


class AccidentType(models.TextChoices):
    """GB 6441-1986 事故类别 (20 categories, in the standard's order)."""

    OBJECT_STRIKE = "object_strike", "物体打击"
    VEHICLE = "vehicle", "车辆伤害"
    MACHINERY = "machinery", "机械伤害"
    LIFTING = "lifting", "起重伤害"
    ELECTRIC = "electric", "触电"
    DROWNING = "drowning", "淹溺"
    SCALD = "scald", "灼烫"
    FIRE = "fire", "火灾"
    FALL = "fall", "高处坠落"
    COLLAPSE = "collapse", "坍塌"
    ROOF_FALL = "roof_fall", "冒顶片帮"
    WATER_INRUSH = "water_inrush", "透水"
    BLASTING = "blasting", "放炮"
    EXPLOSIVES = "explosives", "火药爆炸"
    GAS_EXPLOSION = "gas_explosion", "瓦斯爆炸"
    BOILER_EXPLOSION = "boiler_explosion", "锅炉爆炸"
    VESSEL_EXPLOSION = "vessel_explosion", "容器爆炸"
    OTHER_EXPLOSION = "other_explosion", "其它爆炸"
    POISONING = "poisoning", "中毒和窒息"
    OTHER = "other", "其它伤害"


GRADE_NAMES: Final = decree.GRADES  # index = level: 0 一般 … 3 特别重大
GRADE_CHOICES: Final = list(enumerate(GRADE_NAMES))


class Level(models.TextChoices):
    """The government that leads the investigation (Decree 493 Art. 19)."""

    COUNTY = "county", "县级人民政府"
    CITY = "city", "设区的市级人民政府"
    PROVINCE = "province", "省级人民政府"
    STATE_COUNCIL = "state_council", "国务院"


LEVEL_BY_GRADE: Final = (Level.COUNTY, Level.CITY, Level.PROVINCE, Level.STATE_COUNCIL)
LEVEL_RANK: Final = {level: rank for rank, level in enumerate(LEVEL_BY_GRADE)}
OFFICE_PATH_LENGTH: Final = {
    Level.COUNTY: 6,
    Level.CITY: 4,
    Level.PROVINCE: 2,
    Level.STATE_COUNCIL: 2,
}
"""How much of the accident's region code names the leading government. The State Council's
investigations are entered by the province (its jurisdiction is the whole platform)."""


class Responsibility(models.TextChoices):
    DIRECT = "direct", "直接责任"
    MAIN = "main", "主要责任"
    IMPORTANT_LEADERSHIP = "important_leadership", "重要领导责任"
    LEADERSHIP = "leadership", "领导责任"
    SUPERVISION = "supervision", "监管责任"
    UNIT = "unit", "单位责任"


class Handling(models.TextChoices):
    DISCIPLINE = "discipline", "党纪政务处分"
    FINE = "fine", "行政处罚（罚款）"
    LICENCE = "licence", "吊销证照"
    JUDICIAL = "judicial", "移送司法机关"
    ACCOUNTABILITY = "accountability", "问责（诫勉、通报）"
    ENTERPRISE = "enterprise", "企业内部处理"
    NONE = "none", "免于追责"


class Implemented(models.TextChoices):
    """How far rectification measures were carried out (回头看 and evaluation)."""

    YES = "yes", "已落实"
    PARTLY = "partly", "部分落实"
    NO = "no", "未落实"


EVENT_TYPE_TO_ACCIDENT_TYPE: Final = {
    # incident type (yingji.incidents.catalogue) → the most likely GB 6441 category; the user
    # checks it on the form, an API caller may override it.
    "fire": AccidentType.FIRE,
    "road": AccidentType.VEHICLE,
    "waterway": AccidentType.DROWNING,
    "gas": AccidentType.OTHER_EXPLOSION,
    "hazchem": AccidentType.POISONING,
    "mining": AccidentType.ROOF_FALL,
    "construction": AccidentType.FALL,
    "special_equipment": AccidentType.LIFTING,
    "industrial": AccidentType.MACHINERY,
}
SHORT_WINDOW_TYPES: Final = frozenset({AccidentType.FIRE})
"""Decree 493 Art. 13: fires (and road-traffic accidents, a flag of their own) have 7 days of
补报 instead of 30."""
