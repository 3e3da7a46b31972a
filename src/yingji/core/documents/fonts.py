"""Which font the PDFs are set in; see the package docstring for why in this order."""

from __future__ import annotations

import functools
import hashlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
from reportlab.pdfbase.cidfonts import UnicodeCIDFont  # type: ignore[import-untyped]
from reportlab.pdfbase.ttfonts import TTFError, TTFont  # type: ignore[import-untyped]

log = logging.getLogger(__name__)

SETTING = "YINGJI_PDF_FONT"
CID_FALLBACK = "STSong-Light"  # Adobe-GB1, built into reportlab and every PDF reader
# TrueType-outline CJK fonts at their Debian paths (package in the comment), tried in order.
CANDIDATES: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),  # fonts-wqy-microhei
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),  # fonts-wqy-zenhei
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),  # fonts-arphic-uming
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0),  # fonts-droid-fallback
)
_PROBE = "应急管理局第页共号"  # a font that lacks these cannot set our documents


@dataclass(frozen=True, slots=True)
class PdfFont:
    """A font registered with reportlab: its name there, the file ("" if built in)."""

    name: str
    path: str = ""

    @property
    def embedded(self) -> bool:
        return bool(self.path)


def configured() -> str:
    """``YINGJI_PDF_FONT`` from Django settings when there is one, else from the environment;
    ``path`` or ``path#index`` for one face of a .ttc collection."""
    try:
        from django.conf import settings  # noqa: PLC0415 - optional, and never at import time

        value: object = getattr(settings, SETTING, None) if settings.configured else None
        if value:
            return str(value)
    except ImportError:  # pragma: no cover - the engine also runs without Django
        pass
    return os.environ.get(SETTING, "")


def pdf_font() -> PdfFont:
    """The font for this process's PDFs: registered once, then the same answer."""
    return _resolve(configured(), CANDIDATES)


@functools.cache
def _resolve(wanted: str, candidates: tuple[tuple[str, int], ...]) -> PdfFont:
    if wanted:
        file, _, face = wanted.partition("#")
        font = _truetype(file, int(face) if face.isdigit() else 0)
        if font:
            return font
        log.warning("%s=%s cannot be used; falling back (see above)", SETTING, wanted)
    for path, index in candidates:
        if Path(path).is_file():
            font = _truetype(path, index)
            if font:
                return font
    if CID_FALLBACK not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CID_FALLBACK))
    return PdfFont(CID_FALLBACK)


def _truetype(path: str, index: int) -> PdfFont | None:
    """Register a TrueType font that has Chinese glyphs, or say (in the log) why not."""
    name = "YingjiCJK-" + hashlib.sha256(f"{path}#{index}".encode()).hexdigest()[:10]
    try:
        font = TTFont(name, path, subfontIndex=index)
    except (TTFError, OSError, ValueError, IndexError) as exc:
        # CFF-outline OpenType (Noto Sans/Serif CJK, Source Han) ends here: "postscript outlines
        # are not supported".
        log.warning("PDF font %s#%d refused: %s", path, index, exc)
        return None
    missing = [c for c in _PROBE if ord(c) not in font.face.charToGlyph]
    if missing:
        log.warning("PDF font %s#%d lacks Chinese glyphs (%s)", path, index, "".join(missing))
        return None
    pdfmetrics.registerFont(font)
    return PdfFont(name, path)
