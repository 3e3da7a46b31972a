"""Pages of the inspection part of enforcement (掌上执法), under /enforcement/."""

from django.urls import path

from yingji.enforcement import inspection_views as views

urlpatterns = [
    path("tasks/", views.task_list, name="enforcement-tasks"),
    path("tasks/new/", views.task_new, name="enforcement-task-new"),
    path("tasks/<int:pk>/", views.task_detail, name="enforcement-task"),
    path("tasks/<int:pk>/act/", views.task_act, name="enforcement-task-act"),
    path("tasks/<int:pk>/findings/", views.finding_save, name="enforcement-finding"),
    path(
        "tasks/<int:pk>/findings/<int:finding_id>/hazard/",
        views.finding_hazard,
        name="enforcement-finding-hazard",
    ),
    path(
        "tasks/<int:pk>/photos/<uuid:photo_id>",
        views.finding_photo,
        name="enforcement-finding-photo",
    ),
    path(
        "tasks/<int:pk>/documents/<str:kind>/",
        views.document_new,
        name="enforcement-document-new",
    ),
    path("documents/<int:pk>/", views.document_detail, name="enforcement-document"),
    path("documents/<int:pk>.pdf", views.document_pdf, name="enforcement-document-pdf"),
    path("documents/<int:pk>.docx", views.document_docx, name="enforcement-document-docx"),
]
