"""/healthz reports the database and the worker."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from yingji.core.worker import beat


def test_healthz_ok_with_a_live_worker(client, db):
    beat("w1", timezone.now())
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["status"] == "ok"
    assert body["worker"]["status"] == "ok"
    assert body["worker"]["alive"] == 1
    assert body["queue"]["status"] == "ok"
    assert body["queue"]["depth"] == 0


def test_healthz_degraded_but_up_when_the_queue_is_unreachable(client, db, monkeypatch):
    beat("w1", timezone.now())
    monkeypatch.setattr("yingji.core.health.queue_depth", lambda: None)
    response = client.get("/healthz")
    assert response.status_code == 200  # the site serves; only background work waits
    body = response.json()
    assert body["status"] == "degraded"
    assert body["queue"]["status"] == "error"


def test_healthz_degraded_without_worker(client, db):
    body = client.get("/healthz").json()
    assert body["status"] == "degraded"
    assert body["worker"]["status"] == "absent"


def test_healthz_stale_worker(client, db):
    from yingji.core.models import WorkerHeartbeat

    beat("w2", timezone.now())
    WorkerHeartbeat.objects.update(last_seen=timezone.now() - timedelta(minutes=5))
    assert client.get("/healthz").json()["worker"]["status"] == "stale"
