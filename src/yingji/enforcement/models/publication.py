"""公开: results and penalty decisions published on the public site, and the working-day
calendar the 20-working-day limit is counted on.

The calendar's national part comes from the State Council's yearly holiday arrangement
(data/calendar/cn_workdays.json, loaded at migrate); rows here add or override days (a
province's own adjustment), so the limit is data-driven, never hard-coded.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yingji.enforcement.models.inspections import InspectionTask
from yingji.enforcement.models.penalties import PenaltyCase
from yingji.registry.models.enterprise import Enterprise


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("public holiday (休)")
    WORKDAY = "workday", _("make-up working day (班)")


class CalendarDay(models.Model):
    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=8, choices=DayKind.choices)
    name = models.CharField(_("name"), max_length=40, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("calendar day")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.kind}"


class PublicationKind(models.TextChoices):
    RESULT = "result", _("inspection result (抽查结果)")
    DECISION = "decision", _("penalty decision (行政处罚决定)")


class Publication(models.Model):
    """What must be, or has been, published; due 20 working days after the fact."""

    kind = models.CharField(_("kind"), max_length=10, choices=PublicationKind.choices)
    task = models.OneToOneField(
        InspectionTask, null=True, blank=True, on_delete=models.PROTECT, related_name="publication"
    )
    case = models.OneToOneField(
        PenaltyCase, null=True, blank=True, on_delete=models.PROTECT, related_name="publication"
    )
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="+")
    region_path = models.CharField(max_length=12, db_index=True)
    fact_on = models.DateField(_("inspection or decision date"))
    due_on = models.DateField(_("publish by"))
    due_provisional = models.BooleanField(
        _("deadline provisional"),
        default=False,
        help_text=_(
            "Counted on weekdays only because the holiday arrangement of a year it reaches is "
            "not in the calendar yet; recounted once it is"
        ),
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("public text"), blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    overdue_flagged_at = models.DateTimeField(_("flagged overdue"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdraw_reason = models.CharField(_("withdrawal reason"), max_length=200, blank=True)

    scope_path_field = "region_path"

    class Meta:
        verbose_name = _("publication")
        indexes = [
            models.Index(fields=["region_path", "due_on"], name="publication_scope"),
            models.Index(fields=["published_at", "withdrawn_at"], name="publication_public"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(task__isnull=False) | models.Q(case__isnull=False),
                name="publication_subject",
            )
        ]

    def __str__(self) -> str:
        return self.title
