from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    """Warnings (预警): CAP 1.2 lifecycle with review and sign-off. Named ``alerts`` because a
    ``warnings`` package would shadow Python's standard module."""

    name = "yingji.alerts"
    verbose_name = _("Warnings")

    def ready(self) -> None:
        from yingji.alerts import dispatch, services
        from yingji.alerts.services import acks
        from yingji.core import schedule

        schedule.every(services.EXPIRE_KIND, 60)
        schedule.every(acks.ESCALATE_KIND, 60)
        schedule.every(dispatch.DRAIN_KIND, 60)
