"""Graceful unavailability (issue 11): the database down is a 503 with Retry-After, a full disk
a 507 saying nothing was saved; any other error stays a 500. Pages go through
UnavailableMiddleware, the API through its exception handlers; both use faults.classify.

The errors are the drivers' own: a refused psycopg connection, SQLite really out of pages
(``max_page_count``) or locked by another connection, PostgreSQL's errors by SQLSTATE, raised
through Django's wrapper as a view would see them.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import sqlite3
import time
from contextlib import nullcontext
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import DatabaseError, IntegrityError, connection, connections
from django.db.utils import DatabaseErrorWrapper
from django.test import Client

from tests.hazards.conftest import jpeg
from tests.monitoring.conftest import sensor_row, station_row
from tests.processes import free_port
from yingji.core import faults
from yingji.core.models import Photo
from yingji.core.registry import excel
from yingji.core.registry import services as registry
from yingji.hazards.models import HiddenHazard
from yingji.monitoring.specs import SENSORS, STATIONS

psycopg = pytest.importorskip("psycopg")
INGEST = "/api/ingest/readings"
BATCH = {"readings": [{"sensor": "33-RAIN-330106-001-R1", "ts": 1_700_000_000, "value": 1}]}


def wrapped(driver: Any, exc: BaseException) -> BaseException:
    """``exc`` as Django raises it: its own class of the same name, ``from`` the driver's."""
    fake_connection = SimpleNamespace(Database=driver, errors_occurred=False)
    try:
        with DatabaseErrorWrapper(fake_connection):
            raise exc
    except Exception as django_exc:
        return django_exc
    raise AssertionError("not raised")


def refused_connection() -> BaseException:
    try:
        psycopg.connect(f"host=127.0.0.1 port={free_port()} dbname=x user=x connect_timeout=5")
    except psycopg.OperationalError as exc:
        return wrapped(psycopg, exc)
    raise AssertionError("a connection to a closed port succeeded")


def sqlite_full() -> BaseException:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE t (x BLOB)")
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(f"PRAGMA max_page_count = {pages}")  # the file may not grow: a full disk
    try:
        db.execute("INSERT INTO t VALUES (randomblob(100000))")
    except sqlite3.OperationalError as exc:
        return wrapped(sqlite3, exc)
    finally:
        db.close()
    raise AssertionError("SQLite grew past max_page_count")


def sqlite_locked(tmp_path: Path) -> BaseException:
    path = tmp_path / "locked.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN IMMEDIATE")
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        return wrapped(sqlite3, exc)
    finally:
        other.close()
        holder.close()
    raise AssertionError("two writers at once")


def enospc() -> OSError:
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "/var/yingji/photos/x.part")


# ---------------------------------------------------------------- classification


def test_a_refused_connection_is_unavailable():
    fault = faults.classify(refused_connection())
    assert fault is not None
    assert (fault.status, fault.code, fault.retry_after) == (503, "unavailable", 5)
    assert "Connection refused" in fault.cause and "\n" not in fault.cause


@pytest.mark.parametrize(
    "error",
    [
        psycopg.errors.AdminShutdown("terminating connection due to administrator command"),
        psycopg.errors.CrashShutdown("terminating connection because of crash of another"),
        psycopg.errors.CannotConnectNow("the database system is starting up"),
        psycopg.errors.TooManyConnections("sorry, too many clients already"),
        psycopg.errors.ConnectionFailure("server closed the connection"),
        psycopg.OperationalError("consuming input failed: server closed the connection"),
        psycopg.InterfaceError("the connection is closed"),
    ],
    ids=lambda error: type(error).__name__,
)
def test_postgres_outages_are_unavailable(error):
    fault = faults.classify(wrapped(psycopg, error))
    assert fault is not None and fault.status == 503, error


