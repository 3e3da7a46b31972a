from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    """Incidents (突发事件): 信息报送 with legal time limits, the command room, tasks, dispatch."""

    name = "yingji.incidents"
    verbose_name = _("Incidents")

    def ready(self) -> None:
        from yingji.core import schedule
        from yingji.incidents.services import deadlines

        schedule.every(deadlines.SWEEP_KIND, 60)
