"""One document engine for PDF and Word: enforcement documents now, review reports later.

A caller builds a neutral :class:`Document` (issuer, title, number, blocks, footer) and asks
for :func:`to_pdf` or :func:`to_docx`; both print the same content. User text is always
printed literally: it never becomes reportlab markup or Word fields. Bad input (over 5,000
blocks, an image over 10 MB or not PNG/JPEG, a table row one cell short) raises ValueError
when the block is built. :func:`signature_png` turns a canvas signature pad's data URL into
clean PNG bytes for a :class:`Signature`.

Fonts for PDF (checked with reportlab 4/5 and read back with pypdf):

1. ``YINGJI_PDF_FONT`` (Django setting, else environment): a TrueType .ttf/.ttc file,
   ``path#N`` for face N of a collection; embedded as a subset.
2. TrueType CJK fonts at their Debian paths (WenQuanYi Micro Hei / Zen Hei, AR PL UMing,
   Droid Sans Fallback; see :data:`fonts.CANDIDATES`); embedded as a subset.
3. reportlab's built-in CID font STSong-Light (Adobe-GB1): nothing to install or embed;
   readers supply a Song face.

Each of these gives Chinese text that pypdf extracts exactly. What does not work: Noto CJK
and Source Han (.ttc/.otf, as Debian's fonts-noto-cjk installs them) have CFF (PostScript)
outlines, which reportlab refuses ("postscript outlines are not supported"), so they are not
candidates; a configured font that is refused or lacks Chinese glyphs is logged and skipped.
A font without Chinese glyphs (DejaVu) would extract as NULs and print boxes.
"""

from yingji.core.documents.model import (
    Block,
    Document,
    Fields,
    Heading,
    Image,
    Issued,
    PageBreak,
    Paragraph,
    Signature,
    Signatures,
    Table,
)
from yingji.core.documents.pdf import to_pdf
from yingji.core.documents.signature import signature_png
from yingji.core.documents.word import to_docx

__all__ = [
    "Block",
    "Document",
    "Fields",
    "Heading",
    "Image",
    "Issued",
    "PageBreak",
    "Paragraph",
    "Signature",
    "Signatures",
    "Table",
    "signature_png",
    "to_docx",
    "to_pdf",
]
