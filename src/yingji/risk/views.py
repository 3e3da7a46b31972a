"""Risk pages: the four-colour map (四色图), the area risk map (五色图), an enterprise's risk
card, the red/orange list, indicator model versions and the control index (管控力指数).

Pages read through :mod:`yingji.risk.selectors` (the user's jurisdiction only: elsewhere is
404) and write through the services; the maps draw what :mod:`yingji.risk.api` serves.
"""

from __future__ import annotations

import functools
import json
from typing import Any, Final

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yingji.core import selectors as core_selectors
from yingji.core.errors import DomainError, Forbidden, InvalidInput, NotFound
from yingji.core.models import JobStatus
from yingji.core.permissions import Cap, has
from yingji.core.scoping import jurisdiction_of
from yingji.kernels import codes
from yingji.regions.models import Level, Region
from yingji.risk import api, selectors
from yingji.risk.models import HazardType, ModelStatus
from yingji.risk.services import enterprises as enterprise_services
from yingji.risk.services import versions
from yingji.risk.services.control import COMPONENTS

PAGE_SIZE: Final = 50
MAX_DEFINITION_CHARS: Final = 200_000
MAX_LISTED_CHANGES: Final = 300  # enterprises listed under a comparison
LIST_DEFAULT_COLOURS: Final = "red,orange"
OPERATORS: Final = {">=": "≥", "<=": "≤", "==": "=", "!=": "≠", ">": ">", "<": "<"}
SORTS: Final = {"-score": ("-score", "pk"), "score": ("score", "pk")}


def _deny(request: HttpRequest, message: str) -> HttpResponse:
    messages.error(request, message)
    return render(request, "web/forbidden.html", status=403)


def _no_risk(request: HttpRequest) -> HttpResponse | None:
    if has(request.user, Cap.VIEW_RISK):
        return None
    return _deny(request, _("Your roles do not include the risk maps."))


def _colours(request: HttpRequest, default: str = "") -> tuple[list[int], str]:
    """Colours from ?colour=red,orange or repeated ?colour=red&colour=orange."""
    raw = ",".join(v.strip()[:40] for v in request.GET.getlist("colour") if v.strip())
    if "colour" not in request.GET:
        raw = default
    try:
        return selectors.parse_colours(raw), raw
    except InvalidInput as exc:
        messages.error(request, exc.message)
        return selectors.parse_colours(default), default


def _region(request: HttpRequest, raw: str) -> Region:
    """The region asked for (default: home); a malformed code is a message, one outside
    the jurisdiction a 404."""
    try:
        return api.region_for(request.user, raw.strip()[:20])
    except InvalidInput as exc:
        messages.error(request, exc.message)
        return selectors.home_region(request.user)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _colour_rows() -> list[dict[str, Any]]:
    return [selectors.colour_info(c) for c in range(4)]


# ---------------------------------------------------------------- 四色图


@login_required
def enterprise_map(request: HttpRequest) -> HttpResponse:
    if denied := _no_risk(request):
        return denied
    user = request.user
    region = _region(request, request.GET.get("region", ""))
    colours, _raw = _colours(request)
    hazchem = request.GET.get("hazchem", "").strip()[:10]
    try:
        hazchem = selectors.parse_hazchem(hazchem)
    except InvalidInput as exc:
        messages.error(request, exc.message)
        hazchem = ""
    children = selectors.counts_by_child(user, region)
    totals = selectors.colour_totals(selectors.current(user, region=region.code))
    query = {"region": codes.display(region.code)}
    if colours:
        query["colour"] = ",".join(selectors.colour_info(c)["key"] for c in colours)
    if hazchem:
        query["hazchem"] = hazchem
    trail = api.crumbs(user, region)
    context = {
        "region": region,
        "region_code": codes.display(region.code),
        "crumbs": trail,
        "children": children,
        "totals": totals,
        "total": sum(totals),
        "colours": _colour_rows(),
        "selected": colours or [0, 1, 2, 3],
        "hazchem": hazchem,
        "hazchem_roles": selectors.hazchem_roles(),
        "points_url": "/api/risk/enterprises?" + urlencode(query),
        "outline": _outline(region),
        "can_assess": has(user, Cap.RUN_JOBS) and not jurisdiction_of(user).nothing,
        "runs": selectors.full_runs(user, limit=1),
        "i18n": {
            "loading": _("Loading…"),
            "showing": _("{n} enterprises on the map"),
            "truncated": _(
                "The {n} riskiest of {total} enterprises are on the map: choose a smaller "
                "region or fewer colours to see all"
            ),
            "none": _("No enterprise matches these filters."),
            "noColours": _("Tick at least one colour."),
            "loadError": _("The map data could not be loaded."),
            "card": _("Risk card"),
            "registry": _("Enterprise file"),
            "score": _("score {score}"),
        },
    }
    return render(request, "risk/map.html", context)


