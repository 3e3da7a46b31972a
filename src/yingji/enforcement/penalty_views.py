"""Penalty pages: the case list, filing a case, a case's page (timeline, documents, one form
per allowed step), the discretion table, and an enterprise's enforcement record.

Reads go through the scoped selectors (a case outside the user's reach is 404, like one that
does not exist); writes go through the services, whose refusals come back in the form they
came from: 422 for bad input (naming the field), 409 for a step the state does not allow.
"""

from __future__ import annotations

from typing import Any, Final

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yingji.core.errors import DomainError, Forbidden, InvalidInput, NotFound
from yingji.core.pages import deny, status_of
from yingji.core.permissions import Cap, has
from yingji.core.scoping import scope
from yingji.enforcement import penalty_forms as forms
from yingji.enforcement import selectors
from yingji.enforcement.models import (
    CaseState,
    Circumstance,
    DiscretionRule,
    Execution,
    Finding,
    Payment,
    PenaltyCase,
)
from yingji.enforcement.services import discretion, penalties
from yingji.hazards.selectors import enterprise_of
from yingji.registry.models.enterprise import Enterprise

PAGE_SIZE: Final = 30
MAX_PK: Final = 2**63 - 1
LABELS: Final = {"file": "立案", **{s.action: s.label for s in penalties.STEPS}}
RULE_FIELDS: Final = (
    "code", "violation", "violated_provision", "penalty_provision", "circumstance",
    "circumstance_text", "min_yuan", "max_yuan", "other_measures", "region",
)  # fmt: skip


def failure(exc: DomainError, **extra: Any) -> dict[str, Any]:
    return {"field": exc.field or "", "message": exc.message, "code": exc.code, **extra}


def _case(request: HttpRequest, pk: int) -> PenaltyCase:
    try:
        return selectors.get(selectors.cases(request.user), pk, "penalty case")
    except NotFound as exc:
        raise Http404(exc.message) from exc


# ---------------------------------------------------------------- the case list


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    if not has(request.user, Cap.VIEW_ENFORCEMENT):
        return deny(request, _("Your roles do not include enforcement."))
    try:
        filters = forms.case_filters(request.GET)
    except InvalidInput as exc:
        messages.error(request, exc.message)
        filters = forms.CaseFilters()
    rows = forms.case_rows(request.user, filters)  # type: ignore[arg-type]
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "filters": filters,
        "states": CaseState.choices,
        "payments": Payment.choices,
        "regions": forms.county_choices(request.user),
        "can_file": has(request.user, Cap.MANAGE_ENFORCEMENT) or has(request.user, Cap.INSPECT),
    }
    return render(request, "enforcement/case_list.html", context)


# ---------------------------------------------------------------- filing


def _enterprise_key(request: HttpRequest, text: str) -> str:
    """A credit code typed into the form becomes the enterprise's id (within the scope)."""
    text = text.strip().upper()
    if len(text) == 18 and text.isalnum() and not text.isdigit():
        live = scope(Enterprise.objects.filter(voided_at__isnull=True), request.user)
        found = live.filter(credit_code=text).values_list("pk", flat=True).first()
        return str(found) if found else "0"
    return text


@login_required
def case_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not (has(user, Cap.MANAGE_ENFORCEMENT) or has(user, Cap.INSPECT)):
        return deny(request, _("Your roles do not allow filing penalty cases."))
    source = request.POST if request.method == "POST" else request.GET
    values = {k: str(source.get(k, ""))[:6000] for k in
              ("enterprise", "task", "finding", "rule", "facts", "filed_on")}  # fmt: skip
    task = None
    if values["task"].isdigit() and len(values["task"]) < 19:
        task = selectors.tasks(user).filter(pk=int(values["task"])).select_related(
            "enterprise", "item").first()  # fmt: skip
    failed, status = None, 200
    if request.method == "POST":
        data = {**values, "enterprise": _enterprise_key(request, values["enterprise"])}
        try:
            case = penalties.file_case(actor=user, data=data)
        except Forbidden as exc:
            return deny(request, exc.message)
        except DomainError as exc:
            failed, status = failure(exc), status_of(exc)
        else:
            messages.success(request, _("Case %(code)s filed.") % {"code": case.code})
            return redirect("enforcement-case", pk=case.pk)
    findings = (
        Finding.objects.filter(task=task, compliant=False).order_by("point_id") if task else []
    )
    context = {
        "values": values,
        "task": task,
        "findings": findings,
        "rules": discretion.ordered(discretion.visible(user).filter(voided_at__isnull=True)),
        "failure": failed,
    }
    return render(request, "enforcement/case_new.html", context, status=status)


