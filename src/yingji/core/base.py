"""Abstract models shared by the registries (one way to void, locate and mark synthetic data)."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from yingji.kernels import codes
from yingji.regions.models import Region


class RegistryRecord(models.Model):
    """A row of a registry: never hard-deleted, voided with a reason instead."""

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    voided_at = models.DateTimeField(_("voided"), null=True, blank=True)
    void_reason = models.CharField(_("void reason"), max_length=200, blank=True)
    synthetic = models.BooleanField(
        _("synthetic"), default=False, help_text=_("Generated demo data, not a real record")
    )

    class Meta:
        abstract = True


def scope_index(name: str) -> models.Index:
    """The index every located registry needs: jurisdiction range, live rows, map bounding box."""
    return models.Index(fields=["region_path", "voided_at", "lon", "lat"], name=name)


class Located(models.Model):
    """Something in a region, with an optional point (WGS-84).

    ``region_path`` copies the region's short code so that jurisdiction scoping is a range
    condition on this table's own index, with no join, even with millions of rows.
    """

    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    region_path = models.CharField(max_length=12, editable=False, db_index=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)

    scope_path_field = "region_path"

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.region_id:
            self.region_path = codes.short(self.region_id)
        super().save(*args, **kwargs)
