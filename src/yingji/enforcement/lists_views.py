"""Pages of 一单两库: the inspection-item list (with its checklist and Excel round trip), the
inspector pool, and conflicts of interest (回避) — recorded by staff, or declared by an
inspector for themself ("申报回避", linked from their task list).

Like every enforcement page: reads and writes through the services, 404 outside the
jurisdiction, the service's refusal shown in the form (422 input, 409 state, 403 role).
"""

from __future__ import annotations

from typing import Any, Final

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yingji.core.errors import DomainError, Forbidden, NotFound
from yingji.core.pages import deny, refusal, status_of
from yingji.core.permissions import Cap, has
from yingji.core.scoping import scope
from yingji.enforcement import draw_forms as forms
from yingji.enforcement import selectors
from yingji.enforcement.models import ConflictReason, InspectionItem
from yingji.enforcement.services import lists, lists_excel
from yingji.enforcement.services.draw_checks import KEY_COLOURS
from yingji.registry.models.enterprise import Enterprise

PAGE_SIZE: Final = 30
MAX_UPLOAD: Final = lists_excel.MAX_BYTES
BLANK_POINTS: Final = 3


def _item(request: HttpRequest, pk: int) -> InspectionItem:
    try:
        return lists.get_item(request.user, pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _can_change(user: Any, item: InspectionItem) -> bool:
    try:
        lists.may_change(user, item)
    except Forbidden:
        return False
    return item.voided_at is None


# ---------------------------------------------------------------- items


@login_required
def item_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not has(user, Cap.VIEW_ENFORCEMENT):
        return deny(request, _("Your roles do not include enforcement."))
    q, state = forms.clip(request.GET.get("q"), 100), forms.clip(request.GET.get("state"), 20)
    try:
        found = lists.search_items(user, q=q, state=state or "live")
    except DomainError as exc:
        messages.error(request, exc.message)
        q, state, found = "", "", lists.search_items(user)
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(lists_excel.export(found[:5000]), content_type=lists_excel.XLSX)
        response["Content-Disposition"] = 'attachment; filename="inspection-items.xlsx"'
        return response
    context = {
        "page": Paginator(found, PAGE_SIZE).get_page(request.GET.get("page")),
        "q": q,
        "state": state or "live",
        "can_manage": has(user, Cap.MANAGE_ENFORCEMENT),
    }
    return render(request, "enforcement/lists_items.html", context)


@login_required
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    context = {
        "item": item,
        "can_change": _can_change(request.user, item),
        "key_list": forms.colour_list(item.key_colours),
    }
    return render(request, "enforcement/lists_item.html", context)


@login_required
def item_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = request.user
    if not has(user, Cap.MANAGE_ENFORCEMENT):
        return deny(request, _("Your roles do not allow changing the item list."))
    item = _item(request, pk) if pk is not None else None
    if item is not None and not _can_change(user, item):
        return deny(request, _("Only the issuing office or a higher one may change this item."))
    region = getattr(user, "region", None)
    values: dict[str, Any] = (
        {
            **{
                n: getattr(item, n)
                for n in (
                    "code",
                    "name",
                    "legal_basis",
                    "industries",
                    "hazchem_only",
                    "active",
                    "checklist",
                )
            },
            "region": item.region_id,
            "share": f"{item.share * 100:g}",
            "key_colours": item.key_colours.split(","),
        }
        if item is not None
        else {
            "region": region.code if region else "",
            "share": "5",
            "active": True,
            "key_colours": ["red", "orange"],
            "checklist": [],
        }
    )
    failure, status = None, 200
    if request.method == "POST":
        data = forms.item_data(request.POST)
        values = {**data, "share": forms.clip(request.POST.get("share"), 40)}
        try:
            if item is None:
                item = lists.create_item(actor=user, data=data)
                messages.success(request, _("Item %(code)s added.") % {"code": item.code})
            else:
                item = lists.update_item(actor=user, pk=item.pk, data=data)
                messages.success(request, _("Changes saved."))
        except Forbidden as exc:
            return deny(request, exc.message)
        except DomainError as exc:
            failure, status = forms.failure(exc), status_of(exc)
        else:
            return redirect("enforcement-item", pk=item.pk)
    points = list(values.get("checklist") or []) + [{}] * BLANK_POINTS
    context = {
        "item": item,
        "values": values,
        "points": points,
        "failure": failure,
        "key_options": [(c, forms.COLOUR_LABELS[c]) for c in KEY_COLOURS],
    }
    return render(request, "enforcement/lists_item_form.html", context, status=status)


@login_required
@require_POST
def item_void(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    try:
        lists.void_item(
            actor=request.user, pk=item.pk, reason=forms.clip(request.POST.get("reason"), 1000)
        )
    except Forbidden as exc:
        return deny(request, exc.message)
    except DomainError as exc:
        context = {
            "item": item,
            "can_change": _can_change(request.user, item),
            "failure": forms.failure(exc),
            "key_list": forms.colour_list(item.key_colours),
        }
        return render(request, "enforcement/lists_item.html", context, status=status_of(exc))
    messages.success(request, _("Item %(code)s voided.") % {"code": item.code})
    return redirect("enforcement-item", pk=item.pk)


@login_required
def item_import(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not has(user, Cap.MANAGE_ENFORCEMENT):
        return deny(request, _("Your roles do not allow changing the item list."))
    if request.method != "POST":
        return render(request, "enforcement/lists_import.html", {})
    upload = request.FILES.get("file")
    context: dict[str, Any] = {"dry_run": bool(request.POST.get("dry_run"))}
    status = 200
    if upload is None or (upload.size or 0) > MAX_UPLOAD:
        problem = _("Choose an .xlsx file.") if upload is None else _("The file is too large.")
        context["failure"], status = {"field": "file", "message": problem}, 422
    else:
        try:
            context["result"] = lists_excel.import_items(
                actor=user, content=upload.read(), dry_run=context["dry_run"]
            )
        except Forbidden as exc:
            return deny(request, exc.message)
        except DomainError as exc:
            context["failure"], status = forms.failure(exc), status_of(exc)
    return render(request, "enforcement/lists_import.html", context, status=status)


# ---------------------------------------------------------------- the inspector pool


@login_required
def inspector_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not has(user, Cap.VIEW_ENFORCEMENT) or selectors.is_enterprise(user):
        return deny(request, _("The inspector pool is for enforcement staff."))
    q, state = forms.clip(request.GET.get("q"), 100), forms.clip(request.GET.get("state"), 20)
    try:
        found = lists.inspectors(user, q=q, state=state or "active")
    except DomainError as exc:
        messages.error(request, exc.message)
        q, state, found = "", "", lists.inspectors(user)
    can_manage = has(user, Cap.MANAGE_ENFORCEMENT)
    failure, status, values = None, 200, {}
    if request.method == "POST":
        if not can_manage:
            return deny(request, _("Your roles do not allow changing the inspector pool."))
        values = {
            k: forms.clip(request.POST.get(k), 400)
            for k in ("user", "certificate_number", "qualifications", "region", "name")
        }
        try:
            person = lists.add_inspector(actor=user, data=values)
        except DomainError as exc:
            failure, status = forms.failure(exc), status_of(exc)
        else:
            messages.success(request, _("%(name)s is in the pool.") % {"name": person.name})
            return redirect("enforcement-inspectors")
    context = {
        "page": Paginator(found, PAGE_SIZE).get_page(request.GET.get("page")),
        "q": q,
        "state": state or "active",
        "can_manage": can_manage,
        "failure": failure,
        "values": values,
        "candidates": list(lists.candidates(user)[:500]) if can_manage else [],
    }
    return render(request, "enforcement/lists_inspectors.html", context, status=status)


@login_required
@require_POST
def inspector_active(request: HttpRequest, pk: int) -> HttpResponse:
    active = request.POST.get("active") == "1"
    try:
        person = lists.set_inspector_active(
            actor=request.user,
            pk=pk,
            active=active,
            reason=forms.clip(request.POST.get("reason"), 1000),
        )
    except DomainError as exc:
        return refusal(request, exc) or redirect("enforcement-inspectors")
    messages.success(
        request,
        (_("%(name)s is active again.") if active else _("%(name)s is deactivated."))
        % {"name": person.name},
    )
    return redirect("enforcement-inspectors")


# ---------------------------------------------------------------- conflicts (回避)


@login_required
def conflict_list(request: HttpRequest) -> HttpResponse:
    """Staff: the conflicts of their pool and a form to record one. Inspectors: their own
    declarations and the 申报回避 form."""
    user = request.user
    if not has(user, Cap.VIEW_ENFORCEMENT) or selectors.is_enterprise(user):
        return deny(request, _("Conflicts of interest are for enforcement staff."))
    staff = has(user, Cap.MANAGE_ENFORCEMENT)
    me = selectors.inspector_of(user)
    may_declare = staff or (has(user, Cap.INSPECT) and me is not None)
    failure, status, values = None, 200, {}
    if request.method == "POST":
        values = {
            k: forms.clip(request.POST.get(k), 400)
            for k in ("inspector", "enterprise", "reason", "note")
        }
        try:
            declared = lists.declare_conflict(actor=user, data=values)
        except Forbidden as exc:
            return deny(request, exc.message)
        except DomainError as exc:
            failure, status = forms.failure(exc), status_of(exc)
        else:
            messages.success(
                request,
                _("Conflict recorded: %(who)s will not be drawn for %(firm)s.")
                % {"who": declared.inspector.name, "firm": declared.enterprise.name},
            )
            return redirect("enforcement-conflicts")
    show_all = request.GET.get("all") == "1"
    found = lists.conflicts(user, live=not show_all)
    context = {
        "page": Paginator(found, PAGE_SIZE).get_page(request.GET.get("page")),
        "staff": staff,
        "me": me,
        "may_declare": may_declare,
        "failure": failure,
        "values": values,
        "reasons": ConflictReason.choices,
        "show_all": show_all,
        "pool": list(lists.inspectors(user)[:500]) if staff else [],
    }
    return render(request, "enforcement/lists_conflicts.html", context, status=status)


@login_required
@require_POST
def conflict_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        lists.withdraw_conflict(
            actor=request.user, pk=pk, reason=forms.clip(request.POST.get("reason"), 1000)
        )
    except DomainError as exc:
        return refusal(request, exc) or redirect("enforcement-conflicts")
    messages.success(request, _("Conflict withdrawn."))
    return redirect("enforcement-conflicts")


@login_required
def enterprise_search(request: HttpRequest) -> JsonResponse:
    """The conflict form's enterprise picker: enterprises of the user's jurisdiction."""
    user = request.user
    text = forms.clip(request.GET.get("q"), 60).strip()
    if not has(user, Cap.VIEW_ENFORCEMENT) or selectors.is_enterprise(user) or len(text) < 2:
        return JsonResponse({"results": []})
    found = scope(Enterprise.objects.filter(voided_at__isnull=True), user).filter(
        Q(name__icontains=text) | Q(credit_code__startswith=text.upper())
    )
    rows = found.order_by("name").values_list("name", "credit_code")[:20]
    return JsonResponse({"results": [{"label": f"{n}（{c}）", "code": c} for n, c in rows]})
