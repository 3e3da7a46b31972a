"""Plan targets (规划指标): the catalogue and the live computation of each measurable one."""

from yingji.review.indicators.base import (
    STATUSES,
    Indicator,
    Result,
    Row,
    Status,
    Target,
    status_of,
)
from yingji.review.indicators.catalogue import AREA_NAMES, AREAS, BY_ID, INDICATORS, get

__all__ = [
    "AREAS",
    "AREA_NAMES",
    "BY_ID",
    "INDICATORS",
    "STATUSES",
    "Indicator",
    "Result",
    "Row",
    "Status",
    "Target",
    "get",
    "status_of",
]
