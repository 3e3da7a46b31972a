"""Enterprise credit (安全生产信用) and the safety code (安全码), kept current.

Both are derived, never typed: the services recompute them from enforcement, accidents,
hidden hazards and the risk colour whenever one of those changes, and keep each change of
colour in ``SafetyCodeChange`` so the public page can say since when and why.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yingji.registry.models.enterprise import Enterprise


def public_token() -> str:
    return secrets.token_urlsafe(12)


class Rating(models.TextChoices):
    A = "A", _("A trustworthy (守信)")
    B = "B", _("B basically trustworthy (基本守信)")
    C = "C", _("C untrustworthy (失信)")
    D = "D", _("D seriously untrustworthy (严重失信)")


class CreditRating(models.Model):
    enterprise = models.OneToOneField(
        Enterprise, on_delete=models.CASCADE, primary_key=True, related_name="credit"
    )
    region_path = models.CharField(max_length=12, db_index=True)
    score = models.FloatField(_("score"))
    rating = models.CharField(_("rating"), max_length=1, choices=Rating.choices)
    items = models.JSONField(_("deductions and bonuses"), default=list)
    repair_eligible_on = models.DateField(_("credit repair possible from"), null=True, blank=True)
    computed_at = models.DateTimeField(_("computed"))

    scope_path_field = "region_path"

    class Meta:
        verbose_name = _("credit rating")
        indexes = [models.Index(fields=["region_path", "rating"], name="credit_scope")]

    def __str__(self) -> str:
        return f"{self.enterprise_id}: {self.rating}"


class RepairState(models.TextChoices):
    APPLIED = "applied", _("applied")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")


class CreditRepair(models.Model):
    """信用修复: an enterprise asks for past items to stop counting, with evidence."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="+")
    region_path = models.CharField(max_length=12, db_index=True)
    reason = models.TextField(_("reason"))
    evidence = models.TextField(_("evidence of correction"))
    state = models.CharField(
        _("state"), max_length=8, choices=RepairState.choices, default=RepairState.APPLIED
    )
    applied_at = models.DateTimeField(_("applied"), auto_now_add=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_note = models.CharField(_("decision note"), max_length=500, blank=True)

    scope_path_field = "region_path"

    class Meta:
        verbose_name = _("credit repair")

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.state}"


class CodeColour(models.TextChoices):
    GREEN = "green", _("green")
    YELLOW = "yellow", _("yellow")
    RED = "red", _("red")


class SafetyCode(models.Model):
    """The current 安全码 of an enterprise; ``token`` is the unguessable public URL part."""

    enterprise = models.OneToOneField(
        Enterprise, on_delete=models.CASCADE, primary_key=True, related_name="safety_code"
    )
    region_path = models.CharField(max_length=12, db_index=True)
    colour = models.CharField(_("colour"), max_length=6, choices=CodeColour.choices)
    reasons = models.JSONField(_("reasons"), default=list)  # [{"rule", "colour", "text"}]
    token = models.CharField(max_length=32, unique=True, default=public_token)
    computed_at = models.DateTimeField(_("computed"))
    since = models.DateTimeField(_("this colour since"))

    scope_path_field = "region_path"

    class Meta:
        verbose_name = _("safety code")
        indexes = [models.Index(fields=["region_path", "colour"], name="safety_code_scope")]

    def __str__(self) -> str:
        return f"{self.enterprise_id}: {self.colour}"


class SafetyCodeChange(models.Model):
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="+")
    from_colour = models.CharField(_("from"), max_length=6, blank=True)
    to_colour = models.CharField(_("to"), max_length=6)
    reasons = models.JSONField(_("reasons"), default=list)
    cause = models.CharField(_("cause"), max_length=100, blank=True)
    at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["enterprise", "at"], name="safety_code_history")]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.from_colour}→{self.to_colour}"
