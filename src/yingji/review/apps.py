from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewConfig(AppConfig):
    """Review (复盘): the plan-targets cockpit and post-event review reports."""

    name = "yingji.review"
    verbose_name = _("Review")

    def ready(self) -> None:
        # The snapshot job kind, run daily so the cockpit's trend lines grow by a point a day.
        from yingji.core import schedule
        from yingji.review import services

        schedule.every(services.SNAPSHOT_KIND, schedule.DAY)
