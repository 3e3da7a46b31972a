"""Rescue forces (救援力量) and aviation sites (直升机基地, 临时起降点)."""

from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from yingji.core.base import Located, RegistryRecord, scope_index
from yingji.core.validators import MultiChoiceValidator, validate_mobile


class ForceKind(models.TextChoices):
    FIRE = "fire", "综合性消防救援"
    PROFESSIONAL = "professional", "专业"
    SOCIAL = "social", "社会"
    ENTERPRISE = "enterprise", "企业"
    GRASSROOTS = "grassroots", "基层综合"


class ForceLevel(models.TextChoices):
    PROVINCE = "province", "省级"
    CITY = "city", "市级"
    COUNTY = "county", "县级"
    TOWNSHIP = "township", "乡镇"


class Readiness(models.TextChoices):
    STANDBY = "standby", "待命"
    ON_MISSION = "on_mission", "执行任务"
    RESTING = "resting", "休整"


# Official specialty names are stored as written, comma-separated: "防汛,水域".
SPECIALTIES = ("防汛", "地震地质", "水域", "山岳", "危化", "森林灭火", "航空", "医疗", "矿山",
               "电力")  # fmt: skip
validate_specialties = MultiChoiceValidator({s: s for s in SPECIALTIES}, what="specialty")


class RescueForce(RegistryRecord, Located):
    code = models.CharField(_("rescue force code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("type"), max_length=16, choices=ForceKind.choices)
    specialties = models.CharField(
        _("specialties"),
        max_length=200,
        blank=True,
        validators=[validate_specialties],
        help_text=_("Comma-separated, e.g. 防汛,水域"),
    )
    level = models.CharField(_("level"), max_length=10, choices=ForceLevel.choices)
    backbone = models.BooleanField(_("backbone force (骨干)"), default=False)
    members = models.PositiveIntegerField(_("members"), validators=[MinValueValidator(0)])
    equipment = models.TextField(_("equipment"), blank=True)
    readiness = models.CharField(_("readiness"), max_length=12, choices=Readiness.choices)
    leader = models.CharField(_("leader"), max_length=50, blank=True)
    leader_phone = models.CharField(
        _("leader phone"), max_length=11, blank=True, validators=[validate_mobile]
    )

    class Meta:
        verbose_name = _("rescue force")
        verbose_name_plural = _("rescue forces")
        indexes = [
            models.Index(
                fields=["region_path", "voided_at", "lon", "lat"], name="rescueforce_scope"
            ),
            models.Index(fields=["updated_at"], name="rescueforce_updated"),
            models.Index(fields=["kind", "region_path"], name="rescueforce_kind"),
            models.Index(fields=["readiness", "region_path"], name="rescueforce_ready"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class AviationKind(models.TextChoices):
    BASE = "base", "直升机基地"
    LANDING = "landing", "临时起降点"


class Surface(models.TextChoices):
    CONCRETE = "concrete", "硬化地面"
    GRASS = "grass", "草地"
    SPORTS = "sports", "操场"
    ROOFTOP = "rooftop", "楼顶停机坪"
    OTHER = "other", "其他"


class AircraftClass(models.TextChoices):
    LIGHT = "light", "轻型"
    MEDIUM = "medium", "中型"
    HEAVY = "heavy", "大型"


class AviationSite(RegistryRecord, Located):
    code = models.CharField(_("aviation site code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("type"), max_length=10, choices=AviationKind.choices)
    surface = models.CharField(_("surface"), max_length=10, choices=Surface.choices)
    max_aircraft = models.CharField(
        _("largest aircraft class"), max_length=10, choices=AircraftClass.choices
    )
    lighting = models.BooleanField(_("night lighting"), default=False)

    class Meta:
        verbose_name = _("aviation site")
        verbose_name_plural = _("aviation sites")
        indexes = [
            scope_index("aviation_scope"),
            models.Index(fields=["updated_at"], name="aviation_updated"),
            models.Index(fields=["kind", "region_path"], name="aviation_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"
