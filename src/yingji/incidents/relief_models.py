"""转移安置与救助 (shelters and relief): evacuation counts per village, evacuees placed in
shelters, and relief for affected groups timed against the plan's 10-hour target.
Imported by :mod:`yingji.incidents.models`; the rules are in
:mod:`yingji.incidents.services.relief`.
"""

from __future__ import annotations

from typing import Any, Final

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from yingji.core.errors import InvalidInput
from yingji.core.validators import MultiChoiceValidator

NEEDS: Final = (
    ("food", "食品"),
    ("water", "饮用水"),
    ("clothing", "衣物"),
    ("bedding", "被褥"),
    ("shelter", "临时住所"),
    ("medical", "医疗"),
    ("sanitation", "卫生"),
    ("power", "照明电力"),
)
"""Basic needs (基本生活) of a relief record, in canonical order; stored as a comma list."""
NEEDS_CHECK: Final = MultiChoiceValidator(dict(NEEDS), "basic need")
NEED_LABELS: Final = dict(NEEDS)


def needs_of(raw: Any) -> str:
    """The canonical comma list of basic needs from keys or labels (食品) as a list or a text
    (``,``, ``，`` or ``、``): each once, in :data:`NEEDS` order; else InvalidInput."""
    if isinstance(raw, list | tuple) and all(isinstance(p, str) for p in raw):
        raw = ",".join(raw)
    if not isinstance(raw, str) or "\x00" in raw or len(raw) > 300:
        raise InvalidInput(gettext("needs must be a list of basic needs"), field="needs")
    try:
        NEEDS_CHECK(raw)
    except ValidationError as exc:
        raise InvalidInput(exc.messages[0], field="needs") from None
    wanted = set(NEEDS_CHECK.values(raw))
    if not wanted:
        raise InvalidInput(gettext("Choose at least one basic need"), field="needs")
    return ",".join(key for key in NEED_LABELS if key in wanted)


def labels(needs: str) -> str:
    """``food,water`` as 食品、饮用水."""
    return "、".join(NEED_LABELS.get(n, n) for n in needs.split(",") if n)


class Evacuation(models.Model):
    """A grid worker's figure for one village: the people evacuated from it *now* (each report
    states the village's current total, so the latest report per village counts)."""

    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.CASCADE, related_name="evacuations"
    )
    village = models.ForeignKey(
        "regions.Region", verbose_name=_("village"), on_delete=models.PROTECT, related_name="+"
    )
    people = models.PositiveIntegerField(_("people evacuated"))
    reported_at = models.DateTimeField(_("reported at"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("evacuation report")
        verbose_name_plural = _("evacuation reports")
        indexes = [
            models.Index(fields=["incident", "village", "-reported_at"], name="evacuation_latest")
        ]

    def __str__(self) -> str:
        return f"{self.village_id}: {self.people}"


class Placement(models.Model):
    """People of one village placed in one shelter, until they go home (``left_at``)."""

    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.CASCADE, related_name="placements"
    )
    village = models.ForeignKey(
        "regions.Region", verbose_name=_("from village"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    shelter = models.ForeignKey(
        "registry.Shelter", verbose_name=_("shelter"), on_delete=models.PROTECT,
        related_name="placements",
    )  # fmt: skip
    people = models.PositiveIntegerField(_("people"))
    km = models.FloatField(_("distance (km, great circle)"))
    at = models.DateTimeField(_("placed at"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    left_at = models.DateTimeField(_("went home at"), null=True, blank=True)

    class Meta:
        verbose_name = _("shelter placement")
        verbose_name_plural = _("shelter placements")
        indexes = [models.Index(fields=["shelter", "left_at"], name="placement_occupancy")]
        constraints = [
            models.CheckConstraint(condition=models.Q(people__gte=1), name="placement_people")
        ]

    def __str__(self) -> str:
        return f"{self.village_id} → {self.shelter_id}: {self.people}"


class Relief(models.Model):
    """Relief for one affected group: who, how many, which basic needs, and when they were
    met; the time from the event to ``met_at`` is measured against the 10-hour target."""

    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.CASCADE, related_name="relief"
    )
    group = models.CharField(_("affected group"), max_length=200)
    village = models.ForeignKey(
        "regions.Region", verbose_name=_("village"), on_delete=models.PROTECT, null=True,
        blank=True, related_name="+",
    )  # fmt: skip
    people = models.PositiveIntegerField(_("people"))
    needs = models.CharField(_("basic needs"), max_length=120, validators=[NEEDS_CHECK])
    started_at = models.DateTimeField(_("relief started"))
    met_at = models.DateTimeField(_("basic needs met"), null=True, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("relief record")
        verbose_name_plural = _("relief records")
        ordering = ["incident", "started_at", "pk"]
        indexes = [models.Index(fields=["met_at", "incident"], name="relief_open")]

    def __str__(self) -> str:
        return f"{self.group} ({self.people})"

    @property
    def need_list(self) -> list[str]:
        return [n for n in self.needs.split(",") if n]
