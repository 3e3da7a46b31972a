"""Who is calling, as the API answers it to hostile or careless callers: no credentials and
a token that was never issued are a 401 on every method (not a misleading 403 about CSRF),
while a signed-in browser session still needs its CSRF token for unsafe methods."""

from __future__ import annotations

import pytest
from django.test import Client

URL = "/api/users/"
BODY = {"username": "someone", "password": "long-enough-password-1", "region": "330106"}
CALLS = [("get", "/api/users/"), ("post", "/api/users/"), ("patch", "/api/users/1"),
         ("delete", "/api/hazards/1/supervision")]  # fmt: skip
FORGED = "Bearer yj_" + "A" * 43


@pytest.mark.parametrize(("method", "url"), CALLS)
@pytest.mark.parametrize("authorization", [None, FORGED, "Bearer not-even-a-token", "Basic eDp5"])
def test_no_valid_credentials_is_401_on_every_method(db, method, url, authorization):
    client = Client(enforce_csrf_checks=True)
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    response = getattr(client, method)(url, BODY, content_type="application/json", **headers)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_a_signed_in_session_still_needs_the_csrf_token(xihu_staff):
    client = Client(enforce_csrf_checks=True)
    client.force_login(xihu_staff)
    refused = client.post(URL, BODY, content_type="application/json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["message"]
    token = "C" * 32  # the secret a page would have set in the cookie
    client.cookies["yingji_csrftoken"] = token
    created = client.post(URL, BODY, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert created.status_code == 201, created.content
