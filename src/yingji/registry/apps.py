from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "yingji.registry"
    verbose_name = _("Registries")

    def ready(self) -> None:
        # One declarative registration per entity; everything else is generic, including
        # each registry's Excel export.
        from yingji.core.registry import excel, spec
        from yingji.registry import specs  # noqa: F401

        for registry in spec.all_specs():
            excel.register_export(registry)
