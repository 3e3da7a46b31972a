"""Evidence photos: checked, re-encoded without metadata, stored content-addressed.

Grid workers and safety managers upload photos from phones. A phone photo carries more than
pixels: the camera, the time, often the exact place and sometimes a thumbnail of an earlier
crop. So an upload is never stored as sent. It is identified by its bytes (not its name or
declared type), refused when it is empty, too large, not an image, of a format we do not take
or named as something it is not; then decoded in full (a truncated file fails here), turned
upright by its EXIF orientation, and its pixels written into a new file that holds no
metadata at all. The GPS position is read first and kept on the row only when the uploader
allowed it.

Files live under ``DATA_DIR/photos/<purpose>/<yyyy>/<mm>/<sha256>.<ext>``: the name is the
hash of the stored bytes, so the same photo sent twice is one file. A file is written before
its row is committed; when a caller's transaction rolls back later, or the process dies in
between, the file stays without a row: :mod:`yingji.core.photo_sweep` removes such files
(with the helpers of :mod:`yingji.core.orphans`: :func:`~yingji.core.orphans.place` and
:func:`~yingji.core.orphans.discard`, shared with the accident report store).
"""

from __future__ import annotations

import hashlib
import io
import logging
import math
import os
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from PIL import ExifTags, Image, ImageOps

from yingji.core import audit
from yingji.core.errors import InvalidInput, NotFound
from yingji.core.files import read_capped
from yingji.core.models import Photo, User
from yingji.core.orphans import discard, place

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.utils.functional import Promise

log = logging.getLogger(__name__)

MAX_BYTES = 10 * 1024 * 1024  # settings.YINGJI_PHOTO_MAX_BYTES overrides
MAX_PIXELS = 40_000_000  # settings.YINGJI_PHOTO_MAX_PIXELS overrides; guards decompression bombs
MAX_SIDE = 4096  # longer side after storing; a phone photo at full size is wasted disk
JPEG_QUALITY = 88
WEBP_QUALITY = 88
NAME_MAX = 200
PURPOSE_RE = re.compile(r"[a-z_]{1,40}")

# Accepted formats (Pillow's name): stored extension, MIME type, extensions a file may carry.
FORMATS: dict[str, tuple[str, str, frozenset[str]]] = {
    "JPEG": (".jpg", "image/jpeg", frozenset({".jpg", ".jpeg", ".jpe", ".jfif"})),
    "PNG": (".png", "image/png", frozenset({".png"})),
    "WEBP": (".webp", "image/webp", frozenset({".webp"})),
}
# Names that say "this is an image": a file named so must be the image it claims to be.
IMAGE_EXTENSIONS = frozenset(
    {".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff"}
    | {".heic", ".heif", ".avif", ".jxl", ".jp2", ".svg", ".psd"}
)
# Other image formats, recognised so the refusal can name them.
OTHER_IMAGES = frozenset(
    {"GIF", "BMP", "TIFF", "HEIC", "AVIF", "PSD", "JPEG 2000", "JPEG XL", "SVG"}
)
# Files that are not images at all, as the refusal names them.
DOCUMENTS: dict[str, Promise] = {
    "PDF": _("a PDF document"),
    "HTML": _("a web page (HTML)"),
    "XML": _("an XML document"),
    "ZIP": _("a ZIP archive or Office document"),
    "ARCHIVE": _("a compressed archive"),
    "PROGRAM": _("a program"),
    "VIDEO": _("a video"),
}
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
_BMP_HEADERS = {12, 40, 52, 56, 64, 108, 124}


class Upload(Protocol):
    """What :func:`store_photo` needs: a name, and ``chunks()`` or ``read(n)``."""

    @property
    def name(self) -> str | None: ...


def _limit(setting: str, default: int) -> int:
    value = getattr(settings, setting, None)
    return int(value) if value else default


def photos_root() -> Path:
    return Path(settings.DATA_DIR).resolve() / "photos"


def _refuse(message: str, code: str) -> InvalidInput:
    return InvalidInput(message, field="photo", code=code)


def _megabytes(n: int) -> str:
    return f"{n / 1024 / 1024:.3g} MB" if n >= 1024 * 1024 else f"{n / 1024:.3g} KB"


# --- reading and identifying ------------------------------------------------------------------


