"""The 防御指南 page: every warning type and colour with the guide the drafting form offers,
where its text comes from, and — for the provincial bureau — the form to edit it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from yingji.alerts import catalogue
from yingji.alerts.models import Guidance
from yingji.alerts.services import guides
from yingji.core.errors import DomainError
from yingji.core.permissions import Cap, has


def _deny(request: HttpRequest) -> HttpResponse:
    messages.error(request, _("Your roles do not include warnings."))
    return render(request, "web/forbidden.html", status=403)


@login_required
def guide_list(request: HttpRequest) -> HttpResponse:
    if not has(request.user, Cap.VIEW_WARNINGS):
        return _deny(request)
    rows = guides.table()
    editable = has(request.user, Cap.REVIEW_WARNINGS) and guides.may_edit(request.user)
    return render(request, "alerts/guides.html", {
        "rows": rows, "editable": editable, "tab": "guides",
        "missing": sum(1 for r in rows if r["guide"] is None),
    })  # fmt: skip


@login_required
def guide_edit(request: HttpRequest, event_type: str, level: int) -> HttpResponse:
    kind = catalogue.BY_CODE.get(event_type)
    if kind is None or level not in kind.levels:
        raise Http404
    if not (has(request.user, Cap.REVIEW_WARNINGS) and guides.may_edit(request.user)):
        return _deny(request)
    current = Guidance.objects.filter(event_type=event_type, level=level).first()
    text = current.instruction if current else ""
    status = 200
    if request.method == "POST":
        text = request.POST.get("instruction", "")[: guides.MAX_LENGTH + 1]
        try:
            guides.edit(request.user, event_type, level, text)
        except DomainError as exc:
            messages.error(request, str(exc))
            status = exc.status
        else:
            messages.success(request, _("Defence guide saved"))
            return redirect("alerts-guides")
    return render(request, "alerts/guide_edit.html", {
        "title": catalogue.title(event_type, level), "instruction": text, "guide": current,
        "max_length": guides.MAX_LENGTH, "tab": "guides",
    }, status=status)  # fmt: skip
