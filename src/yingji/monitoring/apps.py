from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "yingji.monitoring"
    verbose_name = _("Monitoring")

    def ready(self) -> None:
        # The station and sensor registries, and their Excel exports.
        from yingji.core.registry import excel
        from yingji.monitoring import specs

        excel.register_export(specs.STATIONS)
        excel.register_export(specs.SENSORS)
