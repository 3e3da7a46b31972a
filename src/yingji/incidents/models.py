"""Incidents (突发事件): the record, its reports (首报/续报/终报/补报), where each report has
reached (county → city → province → ministry), the timeline of everything done, the roles of
the command room and its tasks.

Scoped by ``region_path`` like every located record: a county sees its own incidents, a city
its counties', the province everything.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from yingji.core.base import Located
from yingji.incidents import catalogue


class Status(models.TextChoices):
    OPEN = "open", "处置中"
    CLOSED = "closed", "已终报"


class Source(models.TextChoices):
    WEB = "web", "网页报送"
    PHONE = "phone", "手机灾情上报"
    ALARM = "alarm", "监测报警"
    API = "api", "接口"


class ReportKind(models.TextChoices):
    FIRST = "first", "首报"
    UPDATE = "update", "续报"
    FINAL = "final", "终报"
    SUPPLEMENT = "supplement", "补报"


GRADE_CHOICES = list(enumerate(catalogue.GRADE_NAMES))
LEVEL_CHOICES = [
    ("county", "县级"),
    ("city", "市级"),
    ("province", "省级"),
    ("ministry", "应急管理部"),
]


class Figures(models.Model):
    """Casualties and loss: on the incident (current) and on each report (as reported)."""

    dead = models.PositiveIntegerField(_("dead"), default=0)
    missing = models.PositiveIntegerField(_("missing"), default=0)
    seriously_injured = models.PositiveIntegerField(_("seriously injured"), default=0)
    direct_loss_yuan = models.DecimalField(
        _("direct economic loss (yuan)"), max_digits=16, decimal_places=2, default=0,
        validators=[MinValueValidator(0)],
    )  # fmt: skip

    class Meta:
        abstract = True


class Incident(Located, Figures):
    code = models.CharField(_("incident code"), max_length=32, unique=True)
    title = models.CharField(_("title"), max_length=200)
    category = models.CharField(_("category"), max_length=10, choices=catalogue.CATEGORIES)
    event_type = models.CharField(_("type"), max_length=20, choices=catalogue.TYPE_CHOICES)
    occurred_at = models.DateTimeField(_("occurred at"))
    description = models.TextField(_("description"), max_length=5000)
    grade = models.SmallIntegerField(
        _("grade"), choices=GRADE_CHOICES, null=True, blank=True,
        help_text=_("Decree 493 for work-safety accidents; set by the duty officer otherwise"),
    )  # fmt: skip
    grade_decided_by = models.CharField(_("grade decided by"), max_length=60, blank=True)
    grade_raised_at = models.DateTimeField(_("grade last raised"), null=True, blank=True)
    first_reach = models.PositiveSmallIntegerField(
        _("levels first required"), default=2,
        help_text=_("how far up the first grade required the report to go"),
    )  # fmt: skip
    response_level = models.SmallIntegerField(
        _("response level"), choices=list(enumerate(catalogue.RESPONSE_LEVELS)),
        null=True, blank=True,
    )  # fmt: skip
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.OPEN)  # fmt: skip
    exercise = models.BooleanField(
        _("exercise (演练)"), default=False,
        help_text=_("A drill: run like a real incident, kept out of statistics"),
    )  # fmt: skip
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    source_alarm = models.ForeignKey(
        "monitoring.Alarm", verbose_name=_("from alarm"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="+",
    )  # fmt: skip
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reported by"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    reported_at = models.DateTimeField(_("reported at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        indexes = [
            models.Index(fields=["region_path", "status", "-occurred_at"], name="incident_scope"),
            models.Index(fields=["status", "-occurred_at"], name="incident_open"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(grade__isnull=True) | models.Q(grade__gte=0, grade__lte=3),
                name="incident_grade_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def type_name(self) -> str:
        return catalogue.TYPE_NAMES.get(self.event_type, self.event_type)

    @property
    def grade_name(self) -> str:
        return "" if self.grade is None else catalogue.GRADE_NAMES[self.grade]


class Report(Figures):
    """One report as filed, with the figures and contents Decree 493 Art. 12 requires."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="reports")
    kind = models.CharField(_("report"), max_length=10, choices=ReportKind.choices)
    number = models.PositiveSmallIntegerField(_("number"))
    at = models.DateTimeField(_("reported at"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    by_region_path = models.CharField(_("reporting office"), max_length=12)
    unit = models.TextField(_("unit overview (单位概况)"), blank=True, max_length=2000)
    description = models.TextField(_("what happened (经过)"), max_length=5000)
    measures = models.TextField(_("measures taken"), blank=True, max_length=3000)
    other = models.TextField(_("other matters"), blank=True, max_length=2000)
    grade_after = models.SmallIntegerField(_("grade after"), choices=GRADE_CHOICES, null=True)

    class Meta:
        verbose_name = _("incident report")
        verbose_name_plural = _("incident reports")
        ordering = ["incident", "number"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "number"], name="report_number_once"),
        ]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.get_kind_display()} #{self.number}"