def test_postgres_disk_full_is_insufficient_storage():
    error = psycopg.errors.DiskFull('could not extend file "base/16384/2619": No space left')
    fault = faults.classify(wrapped(psycopg, error))
    assert fault is not None and (fault.status, fault.code) == (507, "disk_full")
    assert fault.retry_after is None


@pytest.mark.parametrize(
    "error",
    [
        psycopg.errors.QueryCanceled("canceling statement due to statement timeout"),
        psycopg.errors.SerializationFailure("could not serialize access"),
        psycopg.errors.UndefinedTable('relation "x" does not exist'),
        psycopg.errors.UniqueViolation("duplicate key value"),
    ],
    ids=lambda error: type(error).__name__,
)
def test_statement_errors_on_postgres_are_not_outages(error):
    assert faults.classify(wrapped(psycopg, error)) is None


def test_sqlite_full_is_insufficient_storage_and_locked_is_unavailable(tmp_path):
    full = faults.classify(sqlite_full())
    assert full is not None and (full.status, full.code) == (507, "disk_full")
    assert "database or disk is full" in full.cause
    locked = faults.classify(sqlite_locked(tmp_path))
    assert locked is not None and locked.status == 503 and "locked" in locked.cause


def test_other_sqlite_errors_are_not_outages():
    db = sqlite3.connect(":memory:")
    with pytest.raises(sqlite3.OperationalError, match="no such table") as raised:
        db.execute("SELECT * FROM missing")
    db.close()
    assert faults.classify(wrapped(sqlite3, raised.value)) is None


def test_a_full_disk_is_recognised_in_the_error_chain():
    for code in (errno.ENOSPC, errno.EDQUOT):
        fault = faults.classify(OSError(code, os.strerror(code)))
        assert fault is not None and fault.status == 507
    try:
        try:
            raise enospc()
        except OSError as exc:
            raise ValueError("could not write the workbook") from exc
    except ValueError as exc:
        fault = faults.classify(exc)
    assert fault is not None and fault.status == 507 and "No space left" in fault.cause


@pytest.mark.parametrize(
    "error",
    [
        FileNotFoundError(errno.ENOENT, "No such file"),
        PermissionError(errno.EACCES, "Permission denied"),
        ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused"),  # not the database
        ValueError("bad"),
        IntegrityError("duplicate"),
        DatabaseError("something else"),
    ],
    ids=lambda error: type(error).__name__,
)
def test_other_errors_are_not_faults(error):
    assert faults.classify(error) is None


# ---------------------------------------------------------------- the API


@pytest.fixture
def gateway(make_user):
    return make_user("gateway_staff", "330106", "county_staff")


def fault_records(caplog):
    return [r for r in caplog.records if r.name == "yingji.core.faults"]


def test_ingest_with_the_database_down_answers_503_with_retry_after(
    client, gateway, monkeypatch, caplog
):
    error = refused_connection()

    def down(*args: Any, **kwargs: Any) -> Any:
        raise error

    monkeypatch.setattr("yingji.monitoring.api.ingest", down)
    client.force_login(gateway)
    with caplog.at_level(logging.WARNING):
        response = client.post(INGEST, BATCH, content_type="application/json")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    body = response.json()
    assert body["code"] == "unavailable" and body["field"] is None
    assert "unavailable" in body["message"] and "Try again" in body["message"]
    # Logged once, at WARNING, with the cause; Django adds no ERROR line of its own.
    (record,) = fault_records(caplog)
    assert record.levelno == logging.WARNING
    assert INGEST in record.getMessage() and "Connection refused" in record.getMessage()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_token_authentication_with_the_database_down_answers_503(client, monkeypatch):
    error = wrapped(psycopg, psycopg.errors.AdminShutdown("terminating connection"))

    def down(token: str) -> Any:
        raise error

    monkeypatch.setattr("yingji.api.authenticate_token", down)
    response = client.post(
        INGEST,
        BATCH,
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer yj_whatever",
    )
    assert response.status_code == 503 and response.json()["code"] == "unavailable"


