from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegionsConfig(AppConfig):
    name = "yingji.regions"
    verbose_name = _("Regions")

    def ready(self) -> None:
        # Register this app's job kinds and exports.
        from yingji.regions import exports, tasks  # noqa: F401
