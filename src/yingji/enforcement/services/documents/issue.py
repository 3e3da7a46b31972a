"""执法文书 issued on site: 现场检查记录, 责令限期整改指令书 and 整改复查意见书.

A document is drafted from the task (the preview the phone shows), signed on the phone by at
least two of the task's inspectors and the enterprise's person present, then issued: the
content is frozen as a JSON snapshot, numbered (杭西应急责改〔2026〕3号: per county, kind and
year), rendered to PDF and stored with the signature images, all in one transaction. Nothing
is edited afterwards; the Word file is rendered again from the stored content on demand, so
PDF and Word always say the same. The templates are code (:mod:`.templates`).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image as PILImage

from yingji.core import audit
from yingji.core.documents import signature_png, to_docx, to_pdf
from yingji.core.errors import Conflict, InvalidInput, NotFound
from yingji.core.models import Photo
from yingji.core.photos import open_photo
from yingji.enforcement import selectors
from yingji.enforcement.models import (
    DocumentKind,
    EnforcementDocument,
    InspectionTask,
    Signature,
    TaskKind,
)
from yingji.enforcement.services.documents import templates
from yingji.enforcement.services.inspections import at_work, checklist, crew
from yingji.regions.models import Region

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yingji.core.models import User

    Actor = User | AnonymousUser

KINDS: Final = (
    DocumentKind.SITE_RECORD,
    DocumentKind.RECTIFICATION_ORDER,
    DocumentKind.REVIEW_OPINION,
)
NUMBER_CODE: Final[dict[str, str]] = {
    DocumentKind.SITE_RECORD: "检记",
    DocumentKind.RECTIFICATION_ORDER: "责改",
    DocumentKind.REVIEW_OPINION: "复查",
}
INSPECTOR, ENTERPRISE = "inspector", "enterprise"
ROLE_LABEL: Final = {INSPECTOR: "执法人员", ENTERPRISE: "被检查单位现场负责人"}
MAX_TEXT: Final = 2000
MAX_RECTIFY_DAYS: Final = 365
PHOTO_SIDE: Final = 1280  # pixels: sharp on A4 at 70 mm, small enough for a phone download
MAX_DOCUMENT_PHOTOS: Final = 24

audit.ACTION_LABELS.update(document_issue=gettext_lazy("document issued"))


# ---------------------------------------------------------------- reads


def get_document(actor: Actor, pk: Any) -> EnforcementDocument:
    """A document the actor may see (inspector: their tasks; enterprise: its own; staff: area)."""
    qs = selectors.documents(actor).select_related("task", "enterprise")
    return selectors.get(qs, pk, "enforcement document")


def pdf_bytes(document: EnforcementDocument) -> bytes:
    return bytes(document.pdf)


def docx_bytes(document: EnforcementDocument) -> bytes:
    """Word, rendered now from the content and signatures frozen at issue."""
    signers = [(s.role, s.name, bytes(s.image)) for s in document.signatures.order_by("pk")]
    return to_docx(templates.render(document.content, signers, _photo_bytes))


def filename(document: EnforcementDocument, ext: str) -> str:
    title = templates.TITLES.get(document.kind, "执法文书")
    return f"{title}-{document.number}.{ext}"


# ---------------------------------------------------------------- the organ and numbers


def organ(region_path: str) -> tuple[str, str, str]:
    """``(organ name, number abbreviation, government for 复议)`` of the county of a path.

    杭州市西湖区 → ("杭州市西湖区应急管理局", "杭西", "杭州市西湖区人民政府"). A county whose
    first character another county of its city shares keeps two (临平/临安 → 杭临平, 杭临安).
    """
    county = Region.objects.filter(path=region_path[:6]).select_related("parent").first()
    if county is None:
        return "应急管理局", "", "人民政府"
    city = county.parent
    if city is None:
        return f"{county.name}应急管理局", county.name[:1], f"{county.name}人民政府"
    full = f"{city.name}{county.name}" if county.name.endswith("区") else county.name
    siblings = Region.objects.filter(parent=city).exclude(pk=county.pk)
    clash = siblings.filter(name__startswith=county.name[:1]).exists()
    short = county.name[:2] if clash else county.name[:1]
    return f"{full}应急管理局", f"{city.name[:1]}{short}", f"{full}人民政府"


def next_number(kind: str, region_path: str, year: int) -> str:
    """The next free number of this kind in the county this year: …〔2026〕N号."""
    prefix = f"{organ(region_path)[1]}应急{NUMBER_CODE[kind]}〔{year}〕"
    taken = EnforcementDocument.objects.filter(number__startswith=prefix).values_list(
        "number", flat=True
    )
    numbers = [int(n[len(prefix) : -1]) for n in taken if n[len(prefix) : -1].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1}号"


# ---------------------------------------------------------------- drafting


def _text(data: Mapping[str, Any], name: str, limit: int, *, required: bool = False) -> str:
    raw = data.get(name)
    value = "" if raw is None else str(raw).strip()
    if required and not value:
        raise InvalidInput(f"{name}: required", field=name)
    if len(value) > limit:
        raise InvalidInput(f"{name}: at most {limit} characters ({len(value)} given)", field=name)
    return value


def _rectify_by(data: Mapping[str, Any]) -> dt.date:
    raw = data.get("rectify_by")
    try:
        day = raw if isinstance(raw, dt.date) else dt.date.fromisoformat(str(raw or "")[:10])
    except ValueError as exc:
        raise InvalidInput(
            "rectify_by: a date (YYYY-MM-DD) is required", field="rectify_by"
        ) from exc
    today = timezone.localdate()
    if day <= today:
        raise InvalidInput(
            f"rectify_by: {day} is not in the future; give a date after {today}",
            field="rectify_by",
        )
    if day > today + dt.timedelta(days=MAX_RECTIFY_DAYS):
        raise InvalidInput(
            f"rectify_by: at most {MAX_RECTIFY_DAYS} days ahead ({day} given)", field="rectify_by"
        )
    return day


def _kind(task: InspectionTask, raw: Any) -> str:
    kind = str(raw or "")
    if kind not in KINDS:
        raise InvalidInput(f"kind: {kind[:20]!r} is not one of {', '.join(KINDS)}", field="kind")
    if kind == DocumentKind.REVIEW_OPINION and task.kind != TaskKind.FOLLOW_UP:
        raise InvalidInput(
            "kind: a review opinion belongs to a follow-up task (复查)", field="kind"
        )
    return kind


def _base(task: InspectionTask, kind: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """What every document states about the inspection, as JSON-safe text."""
    name, _abbr, government = organ(task.region_path)
    enterprise = task.enterprise
    findings = {f.point_id: f for f in task.findings.prefetch_related("photos")}
    started = timezone.localtime(task.started_at) if task.started_at else None
    points = []
    for point in checklist(task):
        finding = findings.get(point["id"])
        points.append(
            {
                **point,
                "answered": finding is not None,
                "compliant": bool(finding and finding.compliant),
                "description": finding.description if finding else "",
                "photos": [
                    str(p.pk) for p in (finding.photos.order_by("uploaded_at") if finding else [])
                ],
            }
        )
    if not any(p["answered"] for p in points):
        raise InvalidInput("findings: record the check points first", field="findings")
    today = timezone.localdate()
    return {
        "kind": kind,
        "title": templates.TITLES[kind],
        "number": "",
        "organ": name,
        "government": government,
        "issued_on": today.isoformat(),
        "enterprise": {
            "name": enterprise.name,
            "address": enterprise.address,
            "credit_code": enterprise.credit_code,
            "legal_representative": enterprise.legal_representative,
        },
        "task": {"code": task.code, "item": task.item.name, "basis": task.item.legal_basis},
        "started_at": started.strftime("%Y-%m-%d %H:%M") if started else "",
        "place": _text(data, "place", 200) or enterprise.address or enterprise.name,
        "present_person": _text(data, "present_person", 50) or task.present_person,
        "inspectors": [
            {"name": c.inspector.name, "certificate": c.inspector.certificate_number}
            for c in crew(task)
        ],
        "points": points,
    }


def draft(*, actor: Actor, pk: Any, kind: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """The document's content as it would be issued now (without its number)."""
    with transaction.atomic():
        task = at_work(actor, pk, "document")
        return _draft(task, kind, data)


