"""Administrative divisions of Zhejiang, province → city → county → township → village.

Codes are the national statistical codes (统计用区划代码, 2023 edition). The short code
(2/4/6/9/12 digits) of a region is a string prefix of every descendant's short code, so it is
stored as ``path`` (a materialised path): a subtree is one indexed ``LIKE 'path%'`` query.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    COUNTY = "county", _("County")
    TOWNSHIP = "township", _("Township")
    VILLAGE = "village", _("Village")


LEVEL_DEPTH = {
    Level.PROVINCE: 0,
    Level.CITY: 1,
    Level.COUNTY: 2,
    Level.TOWNSHIP: 3,
    Level.VILLAGE: 4,
}
# Length of the short code (= path) at each level.
PATH_LENGTH = {
    Level.PROVINCE: 2,
    Level.CITY: 4,
    Level.COUNTY: 6,
    Level.TOWNSHIP: 9,
    Level.VILLAGE: 12,
}


class Region(models.Model):
    """One administrative division. Reference data: loaded from ``data/regions``."""

    code = models.CharField(_("code"), max_length=12, primary_key=True)
    path = models.CharField(_("short code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=64, db_index=True)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    population = models.PositiveIntegerField(_("population"), default=0)
    households = models.PositiveIntegerField(_("households"), default=0)
    population_source = models.CharField(_("population source"), max_length=40, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    location_source = models.CharField(_("location source"), max_length=20, blank=True)
    # Defaults live in the database too: the dataset loader inserts with raw SQL.
    disaster_prone = models.BooleanField(
        _("disaster-prone (多灾易灾)"), default=False, db_default=False
    )
    flags_source = models.CharField(
        _("flags source"), max_length=20, blank=True, default="", db_default=""
    )
    township_count = models.PositiveIntegerField(_("townships"), default=0)
    village_count = models.PositiveIntegerField(_("villages"), default=0)

    # Region-owned data is scoped through this model; a region scopes by its own path.
    scope_path_field = "path"

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        indexes = [
            # Prefix (LIKE 'x%') lookups on PostgreSQL need the pattern operator class.
            models.Index(
                fields=["path"], name="region_path_prefix", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(fields=["parent", "code"], name="region_parent_code"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def depth(self) -> int:
        return LEVEL_DEPTH[Level(self.level)]

    def ancestor_paths(self) -> list[str]:
        """Short codes of this region and its ancestors, province first (no query)."""
        lengths = [n for n in PATH_LENGTH.values() if n <= len(self.path)]
        return [self.path[:n] for n in lengths]


class Boundary(models.Model):
    """Simplified WGS-84 boundary of a province, city or county, as GeoJSON geometry."""

    region = models.OneToOneField(
        Region,
        verbose_name=_("region"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="boundary",
    )
    geometry = models.JSONField(_("geometry"))
    min_lon = models.FloatField()
    min_lat = models.FloatField()
    max_lon = models.FloatField()
    max_lat = models.FloatField()

    class Meta:
        verbose_name = _("boundary")
        verbose_name_plural = _("boundaries")

    def __str__(self) -> str:
        return f"boundary of {self.region_id}"


class DatasetVersion(models.Model):
    """Which version of the regions data file is loaded (so loading is idempotent)."""

    name = models.CharField(max_length=64, unique=True)
    checksum = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(auto_now=True)
    row_count = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name} {self.checksum[:8]}"
