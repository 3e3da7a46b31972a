"""Pages of the penalty part of enforcement: cases, the discretion table, 公开 (staff side),
the working-day calendar and an enterprise's enforcement record."""

from django.urls import path

from yingji.enforcement import penalty_views as cases
from yingji.enforcement import publication_views as pubs

urlpatterns = [
    path("cases/", cases.case_list, name="enforcement-cases"),
    path("cases/new/", cases.case_new, name="enforcement-case-new"),
    path("cases/<int:pk>/", cases.case_detail, name="enforcement-case"),
    path("cases/<int:pk>/<str:action>/", cases.case_action, name="enforcement-case-action"),
    path(
        "cases/<int:pk>/documents/<int:doc>.pdf",
        cases.case_document,
        name="enforcement-case-document",
    ),
    path("discretion/", cases.discretion_list, name="enforcement-discretion"),
    path("discretion/new/", cases.discretion_edit, name="enforcement-discretion-new"),
    path("discretion/<int:pk>/edit/", cases.discretion_edit, name="enforcement-discretion-edit"),
    path("discretion/<int:pk>/void/", cases.discretion_void, name="enforcement-discretion-void"),
    path("enterprises/<int:pk>/", cases.enterprise_record, name="enforcement-record"),
    path("publications/", pubs.publication_list, name="enforcement-publications"),
    path(
        "publications/<int:pk>/<str:action>/",
        pubs.publication_action,
        name="enforcement-publication-action",
    ),
    path("calendar/", pubs.calendar_page, name="enforcement-calendar"),
    path("calendar/add/", pubs.calendar_add, name="enforcement-calendar-add"),
    path("calendar/<int:pk>/remove/", pubs.calendar_remove, name="enforcement-calendar-remove"),
]
