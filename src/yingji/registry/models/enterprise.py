"""一企一档: enterprises, their licences and their key persons' safety training."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from yingji.core.base import Located, RegistryRecord, scope_index
from yingji.core.validators import validate_credit_code, validate_mobile

_INDUSTRY_RE = re.compile(r"^[A-T]\d{2,4}$")


class UpperCaseCharField(models.CharField):  # type: ignore[type-arg]
    """Text stored upper-case whichever way it was typed (codes: 91330106ma… → 91330106MA…).

    ``pre_save`` runs for ``save()`` and ``bulk_create`` alike, and ``get_prep_value`` for
    lookups and ``bulk_update``, so an import, a form and the API all store and find the same
    spelling, and a uniqueness check is not fooled by case.
    """

    def to_python(self, value: Any) -> Any:
        value = super().to_python(value)
        return value.upper() if isinstance(value, str) else value

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        return value.upper() if isinstance(value, str) else value

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = getattr(model_instance, self.attname)
        if isinstance(value, str) and value != value.upper():
            value = value.upper()
            setattr(model_instance, self.attname, value)
        return value


def validate_industry_code(value: str) -> None:
    """GB/T 4754-2017 code: a section letter and 2–4 digits (C26, C261, C2614)."""
    if not _INDUSTRY_RE.match(value.strip().upper()):
        raise ValidationError(
            f"行业代码 {value!r} must be a GB/T 4754 section letter and 2–4 digits, e.g. C2614",
            code="industry_code",
        )


class EnterpriseScale(models.TextChoices):
    ABOVE = "above", "规上"
    BELOW = "below", "规下"


class HazchemRole(models.TextChoices):
    PRODUCE = "produce", "生产"
    TRADE = "trade", "经营"
    STORE = "store", "储存"
    USE = "use", "使用"
    NONE = "none", "无"


HAZCHEM_ROLES = (HazchemRole.PRODUCE, HazchemRole.TRADE, HazchemRole.STORE, HazchemRole.USE)


class SafetyGrade(models.TextChoices):
    """安全生产标准化等级."""

    GRADE1 = "grade1", "一级"
    GRADE2 = "grade2", "二级"
    GRADE3 = "grade3", "三级"
    BELOW = "below", "未达标"


class InsuranceStatus(models.TextChoices):
    """安全生产责任保险 (安责险)."""

    INSURED = "insured", "已投保"
    UNINSURED = "uninsured", "未投保"
    EXPIRED = "expired", "已到期"


class Enterprise(RegistryRecord, Located):
    """One enterprise's file (一企一档), identified by its 统一社会信用代码."""

    credit_code = UpperCaseCharField(
        _("unified social credit code"),
        max_length=18,
        unique=True,
        validators=[validate_credit_code],
        help_text=_("18 characters, GB 32100 (统一社会信用代码)"),
    )
    name = models.CharField(_("enterprise name"), max_length=200)
    industry_code = UpperCaseCharField(
        _("industry code"),
        max_length=5,
        validators=[validate_industry_code],
        help_text=_("GB/T 4754-2017, e.g. C2614"),
    )
    industry_name = models.CharField(_("industry"), max_length=100, blank=True)
    scale = models.CharField(_("scale"), max_length=8, choices=EnterpriseScale.choices)
    legal_representative = models.CharField(_("legal representative"), max_length=50, blank=True)
    safety_manager = models.CharField(_("safety manager"), max_length=50, blank=True)
    safety_manager_phone = models.CharField(
        _("safety manager phone"), max_length=11, blank=True, validators=[validate_mobile]
    )
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    hazchem_role = models.CharField(
        _("hazardous chemicals role"), max_length=8, choices=HazchemRole.choices
    )
    key_processes = models.CharField(
        _("key supervised hazardous processes"),
        max_length=200,
        blank=True,
        help_text=_("重点监管危险化工工艺, e.g. 氯化工艺、氟化工艺"),
    )
    in_chemical_park = models.BooleanField(_("in a chemical park"), default=False)
    park_name = models.CharField(_("chemical park"), max_length=100, blank=True)
    safety_grade = models.CharField(
        _("safety standardisation grade"), max_length=8, choices=SafetyGrade.choices, blank=True
    )
    insurance_status = models.CharField(
        _("work-safety liability insurance"),
        max_length=10,
        choices=InsuranceStatus.choices,
        blank=True,
    )
    insurance_expires_on = models.DateField(_("insurance expires on"), null=True, blank=True)

    class Meta:
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        indexes = [
            scope_index("enterprise_scope"),
            # The list's orderings end with the primary key ("-updated_at", "-pk"): with the
            # key in the index, a page of 500,000 rows is read in order, not sorted.
            models.Index(fields=["updated_at", "id"], name="enterprise_updated_id"),
            models.Index(fields=["name", "id"], name="enterprise_name_id"),
            models.Index(fields=["scale", "region_path"], name="enterprise_scale"),
            models.Index(fields=["hazchem_role", "region_path"], name="enterprise_hazchem"),
            models.Index(fields=["safety_grade", "region_path"], name="enterprise_grade"),
            models.Index(fields=["in_chemical_park", "region_path"], name="enterprise_park"),
            models.Index(fields=["industry_code", "region_path"], name="enterprise_industry"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.credit_code})"


