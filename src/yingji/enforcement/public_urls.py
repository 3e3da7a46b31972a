"""The public site (no login), mounted at /public/: published results and the safety code."""

from django.urls import include, path

urlpatterns = [
    path("", include("yingji.enforcement.penalty_public_urls")),  # 公开: results and decisions
    path("", include("yingji.enforcement.credit_public_urls")),  # 安全码 lookup and QR page
]
