from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "yingji.core"
    verbose_name = _("Core")

    def ready(self) -> None:
        # Audit receivers for authentication events (login, failure, lock-out), the job kinds
        # and exports this app registers, and the sweep of photo files without a row (its job
        # kind and period: orphans.register, run when photo_sweep is imported).
        from yingji.core import export_specs, exports, photo_sweep, receivers  # noqa: F401
        from yingji.core.registry import tasks  # noqa: F401
