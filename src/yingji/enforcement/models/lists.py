"""一单两库: the inspection-item list (抽查事项清单), the inspector pool (执法检查人员名录库) and
declared conflicts of interest (回避).

The third list, the inspected-entity pool (检查对象名录库), is not a table: it is the
enterprise registry filtered by a plan (industry, scale, risk colour), so it never drifts from
the 一企一档 record.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from yingji.core.base import RegistryRecord
from yingji.kernels import codes
from yingji.regions.models import Region
from yingji.registry.models.enterprise import Enterprise


class InspectionItem(RegistryRecord):
    """One 抽查事项: what is checked, on what legal basis, how many are drawn.

    ``checklist`` is the 抽查细则 as a list of check points ``{"id", "text", "basis"}``; an
    inspection records one finding per point. Items issued by a province apply in all its
    counties; a county may add its own.
    """

    code = models.CharField(_("item code"), max_length=30, unique=True)
    name = models.CharField(_("item name"), max_length=200)
    legal_basis = models.TextField(_("legal basis"))
    region = models.ForeignKey(
        Region, verbose_name=_("issuing region"), on_delete=models.PROTECT, related_name="+"
    )
    region_path = models.CharField(max_length=12, editable=False, db_index=True)
    share = models.FloatField(
        _("share drawn"),
        default=0.05,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text=_("Share of the non-key entities drawn, at least 5 % unless a law says more"),
    )
    key_colours = models.CharField(
        _("key risk colours drawn in full"),
        max_length=40,
        blank=True,
        default="red,orange",
        help_text=_("Risk colours inspected in full (重点), comma-separated: red, orange, yellow"),
    )
    industries = models.CharField(
        _("industries"),
        max_length=200,
        blank=True,
        help_text=_("GB/T 4754 code prefixes the item applies to, comma-separated; blank: all"),
    )
    hazchem_only = models.BooleanField(_("hazardous-chemical enterprises only"), default=False)
    checklist = models.JSONField(_("checklist"), default=list, blank=True)
    active = models.BooleanField(_("active"), default=True)

    scope_path_field = "region_path"

    class Meta:
        verbose_name = _("inspection item")
        verbose_name_plural = _("inspection items")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.region_id:
            self.region_path = codes.short(self.region_id)
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class Inspector(RegistryRecord):
    """An inspector of the pool: a Yingji account with the inspector role and a 执法证."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        related_name="inspector",
    )
    name = models.CharField(_("name"), max_length=50)
    certificate_number = models.CharField(_("enforcement certificate number"), max_length=30)
    region = models.ForeignKey(
        Region, verbose_name=_("unit region"), on_delete=models.PROTECT, related_name="+"
    )
    region_path = models.CharField(max_length=12, editable=False, db_index=True)
    qualifications = models.CharField(
        _("qualifications"),
        max_length=200,
        blank=True,
        help_text=_("Fields the inspector is qualified for, comma-separated: 危化, 工贸, 消防…"),
    )
    active = models.BooleanField(_("active"), default=True)

    scope_path_field = "region_path"

    class Meta:
        verbose_name = _("inspector")
        verbose_name_plural = _("inspectors")
        constraints = [
            models.UniqueConstraint(fields=["certificate_number"], name="inspector_certificate")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.certificate_number})"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.region_id:
            self.region_path = codes.short(self.region_id)
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class ConflictReason(models.TextChoices):
    FORMER_EMPLOYEE = "employment", _("worked for the enterprise in the last 3 years")
    RELATIVE = "relative", _("a relative works there or holds shares")
    INTEREST = "interest", _("other interest (利害关系)")


class Conflict(models.Model):
    """A declared conflict of interest (回避): never drawn for that enterprise while in force."""

    inspector = models.ForeignKey(Inspector, on_delete=models.PROTECT, related_name="conflicts")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=12, choices=ConflictReason.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    declared_at = models.DateTimeField(_("declared"), auto_now_add=True)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    scope_path_field = "inspector__region_path"

    class Meta:
        verbose_name = _("conflict of interest")
        constraints = [
            models.UniqueConstraint(
                fields=["inspector", "enterprise"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="conflict_live",
            )
        ]

    def __str__(self) -> str:
        return f"{self.inspector_id} ⟂ {self.enterprise_id}"