def _outline(region: Region) -> str:
    """The region (or the county holding it) whose boundary frames the map."""
    if region.level in api.BOUNDARY_LEVELS:
        return codes.display(region.code)
    return region.path[:6]


@login_required
@require_POST
def run_assessment(request: HttpRequest) -> HttpResponse:
    if not has(request.user, Cap.RUN_JOBS):
        return _deny(request, _("Your roles do not allow starting an assessment."))
    jurisdiction = jurisdiction_of(request.user)
    if jurisdiction.nothing:
        return _deny(request, _("Your account has no home region."))
    path = "" if jurisdiction.everything else (jurisdiction.path or "")
    job = enterprise_services.start_assess(actor=request.user, region_path=path)
    messages.success(request, _("The assessment has started; its progress shows on this page."))
    return redirect("job-detail", job_id=job.pk)


# ---------------------------------------------------------------- 五色图


@login_required
def area_map(request: HttpRequest) -> HttpResponse:
    if denied := _no_risk(request):
        return denied
    region = _region(request, request.GET.get("parent", ""))
    hazard = request.GET.get("hazard", "all")
    if hazard not in api.HAZARD_CHOICES:
        messages.error(request, _("Unknown hazard type; showing all hazards."))
        hazard = "all"
    context = {
        "parent": codes.display(region.code),
        "hazard": hazard,
        "hazards": [(k, str(n)) for k, n in HazardType.choices],
        "levels": [
            {"code": i, "name": name, "hex": selectors.LEVEL_HEX[i]}
            for i, name in reversed(list(enumerate(selectors.LEVEL_NAMES)))
        ],
        "i18n": {
            "loading": _("Loading…"),
            "loadError": _("The map data could not be loaded."),
            "noData": _("area risk is assessed for counties, townships and villages"),
            "noChildren": _("No areas below this one."),
            "count": {
                "county": _("{n} counties on the map"),
                "township": _("{n} townships on the map"),
                "village": _("{n} villages and communities on the map"),
            },
            "highestFrom": _("highest: {hazard}"),
            "drilled": _("Showing the areas inside."),
            "H": _("Hazard H"),
            "E": _("Exposure E"),
            "V": _("Vulnerability V"),
            "A": _("Capacity A"),
            "R": _("Risk index R"),
        },
    }
    return render(request, "risk/areas.html", context)


# ---------------------------------------------------------------- risk card


def _pk(pk: int) -> int:
    if pk > api.MAX_PK:
        raise Http404("No such record")
    return pk


@login_required
def card(request: HttpRequest, pk: int) -> HttpResponse:
    if denied := _no_risk(request):
        return denied
    try:
        found = selectors.card(request.user, _pk(pk))
    except NotFound as exc:
        raise Http404(exc.message) from exc
    payload = api.card_payload(found)
    inputs = [_with_texts(row) for row in found.contributions]
    top = [row for row in inputs if row["points"] > 0][:10]
    context = {
        "card": found,
        "payload": payload,
        "inputs": inputs,
        "top": top,
        "colour": payload.get("colour"),
        "score_colour": payload.get("score_colour"),
        "bands": _bands(payload.get("thresholds") or []),
        "i18n": {
            "points": _("points"),
            "max": _("maximum"),
            "value": _("value"),
            "missing": _("missing"),
            "score": _("score"),
        },
    }
    return render(request, "risk/card.html", context)


def _with_texts(row: dict[str, Any]) -> dict[str, Any]:
    """A contribution row with its figures as the card prints them (``floatformat``), worked
    out here once per figure instead of by a filter per cell."""
    bounds = row["bounds"] or ("", "")  # no bounds: the template printed "–"
    return {**row, "value_text": _number(row["value"], "-2") if row["value"] is not None else "",
            "low_text": _number(bounds[0], "-1"), "high_text": _number(bounds[1], "-1"),
            "points_text": _number(row["points"], "2"),
            "max_text": _number(row["max_points"], "2")}  # fmt: skip


def _number(value: Any, arg: str) -> str:
    return _floatformat(value, arg, translation.get_language())


@functools.lru_cache(maxsize=4096, typed=True)
def _floatformat(value: Any, arg: str, language: str | None) -> str:
    """``floatformat`` of a number in a language (a pure function of the three, so kept: the
    same points and bounds recur on every card)."""
    return floatformat(value, arg)  # type: ignore[no-any-return]


