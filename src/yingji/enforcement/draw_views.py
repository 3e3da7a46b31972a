"""Pages of 双随机: the enforcement home, the entity pool, draw plans (create, preview, draw,
void, verify, the evidence file).

Reads and writes go through the services; a plan outside the user's jurisdiction is 404 like
one that does not exist; a refusal is shown in the form it came from with the service's
message: 422 for bad input, 409 for a step the plan's state does not allow, 403 for a role
that may not act.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Final

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yingji.core.errors import DomainError, Forbidden, NotFound
from yingji.core.pages import deny, status_of
from yingji.core.permissions import Cap, has
from yingji.enforcement import draw_forms as forms
from yingji.enforcement import selectors
from yingji.enforcement.models import DrawPlan, PlanState
from yingji.enforcement.services import draw_pool, draw_verify, draws, lists
from yingji.enforcement.services.draw_checks import KEY_COLOURS
from yingji.enforcement.services.draw_home import summary
from yingji.registry.models.enterprise import EnterpriseScale, HazchemRole

PAGE_SIZE: Final = 30


def _plan(request: HttpRequest, pk: int) -> DrawPlan:
    try:
        return draws.get_plan(request.user, pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def region_choices(user: Any) -> list[Any]:
    """The user's home region and the regions one level below (a plan's or pool's region)."""
    home = getattr(user, "region", None)
    if home is None:
        return []
    return [home, *home.children.filter(level__in=draw_pool.PLAN_LEVELS).order_by("code")]


