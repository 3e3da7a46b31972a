"""Prometheus metrics at /metrics (issue 11): request latency by URL pattern, the ingest rate,
gauges read from the database at scrape time, access for loopback or a token, and several
`yingji serve` worker processes adding up to one set of figures."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from tests.monitoring.conftest import XIHU_STATION, sensor_row, station_row
from tests.processes import TIMEOUT, free_port
from yingji import metrics_dir
from yingji.alerts.models import Delivery, Warning
from yingji.core import metrics
from yingji.core import services as core_services
from yingji.core.models import Job, WorkerHeartbeat
from yingji.core.registry import services as registry
from yingji.monitoring.ingest import ingest
from yingji.monitoring.models import Alarm, Sensor
from yingji.monitoring.specs import SENSORS, STATIONS
from yingji.regions.models import Region

TOKEN = "scrape-token-0123456789abcdef"
OUTSIDER = "203.0.113.7"


def scrape(client, **extra) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """/metrics as {(sample name, sorted labels): value}."""
    response = client.get("/metrics", **extra)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def routes(samples) -> set[str]:
    return {
        dict(labels)["route"]
        for name, labels in samples
        if name == "yingji_http_request_duration_seconds_count"
    }


@pytest.mark.django_db
def test_latency_is_labelled_by_url_pattern_not_path(client):
    before = scrape(client)
    for _ in range(3):
        assert client.get("/livez").status_code == 200
    # two detail ids (neither exists) are one route; a path no pattern matches is "unmatched"
    client.get("/hazards/987654/")
    client.get("/hazards/987655/")
    client.get("/no/such/page/123456")
    client.generic("BREW", "/livez")
    after = scrape(client)

    livez = {"method": "GET", "route": "/livez", "status": "2xx"}
    assert value(after, "yingji_http_request_duration_seconds_count", **livez) - value(
        before, "yingji_http_request_duration_seconds_count", **livez
    ) == pytest.approx(3)
    # latency buckets: cumulative, the last one (+Inf) holds every request
    inf = value(after, "yingji_http_request_duration_seconds_bucket", le="+Inf", **livez)
    assert inf == value(after, "yingji_http_request_duration_seconds_count", **livez)
    assert value(after, "yingji_http_responses_total", method="GET", route="/livez", code="200")

    seen = routes(after)
    # both ids counted in one series (signed out: a redirect to sign in, 3xx)
    detail = {"method": "GET", "route": "/hazards/<int:pk>/", "status": "3xx"}
    assert value(after, "yingji_http_request_duration_seconds_count", **detail) - value(
        before, "yingji_http_request_duration_seconds_count", **detail
    ) == pytest.approx(2)
    assert not [r for r in seen if re.search(r"\d{6}", r)]  # no raw path became a label
    assert "unmatched" in seen
    methods = {dict(labels)["method"] for name, labels in after if name.startswith("yingji_http")}
    assert "other" in methods and "BREW" not in methods  # unknown methods are one label


@pytest.mark.django_db
def test_each_response_has_a_request_id(client):
    given = client.get("/livez", HTTP_X_REQUEST_ID="lb-7f3a.42")
    assert given["X-Request-ID"] == "lb-7f3a.42"
    for bad in ("has spaces in it", "x" * 200, "<script>"):
        made = client.get("/livez", HTTP_X_REQUEST_ID=bad)["X-Request-ID"]
        assert re.fullmatch(r"[0-9a-f]{32}", made)
    assert client.get("/livez")["X-Request-ID"] != client.get("/livez")["X-Request-ID"]


@pytest.mark.django_db
def test_a_metric_that_cannot_be_written_fails_no_request(client, monkeypatch, caplog):
    """E.g. the multiprocess directory removed under a running server: requests and ingest
    carry on, and the problem is logged (once)."""

    def broken(*_args):
        raise FileNotFoundError("yingji-metrics-0-x/histogram_1.db")

    monkeypatch.setattr(metrics.MetricsMiddleware, "_series", broken)
    monkeypatch.setattr(metrics.READINGS, "labels", broken)
    monkeypatch.setattr(metrics, "_reported", set())
    for _ in range(2):
        response = client.get("/livez")
        assert response.status_code == 200 and response["X-Request-ID"]
        metrics.count_readings(accepted=3, duplicates=0, refused=1)
    logged = [r for r in caplog.records if r.name == "yingji.core.metrics"]
    assert len(logged) == 1 and "histogram_1.db" in logged[0].getMessage()


@pytest.fixture
def gateway(xihu_staff):
    registry.create(actor=xihu_staff, spec=STATIONS, data=station_row())
    registry.create(actor=xihu_staff, spec=SENSORS, data=sensor_row())
    return core_services.create_user(
        actor=None,
        username="gateway",
        password="correct-horse-battery-staple-9",
        region_code="330106",
        roles=["viewer"],
        is_machine=True,
    )


def test_ingest_counts_accepted_duplicate_and_refused_readings(client, gateway):
    issued = core_services.create_api_token(actor=None, username="gateway", name="metrics")
    ts = (timezone.now() - dt.timedelta(minutes=5)).isoformat()
    later = (timezone.now() - dt.timedelta(minutes=4)).isoformat()
    batch = [
        {"sensor": f"{XIHU_STATION}-R1", "ts": ts, "value": 1.5},
        {"sensor": f"{XIHU_STATION}-R1", "ts": later, "value": 2.0},
        {"sensor": f"{XIHU_STATION}-R1", "ts": ts, "value": -40},  # below the physical range
    ]
    before = scrape(client)
    response = client.post(
        "/api/ingest/readings",
        {"readings": batch},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {issued.secret}",
    )
    assert response.status_code == 200, response.content
    ingest(gateway, batch[:2])  # the same use case MQTT and replay call: both now duplicates
    after = scrape(client)

    def moved(outcome: str) -> float:
        return value(after, "yingji_readings_total", outcome=outcome) - value(
            before, "yingji_readings_total", outcome=outcome
        )

    assert (moved("accepted"), moved("duplicate"), moved("refused")) == (2, 2, 1)
    post = {"method": "POST", "route": "/api/ingest/readings", "status": "2xx"}
    assert value(after, "yingji_http_request_duration_seconds_count", **post) >= 1


def _warning(author) -> Warning:
    now = timezone.now()
    return Warning.objects.create(
        event_type="rainstorm",
        level=2,
        headline="暴雨预警",
        description="测试",
        expires=now + dt.timedelta(hours=6),
        sender=Region.objects.get(path="330106"),
        region_path="330106",
        drafted_by=author,
        state="issued",
        issued_at=now,
        identifier="33000041600000990001",
    )


@pytest.mark.usefixtures("gateway")  # its station and rain sensor carry the alarms
def test_gauges_read_the_database_at_scrape_time(client, xihu_staff):
    warning = _warning(xihu_staff)
    now = timezone.now()
    states = ["queued"] * 4 + ["failed"] * 2 + ["sending", "sent", "delivered", "dead"]
    Delivery.objects.bulk_create(
        Delivery(
            warning=warning,
            region_path="330106",
            channel="email" if state == "failed" else "sms",
            address=f"1390000{n:04d}",
            text="x",
            state=state,
            next_at=now,
            created_at=now,
        )
        for n, state in enumerate(states)
    )
    Job.objects.create(kind="export", title="a", status="running")
    Job.objects.create(kind="export", title="b", status="failed")
    WorkerHeartbeat.objects.create(
        worker_id="w-fresh", hostname="h", pid=1, started_at=now, last_seen=now
    )
    WorkerHeartbeat.objects.create(
        worker_id="w-stale",
        hostname="h",
        pid=2,
        started_at=now - dt.timedelta(hours=1),
        last_seen=now - dt.timedelta(hours=1),
    )
    rain = Sensor.objects.get(code=f"{XIHU_STATION}-R1")
    for level, closed in ((3, False), (1, False), (2, True)):
        Alarm.objects.create(
            sensor=rain,
            rule=f"r{level}",
            region_path=rain.station.region.path,
            level=level,
            peak=level,
            started_at=now,
            last_at=now,
            ended_at=now if closed else None,
        )

    samples = scrape(client)
    assert value(samples, "yingji_database_up") == 1
    assert value(samples, "yingji_outbox_backlog", channel="sms", state="queued") == 4
    assert value(samples, "yingji_outbox_backlog", channel="sms", state="sending") == 1
    assert value(samples, "yingji_outbox_backlog", channel="email", state="failed") == 2
    assert not [k for k in samples if k[0] == "yingji_outbox_backlog" and "sent" in str(k[1])]
    assert value(samples, "yingji_jobs", status="running") == 1
    assert value(samples, "yingji_jobs", status="failed") == 1
    assert ("yingji_jobs", (("status", "queued"),)) in samples  # zero, but present
    assert value(samples, "yingji_workers_alive") == 1
    assert value(samples, "yingji_alarms_open", level="red") == 1
    assert value(samples, "yingji_alarms_open", level="yellow") == 1
    assert value(samples, "yingji_alarms_open", level="orange") == 0  # that one is closed
    assert ("yingji_task_queue_depth", ()) in samples

    Delivery.objects.filter(state="queued").update(state="sent")  # the outbox drained
    assert value(scrape(client), "yingji_outbox_backlog", channel="sms", state="queued") == 0


@pytest.mark.django_db
def test_only_loopback_or_the_token_may_scrape(client, settings):
    refused = client.get("/metrics", REMOTE_ADDR=OUTSIDER)
    assert refused.status_code == 403
    assert "YINGJI_METRICS_TOKEN" in refused.content.decode()
    assert b"yingji_" not in refused.content
    assert client.get("/metrics", REMOTE_ADDR="::1").status_code == 200

    settings.CONFIG = dataclasses.replace(settings.CONFIG, metrics_token=TOKEN)
    ok = client.get("/metrics", REMOTE_ADDR=OUTSIDER, HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert ok.status_code == 200 and b"yingji_http_request_duration_seconds" in ok.content
    for wrong in (f"Bearer {TOKEN}x", f"Basic {TOKEN}", TOKEN, "Bearer "):
        answer = client.get("/metrics", REMOTE_ADDR=OUTSIDER, HTTP_AUTHORIZATION=wrong)
        assert answer.status_code == 403, wrong
    assert client.post("/metrics").status_code == 405


def test_a_short_metrics_token_is_a_configuration_error(tmp_path):
    from yingji import config

    base = {"YINGJI_DATA_DIR": str(tmp_path), "YINGJI_SECRET_KEY": "k" * 40}
    bad = config.load({**base, "YINGJI_METRICS_TOKEN": "short"})
    assert any("YINGJI_METRICS_TOKEN" in e for e in bad.errors)
    good = config.load({**base, "YINGJI_METRICS_TOKEN": TOKEN})
    assert good.errors == [] and good.metrics_token == TOKEN
    assert TOKEN not in str(good.masked())


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=TIMEOUT) as response:  # noqa: S310 - local server
        return response.read().decode()


def _records(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


def test_worker_processes_add_up_in_one_scrape(tmp_path: Path):
    """`yingji serve --workers 2`: once both processes have answered requests, a scrape of
    either reports all of them; the counters live in shared memory, not on the data disk
    (a full disk would kill a process writing to them), the previous run's files are removed
    at start and the server's own when it stops. Its log is JSON, uvicorn's lines included."""
    port = free_port()
    shared = metrics_dir.default_dir(tmp_path, f"127.0.0.1:{port}")
    shared.mkdir(mode=0o700, parents=True, exist_ok=True)
    stale = shared / "counter_999999.db"
    stale.write_bytes(b"left over by a previous run")
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "YINGJI_TEST_DATA_DIR")}
    env.pop(metrics_dir.VARIABLE, None)
    env.update(
        YINGJI_DATA_DIR=str(tmp_path),
        YINGJI_SECRET_KEY="k" * 40,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",  # no tables: not needed here
        YINGJI_LOG_FORMAT="json",
    )
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "yingji.cli", "serve", "--port", str(port), "--workers", "2"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + TIMEOUT
            while True:
                assert proc.poll() is None, log.read_text()
                try:
                    _get(f"{url}/livez")
                    break
                except OSError:
                    assert time.monotonic() < deadline, "server did not start"
                    time.sleep(0.2)
            assert not stale.exists()
            sent, served_by = 1, set()
            while len(served_by) < 2:  # new connections until both processes answered
                assert time.monotonic() < deadline, f"one process served all {sent} requests"
                _get(f"{url}/livez")
                sent += 1
                served_by = {r["pid"] for r in _records(log) if "GET /livez" in r["message"]}
            counts = set()
            for _ in range(6):  # scrapes, answered by either process
                samples = {
                    (s.name, tuple(sorted(s.labels.items()))): s.value
                    for f in text_string_to_metric_families(_get(f"{url}/metrics"))
                    for s in f.samples
                }
                livez = {"method": "GET", "route": "/livez", "status": "2xx"}
                counts.add(value(samples, "yingji_http_request_duration_seconds_count", **livez))
            assert counts == {sent}
            assert value(samples, "yingji_database_up") == 0  # no tables: reported, not a 500
            assert len(list(shared.glob("histogram_*.db"))) == 2
            assert not list(tmp_path.glob("metrics*"))  # nothing on the data disk
        finally:
            proc.terminate()
            proc.wait(timeout=TIMEOUT)
    assert proc.returncode == 0
    assert not shared.exists()  # removed on the way out (it held memory)
    records = _records(log)  # every line of the server's log is JSON
    assert any("Started server process" in r["message"] for r in records)
    assert all(r["time"].endswith("Z") and r["level"] for r in records)


def test_the_metrics_directory_is_private_and_emptied(tmp_path: Path, monkeypatch):
    named = tmp_path / "run" / "metrics"
    env = {metrics_dir.VARIABLE: str(named)}  # an operator's choice (systemd RuntimeDirectory)
    named.mkdir(parents=True)
    (named / "gauge_all_1.db").write_bytes(b"x")
    (named / "keep.txt").write_text("not ours")
    assert metrics_dir.prepare(tmp_path, "127.0.0.1:8000", env) == named
    assert sorted(p.name for p in named.iterdir()) == ["keep.txt", metrics_dir.OWNER]

    shm = tmp_path / "shm"
    shm.mkdir()
    monkeypatch.setattr(metrics_dir, "SHARED_MEMORY", shm)
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], check=True,
                          capture_output=True, text=True).stdout.strip()  # fmt: skip
    prefix = f"yingji-metrics-{os.getuid()}-"
    for name, owner in (("killed", gone), ("running", str(os.getpid())), ("starting", None)):
        other = shm / f"{prefix}{name}"
        other.mkdir()
        (other / "counter_1.db").write_bytes(b"x")
        if owner:
            (other / metrics_dir.OWNER).write_text(owner)
    fresh: dict[str, str] = {}
    made = metrics_dir.prepare(tmp_path / "data", "127.0.0.1:8000", fresh)
    assert fresh[metrics_dir.VARIABLE] == str(made) and made.parent == shm
    assert made.stat().st_mode & 0o777 == 0o700
    assert made != metrics_dir.default_dir(tmp_path / "data", "127.0.0.1:8001")
    # a killed server's directory is removed; a running or starting one's is left alone
    assert sorted(p.name[len(prefix) :] for p in shm.iterdir() if p != made) == [
        "running",
        "starting",
    ]
    metrics_dir.clear(made)
    assert not made.exists()