# Leading bytes of each format, as the refusal names it (first match wins).
_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "JPEG": (b"\xff\xd8\xff",),
    "PNG": (b"\x89PNG\r\n\x1a\n",),
    "GIF": (b"GIF87a", b"GIF89a"),
    "TIFF": (b"II*\x00", b"MM\x00*"),
    "PSD": (b"8BPS",),
    "JPEG 2000": (b"\x00\x00\x00\x0cjP  ",),
    "JPEG XL": (b"\x00\x00\x00\x0cJXL ", b"\xff\x0a"),
    "PDF": (b"%PDF-",),
    "ZIP": (b"PK\x03\x04", b"PK\x05\x06"),
    "ARCHIVE": (b"\x1f\x8b", b"Rar!", b"7z\xbc\xaf\x27\x1c", b"BZh"),
    "PROGRAM": (b"MZ", b"\x7fELF", b"#!"),
}
_MARKUP: dict[str, tuple[bytes, ...]] = {  # matched lower-cased, after a BOM and blanks
    "HTML": (b"<!doctype html", b"<html", b"<head", b"<body", b"<script", b"<iframe"),
    "SVG": (b"<svg",),
    "XML": (b"<?xml",),
}


def _sniff(head: bytes) -> str | None:
    """The format the first bytes show, whatever the file is called."""
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head[:2] == b"BM" and int.from_bytes(head[14:18], "little") in _BMP_HEADERS:
        return "BMP"
    if head[4:8] == b"ftyp":  # ISO media: HEIF photos, AVIF, and MP4/MOV video
        brand = head[8:12]
        return "HEIC" if brand in _HEIF_BRANDS else "AVIF" if brand[:3] == b"avi" else "VIDEO"
    for kind, prefixes in _SIGNATURES.items():
        if head.startswith(prefixes):
            return kind
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(b"<?xml") and b"<svg" in text:
        return "SVG"
    return next((kind for kind, prefixes in _MARKUP.items() if text.startswith(prefixes)), None)


def _identify(data: bytes, name: str, limit: int) -> str:
    """The accepted format of ``data`` (a key of FORMATS), or the refusal."""
    if not data:
        raise _refuse(gettext("The photo file is empty."), "photo_empty")
    if len(data) > limit:
        message = gettext("The photo is larger than %(limit)s.") % {"limit": _megabytes(limit)}
        raise _refuse(message, "photo_too_large")
    kind = _sniff(data[:64])
    ext = os.path.splitext(name)[1].lower()
    if kind is not None and kind in FORMATS:
        if ext and ext not in FORMATS[kind][2]:
            message = gettext(
                "The file is named %(ext)s but holds a %(kind)s image; "
                "the name must match the content."
            ) % {"ext": ext, "kind": kind.replace("WEBP", "WebP")}
            raise _refuse(message, "photo_extension")
        return kind
    if kind == "HEIC":
        raise _refuse(
            gettext(
                "HEIC/HEIF photos are not supported; send a JPEG (on an iPhone: Settings → "
                "Camera → Formats → Most Compatible)."
            ),
            "photo_type",
        )
    if kind in OTHER_IMAGES:
        message = gettext("%(kind)s images are not accepted; send a JPEG, PNG or WebP photo.") % {
            "kind": kind
        }
        raise _refuse(message, "photo_type")
    if kind is not None and kind in DOCUMENTS and ext in IMAGE_EXTENSIONS:
        message = gettext("The file is named %(ext)s but is %(kind)s, not an image.") % {
            "ext": ext,
            "kind": DOCUMENTS[kind],
        }
        raise _refuse(message, "photo_extension")
    raise _refuse(
        gettext("The file is not an image; send a JPEG, PNG or WebP photo."), "photo_not_image"
    )


# --- decoding -----------------------------------------------------------------------------------


def _open(data: bytes, fmt: str, max_pixels: int) -> Image.Image:
    image = Image.open(io.BytesIO(data), formats=[fmt])
    width, height = image.size
    if width * height > max_pixels:
        image.close()
        raise Image.DecompressionBombError(f"{width}x{height}")
    return image


def _decode(data: bytes, fmt: str) -> Image.Image:
    """The fully loaded first frame; a damaged, truncated or oversized image is refused."""
    max_pixels = _limit("YINGJI_PHOTO_MAX_PIXELS", MAX_PIXELS)
    try:
        with _open(data, fmt, max_pixels) as probe:
            probe.verify()
        image = _open(data, fmt, max_pixels)
        image.load()
    except Image.DecompressionBombError as exc:
        message = gettext("The image has more than %(limit)s megapixels.") % {
            "limit": f"{max_pixels / 1_000_000:g}"
        }
        raise _refuse(message, "photo_too_large") from exc
    # Decoders report damage as many exception types (OSError, SyntaxError, ValueError,
    # struct.error, EOFError …); any of them means the bytes are not a usable image.
    except Exception as exc:
        raise _refuse(
            gettext("The image is damaged or incomplete; take or send the photo again."),
            "photo_not_image",
        ) from exc
    return image


