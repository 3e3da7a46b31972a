"""Inspection tasks (检查任务), their findings and the documents issued on site (执法文书).

A task is one enterprise inspected for one item by two or more inspectors: drawn by a plan
(双随机), or opened directly for a complaint or a follow-up check (``kind``). Its state moves
assigned → in progress → completed; findings and documents belong to it. The task keeps the
enterprise's region so that jurisdiction scoping is a range condition on its own index.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yingji.core.models import Photo
from yingji.enforcement.models.draws import DrawPlan
from yingji.enforcement.models.lists import InspectionItem, Inspector
from yingji.hazards.models import HiddenHazard
from yingji.registry.models.enterprise import Enterprise


class TaskKind(models.TextChoices):
    RANDOM = "random", _("random draw (双随机)")
    KEY = "key", _("key entity (重点检查)")
    COMPLAINT = "complaint", _("complaint or referral (举报/转办)")
    FOLLOW_UP = "follow_up", _("follow-up check (复查)")


class TaskState(models.TextChoices):
    ASSIGNED = "assigned", _("assigned")
    IN_PROGRESS = "in_progress", _("in progress")
    COMPLETED = "completed", _("completed")
    CANCELLED = "cancelled", _("cancelled")


class Outcome(models.TextChoices):
    NO_ISSUES = "no_issues", _("no issues found")
    RECTIFY = "rectify", _("issues found, rectification ordered")
    PENALTY = "penalty", _("issues found, case filed")
    NOT_FOUND = "not_found", _("enterprise not found at its address")


class InspectionTask(models.Model):
    code = models.CharField(_("task code"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=TaskKind.choices)
    plan = models.ForeignKey(
        DrawPlan, null=True, blank=True, on_delete=models.PROTECT, related_name="tasks"
    )
    item = models.ForeignKey(
        InspectionItem, verbose_name=_("inspection item"), on_delete=models.PROTECT
    )
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="+"
    )
    region_path = models.CharField(max_length=12, db_index=True)  # the enterprise's
    inspectors = models.ManyToManyField(
        Inspector, through="TaskInspector", related_name="tasks", verbose_name=_("inspectors")
    )
    due_on = models.DateField(_("due"))
    state = models.CharField(
        _("state"), max_length=12, choices=TaskState.choices, default=TaskState.ASSIGNED
    )
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    start_lon = models.FloatField(_("longitude at start"), null=True, blank=True)
    start_lat = models.FloatField(_("latitude at start"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    present_person = models.CharField(_("enterprise person present"), max_length=50, blank=True)
    cancel_reason = models.CharField(_("cancel reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    synthetic = models.BooleanField(_("synthetic"), default=False)

    scope_path_field = "region_path"

    class Meta:
        verbose_name = _("inspection task")
        verbose_name_plural = _("inspection tasks")
        indexes = [
            models.Index(fields=["region_path", "state", "due_on"], name="inspection_scope"),
            models.Index(fields=["enterprise", "completed_at"], name="inspection_enterprise"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.enterprise_id}"


class TaskInspector(models.Model):
    task = models.ForeignKey(InspectionTask, on_delete=models.CASCADE, related_name="crew")
    inspector = models.ForeignKey(Inspector, on_delete=models.PROTECT, related_name="+")
    lead = models.BooleanField(_("lead inspector"), default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["task", "inspector"], name="task_inspector_once")
        ]

    def __str__(self) -> str:
        return f"{self.task_id}: {self.inspector_id}"


class Finding(models.Model):
    """The result of one check point: compliant or not, what was seen, where, with photos.

    A non-compliant finding may become a hidden hazard (``hazard``) through the hazards
    service, which then runs its own closed loop (整改 → 验收 → 销号).
    """

    task = models.ForeignKey(InspectionTask, on_delete=models.CASCADE, related_name="findings")
    point_id = models.CharField(_("check point"), max_length=20)
    point_text = models.CharField(_("check point text"), max_length=300)
    compliant = models.BooleanField(_("compliant"))
    description = models.TextField(_("what was found"), blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    hazard = models.ForeignKey(
        HiddenHazard, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    photos = models.ManyToManyField(Photo, blank=True, related_name="+")
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("finding")
        constraints = [
            models.UniqueConstraint(fields=["task", "point_id"], name="finding_per_point")
        ]

    def __str__(self) -> str:
        return f"{self.task_id} #{self.point_id}"


class DocumentKind(models.TextChoices):
    SITE_RECORD = "site_record", _("on-site inspection record (现场检查记录)")
    RECTIFICATION_ORDER = "rectify_order", _("rectification order (责令限期整改指令书)")
    REVIEW_OPINION = "review", _("rectification review opinion (整改复查意见书)")
    PENALTY_NOTICE = "pen_notice", _("notice of intended penalty (行政处罚告知书)")
    PENALTY_DECISION = "pen_decision", _("penalty decision (行政处罚决定书)")


class EnforcementDocument(models.Model):
    """A document issued (执法文书), kept as rendered: the PDF and the content it came from.

    Documents are never edited after issue; a correction is a new document that names the one
    it corrects, so what the enterprise signed is what the record shows.
    """

    kind = models.CharField(_("document kind"), max_length=14, choices=DocumentKind.choices)
    number = models.CharField(_("document number"), max_length=60, unique=True)
    task = models.ForeignKey(
        InspectionTask, null=True, blank=True, on_delete=models.PROTECT, related_name="documents"
    )
    case = models.ForeignKey(
        "enforcement.PenaltyCase",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
    )
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="+")
    region_path = models.CharField(max_length=12, db_index=True)
    content = models.JSONField(_("content"), default=dict)
    pdf = models.BinaryField(_("PDF"))
    rectify_by = models.DateField(_("rectify by"), null=True, blank=True)
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    issued_at = models.DateTimeField(_("issued"), auto_now_add=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    scope_path_field = "region_path"

    class Meta:
        verbose_name = _("enforcement document")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"


class Signature(models.Model):
    """A handwritten signature captured on the phone (PNG), attached to a document."""

    document = models.ForeignKey(
        EnforcementDocument, on_delete=models.CASCADE, related_name="signatures"
    )
    role = models.CharField(_("signing as"), max_length=30)  # 执法人员, 被检查单位负责人…
    name = models.CharField(_("name"), max_length=50)
    image = models.BinaryField(_("signature image"))
    signed_at = models.DateTimeField(_("signed"), auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.role} {self.name}"
