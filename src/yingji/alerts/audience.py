"""Who a warning can reach besides the responsible persons: broadcast terminals and subscribers.

Both are registries (see :mod:`yingji.alerts.specs`), scoped by region like every other one.

- An emergency-broadcast terminal (应急广播终端) is a village's loudspeaker (大喇叭, 村村响),
  electronic screen or FM receiver. The broadcast platform addresses it by ``code``, so a
  warning for a village plays on the village's live (``active``) terminals.
- A subscriber (预警订阅) is a member of the public who asked for warnings for an area — a
  county, a township or a village — by SMS and/or e-mail, optionally only some warning types
  and only from a given colour up. These rows are personal data: scoped lists only, never on
  the map.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from yingji.alerts import catalogue
from yingji.core.base import Located, RegistryRecord, scope_index
from yingji.core.validators import MultiChoiceValidator, validate_mobile

validate_event_types = MultiChoiceValidator(dict(catalogue.CHOICES), what="warning type")

# A cell starting with one of these is run as a formula by spreadsheet programs, so text that
# begins with one would turn the registry's own Excel export into an attack on its readers.
_FORMULA_STARTS = ("=", "+", "-", "@")


def validate_plain_text(value: Any) -> None:
    """Refuse text a spreadsheet would execute (``=HYPERLINK(…)``) or that carries controls."""
    text = str(value or "")
    if text.startswith(_FORMULA_STARTS):
        raise ValidationError(
            f"must not start with {' '.join(_FORMULA_STARTS)} (a spreadsheet would run it as "
            "a formula)",
            code="formula",
        )
    if any(ord(char) < 32 for char in text):
        raise ValidationError("must not contain control characters", code="control")


class EventTypesField(models.CharField):  # type: ignore[type-arg]
    """Warning types stored as canonical codes, ``typhoon,rainstorm``, however they were typed.

    People type labels and Chinese separators (``台风、暴雨``); storing the codes joined by
    ``,`` lets targeting match a type with SQL (``',' || event_types || ','`` contains
    ``',typhoon,'``). Unknown items are kept as typed so the validator can name them.
    """

    def to_python(self, value: Any) -> Any:
        value = super().to_python(value)
        return canonical_event_types(value) if isinstance(value, str) else value

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = getattr(model_instance, self.attname)
        if isinstance(value, str) and value != canonical_event_types(value):
            value = canonical_event_types(value)
            setattr(model_instance, self.attname, value)
        return value


def canonical_event_types(text: str) -> str:
    return ",".join(dict.fromkeys(validate_event_types.values(text)))


class TerminalKind(models.TextChoices):
    LOUDSPEAKER = "loudspeaker", "大喇叭（村村响）"
    SCREEN = "screen", "电子显示屏"
    RADIO = "radio", "调频收扬机"


class TerminalStatus(models.TextChoices):
    ACTIVE = "active", "正常"
    FAULT = "fault", "故障"
    RETIRED = "retired", "停用"


class BroadcastTerminal(RegistryRecord, Located):
    """An emergency-broadcast terminal (应急广播终端) registered to one village.

    ``code`` is the terminal's id on the broadcast platform — the address a warning is sent
    to — so it is unique across the province. Only ``active`` terminals are sent to; a
    ``fault`` stays registered (and visible to its maintainer) until repaired, and a
    ``retired`` one is kept for the record rather than voided.
    """

    code = models.CharField(
        _("terminal code"), max_length=32, unique=True, validators=[validate_plain_text]
    )
    name = models.CharField(_("name"), max_length=100, validators=[validate_plain_text])
    kind = models.CharField(
        _("terminal type"),
        max_length=16,
        choices=TerminalKind.choices,
        default=TerminalKind.LOUDSPEAKER,
    )
    status = models.CharField(
        _("status"), max_length=10, choices=TerminalStatus.choices, default=TerminalStatus.ACTIVE
    )
    maintainer = models.CharField(
        _("maintainer"), max_length=50, blank=True, validators=[validate_plain_text]
    )
    phone = models.CharField(
        _("maintainer phone"), max_length=11, blank=True, validators=[validate_mobile]
    )

    class Meta:
        verbose_name = _("broadcast terminal")
        verbose_name_plural = _("broadcast terminals")
        indexes = [
            scope_index("terminal_scope"),
            models.Index(fields=["updated_at"], name="terminal_updated"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Subscriber(RegistryRecord, Located):
    """A member of the public subscribed to warnings (预警订阅) for an area.

    ``region`` is the area subscribed to, at any level from county down to village: a
    warning reaches the subscriber when its area and the subscribed area overlap. Empty
    ``event_types`` means every type; ``min_level`` is the lowest colour wanted (0 蓝 … 3 红).
    A subscriber is reached by SMS, e-mail or both, so at least one of them is required.
    """

    code = models.CharField(
        _("subscription code"), max_length=32, unique=True, validators=[validate_plain_text]
    )
    name = models.CharField(
        _("person name"), max_length=50, blank=True, validators=[validate_plain_text]
    )
    phone = models.CharField(_("phone"), max_length=11, blank=True, validators=[validate_mobile])
    email = models.EmailField(
        _("e-mail"), max_length=200, blank=True, validators=[validate_plain_text]
    )
    event_types = EventTypesField(
        _("warning types"),
        max_length=400,
        blank=True,
        validators=[validate_event_types],
        help_text=_("Comma-separated; empty for every type"),
    )
    min_level = models.SmallIntegerField(
        _("lowest level"), choices=list(enumerate(catalogue.LEVEL_NAMES)), default=0
    )

    class Meta:
        verbose_name = _("warning subscriber")
        verbose_name_plural = _("warning subscribers")
        indexes = [
            scope_index("subscriber_scope"),
            models.Index(fields=["updated_at"], name="subscriber_updated"),
            models.Index(fields=["phone"], name="subscriber_phone"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})" if self.name else self.code

    @property
    def event_type_list(self) -> list[str]:
        """The warning types wanted (codes); empty for every type."""
        return validate_event_types.values(self.event_types)
