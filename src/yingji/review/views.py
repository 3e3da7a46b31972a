"""The plan-targets cockpit (规划指标驾驶舱), mounted at /review/: the grid of indicator cards
for the user's scope region, and one indicator's page with its formula, trend and drill-down.

Reads go through :mod:`yingji.review.selectors`; a region outside the user's jurisdiction is
404. A manual value is entered (or voided) on the indicator page through
:mod:`yingji.review.services`; bad input comes back on the page with the field named (422).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from yingji.core.errors import DomainError, NotFound
from yingji.core.permissions import Cap, has
from yingji.review import selectors, services
from yingji.review.indicators import AREAS, STATUSES, Indicator

STATUS_CLASSES: Final = {"met": "met", "not_met": "not-met", "no_data": "no-data",
                         "manual_pending": "pending"}  # fmt: skip
FORM_FIELDS: Final = ("region", "period", "value", "source", "note", "pk", "reason", "action")


def status_labels() -> dict[str, str]:
    return {"met": _("Met"), "not_met": _("Not met"), "no_data": _("No data"),
            "manual_pending": _("Awaiting entry")}  # fmt: skip


def show(value: float | None, unit: str) -> str:
    """A figure as the cockpit prints it: 85.0 %, 0.126 ‰, 45.3 分钟, 0.000121."""
    if value is None:
        return ""
    if unit == "%":
        return f"{value:.1f} %"
    if unit == "‰":
        return f"{value:.3f} ‰"
    if unit == "min":
        return f"{value:.1f} 分钟"
    if unit == "h":
        return f"{value:.1f} 小时"
    return f"{value:.6f}".rstrip("0").rstrip(".") if value else "0"


def count(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def _deny(request: HttpRequest) -> HttpResponse:
    messages.error(request, _("Your roles do not include the plan targets."))
    return render(request, "web/forbidden.html", status=403)


def _series(trend: list[tuple[dt.date, float | None]]) -> list[list[Any]]:
    return [[day.isoformat(), value] for day, value in trend]


@login_required
def cockpit(request: HttpRequest) -> HttpResponse:
    if not has(request.user, Cap.VIEW_REVIEW):
        return _deny(request)
    wanted = request.GET.get("status", "")
    wanted = wanted if wanted in STATUSES else ""
    try:
        data = selectors.cockpit(request.user, request.GET.get("region", ""))  # type: ignore[arg-type]
    except NotFound as exc:
        raise Http404(exc.message) from exc
    labels = status_labels()
    cards, sparks = [], {}
    for figure in data["figures"]:
        ind: Indicator = figure.indicator
        sparks[ind.id] = _series(figure.trend)
        cards.append({
            "ind": ind, "f": figure, "value": show(figure.value, ind.target.unit),
            "status": figure.status, "status_label": labels[figure.status],
            "css": STATUS_CLASSES[figure.status],
            "hidden": bool(wanted) and figure.status != wanted,
        })  # fmt: skip
    groups = [{"key": key, "zh": zh, "en": en, "cards": [c for c in cards if c["ind"].area == key]}
              for key, zh, en in AREAS]  # fmt: skip
    tally = {s: sum(1 for c in cards if c["status"] == s) for s in STATUSES}
    return render(request, "review/cockpit.html", {
        **data, "groups": groups, "sparks": sparks, "wanted": wanted, "tally": tally,
        "statuses": [(s, labels[s], STATUS_CLASSES[s]) for s in STATUSES],
        "snapshots": any(len(f.trend) > 1 for f in data["figures"] if f.indicator.compute),
    })  # fmt: skip


@login_required
def indicator(request: HttpRequest, indicator_id: str) -> HttpResponse:
    if not has(request.user, Cap.VIEW_REVIEW):
        return _deny(request)
    code = request.GET.get("region", "")
    form: dict[str, str] = {}
    error: DomainError | None = None
    status = 200
    if request.method == "POST":
        form = {k: request.POST.get(k, "")[:2000] for k in FORM_FIELDS}
        try:
            _write(request, indicator_id, form)
        except DomainError as exc:
            error, status = exc, (422 if isinstance(exc, NotFound) and exc.field else exc.status)
        else:
            return redirect(f"{request.path}?region={form['region'] or code}")
    try:
        data = selectors.indicator(request.user, indicator_id, code)  # type: ignore[arg-type]
    except NotFound as exc:
        raise Http404(exc.message) from exc
    figure = data["figure"]
    ind: Indicator = figure.indicator
    labels = status_labels()
    unit = ind.target.unit
    rows = [{"d": d, "value": show(d.row.value, unit), "num": count(d.row.num),
             "den": count(d.row.den), "status_label": labels[d.status],
             "css": STATUS_CLASSES[d.status]} for d in data["rows"]]  # fmt: skip
    return render(request, "review/indicator.html", {
        **data, "ind": ind, "value": show(figure.value, unit), "num": count(figure.num),
        "den": count(figure.den), "status_label": labels[figure.status],
        "css": STATUS_CLASSES[figure.status], "table": rows, "trend": _series(figure.trend),
        "trend_start": (data["as_of"] - dt.timedelta(days=selectors.TREND_DAYS)).isoformat(),
        "area": {k: zh for k, zh, _en in AREAS}[ind.area],
        "can_enter": ind.kind == "manual" and has(request.user, Cap.MANAGE_REVIEW),
        "form": form, "error": error,
        "history": [{"m": m, "value": show(m.value, unit)} for m in data["history"]],
    }, status=status)  # fmt: skip


def _write(request: HttpRequest, indicator_id: str, form: dict[str, str]) -> None:
    actor = request.user
    if form["action"] == "void":
        services.void_manual(actor, form["pk"], reason=form["reason"])  # type: ignore[arg-type]
        messages.success(request, _("The value was voided."))
        return
    services.enter_manual(
        actor, indicator=indicator_id, region=form["region"], period=form["period"],  # type: ignore[arg-type]
        value=form["value"], source=form["source"], note=form["note"],
    )  # fmt: skip
    messages.success(request, _("The value was recorded."))
