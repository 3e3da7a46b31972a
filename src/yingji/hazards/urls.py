"""Hidden-hazard pages, mounted at /hazards/ (statistics live at /hazards/stats/)."""

from django.urls import path

from yingji.hazards import views

urlpatterns = [
    path("", views.queue, name="hazards-queue"),
    path("report/", views.report_form, name="hazards-report"),
    path("report/enterprises/", views.enterprise_search, name="hazards-enterprise-search"),
    path("supervision/", views.supervision_board, name="hazards-supervision"),
    path("mine/", views.mine, name="hazards-mine"),
    path("inbox/", views.inbox, name="hazards-inbox"),
    path("inbox/count/", views.inbox_count, name="hazards-inbox-count"),
    path("inbox/read/", views.inbox_read, name="hazards-inbox-read"),
    path("inbox/<int:pk>/open/", views.inbox_open, name="hazards-inbox-open"),
    path("<int:pk>/", views.detail, name="hazards-detail"),
    path("<int:pk>/act/", views.act, name="hazards-act"),
    path("<int:pk>/photos/<uuid:photo_id>", views.photo, name="hazards-photo"),
]
