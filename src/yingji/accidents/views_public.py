"""Typical cases (典型案例) for warning education, public at ``/accidents/cases/``: no login,
only cases flagged public, of accidents not voided. What is shown is the case as written
for publication (title, what happened, lessons) with the accident's type, grade, month and
county — never the record's internal fields, the enterprise's identifiers or the report."""

from __future__ import annotations

from typing import Final

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from yingji.accidents import selectors

PAGE_SIZE: Final = 20


def cases(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.public_cases(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "accidents/cases.html", {"page": page})


def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.public_cases().filter(pk=pk).first() if pk < 2**63 else None
    if case is None:
        raise Http404("No such public case")
    return render(request, "accidents/case.html", {"case": case})
