"""Warning pages (预警发布), mounted at /alerts/. ``public/``, ``feed.atom`` and the pages behind
the links in messages (``ack/``, ``unsubscribe/``) need no sign-in."""

from django.urls import path

from yingji.alerts import guide_views, reply_views, views

urlpatterns = [
    path("", views.warning_list, name="alerts-list"),
    path("new/", views.warning_new, name="alerts-new"),
    path("from-alarm/", views.from_alarm, name="alerts-from-alarm"),
    path("<int:pk>/", views.warning_detail, name="alerts-detail"),
    path("<int:pk>/edit/", views.warning_edit, name="alerts-edit"),
    path("<int:pk>/act/", views.warning_act, name="alerts-act"),
    path("<int:pk>/measures/", views.warning_measures_fragment, name="alerts-measures-fragment"),
    path("<int:pk>/measures.xlsx", views.warning_measures, name="alerts-measures"),
    path("guides/", guide_views.guide_list, name="alerts-guides"),
    path("guides/<str:event_type>/<int:level>/", guide_views.guide_edit, name="alerts-guide-edit"),
    path("public/", views.public_list, name="alerts-public"),
    path("public/<str:identifier>.xml", views.public_cap, name="alerts-public-cap"),
    path("feed.atom", views.public_feed, name="alerts-feed"),
    path("ack/<str:token>/", reply_views.ack_page, name="alerts-ack"),
    path("unsubscribe/<str:token>/", reply_views.unsubscribe_page, name="alerts-unsubscribe"),
]
