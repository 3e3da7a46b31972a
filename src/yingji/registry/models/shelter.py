"""避灾安置场所: disaster shelters."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from yingji.core.base import Located, RegistryRecord, scope_index
from yingji.core.validators import validate_mobile


class ShelterLevel(models.TextChoices):
    COUNTY = "county", "县级"
    TOWNSHIP = "township", "乡镇级"
    VILLAGE = "village", "村级"


class ShelterKind(models.TextChoices):
    CENTRE = "centre", "避灾安置中心"
    SCHOOL = "school", "学校"
    GYM = "gym", "体育场馆"
    HALL = "hall", "文化礼堂"
    COMMUNITY = "community", "社区服务中心"
    HOTEL = "hotel", "宾馆酒店"
    OTHER = "other", "其他"


class Shelter(RegistryRecord, Located):
    code = models.CharField(_("shelter code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=10, choices=ShelterLevel.choices)
    kind = models.CharField(_("type"), max_length=12, choices=ShelterKind.choices)
    capacity = models.PositiveIntegerField(_("capacity (persons)"))
    floor_area = models.FloatField(_("floor area (m²)"), null=True, blank=True)
    standardised = models.BooleanField(_("standardised (规范化)"), default=False)
    standardised_on = models.DateField(_("standardised on"), null=True, blank=True)
    visualised = models.BooleanField(_("visualised (可视化)"), default=False)
    directions = models.CharField(_("directions"), max_length=300, blank=True)
    photo_url = models.CharField(_("photo"), max_length=300, blank=True)
    facilities = models.CharField(_("facilities"), max_length=300, blank=True)
    manager = models.CharField(_("manager"), max_length=50, blank=True)
    manager_phone = models.CharField(
        _("manager phone"), max_length=11, blank=True, validators=[validate_mobile]
    )

    class Meta:
        verbose_name = _("shelter")
        verbose_name_plural = _("shelters")
        indexes = [
            scope_index("shelter_scope"),
            models.Index(fields=["updated_at"], name="shelter_updated"),
            models.Index(fields=["level", "region_path"], name="shelter_level"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"
