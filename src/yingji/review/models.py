"""Plan-target values the platform cannot compute (entered by the responsible office) and
daily snapshots of the computed ones, which make the trend lines."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ManualValue(models.Model):
    """A manual indicator's value for one region and period (``2025`` or ``2025-06``).

    Never deleted: a correction voids the live row (who, when, why) and enters a new one, so
    the history of what the cockpit showed stays readable; at most one live row per
    indicator, region and period.
    """

    indicator = models.CharField(_("indicator"), max_length=64, db_index=True)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    region_path = models.CharField(_("region path"), max_length=12, db_index=True)
    period = models.CharField(_("period"), max_length=7, help_text=_("YYYY or YYYY-MM"))
    period_start = models.DateField(_("period start"))
    value = models.FloatField(_("value"))
    source = models.CharField(_("source"), max_length=300)
    note = models.CharField(_("note"), max_length=1000, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("entered by"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    entered_at = models.DateTimeField(_("entered at"))
    voided_at = models.DateTimeField(_("voided"), null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("voided by"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="+",
    )  # fmt: skip
    void_reason = models.CharField(_("void reason"), max_length=300, blank=True)

    scope_path_field = "region_path"

    class Meta:
        verbose_name = _("manual indicator value")
        verbose_name_plural = _("manual indicator values")
        ordering = ["indicator", "region_path", "-period_start", "-entered_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "region", "period"],
                condition=models.Q(voided_at__isnull=True),
                name="manual_value_live_once",
            ),
        ]
        indexes = [
            models.Index(fields=["indicator", "region_path", "period_start"], name="manual_lookup")
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.region_path} {self.period}: {self.value}"


class Snapshot(models.Model):
    """A computed indicator's figure for one region on one day (the daily job writes them)."""

    indicator = models.CharField(_("indicator"), max_length=64)
    region_path = models.CharField(_("region path"), max_length=12)
    date = models.DateField(_("date"))
    value = models.FloatField(_("value"), null=True, blank=True)
    num = models.FloatField(_("numerator"), null=True, blank=True)
    den = models.FloatField(_("denominator"), null=True, blank=True)

    scope_path_field = "region_path"

    class Meta:
        verbose_name = _("indicator snapshot")
        verbose_name_plural = _("indicator snapshots")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "region_path", "date"], name="snapshot_once"
            ),
        ]
        indexes = [models.Index(fields=["region_path", "date"], name="snapshot_region")]

    def __str__(self) -> str:
        return f"{self.indicator} {self.region_path} {self.date}: {self.value}"
