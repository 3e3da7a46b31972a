from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HazardsConfig(AppConfig):
    name = "yingji.hazards"
    verbose_name = _("Hidden hazards")

    def ready(self) -> None:
        # Job kinds, the daily deadline sweep, and the link to the enterprise risk engine.
        from yingji.core import schedule
        from yingji.hazards import exports, links, services  # noqa: F401

        schedule.every(services.deadlines.SWEEP_KIND, schedule.DAY)
        links.connect()
