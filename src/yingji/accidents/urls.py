"""Accident pages, mounted at /accidents/ (the typical cases under cases/ need no login)."""

from django.urls import path, re_path

from yingji.accidents import views, views_public, views_stats

urlpatterns = [
    path("", views.accident_list, name="accidents-list"),
    path("new/", views.accident_new, name="accidents-new"),
    path("stats/", views_stats.stats_page, name="accidents-stats"),
    path("gdp/", views_stats.gdp_page, name="accidents-gdp"),
    path("gdp/template.csv", views_stats.gdp_template, name="accidents-gdp-template"),
    path("cases/", views_public.cases, name="accidents-cases"),
    path("cases/<int:pk>/", views_public.case_detail, name="accidents-case"),
    path("<int:pk>/", views.accident_detail, name="accidents-detail"),
    path("<int:pk>/report", views.report_file, name="accidents-report"),
    re_path(
        r"^(?P<pk>[0-9]{1,18})/(?P<action>[a-z-]{2,20})/$",
        views.accident_act,
        name="accidents-act",
    ),
]
