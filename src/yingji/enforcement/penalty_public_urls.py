"""Public pages of the penalty part of enforcement (no login): published results and decisions."""

from django.urls import path

from yingji.enforcement import public_views

urlpatterns = [
    path("enforcement/", public_views.public_list, name="public-enforcement"),
    path("enforcement/<int:pk>/", public_views.public_detail, name="public-enforcement-detail"),
]
