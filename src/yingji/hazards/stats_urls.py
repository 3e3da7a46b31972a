"""Hidden-hazard statistics pages, mounted at /hazards/stats/."""

from django.urls import path

from yingji.hazards import views_stats

urlpatterns = [
    path("", views_stats.stats_page, name="hazards-stats"),
]
