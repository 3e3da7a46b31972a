"""The neutral document: a title block and a list of blocks that both renderers understand.

Blocks are frozen dataclasses checked when they are built, so a bad input (a 12 MB photo, a
GIF posing as a signature, a table row one cell short) fails where the caller made it, with a
message naming the rule, instead of deep inside reportlab or python-docx.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image as PILImage
from PIL import UnidentifiedImageError

MAX_BLOCKS = 5_000
MAX_TEXT = 50_000  # characters in one text: ~15 pages of Chinese
MAX_SHORT_TEXT = 200  # a title, a label, a name
MAX_FOOTER = 120  # printed on every page, so at most three small lines
MAX_ROWS = 5_000
MAX_COLUMNS = 12  # more do not fit an A4 portrait page
MAX_SIGNATURES = 9
MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000  # decompression bombs
MAX_DOCUMENT_IMAGE_BYTES = 50 * 1024 * 1024
IMAGE_FORMATS = frozenset({"PNG", "JPEG"})

# Characters XML 1.0 (so .docx) cannot hold, lone surrogates and C0 controls other than tab and
# newline: pasted from other systems they would break the Word file or print as boxes.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def clean(text: str) -> str:
    """The text as it is printed: line ends unified, unprintable characters dropped."""
    return _UNPRINTABLE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def _text(value: object, what: str, limit: int = MAX_TEXT, *, required: bool = False) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{what} must be text, not {type(value).__name__}")
    if len(value) > limit:
        raise ValueError(f"{what} is {len(value):,} characters long; at most {limit:,} are allowed")
    if required and not value.strip():
        raise ValueError(f"{what} must not be empty")
    return value


def check_image(data: object, what: str = "image") -> tuple[int, int]:
    """Refuse anything but a complete PNG or JPEG of sane size; return its pixel size."""
    if not isinstance(data, bytes | bytearray):
        raise ValueError(f"{what} must be PNG or JPEG bytes, not {type(data).__name__}")
    if not data:
        raise ValueError(f"{what} is empty")
    if len(data) > MAX_IMAGE_BYTES:
        raise ValueError(
            f"{what} is {len(data) / 1024 / 1024:.1f} MB; at most "
            f"{MAX_IMAGE_BYTES // 1024 // 1024} MB is allowed"
        )
    if not (data.startswith(b"\x89PNG\r\n\x1a\n") or data.startswith(b"\xff\xd8\xff")):
        raise ValueError(f"{what} is not a PNG or JPEG image")
    try:
        with PILImage.open(io.BytesIO(data)) as image:
            if image.format not in IMAGE_FORMATS:
                raise ValueError(f"{what} is {image.format}, not a PNG or JPEG image")
            width, height = image.size
            if width < 1 or height < 1 or width * height > MAX_IMAGE_PIXELS:
                raise ValueError(
                    f"{what} is {width}×{height} pixels; at most {MAX_IMAGE_PIXELS:,} are allowed"
                )
            image.load()  # a truncated file fails here, not in the renderer
    except (OSError, UnidentifiedImageError, SyntaxError, PILImage.DecompressionBombError) as exc:
        raise ValueError(f"{what} is not a readable PNG or JPEG image ({exc})") from exc
    return width, height


@dataclass(frozen=True, slots=True)
class Heading:
    """A section heading; level 1 (一、) to 3."""

    text: str
    level: int = 1

    def __post_init__(self) -> None:
        _text(self.text, "heading", MAX_SHORT_TEXT * 5, required=True)
        if not isinstance(self.level, int) or not 1 <= self.level <= 3:
            raise ValueError(f"heading level must be 1, 2 or 3, not {self.level!r}")


@dataclass(frozen=True, slots=True)
class Paragraph:
    """Body text; newlines start new lines, text is printed literally (no markup)."""

    text: str

    def __post_init__(self) -> None:
        _text(self.text, "paragraph")


@dataclass(frozen=True, slots=True)
class Fields:
    """Label/value rows in a ruled two-column table: the form layout of enforcement documents."""

    rows: Sequence[tuple[str, str]]

    def __post_init__(self) -> None:
        rows = tuple(tuple(row) for row in self.rows)
        if len(rows) > MAX_ROWS:
            raise ValueError(f"fields have {len(rows):,} rows; at most {MAX_ROWS:,} are allowed")
        for number, row in enumerate(rows, 1):
            if len(row) != 2:
                raise ValueError(f"field row {number} must be (label, value)")
            _text(row[0], f"field row {number} label", MAX_SHORT_TEXT)
            _text(row[1], f"field row {number} value")
        object.__setattr__(self, "rows", rows)


@dataclass(frozen=True, slots=True)
class Table:
    """A ruled table; ``widths`` are relative column widths (any unit), scaled to the page."""

    header: Sequence[str]
    rows: Sequence[Sequence[str]] = ()
    widths: Sequence[float] | None = None

    def __post_init__(self) -> None:
        header = tuple(self.header)
        columns = len(header)
        if not 1 <= columns <= MAX_COLUMNS:
            raise ValueError(f"a table has 1 to {MAX_COLUMNS} columns, not {columns}")
        for number, cell in enumerate(header, 1):
            _text(cell, f"table header column {number}", MAX_SHORT_TEXT)
        rows = tuple(tuple(row) for row in self.rows)
        if len(rows) > MAX_ROWS:
            raise ValueError(f"a table has {len(rows):,} rows; at most {MAX_ROWS:,} are allowed")
        for number, row in enumerate(rows, 1):
            if len(row) != columns:
                raise ValueError(f"table row {number} has {len(row)} cells, the header {columns}")
            for cell in row:
                _text(cell, f"table row {number} cell")
        widths = None
        if self.widths is not None:
            widths = tuple(float(w) for w in self.widths)
            if len(widths) != columns or not all(math.isfinite(w) and w > 0 for w in widths):
                raise ValueError(f"table widths must be {columns} positive numbers")
        object.__setattr__(self, "header", header)
        object.__setattr__(self, "rows", rows)
        object.__setattr__(self, "widths", widths)


@dataclass(frozen=True, slots=True)
class Image:
    """A PNG or JPEG (photo, chart) ``width_mm`` wide (at most the text width), with a caption."""

    data: bytes
    width_mm: float = 80.0
    caption: str = ""

    def __post_init__(self) -> None:
        check_image(self.data)
        if not (math.isfinite(self.width_mm) and self.width_mm > 0):
            raise ValueError(f"image width must be a positive number of mm, not {self.width_mm!r}")
        _text(self.caption, "image caption", MAX_SHORT_TEXT * 2)
        object.__setattr__(self, "data", bytes(self.data))


@dataclass(frozen=True, slots=True)
class Signature:
    """One signer: the role (执法人员, 被检查单位负责人), the name, the signature image if signed
    on screen (else space is left to sign on paper) and the date as it is printed."""

    role_label: str
    name: str = ""
    image_png: bytes | None = None
    date_text: str = ""

    def __post_init__(self) -> None:
        _text(self.role_label, "signature role", MAX_SHORT_TEXT, required=True)
        _text(self.name, "signer name", MAX_SHORT_TEXT)
        _text(self.date_text, "signature date", MAX_SHORT_TEXT)
        if self.image_png is not None:
            check_image(self.image_png, f"signature image of {self.role_label}")
            object.__setattr__(self, "image_png", bytes(self.image_png))


@dataclass(frozen=True, slots=True)
class Signatures:
    """Signers side by side, three to a row."""

    items: Sequence[Signature]

    def __post_init__(self) -> None:
        items = tuple(self.items)
        if not 1 <= len(items) <= MAX_SIGNATURES:
            raise ValueError(f"a signature block has 1 to {MAX_SIGNATURES} signers")
        if not all(isinstance(item, Signature) for item in items):
            raise ValueError("signature items must be Signature")
        object.__setattr__(self, "items", items)


@dataclass(frozen=True, slots=True)
class Issued:
    """The issuing organ and date at the bottom right, where the paper copy is stamped.

    Deliberately no seal is drawn: a picture of a seal would pretend to an authority the
    generated file does not have. An official electronic seal belongs to a signing system.
    """

    organ: str
    date_text: str = ""

    def __post_init__(self) -> None:
        _text(self.organ, "issuing organ", MAX_SHORT_TEXT, required=True)
        _text(self.date_text, "issue date", MAX_SHORT_TEXT)


@dataclass(frozen=True, slots=True)
class PageBreak:
    """The next block starts a new page."""


Block = Heading | Paragraph | Fields | Table | Image | Signatures | Issued | PageBreak
BLOCK_TYPES = (Heading, Paragraph, Fields, Table, Image, Signatures, Issued, PageBreak)


@dataclass(frozen=True, slots=True)
class Document:
    """A document: issuer (organ name), title, number (文书编号) on top, blocks, a page footer."""

    title: str
    number: str = ""
    issuer: str = ""
    blocks: Sequence[Block] = ()
    footer: str = ""

    def __post_init__(self) -> None:
        _text(self.title, "document title", MAX_SHORT_TEXT, required=True)
        _text(self.number, "document number", MAX_SHORT_TEXT)
        _text(self.issuer, "issuer", MAX_SHORT_TEXT)
        _text(self.footer, "footer", MAX_FOOTER)
        blocks = tuple(self.blocks)
        if len(blocks) > MAX_BLOCKS:
            raise ValueError(f"a document has at most {MAX_BLOCKS:,} blocks, not {len(blocks):,}")
        image_bytes = 0
        for number, block in enumerate(blocks, 1):
            if not isinstance(block, BLOCK_TYPES):
                raise ValueError(f"block {number} is a {type(block).__name__}, not a block")
            if isinstance(block, Image):
                image_bytes += len(block.data)
            elif isinstance(block, Signatures):
                image_bytes += sum(len(s.image_png or b"") for s in block.items)
        if image_bytes > MAX_DOCUMENT_IMAGE_BYTES:
            raise ValueError(
                f"the images add up to {image_bytes / 1024 / 1024:.0f} MB; at most "
                f"{MAX_DOCUMENT_IMAGE_BYTES // 1024 // 1024} MB are allowed in one document"
            )
        object.__setattr__(self, "blocks", blocks)