def test_ingest_with_the_disk_full_answers_507(client, gateway, monkeypatch):
    error = sqlite_full()

    def full(*args: Any, **kwargs: Any) -> Any:
        raise error

    monkeypatch.setattr("yingji.monitoring.api.ingest", full)
    client.force_login(gateway)
    response = client.post(INGEST, BATCH, content_type="application/json")
    assert response.status_code == 507
    assert "Retry-After" not in response
    body = response.json()
    assert body["code"] == "disk_full" and body["field"] is None
    assert "disk is full" in body["message"] and "nothing was saved" in body["message"]
    assert "administrator" in body["message"]


def test_other_errors_in_the_api_stay_500(gateway, monkeypatch):
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr("yingji.monitoring.api.ingest", broken)
    client = Client(raise_request_exception=False)
    client.force_login(gateway)
    response = client.post(INGEST, BATCH, content_type="application/json")
    assert response.status_code == 500 and response.json()["code"] == "server_error"


def test_a_photo_upload_on_a_full_disk_is_507_and_leaves_nothing(
    client, make_user, monkeypatch, settings, tmp_path
):
    """The photo is written to a temporary file that the failure removes, and the report's
    transaction (hazard, photo row, audit) is rolled back: nothing half-written remains."""
    settings.DATA_DIR = tmp_path
    grid = make_user("grid_worker", "330106002", "grid_worker")
    writes: list[str] = []

    def no_space(fd: int) -> None:
        writes.append(os.readlink(f"/proc/self/fd/{fd}"))
        raise enospc()

    monkeypatch.setattr(os, "fsync", no_space)
    client.force_login(grid)
    hazards, photos = HiddenHazard.objects.count(), Photo.objects.count()
    response = client.post(
        "/api/hazards/",
        {
            "region": "330106002",
            "category": "fire",
            "title": "消防通道堵塞",
            "description": "堆放杂物",
            "photo": [jpeg()],
        },
    )
    assert response.status_code == 507, response.content
    assert response.json()["code"] == "disk_full"
    assert writes and ".part" in writes[0]  # it did fail mid-write
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
    assert (HiddenHazard.objects.count(), Photo.objects.count()) == (hazards, photos)


def test_saving_an_import_workbook_on_a_full_disk_leaves_no_partial_file(
    monkeypatch, settings, tmp_path
):
    settings.DATA_DIR = tmp_path

    def no_space(fd: int) -> None:
        raise enospc()

    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(OSError, match="No space left") as raised:
        excel.save_upload(b"PK\x03\x04" + b"x" * 100_000, "enterprises-0123.xlsx")
    assert raised.value.errno == errno.ENOSPC
    assert [p.name for p in excel.imports_dir().iterdir()] == []


# ---------------------------------------------------------------- pages


def test_a_page_with_the_database_down_is_a_chinese_first_503(client, gateway, monkeypatch):
    error = wrapped(psycopg, psycopg.errors.AdminShutdown("terminating connection"))

    def down() -> Any:
        raise error

    monkeypatch.setattr("yingji.regions.selectors.level_counts", down)
    client.force_login(gateway)
    response = client.get("/")
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert html.index("服务暂时不可用") < html.index("Service temporarily unavailable")
    assert "请 5 秒后重试" in html and "Try again in 5 seconds" in html


def test_a_page_with_the_disk_full_is_507(client, gateway, monkeypatch):
    def full() -> Any:
        raise enospc()

    monkeypatch.setattr("yingji.regions.selectors.level_counts", full)
    client.force_login(gateway)
    response = client.get("/")
    assert response.status_code == 507 and "Retry-After" not in response
    html = response.content.decode()
    assert "服务器数据磁盘已满" in html and "nothing was saved" in html


