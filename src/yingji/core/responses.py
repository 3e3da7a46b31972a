"""Response helpers shared by the map endpoints."""

from __future__ import annotations

import json
from typing import Any, Final

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers
from django.utils.text import compress_string

GZIP_MIN_BYTES: Final = 1_024


def compact_json(
    request: HttpRequest, body: Any, content_type: str = "application/json; charset=utf-8"
) -> HttpResponse:
    """Compact UTF-8 JSON, gzipped when the browser accepts it: thousands of map points are
    about a megabyte as text and a fifth or less compressed, which matters on a phone.
    (No secret is in these bodies, so compressing them next to reflected input is safe: BREACH.)
    """
    content = json.dumps(
        body, ensure_ascii=False, separators=(",", ":"), cls=DjangoJSONEncoder
    ).encode()
    response = HttpResponse(content_type=content_type)
    patch_vary_headers(response, ("Accept-Encoding",))
    if len(content) > GZIP_MIN_BYTES and "gzip" in request.headers.get("Accept-Encoding", ""):
        content = compress_string(content)
        response["Content-Encoding"] = "gzip"
    response.content = content
    return response
