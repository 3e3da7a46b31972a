"""People: experts (专家库), volunteers and contacts / responsible persons (责任人).

These rows are personal data: they are scoped like every registry and never drawn on the map.
Contacts are who the warnings reach and who must acknowledge them (叫应), so their phone is
required and their roles and channels are checked item by item.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from yingji.core.base import Located, RegistryRecord, scope_index
from yingji.core.validators import MultiChoiceValidator, validate_id_number, validate_mobile


class ExpertSpecialty(models.TextChoices):
    FLOOD = "flood", "防汛抗旱"
    GEOLOGY = "geology", "地质灾害"
    EARTHQUAKE = "earthquake", "地震"
    FOREST_FIRE = "forest_fire", "森林火灾"
    HAZCHEM = "hazchem", "危险化学品"
    MINING = "mining", "矿山"
    FIRE = "fire", "消防"
    MEDICAL = "medical", "医疗救护"
    METEOROLOGY = "meteorology", "气象"
    MARINE = "marine", "海洋"
    STRUCTURE = "structure", "建筑结构"
    POWER = "power", "电力"
    TRANSPORT = "transport", "交通运输"
    COMMUNICATION = "communication", "通信"
    MANAGEMENT = "management", "综合管理"


class Availability(models.TextChoices):
    ANYTIME = "anytime", "随时"
    OFF_DUTY = "off_duty", "业余时间"
    MAJOR = "major", "仅重大灾害"
    UNAVAILABLE = "unavailable", "暂不可用"


# Roles are official Chinese titles, stored as written.
CONTACT_ROLES = (
    "村干部",
    "网格员",
    "乡镇值班",
    "企业安全管理员",
    "县级值班",
    "防汛责任人",
    "地质灾害监测员",
)
CHANNELS = {
    "sms": "短信",
    "voice": "语音电话",
    "app": "APP推送",
    "email": "电子邮件",
}
validate_roles = MultiChoiceValidator({r: r for r in CONTACT_ROLES}, what="role")
validate_channels = MultiChoiceValidator(CHANNELS, what="channel")


class Expert(RegistryRecord, Located):
    code = models.CharField(_("expert code"), max_length=32, unique=True)
    name = models.CharField(_("person name"), max_length=50)
    specialty = models.CharField(_("specialty"), max_length=16, choices=ExpertSpecialty.choices)
    organisation = models.CharField(_("organisation"), max_length=100, blank=True)
    title = models.CharField(_("professional title"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=11, validators=[validate_mobile])
    id_number = models.CharField(
        _("ID number"), max_length=18, blank=True, validators=[validate_id_number]
    )

    class Meta:
        verbose_name = _("expert")
        verbose_name_plural = _("experts")
        indexes = [
            scope_index("expert_scope"),
            models.Index(fields=["updated_at"], name="expert_updated"),
            models.Index(fields=["specialty", "region_path"], name="expert_specialty"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Volunteer(RegistryRecord, Located):
    code = models.CharField(_("volunteer code"), max_length=32, unique=True)
    name = models.CharField(_("person name"), max_length=50)
    phone = models.CharField(_("phone"), max_length=11, validators=[validate_mobile])
    organisation = models.CharField(_("volunteer team"), max_length=100, blank=True)
    skills = models.CharField(_("skills"), max_length=200, blank=True)
    certificates = models.CharField(
        _("certificates"), max_length=200, blank=True, help_text=_("e.g. 红十字救护员")
    )
    availability = models.CharField(
        _("availability"),
        max_length=12,
        choices=Availability.choices,
    )

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        indexes = [
            scope_index("volunteer_scope"),
            models.Index(fields=["updated_at"], name="volunteer_updated"),
            models.Index(fields=["availability", "region_path"], name="volunteer_avail"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Contact(RegistryRecord, Located):
    """A responsible person (责任人) who receives warnings and acknowledges them."""

    code = models.CharField(_("contact code"), max_length=32, unique=True)
    name = models.CharField(_("person name"), max_length=50)
    phone = models.CharField(_("phone"), max_length=11, validators=[validate_mobile])
    roles = models.CharField(
        _("roles"),
        max_length=200,
        validators=[validate_roles],
        help_text=_("Comma-separated, e.g. 村干部,防汛责任人"),
    )
    channels = models.CharField(
        _("channels"),
        max_length=100,
        validators=[validate_channels],
        help_text=_("Comma-separated: sms, voice, app, email"),
    )
    email = models.EmailField(
        _("e-mail"), max_length=200, blank=True, help_text=_("Needed for the e-mail channel")
    )
    organisation = models.CharField(_("organisation and post"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("contact (responsible person)")
        verbose_name_plural = _("contacts (responsible persons)")
        indexes = [
            scope_index("contact_scope"),
            models.Index(fields=["updated_at"], name="contact_updated"),
            # Warning targeting reads contacts from these two alone (alerts.reach): the
            # live contacts of region ranges, and the phones registered more than once.
            models.Index(
                fields=["region_path", "voided_at", "roles", "channels", "phone", "email"],
                name="contact_reach",
            ),
            models.Index(fields=["phone", "voided_at"], name="contact_phone_live"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # One stored form ("a,b"), which targeting matches in SQL.
        self.roles = validate_roles.canonical(self.roles)
        self.channels = validate_channels.canonical(self.channels)
        super().save(*args, **kwargs)

    @property
    def role_list(self) -> list[str]:
        return validate_roles.values(self.roles)

    @property
    def channel_list(self) -> list[str]:
        """Channel values (``sms``…) whatever separators or labels were typed."""
        return validate_channels.values(self.channels)
