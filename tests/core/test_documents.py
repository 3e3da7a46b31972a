"""The document engine: an enforcement document in PDF and Word reads back with its Chinese
text, numbers, signatures and photos; user text is printed literally; bad input is refused;
canvas signatures are checked and cleaned."""

from __future__ import annotations

import base64
import io
import logging
import random

import docx
import pytest
from PIL import Image as PILImage
from PIL import ImageDraw
from PIL.PngImagePlugin import PngInfo
from pypdf import PdfReader

from yingji.core import documents as d
from yingji.core.documents import fonts, model

TITLE = "责令限期整改指令书"
NUMBER = "杭西应急责改〔2026〕12号"
ISSUER = "杭州市西湖区应急管理局"
FOOTER = "本文书一式两份，一份交被检查单位，一份存档。"


def _png(width: int = 300, height: int = 100, *, ink: bool = True, stroke: int = 0) -> bytes:
    """A canvas-like signature: transparent, with a dark stroke."""
    image = PILImage.new("RGBA", (width, height), (0, 0, 0, 0))
    if ink:
        ImageDraw.Draw(image).line(
            [(20, 60), (80, 20 + stroke), (140, 70), (220, 30)], fill=(20, 20, 20, 255), width=4
        )
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _jpeg(width: int = 640, height: int = 480) -> bytes:
    image = PILImage.new("RGB", (width, height), (90, 140, 200))
    ImageDraw.Draw(image).rectangle((100, 100, 400, 300), fill=(200, 60, 40))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return out.getvalue()


def _data_url(png: bytes, prefix: str = "data:image/png;base64,") -> str:
    return prefix + base64.b64encode(png).decode()


@pytest.fixture
def document() -> d.Document:
    wang = d.signature_png(_data_url(_png()))
    li = d.signature_png(_data_url(_png(stroke=25)))
    return d.Document(
        title=TITLE,
        number=NUMBER,
        issuer=ISSUER,
        footer=FOOTER,
        blocks=[
            d.Fields(
                [
                    ("被检查单位", "杭州示例化工有限公司"),
                    ("统一社会信用代码", "91330106MA2XXXXXX1"),
                    ("检查时间", "2026年3月5日 9时30分"),
                ]
            ),
            d.Heading("一、检查发现的问题", 1),
            d.Paragraph("经现场检查，发现你单位存在下列安全生产违法行为：" * 12),
            d.Table(
                ["序号", "隐患描述", "整改期限"],
                [
                    ["1", "储罐区可燃气体报警器失效", "2026年3月20日前"],
                    ["2", "消防通道堵塞", "立即"],
                ],
                widths=[1, 5, 2],
            ),
            d.Image(_jpeg(), width_mm=90, caption="现场照片：储罐区"),
            d.PageBreak(),
            d.Heading("二、整改要求", 2),
            d.Heading("（一）具体措施", 3),
            d.Paragraph("请于期限内整改完毕。\n逾期未整改的，依法处理。"),
            d.Signatures(
                [
                    d.Signature("执法人员", "王明 执法证号 33010012", wang, "2026年3月5日"),
                    d.Signature("执法人员", "李华 执法证号 33010013", li, "2026年3月5日"),
                    d.Signature("被检查单位负责人", "张强", None, "2026年3月5日"),
                ]
            ),
            d.Issued(ISSUER, "2026年3月5日"),
        ],
    )


def _pdf_text(pdf: bytes) -> tuple[int, list[str]]:
    reader = PdfReader(io.BytesIO(pdf))
    return len(reader.pages), [page.extract_text() for page in reader.pages]


# --- PDF ------------------------------------------------------------------------------------


def test_pdf_reads_back_with_the_chinese_text(document: d.Document) -> None:
    pdf = d.to_pdf(document)
    assert pdf.startswith(b"%PDF-")
    pages, texts = _pdf_text(pdf)
    assert pages == 2  # the page break
    first, second = texts
    for text in (ISSUER, TITLE, NUMBER, "杭州示例化工有限公司", "储罐区可燃气体报警器失效"):
        assert text in first
    assert "现场照片：储罐区" in first
    assert "第 1 页 共 2 页" in first
    assert "第 2 页 共 2 页" in second
    assert FOOTER in first and FOOTER in second
    for text in ("执法人员", "被检查单位负责人", "王明", "张强", "二、整改要求"):
        assert text in second
    assert NUMBER in second  # the running header on later pages
    assert d.to_pdf(document) == pdf  # the same document gives the same bytes


def test_pdf_embeds_the_photo_and_the_signatures(document: d.Document) -> None:
    reader = PdfReader(io.BytesIO(d.to_pdf(document)))
    assert len(reader.pages[0].images) == 1  # the photo
    assert len(reader.pages[1].images) == 2  # two signatures; the third is signed on paper
    assert reader.metadata is not None
    assert reader.metadata.title == TITLE


