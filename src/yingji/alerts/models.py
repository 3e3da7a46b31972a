"""Warnings (预警) modelled on CAP 1.2, their areas, their history and the 防御指南 templates.

A warning is authored by a drafter, reviewed (审核) by a second person and issued (签发) by a
third (``settings.WARNING_SEPARATION``). An update or a cancellation is a new warning that
references the one it replaces (CAP ``msgType`` Update/Cancel and ``references``) and goes
through the same review and sign-off; when it is issued, the replaced warning becomes
``updated`` or ``cancelled``. An issued warning expires at its ``expires`` time.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from yingji.alerts import catalogue


class State(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "待审核"
    REVIEWED = "reviewed", "已审核"
    ISSUED = "issued", "已签发"
    UPDATED = "updated", "已更新"
    CANCELLED = "cancelled", "已解除"
    EXPIRED = "expired", "已过期"
    WITHDRAWN = "withdrawn", "已撤回"


class MsgType(models.TextChoices):
    ALERT = "Alert", "发布"
    UPDATE = "Update", "更新"
    CANCEL = "Cancel", "解除"


class Urgency(models.TextChoices):
    IMMEDIATE = "Immediate", "立即"
    EXPECTED = "Expected", "预期"
    FUTURE = "Future", "将来"
    PAST = "Past", "已过去"
    UNKNOWN = "Unknown", "未知"


class Certainty(models.TextChoices):
    OBSERVED = "Observed", "已发生"
    LIKELY = "Likely", "很可能"
    POSSIBLE = "Possible", "可能"
    UNLIKELY = "Unlikely", "不太可能"
    UNKNOWN = "Unknown", "未知"


class Source(models.TextChoices):
    MANUAL = "manual", "人工"
    ALARM = "alarm", "监测告警"
    CAP = "cap", "上级/外部 CAP"


class Warning(models.Model):
    """One CAP message: an alert, or an update or cancellation of an earlier one."""

    identifier = models.CharField(
        _("identifier"), max_length=64, blank=True, db_index=True,
        help_text=_("GB/T 35965.1 identifier, given when issued"),
    )  # fmt: skip
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    msg_type = models.CharField(
        _("message type"), max_length=6, choices=MsgType.choices, default=MsgType.ALERT
    )
    references = models.ForeignKey(
        "self", verbose_name=_("replaces"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="replaced_by",
    )  # fmt: skip
    event_type = models.CharField(_("warning type"), max_length=16, choices=catalogue.CHOICES)
    level = models.SmallIntegerField(_("level"), help_text=_("0 蓝 … 3 红"))
    urgency = models.CharField(
        _("urgency"), max_length=9, choices=Urgency.choices, default=Urgency.EXPECTED
    )
    certainty = models.CharField(
        _("certainty"), max_length=9, choices=Certainty.choices, default=Certainty.LIKELY
    )
    headline = models.CharField(_("headline"), max_length=200)
    description = models.TextField(_("description"), max_length=4000)
    instruction = models.TextField(_("instruction (防御指南)"), max_length=4000, blank=True)
    headline_en = models.CharField(_("headline (English)"), max_length=200, blank=True)
    description_en = models.TextField(_("description (English)"), max_length=4000, blank=True)
    instruction_en = models.TextField(_("instruction (English)"), max_length=4000, blank=True)
    onset = models.DateTimeField(_("onset"), null=True, blank=True)
    expires = models.DateTimeField(_("expires"))
    sender = models.ForeignKey(
        "regions.Region", verbose_name=_("issuing office"), on_delete=models.PROTECT,
        related_name="+", help_text=_("The office in whose name the warning is issued"),
    )  # fmt: skip
    region_path = models.CharField(_("region path"), max_length=12, db_index=True)
    source = models.CharField(
        _("source"), max_length=8, choices=Source.choices, default=Source.MANUAL
    )
    source_alarm = models.ForeignKey(
        "monitoring.Alarm", verbose_name=_("from alarm"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="warnings",
    )  # fmt: skip
    source_cap = models.TextField(_("upstream CAP"), blank=True)
    drafted_by = models.ForeignKey(
        "core.User", verbose_name=_("drafted by"), on_delete=models.PROTECT, related_name="+"
    )
    reviewed_by = models.ForeignKey(
        "core.User", verbose_name=_("reviewed by"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="+",
    )  # fmt: skip
    issued_by = models.ForeignKey(
        "core.User", verbose_name=_("issued by"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="+",
    )  # fmt: skip
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    issued_at = models.DateTimeField(_("issued at (CAP sent)"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    scope_path_field = "region_path"

    class Meta:
        verbose_name = _("warning")
        verbose_name_plural = _("warnings")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["state", "expires"], name="warning_state"),
            models.Index(fields=["region_path", "state"], name="warning_scope"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level__gte=0) & models.Q(level__lte=3), name="warning_level"
            ),
        ]

    def __str__(self) -> str:
        return f"{catalogue.title(self.event_type, self.level)} #{self.pk}"

    @property
    def title(self) -> str:
        return catalogue.title(self.event_type, self.level)


class Area(models.Model):
    """Where a warning applies: a region (with its whole subtree), a polygon or a circle."""

    warning = models.ForeignKey(
        Warning, verbose_name=_("warning"), on_delete=models.CASCADE, related_name="areas"
    )
    description = models.CharField(_("area description"), max_length=200)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("region"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="+",
    )  # fmt: skip
    polygon = models.JSONField(
        _("polygon"), null=True, blank=True, help_text=_("[[lat, lon], …], closed (CAP order)")
    )
    circle = models.JSONField(
        _("circle"), null=True, blank=True, help_text=_("[lat, lon, radius km] (CAP order)")
    )

    class Meta:
        verbose_name = _("warning area")
        verbose_name_plural = _("warning areas")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(region__isnull=False)
                | models.Q(polygon__isnull=False)
                | models.Q(circle__isnull=False),
                name="area_has_shape",
            ),
        ]

    def __str__(self) -> str:
        return self.description


class Event(models.Model):
    """The warning's history: every transition with who, when and the note."""

    warning = models.ForeignKey(
        Warning, verbose_name=_("warning"), on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField(_("action"), max_length=16)
    from_state = models.CharField(_("from"), max_length=10)
    to_state = models.CharField(_("to"), max_length=10)
    actor = models.ForeignKey(
        "core.User", verbose_name=_("by"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    note = models.TextField(_("note"), blank=True, max_length=2000)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("warning event")
        verbose_name_plural = _("warning events")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.warning_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


class Guidance(models.Model):
    """防御指南: the instruction text offered for a type and level, editable by staff."""

    event_type = models.CharField(_("warning type"), max_length=16, choices=catalogue.CHOICES)
    level = models.SmallIntegerField(_("level"))
    instruction = models.TextField(_("instruction (防御指南)"), max_length=4000)
    source = models.CharField(
        _("source"), max_length=300, blank=True,
        help_text=_("Where the text comes from: a decree, or who in the bureau wrote it"),
    )  # fmt: skip
    updated_by = models.ForeignKey(
        "core.User", verbose_name=_("updated by"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="+",
    )  # fmt: skip
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("defence guide")
        verbose_name_plural = _("defence guides")
        constraints = [
            models.UniqueConstraint(fields=["event_type", "level"], name="guidance_one"),
        ]

    def __str__(self) -> str:
        return catalogue.title(self.event_type, self.level)


class DeliveryState(models.TextChoices):
    QUEUED = "queued", "待发送"
    SENDING = "sending", "发送中"
    SENT = "sent", "已发送"
    DELIVERED = "delivered", "已送达"
    FAILED = "failed", "发送失败（将重试）"
    DEAD = "dead", "发送失败（已放弃）"


class Delivery(models.Model):
    """The outbox: one message to one address on one channel, written in the same transaction
    as the 签发 (so an issued warning always has its messages, and a rolled-back issue none).

    Workers claim rows with a lease, send, and record the receipt; a worker killed mid-batch
    leaves its rows to be claimed again when the lease runs out, and they are sent again with
    the same id, which the provider uses to deliver each once (see
    :mod:`yingji.alerts.channels.base`).
    """

    # Indexes are few on purpose: a province-wide warning writes a million rows at once, and
    # each index costs as much as the row. The unique constraint leads with the warning, so
    # it serves "the rows of a warning"; contacts and regions are read through the warning.
    warning = models.ForeignKey(
        Warning, verbose_name=_("warning"), on_delete=models.CASCADE, related_name="deliveries",
        db_index=False,
    )  # fmt: skip
    contact = models.ForeignKey(
        "registry.Contact", verbose_name=_("contact"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="+", db_index=False, db_constraint=False,
    )  # fmt: skip
    region_path = models.CharField(_("region path"), max_length=12)
    channel = models.CharField(_("channel"), max_length=16)
    address = models.CharField(_("address"), max_length=200)
    purpose = models.CharField(
        _("purpose"), max_length=40, default="warning",
        help_text=_("'warning', or 'escalation:<ack>:<step>' for a 叫应 reminder"),
    )  # fmt: skip
    text = models.TextField(_("text"))
    state = models.CharField(
        _("state"), max_length=10, choices=DeliveryState.choices, default=DeliveryState.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_at = models.DateTimeField(_("next attempt at"))
    lease_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    worker = models.CharField(_("worker"), max_length=64, blank=True)
    provider_id = models.CharField(_("provider message id"), max_length=100, blank=True)
    error = models.CharField(_("last error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(fields=["warning", "channel", "address"], name="delivery_once"),
        ]
        indexes = [
            models.Index(fields=["channel", "state", "next_at"], name="delivery_due"),
            models.Index(
                fields=["channel", "provider_id"],
                name="delivery_provider",
                condition=~models.Q(provider_id=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.address} {self.state}"


class Ack(models.Model):
    """叫应: a responsible person's answer to a warning, due within the level's time limit.

    Narrow, with one index (warning, contact), because a province-wide warning writes one per
    person at 签发: the reply link's token is a MAC of (warning, contact) rather than a stored
    random value (:func:`yingji.alerts.outbox.reply_token`), and an SMS reply finds its row
    through the contact's phone and the few active warnings.
    """

    warning = models.ForeignKey(
        Warning, verbose_name=_("warning"), on_delete=models.CASCADE, related_name="acks",
        db_index=False,  # the unique (warning, contact) serves it
    )  # fmt: skip
    contact = models.ForeignKey(
        "registry.Contact", verbose_name=_("contact"), on_delete=models.CASCADE, related_name="+",
        db_index=False, db_constraint=False,
    )  # fmt: skip
    region_path = models.CharField(_("region path"), max_length=12)
    due_at = models.DateTimeField(_("due at"))
    acked_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    via = models.CharField(_("answered through"), max_length=10, blank=True)
    escalations = models.PositiveSmallIntegerField(_("times escalated"), default=0)
    escalated_at = models.DateTimeField(_("last escalated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("acknowledgement (叫应)")
        verbose_name_plural = _("acknowledgements (叫应)")
        constraints = [
            models.UniqueConstraint(fields=["warning", "contact"], name="ack_once"),
        ]

    def __str__(self) -> str:
        return f"{self.warning_id}/{self.contact_id} {'✓' if self.acked_at else '…'}"


from yingji.alerts.audience import BroadcastTerminal, Subscriber  # noqa: E402,F401
