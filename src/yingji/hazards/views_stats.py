"""The hidden-hazard statistics page (``/hazards/stats/``): a period, a region, a grouping;
the table, a bar chart of found against closed per group, the monthly trend, and the Excel
exports of the table and of the hazards behind it.

Reads go through :mod:`yingji.hazards.stats` (the user's jurisdiction only): a region
outside it is 404; a malformed date, an inverted or too long period or an unknown grouping is
a message, and the page shows the default instead.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yingji.core.errors import InvalidInput
from yingji.core.pages import crumbs, region_param
from yingji.core.permissions import Cap, has
from yingji.hazards import exports, stats  # noqa: F401 - exports: registers the Excel exports
from yingji.kernels import codes
from yingji.regions.models import Level, Region

TABS: Final = (
    ("region", gettext_lazy("By region")),
    ("industry", gettext_lazy("By industry")),
    ("grade", gettext_lazy("By grade")),
    ("source", gettext_lazy("By source")),
    ("category", gettext_lazy("By category")),
)


def _date(request: HttpRequest, name: str) -> dt.date | None:
    raw = request.GET.get(name, "").strip()[:10]
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError as exc:
        raise InvalidInput(
            _("%(field)s: %(value)s is not a date (YYYY-MM-DD)") % {"field": name, "value": raw},
            field=name,
        ) from exc


def _choices(request: HttpRequest) -> tuple[stats.Period, str]:
    """The period and grouping asked for, or the defaults with a message saying why."""
    by = request.GET.get("by", "region").strip()[:12] or "region"
    try:
        by = stats.check_by(by)
    except InvalidInput as exc:
        messages.error(request, exc.message)
        by = "region"
    try:
        period = stats.period(_date(request, "start"), _date(request, "end"))
    except InvalidInput as exc:
        messages.error(request, exc.message)
        period = stats.default_period()
    return period, by


@login_required
def stats_page(request: HttpRequest) -> HttpResponse:
    if not has(request.user, Cap.VIEW_HAZARDS):
        messages.error(request, _("Your roles do not include the hidden-hazard statistics."))
        return render(request, "web/forbidden.html", status=403)
    period, by = _choices(request)
    region = region_param(request)
    code = codes.display(region.code)
    rows = stats.summary(
        request.user, start=period.start, end=period.end, region=region.code, by=by
    )
    months = stats.trend(request.user, period.start, period.end, region.code)
    groups, total = rows[:-1], rows[-1]
    drill = by == "region" and region.level != Level.VILLAGE
    table = [{**_shown(row), "drill": _drill_code(row, region) if drill else ""} for row in groups]
    filters = {
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "region": code,
        "by": by,
    }
    context = {
        "period": period,
        "filters": filters,
        "by": by,
        "tabs": [(key, str(label)) for key, label in TABS],
        "region": region,
        "region_code": code,
        "crumbs": crumbs(request, region),
        "subregions": Region.objects.filter(parent=region).order_by("code"),
        "table": table,
        "total": _shown(total),
        "chart": {
            "groups": [
                {"label": r["label"], "found": r["found"], "closed": r["closed"]} for r in groups
            ],
            "months": months,
            "i18n": {
                "found": _("Found"),
                "closed": _("Closed"),
                "none": _("No hazards in this period."),
            },
        },
        "presets": _presets(),
    }
    return render(request, "hazards/stats.html", context)


def _shown(row: stats.Row) -> dict[str, Any]:
    """A row with its rates as percentages, for the table."""
    return {
        **row,
        "rectification_pct": _percent(row["rectification_rate"]),
        "on_time_pct": _percent(row["on_time_rate"]),
    }


def _percent(rate: float | None) -> float | None:
    return None if rate is None else round(100 * rate, 1)


def _drill_code(row: stats.Row, region: Region) -> str:
    """The child region a row stands for, to look inside it (not the region's own row)."""
    if row["key"] == region.path:
        return ""
    return codes.display(codes.to_12(row["key"]))


def _presets() -> list[dict[str, Any]]:
    """Quick periods: this year, last year, this quarter, the last 12 months."""
    today = stats.default_period().end
    quarter = today.replace(month=3 * ((today.month - 1) // 3) + 1, day=1)
    last_year = today.year - 1
    year_ago = today.replace(year=today.year - 1, day=min(today.day, 28)) + dt.timedelta(days=1)
    return [
        {"label": _("This year"), "start": today.replace(month=1, day=1), "end": today},
        {"label": _("This quarter"), "start": quarter, "end": today},
        {"label": _("Last 12 months"), "start": year_ago, "end": today},
        {
            "label": _("Last year"),
            "start": dt.date(last_year, 1, 1),
            "end": dt.date(last_year, 12, 31),
        },
    ]
