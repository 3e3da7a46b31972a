"""Risk: indicator model versions, stored enterprise assessments, area risk, control index.

Enterprise colours are codes 0..3 (蓝 blue, 黄 yellow, 橙 orange, 红 red) as in
:data:`yingji.kernels.methods.COLOURS`; area levels are codes 0..4 (低 … 高) as in
:data:`yingji.kernels.area_risk.LEVELS`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yingji.core.base import RegistryRecord
from yingji.regions.models import Region
from yingji.registry.models.enterprise import Enterprise


class Colour(models.IntegerChoices):
    BLUE = 0, "蓝 低风险"
    YELLOW = 1, "黄 一般风险"
    ORANGE = 2, "橙 较大风险"
    RED = 3, "红 重大风险"


class AreaLevel(models.IntegerChoices):
    LOW = 0, "低"
    MEDIUM_LOW = 1, "中低"
    MEDIUM = 2, "中"
    MEDIUM_HIGH = 3, "中高"
    HIGH = 4, "高"


class HazardType(models.TextChoices):
    FLOOD = "flood", "洪涝"
    TYPHOON = "typhoon", "台风"
    GEOLOGICAL = "geological", "地质灾害"
    FOREST_FIRE = "forest_fire", "森林火灾"
    EARTHQUAKE = "earthquake", "地震"


class ModelStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    ACTIVE = "active", _("active")
    RETIRED = "retired", _("retired")


class IndicatorModelVersion(models.Model):
    """One version of the enterprise indicator model: the tree, its AHP judgements, overrides.

    ``definition`` holds ``{"model": IndicatorModel.to_dict(), "pairwise": {group: matrix},
    "overrides": [Override.to_dict()]}``. A version is never edited once it has been active:
    a change is a new version, compared with the current one, then activated.
    """

    name = models.CharField(_("model name"), max_length=100)
    version = models.PositiveIntegerField(_("version"))
    definition = models.JSONField(_("definition"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=ModelStatus.choices, default=ModelStatus.DRAFT
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    activated_at = models.DateTimeField(_("activated"), null=True, blank=True)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The last comparison with the version active at the time (see services.versions.compare).
    comparison = models.JSONField(_("comparison"), null=True, blank=True)
    compared_at = models.DateTimeField(_("compared"), null=True, blank=True)

    class Meta:
        verbose_name = _("indicator model version")
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="risk_model_version_unique"),
            models.UniqueConstraint(
                fields=["status"], condition=Q(status="active"), name="risk_one_active_model"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class RunStatus(models.TextChoices):
    RUNNING = "running", _("running")
    SUCCEEDED = "succeeded", _("succeeded")
    FAILED = "failed", _("failed")


class AssessmentRun(models.Model):
    """One scoring of many enterprises (a full run) or of a few (after their inputs changed)."""

    model_version = models.ForeignKey(
        IndicatorModelVersion, on_delete=models.PROTECT, related_name="runs"
    )
    full = models.BooleanField(_("full run"), default=True)
    region_path = models.CharField(max_length=12, blank=True, db_index=True)
    reason = models.CharField(_("reason"), max_length=200)
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING)
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    enterprises = models.PositiveIntegerField(_("enterprises"), default=0)
    colour_counts = models.JSONField(_("colour counts"), default=list)
    seconds = models.FloatField(_("seconds"), null=True, blank=True)

    scope_path_field = "region_path"

    class Meta:
        verbose_name = _("assessment run")
        indexes = [models.Index(fields=["full", "status", "-started_at"], name="risk_run_full")]

    def __str__(self) -> str:
        return f"run {self.pk} ({self.model_version})"


class Assessment(models.Model):
    """One enterprise's score in one run, with what made it: kept as history.

    ``inputs`` and ``contributions`` are lists in the column order of the run's model version
    (NaN stored as null); ``overrides`` lists the keys of the 从严从高 rules that fired.
    """

    id = models.BigAutoField(primary_key=True)
    run = models.ForeignKey(AssessmentRun, on_delete=models.CASCADE, related_name="assessments")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="+")
    region_path = models.CharField(max_length=12)
    score = models.FloatField(_("score"))
    score_colour = models.SmallIntegerField(_("colour by score"), choices=Colour.choices)
    colour = models.SmallIntegerField(_("colour"), choices=Colour.choices)
    overrides = models.JSONField(_("overrides"), default=list)
    inputs = models.JSONField(_("inputs"), default=list)
    contributions = models.JSONField(_("contributions"), default=list)
    assessed_at = models.DateTimeField(_("assessed at"))

    scope_path_field = "region_path"

    class Meta:
        verbose_name = _("risk assessment")
        indexes = [
            models.Index(fields=["enterprise", "-assessed_at"], name="risk_assessment_history"),
            models.Index(fields=["run", "colour"], name="risk_assessment_run"),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id}: {self.score:.1f} ({self.get_colour_display()})"


class CurrentRisk(models.Model):
    """The latest assessment of each enterprise: what maps, lists and counts read."""

    enterprise = models.OneToOneField(
        Enterprise, on_delete=models.CASCADE, primary_key=True, related_name="risk"
    )
    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="+")
    region_path = models.CharField(max_length=12)
    score = models.FloatField(_("score"))
    colour = models.SmallIntegerField(_("colour"), choices=Colour.choices)
    overridden = models.BooleanField(_("raised by an override"), default=False)
    assessed_at = models.DateTimeField(_("assessed at"))

    scope_path_field = "region_path"

    class Meta:
        verbose_name = _("current enterprise risk")
        indexes = [models.Index(fields=["region_path", "colour"], name="risk_current_scope")]

    def __str__(self) -> str:
        return f"{self.enterprise_id}: {self.get_colour_display()}"


class RiskFacts(RegistryRecord):
    """企业风险动态数据: supervision facts per enterprise that feed the indicator model.

    Until the hidden-hazard, monitoring and enforcement apps hold these records themselves,
    they come from the systems a county bureau already runs (imported from Excel like any
    registry); a change re-scores the enterprise.
    """

    enterprise = models.OneToOneField(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="facts"
    )
    as_of = models.DateField(_("data as of"))
    source = models.CharField(_("data source"), max_length=100, blank=True)
    open_hazards = models.PositiveIntegerField(_("open hidden hazards (一般)"), default=0)
    open_major_hazards = models.PositiveIntegerField(_("open major hidden hazards"), default=0)
    hazards_found_12m = models.PositiveIntegerField(_("hidden hazards found, 12 months"), default=0)
    hazards_rectified_12m = models.PositiveIntegerField(
        _("hidden hazards rectified, 12 months"), default=0
    )
    hazards_on_time_12m = models.PositiveIntegerField(
        _("rectified by the deadline, 12 months"), default=0
    )
    alarms_30d = models.PositiveIntegerField(_("monitoring alarms, 30 days"), default=0)
    alarms_handled_30d = models.PositiveIntegerField(_("alarms handled, 30 days"), default=0)
    enforcement_cases_36m = models.PositiveIntegerField(_("penalty cases, 36 months"), default=0)
    quality_failures_12m = models.PositiveIntegerField(
        _("failed quality checks, 12 months"), default=0
    )
    accidents_36m = models.PositiveIntegerField(_("production accidents, 36 months"), default=0)
    inspected_12m = models.BooleanField(_("inspected in 12 months"), default=False)
    under_supervision = models.BooleanField(_("under key supervision (重点监管)"), default=False)

    scope_path_field = "enterprise__region_path"

    class Meta:
        verbose_name = _("enterprise risk facts")
        verbose_name_plural = _("enterprise risk facts")
        indexes = [models.Index(fields=["updated_at"], name="riskfacts_updated")]

    def __str__(self) -> str:
        return f"{self.enterprise_id} @ {self.as_of}"


class AreaHazard(models.Model):
    """致灾危险性 H and 脆弱性 V of a region for one hazard type (普查 results), each 0–1."""

    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+")
    region_path = models.CharField(max_length=12)
    hazard_type = models.CharField(_("hazard type"), max_length=12, choices=HazardType.choices)
    hazard = models.FloatField(_("hazard (H)"))
    vulnerability = models.FloatField(_("vulnerability (V)"))
    source = models.CharField(_("source"), max_length=100, blank=True)
    synthetic = models.BooleanField(_("synthetic"), default=False)

    scope_path_field = "region_path"

    class Meta:
        verbose_name = _("area hazard input")
        constraints = [
            models.UniqueConstraint(fields=["region", "hazard_type"], name="area_hazard_unique")
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {self.hazard_type}: H={self.hazard} V={self.vulnerability}"


class AreaRisk(models.Model):
    """The current area risk of a region for one hazard type (the 五色图)."""

    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+")
    region_path = models.CharField(max_length=12)
    level_name = models.CharField(max_length=10)  # the region's level: county/township/village
    hazard_type = models.CharField(_("hazard type"), max_length=12, choices=HazardType.choices)
    hazard = models.FloatField(_("hazard (H)"))
    exposure = models.FloatField(_("exposure (E)"))
    vulnerability = models.FloatField(_("vulnerability (V)"))
    capacity = models.FloatField(_("capacity (A)"))
    risk = models.FloatField(_("risk index"))
    level = models.SmallIntegerField(_("risk level"), choices=AreaLevel.choices)
    assessed_at = models.DateTimeField(_("assessed at"))

    scope_path_field = "region_path"

    class Meta:
        verbose_name = _("area risk")
        constraints = [
            models.UniqueConstraint(fields=["region", "hazard_type"], name="area_risk_unique")
        ]
        indexes = [
            models.Index(fields=["hazard_type", "level_name", "region_path"], name="area_risk_map")
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {self.hazard_type}: {self.get_level_display()}"


class ControlIndex(models.Model):
    """管控力指数 of a county for one month: a 0–100 composite and its components."""

    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+")
    region_path = models.CharField(max_length=12)
    month = models.DateField(_("month"))  # the first day of the month
    value = models.FloatField(_("control index"))
    components = models.JSONField(_("components"), default=list)
    computed_at = models.DateTimeField(_("computed at"), auto_now=True)

    scope_path_field = "region_path"

    class Meta:
        verbose_name = _("control index")
        constraints = [
            models.UniqueConstraint(fields=["region", "month"], name="control_index_unique")
        ]
        indexes = [models.Index(fields=["month", "region_path"], name="control_index_month")]

    def __str__(self) -> str:
        return f"{self.region_id} {self.month:%Y-%m}: {self.value}"
