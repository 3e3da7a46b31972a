"""Hidden hazards (隐患): the 排查 → 登记 → 整改 → 验收 → 销号 closed loop, and 挂牌督办.

A hazard's state changes only through :mod:`yingji.hazards.services`, which holds the one
transition table; every change is a :class:`HazardEvent` (the workflow history shown on the
page) and an audit entry.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yingji.core.base import Located
from yingji.core.models import Photo
from yingji.registry.models.enterprise import Enterprise


class Standard(models.TextChoices):
    GONGMAO = "gongmao", "工贸企业重大事故隐患判定标准"
    CHEMICAL = "chemical", "化工和危险化学品重大生产安全事故隐患判定标准"


class Criterion(models.Model):
    """One item of a 重大事故隐患判定标准: ticking it makes a hazard major. Reference data."""

    standard = models.CharField(_("standard"), max_length=10, choices=Standard.choices)
    group = models.CharField(_("group"), max_length=20, blank=True)  # 管理类/行业类/专项类
    sector = models.CharField(_("sector"), max_length=20, blank=True)  # 冶金, 有色 … 粉尘涉爆
    number = models.CharField(_("item"), max_length=20)
    text = models.CharField(_("criterion"), max_length=300)
    basis = models.CharField(_("legal basis"), max_length=200, blank=True)
    active = models.BooleanField(_("in force"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("major hazard criterion")
        verbose_name_plural = _("major hazard criteria")
        ordering = ["standard", "id"]
        constraints = [
            models.UniqueConstraint(fields=["standard", "number"], name="criterion_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_standard_display()} {self.number}: {self.text}"


class Source(models.TextChoices):
    SELF = "self", "企业自查"
    INSPECTION = "inspection", "执法检查"
    PATROL = "patrol", "网格员巡查"
    PUBLIC = "public", "群众举报"


class Category(models.TextChoices):
    EQUIPMENT = "equipment", "设备设施"
    ENVIRONMENT = "environment", "作业环境"
    MANAGEMENT = "management", "安全管理"
    FIRE = "fire", "消防安全"
    ELECTRICAL = "electrical", "电气安全"
    HAZCHEM = "hazchem", "危险化学品"
    SPECIAL = "special", "特种设备"
    GEOLOGICAL = "geological", "地质灾害"
    OTHER = "other", "其他"


class Grade(models.TextChoices):
    GENERAL = "general", "一般隐患"
    MAJOR = "major", "重大隐患"


class State(models.TextChoices):
    REPORTED = "reported", "已上报"
    REGISTERED = "registered", "已登记"
    RECTIFYING = "rectifying", "整改中"
    SUBMITTED = "submitted", "待验收"
    ACCEPTED = "accepted", "已验收"
    CLOSED = "closed", "已销号"
    VOIDED = "voided", "已作废"


OPEN_STATES = (State.REPORTED, State.REGISTERED, State.RECTIFYING, State.SUBMITTED)


class HiddenHazard(Located):
    """One hidden hazard, from the report to 销号."""

    code = models.CharField(_("hazard number"), max_length=32, unique=True)
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("enterprise"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hidden_hazards",
    )
    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    grade = models.CharField(_("grade"), max_length=8, choices=Grade.choices)
    criterion = models.ForeignKey(
        Criterion,
        verbose_name=_("major hazard criterion"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), max_length=2000)
    responsible_unit = models.CharField(_("responsible unit"), max_length=100, blank=True)
    responsible_person = models.CharField(_("responsible person"), max_length=50, blank=True)
    responsible_phone = models.CharField(_("responsible phone"), max_length=11, blank=True)
    deadline = models.DateField(_("rectification deadline"), null=True, blank=True)
    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.REPORTED
    )
    # 治理方案 (majors): what 16号令 and the 挂牌督办 rules ask a plan to state.
    plan_goal = models.TextField(_("targets and tasks"), blank=True)
    plan_measures = models.TextField(_("methods and measures"), blank=True)
    plan_funding = models.TextField(_("funding and materials"), blank=True)
    plan_organisation = models.TextField(_("organisation and people"), blank=True)
    plan_deadline = models.DateField(_("plan deadline"), null=True, blank=True)
    plan_safety = models.TextField(_("safety measures and emergency plan"), blank=True)
    rectification_note = models.TextField(_("rectification done"), blank=True)
    acceptance_note = models.TextField(_("acceptance opinion"), blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reported_at = models.DateTimeField(_("reported"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    void_reason = models.CharField(_("void reason"), max_length=200, blank=True)
    # Overdue escalation: the office now responsible for chasing it (a region path), and when.
    escalated_to = models.CharField(_("escalated to"), max_length=12, blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    reminded_on = models.DateField(_("last reminder"), null=True, blank=True)
    synthetic = models.BooleanField(_("synthetic"), default=False)

    class Meta:
        verbose_name = _("hidden hazard")
        verbose_name_plural = _("hidden hazards")
        indexes = [
            models.Index(fields=["region_path", "lon", "lat"], name="hazard_scope"),
            models.Index(fields=["state", "deadline"], name="hazard_state_deadline"),
            models.Index(fields=["region_path", "state", "grade"], name="hazard_queue"),
            models.Index(fields=["enterprise", "state"], name="hazard_enterprise"),
            models.Index(fields=["reported_at"], name="hazard_reported"),
            # A tab's count (state = x within the jurisdiction) reads only its own entries.
            models.Index(fields=["state", "region_path"], name="hazard_state_scope"),
            # The table's version for the counts kept by core.tablecache (max(updated_at)).
            models.Index(fields=["updated_at"], name="hazard_updated"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class HazardEvent(models.Model):
    """One step of a hazard's workflow: who did what, from which state to which, and why."""

    hazard = models.ForeignKey(HiddenHazard, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=20)
    from_state = models.CharField(_("from"), max_length=12, blank=True)
    to_state = models.CharField(_("to"), max_length=12, blank=True)
    note = models.TextField(_("note"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=150, blank=True)
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("hazard event")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.hazard_id} {self.action} {self.from_state}→{self.to_state}"