# ---------------------------------------------------------------- a case


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if pk > MAX_PK:
        raise Http404("No such case")
    return _detail(request, _case(request, pk))


def _detail(
    request: HttpRequest, case: PenaltyCase, failed: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    steps = penalties.allowed(request.user, case)
    states = dict(CaseState.choices)
    context = {
        "case": case,
        "rule": case.rule,
        "events": [
            {
                "event": e,
                "label": LABELS.get(e.action, e.action),
                "source": states.get(e.from_state, e.from_state),
                "target": states.get(e.to_state, e.to_state),
            }
            for e in case.events.select_related("actor")
        ],
        "documents": selectors.documents(request.user).filter(case=case).order_by("issued_at"),
        "publication": getattr(case, "publication", None),
        "steps": steps,
        "labels": {s.action: s.label for s in penalties.STEPS},
        "court_from": penalties.court_from(case.decided_on) if case.decided_on else None,
        "payments": [(p.value, p.label) for p in (Payment.PAID, Payment.DEFERRED)],
        "executions": [(e.value, e.label) for e in (Execution.COURT, Execution.DONE)],
        "failure": failed,
        "posted": request.POST if failed else {},
        "can_manage": has(request.user, Cap.MANAGE_ENFORCEMENT),
    }
    return render(request, "enforcement/case_detail.html", context, status=status)


@login_required
@require_POST
def case_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if pk > MAX_PK:
        raise Http404("No such case")
    case = _case(request, pk)
    data = {k: str(v)[:6000] for k, v in request.POST.items() if k != "csrfmiddlewaretoken"}
    try:
        penalties.act(actor=request.user, pk=case.pk, action=action, data=data)
    except Forbidden as exc:
        return deny(request, exc.message)
    except DomainError as exc:
        return _detail(request, _case(request, pk), failure(exc, action=action), status_of(exc))
    label = penalties.BY_ACTION[action].label
    messages.success(request, _("%(step)s recorded.") % {"step": label})
    return redirect("enforcement-case", pk=case.pk)


@login_required
def case_document(request: HttpRequest, pk: int, doc: int) -> HttpResponse:
    if pk > MAX_PK or doc > MAX_PK:
        raise Http404("No such document")
    case = _case(request, pk)
    found = selectors.documents(request.user).filter(case=case, pk=doc).first()
    if found is None:
        raise Http404("No such document")
    response = HttpResponse(bytes(found.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{found.kind}-{found.pk}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


# ---------------------------------------------------------------- the discretion table


@login_required
def discretion_list(request: HttpRequest) -> HttpResponse:
    if not has(request.user, Cap.VIEW_ENFORCEMENT):
        return deny(request, _("Your roles do not include enforcement."))
    q = forms.clip(request.GET.get("q"))
    history = request.GET.get("history") == "1"
    rows = discretion.visible(request.user).select_related("region")
    rows = rows if history else rows.filter(voided_at__isnull=True)
    if q:
        rows = rows.filter(code__icontains=q) | rows.filter(violation__icontains=q)
    page = Paginator(discretion.ordered(rows), 60).get_page(request.GET.get("page"))
    editable = set(
        scope(DiscretionRule.objects.filter(voided_at__isnull=True), request.user).values_list(
            "pk", flat=True
        )
    ) if has(request.user, Cap.MANAGE_ENFORCEMENT) else set()  # fmt: skip
    context = {"page": page, "q": q, "history": history, "editable": editable,
               "can_add": has(request.user, Cap.MANAGE_ENFORCEMENT)}  # fmt: skip
    return render(request, "enforcement/case_discretion.html", context)


@login_required
def discretion_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    if not has(request.user, Cap.MANAGE_ENFORCEMENT):
        return deny(request, _("Your roles do not allow editing the discretion table."))
    rule = None
    if pk is not None:
        rule = scope(DiscretionRule.objects.filter(voided_at__isnull=True), request.user).filter(
            pk=min(pk, MAX_PK)
        ).first()  # fmt: skip
        if rule is None:
            raise Http404("No such discretion rule")
    values = {name: str(getattr(rule, name, "") or "") for name in RULE_FIELDS} if rule else {}
    if rule:
        values["region"] = rule.region_path
    failed, status = None, 200
    if request.method == "POST":
        values = {name: str(request.POST.get(name, ""))[:1000] for name in RULE_FIELDS}
        try:
            if rule is None:
                saved = discretion.add_rule(actor=request.user, data=values)
            else:
                saved = discretion.edit_rule(actor=request.user, pk=rule.pk, data=values)
        except DomainError as exc:
            failed, status = failure(exc), status_of(exc)
        else:
            messages.success(request, _("Rule %(rule)s saved.") % {"rule": str(saved)})
            return redirect(reverse("enforcement-discretion") + f"?q={saved.code}")
    context = {"rule": rule, "values": values, "failure": failed,
               "circumstances": Circumstance.choices}  # fmt: skip
    return render(request, "enforcement/case_discretion_form.html", context, status=status)


@login_required
@require_POST
def discretion_void(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        discretion.void_rule(
            actor=request.user, pk=min(pk, MAX_PK), reason=request.POST.get("reason")
        )
    except Forbidden as exc:
        return deny(request, exc.message)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Rule voided."))
    return redirect("enforcement-discretion")


# ---------------------------------------------------------------- an enterprise's record


def _visible_enterprise(request: HttpRequest, pk: int) -> Enterprise:
    user = request.user
    own = enterprise_of(user)
    if selectors.is_enterprise(user):
        if own is None or own.pk != pk:
            raise Http404("No such enterprise")
        return own
    found = scope(Enterprise.objects.all(), user).filter(pk=min(pk, MAX_PK)).first()
    if found is None:
        raise Http404("No such enterprise")
    return found


@login_required
def enterprise_record(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    if not has(user, Cap.VIEW_ENFORCEMENT):
        return deny(request, _("Your roles do not include enforcement."))
    firm = _visible_enterprise(request, pk)
    tasks = list(selectors.tasks(user).filter(enterprise=firm).select_related("item")
                 .order_by("-due_on", "-pk")[:200])  # fmt: skip
    findings = (
        Finding.objects.filter(task__in=[t.pk for t in tasks], compliant=False)
        .select_related("task", "hazard")
        .order_by("-recorded_at")
    )
    context = {
        "firm": firm,
        "tasks": tasks,
        "findings": findings,
        "documents": selectors.documents(user).filter(enterprise=firm).order_by("-issued_at")[:200],
        "cases": selectors.cases(user)
        .filter(enterprise=firm)
        .select_related("rule")
        .order_by("-filed_on", "-pk"),
        "publications": selectors.publications(user)
        .filter(enterprise=firm)
        .order_by("-fact_on", "-pk"),
        "rating": selectors.ratings(user).filter(enterprise=firm).first(),
        "code_url": _code_url(request, firm),
    }
    return render(request, "enforcement/record_detail.html", context)


def _code_url(request: HttpRequest, firm: Enterprise) -> str:
    """The credit part's page of the enterprise's safety code, if it has one the user sees."""
    if not selectors.codes(request.user).filter(enterprise=firm).exists():
        return ""
    try:
        return reverse("enforcement-code-detail", args=[firm.pk])
    except NoReverseMatch:  # the credit part is not installed
        return ""
