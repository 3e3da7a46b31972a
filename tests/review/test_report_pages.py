"""复盘 report pages (issue 10, review, done means 2): the page, the downloads read back (Word,
PDF, Excel), jurisdiction scoping and hostile query parameters."""

from __future__ import annotations

import io
from urllib.parse import urlencode

import pytest
from django.utils import timezone
from docx import Document as WordDocument
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.review.test_report_content import at, build_event

PAGE = "/review/reports/view/"


def window(region: str = "3301", **changes: str) -> str:
    params = {
        "region": region,
        "title": "利奇马台风复盘",
        "start": timezone.localtime(at(-1440)).strftime("%Y-%m-%dT%H:%M"),
        "end": timezone.localtime(at(1440)).strftime("%Y-%m-%dT%H:%M"),
    }
    params.update(changes)
    return urlencode(params)


@pytest.fixture
def login(login, settings):
    """Signed in, reading English (the msgids; the Chinese comes from the glossary)."""

    def sign_in(user):
        client = login(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return sign_in


@pytest.fixture
def city(make_user):
    return make_user("hz_review_rp", "3301", "city_staff")


@pytest.fixture
def built(city):
    return build_event(city)


def test_the_page_shows_the_figures_and_the_gaps(login, city, built):
    response = login(city).get(f"{PAGE}?{window()}")
    assert response.status_code == 200
    html = response.content.decode()
    assert "利奇马台风复盘" in html and 'id="rr-chart-data"' in html and "echarts.min.js" in html
    assert f'data-warning="{built["w2"].pk}"' in html and 'data-lead="30.0"' in html
    assert '<tr data-county="330106"><td>西湖区</td><td class="num" data-warnings="2">' in html
    assert 'data-rate="0.75"' in html
    assert 'data-arrival="75.0"' in html and 'data-people="230"' in html
    assert 'data-limit="report:county" data-missed="1"' in html
    assert '<li data-kind="dispatch" class="bad">' in html
    for kind in ("docx", "pdf", "xlsx"):
        assert f"/review/reports/report.{kind}?" in html


def test_the_word_file_reads_back(login, city, built):
    response = login(city).get(f"/review/reports/report.docx?{window()}")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="review-3301-')
    word = WordDocument(io.BytesIO(response.content))
    text = "\n".join(p.text for p in word.paragraphs)
    assert "利奇马台风复盘" in text
    headings = [p.text for p in word.paragraphs if p.style.name.startswith("Heading")]
    for title in ("Gaps against the plan's targets", "Event timeline", "Warnings issued", "Relief"):
        assert any(title in h for h in headings), (title, headings)
    assert len(word.inline_shapes) == 4  # the four charts
    cells = {c.text for t in word.tables for row in t.rows for c in row.cells}
    assert {"滨江区", "西湖消防救援站", "30.0", "75.0%"} <= cells


def test_the_pdf_reads_back(login, city, built):
    response = login(city).get(f"/review/reports/report.pdf?{window()}")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = PdfReader(io.BytesIO(response.content))
    text = "".join(page.extract_text() for page in pdf.pages)
    assert "利奇马台风复盘" in text and "滨江区" in text and "30.0" in text
    assert 2 <= len(pdf.pages) <= 30


def test_the_workbook_reads_back(login, city, built):
    response = login(city).get(f"/review/reports/report.xlsx?{window()}")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == [
        "Summary",
        "Gaps",
        "Event timeline",
        "Warnings issued",
        "Counties",
        "Channels",
        "Alarms",
        "Incident reports",
        "Dispatch",
        "Evacuation",
        "Shelters",
        "Relief",
    ]
    counties = {row[0]: row for row in book["Counties"].iter_rows(min_row=2, values_only=True)}
    assert counties["330108"][1] == "滨江区" and counties["330108"][7] == 30.0
    assert counties["330106"][11] == 0.75
    summary = {row[0]: row[1] for row in book["Summary"].iter_rows(values_only=True)}
    assert summary["Event"] == "利奇马台风复盘" and summary["Warnings issued"] == "3"
    relief = list(book["Relief"].iter_rows(min_row=2, values_only=True))
    assert [r[6] for r in relief] == [12.0, 6.0, None]


def test_an_incident_report_opens(login, city, built):
    response = login(city).get(f"{PAGE}?incident={built['incident'].pk}")
    assert response.status_code == 200
    assert "西湖区山洪" in response.content.decode()
    docx = login(city).get(f"/review/reports/report.docx?incident={built['incident'].pk}")
    assert docx.status_code == 200


def test_the_chooser_lists_incidents(login, city, built):
    html = login(city).get("/review/reports/").content.decode()
    assert f"?incident={built['incident'].pk}" in html and 'id="rr-form"' in html


def test_outside_the_jurisdiction_is_404(login, make_user, built):
    binjiang = make_user("bj_review_rp", "330108", "county_staff")
    client = login(binjiang)
    assert client.get(f"{PAGE}?{window('330106')}").status_code == 404
    assert client.get(f"/review/reports/report.pdf?{window('3301')}").status_code == 404
    assert client.get(f"{PAGE}?incident={built['incident'].pk}").status_code == 404
    assert client.get(f"{PAGE}?{window('330108')}").status_code == 200


def test_reading_needs_the_review_capability(login, make_user):
    enterprise = make_user("company_rp", "330106002", "enterprise_user")
    assert login(enterprise).get(f"{PAGE}?{window('330106')}").status_code == 403
    assert login(enterprise).get("/review/reports/").status_code == 403


@pytest.mark.parametrize(
    ("changes", "status", "field"),
    [
        ({"start": "2019-08-12", "end": "2019-08-10"}, 422, "end"),
        ({"start": "2019-07-01", "end": "2019-08-10"}, 422, "end"),  # 41 days
        ({"start": "yesterday"}, 422, "start"),
        ({"start": "2019-02-30"}, 422, "start"),
        ({"end": "9999-12-31T23:59"}, 422, "end"),
        ({"start": ""}, 422, "start"),
        ({"region": "3301999"}, 422, "region"),  # malformed
        ({"region": "339999"}, 404, "region"),  # no such county
        ({"region": "'; DROP TABLE"}, 422, "region"),
        ({"title": "x" * 500}, 422, "title"),
        ({"title": "a\x00b"}, 400, ""),  # refused by the project's middleware: a NUL byte
    ],
)
def test_bad_input_is_refused_with_the_field_named(login, city, changes, status, field):
    response = login(city).get(f"{PAGE}?{window(**changes)}")
    assert response.status_code == status
    html = response.content.decode()
    assert not field or ('id="rr-error"' in html and f"{field}:" in html)
    assert 'id="rr-summary"' not in html  # nothing computed
    assert login(city).get(f"/review/reports/report.xlsx?{window(**changes)}").status_code == status


@pytest.mark.parametrize("raw", ["abc", "-1", "0", "99999999999999999999999", "1.5", "１"])
def test_a_bad_incident_number_is_refused(login, city, raw):
    response = login(city).get(f"{PAGE}?{urlencode({'incident': raw})}")
    assert response.status_code in (404, 422)
    assert 'id="rr-error"' in response.content.decode()


def test_signed_out_goes_to_sign_in(client):
    assert client.get(f"{PAGE}?{window()}").status_code == 302
