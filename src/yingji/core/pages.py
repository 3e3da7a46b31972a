"""What the apps' page views share: the refusal page, the status of a refused form, a
filtered and searched list, and the region a statistics page is about (with its crumbs).

A page shows a service's refusal next to the form it came from; these helpers keep the status
codes and messages the same on every page (422 bad input, 409 a step the state does not allow,
403 a role, 404 outside the jurisdiction).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from pydantic import BaseModel, ValidationError

from yingji.core.errors import DomainError, Forbidden, InvalidInput, NotFound
from yingji.core.scoping import home_region, jurisdiction_of, region_for
from yingji.kernels import codes
from yingji.regions import selectors as region_selectors

if TYPE_CHECKING:
    from yingji.regions.models import Region

T = TypeVar("T")
Q = TypeVar("Q", bound=BaseModel)


def deny(request: HttpRequest, message: str) -> HttpResponse:
    """The 403 page with ``message``."""
    messages.error(request, message)
    return render(request, "web/forbidden.html", status=403)


def status_of(exc: DomainError) -> int:
    """A form field naming something outside the jurisdiction is bad input (422), not a 404."""
    return 422 if isinstance(exc, NotFound) and exc.field else exc.status


def refusal(request: HttpRequest, exc: DomainError) -> HttpResponse | None:
    """A refused action with no form to show it in: the 403 page for a role, 404 outside the
    jurisdiction, otherwise the message and None (the caller goes back where it came from)."""
    if isinstance(exc, Forbidden):
        return deny(request, exc.message)
    if isinstance(exc, NotFound):
        raise Http404(exc.message) from exc
    messages.error(request, exc.message)
    return None


def searched(
    request: HttpRequest, keys: Iterable[str], search: Callable[..., T], *args: Any
) -> tuple[dict[str, str], T]:
    """The list's filters from the query string and ``search(*args, **filters)``; a filter
    the search refuses is a message, and the list is shown unfiltered."""
    filters = {key: request.GET.get(key, "").strip()[:60] for key in keys}
    try:
        return filters, search(*args, **filters)
    except InvalidInput as exc:
        messages.error(request, _("Filter ignored: %(message)s") % {"message": exc.message})
        return dict.fromkeys(filters, ""), search(*args)


def region_param(request: HttpRequest) -> Region:
    """The ``region`` of the query string (default: home); a malformed code is a message and
    the home region, a region outside the jurisdiction is 404."""
    user: Any = request.user
    try:
        return region_for(user, request.GET.get("region", ""))
    except InvalidInput as exc:
        messages.error(request, exc.message)
        return home_region(user)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def crumbs(request: HttpRequest, region: Region) -> list[dict[str, str]]:
    """The way from the user's home region down to ``region`` (the regions above the home
    region are left out)."""
    jurisdiction = jurisdiction_of(request.user)
    trail = [*region_selectors.ancestors(region), region]
    return [
        {"code": codes.display(r.code), "name": r.name}
        for r in trail
        if jurisdiction.covers(r.path)
    ]


def list_filters(
    request: HttpRequest, schema: type[Q], keys: Iterable[str], *,
    fixed: dict[str, Any] | None = None, report: bool = True,
) -> Q:  # fmt: skip
    """A list page's filters from its query string (each value trimmed to 80 characters, plus
    the ``fixed`` ones), checked by the API's query ``schema``: a bad filter is dropped and,
    with ``report``, named in a message on the page, and the list shows without it."""
    raw = {key: request.GET.get(key, "").strip()[:80] for key in keys}
    data: dict[str, Any] = {key: value for key, value in raw.items() if value}
    data.update(fixed or {})
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        bad = {str(e["loc"][-1]) for e in exc.errors() if e.get("loc")}
        if report:
            messages.error(
                request, _("Filter ignored: %(fields)s") % {"fields": ", ".join(sorted(bad))}
            )
        return schema.model_validate({k: v for k, v in data.items() if k not in bad})


def filter_query(
    filters: BaseModel, keys: Iterable[str], *, blank: Collection[Any] = ("", None),
    **changes: Any,
) -> str:  # fmt: skip
    """The query string of ``filters`` with ``changes`` (a tab's link), leaving out the
    ``blank`` values."""
    values = {key: getattr(filters, key) for key in keys}
    values.update(changes)
    return urlencode({k: v for k, v in values.items() if v not in blank})