def test_pdf_prints_user_text_literally() -> None:
    tricky = 'a < b & c > d <font color="red">红</font> &amp; <br/> <b>粗</b>'
    pdf = d.to_pdf(
        d.Document(
            title="<i>标题</i> & 1",
            number="<b>",
            blocks=[
                d.Paragraph(tricky),
                d.Fields([("<label>", tricky)]),
                d.Table(["<th>"], [[tricky]]),
                d.Signatures([d.Signature("<role>", "<name>")]),
            ],
        )
    )
    text = _pdf_text(pdf)[1][0].replace("\n", "")
    assert "<i>标题</i> & 1" in text
    assert "<b>" in text
    assert 'a < b & c > d <font color="red">红</font> &amp; <br/> <b>粗</b>' in text
    for literal in ("<label>", "<th>", "<role>", "<name>"):
        assert literal in text


def test_long_text_wraps_and_runs_over_pages() -> None:
    long_value = "检查情况详细记录。" * 900  # one field value longer than a page
    pdf = d.to_pdf(
        d.Document(
            title=TITLE,
            blocks=[
                d.Fields([("检查情况", long_value)]),
                d.Paragraph("长段落" * 3000),
                d.Table(["内容"], [["单元格" * 400]] * 10),
            ],
        )
    )
    pages, texts = _pdf_text(pdf)
    assert pages > 5
    assert f"共 {pages} 页" in texts[-1]


def test_built_in_font_is_the_fallback(monkeypatch: pytest.MonkeyPatch, caplog) -> None:
    """With no usable font file (a CFF Noto CJK, a Latin-only font, nothing at the Debian
    paths), PDFs are set in STSong-Light, and the Chinese still reads back."""
    noto = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
    latin = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    monkeypatch.setattr(fonts, "CANDIDATES", ((noto, 2), (latin, 0), ("/nonexistent.ttf", 0)))
    monkeypatch.setenv(fonts.SETTING, "/nonexistent/font.ttf")
    with caplog.at_level(logging.WARNING, logger=fonts.__name__):
        chosen = fonts.pdf_font()
    assert chosen == fonts.PdfFont("STSong-Light")
    assert not chosen.embedded
    assert "YINGJI_PDF_FONT=/nonexistent/font.ttf cannot be used" in caplog.text
    text = _pdf_text(d.to_pdf(d.Document(title=TITLE, number=NUMBER)))[1][0]
    assert TITLE in text and NUMBER in text


def test_a_configured_truetype_font_is_embedded(monkeypatch: pytest.MonkeyPatch) -> None:
    found = [(path, i) for path, i in fonts.CANDIDATES if fonts._truetype(path, i)]
    if not found:
        pytest.skip("no TrueType CJK font installed (e.g. apt-get install fonts-wqy-microhei)")
    path, index = found[0]
    monkeypatch.setenv(fonts.SETTING, f"{path}#{index}")
    assert fonts.pdf_font().path == path
    pdf = d.to_pdf(d.Document(title=TITLE, number=NUMBER))
    assert b"FontFile2" in pdf  # embedded
    assert TITLE in _pdf_text(pdf)[1][0]


def test_the_font_is_chosen_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(fonts.SETTING, raising=False)
    assert fonts.pdf_font() is fonts.pdf_font()


# --- Word -----------------------------------------------------------------------------------


def test_docx_has_the_same_content(document: d.Document) -> None:
    word = docx.Document(io.BytesIO(d.to_docx(document)))
    paragraphs = "\n".join(p.text for p in word.paragraphs)
    for text in (ISSUER, TITLE, NUMBER, "一、检查发现的问题", "现场照片：储罐区", "逾期未整改"):
        assert text in paragraphs
    assert "请于期限内整改完毕。\n逾期未整改的，依法处理。" in paragraphs
    fields, table, signatures = word.tables
    assert [c.text for c in fields.rows[1].cells] == ["统一社会信用代码", "91330106MA2XXXXXX1"]
    assert [c.text for c in table.rows[0].cells] == ["序号", "隐患描述", "整改期限"]
    assert table.rows[1].cells[1].text == "储罐区可燃气体报警器失效"
    labels = [cell.paragraphs[0].text for cell in signatures.rows[0].cells]
    assert labels == ["执法人员", "执法人员", "被检查单位负责人"]
    assert "张强" in signatures.rows[0].cells[2].text
    assert len(word.inline_shapes) == 3  # the photo and two signatures
    section = word.sections[0]
    footer = "\n".join(p.text for p in section.footer.paragraphs)
    assert FOOTER in footer and "页 共" in footer
    assert b"NUMPAGES" in section.footer._element.xml.encode()
    assert NUMBER in section.header.paragraphs[0].text
    assert word.core_properties.title == TITLE
    assert round(section.page_width.mm) == 210