def _draft(task: InspectionTask, raw_kind: str, data: Mapping[str, Any]) -> dict[str, Any]:
    kind = _kind(task, raw_kind)
    content = _base(task, kind, data)
    faults = [p for p in content["points"] if p["answered"] and not p["compliant"]]
    if kind == DocumentKind.SITE_RECORD:
        content["note"] = _text(data, "note", MAX_TEXT)
    elif kind == DocumentKind.RECTIFICATION_ORDER:
        if not faults:
            raise InvalidInput(
                "findings: no non-compliant point, so there is nothing to order", field="findings"
            )
        day = _rectify_by(data)
        content["rectify_by"] = day.isoformat()
        content["instruction"] = _text(data, "instruction", MAX_TEXT) or templates.instruction(day)
        content["appeal"] = templates.appeal(content["government"])
    else:
        order = (
            EnforcementDocument.objects.filter(
                enterprise=task.enterprise_id, kind=DocumentKind.RECTIFICATION_ORDER
            )
            .order_by("-issued_at")
            .first()
        )
        if order is None:
            raise InvalidInput(
                "kind: this enterprise has no rectification order to review", field="kind"
            )
        content["order"] = {
            "number": order.number,
            "issued_on": timezone.localtime(order.issued_at).date().isoformat(),
        }
        content["opinion"] = _text(data, "opinion", MAX_TEXT) or templates.opinion(not faults)
    return content


# ---------------------------------------------------------------- signatures and issue


