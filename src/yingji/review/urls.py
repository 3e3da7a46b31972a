"""Review pages, mounted at /review/: the plan-targets cockpit, one indicator's page, and the
复盘 reports of events."""

from django.urls import include, path

from yingji.review import views

urlpatterns = [
    path("cockpit/", views.cockpit, name="review-cockpit"),
    path("cockpit/<slug:indicator_id>/", views.indicator, name="review-indicator"),
    path("reports/", include("yingji.review.report_urls")),
]
