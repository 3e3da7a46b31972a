"""The document as Word (.docx, python-docx): the same content as the PDF, editable."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import docx
from docx.document import Document as WordDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Length, Mm, Pt, RGBColor
from docx.table import _Cell
from docx.text.paragraph import Paragraph as WordParagraph
from PIL import Image as PILImage

from yingji.core.documents.model import (
    Document,
    Fields,
    Heading,
    Image,
    Issued,
    PageBreak,
    Paragraph,
    Signatures,
    Table,
    clean,
)

TEXT_W_MM = 160.0  # A4 less 25 mm each side, as in the PDF
MAX_PICTURE_H_MM = 220.0
SIGNATURE_H_MM = 18.0
SIGNERS_PER_ROW = 3
LABEL_W_MM = 36.0
SERIF, SANS, LATIN = "宋体", "黑体", "Times New Roman"
GREY = RGBColor(0x55, 0x55, 0x55)


def to_docx(doc: Document) -> bytes:
    """The document as .docx bytes."""
    word = docx.Document()
    _page_setup(word, doc)
    if doc.issuer:
        _line(word.add_paragraph(), doc.issuer, size=15, bold=True, centre=True)
    _line(word.add_paragraph(), doc.title, size=19, bold=True, centre=True)
    if doc.number:
        _line(word.add_paragraph(), doc.number, size=11, centre=True)
    for block in doc.blocks:
        _add(word, block)
    props = word.core_properties
    props.title, props.author = clean(doc.title), clean(doc.issuer)
    props.subject = clean(doc.number)
    props.last_modified_by = "Yingji"
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


def _add(word: WordDocument, block: object) -> None:
    match block:
        case Heading(text=text, level=level):
            word.add_heading(clean(text), level=level)
        case Paragraph(text=text):
            word.add_paragraph(clean(text)).paragraph_format.first_line_indent = Pt(22)
        case Fields(rows=rows) if rows:
            _fields(word, rows)
        case Table():
            _table(word, block)
        case Image(data=data, width_mm=width_mm, caption=caption):
            paragraph = word.add_paragraph()
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            width, height = _fit(data, min(width_mm, TEXT_W_MM), MAX_PICTURE_H_MM)
            paragraph.add_run().add_picture(io.BytesIO(data), width=width, height=height)
            if caption:
                _line(word.add_paragraph(), caption, size=9, centre=True, colour=GREY)
        case Signatures():
            _signatures(word, block)
        case Issued(organ=organ, date_text=date_text):
            word.add_paragraph().paragraph_format.space_before = Mm(8)
            for text in (organ, date_text):
                if text:
                    word.add_paragraph(clean(text)).alignment = WD_ALIGN_PARAGRAPH.RIGHT
        case PageBreak():
            word.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _set_font(style: Any, east_asian: str, size: float | None = None) -> None:
    """A style's Latin and East Asian fonts, overriding the template's theme fonts."""
    style.font.name = LATIN
    fonts = style.element.rPr.rFonts
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)
    fonts.set(qn("w:eastAsia"), east_asian)
    if size:
        style.font.size = Pt(size)


def _page_setup(word: WordDocument, doc: Document) -> None:
    section = word.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = section.top_margin = Mm(25)
    section.bottom_margin = Mm(28)
    _set_font(word.styles["Normal"], SERIF, 11)
    for level, size in ((1, 14), (2, 12.5), (3, 11.5)):
        style = word.styles[f"Heading {level}"]
        _set_font(style, SANS, size)
        style.font.color.rgb = RGBColor(0, 0, 0)
        style.font.italic = False
    # Pages after the first repeat the title and number at the top; every page has the footer.
    section.different_first_page_header_footer = True
    header = section.header.paragraphs[0]
    header.paragraph_format.tab_stops.add_tab_stop(Mm(TEXT_W_MM), WD_TAB_ALIGNMENT.RIGHT)
    _line(header, f"{doc.title}\t{doc.number}", size=8.5, colour=GREY)
    for footer in (section.footer, section.first_page_footer):
        first = footer.paragraphs[0]
        if doc.footer:
            _line(first, doc.footer, size=8, centre=True, colour=GREY)
            first = footer.add_paragraph()
        first.alignment = WD_ALIGN_PARAGRAPH.CENTER
        for text in ("第 ", "PAGE", " 页 共 ", "NUMPAGES", " 页"):
            if text.isupper():
                _field(first, text)
            else:
                _line(first, text, size=9)


def _field(paragraph: WordParagraph, instruction: str) -> None:
    """A page-number field (PAGE, NUMPAGES) that Word fills in when it lays the pages out."""
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), f" {instruction} ")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)  # python-docx has no API for fields


def _line(
    paragraph: WordParagraph,
    text: str,
    *,
    size: float | None = None,
    bold: bool = False,
    centre: bool = False,
    colour: RGBColor | None = None,
) -> None:
    run = paragraph.add_run(clean(text))
    run.bold = bold or None
    if size:
        run.font.size = Pt(size)
    if colour is not None:
        run.font.color.rgb = colour
    if centre:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _shade(cell: _Cell) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:fill"), "EFEFEF")
    cell._tc.get_or_add_tcPr().append(shading)  # no API for cell shading


def _widths(table: Any, widths_mm: Sequence[float]) -> None:
    table.autofit = False
    for row in table.rows:
        for cell, width in zip(row.cells, widths_mm, strict=True):
            cell.width = Mm(width)


def _fields(word: WordDocument, rows: Sequence[tuple[str, str]]) -> None:
    table = word.add_table(rows=len(rows), cols=2)
    table.style = "Table Grid"
    for row, (label, value) in zip(table.rows, rows, strict=True):
        row.cells[0].text, row.cells[1].text = clean(label), clean(value)
        _shade(row.cells[0])
    _widths(table, [LABEL_W_MM, TEXT_W_MM - LABEL_W_MM])
    word.add_paragraph()


def _table(word: WordDocument, block: Table) -> None:
    table = word.add_table(rows=1 + len(block.rows), cols=len(block.header))
    table.style = "Table Grid"
    head = table.rows[0]
    repeat = OxmlElement("w:tblHeader")  # the header row repeats on every page
    head._tr.get_or_add_trPr().append(repeat)  # no API for header rows
    for cell, text in zip(head.cells, block.header, strict=True):
        cell.text = clean(text)
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        _shade(cell)
    for row, values in zip(table.rows[1:], block.rows, strict=True):
        for cell, text in zip(row.cells, values, strict=True):
            cell.text = clean(text)
    weights = block.widths or [1.0] * len(block.header)
    _widths(table, [TEXT_W_MM * w / sum(weights) for w in weights])
    word.add_paragraph()


def _fit(data: bytes, max_w_mm: float, max_h_mm: float) -> tuple[Length, Length]:
    with PILImage.open(io.BytesIO(data)) as image:
        px_w, px_h = image.size
    scale = min(max_w_mm / px_w, max_h_mm / px_h)
    return Mm(px_w * scale), Mm(px_h * scale)


def _signatures(word: WordDocument, block: Signatures) -> None:
    columns = min(SIGNERS_PER_ROW, len(block.items))
    col_w = TEXT_W_MM / columns
    rows = -(-len(block.items) // columns)
    table = word.add_table(rows=rows, cols=columns)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for index, signer in enumerate(block.items):
        cell = table.rows[index // columns].cells[index % columns]
        cell.paragraphs[0].text = clean(signer.role_label)
        mark = cell.add_paragraph()  # one exact line height: names and dates line up
        mark.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        mark.paragraph_format.line_spacing = Mm(SIGNATURE_H_MM + 2)
        if signer.image_png:
            width, height = _fit(signer.image_png, col_w - 8, SIGNATURE_H_MM)
            mark.add_run().add_picture(io.BytesIO(signer.image_png), width=width, height=height)
        for text in (signer.name, signer.date_text):
            if text:
                cell.add_paragraph(clean(text))
    _widths(table, [col_w] * columns)
    word.add_paragraph()
