"""The top bar's links, rendered once per kind of user instead of on every page.

The links depend only on what the user may do (their capabilities), their region (the link
to their jurisdiction), the language and the site's URL prefix: about 17 ``{% url %}`` and
``{% translate %}`` tags, half of what ``base.html`` costs per page. So the rendered HTML is
kept per process for each such combination (a bounded LRU: a province has a few hundred
combinations in use at most) and reused by every page of every user who shares it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Final

from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

TEMPLATE: Final = "web/_nav.html"
MAX_KEPT: Final = 1024

_kept: OrderedDict[tuple[Any, ...], SafeString] = OrderedDict()
_lock = threading.Lock()


def links(user: Any, caps: set[str]) -> SafeString:
    """The ``<nav>`` of ``user`` (signed in) with capabilities ``caps``."""
    region = getattr(user, "region", None)
    key = (
        translation.get_language(),
        get_script_prefix(),
        region.code if region is not None else None,
        frozenset(caps),
    )
    with _lock:
        found = _kept.get(key)
        if found is not None:
            _kept.move_to_end(key)
            return found
    html = mark_safe(render_to_string(TEMPLATE, {"user": user, "caps": caps}).strip())  # noqa: S308 - a template's output
    with _lock:
        _kept[key] = html
        while len(_kept) > MAX_KEPT:
            _kept.popitem(last=False)
    return html


def clear() -> None:
    """Forget the kept links (tests; a deployment that changes URLs restarts anyway)."""
    with _lock:
        _kept.clear()


class Lazy:
    """``links()`` when a template shows it: fragments and pages of signed-out visitors
    never pay for it."""

    def __init__(self, user: Any, caps: set[str]) -> None:
        self.user, self.caps = user, caps

    def __html__(self) -> SafeString:
        return links(self.user, self.caps)

    __str__ = __html__