def signers(task: InspectionTask, raw: Any) -> list[tuple[str, str, bytes]]:
    """``(role, name, png)``: two or more of the crew, and the enterprise's person present."""
    if not isinstance(raw, list | tuple) or not raw:
        raise InvalidInput(
            "signatures: the inspectors and the enterprise must sign", field="signatures"
        )
    names = {c.inspector.name for c in crew(task)}
    if len(raw) > len(names) + 1:
        raise InvalidInput(f"signatures: at most {len(names) + 1} signers", field="signatures")
    out: list[tuple[str, str, bytes]] = []
    for n, item in enumerate(raw, 1):
        if not isinstance(item, Mapping):
            raise InvalidInput(f"signatures: signer {n} is not an object", field="signatures")
        role, name = str(item.get("role") or ""), str(item.get("name") or "").strip()
        if role not in ROLE_LABEL:
            raise InvalidInput(
                f"signatures: signer {n} signs as {role[:20]!r}, not inspector or enterprise",
                field="signatures",
            )
        if not name or len(name) > 50:
            raise InvalidInput(f"signatures: signer {n} needs a name (≤ 50)", field="signatures")
        if role == INSPECTOR and name not in names:
            raise InvalidInput(
                f"signatures: {name[:20]} is not an inspector of this task", field="signatures"
            )
        if not item.get("image"):
            raise InvalidInput(f"signatures: {name[:20]} has not signed yet", field="signatures")
        try:
            png = signature_png(item.get("image"))  # type: ignore[arg-type]
        except ValueError as exc:
            raise InvalidInput(f"signatures: {name[:20]}: {exc}", field="signatures") from exc
        out.append((ROLE_LABEL[role], name, png))
    inspectors = [name for role, name, _png in out if role == ROLE_LABEL[INSPECTOR]]
    if len(set(inspectors)) != len(inspectors):
        raise InvalidInput("signatures: an inspector signed twice", field="signatures")
    if len(inspectors) < 2:
        raise InvalidInput("signatures: at least two inspectors must sign", field="signatures")
    if len(out) - len(inspectors) != 1:
        raise InvalidInput(
            "signatures: the enterprise's person present signs once", field="signatures"
        )
    return out


def issue(
    *, actor: Actor, pk: Any, kind: str, data: Mapping[str, Any], signatures: Sequence[Any]
) -> EnforcementDocument:
    """签发: number, snapshot, PDF, signatures, in one transaction; then never changed."""
    with transaction.atomic():
        task = at_work(actor, pk, "document")
        content = _draft(task, kind, data)
        done = task.documents.filter(kind=content["kind"]).first()
        if done is not None:
            raise Conflict(
                _("%(title)s %(number)s was already issued for this task.")
                % {"title": content["title"], "number": done.number},
                code="already_issued",
            )
        signed = signers(task, signatures)
        content["signers"] = [{"role": r, "name": n} for r, n, _png in signed]
        enterprise_signer = next(n for r, n, _png in signed if r == ROLE_LABEL[ENTERPRISE])
        content["present_person"] = content["present_person"] or enterprise_signer
        rectify_by = content.get("rectify_by")
        document = EnforcementDocument(
            kind=content["kind"], task=task, enterprise_id=task.enterprise_id,
            region_path=task.region_path,
            rectify_by=dt.date.fromisoformat(rectify_by) if rectify_by else None,
            issued_by=actor if actor.is_authenticated else None,
        )  # fmt: skip
        for attempt in range(5):  # two documents issued at once in a county: the next number
            year = timezone.localdate().year
            content["number"] = next_number(content["kind"], task.region_path, year)
            try:
                document.pdf = to_pdf(templates.render(content, signed, _photo_bytes))
            except ValueError as exc:
                raise InvalidInput(f"document: {exc}", field="document") from exc
            document.number, document.content = content["number"], content
            try:
                with transaction.atomic():
                    document.save()
                break
            except IntegrityError:
                if attempt == 4:
                    raise
        Signature.objects.bulk_create(
            Signature(document=document, role=r, name=n, image=png) for r, n, png in signed
        )
        if not task.present_person:
            task.present_person = content["present_person"][:50]
            task.save(update_fields=["present_person"])
        audit.record(
            actor=actor,
            action="document_issue",
            obj=document,
            region_path=document.region_path,
            after={"kind": document.kind, "number": document.number, "task": task.code,
                   "signers": content["signers"]},
        )  # fmt: skip
    return document


def _photo_bytes(photo_id: str) -> bytes | None:
    """A finding photo made small for print (JPEG, ≤ PHOTO_SIDE px), or None if it is gone."""
    photo = Photo.objects.filter(pk=photo_id).first() if templates.is_uuid(photo_id) else None
    if photo is None:
        return None
    try:
        path = open_photo(photo)
    except NotFound:
        return None
    with PILImage.open(path) as image:
        image.thumbnail((PHOTO_SIDE, PHOTO_SIDE))
        out = io.BytesIO()
        image.convert("RGB").save(out, "JPEG", quality=82)
    return out.getvalue()