def _url(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


# ---------------------------------------------------------------- home


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not has(user, Cap.VIEW_ENFORCEMENT):
        return deny(request, _("Your roles do not include enforcement."))
    tasks_url = _url("enforcement-tasks")
    if selectors.is_field_inspector(user) and tasks_url:
        return redirect(tasks_url)
    found = summary(user)
    context = {
        "summary": found,
        "today": timezone.localdate(),
        "enterprise_view": found.kind == "enterprise",
    }
    return render(request, "enforcement/home.html", context)


# ---------------------------------------------------------------- the entity pool


@login_required
def pool_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not has(user, Cap.VIEW_ENFORCEMENT) or selectors.is_enterprise(user):
        return deny(request, _("The entity pool is for enforcement staff."))
    choices = list(lists.search_items(user))
    item = request.GET.get("item") or (str(choices[0].pk) if choices else "")
    filters = forms.pool_filters(request.GET)
    context: dict[str, Any] = {
        "items": choices,
        "regions": region_choices(user),
        "chosen": request.GET,
        "filters": filters,
        **_choices(),
    }
    status = 200
    if item:
        try:
            query = draw_pool.pool_for(
                user, item=item, region=request.GET.get("region", ""), filters=filters
            )
        except DomainError as exc:
            context["failure"], status = forms.failure(exc), status_of(exc)
        else:
            found = query.entities.select_related("region").order_by("-colour", "name", "pk")
            counts = draw_pool.colour_counts(query.entities)
            context.update(
                query=query,
                counts=counts,
                count_rows=[(c, label, counts[c]) for c, label in forms.COLOUR_LABELS.items()],
                page=Paginator(found, PAGE_SIZE).get_page(request.GET.get("page")),
            )
    return render(request, "enforcement/lists_pool.html", context, status=status)


def _choices() -> dict[str, Any]:
    return {
        "colour_options": list(forms.COLOUR_LABELS.items()),
        "key_options": [(c, forms.COLOUR_LABELS[c]) for c in KEY_COLOURS],
        "scale_options": EnterpriseScale.choices,
        "hazchem_options": HazchemRole.choices,
    }


# ---------------------------------------------------------------- plans


@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not has(user, Cap.VIEW_ENFORCEMENT) or selectors.is_enterprise(user):
        return deny(request, _("Draw plans are for enforcement staff."))
    q, state = forms.clip(request.GET.get("q"), 100), forms.clip(request.GET.get("state"), 20)
    try:
        found = draws.search(user, q=q, state=state)
    except DomainError as exc:
        messages.error(request, exc.message)
        found = draws.search(user)
    context = {
        "page": Paginator(found, PAGE_SIZE).get_page(request.GET.get("page")),
        "q": q,
        "state": state,
        "states": PlanState.choices,
        "can_manage": has(user, Cap.MANAGE_ENFORCEMENT),
    }
    return render(request, "enforcement/draw_plans.html", context)


@login_required
def plan_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not has(user, Cap.MANAGE_ENFORCEMENT):
        return deny(request, _("Your roles do not allow creating draw plans."))
    choices = list(lists.search_items(user))
    today = timezone.localdate()
    values: dict[str, Any] = {
        "starts_on": today.isoformat(),
        "due_on": (today + dt.timedelta(days=60)).isoformat(),
        "per_entity": "2",
        "region": getattr(user.region, "code", ""),  # type: ignore[union-attr]
        "replaces": forms.clip(request.GET.get("replaces"), 20),
    }
    if choices:
        first = choices[0]
        values.update(
            item=str(first.pk),
            share=f"{first.share * 100:g}",
            key_colours=first.key_colours.split(","),
        )
    failure, status = None, 200
    if request.method == "POST":
        data = forms.plan_data(request.POST)
        values = {**data, **data["filters"], "share": request.POST.get("share", "")[:40]}
        try:
            plan = draws.create_plan(actor=user, data=data)
        except Forbidden as exc:
            return deny(request, exc.message)
        except DomainError as exc:
            failure, status = forms.failure(exc), status_of(exc)
        else:
            messages.success(
                request,
                _("Plan %(code)s created: check the preview, then draw.") % {"code": plan.code},
            )
            return redirect("enforcement-plan", pk=plan.pk)
    context = {
        "items": choices,
        "regions": region_choices(user),
        "values": values,
        "failure": failure,
        **_choices(),
    }
    return render(request, "enforcement/draw_plan_form.html", context, status=status)


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    return _detail(request, plan, status=200)


def _detail(request: HttpRequest, plan: DrawPlan, *, status: int, **extra: Any) -> HttpResponse:
    user = request.user
    context: dict[str, Any] = {
        "plan": plan,
        "preview": draw_pool.preview(user, plan.pk),
        "can_manage": has(user, Cap.MANAGE_ENFORCEMENT),
        "replaced_by": DrawPlan.objects.filter(replaces=plan).first(),
        "colour_labels": forms.COLOUR_LABELS,
        "share_pct": f"{plan.share * 100:g}",
        "key_list": forms.colour_list(plan.key_colours),
        **extra,
    }
    if plan.seed:
        tasks = plan.tasks.select_related("enterprise").prefetch_related("crew__inspector")
        context.update(
            tasks=tasks.order_by("code"),
            load=draws.crew_load(plan),
            recipe=draw_verify.RECIPE.format(name=f"{plan.code}-draw.json"),
            tasks_url=_url("enforcement-tasks"),
        )
    return render(request, "enforcement/draw_plan.html", context, status=status)


@login_required
@require_POST
def plan_draw(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    try:
        plan = draws.draw(
            actor=request.user, pk=plan.pk, seed=forms.clip(request.POST.get("seed"), 200)
        )
    except Forbidden as exc:
        return deny(request, exc.message)
    except DomainError as exc:
        plan.refresh_from_db()
        return _detail(request, plan, status=status_of(exc), draw_failure=forms.failure(exc))
    messages.success(request, _("Drawn: %(n)s tasks created.") % {"n": plan.tasks.count()})
    return redirect("enforcement-plan", pk=plan.pk)


@login_required
@require_POST
def plan_void(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    try:
        plan = draws.void_plan(
            actor=request.user, pk=plan.pk, reason=forms.clip(request.POST.get("reason"), 1000)
        )
    except Forbidden as exc:
        return deny(request, exc.message)
    except DomainError as exc:
        return _detail(request, plan, status=status_of(exc), void_failure=forms.failure(exc))
    messages.success(request, _("Plan %(code)s voided.") % {"code": plan.code})
    return redirect("enforcement-plan", pk=plan.pk)


@login_required
def plan_verify(request: HttpRequest, pk: int) -> HttpResponse:
    """Re-run the recorded draw; a fragment for htmx, the whole page otherwise."""
    plan = _plan(request, pk)
    try:
        result = draw_verify.verify(request.user, plan.pk)
    except DomainError as exc:
        if request.headers.get("HX-Request"):
            return render(
                request,
                "enforcement/draw_verify.html",
                {"error": exc.message},
                status=status_of(exc),
            )
        return _detail(request, plan, status=status_of(exc), verify_error=exc.message)
    if request.headers.get("HX-Request"):
        return render(request, "enforcement/draw_verify.html", {"result": result, "plan": plan})
    return _detail(request, plan, status=200, verification=result)


@login_required
def plan_inputs(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    try:
        plan, doc = draw_verify.document(request.user, plan.pk)
    except DomainError as exc:
        raise Http404(exc.message) from exc
    body = json.dumps(doc, ensure_ascii=False, indent=1)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{plan.code}-draw.json"'
    return response
