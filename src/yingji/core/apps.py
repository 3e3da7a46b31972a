from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "yingji.core"
    verbose_name = _("Core")

    def ready(self) -> None:
        # Audit receivers for authentication events (login, failure, lock-out), and the
        # job kinds and exports this app registers.
        from yingji.core import export_specs, exports, receivers  # noqa: F401
        from yingji.core.registry import tasks  # noqa: F401
