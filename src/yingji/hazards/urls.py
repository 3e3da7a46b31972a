"""Hidden-hazard pages (filled in by the pages work)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
