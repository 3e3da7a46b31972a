"""Work-safety accidents (生产安全事故): the record, its investigation (调查), the
rectification measures and their 回头看, the evaluation (评估) of every accident, typical cases
published for warning education, and county GDP (the denominator of the death rate).

Everything changes through :mod:`yingji.accidents.services`, which validates, checks the
actor's capability and jurisdiction, writes an :class:`Event` (the page's timeline) and an
audit entry in the same transaction. Records are voided, never deleted.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from yingji.accidents.catalogue import (
    GRADE_CHOICES,
    GRADE_NAMES,
    AccidentType,
    Handling,
    Implemented,
    Level,
    Responsibility,
)
from yingji.core.base import Located, RegistryRecord
from yingji.incidents.models import Incident
from yingji.regions.models import Region
from yingji.registry.models.enterprise import Enterprise


class Accident(RegistryRecord, Located):
    """One accident, graded by Decree 493 from its figures (the kernel decides, never a user)."""

    code = models.CharField(_("accident number"), max_length=32, unique=True)
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), max_length=5000)
    occurred_at = models.DateTimeField(_("occurred at"))
    accident_type = models.CharField(
        _("accident type"), max_length=20, choices=AccidentType.choices
    )
    road_traffic = models.BooleanField(
        _("road traffic accident"),
        default=False,
        help_text=_("7-day window for supplementary reports (Decree 493 Art. 13)"),
    )
    incident = models.OneToOneField(
        Incident,
        verbose_name=_("incident"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="accident_record",
    )
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("enterprise"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="accidents",
    )
    industry_code = models.CharField(
        _("industry code"), max_length=5, blank=True, help_text=_("GB/T 4754-2017, e.g. C2614")
    )
    industry_name = models.CharField(_("industry"), max_length=100, blank=True)
    dead = models.PositiveIntegerField(_("dead"), default=0)
    missing = models.PositiveIntegerField(_("missing"), default=0)
    seriously_injured = models.PositiveIntegerField(_("seriously injured"), default=0)
    direct_loss_yuan = models.DecimalField(
        _("direct economic loss (yuan)"),
        max_digits=16,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    grade = models.SmallIntegerField(_("grade"), choices=GRADE_CHOICES, default=0)
    grade_decided_by = models.CharField(_("grade decided by"), max_length=60, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("accident")
        verbose_name_plural = _("accidents")
        ordering = ["-occurred_at", "-pk"]
        indexes = [
            models.Index(fields=["region_path", "voided_at", "occurred_at"], name="accident_scope"),
            models.Index(fields=["enterprise", "occurred_at"], name="accident_enterprise"),
            models.Index(fields=["occurred_at"], name="accident_when"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(grade__gte=0, grade__lte=3), name="accident_grade_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def grade_name(self) -> str:
        return GRADE_NAMES[self.grade]

    @property
    def voided(self) -> bool:
        return self.voided_at is not None


class State(models.TextChoices):
    OPEN = "open", "调查中"
    APPRAISAL = "appraisal", "技术鉴定中"
    REPORTED = "reported", "报告已提交"
    CLOSED = "closed", "已结案"


class Investigation(models.Model):
    """The investigation of one accident (Decree 493 Chapter 4).

    ``due_on`` = ``started_on`` + 60 days + the one extension (≤ 60 days) + the days spent on
    technical appraisal (not counted, Art. 29); the services keep it so.
    """

    accident = models.OneToOneField(
        Accident, on_delete=models.PROTECT, related_name="investigation"
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    level = models.CharField(_("leading government"), max_length=14, choices=Level.choices)
    office = models.CharField(_("investigating office"), max_length=100)
    office_path = models.CharField(max_length=12)  # the leading government's region
    team = models.JSONField(_("team members"), default=list, blank=True)
    started_on = models.DateField(_("started on"))
    due_on = models.DateField(_("report due on"))
    extension_days = models.PositiveSmallIntegerField(
        _("extension (days)"), default=0, validators=[MaxValueValidator(60)]
    )
    extension_reason = models.CharField(_("extension reason"), max_length=500, blank=True)
    appraisal_days = models.PositiveIntegerField(_("technical appraisal (days)"), default=0)
    paused_on = models.DateField(_("appraisal since"), null=True, blank=True)
    cause = models.TextField(_("cause and nature"), max_length=5000, blank=True)
    report_file = models.CharField(_("report file"), max_length=200, blank=True)
    report_name = models.CharField(_("report file name"), max_length=200, blank=True)
    report_type = models.CharField(max_length=80, blank=True)
    report_size = models.PositiveIntegerField(default=0)
    report_sha256 = models.CharField(max_length=64, blank=True)
    submitted_on = models.DateField(_("report submitted on"), null=True, blank=True)
    approval = models.TextField(_("government reply (批复)"), max_length=2000, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    scope_path_field = "accident__region_path"

    class Meta:
        verbose_name = _("accident investigation")
        verbose_name_plural = _("accident investigations")
        indexes = [models.Index(fields=["state", "due_on"], name="investigation_due")]

    def __str__(self) -> str:
        return f"{self.accident_id} {self.get_state_display()}"

    def effective_due(self, today: dt.date) -> dt.date:
        """The due date as of ``today``: a running appraisal pushes it back day by day."""
        if self.state == State.APPRAISAL and self.paused_on is not None:
            return self.due_on + dt.timedelta(days=max(0, (today - self.paused_on).days))
        return self.due_on

    def overdue(self, today: dt.date) -> bool:
        if self.state == State.CLOSED:
            return False
        if self.state == State.REPORTED:
            return self.submitted_on is not None and self.submitted_on > self.due_on
        return today > self.effective_due(today)


class Finding(models.Model):
    """A responsibility finding of the report: who (a person or a unit), what responsibility,
    how it is handled."""

    investigation = models.ForeignKey(
        Investigation, on_delete=models.CASCADE, related_name="findings"
    )
    subject = models.CharField(_("person or unit"), max_length=100)
    position = models.CharField(_("position"), max_length=100, blank=True)
    responsibility = models.CharField(
        _("responsibility"), max_length=20, choices=Responsibility.choices
    )
    handling = models.CharField(_("handling"), max_length=20, choices=Handling.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("responsibility finding")
        ordering = ["investigation", "pk"]

    def __str__(self) -> str:
        return f"{self.subject}: {self.get_responsibility_display()}"


class MeasureState(models.TextChoices):
    OPEN = "open", "整改中"
    DONE = "done", "已完成"


class Measure(models.Model):
    """A rectification measure (整改措施) and its 回头看 (the later check that it was done)."""

    investigation = models.ForeignKey(
        Investigation, on_delete=models.CASCADE, related_name="measures"
    )
    text = models.CharField(_("measure"), max_length=500)
    owner_unit = models.CharField(_("responsible unit"), max_length=100)
    due_on = models.DateField(_("due on"))
    state = models.CharField(
        _("state"), max_length=6, choices=MeasureState.choices, default=MeasureState.OPEN
    )
    done_on = models.DateField(_("done on"), null=True, blank=True)
    done_note = models.CharField(_("what was done"), max_length=500, blank=True)
    checked_on = models.DateField(_("follow-up check on"), null=True, blank=True)
    check_result = models.CharField(
        _("follow-up result"), max_length=8, choices=Implemented.choices, blank=True
    )
    check_note = models.CharField(_("follow-up findings"), max_length=1000, blank=True)
    checked_by = models.CharField(_("follow-up checked by"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("rectification measure")
        ordering = ["investigation", "due_on", "pk"]

    def __str__(self) -> str:
        return self.text


class Evaluation(models.Model):
    """The 评估 of an accident once its investigation is closed: were the measures carried
    out, and how well was the accident handled."""

    accident = models.OneToOneField(Accident, on_delete=models.PROTECT, related_name="evaluation")
    evaluated_on = models.DateField(_("evaluated on"))
    evaluator = models.CharField(_("evaluator"), max_length=100)
    measures_implemented = models.CharField(
        _("measures implemented"), max_length=8, choices=Implemented.choices
    )
    score = models.PositiveSmallIntegerField(_("score"), validators=[MaxValueValidator(100)])
    conclusion = models.TextField(_("conclusion"), max_length=3000)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("accident evaluation")

    def __str__(self) -> str:
        return f"{self.accident_id}: {self.score}"


class TypicalCase(models.Model):
    """An accident written up as warning-education material (典型案例); public when flagged,
    then readable without signing in."""

    accident = models.OneToOneField(Accident, on_delete=models.PROTECT, related_name="typical_case")
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("what happened"), max_length=10000)
    lessons = models.TextField(_("lessons"), max_length=5000)
    public = models.BooleanField(_("public"), default=True)
    published_at = models.DateTimeField(_("published"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    scope_path_field = "accident__region_path"

    class Meta:
        verbose_name = _("typical case")
        verbose_name_plural = _("typical cases")
        ordering = ["-published_at"]

    def __str__(self) -> str:
        return self.title


class Event(models.Model):
    """One step in an accident's life, shown as its timeline: recorded, 补报, investigation
    transitions, findings, measures, 回头看, evaluation, publication, void."""

    accident = models.ForeignKey(Accident, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=20)
    from_state = models.CharField(_("from"), max_length=10, blank=True)
    to_state = models.CharField(_("to"), max_length=10, blank=True)
    note = models.CharField(_("note"), max_length=1000, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    actor_label = models.CharField(max_length=150, blank=True)
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("accident event")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.accident_id} {self.action}"


class RegionEconomy(models.Model):
    """GDP of a county in a year (亿元 = 100 million yuan): the denominator of 亿元GDP生产安全
    事故死亡率. Imported from the statistical yearbook; demo rows are synthetic."""

    region = models.ForeignKey(
        Region, verbose_name=_("county"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    gdp_100m_yuan = models.DecimalField(
        _("GDP (100 million yuan)"),
        max_digits=12,
        decimal_places=4,
        validators=[MinValueValidator(0)],
    )
    source = models.CharField(_("source"), max_length=200)
    synthetic = models.BooleanField(_("synthetic"), default=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    scope_path_field = "region__path"

    class Meta:
        verbose_name = _("county GDP")
        verbose_name_plural = _("county GDP")
        ordering = ["region", "year"]
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="economy_region_year"),
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {self.year}: {self.gdp_100m_yuan} 亿元"
