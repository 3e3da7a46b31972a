"""Administrative penalties (行政处罚): the discretion table and the cases decided under it.

The discretion table (裁量基准) maps a violation and its circumstances to a fine range; a
case's amount must fall inside the range of the row it cites, so two inspectors facing the
same facts cannot fine ten times apart without it showing.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yingji.core.base import RegistryRecord
from yingji.enforcement.models.inspections import Finding, InspectionTask
from yingji.kernels import codes
from yingji.regions.models import Region
from yingji.registry.models.enterprise import Enterprise


class Circumstance(models.TextChoices):
    SLIGHT = "slight", _("slight (轻微)")
    GENERAL = "general", _("general (一般)")
    SERIOUS = "serious", _("serious (严重)")


class DiscretionRule(RegistryRecord):
    """One row of the 裁量基准: a violation under given circumstances → a fine range."""

    code = models.CharField(_("rule code"), max_length=30)
    violation = models.CharField(_("violation"), max_length=300)
    violated_provision = models.CharField(_("provision violated"), max_length=300)
    penalty_provision = models.CharField(_("penalty provision"), max_length=300)
    circumstance = models.CharField(_("circumstances"), max_length=8, choices=Circumstance.choices)
    circumstance_text = models.CharField(_("circumstances in detail"), max_length=300)
    min_yuan = models.DecimalField(_("minimum fine (yuan)"), max_digits=12, decimal_places=2)
    max_yuan = models.DecimalField(_("maximum fine (yuan)"), max_digits=12, decimal_places=2)
    other_measures = models.CharField(_("other measures"), max_length=300, blank=True)
    region = models.ForeignKey(
        Region, verbose_name=_("issuing region"), on_delete=models.PROTECT, related_name="+"
    )
    region_path = models.CharField(max_length=12, editable=False, db_index=True)

    scope_path_field = "region_path"

    class Meta:
        verbose_name = _("discretion rule")
        verbose_name_plural = _("discretion table")
        constraints = [
            models.UniqueConstraint(
                fields=["code", "circumstance"],
                condition=models.Q(voided_at__isnull=True),
                name="discretion_row",
            ),
            models.CheckConstraint(
                condition=models.Q(min_yuan__lte=models.F("max_yuan")), name="discretion_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.get_circumstance_display()}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.region_id:
            self.region_path = codes.short(self.region_id)
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class CaseState(models.TextChoices):
    FILED = "filed", _("filed (立案)")
    NOTIFIED = "notified", _("notified (告知)")
    DECIDED = "decided", _("decided (决定)")
    CLOSED = "closed", _("closed (结案)")
    WITHDRAWN = "withdrawn", _("withdrawn (撤销立案)")


class Payment(models.TextChoices):
    UNPAID = "unpaid", _("unpaid")
    PAID = "paid", _("paid")
    DEFERRED = "deferred", _("deferred or by instalments (延期/分期)")


class Execution(models.TextChoices):
    NONE = "none", _("not needed yet")
    COURT = "court", _("court enforcement applied for (申请强制执行)")
    DONE = "done", _("executed")


class PenaltyCase(models.Model):
    code = models.CharField(_("case number"), max_length=60, unique=True)
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="+"
    )
    region_path = models.CharField(max_length=12, db_index=True)  # the enterprise's
    task = models.ForeignKey(
        InspectionTask, null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    finding = models.ForeignKey(
        Finding, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rule = models.ForeignKey(
        DiscretionRule, verbose_name=_("discretion rule"), on_delete=models.PROTECT
    )
    facts = models.TextField(_("facts"))
    amount_yuan = models.DecimalField(
        _("fine (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    other_measures = models.CharField(_("other measures"), max_length=300, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=CaseState.choices, default=CaseState.FILED
    )
    filed_on = models.DateField(_("filed on"))
    notified_on = models.DateField(_("notified on"), null=True, blank=True)
    decision_number = models.CharField(_("decision number"), max_length=60, blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    payment = models.CharField(
        _("payment"), max_length=10, choices=Payment.choices, default=Payment.UNPAID
    )
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    execution = models.CharField(
        _("enforcement"), max_length=6, choices=Execution.choices, default=Execution.NONE
    )
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    withdraw_reason = models.CharField(_("withdrawal reason"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    synthetic = models.BooleanField(_("synthetic"), default=False)

    scope_path_field = "region_path"

    class Meta:
        verbose_name = _("penalty case")
        verbose_name_plural = _("penalty cases")
        indexes = [
            models.Index(fields=["region_path", "state"], name="penalty_scope"),
            models.Index(fields=["enterprise", "decided_on"], name="penalty_enterprise"),
        ]

    def __str__(self) -> str:
        return self.code


class CaseEvent(models.Model):
    """One step of a case: who moved it from which state to which, and why."""

    case = models.ForeignKey(PenaltyCase, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=20)
    from_state = models.CharField(_("from"), max_length=10, blank=True)
    to_state = models.CharField(_("to"), max_length=10, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.action}"
