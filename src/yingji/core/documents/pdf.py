"""The document as an A4 PDF (reportlab platypus), Chinese text set in :func:`fonts.pdf_font`."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape

from PIL import Image as PILImage
from reportlab.lib import colors  # type: ignore[import-untyped]
from reportlab.lib.enums import TA_CENTER, TA_RIGHT  # type: ignore[import-untyped]
from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped]
from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.pdfbase.pdfmetrics import stringWidth  # type: ignore[import-untyped]
from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped]
from reportlab.platypus import (  # type: ignore[import-untyped]
    Flowable,
    KeepTogether,
    LayoutError,
    SimpleDocTemplate,
    Spacer,
    TableStyle,
)
from reportlab.platypus import Image as RLImage
from reportlab.platypus import PageBreak as RLPageBreak
from reportlab.platypus import Paragraph as RLParagraph
from reportlab.platypus import Table as RLTable

from yingji.core.documents import fonts
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

PAGE_W, PAGE_H = A4
MARGIN_X = 25 * mm
MARGIN_TOP = 25 * mm
MARGIN_BOTTOM = 28 * mm  # room for the footer text and the page number
TEXT_W = PAGE_W - 2 * MARGIN_X
TEXT_H = PAGE_H - MARGIN_TOP - MARGIN_BOTTOM
LABEL_W = 36 * mm
SIGNATURE_H = 18 * mm
SIGNERS_PER_ROW = 3
RULE = colors.black
SHADE = colors.HexColor("#efefef")
GREY = colors.HexColor("#555555")


def to_pdf(doc: Document) -> bytes:
    """The document as PDF bytes; ValueError when it cannot be laid out."""
    font = fonts.pdf_font().name
    styles = _styles(font)
    story: list[Flowable] = _title_block(doc, styles)
    for block in doc.blocks:
        story.extend(_flowables(block, styles))
    out = io.BytesIO()
    template = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=clean(doc.title),
        author=clean(doc.issuer),
        subject=clean(doc.number),
        creator="Yingji 应急",
        invariant=True,  # the same document gives the same bytes
    )
    try:
        template.build(story, canvasmaker=_numbered_canvas(font, doc, styles["footer"]))
    except LayoutError as exc:
        raise ValueError(f"the document cannot be laid out on A4 pages: {exc}") from exc
    return out.getvalue()


def markup(text: str) -> str:
    """User text as reportlab paragraph markup that prints it literally."""
    return escape(clean(text)).replace("\n", "<br/>").replace("\t", "    ")


def _p(text: str, style: ParagraphStyle) -> RLParagraph:
    return RLParagraph(markup(text), style)


def _styles(font: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=font, fontSize=11, leading=18, wordWrap="CJK")

    def style(name: str, **kwargs: Any) -> ParagraphStyle:
        return ParagraphStyle(name, parent=base, **kwargs)

    return {
        "body": style("body", firstLineIndent=22, spaceAfter=4),
        "issuer": style("issuer", fontSize=15, leading=22, alignment=TA_CENTER),
        "title": style("title", fontSize=19, leading=28, alignment=TA_CENTER, spaceBefore=2),
        "number": style("number", alignment=TA_CENTER, spaceBefore=2),
        "h1": style("h1", fontSize=14, leading=22, spaceBefore=8, spaceAfter=4),
        "h2": style("h2", fontSize=12.5, leading=20, spaceBefore=6, spaceAfter=3),
        "h3": style("h3", fontSize=11.5, leading=18, spaceBefore=4, spaceAfter=2),
        "cell": style("cell", fontSize=10.5, leading=15),
        "label": style("label", fontSize=10.5, leading=15),
        "th": style("th", fontSize=10.5, leading=15, alignment=TA_CENTER),
        "caption": style("caption", fontSize=9, leading=13, alignment=TA_CENTER, textColor=GREY),
        "signer": style("signer", fontSize=10.5, leading=15),
        "right": style("right", alignment=TA_RIGHT),
        "footer": style("footer", fontSize=8, leading=10, alignment=TA_CENTER, textColor=GREY),
    }


def _title_block(doc: Document, st: dict[str, ParagraphStyle]) -> list[Flowable]:
    story: list[Flowable] = []
    if doc.issuer:
        story.append(_p(doc.issuer, st["issuer"]))
    story.append(_p(doc.title, st["title"]))
    if doc.number:
        story.append(_p(doc.number, st["number"]))
    story.append(Spacer(1, 5 * mm))
    return story


def _flowables(block: object, st: dict[str, ParagraphStyle]) -> list[Flowable]:
    flowables: list[Flowable]
    match block:
        case Heading(text=text, level=level):
            flowables = [_p(text, st[f"h{level}"])]
        case Paragraph(text=text):
            flowables = [_p(text, st["body"])]
        case Fields(rows=rows):
            flowables = [_fields(rows, st)] if rows else []
        case Table():
            flowables = [_table(block, st)]
        case Image():
            flowables = [_image(block, st)]
        case Signatures():
            flowables = [_signatures(block, st)]
        case Issued(organ=organ, date_text=date_text):
            lines = [_p(organ, st["right"])] + ([_p(date_text, st["right"])] if date_text else [])
            flowables = [KeepTogether([Spacer(1, 10 * mm), *lines])]
        case PageBreak():
            flowables = [RLPageBreak()]
        case _:  # pragma: no cover - Document refuses anything else
            raise ValueError(f"unknown block {type(block).__name__}")
    return flowables


def _grid(**extra: Any) -> TableStyle:
    commands = [
        ("GRID", (0, 0), (-1, -1), 0.6, RULE),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]
    if "shade" in extra:
        commands.append(("BACKGROUND", *extra["shade"], SHADE))
    return TableStyle(commands)


def _fields(rows: Sequence[tuple[str, str]], st: dict[str, ParagraphStyle]) -> RLTable:
    data = [[_p(label, st["label"]), _p(value, st["cell"])] for label, value in rows]
    return RLTable(
        data,
        colWidths=[LABEL_W, TEXT_W - LABEL_W],
        style=_grid(shade=((0, 0), (0, -1))),
        splitInRow=1,  # a long value (检查情况) may run over a page
        spaceBefore=2,
        spaceAfter=6,
    )


def _table(block: Table, st: dict[str, ParagraphStyle]) -> RLTable:
    weights = block.widths or [1.0] * len(block.header)
    widths = [TEXT_W * w / sum(weights) for w in weights]
    data = [[_p(cell, st["th"]) for cell in block.header]]
    data += [[_p(cell, st["cell"]) for cell in row] for row in block.rows]
    return RLTable(
        data,
        colWidths=widths,
        repeatRows=1,
        style=_grid(shade=((0, 0), (-1, 0))),
        splitInRow=1,
        spaceBefore=2,
        spaceAfter=6,
    )


def _picture(data: bytes, max_w: float, max_h: float) -> RLImage:
    """The image scaled to fit ``max_w`` × ``max_h`` points, keeping its proportions."""
    with PILImage.open(io.BytesIO(data)) as image:
        px_w, px_h = image.size
    scale = min(max_w / px_w, max_h / px_h)
    return RLImage(io.BytesIO(data), width=px_w * scale, height=px_h * scale)


def _image(block: Image, st: dict[str, ParagraphStyle]) -> Flowable:
    caption = [_p(block.caption, st["caption"])] if block.caption else []
    picture = _picture(block.data, min(block.width_mm * mm, TEXT_W), TEXT_H - 20 * mm)
    return KeepTogether([Spacer(1, 2 * mm), picture, *caption, Spacer(1, 3 * mm)])


def _signatures(block: Signatures, st: dict[str, ParagraphStyle]) -> RLTable:
    columns = min(SIGNERS_PER_ROW, len(block.items))
    col_w = TEXT_W / columns
    cells: list[list[Flowable]] = []
    box_w = col_w - 8 * mm
    for signer in block.items:
        # The signature, or room to sign on paper, in a box of fixed height above a rule, so
        # that names and dates line up however tall each signature is.
        mark = _picture(signer.image_png, box_w, SIGNATURE_H) if signer.image_png else ""
        box = RLTable(
            [[mark]],
            colWidths=[box_w],
            rowHeights=[SIGNATURE_H],
            hAlign="LEFT",
            style=TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.5, GREY),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                ]
            ),
        )
        cell = [_p(signer.role_label, st["signer"]), box, Spacer(1, 1.5 * mm)]
        cell += [_p(text, st["signer"]) for text in (signer.name, signer.date_text) if text]
        cells.append(cell)
    cells += [[]] * (-len(cells) % columns)
    data = [cells[i : i + columns] for i in range(0, len(cells), columns)]
    style = TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("TOPPADDING", (0, 0), (-1, -1), 6)])
    return RLTable(data, colWidths=[col_w] * columns, style=style, spaceBefore=8, spaceAfter=4)


def _numbered_canvas(font: str, doc: Document, footer_style: ParagraphStyle) -> type[Canvas]:
    """A canvas that holds the pages back until the end, so each can say 共 M 页."""
    title, number = clean(doc.title), clean(doc.number)
    footer = _p(doc.footer, footer_style) if doc.footer else None

    def decorate(canvas: Canvas, page: int, total: int) -> None:
        canvas.saveState()
        canvas.setFont(font, 8.5)
        canvas.setFillColor(GREY)
        if page > 1:  # the first page has the full title block
            top = PAGE_H - 15 * mm
            right = _fit(number, font, 8.5, TEXT_W / 2)
            canvas.drawRightString(PAGE_W - MARGIN_X, top, right)
            width = TEXT_W - stringWidth(right, font, 8.5) - 6 * mm
            canvas.drawString(MARGIN_X, top, _fit(title, font, 8.5, width))
            canvas.setStrokeColor(GREY)
            canvas.setLineWidth(0.4)
            canvas.line(MARGIN_X, top - 2 * mm, PAGE_W - MARGIN_X, top - 2 * mm)
        if footer is not None:
            footer.wrapOn(canvas, TEXT_W, MARGIN_BOTTOM)
            footer.drawOn(canvas, MARGIN_X, 15 * mm)
        canvas.setFont(font, 9)
        canvas.drawCentredString(PAGE_W / 2, 9 * mm, f"第 {page} 页 共 {total} 页")
        canvas.restoreState()

    class NumberedCanvas(Canvas):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._held: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 - reportlab's name
            self._held.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._held)
            for page, state in enumerate(self._held, 1):
                self.__dict__.update(state)
                decorate(self, page, total)
                super().showPage()
            super().save()

    return NumberedCanvas


def _fit(text: str, font: str, size: float, width: float) -> str:
    """``text`` cut with an ellipsis to fit ``width`` points on one line."""
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"
