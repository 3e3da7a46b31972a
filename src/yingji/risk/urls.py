"""Risk pages, mounted at /risk/."""

from django.urls import path

from yingji.risk import views

urlpatterns = [
    path("", views.enterprise_map, name="risk-map"),
    path("assess/", views.run_assessment, name="risk-assess"),
    path("areas/", views.area_map, name="risk-areas"),
    path("enterprises/<int:pk>/", views.card, name="risk-card"),
    path("list/", views.risk_list, name="risk-list"),
    path("models/", views.model_list, name="risk-models"),
    path("models/new/", views.model_create, name="risk-model-create"),
    path("models/<int:pk>/", views.model_detail, name="risk-model"),
    path("models/<int:pk>/compare/", views.model_compare, name="risk-model-compare"),
    path("models/<int:pk>/activate/", views.model_activate, name="risk-model-activate"),
    path("control-index/", views.control_index, name="risk-control-index"),
]
