"""Dispatch (调度): rescue forces sent to an incident, and supplies requested and allocated
from depots. Imported by :mod:`yingji.incidents.models`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yingji.registry.models.depot import QUANTITY_DIGITS, QUANTITY_PLACES


class OrderStatus(models.TextChoices):
    DISPATCHED = "dispatched", "已调派"
    EN_ROUTE = "en_route", "出动途中"
    ON_SCENE = "on_scene", "到达现场"
    RELEASED = "released", "已归队"
    CANCELLED = "cancelled", "已取消"


ACTIVE_ORDER = (OrderStatus.DISPATCHED, OrderStatus.EN_ROUTE, OrderStatus.ON_SCENE)


class DispatchOrder(models.Model):
    """A rescue force sent to an incident, with the time of each step."""

    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.CASCADE, related_name="orders"
    )
    force = models.ForeignKey(
        "registry.RescueForce", verbose_name=_("rescue force"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    status = models.CharField(_("status"), max_length=12, choices=OrderStatus.choices,
                              default=OrderStatus.DISPATCHED)  # fmt: skip
    km = models.FloatField(_("distance (km, great circle)"))
    eta_minutes = models.FloatField(_("estimated travel (min)"))
    dispatched_at = models.DateTimeField(_("dispatched at"))
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    en_route_at = models.DateTimeField(_("set out at"), null=True, blank=True)
    on_scene_at = models.DateTimeField(_("on scene at"), null=True, blank=True)
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("dispatch order")
        verbose_name_plural = _("dispatch orders")
        constraints = [
            # a force is on one mission at a time
            models.UniqueConstraint(
                fields=["force"], condition=models.Q(status__in=ACTIVE_ORDER),
                name="order_one_active_per_force",
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.force_id} → {self.incident_id} ({self.status})"


class SupplyRequest(models.Model):
    """Supplies the incident needs (帐篷 200 顶), met by allocations from depots."""

    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.CASCADE, related_name="supply_requests"
    )
    category = models.CharField(_("category"), max_length=16)
    name = models.CharField(_("item"), max_length=100)
    unit = models.CharField(_("unit"), max_length=10)
    quantity = models.DecimalField(
        _("quantity"), max_digits=QUANTITY_DIGITS, decimal_places=QUANTITY_PLACES
    )
    requested_at = models.DateTimeField(_("requested at"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("supply request")
        verbose_name_plural = _("supply requests")

    def __str__(self) -> str:
        return f"{self.name} {self.quantity}{self.unit}"


class Allocation(models.Model):
    """Stock sent from a depot against a request: the registry's stock movement (出库) is
    written in the same transaction, so stock never goes below zero."""

    request = models.ForeignKey(SupplyRequest, on_delete=models.CASCADE, related_name="allocations")
    item = models.ForeignKey("registry.StockItem", on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(
        _("quantity"), max_digits=QUANTITY_DIGITS, decimal_places=QUANTITY_PLACES
    )
    movement = models.OneToOneField(
        "registry.StockMovement", on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("allocated at"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("allocation")

    def __str__(self) -> str:
        return f"{self.item_id} × {self.quantity}"
