"""Digital emergency plans (电子预案): the plan, its command roles and per-level action
templates; its activations on incidents (real or drill) and drill evaluations.

A plan is identified by its ``code`` across versions: each version is a row, at most one
draft and one current version per code (database constraints), the rest retired. Only a
draft is edited; a current version is what is activated, so the actions behind an
activation's tasks never change afterwards.

Levels follow :mod:`yingji.incidents.catalogue`: 0 Ⅳ (least severe) … 3 Ⅰ (most severe); an
action with ``from_level`` L applies when the plan is activated at L or a more severe level.
Plans are scoped by the issuing region's ``region_path`` like every region-owned record.
"""

from __future__ import annotations

from typing import Any, Final

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from yingji.incidents import catalogue
from yingji.kernels import codes
from yingji.regions.models import Region

LEVEL_CHOICES: Final = list(enumerate(catalogue.RESPONSE_LEVELS))  # 0 Ⅳ级 … 3 Ⅰ级
CONDITION_FIELDS: Final = ("condition_iv", "condition_iii", "condition_ii", "condition_i")
"""The activation condition of each level, indexed by level (0 Ⅳ … 3 Ⅰ)."""
PRIORITY_CHOICES: Final = [(0, "紧急"), (1, "高"), (2, "中"), (3, "低")]
MAX_OFFSET_MINUTES: Final = 30 * 24 * 60


class Kind(models.TextChoices):
    GENERAL = "general", "总体应急预案"
    SPECIAL = "special", "专项应急预案"
    DEPARTMENT = "department", "部门应急预案"
    GRASSROOTS = "grassroots", "基层单位应急预案"
    ENTERPRISE = "enterprise", "企业应急预案"


class Status(models.TextChoices):
    DRAFT = "draft", "草稿"
    CURRENT = "current", "现行"
    RETIRED = "retired", "已废止"


class Mode(models.TextChoices):
    REAL = "real", "实战"
    DRILL = "drill", "演练"


def _level_range(name: str) -> models.Q:
    return models.Q(**{f"{name}__gte": 0, f"{name}__lte": 3})


class Plan(models.Model):
    code = models.CharField(_("plan code"), max_length=40)
    version = models.PositiveIntegerField(_("version"), default=1)
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("plan kind"), max_length=12, choices=Kind.choices)
    scope = models.TextField(_("scope"), max_length=4000)
    event_types = models.CharField(
        _("event types"), max_length=400,
        help_text=_("incident type codes, comma-separated in catalogue order"),
    )  # fmt: skip
    condition_iv = models.TextField(_("activation condition Ⅳ"), max_length=2000, blank=True)
    condition_iii = models.TextField(_("activation condition Ⅲ"), max_length=2000, blank=True)
    condition_ii = models.TextField(_("activation condition Ⅱ"), max_length=2000, blank=True)
    condition_i = models.TextField(_("activation condition Ⅰ"), max_length=2000, blank=True)
    region = models.ForeignKey(
        Region, verbose_name=_("issuing region"), on_delete=models.PROTECT, related_name="+"
    )
    region_path = models.CharField(max_length=12, editable=False, db_index=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.DRAFT)  # fmt: skip
    supersedes = models.ForeignKey(
        "self", verbose_name=_("supersedes"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="superseded_by",
    )  # fmt: skip
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)
    synthetic = models.BooleanField(
        _("synthetic"), default=False, help_text=_("Generated demo data, not a real record")
    )

    scope_path_field = "region_path"

    class Meta:
        verbose_name = _("emergency plan")
        verbose_name_plural = _("emergency plans")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="plan_version_once"),
            models.UniqueConstraint(fields=["code"], condition=models.Q(status="current"),
                                    name="plan_one_current"),
            models.UniqueConstraint(fields=["code"], condition=models.Q(status="draft"),
                                    name="plan_one_draft"),
        ]  # fmt: skip
        indexes = [models.Index(fields=["region_path", "status"], name="plan_scope")]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.region_id:
            self.region_path = codes.short(self.region_id)
        super().save(*args, **kwargs)

    @property
    def type_codes(self) -> list[str]:
        return [code for code in self.event_types.split(",") if code]

    @property
    def type_names(self) -> list[str]:
        return [catalogue.TYPE_NAMES.get(code, code) for code in self.type_codes]

    def condition(self, level: int) -> str:
        return str(getattr(self, CONDITION_FIELDS[level]))

    @property
    def defined_levels(self) -> list[int]:
        """The levels the plan defines: those with an activation condition."""
        return [level for level in range(4) if self.condition(level).strip()]

    @property
    def level_names(self) -> str:
        """The defined levels, most severe first (Ⅰ级 Ⅱ级 …)."""
        return " ".join(catalogue.RESPONSE_LEVELS[x] for x in reversed(self.defined_levels))


class PlanRole(models.Model):
    """A role of the plan's command structure (指挥长, 副指挥长, a working group)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="roles")
    name = models.CharField(_("role"), max_length=40)
    duties = models.TextField(_("duties"), max_length=1000, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("plan role")
        ordering = ["plan", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "name"], name="plan_role_once"),
        ]

    def __str__(self) -> str:
        return self.name


class Action(models.Model):
    """A task template: done by ``role`` within ``offset_minutes`` of the activation."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="actions")
    from_level = models.SmallIntegerField(_("from level"), choices=LEVEL_CHOICES)
    title = models.CharField(_("action"), max_length=300)
    role = models.CharField(_("role"), max_length=40)
    offset_minutes = models.PositiveIntegerField(
        _("minutes after activation"), default=0,
        validators=[MaxValueValidator(MAX_OFFSET_MINUTES)],
    )  # fmt: skip
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=PRIORITY_CHOICES, default=2, validators=[MaxValueValidator(3)]
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("plan action")
        ordering = ["plan", "from_level", "offset_minutes", "order", "pk"]
        constraints = [
            models.CheckConstraint(condition=_level_range("from_level"),
                                   name="action_level_range"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return self.title


class Activation(models.Model):
    """A plan version started on an incident at a level; escalating adds a row."""

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="activations")
    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.PROTECT, related_name="plan_activations"
    )
    level = models.SmallIntegerField(_("response level"), choices=LEVEL_CHOICES)
    mode = models.CharField(_("mode"), max_length=5, choices=Mode.choices)
    at = models.DateTimeField(_("activated at"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    tasks_created = models.PositiveIntegerField(_("tasks created"), default=0)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        verbose_name = _("plan activation")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["incident", "plan"], name="activation_incident")]
        constraints = [
            models.CheckConstraint(condition=_level_range("level"), name="activation_level"),
        ]

    def __str__(self) -> str:
        return f"{self.plan} {catalogue.RESPONSE_LEVELS[self.level]} @ {self.incident_id}"

    @property
    def level_name(self) -> str:
        return catalogue.RESPONSE_LEVELS[self.level]


class DrillEvaluation(models.Model):
    """How a drill (演练) went: a score, what was found and what to improve."""

    activation = models.OneToOneField(
        Activation, on_delete=models.PROTECT, related_name="evaluation"
    )
    score = models.PositiveSmallIntegerField(
        _("score"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    findings = models.TextField(_("findings"), max_length=4000)
    improvements = models.TextField(_("improvements"), max_length=4000, blank=True)
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("evaluated at"))

    class Meta:
        verbose_name = _("drill evaluation")
        constraints = [
            models.CheckConstraint(condition=models.Q(score__lte=100), name="drill_score_range"),
        ]

    def __str__(self) -> str:
        return f"{self.activation_id}: {self.score}"
