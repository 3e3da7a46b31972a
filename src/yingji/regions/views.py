"""Region pages: one region with its children, breadcrumbs and an Excel export."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from yingji.core.errors import DomainError
from yingji.core.permissions import Cap, has
from yingji.kernels import codes
from yingji.regions import selectors

PAGE_SIZE = 50


@login_required
def region_detail(request: HttpRequest, code: str) -> HttpResponse:
    try:
        region = selectors.get_region(code)
    except DomainError as exc:
        raise Http404(exc.message) from exc
    children = selectors.children(region.code)
    q = request.GET.get("q", "").strip()[:50]
    if q:
        children = children.filter(name__contains=q)
    context = {
        "region": region,
        "display_code": codes.display(region.code),
        "ancestors": selectors.ancestors(region),
        "page": Paginator(children, PAGE_SIZE).get_page(request.GET.get("page")),
        "q": q,
        "can_audit": has(request.user, Cap.VIEW_AUDIT),
    }
    return render(request, "regions/region_detail.html", context)
