"""Security headers (issue 11): a Content-Security-Policy that allows the site's own files and
nonce-marked inline scripts only, Permissions-Policy, Cross-Origin-Resource-Policy; the
templates keep to what the policy allows; YINGJI_HTTPS turns on secure cookies, HSTS and the
redirect to HTTPS."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from yingji.core import security

SRC = Path(__file__).resolve().parents[2] / "src" / "yingji"
TEMPLATES = sorted(SRC.glob("*/templates/**/*.html"))


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    out = {}
    for part in policy.split(";"):
        name, *sources = part.split()
        out[name] = sources
    return out


@pytest.mark.django_db
def test_a_page_allows_its_own_files_and_its_nonced_inline_script(client):
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    csp = directives(page)
    assert csp["default-src"] == ["'self'"]
    scripts = csp["script-src"]
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts
    assert csp["object-src"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"] and csp["form-action"] == ["'self'"]
    assert {"'self'", "data:", "blob:"} <= set(csp["img-src"])
    nonces = [s[len("'nonce-") : -1] for s in scripts if s.startswith("'nonce-")]
    assert len(nonces) == 1 and len(nonces[0]) >= 22
    html = page.content.decode()
    inline = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)([^>]*)>", html)
    assert inline  # base.html's CSRF hook for htmx
    assert all(f'nonce="{nonces[0]}"' in attrs for attrs in inline)
    # the language switch's onchange runs by its hash, and no other handler would
    assert security.source_hash("this.form.submit()") in scripts
    assert 'onchange="this.form.submit()"' in html

    again = directives(client.get("/accounts/login/"))["script-src"]
    assert [s for s in again if s.startswith("'nonce-")] != [f"'nonce-{nonces[0]}'"]

    assert page["Permissions-Policy"].startswith("geolocation=(self)")
    assert "camera=()" in page["Permissions-Policy"]
    assert page["Cross-Origin-Resource-Policy"] == "same-origin"
    assert page["X-Content-Type-Options"] == "nosniff"
    assert page["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
def test_a_response_without_inline_script_names_no_nonce(client):
    for url in ("/livez", "/api/docs"):
        response = client.get(url)
        assert response.status_code == 200
        assert not [s for s in directives(response)["script-src"] if "nonce" in s]
    docs = client.get("/api/docs").content.decode()  # Swagger UI: local files, no inline script
    assert re.findall(r"<script src=\"/static/ninja/[^\"]+\">", docs)
    assert "cdn" not in docs.lower()


@pytest.mark.django_db
def test_the_tile_server_may_serve_images(client, settings):
    settings.TILE_URL = "https://{s}.tiles.example.org:8443/osm/{z}/{x}/{y}.png"
    assert "https://*.tiles.example.org:8443" in directives(client.get("/livez"))["img-src"]
    settings.TILE_URL = "https://t{s}.tianditu.example.cn/{z}/{x}/{y}"
    assert "https://*.tianditu.example.cn" in directives(client.get("/livez"))["img-src"]
    settings.TILE_URL = "http://tiles.example.org/{z}/{x}/{y}.png"
    assert "http://tiles.example.org" in directives(client.get("/livez"))["img-src"]
    assert security.tile_source("https://a.{s}.example.org/{z}/{x}/{y}.png") == "https:"


def test_templates_keep_to_the_policy():
    """Inline scripts carry the nonce; inline handlers are the hashed ones; nothing needs eval
    (htmx hx-on, js: values and [filter] triggers compile strings to code)."""
    problems = []
    for path in TEMPLATES:
        text = path.read_text()
        name = path.relative_to(SRC)
        for attrs in re.findall(r"<script\b([^>]*)>", text):
            if "src=" in attrs or "application/json" in attrs:
                continue
            if 'nonce="{{ request.csp_nonce }}"' not in attrs:
                problems.append(f"{name}: inline <script{attrs}> without the CSP nonce")
        for handler in re.findall(r"\son[a-z]+=\"([^\"]*)\"", text):
            if handler not in security.INLINE_HANDLERS:
                problems.append(f"{name}: inline handler {handler!r} is not allowed by the CSP")
        if re.search(r"hx-on|hx-vals=['\"]js:|hx-trigger=\"[^\"]*\[", text):
            problems.append(f"{name}: an htmx attribute that needs eval")
        if re.search(r"href=\"javascript:", text):
            problems.append(f"{name}: a javascript: link")
    assert TEMPLATES and problems == []


@pytest.mark.django_db
def test_https_setting_secures_cookies_and_redirects(tmp_path, client, settings):
    script = """
import json, os, django
os.environ["DJANGO_SETTINGS_MODULE"] = "yingji.settings"
django.setup()
from django.conf import settings
from django.test import Client
client = Client(HTTP_HOST="127.0.0.1")
plain = client.get("/livez")
secure = client.get("/livez", secure=True)
print(json.dumps({
    "cookies": [settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE],
    "redirect": [plain.status_code, plain.get("Location")],
    "hsts": secure.get("Strict-Transport-Security"),
    "csp": secure["Content-Security-Policy"],
    "proxy": settings.SECURE_PROXY_SSL_HEADER,
}))
"""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(YINGJI_DATA_DIR=str(tmp_path), YINGJI_SECRET_KEY="k" * 40, YINGJI_HTTPS="1")
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    on = json.loads(done.stdout.strip().splitlines()[-1])
    assert on["cookies"] == [True, True]
    assert on["redirect"] == [301, "https://127.0.0.1/livez"]
    assert on["hsts"].startswith("max-age=31536000")
    assert "upgrade-insecure-requests" in on["csp"]
    assert on["proxy"] == ["HTTP_X_FORWARDED_PROTO", "https"]

    # this test process runs without YINGJI_HTTPS: plain HTTP works, nothing is forced
    assert not settings.CONFIG.https
    assert not (settings.SESSION_COOKIE_SECURE or settings.CSRF_COOKIE_SECURE)
    plain = client.get("/livez")
    assert plain.status_code == 200 and "Strict-Transport-Security" not in plain
    assert "upgrade-insecure-requests" not in plain["Content-Security-Policy"]
