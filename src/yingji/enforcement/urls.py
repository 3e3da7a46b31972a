"""Enforcement pages, mounted at /enforcement/: each part brings its own URL module."""

from django.urls import include, path

urlpatterns = [
    path("", include("yingji.enforcement.draw_urls")),  # home, lists, pools, draws
    path("", include("yingji.enforcement.inspection_urls")),  # 掌上执法 tasks and documents
    path("", include("yingji.enforcement.penalty_urls")),  # cases, discretion, publication
    path("", include("yingji.enforcement.credit_urls")),  # credit and safety code (staff side)
]