class Receipt(models.Model):
    """A level of government has the report (信息报送): the county when it is filed in Yingji
    by or for it, each higher level when the level below forwards it (上报)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="receipts")
    level = models.CharField(_("level"), max_length=10, choices=LEVEL_CHOICES)
    received_at = models.DateTimeField(_("received at"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("report receipt")
        constraints = [
            models.UniqueConstraint(fields=["incident", "level"], name="receipt_once"),
        ]

    def __str__(self) -> str:
        return f"{self.incident_id} → {self.level}"


class Overdue(models.Model):
    """A time limit missed, flagged once and notified to the next level up."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="overdue")
    what = models.CharField(_("what"), max_length=20)  # "report:city", "update", "task:<id>"
    due_at = models.DateTimeField(_("was due"))
    flagged_at = models.DateTimeField(_("flagged at"))

    class Meta:
        verbose_name = _("missed time limit")
        constraints = [
            models.UniqueConstraint(fields=["incident", "what", "due_at"], name="overdue_once"),
        ]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.what} due {self.due_at:%Y-%m-%d %H:%M}"


class Entry(models.Model):
    """The timeline (newest first on the page): reports, decisions, grades, roles, tasks,
    dispatches — everything done in the room, by whom and when."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="entries")
    at = models.DateTimeField(_("at"), db_index=True)
    kind = models.CharField(_("kind"), max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    text = models.CharField(_("text"), max_length=1000)
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline")
        indexes = [models.Index(fields=["incident", "-at", "-id"], name="entry_timeline")]

    def __str__(self) -> str:
        return f"{self.at:%H:%M} {self.text}"


class Role(models.Model):
    """Who holds a role of the command room (指挥长, 副指挥长, a group lead); a hand-off ends
    one holding and starts the next, so the history stays."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(_("role"), max_length=40)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    since = models.DateTimeField(_("since"))
    until = models.DateTimeField(_("until"), null=True, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("command role")
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "role"], condition=models.Q(until__isnull=True),
                name="role_one_holder",
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.role}: {self.user_id}"


class TaskStatus(models.TextChoices):
    OPEN = "open", "待办"
    DONE = "done", "已完成"
    CANCELLED = "cancelled", "已取消"


class Task(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(_("task"), max_length=300)
    role = models.CharField(_("role"), max_length=40, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="+",
    )  # fmt: skip
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=TaskStatus.choices,
                              default=TaskStatus.OPEN)  # fmt: skip
    source = models.CharField(_("source"), max_length=40, blank=True)  # "plan:<activation>"
    created_at = models.DateTimeField(_("created"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    priority = models.PositiveSmallIntegerField(
        _("priority"), default=2, validators=[MaxValueValidator(3)]
    )

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["status", "due_at", "pk"]
        indexes = [models.Index(fields=["status", "due_at"], name="task_due")]

    def __str__(self) -> str:
        return self.title


# The dispatch and relief models live in their own modules; importing them here registers
# them with the app.
from yingji.incidents.dispatch_models import (  # noqa: E402
    Allocation,
    DispatchOrder,
    OrderStatus,
    SupplyRequest,
)
from yingji.incidents.relief_models import Evacuation, Placement, Relief  # noqa: E402

__all__ = ["Allocation", "DispatchOrder", "Evacuation", "OrderStatus", "Placement", "Relief",
           "SupplyRequest"]  # fmt: skip
