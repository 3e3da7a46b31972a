from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    """Incidents (突发事件): 信息报送 with legal time limits, the command room, tasks, dispatch."""

    name = "yingji.incidents"
    verbose_name = _("Incidents")

    def ready(self) -> None:
        from yingji.core import schedule
        from yingji.incidents import dispatch_views, panels
        from yingji.incidents.services import deadlines

        schedule.every(deadlines.SWEEP_KIND, 60)
        panels.register(dispatch_views.dispatch_panel)  # 力量调度 (dispatch), before 转移安置
        self._relief()

    @staticmethod
    def _relief() -> None:
        """Shelters and relief: the 10-hour sweep and the 转移安置 panel of the incident page."""
        from yingji.core import schedule
        from yingji.incidents import panels
        from yingji.incidents.relief_views import relief_panel
        from yingji.incidents.services import relief

        schedule.every(relief.SWEEP_KIND, 60)
        panels.register(relief_panel)
