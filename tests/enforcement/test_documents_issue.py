"""On-site documents: drafting, signing and issuing 现场检查记录, 责令限期整改指令书 and
整改复查意见书; read back from the PDF (pypdf) and Word (python-docx) files."""

from __future__ import annotations

import base64
import datetime as dt
import io
from typing import Any

import docx
import pytest
from django.utils import timezone
from PIL import Image
from pypdf import PdfReader

from tests.enforcement.conftest import jpeg
from tests.enforcement.test_inspection_services import make_task, signature_url
from yingji.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from yingji.core.models import AuditEntry
from yingji.enforcement.models import DocumentKind, EnforcementDocument, Signature, TaskState
from yingji.enforcement.services import documents, inspections

ORDER = DocumentKind.RECTIFICATION_ORDER
RECORD = DocumentKind.SITE_RECORD
YEAR = timezone.localdate().year


def text_of_pdf(data: bytes) -> str:
    """The text without its line breaks and spaces (a long line wraps anywhere in Chinese)."""
    text = "".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
    return "".join(text.split())


def text_of_docx(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "".join("".join(parts).split())


def signed(crew: Any, *names: str, person: str = "王经理") -> list[dict[str, str]]:
    inspectors = names or (crew.i1.inspector.name, crew.i2.inspector.name)
    rows = [
        {"role": "inspector", "name": n, "image": signature_url(k)}
        for k, n in enumerate(inspectors)
    ]
    return [*rows, {"role": "enterprise", "name": person, "image": signature_url(9)}]


def in_days(n: int) -> str:
    return (timezone.localdate() + dt.timedelta(days=n)).isoformat()


@pytest.fixture
def inspected(item, firms, crew):
    """An inspection in progress at 西湖企业00: point 3 not compliant (with a photo)."""
    task = make_task(item, firms.own, [crew.i1, crew.i2], state=TaskState.IN_PROGRESS)
    for point in ("1", "2"):
        inspections.record_finding(
            actor=crew.i1, pk=task.pk, data={"point_id": point, "compliant": "1"}
        )
    inspections.record_finding(
        actor=crew.i1,
        pk=task.pk,
        data={"point_id": "3", "compliant": "0", "description": "储罐区报警器断电未投用"},
        photos=[jpeg()],
    )
    return task


def issue_order(task, crew, **data):
    return documents.issue(
        actor=crew.i1,
        pk=task.pk,
        kind=ORDER,
        data={"rectify_by": in_days(15), **data},
        signatures=signed(crew),
    )


def test_a_rectification_order_reads_back_from_pdf_and_word(inspected, crew, firms):
    order = issue_order(inspected, crew)
    assert order.number == f"杭西应急责改〔{YEAR}〕1号"
    assert order.rectify_by == timezone.localdate() + dt.timedelta(days=15)
    pdf = text_of_pdf(bytes(order.pdf))
    word = text_of_docx(documents.docx_bytes(order))
    for text in (pdf, word):
        assert "责令限期整改指令书" in text
        assert firms.own.name in text
        assert order.number in text
        assert "储罐区报警器断电未投用" in text
        assert "安监总管三〔2017〕121号" in text  # the point's legal basis
        assert "六十日内" in text and "六个月内" in text and "申请行政复议" in text
        assert "杭州市西湖区应急管理局" in text and "杭州市西湖区人民政府" in text
        assert "执法人员1" in text and "ZJ330106001" in text
    assert pdf.startswith("杭州市西湖区应急管理局责令限期整改指令书")
    assert list(order.signatures.values_list("role", "name")) == [
        ("执法人员", "执法人员1"), ("执法人员", "执法人员2"), ("被检查单位现场负责人", "王经理"),
    ]  # fmt: skip
    assert all(bytes(s.image).startswith(b"\x89PNG") for s in order.signatures.all())
    assert AuditEntry.objects.filter(action="document_issue", object_id=str(order.pk)).exists()
    inspected.refresh_from_db()
    assert inspected.present_person == "王经理"


def test_a_site_record_lists_every_point_and_embeds_the_photo(inspected, crew, firms):
    record = documents.issue(
        actor=crew.i2, pk=inspected.pk, kind=RECORD, data={"note": "企业配合检查"},
        signatures=signed(crew),
    )  # fmt: skip
    assert record.number == f"杭西应急检记〔{YEAR}〕1号"
    reader = PdfReader(io.BytesIO(bytes(record.pdf)))
    text = "".join("".join(p.extract_text() for p in reader.pages).split())
    for point in inspections.checklist(inspected):
        assert point["text"] in text
    assert "现场检查记录" in text and "不符合" in text and "企业配合检查" in text
    assert "检查项3照片1" in text
    images = sum(len(page.images) for page in reader.pages)
    assert images == 4  # the finding's photo and three signatures


def test_numbers_run_per_county_kind_and_year(inspected, item, firms, crew):
    first = issue_order(inspected, crew)
    second_task = make_task(item, firms.xihu[1], [crew.i1, crew.i3], state=TaskState.IN_PROGRESS)
    inspections.record_finding(
        actor=crew.i1,
        pk=second_task.pk,
        data={"point_id": "1", "compliant": "0", "description": "x"},
    )
    second = documents.issue(
        actor=crew.i3, pk=second_task.pk, kind=ORDER, data={"rectify_by": in_days(5)},
        signatures=signed(crew, "执法人员1", "执法人员3"),
    )  # fmt: skip
    assert (first.number, second.number) == (
        f"杭西应急责改〔{YEAR}〕1号",
        f"杭西应急责改〔{YEAR}〕2号",
    )
    assert documents.organ("330108")[:2] == ("杭州市滨江区应急管理局", "杭滨")
    assert documents.organ("330113")[1] == "杭临平"  # 临平 and 临安 share their first character
    assert documents.next_number(ORDER, "330108", YEAR) == f"杭滨应急责改〔{YEAR}〕1号"


def test_a_document_is_issued_once_and_kept_as_issued(inspected, crew, firms):
    order = issue_order(inspected, crew)
    with pytest.raises(Conflict) as caught:
        issue_order(inspected, crew)
    assert order.number in caught.value.message
    # The enterprise renames itself afterwards: the document says what was signed.
    firms.own.name = "改名后的企业"
    firms.own.save()
    word = text_of_docx(documents.docx_bytes(EnforcementDocument.objects.get(pk=order.pk)))
    assert "西湖企业00" in word and "改名后的企业" not in word


@pytest.mark.parametrize(
    ("rectify_by", "words"),
    [
        (None, "date"),
        ("", "date"),
        ("next week", "date"),
        ("2026-02-30", "date"),
        (in_days(0), "future"),
        (in_days(-3), "future"),
        (in_days(400), "365"),
    ],
)
def test_the_rectify_by_date_must_lie_ahead(inspected, crew, rectify_by, words):
    with pytest.raises(InvalidInput) as caught:
        documents.issue(
            actor=crew.i1, pk=inspected.pk, kind=ORDER, data={"rectify_by": rectify_by},
            signatures=signed(crew),
        )  # fmt: skip
    assert caught.value.field == "rectify_by" and words in caught.value.message
    assert not EnforcementDocument.objects.exists()


def jpeg_url() -> str:
    out = io.BytesIO()
    Image.new("RGB", (50, 20), (0, 0, 0)).save(out, "JPEG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def blank_url() -> str:
    out = io.BytesIO()
    Image.new("RGBA", (300, 120), (0, 0, 0, 0)).save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def replace_image(rows: list[dict[str, str]], n: int, url: str) -> list[dict[str, str]]:
    rows[n] = {**rows[n], "image": url}
    return rows


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda crew: [], "must sign"),
        (lambda crew: "not a list", "must sign"),
        (lambda crew: signed(crew, "执法人员1"), "two inspectors"),
        (lambda crew: signed(crew, "执法人员1", "执法人员1"), "twice"),
        (lambda crew: signed(crew, "执法人员1", "执法人员3"), "not an inspector"),
        (lambda crew: signed(crew)[:2], "enterprise"),
        (lambda crew: signed(crew, person=""), "name"),
        (lambda crew: signed(crew, person="长" * 51), "name"),
        (lambda crew: [{**signed(crew)[0], "role": "judge"}, *signed(crew)[1:]], "signs as"),
        (lambda crew: replace_image(signed(crew), 0, jpeg_url()), "JPEG"),
        (lambda crew: replace_image(signed(crew), 2, ""), "not signed"),
        (lambda crew: replace_image(signed(crew), 1, blank_url()), "empty"),
        (lambda crew: replace_image(signed(crew), 2, "data:image/png;base64,!!!"), "base64"),
        (lambda crew: replace_image(signed(crew), 2, "javascript:alert(1)"), "signature pad"),
        (
            lambda crew: replace_image(signed(crew), 0, "data:image/png;base64," + "A" * 900_000),
            "larger",
        ),
        (lambda crew: [*signed(crew), ["not", "a", "dict"]], "at most"),
    ],
)
def test_bad_signatures_issue_nothing(inspected, crew, make, words):
    with pytest.raises(InvalidInput) as caught:
        documents.issue(
            actor=crew.i1, pk=inspected.pk, kind=ORDER, data={"rectify_by": in_days(10)},
            signatures=make(crew),
        )  # fmt: skip
    assert caught.value.field == "signatures" and words in caught.value.message
    assert not EnforcementDocument.objects.exists() and not Signature.objects.exists()


