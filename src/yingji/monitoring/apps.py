from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "yingji.monitoring"
    verbose_name = _("Monitoring")

    def ready(self) -> None:
        # The station and sensor registries and their Excel exports; the alarm sweep every
        # minute and the daily raw-reading retention.
        from yingji.core import schedule
        from yingji.core.registry import excel
        from yingji.monitoring import services, specs

        excel.register_export(specs.STATIONS)
        excel.register_export(specs.SENSORS)
        schedule.every(services.SWEEP_KIND, 60)
        schedule.every(services.PURGE_KIND, schedule.DAY)