class EvidenceKind(models.TextChoices):
    REPORT = "report", "发现照片"
    RECTIFICATION = "rectification", "整改照片"
    ACCEPTANCE = "acceptance", "验收照片"


class Evidence(models.Model):
    hazard = models.ForeignKey(HiddenHazard, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(_("kind"), max_length=16, choices=EvidenceKind.choices)
    photo = models.ForeignKey(Photo, on_delete=models.PROTECT, related_name="+")
    caption = models.CharField(_("caption"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("evidence photo")

    def __str__(self) -> str:
        return f"{self.hazard_id} {self.kind} {self.photo_id}"


class SupervisionLevel(models.TextChoices):
    PROVINCE = "province", "省级"
    CITY = "city", "市级"
    COUNTY = "county", "县级"


class Supervision(models.Model):
    """挂牌督办 of a major hazard by a level of government, until lifted on acceptance."""

    hazard = models.OneToOneField(
        HiddenHazard, on_delete=models.CASCADE, related_name="supervision"
    )
    level = models.CharField(_("level"), max_length=10, choices=SupervisionLevel.choices)
    office = models.CharField(_("supervising office"), max_length=100)
    office_path = models.CharField(max_length=12)  # the supervising government's region
    deadline = models.DateField(_("supervision deadline"))
    published = models.BooleanField(_("published"), default=False)
    started_at = models.DateTimeField(_("listed"), auto_now_add=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lifted_at = models.DateTimeField(_("lifted"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lift_note = models.TextField(_("lifting opinion"), blank=True)

    class Meta:
        verbose_name = _("supervision (挂牌督办)")

    def __str__(self) -> str:
        return f"{self.get_level_display()}挂牌督办 {self.hazard_id}"
