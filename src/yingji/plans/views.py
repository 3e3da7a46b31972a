"""Plan library pages (电子预案库), mounted at /plans/: the list with search and filters, a
plan's page (roles, actions by level, versions, Word export), drafting and editing, and the
approve / new version / retire steps. Activation and drills are in :mod:`.response_views`.

Writes go through :mod:`yingji.plans.services`; a refusal is shown on the page it came from
with the message next to the field (422 bad input, 409 a step the state does not allow, 403
a role). A plan outside the user's reach is 404, as if it did not exist.
"""

from __future__ import annotations

from typing import Any, Final
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yingji.core import pages
from yingji.core.errors import DomainError, Forbidden, NotFound
from yingji.core.permissions import Cap, has
from yingji.incidents import catalogue
from yingji.plans import forms, selectors, services
from yingji.plans.models import Kind, Plan, Status
from yingji.plans.services import export
from yingji.regions.models import Level, Region

PAGE_SIZE: Final = 30
FILTER_KEYS: Final = ("q", "event_type", "kind", "region", "status")
STEPS: Final = ("approve", "new-version", "retire")
FORM_FIELDS: Final = ("code", "region", "kind", "event_types", "roles", "actions",
                      *forms.TEXT_FIELDS)  # fmt: skip


def deny(request: HttpRequest, message: str | None = None) -> HttpResponse:
    return pages.deny(request, message or _("Your roles do not include emergency plans."))


status_of = pages.status_of  # the plan pages' name (response_views imports it from here)


def pk_of(raw: Any) -> int:
    """A primary key from a form or query (0 when it is not one: the services answer 404)."""
    text = str(raw or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 19 else 0


def _plan(request: HttpRequest, pk: int) -> Plan:
    try:
        return selectors.get_plan(request.user, pk)  # type: ignore[arg-type]
    except NotFound as exc:
        raise Http404(exc.message) from exc


# ---------------------------------------------------------------- the library


@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not has(user, Cap.VIEW_INCIDENTS):
        return deny(request)
    filters, found = pages.searched(request, FILTER_KEYS, selectors.search, user)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    home = getattr(user, "region", None)
    regions = []
    if home is not None and home.level not in (Level.TOWNSHIP, Level.VILLAGE):
        regions = list(Region.objects.filter(parent=home).order_by("code"))
    context = {
        "page": page,
        "filters": filters,
        "types": catalogue.TYPE_CHOICES,
        "kinds": Kind.choices,
        "statuses": Status.choices,
        "regions": [home, *regions] if home is not None else [],
        "can_manage": has(user, Cap.MANAGE_PLANS),
    }
    return render(request, "plans/list.html", context)


# ---------------------------------------------------------------- drafting


def _form(request: HttpRequest, plan: Plan | None, values: dict[str, Any],
          error: DomainError | None = None, status: int = 200) -> HttpResponse:  # fmt: skip
    context = {
        "plan": plan,
        "values": forms.with_blanks(values),
        "error": error,
        "error_field": (error.field or "form") if error else None,
        "error_top": error is not None and error.field not in FORM_FIELDS,
        "home": getattr(request.user, "region", None),
        **forms.choices(),
    }
    return render(request, "plans/form.html", context, status=status)


@login_required
def plan_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not has(user, Cap.MANAGE_PLANS):
        return deny(request, _("Your roles do not allow managing plans."))
    if request.method == "POST":
        try:
            plan = services.create_draft(user, forms.plan_data(request.POST, new=True))  # type: ignore[arg-type]
        except DomainError as exc:
            values = forms.posted(request.POST, new=True)
            return _form(request, None, values, exc, status_of(exc))
        messages.success(request, _("Draft saved."))
        return redirect("plans-detail", pk=plan.pk)
    return _form(request, None, forms.values_of(None))


@login_required
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    if not has(user, Cap.MANAGE_PLANS):
        return deny(request, _("Your roles do not allow managing plans."))
    plan = _plan(request, pk)
    if request.method == "POST":
        try:
            services.update_draft(user, plan.pk, forms.plan_data(request.POST, new=False))  # type: ignore[arg-type]
        except DomainError as exc:
            values = forms.posted(request.POST, new=False)
            return _form(request, plan, values, exc, status_of(exc))
        messages.success(request, _("Changes saved."))
        return redirect("plans-detail", pk=plan.pk)
    if plan.status != Status.DRAFT:
        messages.error(request, _("Only a draft is edited; start a new version to change a plan"))
        return redirect("plans-detail", pk=plan.pk)
    return _form(request, plan, forms.values_of(plan))


# ---------------------------------------------------------------- a plan


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    if not has(user, Cap.VIEW_INCIDENTS):
        return deny(request)
    plan = _plan(request, pk)
    actions = list(plan.actions.all())
    by_level = [
        {"level": level, "name": catalogue.RESPONSE_LEVELS[level],
         "condition": plan.condition(level),
         "actions": [a for a in actions if a.from_level == level]}
        for level in range(4)
    ]  # fmt: skip
    versions = list(selectors.versions(plan))
    manages = has(user, Cap.MANAGE_PLANS) and selectors.manages(user, plan)  # type: ignore[arg-type]
    has_draft = any(v.status == Status.DRAFT for v in versions)
    context = {
        "plan": plan,
        "roles": list(plan.roles.all()),
        "by_level": by_level,
        "versions": versions,
        "can_edit": manages and plan.status == Status.DRAFT,
        "can_approve": manages and plan.status == Status.DRAFT,
        "can_version": manages and plan.status != Status.DRAFT and not has_draft,
        "can_retire": manages and plan.status != Status.RETIRED,
        "activations": plan.activations.count(),
    }
    return render(request, "plans/detail.html", context)


@login_required
@require_POST
def plan_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    user = request.user
    if step not in STEPS:
        messages.error(request, _("Unknown step"))
        return redirect("plans-detail", pk=pk)
    try:
        if step == "approve":
            plan = services.approve(user, pk)  # type: ignore[arg-type]
            messages.success(request, _("Approved: this version is now current."))
        elif step == "new-version":
            plan = services.new_version(user, pk)  # type: ignore[arg-type]
            messages.success(request, _("Version %(n)d drafted.") % {"n": plan.version})
            return redirect("plans-edit", pk=plan.pk)
        else:
            plan = services.retire(user, pk)  # type: ignore[arg-type]
            messages.success(request, _("Retired."))
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except Forbidden as exc:
        return deny(request, exc.message)
    except DomainError as exc:
        messages.error(request, exc.message)
        response = redirect("plans-detail", pk=pk)
        response.status_code = 303
        return response
    return redirect("plans-detail", pk=plan.pk)


@login_required
def plan_docx(request: HttpRequest, pk: int) -> HttpResponse:
    if not has(request.user, Cap.VIEW_INCIDENTS):
        return deny(request)
    try:
        plan, content = export.plan_docx(request.user, pk)  # type: ignore[arg-type]
    except NotFound as exc:
        raise Http404(exc.message) from exc
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    filename = quote(f"{plan.title}-v{plan.version}.docx")
    response["Content-Disposition"] = (
        f'attachment; filename="plan-{plan.code}-v{plan.version}.docx"; '
        f"filename*=UTF-8''{filename}"
    )
    return response
