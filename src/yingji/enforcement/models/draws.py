"""双随机 draw plans and what they drew.

A plan names the item, the organ's region (its pool is the enterprises of that subtree that
the item applies to), the share, the key colours drawn in full and the inspectors per entity.
Drawing freezes everything a re-run needs in ``inputs`` (entity, key and inspector ids,
conflicts, share, per-entity count) with the ``seed`` and the kernel's ``fingerprint``; the
result is then read-only. A draw is never redone silently: a plan is voided with a reason and
a new plan made, which names the one it replaces (``replaces``), all of it audited.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yingji.enforcement.models.lists import InspectionItem
from yingji.kernels import codes
from yingji.regions.models import Region
from yingji.registry.models.enterprise import Enterprise


class PlanState(models.TextChoices):
    DRAFT = "draft", _("draft")
    DRAWN = "drawn", _("drawn")
    VOID = "void", _("voided")


class DrawPlan(models.Model):
    code = models.CharField(_("plan code"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=200)
    item = models.ForeignKey(
        InspectionItem, verbose_name=_("inspection item"), on_delete=models.PROTECT
    )
    region = models.ForeignKey(
        Region, verbose_name=_("organ's region"), on_delete=models.PROTECT, related_name="+"
    )
    region_path = models.CharField(max_length=12, editable=False, db_index=True)
    share = models.FloatField(_("share drawn"))
    key_colours = models.CharField(_("key risk colours drawn in full"), max_length=40, blank=True)
    per_entity = models.PositiveSmallIntegerField(_("inspectors per entity"), default=2)
    filters = models.JSONField(
        _("pool filters"), default=dict, blank=True
    )  # {"industries": [...], "scales": [...], "colours": [...], "hazchem": bool}
    starts_on = models.DateField(_("inspections start"))
    due_on = models.DateField(_("inspections due"))
    state = models.CharField(
        _("state"), max_length=8, choices=PlanState.choices, default=PlanState.DRAFT
    )
    seed = models.CharField(_("seed"), max_length=64, blank=True)
    fingerprint = models.CharField(_("inputs fingerprint"), max_length=64, blank=True)
    inputs = models.JSONField(_("draw inputs"), default=dict, blank=True)
    unstaffed = models.JSONField(_("entities short of inspectors"), default=list, blank=True)
    drawn_at = models.DateTimeField(_("drawn at"), null=True, blank=True)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    replaces = models.OneToOneField(
        "self",
        verbose_name=_("replaces"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
    )
    void_reason = models.CharField(_("void reason"), max_length=200, blank=True)
    voided_at = models.DateTimeField(_("voided"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    synthetic = models.BooleanField(_("synthetic"), default=False)

    scope_path_field = "region_path"

    class Meta:
        verbose_name = _("draw plan")
        verbose_name_plural = _("draw plans")
        indexes = [models.Index(fields=["region_path", "state"], name="drawplan_scope")]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.region_id:
            self.region_path = codes.short(self.region_id)
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class DrawnEntity(models.Model):
    """An enterprise a plan drew; ``key`` when drawn in full as a key entity (重点)."""

    plan = models.ForeignKey(DrawPlan, on_delete=models.PROTECT, related_name="entities")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="+")
    key = models.BooleanField(_("key entity"), default=False)

    class Meta:
        verbose_name = _("drawn entity")
        constraints = [
            models.UniqueConstraint(fields=["plan", "enterprise"], name="drawn_entity_once")
        ]

    def __str__(self) -> str:
        return f"{self.plan_id}: {self.enterprise_id}"
