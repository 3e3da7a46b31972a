"""Incident pages (应急处置), mounted at /incidents/.

The room's steps are listed by name (not any word after the id), so other apps' pages under
``/incidents/<id>/…`` are never taken for one."""

from django.urls import path, re_path

from yingji.incidents import stream, views
from yingji.incidents.dispatch_views import dispatch_urlpatterns
from yingji.incidents.relief_views import relief_urlpatterns
from yingji.incidents.sitrep_views import sitrep_urlpatterns

urlpatterns = [
    path("", views.incident_list, name="incidents-list"),
    path("new/", views.incident_new, name="incidents-new"),
    path("<int:pk>/", views.incident_room, name="incidents-room"),
    path("<int:pk>/stream", stream.incident_stream, name="incidents-stream"),
    path("<int:pk>/part/<slug:name>/", views.incident_part, name="incidents-part"),
    path("<int:pk>/photos/<uuid:photo_id>", views.incident_photo, name="incidents-photo"),
    path("<int:pk>/tasks/<int:task>/finish/", views.task_finish, name="incidents-task-finish"),
    re_path(
        r"^(?P<pk>[0-9]{1,19})/(?P<action>report|forward|grade|role|task)/$",
        views.incident_act,
        name="incidents-act",
    ),
    *relief_urlpatterns,
    *sitrep_urlpatterns,
    *dispatch_urlpatterns,
]