def _coordinate(value: Any, ref: Any, positive: str, negative: str, limit: float) -> float | None:
    """Decimal degrees from EXIF (degrees, minutes, seconds) rationals and a hemisphere."""
    if isinstance(ref, bytes):
        ref = ref.decode("ascii", "replace")
    if not isinstance(ref, str) or ref.strip("\x00 ").upper() not in (positive, negative):
        return None
    parts = value if isinstance(value, tuple | list) else (value,)
    if not 1 <= len(parts) <= 3:
        return None
    try:
        numbers = [float(part) for part in parts]
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return None
    if not all(math.isfinite(n) and n >= 0 for n in numbers) or any(n >= 60 for n in numbers[1:]):
        return None
    degrees = sum(n / 60.0**i for i, n in enumerate(numbers))
    if degrees > limit:
        return None
    return -degrees if ref.strip("\x00 ").upper() == negative else degrees


def gps_of(image: Image.Image | Image.Exif) -> tuple[float, float] | None:
    """``(lon, lat)`` in decimal degrees from the EXIF GPS block, or None when absent or garbled.

    (0, 0) counts as absent: it is what a camera without a fix writes, not a place in Zhejiang.
    """
    try:
        exif = image if isinstance(image, Image.Exif) else image.getexif()
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    except Exception:  # a broken EXIF block is no reason to lose the photo
        return None
    lat = _coordinate(
        gps.get(ExifTags.GPS.GPSLatitude), gps.get(ExifTags.GPS.GPSLatitudeRef), "N", "S", 90
    )
    lon = _coordinate(
        gps.get(ExifTags.GPS.GPSLongitude), gps.get(ExifTags.GPS.GPSLongitudeRef), "E", "W", 180
    )
    if lat is None or lon is None or (lat == 0 and lon == 0):
        return None
    return round(lon, 7), round(lat, 7)


# --- re-encoding --------------------------------------------------------------------------------


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in {"RGBA", "LA", "PA", "La", "RGBa"} or "transparency" in image.info


def _flatten(image: Image.Image) -> Image.Image:
    """Alpha composited on white: JPEG has no transparency, and white reads as paper."""
    rgba = image.convert("RGBA")
    flat = Image.new("RGB", image.size, (255, 255, 255))
    flat.paste(rgba, mask=rgba.getchannel("A"))
    return flat


def _to_storable_mode(image: Image.Image, fmt: str) -> Image.Image:
    """L/LA/RGB/RGBA for PNG, RGB/RGBA for WebP, RGB for JPEG."""
    if image.mode.startswith("I;16") or image.mode in {"I", "F"}:  # 16-bit grey: scale, not clip
        image = image.convert("I").point(lambda v: v / 256).convert("L")
    elif image.mode == "1":
        image = image.convert("L")
    alpha = _has_alpha(image)
    if fmt == "JPEG":
        return _flatten(image) if alpha else image.convert("RGB")
    if fmt == "PNG" and image.mode in {"L", "LA", "RGB", "RGBA"}:
        return image
    return image.convert("RGBA" if alpha else "RGB")


def _encode(image: Image.Image, fmt: str) -> bytes:
    """The pixels alone in a new file: no EXIF, XMP, ICC profile, comment or text chunk."""
    image = _to_storable_mode(image, fmt)
    if max(image.size) > MAX_SIDE:
        image = image.copy()
        image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    # A fresh image has an empty ``info``: Pillow's encoders copy ICC profiles, comments and
    # transparency from ``info`` unless told otherwise, so nothing of the upload rides along.
    clean = Image.new(image.mode, image.size)
    clean.paste(image)
    out = io.BytesIO()
    if fmt == "JPEG":
        clean.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    elif fmt == "WEBP":
        clean.save(out, "WEBP", quality=WEBP_QUALITY, method=4)
    else:
        clean.save(out, "PNG")
    return out.getvalue()


# --- storing ------------------------------------------------------------------------------------


