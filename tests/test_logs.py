"""Structured logs (issue 11, YINGJI_LOG_FORMAT=json): one JSON object per line, with the
request's id, address, channel and user while a request is being served."""

from __future__ import annotations

import datetime as dt
import json
import logging

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils.functional import SimpleLazyObject

from yingji.core.metrics import MetricsMiddleware
from yingji.logs import JsonFormatter


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def captured():
    handler = Capture()
    for name in ("yingji.test", "django.request"):
        logging.getLogger(name).addHandler(handler)
    yield handler
    for name in ("yingji.test", "django.request"):
        logging.getLogger(name).removeHandler(handler)


def test_a_record_is_one_line_of_json(captured):
    log = logging.getLogger("yingji.test")
    log.warning("上报 %d 条\nsecond line", 3, extra={"sensor": "33-RAIN-1", "thing": object()})
    try:
        raise ValueError("bad reading")
    except ValueError:
        log.exception("ingest failed")
    assert len(captured.lines) == 2
    assert all("\n" not in line and line.isascii() for line in captured.lines)
    first, second = (json.loads(line) for line in captured.lines)
    assert first["message"] == "上报 3 条\nsecond line"
    assert first["level"] == "WARNING" and first["logger"] == "yingji.test"
    moment = dt.datetime.fromisoformat(first["time"].replace("Z", "+00:00"))
    assert first["time"].endswith("Z") and moment.utcoffset() == dt.timedelta(0)
    assert abs((dt.datetime.now(dt.UTC) - moment).total_seconds()) < 60
    assert first["sensor"] == "33-RAIN-1" and "thing" not in first  # plain extras only
    assert "request_id" not in first and "exception" not in first  # outside a request
    assert second["level"] == "ERROR"
    assert "ValueError: bad reading" in second["exception"]
    assert "Traceback" in second["exception"]


def _serve(request, user=None):
    """Run ``request`` through MetricsMiddleware with a view that logs."""

    def view(req):
        if user is not None:
            req.user = user
        logging.getLogger("yingji.test").info("inside")
        return HttpResponse("ok")

    return MetricsMiddleware(view)(request)


def test_records_inside_a_request_carry_its_context(captured, django_user_model):
    logging.getLogger("yingji.test").setLevel(logging.INFO)
    factory = RequestFactory()
    response = _serve(factory.get("/api/me", HTTP_X_REQUEST_ID="gw-42", REMOTE_ADDR="10.1.2.3"))
    record = json.loads(captured.lines[-1])
    assert response["X-Request-ID"] == "gw-42"
    assert record["request_id"] == "gw-42"
    assert record["ip"] == "10.1.2.3" and record["channel"] == "api"
    assert "user" not in record

    user = django_user_model(username="duty_officer")
    response = _serve(factory.get("/hazards/"), user=user)
    record = json.loads(captured.lines[-1])
    assert record["user"] == "duty_officer" and record["channel"] == "web"
    assert record["request_id"] == response["X-Request-ID"]

    # a user authentication has not resolved yet is not looked up by logging
    unresolved = SimpleLazyObject(lambda: pytest.fail("logging resolved the user"))
    _serve(factory.get("/"), user=unresolved)
    assert "user" not in json.loads(captured.lines[-1])
    _serve(factory.get("/"), user=AnonymousUser())
    assert "user" not in json.loads(captured.lines[-1])

    logging.getLogger("yingji.test").info("after")
    assert "request_id" not in json.loads(captured.lines[-1])  # the context ended


@pytest.mark.django_db
def test_djangos_own_request_log_carries_the_request_id(client, captured):
    client.get("/no-such-page/", HTTP_X_REQUEST_ID="trace-9")
    record = json.loads(captured.lines[-1])
    assert record["logger"] == "django.request" and record["status_code"] == 404
    assert record["request_id"] == "trace-9"
    assert record["ip"] == "127.0.0.1" and record["channel"] == "web"
