from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    """Warnings (预警): CAP 1.2 lifecycle with review and sign-off. Named ``alerts`` because a
    ``warnings`` package would shadow Python's standard module."""

    name = "yingji.alerts"
    verbose_name = _("Warnings")

    def ready(self) -> None:
        # The broadcast-terminal and subscriber registries and their Excel exports (the
        # registry app registers exports only for the specs it imports itself).
        from yingji.alerts import dispatch, services, specs
        from yingji.alerts.services import acks
        from yingji.core import schedule
        from yingji.core.registry import excel

        excel.register_export(specs.BROADCAST_TERMINALS)
        excel.register_export(specs.SUBSCRIBERS)

        schedule.every(services.EXPIRE_KIND, 60)
        schedule.every(acks.ESCALATE_KIND, 60)
        schedule.every(dispatch.DRAIN_KIND, 60)
        post_migrate.connect(_load_guides, sender=self)


def _load_guides(sender: AppConfig, **kwargs: Any) -> None:
    """The shipped 防御指南 after every migrate; the bureau's edits are kept."""
    from yingji.alerts.services import guides

    if guides.shipped_file().exists():
        guides.load()