def _clean_name(name: str) -> str:
    """The uploaded file's base name without control characters, at most NAME_MAX long."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip()
    if len(base) > NAME_MAX:
        stem, ext = os.path.splitext(base)
        ext = ext if len(ext) <= 10 else ""
        base = stem[: NAME_MAX - len(ext)] + ext
    return base


def store_photo(
    upload: Upload,
    *,
    purpose: str,
    actor: User | AnonymousUser | None = None,
    keep_location: bool = False,
) -> Photo:
    """Check, clean and store one uploaded photo; the Photo row, or InvalidInput (field "photo").

    Codes: photo_empty, photo_too_large (bytes or pixels), photo_not_image (unknown or damaged
    content), photo_type (an image format not taken, such as HEIC or GIF) and photo_extension
    (the name claims a type the content is not). Nothing is written when a photo is refused.
    """
    return _save(_prepare(upload, keep_location=keep_location), purpose=purpose, actor=actor)


def store_photos(
    uploads: Sequence[Upload],
    *,
    purpose: str,
    actor: User | AnonymousUser | None = None,
    keep_location: bool = False,
) -> list[Photo]:
    """Several photos, all or none: every one is checked before any is written."""
    prepared = [_prepare(upload, keep_location=keep_location) for upload in uploads]
    return [_save(item, purpose=purpose, actor=actor) for item in prepared]


@dataclass(frozen=True)
class _Prepared:
    name: str
    fmt: str
    stored: bytes
    width: int
    height: int
    location: tuple[float, float] | None


def _prepare(upload: Upload, *, keep_location: bool) -> _Prepared:
    """Read, check and re-encode one upload in memory (InvalidInput if refused)."""
    name = _clean_name(upload.name or "")
    data = read_capped(upload, limit := _limit("YINGJI_PHOTO_MAX_BYTES", MAX_BYTES))
    fmt = _identify(data, name, limit)
    with _decode(data, fmt) as image:
        location = gps_of(image) if keep_location else None
        try:
            upright = ImageOps.exif_transpose(image)
        except Exception:  # a garbled orientation tag: keep the pixels as they are
            upright = image
        stored = _encode(upright, fmt)
    with Image.open(io.BytesIO(stored)) as check:
        width, height = check.size
    return _Prepared(name, fmt, stored, width, height, location)


def _save(item: _Prepared, *, purpose: str, actor: User | AnonymousUser | None) -> Photo:
    if not isinstance(purpose, str) or not PURPOSE_RE.fullmatch(purpose):
        raise InvalidInput(
            gettext("Photo purpose must be 1 to 40 lowercase letters or underscores."),
            field="purpose",
        )
    name, fmt, stored, width, height, location = (
        item.name,
        item.fmt,
        item.stored,
        item.width,
        item.height,
        item.location,
    )
    sha = hashlib.sha256(stored).hexdigest()
    ext, content_type, _names = FORMATS[fmt]
    now = timezone.now()
    relative = f"{purpose}/{now:%Y}/{now:%m}/{sha}{ext}"
    path = photos_root() / relative
    written = place(path, stored)
    try:
        with transaction.atomic():
            photo = Photo.objects.create(
                purpose=purpose,
                file=relative,
                content_type=content_type,
                size=len(stored),
                width=width,
                height=height,
                sha256=sha,
                lon=location[0] if location else None,
                lat=location[1] if location else None,
                original_name=name,
                uploaded_by=actor if isinstance(actor, User) else None,
            )
            audit.record(actor=actor, action="create", obj=photo, after=audit.snapshot(photo))
    except BaseException:
        if written is not None:  # nothing half-written: no file without its row
            try:
                discard(path, written)
            except OSError as exc:  # the sweep removes it later; the first error matters
                log.warning("photo file %s left for the sweep: %s", relative, exc)
        raise
    return photo


def open_photo(photo: Photo) -> Path:
    """The stored file's absolute path, checked to lie inside ``DATA_DIR/photos``.

    A path that leads elsewhere (``..``, an absolute path, a symlink out) means the row was
    tampered with; it is logged and answered as not found, like a missing file.
    """
    root = photos_root()
    path = (root / photo.file).resolve()
    if not path.is_relative_to(root):
        log.warning("photo %s points outside the photo directory: %r", photo.pk, photo.file)
        raise NotFound(gettext("The photo file is missing."), field="photo")
    if not path.is_file():
        raise NotFound(gettext("The photo file is missing."), field="photo")
    return path
