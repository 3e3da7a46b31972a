"""Investigation reports are checked by content: PDF or .docx only, size-limited, no macros,
no zip bombs, names that match; stored content-addressed inside the data directory, and a
tampered path is never opened."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.accidents.conftest import docx, pdf
from yingji.accidents import documents
from yingji.core.errors import InvalidInput, NotFound


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


@pytest.mark.parametrize(
    ("file", "code"),
    [
        (upload("r.pdf", b""), "report_empty"),
        (upload("r.pdf", b"<html><script>alert(1)</script></html>"), "report_type"),
        (upload("r.pdf", b"%PDF-1.7 truncated without an end"), "report_type"),
        (upload("r.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600), "report_type"),
        (upload("r.exe", b"MZ\x90\x00" + b"\x00" * 100), "report_type"),
        (upload("r.docx", b"PK\x03\x04 not really a zip"), "report_damaged"),
        (pdf("r.docx"), "report_extension"),
        (docx("r.pdf"), "report_extension"),
        (docx("r.docm", macro=True), "report_type"),
    ],
)
def test_refusals(file, code, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    with pytest.raises(InvalidInput) as caught:
        documents.store(file)
    assert caught.value.code == code and caught.value.field == "report"
    assert not (tmp_path / "accidents").exists()


def test_a_zip_bomb_is_refused(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "wordprocessingml.document.main+xml")
        archive.writestr("word/document.xml", b"\x00" * 50_000_000)
    with pytest.raises(InvalidInput) as caught:
        documents.store(upload("bomb.docx", buffer.getvalue()))
    assert caught.value.code == "report_too_large"


def test_a_word_file_without_a_word_document_is_refused(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "spreadsheetml.sheet.main+xml")
    with pytest.raises(InvalidInput) as caught:
        documents.store(upload("sheet.docx", buffer.getvalue()))
    assert caught.value.code == "report_type"


def test_stored_by_hash_and_opened_only_inside_the_store(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    first = documents.store(pdf("../../etc/报告.pdf"))
    second = documents.store(pdf("again.pdf"))
    assert first.file == second.file and first.name == "报告.pdf"
    assert documents.open_document(first.file).read_bytes().startswith(b"%PDF-")
    outside = tmp_path / "secret.txt"
    outside.write_text("x")
    for tampered in ("../../secret.txt", str(outside), ""):
        with pytest.raises(NotFound):
            documents.open_document(tampered)
