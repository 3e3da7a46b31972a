"""Sign-in, lock-out after repeated failures (logged), API tokens."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.conftest import PASSWORD
from yingji.core import services
from yingji.core.errors import Conflict
from yingji.core.models import ApiToken, AuditEntry


def _login(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_login_page_is_chinese_by_default(client, db):
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    assert "登录" in page.content.decode()


def test_english_switch(client, db):
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert "Sign in" in client.get("/accounts/login/").content.decode()


def test_correct_password_signs_in_and_is_audited(client, xihu_staff):
    response = _login(client, "xihu_staff", PASSWORD)
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert AuditEntry.objects.filter(action="login", actor=xihu_staff).exists()


def test_passwords_are_hashed_with_argon2(xihu_staff):
    assert xihu_staff.password.startswith("argon2$")


def test_repeated_wrong_passwords_lock_the_account_and_are_logged(client, xihu_staff, caplog):
    caplog.set_level(logging.WARNING)
    for _ in range(4):
        response = _login(client, "xihu_staff", "wrong-password")
        assert response.status_code == 200
        assert "用户名或密码错误" in response.content.decode()
    locked = _login(client, "xihu_staff", "wrong-password")
    assert locked.status_code == 429
    assert "已被锁定" in locked.content.decode()
    # Even the right password is refused while locked.
    assert _login(client, "xihu_staff", PASSWORD).status_code == 429
    assert client.get("/").status_code == 302
    entry = AuditEntry.objects.filter(action="lockout").earliest("at")
    assert entry.actor_label == "xihu_staff"
    assert entry.region_path == "330106"  # so the county's staff see it in their audit trail
    assert AuditEntry.objects.filter(action="login_failed", actor_label="xihu_staff").count() >= 5
    assert any("locked out" in r.getMessage() for r in caplog.records)


def test_lockout_of_one_account_does_not_block_another(client, xihu_staff, binjiang_staff):
    for _ in range(5):
        _login(client, "xihu_staff", "wrong-password")
    assert _login(client, "binjiang_staff", PASSWORD).status_code == 302


def test_api_requires_authentication(client, db):
    response = client.get("/api/me")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_api_token_authenticates_machine_client(client, make_user):
    gateway = make_user("gateway1", "330106", "viewer")
    issued = services.create_api_token(actor=None, username="gateway1", name="rain gauges")
    token = ApiToken.objects.get(pk=issued.token.pk)
    assert issued.secret not in token.token_hash and len(token.token_hash) == 64
    response = client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {issued.secret}")
    assert response.status_code == 200
    assert response.json()["username"] == "gateway1"
    services.revoke_api_token(actor=None, token_id=token.pk)
    assert client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {issued.secret}").status_code == 401
    with pytest.raises(Conflict):
        services.revoke_api_token(actor=None, token_id=token.pk)
    assert gateway.is_active


@pytest.mark.parametrize(
    "header",
    [
        "Bearer ",
        "Bearer yj_" + "A" * 43,
        "Bearer yj_" + "x" * 5000,
        "Basic dXNlcjpwYXNz",
        "Bearer ' OR 1=1 --",
        "Bearer \u0000yj_",
    ],
)
def test_hostile_tokens_are_refused(client, db, header):
    assert client.get("/api/me", HTTP_AUTHORIZATION=header).status_code == 401


def test_expired_token_is_refused(client, make_user):
    make_user("gateway2", "330106", "viewer")
    issued = services.create_api_token(
        actor=None,
        username="gateway2",
        name="g",
        expires_at=timezone.now() + timedelta(days=1),
    )
    ApiToken.objects.filter(pk=issued.token.pk).update(expires_at=timezone.now())
    assert client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {issued.secret}").status_code == 401


def test_session_writes_need_csrf(make_user, db):
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(make_user("staff2", "330106", "county_staff"))
    response = csrf_client.post(
        "/api/users/",
        {"username": "abc", "password": "a-long-enough-pass-42", "region": "330106"},
        content_type="application/json",
    )
    assert response.status_code in (401, 403)


@pytest.mark.parametrize(
    "username",
    ["x" * 5000, "admin' OR '1'='1", "<script>alert(1)</script>", "用户\u0000名", " "],
)
def test_hostile_usernames_get_the_normal_error(client, xihu_staff, username):
    response = _login(client, username, "whatever-password")
    assert response.status_code == 200
    body = response.content.decode()
    assert "用户名或密码错误" in body
    assert "<script>alert(1)</script>" not in body


def test_oversized_api_body_is_refused_and_creates_nothing(client, xihu_staff):
    from yingji.core.models import User

    client.force_login(xihu_staff)
    count = User.objects.count()
    payload = (
        '{"username": "big", "password": "a-long-enough-pass-42", "region": "330106", '
        '"display_name": "' + "x" * (11 * 1024 * 1024) + '"}'
    )
    response = client.post("/api/users/", payload, content_type="application/json")
    assert response.status_code in (400, 413, 422)
    assert User.objects.count() == count


def test_each_request_reads_the_user_with_their_region_and_roles_in_one_query(
    client, make_user, xihu_staff
):
    """The session's user, their region and their roles: one statement per request, and a
    role taken away shows on the very next request (nothing kept between requests)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    admin = make_user("root", None, superuser=True)
    client.force_login(xihu_staff)
    for url in ("/api/me", "/registry/enterprises/"):
        with CaptureQueriesContext(connection) as queries:
            answer = client.get(url)
        assert answer.status_code == 200
        touching = [q["sql"] for q in queries.captured_queries if '"core_userrole"' in q["sql"]]
        assert len(touching) == 1 and 'FROM "core_user" ' in touching[0], url  # with the user
    assert client.get("/api/me").json()["roles"] == ["county_staff"]
    services.update_user(actor=admin, user_id=xihu_staff.pk, roles=[])
    assert client.get("/registry/enterprises/").status_code == 403


def test_a_token_brings_its_users_roles(db, make_user):
    from yingji.core.permissions import roles_of

    make_user("gateway1", "330106", "viewer", "county_staff")
    issued = services.create_api_token(actor=None, username="gateway1", name="gauges")
    user = services.authenticate_token(issued.secret)
    assert user is not None and user.region.code == "330106000000"
    assert roles_of(user) == {"viewer", "county_staff"}
