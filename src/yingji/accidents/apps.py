from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccidentsConfig(AppConfig):
    """Accidents (生产安全事故): records graded by Decree 493, investigations, statistics."""

    name = "yingji.accidents"
    verbose_name = _("Accidents")

    def ready(self) -> None:
        # The Excel export of the list, the audit labels of the services, and the card on a
        # work-safety incident's page (its accident record, or the way to make one).
        # documents registers the sweep of report files without a row.
        from yingji.accidents import documents, export_specs, services  # noqa: F401
        from yingji.accidents.panel import accident_panel
        from yingji.incidents import panels

        panels.register(accident_panel)
