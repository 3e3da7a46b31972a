"""The accident statistics page (``/accidents/stats/``): a region and a year; the totals, the
death rate per 100 million yuan of GDP (or which counties lack GDP), the evaluation
coverage, the tables by industry, region, type and grade, and ECharts charts of the monthly
trend and the five years. Also the county GDP page (``/accidents/gdp/``), where the rate's
denominator is seen and imported.

Reads go through :mod:`yingji.accidents.stats` (the user's jurisdiction only): a region
outside it is 404; a malformed year is a message, and the page shows this year instead.
"""

from __future__ import annotations

from typing import Any, Final

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yingji.accidents import selectors, stats
from yingji.accidents.models import RegionEconomy
from yingji.accidents.services import economy
from yingji.core.errors import DomainError, InvalidInput
from yingji.core.pages import crumbs, region_param
from yingji.core.permissions import Cap, has
from yingji.core.scoping import scope
from yingji.kernels import codes
from yingji.regions.models import Level, Region

GDP_YEARS: Final = 5
TABLES: Final = (
    ("by_industry", gettext_lazy("By industry (GB/T 4754 section)")),
    ("by_region", gettext_lazy("By region")),
    ("by_type", gettext_lazy("By accident type (GB 6441)")),
    ("by_grade", gettext_lazy("By grade (Decree 493)")),
)
TEMPLATE_CSV: Final = "区划代码,名称,年份,GDP（亿元）,来源\n330106,西湖区,2025,0.0,统计年鉴\n"


@login_required
def stats_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not has(user, Cap.VIEW_ACCIDENTS):
        messages.error(request, _("Your roles do not include accidents."))
        return render(request, "web/forbidden.html", status=403)
    region = region_param(request)
    code = codes.display(region.code)
    year = request.GET.get("year", "").strip()[:4]
    try:
        figures = stats.statistics(user, region=code, year=year)  # type: ignore[arg-type]
    except InvalidInput as exc:
        messages.error(request, exc.message)
        figures = stats.statistics(user, region=code)  # type: ignore[arg-type]
    if region.path != figures["region"]["path"]:  # an enterprise's figures span the province
        region = Region.objects.get(path=figures["region"]["path"])
        code = codes.display(region.code)
    this_year = timezone.localdate().year
    chart = {
        "monthly": figures["monthly"],
        "yearly": [
            {
                "year": y["year"],
                "accidents": y["accidents"],
                "dead": y["dead"],
                "rate": (y["rate"] or {}).get("value"),
            }
            for y in figures["yearly"]
        ],
        "types": [{"label": r["label"], "accidents": r["accidents"]} for r in figures["by_type"]],
        "i18n": {
            "accidents": _("Number of accidents"),
            "dead": _("Deaths"),
            "missing": _("Missing"),
            "rate": _("Deaths per 100 million yuan GDP"),
            "none": _("No accidents."),
        },
    }
    context = {
        "figures": figures,
        "region": region,
        "region_code": code,
        "crumbs": crumbs(request, region),
        "subregions": Region.objects.filter(parent=region).order_by("code")
        if region.level != Level.VILLAGE
        else [],
        "years": list(range(this_year, this_year - 10, -1)),
        "year": figures["period"]["year"],
        "chart": chart,
        "tables": [(key, title, figures[key]) for key, title in TABLES],
        "yearly": [
            {
                **y,
                "change_accidents_pct": _pct(y["change_accidents"]),
                "change_dead_pct": _pct(y["change_dead"]),
            }
            for y in figures["yearly"]
        ],
    }
    return render(request, "accidents/stats.html", context)


def _pct(change: float | None) -> float | None:
    return None if change is None else round(100 * change, 1)


@login_required
def gdp_page(request: HttpRequest) -> HttpResponse:
    """County GDP in the user's jurisdiction, and the import form for those who manage."""
    user = request.user
    if not has(user, Cap.VIEW_ACCIDENTS) or selectors.is_enterprise_user(user):  # type: ignore[arg-type]
        messages.error(request, _("Your roles do not include county GDP."))
        return render(request, "web/forbidden.html", status=403)
    can_import = has(user, Cap.MANAGE_ACCIDENTS)
    problems: list[dict[str, Any]] = []
    status = 200
    if request.method == "POST":
        if not can_import:
            messages.error(request, _("Your roles do not allow importing GDP."))
            return render(request, "web/forbidden.html", status=403)
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise InvalidInput(_("Choose a CSV or Excel file"), field="file")
            if upload.size and upload.size > economy.MAX_BYTES:
                raise InvalidInput(_("The file is larger than 2 MB"), field="file")
            counts = economy.import_gdp(
                actor=user,
                content=upload.read(economy.MAX_BYTES + 1),  # type: ignore[arg-type]
                source=request.POST.get("source", "")[:300],
            )
        except economy.ImportRejected as exc:
            problems = [e.as_dict() for e in exc.errors]
            messages.error(
                request,
                _("Nothing imported: %(n)d problem(s), listed below.") % {"n": len(problems)},
            )
            status = 422
        except DomainError as exc:
            messages.error(request, exc.message)
            status = exc.status
        else:
            messages.success(
                request,
                _("Imported: %(created)d new, %(updated)d changed, %(unchanged)d unchanged.")
                % counts,
            )
            return redirect("accidents-gdp")
    this_year = timezone.localdate().year
    years = list(range(this_year - GDP_YEARS + 1, this_year + 1))
    counties = scope(Region.objects.filter(level=Level.COUNTY), user).order_by("code")
    rows = RegionEconomy.objects.filter(region__in=counties, year__in=years)
    table = {(r.region_id, r.year): r for r in rows}
    context = {
        "years": years,
        "rows": [{"county": c, "cells": [table.get((c.code, y)) for y in years]} for c in counties],
        "can_import": can_import,
        "problems": problems,
        "synthetic": any(r.synthetic for r in table.values()),
    }
    return render(request, "accidents/gdp.html", context, status=status)


@login_required
def gdp_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(TEMPLATE_CSV.encode("utf-8-sig"), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="county-gdp-template.csv"'
    return response