def test_nothing_to_order_when_every_point_is_compliant(item, firms, crew):
    task = make_task(item, firms.own, [crew.i1, crew.i2], state=TaskState.IN_PROGRESS)
    with pytest.raises(InvalidInput) as caught:  # nothing recorded yet
        documents.draft(actor=crew.i1, pk=task.pk, kind=RECORD, data={})
    assert caught.value.field == "findings"
    inspections.record_finding(actor=crew.i1, pk=task.pk, data={"point_id": "1", "compliant": "1"})
    with pytest.raises(InvalidInput) as caught:
        documents.draft(actor=crew.i1, pk=task.pk, kind=ORDER, data={"rectify_by": in_days(3)})
    assert caught.value.field == "findings"
    for kind in ("pen_decision", "", "review", "x" * 500):
        with pytest.raises(InvalidInput) as caught:
            documents.draft(actor=crew.i1, pk=task.pk, kind=kind, data={})
        assert caught.value.field == "kind"


def test_the_draft_is_the_content_to_be_issued(inspected, crew):
    content = documents.draft(
        actor=crew.i1, pk=inspected.pk, kind=ORDER,
        data={"rectify_by": in_days(7), "instruction": "立即恢复报警器供电。", "place": "储罐区"},
    )  # fmt: skip
    assert content["number"] == "" and content["place"] == "储罐区"
    assert content["instruction"] == "立即恢复报警器供电。"
    assert [p["id"] for p in content["points"] if not p["compliant"]] == ["3"]
    with pytest.raises(InvalidInput) as caught:
        documents.draft(
            actor=crew.i1, pk=inspected.pk, kind=ORDER,
            data={"rectify_by": in_days(7), "instruction": "长" * 2001},
        )  # fmt: skip
    assert caught.value.field == "instruction"


