"""The situation report (情况报告) of an incident, generated from its record: as a page and
as a Word document (:mod:`yingji.incidents.services.sitrep`). ``sitrep_urlpatterns`` are
relative to ``/incidents/``."""

from __future__ import annotations

from typing import Final

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from yingji.core.errors import NotFound
from yingji.core.permissions import Cap, has
from yingji.incidents.services import sitrep

DOCX: Final = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MAX_PK: Final = 2**63 - 1


def _allowed(request: HttpRequest, pk: int) -> None:
    if not has(request.user, Cap.VIEW_INCIDENTS) or pk > MAX_PK:
        raise Http404("No such incident")


@login_required
def sitrep_page(request: HttpRequest, pk: int) -> HttpResponse:
    _allowed(request, pk)
    try:
        data = sitrep.content(request.user, pk)  # type: ignore[arg-type]
    except NotFound as exc:
        raise Http404(exc.message) from exc
    return render(request, "incidents/sitrep.html", {"r": data})


@login_required
def sitrep_docx(request: HttpRequest, pk: int) -> HttpResponse:
    _allowed(request, pk)
    try:
        body = sitrep.docx(request.user, pk)  # type: ignore[arg-type]
    except NotFound as exc:
        raise Http404(exc.message) from exc
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(body, content_type=DOCX)
    response["Content-Disposition"] = f'attachment; filename="sitrep-{pk}-{stamp}.docx"'
    return response


sitrep_urlpatterns = [
    path("<int:pk>/sitrep/", sitrep_page, name="incidents-sitrep"),
    path("<int:pk>/sitrep.docx", sitrep_docx, name="incidents-sitrep-docx"),
]
