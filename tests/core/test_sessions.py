"""The session store (core.sessions): Django's database sessions, read in one plain statement."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from yingji.core.sessions import SessionStore


def test_a_signed_in_request_reads_its_session_in_one_plain_statement(client, xihu_staff):
    client.force_login(xihu_staff)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/registry/enterprises/").status_code == 200
    read = [q["sql"] for q in queries.captured_queries if "django_session" in q["sql"]]
    assert len(read) == 1 and "LIMIT" not in read[0].upper()  # not the ORM's get()


def test_an_expired_session_is_signed_out(client, xihu_staff):
    client.force_login(xihu_staff)
    key = client.cookies["yingji_session"].value
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(1))
    answer = client.get("/registry/enterprises/")
    assert answer.status_code == 302 and answer["Location"].startswith("/accounts/login/")


def test_an_unknown_key_starts_an_empty_session(db):
    store = SessionStore("x" * 32)
    assert store.load() == {}
    assert store.session_key is None  # a new key is made when it is saved
    stored = SessionStore()
    stored["answer"] = 42
    stored.save()
    assert SessionStore(stored.session_key).load() == {"answer": 42}
