"""Signatures drawn on a screen (static/web/signature.js) checked and made into clean PNGs.

The pad posts ``data:image/png;base64,...``. Anything else, a PNG that is too big or not a
PNG inside, and a pad nobody drew on are refused; a good one is cropped to the ink and
re-encoded from its pixels, so no chunk the browser (or a forger) put in the file survives.
"""

from __future__ import annotations

import base64
import binascii
import io

from PIL import Image as PILImage
from PIL import ImageChops, UnidentifiedImageError

PREFIX = "data:image/png;base64,"
MAX_BYTES = 500 * 1024
MAX_WIDTH, MAX_HEIGHT = 2000, 1000
PADDING = 8  # pixels of margin kept around the ink
_INK_ALPHA, _INK_GREY = 16, 224  # a pixel is ink if at least this opaque and this dark


def signature_png(data_url: str) -> bytes:
    """The PNG bytes of a canvas signature, or ValueError saying what is wrong with it."""
    raw = _decode(data_url)
    try:
        with PILImage.open(io.BytesIO(raw), formats=["PNG"]) as image:
            width, height = image.size
            if width > MAX_WIDTH or height > MAX_HEIGHT:
                raise ValueError(
                    f"the signature is {width}×{height} pixels; at most "
                    f"{MAX_WIDTH}×{MAX_HEIGHT} are allowed"
                )
            rgba = image.convert("RGBA")  # decodes it all: a truncated file fails here
    except (OSError, UnidentifiedImageError, SyntaxError) as exc:
        raise ValueError(f"the signature is not a readable PNG image ({exc})") from exc
    alpha = rgba.getchannel("A").point(lambda v: 255 if v >= _INK_ALPHA else 0)
    dark = rgba.convert("L").point(lambda v: 255 if v < _INK_GREY else 0)
    box = ImageChops.multiply(alpha, dark).getbbox()
    if box is None:
        raise ValueError("the signature is empty: nothing was drawn on the pad")
    left, top, right, bottom = box
    cropped = rgba.crop(
        (
            max(0, left - PADDING),
            max(0, top - PADDING),
            min(width, right + PADDING),
            min(height, bottom + PADDING),
        )
    )
    clean = PILImage.frombytes("RGBA", cropped.size, cropped.tobytes())  # pixels only
    out = io.BytesIO()
    clean.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _decode(data_url: object) -> bytes:
    if not isinstance(data_url, str):
        raise ValueError(f"the signature must be a data URL, not {type(data_url).__name__}")
    if not data_url.startswith(PREFIX):
        kind = data_url[5 : data_url.find(";")] if data_url.startswith("data:") else ""
        found = f" (got {kind[:40]})" if kind else ""
        raise ValueError(f"the signature must be a {PREFIX}… URL from the signature pad{found}")
    payload = data_url[len(PREFIX) :]
    if len(payload) > (MAX_BYTES + 2) // 3 * 4:
        raise ValueError(f"the signature is larger than {MAX_BYTES // 1024} KB")
    try:
        raw = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"the signature is not valid base64 ({exc})") from exc
    if not raw:
        raise ValueError("the signature is empty")
    if not raw.startswith(b"\x89PNG\r\n\x1a\n"):
        if raw.startswith(b"\xff\xd8\xff"):
            raise ValueError("the signature is a JPEG image labelled as PNG")
        if raw.lstrip()[:5].lower() in {b"<svg ", b"<?xml", b"<svg>"}:
            raise ValueError("the signature is an SVG image; only PNG is accepted")
        raise ValueError("the signature is not a PNG image")
    return raw
