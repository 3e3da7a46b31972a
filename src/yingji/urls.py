"""URL configuration."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from yingji.api import api
from yingji.core import metrics
from yingji.core import views as core
from yingji.core.registry import views as registry
from yingji.regions import views as regions
from yingji.registry import views as registry_ops
from yingji.web import views as web

urlpatterns = [
    path("", web.home, name="home"),
    path("healthz", web.healthz, name="healthz"),
    path("livez", web.livez, name="livez"),
    path("metrics", metrics.metrics_view, name="metrics"),
    path("accounts/login/", web.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("users/", core.user_list, name="users"),
    path("users/new/", core.user_create, name="user-create"),
    path("users/<int:user_id>/", core.user_detail, name="user-detail"),
    path("audit/", core.audit_log, name="audit"),
    path("jobs/", core.job_list, name="jobs"),
    path("jobs/<uuid:job_id>/", core.job_detail, name="job-detail"),
    path("jobs/<uuid:job_id>/download", core.job_download, name="job-download"),
    path("exports/", core.start_export, name="export"),
    path("regions/<str:code>/", regions.region_detail, name="region-detail"),
    path("registry/stock_items/<int:pk>/movements/", registry_ops.movement, name="stock-movement"),
    path("registry/", registry.index, name="registry-index"),
    path("registry/<slug:name>/", registry.list_view, name="registry-list"),
    path("registry/<slug:name>/new/", registry.edit, name="registry-create"),
    path("registry/<slug:name>/import/", registry.import_view, name="registry-import"),
    path("registry/<slug:name>/template.xlsx", registry.template, name="registry-template"),
    path("registry/<slug:name>/errors/<str:file>", registry.annotated, name="registry-annotated"),
    path("registry/<slug:name>/<int:pk>/", registry.detail, name="registry-detail"),
    path("registry/<slug:name>/<int:pk>/edit/", registry.edit, name="registry-edit"),
    path("registry/<slug:name>/<int:pk>/void/", registry.void, name="registry-void"),
    path("risk/", include("yingji.risk.urls")),
    path("hazards/stats/", include("yingji.hazards.stats_urls")),
    path("hazards/", include("yingji.hazards.urls")),
    path("monitoring/", include("yingji.monitoring.urls")),
    path("alerts/", include("yingji.alerts.urls")),
    path("plans/", include("yingji.plans.urls")),
    path("incidents/", include("yingji.incidents.urls")),
    path("enforcement/", include("yingji.enforcement.urls")),
    path("accidents/", include("yingji.accidents.urls")),
    path("review/", include("yingji.review.urls")),
    path("public/", include("yingji.enforcement.public_urls")),  # no login: 公开, 安全码
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
]

handler404 = "yingji.web.views.not_found"
handler500 = "yingji.web.views.server_error"
