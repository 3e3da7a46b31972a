"""Response helpers of the map endpoints: compact JSON, gzipped for browsers that accept it."""

from __future__ import annotations

import json
from dataclasses import dataclass
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
    plain = _dumps(body)
    wanted = len(plain) > GZIP_MIN_BYTES and _accepts_gzip(request)
    return encoded_response(
        request, Encoded(plain, compress_string(plain) if wanted else None), content_type
    )


def _dumps(body: Any) -> bytes:
    return json.dumps(
        body, ensure_ascii=False, separators=(",", ":"), cls=DjangoJSONEncoder
    ).encode()


def _accepts_gzip(request: HttpRequest) -> bool:
    return "gzip" in request.headers.get("Accept-Encoding", "")


@dataclass(frozen=True)
class Encoded:
    """A JSON body encoded once, with its gzip form when it is worth compressing: what
    :func:`encoded_response` sends, and what a cache of answers keeps."""

    plain: bytes
    gzipped: bytes | None

    @classmethod
    def of(cls, body: Any) -> Encoded:
        plain = _dumps(body)
        return cls(plain, compress_string(plain) if len(plain) > GZIP_MIN_BYTES else None)

    @property
    def size(self) -> int:
        return len(self.plain) + len(self.gzipped or b"")


def encoded_response(request: HttpRequest, body: Encoded, content_type: str) -> HttpResponse:
    response = HttpResponse(content_type=content_type)
    patch_vary_headers(response, ("Accept-Encoding",))
    if body.gzipped is not None and _accepts_gzip(request):
        response.content = body.gzipped
        response["Content-Encoding"] = "gzip"
    else:
        response.content = body.plain
    return response
