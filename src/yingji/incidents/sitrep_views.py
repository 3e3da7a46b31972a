"""The situation report (情况报告) of an incident, generated from its record: as a page and
as a Word document (:mod:`yingji.incidents.services.sitrep`). ``sitrep_urlpatterns`` are
relative to ``/incidents/``."""

from __future__ import annotations

from typing import Final

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from yingji.incidents.panels import incident_or_404
from yingji.incidents.services import sitrep

DOCX: Final = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@login_required
def sitrep_page(request: HttpRequest, pk: int) -> HttpResponse:
    incident_or_404(request, pk)
    data = sitrep.content(request.user, pk)  # type: ignore[arg-type]
    return render(request, "incidents/sitrep.html", {"r": data})


@login_required
def sitrep_docx(request: HttpRequest, pk: int) -> HttpResponse:
    incident_or_404(request, pk)
    body = sitrep.docx(request.user, pk)  # type: ignore[arg-type]
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(body, content_type=DOCX)
    response["Content-Disposition"] = f'attachment; filename="sitrep-{pk}-{stamp}.docx"'
    return response


sitrep_urlpatterns = [
    path("<int:pk>/sitrep/", sitrep_page, name="incidents-sitrep"),
    path("<int:pk>/sitrep.docx", sitrep_docx, name="incidents-sitrep-docx"),
]
