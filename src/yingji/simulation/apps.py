from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SimulationConfig(AppConfig):
    """Scenario engine: a typhoon replay that drives monitoring, warnings, incidents and relief."""

    name = "yingji.simulation"
    verbose_name = _("Simulation")
