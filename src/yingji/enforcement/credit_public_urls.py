"""Public pages of the credit part of enforcement (no login): the 安全码 a QR code opens."""

from django.urls import path

from yingji.enforcement import code_public_views as views

urlpatterns = [
    path("code/", views.lookup, name="public-code-lookup"),
    path("code/<str:token>/", views.code_page, name="public-code"),
    path("code/<str:token>/qr.svg", views.code_qr, name="public-code-qr"),
]
