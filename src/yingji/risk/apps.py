from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RiskConfig(AppConfig):
    name = "yingji.risk"
    verbose_name = _("Risk")

    def ready(self) -> None:
        # The facts registry and its Excel export, the risk exports, the job kinds, and
        # re-scoring whenever a registry row that feeds the model is written.
        from yingji.core.registry import excel, spec
        from yingji.risk import exports, services, specs  # noqa: F401

        excel.register_export(specs.RISK_FACTS)
        spec.on_write(services.enterprises.INPUT_REGISTRIES, services.enterprises.rescore_written)
