"""Monitoring pages (监测预警), mounted at /monitoring/."""

from django.urls import path

from yingji.monitoring import stream, views

urlpatterns = [
    path("", views.station_map, name="monitoring-map"),
    path("sensors/<int:pk>/", views.sensor_page, name="monitoring-sensor"),
    path("alarms/", views.alarm_queue, name="monitoring-alarms"),
    path("alarms/stream", stream.alarm_stream, name="monitoring-alarm-stream"),
    path("alarms/<int:pk>/", views.alarm_detail, name="monitoring-alarm"),
    path("alarms/<int:pk>/row/", views.alarm_row, name="monitoring-alarm-row"),
    path("noisy/", views.noisy, name="monitoring-noisy"),
]
