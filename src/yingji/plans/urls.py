"""Plan pages (电子预案), mounted at /plans/."""

from django.urls import path

from yingji.plans import response_views, views

urlpatterns = [
    path("", views.plan_list, name="plans-list"),
    path("new/", views.plan_new, name="plans-new"),
    path("<int:pk>/", views.plan_detail, name="plans-detail"),
    path("<int:pk>/edit/", views.plan_edit, name="plans-edit"),
    path("<int:pk>/plan.docx", views.plan_docx, name="plans-docx"),
    path("<int:pk>/<slug:step>/", views.plan_step, name="plans-step"),
    path("incidents/<int:pk>/", response_views.incident_plans, name="plans-incident"),
    path("incidents/<int:pk>/panel/", response_views.panel, name="plans-panel"),
    path("incidents/<int:pk>/preview/", response_views.preview, name="plans-preview"),
    path("incidents/<int:pk>/activate/", response_views.activate, name="plans-activate"),
    path("activations/<int:pk>/end/", response_views.end, name="plans-end"),
    path("drills/", response_views.drills, name="plans-drills"),
    path("drills/<int:pk>/evaluate/", response_views.evaluate, name="plans-evaluate"),
]