def _bands(thresholds: list[float]) -> list[dict[str, Any]]:
    """Each colour with its score range under the model's thresholds."""
    edges = [0.0, *thresholds, 100.0]
    return [{**selectors.colour_info(i), "low": edges[i], "high": edges[i + 1],
             "low_text": _number(edges[i], "-1"), "high_text": _number(edges[i + 1], "-1")}
            for i in range(min(4, len(edges) - 1))]  # fmt: skip


# ---------------------------------------------------------------- red/orange list


@login_required
def risk_list(request: HttpRequest) -> HttpResponse:
    if denied := _no_risk(request):
        return denied
    user = request.user
    colours, _raw = _colours(request, LIST_DEFAULT_COLOURS)
    region = _region(request, request.GET.get("region", ""))
    sort = request.GET.get("sort", "-score")
    sort = sort if sort in SORTS else "-score"
    rows = (
        selectors.current(user, region=region.code, colours=colours)
        .select_related("enterprise", "enterprise__region")
        .order_by(*SORTS[sort])
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    keys = ",".join(selectors.colour_info(c)["key"] for c in colours)
    runs = selectors.full_runs(user)
    since = _chosen_run(request, runs)
    changes = []
    if since is not None:
        changes = selectors.changes_since(user, since, region=region.code, limit=200)
    context = {
        "page": page,
        "region": region,
        "region_code": codes.display(region.code),
        "crumbs": api.crumbs(user, region),
        "subregions": Region.objects.filter(parent=region).order_by("code")
        if region.level != Level.VILLAGE
        else [],
        "colours": _colour_rows(),
        "selected": colours or [0, 1, 2, 3],
        "colour_keys": keys,
        "sort": sort,
        "runs": runs,
        "since": since,
        "changes": changes,
    }
    return render(request, "risk/list.html", context)


def _chosen_run(request: HttpRequest, runs: list[Any]) -> Any:
    wanted = request.GET.get("since", "")
    return next((r for r in runs if str(r.pk) == wanted), runs[0] if runs else None)


# ---------------------------------------------------------------- model versions


@login_required
def model_list(request: HttpRequest) -> HttpResponse:
    if denied := _no_risk(request):
        return denied
    rows = list(selectors.model_versions(request.user))
    active = next((v for v in rows if v.status == ModelStatus.ACTIVE), None)
    context = {
        "versions": rows,
        "active": active,
        "can_manage": has(request.user, Cap.MANAGE_RISK_MODELS),
    }
    return render(request, "risk/models.html", context)


def _version(request: HttpRequest, pk: int) -> Any:
    try:
        return selectors.model_version(request.user, _pk(pk))
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _detail(
    request: HttpRequest, version: Any, *, form: dict[str, str] | None = None, status: int = 200
) -> HttpResponse:
    user = request.user
    built = versions.compiled(version)
    job = None
    if request.GET.get("job"):
        try:
            job = core_selectors.job_for(user, request.GET["job"][:64])
        except DomainError:
            job = None
    comparison = version.comparison
    rows: list[dict[str, Any]] = []
    if comparison:
        j = jurisdiction_of(user)
        rows = [
            {**row, "before_info": selectors.colour_info(row["before"]),
             "after_info": selectors.colour_info(row["after"])}
            for row in comparison.get("rows", []) if j.covers(row.get("region_path"))
        ]  # fmt: skip
    context = {
        "version": version,
        "built": built,
        "tree": [
            {**row, "local_pct": 100 * row["local"], "global_pct": 100 * row["global"]}
            for row in selectors.indicator_tree(built)
        ],
        "bands": _bands(list(built.model.colours.thresholds)),
        "overrides": [
            {"rule": rule, "colour": selectors.colour_info(rule.min_colour), "when": _when(rule)}
            for rule in built.overrides
        ],
        "missing_policy": built.model.missing,
        "comparison": comparison,
        "matrix": _matrix(comparison) if comparison else None,
        "changes": rows[:MAX_LISTED_CHANGES],
        "changes_hidden": max(0, len(rows) - MAX_LISTED_CHANGES),
        "job": job,
        "running": job is not None and job.status in (JobStatus.QUEUED, JobStatus.RUNNING),
        "can_manage": has(user, Cap.MANAGE_RISK_MODELS),
        "form": form
        or {"definition": json.dumps(version.definition, ensure_ascii=False, indent=2), "note": ""},
    }
    return render(request, "risk/model_detail.html", context, status=status)


def _when(rule: Any) -> str:
    """A rule's clauses as people read them: open_major_hazards ≥ 1 且 …"""
    return _(" and ").join(
        f"{c.column} {OPERATORS.get(c.op, c.op)} {c.value:g}" for c in rule.clauses
    )


def _matrix(comparison: dict[str, Any]) -> list[dict[str, Any]]:
    """The 4×4 transitions as rows: before colour, then the count per after colour."""
    transitions = comparison.get("transitions") or []
    return [
        {"colour": selectors.colour_info(i),
         "cells": [{"n": n, "same": i == j, "up": j > i} for j, n in enumerate(row)]}
        for i, row in enumerate(transitions)
    ]  # fmt: skip


@login_required
def model_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if denied := _no_risk(request):
        return denied
    return _detail(request, _version(request, pk))


@login_required
@require_POST
def model_create(request: HttpRequest) -> HttpResponse:
    if not has(request.user, Cap.MANAGE_RISK_MODELS):
        return _deny(request, _("Your roles do not allow changing the indicator model."))
    base = _version(request, _int(request.POST.get("based_on")))
    text = request.POST.get("definition", "")
    note = request.POST.get("note", "").strip()[:500]
    form = {"definition": text, "note": note}
    try:
        if len(text) > MAX_DEFINITION_CHARS:
            raise InvalidInput(
                _("The definition is too long (at most %(n)s characters).")
                % {"n": MAX_DEFINITION_CHARS},
                field="definition",
            )
        try:
            definition = json.loads(text)
        except ValueError as exc:
            raise InvalidInput(
                _("The definition is not valid JSON: %(error)s") % {"error": exc},
                field="definition",
            ) from exc
        created = versions.create_version(actor=request.user, definition=definition, note=note)
    except Forbidden:
        return _deny(request, _("Your roles do not allow changing the indicator model."))
    except DomainError as exc:
        form["error"] = exc.message
        messages.error(
            request, _("The new version was not saved: %(error)s") % {"error": exc.message}
        )
        return _detail(request, base, form=form, status=422)
    messages.success(request, _("Version %(v)s created as a draft.") % {"v": created})
    return redirect("risk-model", pk=created.pk)


def _int(value: Any) -> int:
    try:
        return int(str(value))
    except ValueError:
        raise Http404("No such version") from None


@login_required
@require_POST
def model_compare(request: HttpRequest, pk: int) -> HttpResponse:
    version = _version(request, pk)
    try:
        job = versions.start_compare(actor=request.user, version=version)
    except Forbidden:
        return _deny(request, _("Your roles do not allow changing the indicator model."))
    messages.success(request, _("The comparison has started; the result shows on this page."))
    return redirect(
        f"{reverse('risk-model', kwargs={'pk': version.pk})}?{urlencode({'job': job.pk})}"
    )


@login_required
@require_POST
def model_activate(request: HttpRequest, pk: int) -> HttpResponse:
    version = _version(request, pk)
    if not has(request.user, Cap.MANAGE_RISK_MODELS):
        return _deny(request, _("Your roles do not allow changing the indicator model."))
    if request.POST.get("confirm") != "1":
        messages.error(request, _("Tick the box to confirm the activation."))
        return redirect("risk-model", pk=version.pk)
    try:
        job = versions.activate(actor=request.user, version=version)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("risk-model", pk=version.pk)
    messages.success(
        request,
        _("%(v)s is now active; every enterprise is being re-scored.") % {"v": version},
    )
    return redirect("job-detail", job_id=job.pk)


# ---------------------------------------------------------------- 管控力指数


@login_required
def control_index(request: HttpRequest) -> HttpResponse:
    if denied := _no_risk(request):
        return denied
    raw = request.GET.get("month", "").strip()[:7]
    try:
        month = api.parse_month(raw)
    except InvalidInput as exc:
        messages.error(request, exc.message)
        month = None
    rows = list(selectors.control_indices(request.user, month))
    keys = [c.key for c in COMPONENTS]
    sort = request.GET.get("sort", "-value")
    if sort.lstrip("-") in ("value", "name", *keys):
        rows.sort(key=lambda r: _sort_key(r, sort.lstrip("-")), reverse=sort.startswith("-"))
    else:
        sort = "-value"
    table = [{"row": r, "parts": [_part(r.components, key) for key in keys]} for r in rows]
    shown = rows[0].month if rows else month
    context = {
        "table": table,
        "components": COMPONENTS,
        "month": shown,
        "months": selectors.control_months(request.user),
        "sort": sort,
        "export_month": shown.isoformat() if shown else "",
    }
    return render(request, "risk/control_index.html", context)


def _part(components: list[dict[str, Any]], key: str) -> dict[str, Any] | None:
    part = next((c for c in components if c.get("key") == key), None)
    if part is None:
        return None
    rate = part.get("rate")
    return {**part, "percent": None if rate is None else round(100 * rate, 1)}


def _sort_key(row: Any, key: str) -> Any:
    if key == "value":
        return row.value
    if key == "name":
        return row.region_id
    part = _part(row.components, key)
    rate = part.get("rate") if part else None
    return -1.0 if rate is None else rate
