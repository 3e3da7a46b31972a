"""应急物资储备库: depots at five levels, their stock items and the stock ledger.

A stock item's ``quantity`` is a denormalised running total of its movements; it changes only
through :func:`yingji.registry.services.record_movement`, so the count always equals the sum
of the ledger (the registries for items and movements are read-only to the generic writes).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yingji.core.base import Located, RegistryRecord, scope_index
from yingji.core.validators import validate_mobile

QUANTITY_DIGITS = 14
QUANTITY_PLACES = 2


class DepotLevel(models.TextChoices):
    """Values equal the region levels, so "a 县级 depot sits in a county" is an equality."""

    PROVINCE = "province", "省级"
    CITY = "city", "市级"
    COUNTY = "county", "县级"
    TOWNSHIP = "township", "乡镇级"
    VILLAGE = "village", "村级"


class StockCategory(models.TextChoices):
    FLOOD = "flood", "防汛"
    LIFESAVING = "lifesaving", "救生"
    LIVING = "living", "生活"
    LIGHTING = "lighting", "照明"
    COMMUNICATION = "communication", "通信"
    MEDICAL = "medical", "医疗"
    TOOLS = "tools", "抢险工具"
    OTHER = "other", "其他"


class MovementKind(models.TextChoices):
    IN = "in", "入库"
    OUT = "out", "出库"
    TRANSFER = "transfer", "调拨"
    WRITE_OFF = "write_off", "报废"


class Depot(RegistryRecord, Located):
    code = models.CharField(_("depot code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=10, choices=DepotLevel.choices)
    manager = models.CharField(_("manager"), max_length=50, blank=True)
    manager_phone = models.CharField(
        _("manager phone"), max_length=11, blank=True, validators=[validate_mobile]
    )
    floor_area = models.FloatField(
        _("floor area (m²)"), null=True, blank=True, validators=[MinValueValidator(0)]
    )

    class Meta:
        verbose_name = _("supply depot")
        verbose_name_plural = _("supply depots")
        indexes = [
            scope_index("depot_scope"),
            models.Index(fields=["updated_at"], name="depot_updated"),
            models.Index(fields=["level", "region_path"], name="depot_level"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class StockItem(RegistryRecord):
    depot = models.ForeignKey(
        Depot, verbose_name=_("depot"), on_delete=models.PROTECT, related_name="items"
    )
    code = models.CharField(_("stock item code"), max_length=40, unique=True)
    category = models.CharField(_("category"), max_length=16, choices=StockCategory.choices)
    name = models.CharField(_("name"), max_length=100)
    unit = models.CharField(_("unit"), max_length=10)
    quantity = models.DecimalField(
        _("quantity"),
        max_digits=QUANTITY_DIGITS,
        decimal_places=QUANTITY_PLACES,
        default=Decimal(0),
        editable=False,  # changed only by recorded movements
        validators=[MinValueValidator(Decimal(0))],
    )
    batch = models.CharField(_("batch"), max_length=50, blank=True)
    expires_on = models.DateField(_("expiry / rotation date"), null=True, blank=True)

    scope_path_field = "depot__region_path"

    class Meta:
        verbose_name = _("stock item")
        verbose_name_plural = _("stock items")
        indexes = [
            models.Index(fields=["depot", "category"], name="stockitem_depot"),
            models.Index(fields=["updated_at"], name="stockitem_updated"),
            models.Index(fields=["category", "name"], name="stockitem_category"),
            models.Index(fields=["expires_on"], name="stockitem_expiry"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=0), name="stockitem_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class StockMovement(RegistryRecord):
    """One line of the stock ledger. A transfer writes two: out at the source, in at the target.

    ``delta`` is signed (negative for out, write-off and the sending leg of a transfer);
    ``balance_after`` is the item's quantity once this line was applied.
    """

    item = models.ForeignKey(
        StockItem, verbose_name=_("stock item"), on_delete=models.PROTECT, related_name="movements"
    )
    kind = models.CharField(_("movement type"), max_length=10, choices=MovementKind.choices)
    quantity = models.DecimalField(
        _("quantity"),
        max_digits=QUANTITY_DIGITS,
        decimal_places=QUANTITY_PLACES,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    delta = models.DecimalField(
        _("change in stock"), max_digits=QUANTITY_DIGITS, decimal_places=QUANTITY_PLACES
    )
    balance_after = models.DecimalField(
        _("balance after"), max_digits=QUANTITY_DIGITS, decimal_places=QUANTITY_PLACES
    )
    to_depot = models.ForeignKey(
        Depot,
        verbose_name=_("target depot"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    counterpart = models.OneToOneField(
        "self",
        verbose_name=_("other leg of the transfer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=200)
    occurred_at = models.DateTimeField(_("occurred at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_label = models.CharField(_("recorded by"), max_length=150, blank=True)

    scope_path_field = "item__depot__region_path"

    class Meta:
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        indexes = [
            models.Index(fields=["item", "occurred_at"], name="stockmove_item"),
            models.Index(fields=["updated_at"], name="stockmove_updated"),
            models.Index(fields=["occurred_at"], name="stockmove_occurred"),
            models.Index(fields=["kind", "occurred_at"], name="stockmove_kind"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="stockmove_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.delta:+} · {self.item.code}"