def test_other_errors_on_pages_stay_500(gateway, monkeypatch):
    def broken() -> Any:
        raise ValueError("a bug")

    monkeypatch.setattr("yingji.regions.selectors.level_counts", broken)
    client = Client(raise_request_exception=False)
    client.force_login(gateway)
    assert client.get("/").status_code == 500


# ---------------------------------------------------------------- reconnecting


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a server connection to break")
def test_a_broken_persistent_connection_is_replaced_on_the_next_request(db):
    """What Django does with the settings' CONN_MAX_AGE=60 and CONN_HEALTH_CHECKS, request by
    request (``close_old_connections`` runs at the start and end of each): a connection that
    the server dropped between requests fails its health check and is replaced; one dropped
    in the middle of a request fails that request (503) and is closed at its end."""
    settings_dict = connections.settings["default"]
    assert settings_dict["CONN_MAX_AGE"] == 60 and settings_dict["CONN_HEALTH_CHECKS"] is True
    web = connections.create_connection("default")  # a web process's connection

    def request(*statements: str) -> list[Any]:
        web.close_if_unusable_or_obsolete()  # request_started
        try:
            out = []
            for sql in statements:
                with web.cursor() as cursor:
                    cursor.execute(sql)
                    out.append(cursor.fetchone()[0])
            return out
        finally:
            web.close_if_unusable_or_obsolete()  # request_finished

    try:
        (first,) = request("SELECT pg_backend_pid()")
        assert request("SELECT pg_backend_pid()") == [first]  # persistent: the same session
        _terminate(first)  # e.g. PostgreSQL restarted between two requests
        (second,) = request("SELECT pg_backend_pid()")
        assert second != first

        # Dropped in the middle of a request: that request fails as an outage ...
        web.close_if_unusable_or_obsolete()
        with web.cursor() as cursor:
            cursor.execute("SELECT 1")
        _terminate(second)
        with pytest.raises(DatabaseError) as raised, web.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
        fault = faults.classify(raised.value)
        assert fault is not None and fault.status == 503, raised.value
        assert web.errors_occurred
        web.close_if_unusable_or_obsolete()  # request_finished: the broken one is closed
        assert web.connection is None
        # ... and the next one opens a new connection by itself.
        (third,) = request("SELECT pg_backend_pid()")
        assert third not in (first, second)
    finally:
        web.close()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a server connection to break")
@pytest.mark.parametrize("where", ["yingji.monitoring.evaluation._pending", "_note_latest"])
def test_a_connection_lost_while_alarms_are_judged_is_a_503_not_a_silent_200(
    client, gateway, monkeypatch, caplog, where
):
    """Ingest judges alarms in a savepoint so that a rule failure never refuses readings. But
    when the connection itself is lost there, the savepoint cannot be rolled back (or not
    even made) and the whole transaction is gone: answering 200 would acknowledge readings
    that were never stored. It is the outage it is, not a rule failure."""
    registry.create(actor=gateway, spec=STATIONS, data=station_row())
    registry.create(actor=gateway, spec=SENSORS, data=sensor_row())

    def connection_lost(*args: Any) -> None:
        # In the rules, the error propagates; before the savepoint, nobody noticed it yet.
        quietly = contextlib.suppress(DatabaseError) if "." not in where else nullcontext()
        with quietly, connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")

    target = where if "." in where else f"yingji.monitoring.ingest.{where}"
    monkeypatch.setattr(target, connection_lost)
    client.force_login(gateway)
    batch = {"readings": [{"sensor": sensor_row()["code"], "ts": int(time.time()), "value": 1}]}
    response = client.post(INGEST, batch, content_type="application/json")
    assert response.status_code == 503, response.content
    assert response.json()["code"] == "unavailable"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text


def _terminate(pid: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # a transaction caches the stats
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
            if cursor.fetchone()[0] == 0:
                return
            time.sleep(0.02)  # the backend exits asynchronously; nothing to wait on
    raise AssertionError(f"backend {pid} still there")
