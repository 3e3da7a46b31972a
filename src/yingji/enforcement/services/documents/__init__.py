"""执法文书 of the inspection part: drafting, signing and issuing (:mod:`.issue`) and the
templates in code (:mod:`.templates`), built on :mod:`yingji.core.documents`."""

from yingji.enforcement.services.documents.issue import (
    ENTERPRISE,
    INSPECTOR,
    KINDS,
    ROLE_LABEL,
    docx_bytes,
    draft,
    filename,
    get_document,
    issue,
    next_number,
    organ,
    pdf_bytes,
    signers,
)
from yingji.enforcement.services.documents.templates import TITLES, render

__all__ = [
    "ENTERPRISE", "INSPECTOR", "KINDS", "ROLE_LABEL", "TITLES", "docx_bytes", "draft",
    "filename", "get_document", "issue", "next_number", "organ", "pdf_bytes", "render",
    "signers",
]  # fmt: skip
