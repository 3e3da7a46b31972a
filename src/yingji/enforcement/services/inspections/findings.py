"""Findings per check point, with photos, and hidden hazards made from them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.files import File
from django.db import transaction
from django.utils.translation import gettext as _

from yingji.core import audit
from yingji.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from yingji.core.photos import open_photo, store_photos
from yingji.enforcement import selectors
from yingji.enforcement.models import (
    Finding,
)
from yingji.enforcement.services.inspections.tasks import (
    MAX_PHOTO_BYTES,
    MAX_PHOTOS,
    MAX_TEXT,
    at_work,
    checklist,
    compliance_flag,
    field_text,
    location,
)
from yingji.hazards.models import Category, Grade, HiddenHazard
from yingji.hazards.services import report as hazard_report

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yingji.core.models import User

    Actor = User | AnonymousUser


def check_photos(photos: Sequence[Any], already: int = 0) -> None:
    """Count, declared size and type (JPEG or PNG) before anything is read in full.

    :func:`store_photos` then decodes each one (a PDF named .jpg, a truncated JPEG are
    refused there) and stores none unless all pass.
    """
    if already + len(photos) > MAX_PHOTOS:
        raise InvalidInput(
            f"photo: at most {MAX_PHOTOS} photos per finding ({already} already)", field="photo"
        )
    for upload in photos:
        size = getattr(upload, "size", None)
        if isinstance(size, int) and size > MAX_PHOTO_BYTES:
            raise InvalidInput(
                f"photo: {str(getattr(upload, 'name', ''))[:60]!r} is {size / 1048576:.1f} MB;"
                f" at most {MAX_PHOTO_BYTES // 1048576} MB",
                field="photo",
                code="photo_too_large",
            )
        head = b""
        if hasattr(upload, "seek"):
            upload.seek(0)
            head = upload.read(16)
            upload.seek(0)
        if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
            raise InvalidInput(
                "photo: WebP photos are not taken for enforcement records; send JPEG or PNG",
                field="photo",
                code="photo_type",
            )


# ---------------------------------------------------------------- findings


def record_finding(
    *, actor: Actor, pk: Any, data: Mapping[str, Any], photos: Sequence[Any] = ()
) -> Finding:
    """The result of one check point (again: replaces the answer, adds the photos)."""
    point_id = field_text(data, "point_id", 20, required=True)
    compliant = compliance_flag(data, "compliant")
    description = field_text(data, "description", MAX_TEXT, required=not compliant)
    lon, lat = location(data)
    with transaction.atomic():
        task = at_work(actor, pk, "finding")
        point = next((p for p in checklist(task) if p["id"] == point_id), None)
        if point is None:
            raise InvalidInput(
                f"point_id: the checklist of {task.item.code} has no point {point_id!r}",
                field="point_id",
            )
        finding = task.findings.select_for_update().filter(point_id=point_id).first()
        before = audit.snapshot(finding) if finding else None
        if finding is not None and finding.hazard_id and compliant:
            raise Conflict(
                _("A hidden hazard was created from this finding; it stays non-compliant."),
                code="finding_has_hazard",
            )
        check_photos(photos, finding.photos.count() if finding else 0)
        if finding is None:
            finding = Finding(task=task, point_id=point_id)
        finding.point_text = point["text"][:300]
        finding.compliant = compliant
        finding.description = description
        finding.lon, finding.lat = lon, lat
        finding.recorded_by = actor if actor.is_authenticated else None
        finding.save()
        stored = store_photos(photos, purpose="inspection", actor=actor)
        finding.photos.add(*stored)
        after = audit.snapshot(finding) | {"photos": [str(p.pk) for p in stored]}
        audit.record(
            actor=actor,
            action="inspection_finding",
            obj=finding,
            region_path=task.region_path,
            before=before,
            after=after,
        )
    return finding


def create_hazard(
    *, actor: Actor, pk: Any, finding_id: Any, data: Mapping[str, Any]
) -> HiddenHazard:
    """生成隐患: the hazards service files the finding as an inspection find (执法检查)."""
    with transaction.atomic():
        task = at_work(actor, pk, "hazard")
        finding = selectors.get(
            task.findings.select_related("task"), finding_id, "finding", for_update=True
        )
        if finding.compliant:
            raise InvalidInput(
                "finding: a compliant point is no hidden hazard", field="finding", code="compliant"
            )
        if finding.hazard_id:
            raise Conflict(
                _("Hidden hazard already created from this finding."), code="hazard_exists"
            )
        fields = {
            "enterprise": str(task.enterprise_id),
            "source": "inspection",
            "title": field_text(data, "title", 100) or finding.point_text[:100],
            "description": field_text(data, "description", MAX_TEXT) or finding.description,
            "category": field_text(data, "category", 12) or Category.OTHER,
            "grade": field_text(data, "grade", 8) or Grade.GENERAL,
            "criterion": field_text(data, "criterion", 19),
            "address": task.enterprise.address,
            "lon": finding.lon if finding.lon is not None else "",
            "lat": finding.lat if finding.lat is not None else "",
        }
        files = _photo_files(finding)
        try:
            hazard = hazard_report.report(
                actor=actor, data=fields, photos=files, synthetic=task.synthetic
            )
        except NotFound as exc:  # the crew member's jurisdiction does not reach the enterprise
            if exc.field != "enterprise":
                raise
            raise Forbidden(
                _("Your jurisdiction does not cover this enterprise: ask the county office.")
            ) from exc
        finally:
            for f in files:
                f.close()
        finding.hazard = hazard
        finding.save(update_fields=["hazard"])
        audit.record(
            actor=actor,
            action="inspection_hazard",
            obj=finding,
            region_path=task.region_path,
            after={"hazard": hazard.pk, "code": hazard.code},
        )
    return hazard


def _photo_files(finding: Finding) -> list[File[Any]]:
    """The finding's stored photos opened as uploads, for the hazard's report evidence."""
    files: list[File[Any]] = []
    for photo in finding.photos.order_by("uploaded_at"):
        try:
            path = open_photo(photo)
        except NotFound:
            continue  # a file gone from disk is logged by open_photo; the text still counts
        files.append(File(path.open("rb"), name=Path(photo.file).name))
    return files
