from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    """Digital emergency plans (电子预案): versions, activation into incident tasks, drills."""

    name = "yingji.plans"
    verbose_name = _("Emergency plans")

    def ready(self) -> None:
        from yingji.incidents import panels
        from yingji.plans import export_specs  # noqa: F401 - registers the library's export
        from yingji.plans.panel import activation_panel

        # The "预案启动" card of the incident page (also the body of /plans/incidents/<pk>/).
        panels.register(activation_panel)
