"""重大危险源 (GB 18218-2018): sources, their production/storage units and the chemicals held.

Identification (S = Σq/Q) and grading (R) belong to the risk app; this is what they read.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from yingji.core.base import Located, RegistryRecord, scope_index
from yingji.kernels import cas
from yingji.registry.models.enterprise import Enterprise


def validate_cas(value: str) -> None:
    """CAS number with a valid check digit (a typo must not match another substance's Q)."""
    problem = cas.cas_problem(value)
    if problem:
        raise ValidationError(f"CAS 号 {problem}", code="cas")


def validate_positive(value: float) -> None:
    if not value > 0:
        raise ValidationError(f"{value} must be greater than 0", code="positive")


class HazardSource(RegistryRecord, Located):
    code = models.CharField(_("hazard source code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("enterprise"),
        on_delete=models.PROTECT,
        related_name="hazard_sources",
    )
    people_within_500m = models.PositiveIntegerField(
        _("people within 500 m"),
        help_text=_("常住人口 within 500 m outside the plant boundary (sets α in GB 18218)"),
    )
    # Computed from the units by GB 18218 whenever the inventory changes (never entered).
    is_major = models.BooleanField(_("major (S ≥ 1)"), default=False)
    r_value = models.FloatField(_("R (highest unit)"), null=True, blank=True)
    grade = models.CharField(_("grade"), max_length=4, blank=True, default="")
    graded_at = models.DateTimeField(_("graded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("major hazard source")
        verbose_name_plural = _("major hazard sources")
        indexes = [
            scope_index("hazsource_scope"),
            models.Index(fields=["updated_at"], name="hazsource_updated"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class UnitKind(models.TextChoices):
    PRODUCTION = "production", "生产单元"
    STORAGE = "storage", "储存单元"


class HazardUnit(RegistryRecord):
    """A 生产单元 or 储存单元: GB 18218 identifies each unit separately."""

    code = models.CharField(
        _("unit code"), max_length=40, unique=True, help_text=_("e.g. <source code>-U1")
    )
    source = models.ForeignKey(
        HazardSource,
        verbose_name=_("major hazard source"),
        on_delete=models.PROTECT,
        related_name="units",
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("unit type"), max_length=10, choices=UnitKind.choices)
    # Computed by GB 18218 from the unit's chemicals (never entered).
    s_value = models.FloatField(_("S = Σq/Q"), null=True, blank=True)
    is_major = models.BooleanField(_("major (S ≥ 1)"), default=False)
    r_value = models.FloatField(_("R = α·Σβq/Q"), null=True, blank=True)
    grade = models.CharField(_("grade"), max_length=4, blank=True, default="")
    grading_note = models.CharField(_("grading note"), max_length=300, blank=True, default="")

    scope_path_field = "source__region_path"

    class Meta:
        verbose_name = _("hazard unit")
        verbose_name_plural = _("hazard units")
        indexes = [models.Index(fields=["updated_at"], name="hazunit_updated")]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class HazardCategory(models.TextChoices):
    """GB 18218-2018 Table 2 categories, for chemicals not named in Table 1."""

    J1 = "J1", "J1 急性毒性类别1（气体）"
    J2 = "J2", "J2 急性毒性类别1（固体、液体）"
    J3 = "J3", "J3 急性毒性类别2、3（气体）"
    J4 = "J4", "J4 急性毒性类别2、3（吸入，沸点≤35℃液体）"
    J5 = "J5", "J5 急性毒性类别2、3（固体、液体）"
    W1_1 = "W1.1", "W1.1 不稳定爆炸物、1.1项爆炸物"
    W1_2 = "W1.2", "W1.2 1.2、1.3、1.5、1.6项爆炸物"
    W1_3 = "W1.3", "W1.3 1.4项爆炸物"
    W2 = "W2", "W2 易燃气体类别1、2"
    W3 = "W3", "W3 气溶胶"
    W4 = "W4", "W4 氧化性气体"
    W5_1 = "W5.1", "W5.1 易燃液体类别1等"
    W5_2 = "W5.2", "W5.2 易燃液体类别2、3（特殊工艺条件）"
    W5_3 = "W5.3", "W5.3 其他易燃液体类别2"
    W5_4 = "W5.4", "W5.4 其他易燃液体类别3"
    W6_1 = "W6.1", "W6.1 自反应物质A、B型"
    W6_2 = "W6.2", "W6.2 自反应物质C–F型"
    W7_1 = "W7.1", "W7.1 有机过氧化物A、B型"
    W7_2 = "W7.2", "W7.2 有机过氧化物C–F型"
    W8 = "W8", "W8 自燃液体、自燃固体"
    W9_1 = "W9.1", "W9.1 氧化性固体、液体类别1"
    W9_2 = "W9.2", "W9.2 氧化性固体、液体类别2、3"
    W10 = "W10", "W10 易燃固体"
    W11 = "W11", "W11 遇水放出易燃气体的物质"


class HazardChemical(RegistryRecord):
    """A chemical held in a unit, with its maximum quantity q (tonnes)."""

    unit = models.ForeignKey(
        HazardUnit,
        verbose_name=_("hazard unit"),
        on_delete=models.PROTECT,
        related_name="chemicals",
    )
    name = models.CharField(_("chemical name"), max_length=100)
    cas = models.CharField(
        _("CAS number"),
        max_length=12,
        blank=True,
        validators=[validate_cas],
        help_text=_("e.g. 7782-50-5; may be empty for mixtures without one"),
    )
    hazard_category = models.CharField(
        _("hazard category (GB 18218 Table 2)"),
        max_length=4,
        choices=HazardCategory.choices,
        blank=True,
    )
    quantity = models.FloatField(
        _("quantity (t)"),
        validators=[validate_positive],
        help_text=_("Maximum quantity present, in tonnes"),
    )

    scope_path_field = "unit__source__region_path"

    class Meta:
        verbose_name = _("hazardous chemical")
        verbose_name_plural = _("hazardous chemicals")
        indexes = [
            models.Index(fields=["updated_at"], name="hazchem_updated"),
            models.Index(fields=["cas"], name="hazchem_cas"),
            models.Index(fields=["hazard_category"], name="hazchem_category"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.quantity:g} t"
