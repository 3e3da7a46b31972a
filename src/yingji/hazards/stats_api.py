"""Hidden-hazard statistics API (``/api/hazards/stats/``).

Found, closed, open, overdue, the rectification and on-time rates and the average days to
close, grouped by child region, industry, grade, source or category, over any period of up
to five years; and the monthly trend. The caller's jurisdiction only: a region outside it is
404. A malformed date, an inverted or too long period, an unknown grouping or region code is
422 naming the parameter.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from yingji.core.schemas import IsoDate
from yingji.core.scoping import region_for
from yingji.hazards import stats
from yingji.kernels import codes
from yingji.regions.models import Region

router = Router(tags=["hazards"])


class PeriodQuery(Schema):
    start: IsoDate | None = Field(None, description="YYYY-MM-DD; default: 1 January this year")
    end: IsoDate | None = Field(None, description="YYYY-MM-DD (inclusive); default: today")
    region: str = Field(
        "", max_length=12, description="Region code (2–12 digits); default: your jurisdiction"
    )


class SummaryQuery(PeriodQuery):
    by: str = Field("region", max_length=12, description=f"one of {', '.join(stats.GROUPS)}")


def region_brief(region: Region) -> dict[str, Any]:
    return {
        "code": codes.display(region.code),
        "name": region.name,
        "level": region.level,
        "path": region.path,
    }


def _period(p: stats.Period) -> dict[str, str]:
    return {"start": p.start.isoformat(), "end": p.end.isoformat()}


@router.get(
    "/",
    summary="Hidden-hazard statistics over a period, by region, industry, grade, source, category",
    description=(
        "One row per group (child regions of `region`; GB/T 4754 sections; grades; sources; "
        "categories), then the total (key `total`). `found`: reported in the period; `closed`: "
        "销号 in the period; `open_now`/`overdue_now`: open (and past the deadline, not yet "
        "accepted) at the end of `end`; `rectification_rate`: share of those found that were "
        "closed by `end`; `on_time_rate`: share of those closed that were closed by their "
        "deadline; `avg_days_to_close`: mean days from report to 销号 of those closed. Rates "
        "are 0–1, null when there is nothing to divide."
    ),
)
def summary(request: HttpRequest, filters: Query[SummaryQuery]) -> dict[str, Any]:
    stats.check_by(filters.by)
    period = stats.period(filters.start, filters.end)
    region = region_for(request.user, filters.region)
    rows = stats.summary(
        request.user,
        start=period.start,
        end=period.end,
        region=filters.region,
        by=filters.by,
    )
    return {
        **_period(period),
        "by": filters.by,
        "region": region_brief(region),
        "rows": rows,
    }


@router.get("/trend", summary="Hidden hazards found and closed per month of a period")
def trend(request: HttpRequest, filters: Query[PeriodQuery]) -> dict[str, Any]:
    period = stats.period(filters.start, filters.end)
    region = region_for(request.user, filters.region)
    return {
        **_period(period),
        "region": region_brief(region),
        "months": stats.trend(request.user, period.start, period.end, filters.region),
    }