def test_who_may_issue_and_who_may_read(inspected, crew, firms):
    with pytest.raises(NotFound):
        issue_order_as(inspected, crew, crew.i3)
    with pytest.raises(Forbidden):
        issue_order_as(inspected, crew, firms.manager)
    order = issue_order_as(inspected, crew, crew.county)  # bureau staff of the county
    for reader in (crew.i1, crew.i2, crew.county, crew.city, crew.viewer, firms.manager):
        assert documents.get_document(reader, order.pk) == order
    for stranger in (crew.i3, crew.other_county, crew.other_inspector, firms.other_manager):
        with pytest.raises(NotFound):
            documents.get_document(stranger, order.pk)


def issue_order_as(task, crew, actor):
    return documents.issue(
        actor=actor, pk=task.pk, kind=ORDER, data={"rectify_by": in_days(9)},
        signatures=signed(crew),
    )  # fmt: skip


def test_no_document_before_the_start_or_after_a_cancel(item, firms, crew):
    task = make_task(item, firms.own, [crew.i1, crew.i2])
    with pytest.raises(Conflict):
        documents.draft(actor=crew.i1, pk=task.pk, kind=RECORD, data={})


def test_a_follow_up_review_opinion_names_the_order(inspected, item, firms, crew):
    order = issue_order(inspected, crew)
    follow = make_task(
        item, firms.own, [crew.i1, crew.i2], state=TaskState.IN_PROGRESS, kind="follow_up"
    )
    for point in ("1", "2", "3"):
        inspections.record_finding(
            actor=crew.i1, pk=follow.pk, data={"point_id": point, "compliant": "1"}
        )
    review = documents.issue(
        actor=crew.i1, pk=follow.pk, kind="review", data={}, signatures=signed(crew)
    )
    text = text_of_pdf(bytes(review.pdf))
    assert review.number == f"杭西应急复查〔{YEAR}〕1号"
    assert "整改复查意见书" in text and order.number in text and "复查合格" in text
    with pytest.raises(InvalidInput):  # a drawn inspection is not a follow-up
        documents.draft(actor=crew.i1, pk=inspected.pk, kind="review", data={})
