"""Accounts, roles, API tokens, the audit trail, persisted jobs and worker heartbeats."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from yingji.regions.models import Region


class Role(models.TextChoices):
    PROVINCE_STAFF = "province_staff", _("Province staff")
    CITY_STAFF = "city_staff", _("City staff")
    COUNTY_STAFF = "county_staff", _("County staff")
    TOWNSHIP_STAFF = "township_staff", _("Township staff")
    DUTY_OFFICER = "duty_officer", _("Duty officer (值班员)")
    WARNING_REVIEWER = "warning_reviewer", _("Warning reviewer (审核)")
    WARNING_ISSUER = "warning_issuer", _("Warning issuer (签发)")
    INSPECTOR = "inspector", _("Inspector (执法)")
    ENTERPRISE_USER = "enterprise_user", _("Enterprise user")
    GRID_WORKER = "grid_worker", _("Grid worker (网格员)")
    VIEWER = "viewer", _("Viewer")


class User(AbstractUser):
    """A person or machine account with a home region: its jurisdiction."""

    region = models.ForeignKey(
        Region,
        verbose_name=_("home region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    display_name = models.CharField(_("display name"), max_length=64, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=11, blank=True)
    is_machine = models.BooleanField(
        _("machine account"), default=False, help_text=_("Sensor gateways and other API clients")
    )

    scope_path_field = "region__path"

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.display_name or self.username


class UserRole(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_rows")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="user_role_unique")]
        verbose_name = _("user role")

    def __str__(self) -> str:
        return f"{self.user_id}:{self.role}"


class ApiToken(models.Model):
    """A bearer token for a machine client. Only a SHA-256 hash is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=64)
    prefix = models.CharField(max_length=12, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class AuditEntry(models.Model):
    """Who did what to which object, when, from where, with before/after values."""

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(_("actor"), max_length=150, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(max_length=256, blank=True)
    action = models.CharField(_("action"), max_length=32, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64, db_index=True)
    object_id = models.CharField(_("object ID"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    # Short code of the region the object belongs to, so the log is jurisdiction-scoped too.
    region_path = models.CharField(max_length=12, blank=True, db_index=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    message = models.CharField(_("message"), max_length=500, blank=True)

    scope_path_field = "region_path"

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id", "at"], name="audit_object")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_repr}"


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class Job(models.Model):
    """A long-running job (import, export, re-scoring…) with progress and a log."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=64, db_index=True)
    title = models.CharField(_("title"), max_length=200)
    params = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    log = models.JSONField(default=list, blank=True)
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    task_id = models.CharField(max_length=64, blank=True)
    worker = models.CharField(_("worker"), max_length=64, blank=True)  # who runs or ran it
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    scope_path_field = "region__path"

    class Meta:
        verbose_name = _("job")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.title} [{self.status} {self.progress}%]"


class WorkerHeartbeat(models.Model):
    """Written every few seconds by each running `yingji worker`; read by /healthz."""

    worker_id = models.CharField(max_length=64, unique=True)
    hostname = models.CharField(max_length=128)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    last_seen = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.worker_id}@{self.hostname}"


class Photo(models.Model):
    """An evidence photo as stored: re-encoded, metadata stripped, checked to be an image.

    Owned by a record of some app (a hidden hazard, an incident report, an inspection), which
    links to it and decides who may see it; the file lives under the data directory.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    purpose = models.CharField(_("purpose"), max_length=40)
    file = models.CharField(_("file"), max_length=200)  # relative to DATA_DIR/photos
    content_type = models.CharField(_("type"), max_length=20)
    size = models.PositiveIntegerField(_("bytes"))
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    sha256 = models.CharField(max_length=64, db_index=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    original_name = models.CharField(_("original name"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("photo")

    def __str__(self) -> str:
        return f"{self.purpose} photo {self.id}"


class Notification(models.Model):
    """An in-app message to one user (the first channel of the notifier interface)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["recipient", "read_at", "-created_at"], name="notify_inbox")
        ]

    def __str__(self) -> str:
        return f"→{self.recipient_id}: {self.title}"


class ScheduledRun(models.Model):
    """One firing of a periodic job: the unique slot makes sure only one worker starts it."""

    kind = models.CharField(max_length=60)
    slot = models.BigIntegerField()  # seconds since the epoch // period
    job = models.ForeignKey(Job, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "slot"], name="scheduled_run_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind}@{self.slot}"
