from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnforcementConfig(AppConfig):
    """Enforcement (执法): 双随机一公开 draws, inspections on a phone, penalties, publication,
    enterprise credit and the safety code (安全码)."""

    name = "yingji.enforcement"
    verbose_name = _("Enforcement")

    def ready(self) -> None:
        # The 安全码 sweep (time windows lapse without any event) and the Excel exports
        # register on import.
        from yingji.core import schedule
        from yingji.enforcement import (  # noqa: F401 - they register their Excel exports
            inspection_exports,
            penalty_forms,
        )
        from yingji.enforcement.services import publication, safety_code

        schedule.every(safety_code.SWEEP_KIND, schedule.DAY)
        schedule.every(publication.SWEEP_KIND, schedule.DAY)  # 公开 overdue flags