class LicenceKind(models.TextChoices):
    SAFETY_PRODUCTION = "safety", "安全生产许可证"
    HAZCHEM_TRADE = "hc_trade", "危险化学品经营许可证"
    HAZCHEM_USE = "hc_use", "危险化学品安全使用许可证"
    HAZCHEM_REGISTRATION = "hc_reg", "危险化学品登记证"
    OTHER = "other", "其他"


class Licence(RegistryRecord):
    """A licence held by an enterprise; scoped through the enterprise's region."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="licences"
    )
    kind = models.CharField(_("licence type"), max_length=10, choices=LicenceKind.choices)
    number = models.CharField(_("licence number"), max_length=60)
    issued_on = models.DateField(_("issued on"))
    expires_on = models.DateField(_("expires on"))

    scope_path_field = "enterprise__region_path"

    class Meta:
        verbose_name = _("licence")
        verbose_name_plural = _("licences")
        indexes = [
            models.Index(fields=["updated_at"], name="licence_updated"),
            models.Index(fields=["expires_on"], name="licence_expiry"),
            models.Index(fields=["kind", "expires_on"], name="licence_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"


class TraineeRole(models.TextChoices):
    PRINCIPAL = "principal", "主要负责人"
    SAFETY_MANAGER = "manager", "安全管理人员"
    SPECIAL_OPERATOR = "operator", "特种作业人员"
    OTHER = "other", "其他从业人员"


class TrainingRecord(RegistryRecord):
    """Safety training (and the certificate it led to) of an enterprise's key person."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="trainings"
    )
    person = models.CharField(_("trainee"), max_length=50)
    role = models.CharField(_("trainee role"), max_length=10, choices=TraineeRole.choices)
    course = models.CharField(_("course"), max_length=100)
    certificate_number = models.CharField(_("certificate number"), max_length=60, blank=True)
    trained_on = models.DateField(_("trained on"))
    expires_on = models.DateField(_("certificate expires on"), null=True, blank=True)

    scope_path_field = "enterprise__region_path"

    class Meta:
        verbose_name = _("training record")
        verbose_name_plural = _("training records")
        indexes = [
            models.Index(fields=["updated_at"], name="training_updated"),
            models.Index(fields=["expires_on"], name="training_expiry"),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.course}"


class EnterpriseAccount(models.Model):
    """Binds an enterprise user (企业安全管理人员) to the one enterprise they act for."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enterprise_account"
    )
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="accounts")

    class Meta:
        verbose_name = _("enterprise account")

    def __str__(self) -> str:
        return f"{self.user_id} → {self.enterprise_id}"
