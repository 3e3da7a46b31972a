"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from yingji import __version__
from yingji.core.permissions import capabilities_of
from yingji.web import navigation


def site(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    caps = {c.value for c in capabilities_of(user)} if user is not None else set()
    return {
        "YINGJI_VERSION": __version__,
        "TILE_URL": settings.TILE_URL,
        "caps": caps,
        "nav": navigation.Lazy(user, caps),
    }