def test_docx_keeps_markup_and_drops_unprintable_characters() -> None:
    word = docx.Document(
        io.BytesIO(d.to_docx(d.Document(title="<b>&amp;", blocks=[d.Paragraph("a\x00b\x0b<c>")])))
    )
    texts = [p.text for p in word.paragraphs]
    assert "<b>&amp;" in texts
    assert "ab<c>" in texts


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: d.Document(title="x", blocks=[d.PageBreak()] * 5001), "at most 5,000 blocks"),
        (lambda: d.Document(title=" "), "title must not be empty"),
        (lambda: d.Document(title="x", blocks=["text"]), "block 1 is a str"),  # type: ignore[list-item]
        (lambda: d.Image(b"GIF89a" + b"\0" * 100), "not a PNG or JPEG"),
        (lambda: d.Image(b"\x89PNG\r\n\x1a\n" + b"\0" * 100), "not a readable PNG"),
        (lambda: d.Image(_jpeg()[:2000]), "not a readable PNG"),  # truncated
        (lambda: d.Image(b"\xff\xd8\xff" + b"\0" * (10 * 1024 * 1024)), "at most 10 MB"),
        (lambda: d.Image(_jpeg(), width_mm=-5), "positive number of mm"),
        (lambda: d.Heading("x", 4), "level must be 1, 2 or 3"),
        (lambda: d.Paragraph(None), "must be text"),  # type: ignore[arg-type]
        (lambda: d.Paragraph("字" * 50_001), "at most 50,000"),
        (lambda: d.Table(["a", "b"], [["1"]]), "row 1 has 1 cells, the header 2"),
        (lambda: d.Table([]), "1 to 12 columns"),
        (lambda: d.Table(["a"], widths=[0]), "positive numbers"),
        (lambda: d.Fields([("only label",)]), r"must be \(label, value\)"),  # type: ignore[list-item]
        (lambda: d.Signatures([]), "1 to 9 signers"),
        (lambda: d.Signature("执法人员", image_png=b"<svg/>"), "not a PNG or JPEG"),
        (lambda: d.Issued(""), "issuing organ must not be empty"),
        (lambda: d.Document(title="x", footer="注" * 121), "at most 120"),
    ],
)
def test_bad_input_is_refused(build, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()


def test_a_bmp_renamed_is_refused() -> None:
    out = io.BytesIO()
    PILImage.new("RGB", (10, 10)).save(out, format="BMP")
    with pytest.raises(ValueError, match="not a PNG or JPEG"):
        d.Image(out.getvalue())


def test_images_over_fifty_megabytes_in_one_document_are_refused(monkeypatch) -> None:
    monkeypatch.setattr(model, "MAX_DOCUMENT_IMAGE_BYTES", 100_000)
    photo = d.Image(_jpeg(1600, 1200))
    with pytest.raises(ValueError, match="images add up to"):
        d.Document(title="x", blocks=[photo] * 20)


# --- signatures from the pad ----------------------------------------------------------------


def test_signature_png_accepts_a_canvas_and_strips_metadata() -> None:
    info = PngInfo()
    info.add_text("Comment", "secret location 30.27,120.15")
    image = PILImage.open(io.BytesIO(_png(600, 200)))
    raw = io.BytesIO()
    image.save(raw, format="PNG", pnginfo=info)
    png = d.signature_png(_data_url(raw.getvalue()))
    assert png.startswith(b"\x89PNG")
    assert b"secret" not in png
    cleaned = PILImage.open(io.BytesIO(png))
    assert cleaned.format == "PNG"
    assert cleaned.mode == "RGBA"
    assert cleaned.size[0] < 600 and cleaned.size[1] < 200  # cropped to the ink
    assert not cleaned.info.get("Comment")


@pytest.mark.parametrize(
    ("data_url", "message"),
    [
        (_data_url(_png(), "data:image/jpeg;base64,"), r"got image/jpeg"),
        (_data_url(_png(), "DATA:image/png;base64,"), "must be a data:image/png;base64"),
        (base64.b64encode(_png()).decode(), "must be a data:image/png;base64"),
        ("data:image/png;base64,@@not base64@@", "not valid base64"),
        ("data:image/png;base64,iVBORw0", "not valid base64"),
        ("data:image/png;base64,", "is empty"),
        (_data_url(_jpeg()), "JPEG image labelled as PNG"),
        (_data_url(_png()[:60]), "not a readable PNG"),
        (_data_url(_png(2001, 100)), "2001×100 pixels"),
        (_data_url(_png(400, 1001)), "400×1001 pixels"),
        (_data_url(_png(ink=False)), "nothing was drawn"),
        (
            _data_url(b'<svg xmlns="http://www.w3.org/2000/svg"/>', "data:image/svg+xml;base64,"),
            r"got image/svg\+xml",
        ),
        (_data_url(b'<svg xmlns="http://www.w3.org/2000/svg"></svg>'), "SVG image"),
    ],
)
def test_signature_png_refuses(data_url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        d.signature_png(data_url)


def test_signature_png_refuses_oversized() -> None:
    rng = random.Random(7)
    noise = PILImage.frombytes("RGBA", (600, 300), rng.randbytes(600 * 300 * 4))
    out = io.BytesIO()
    noise.save(out, format="PNG")
    assert len(out.getvalue()) > 500 * 1024
    with pytest.raises(ValueError, match="larger than 500 KB"):
        d.signature_png(_data_url(out.getvalue()))


def test_signature_png_refuses_non_text() -> None:
    with pytest.raises(ValueError, match="must be a data URL"):
        d.signature_png(b"data:image/png;base64,")  # type: ignore[arg-type]
