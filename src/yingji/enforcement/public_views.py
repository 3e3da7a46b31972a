"""The public site of 公开 (no login): published inspection results and penalty decisions.

Only what :func:`yingji.enforcement.services.publication.public` returns is shown (published
and not withdrawn); anything else is 404 whether it exists or not. The pages render the
stored public text, which was written without personal data, and nothing else of the
records behind it (no inspector, no staff account, no internal notes).
"""

from __future__ import annotations

from typing import Final

from django.core.paginator import Paginator
from django.db.models.functions import ExtractYear, Substr
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from yingji.core.errors import InvalidInput
from yingji.enforcement import penalty_forms as forms
from yingji.enforcement.models import PublicationKind
from yingji.enforcement.services import publication
from yingji.regions.models import Region

PAGE_SIZE: Final = 20
MAX_PK: Final = 2**63 - 1


def public_list(request: HttpRequest) -> HttpResponse:
    error = ""
    try:
        filters = forms.publication_filters({**request.GET.dict(), "tab": "published"})
    except InvalidInput as exc:
        error, filters = exc.message, forms.PublicationFilters(tab="published")
    shown = publication.public()
    rows = (
        forms.narrow(shown, filters).select_related("enterprise").order_by("-published_at", "-pk")
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    county_paths = (
        shown.annotate(county=Substr("region_path", 1, 6)).values_list("county", flat=True)
    ).distinct()
    years = shown.annotate(y=ExtractYear("fact_on")).values_list("y", flat=True).distinct()
    context = {
        "page": page,
        "filters": filters,
        "error": error,
        "kinds": PublicationKind.choices,
        "counties": Region.objects.filter(path__in=list(county_paths)).order_by("code"),
        "years": sorted(set(years), reverse=True),
    }
    return render(request, "enforcement/public/list.html", context)


def public_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = (
        publication.public().filter(pk=min(pk, MAX_PK)).select_related("enterprise").first()
        if pk > 0
        else None
    )
    if item is None:
        raise Http404("No such published item")
    county = Region.objects.filter(path=item.region_path[:6]).first()
    return render(request, "enforcement/public/detail.html", {"item": item, "county": county})
