"""Pages as a signed-in user sees them."""

from __future__ import annotations


def test_home_needs_sign_in(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_home_shows_the_one_map_with_local_libraries(client, xihu_staff):
    client.force_login(xihu_staff)
    html = client.get("/").content.decode()
    assert 'id="map"' in html
    assert "/static/vendor/leaflet/leaflet.js" in html
    assert "boundary.geojson?level=county" in html
    assert "浙江省" in html
    assert 'data-home-path="330106"' in html
    assert "unpkg" not in html and "cdn" not in html.lower()


def test_no_tiles_unless_configured(client, xihu_staff):
    client.force_login(xihu_staff)
    assert 'data-tile-url=""' in client.get("/").content.decode()


def test_region_page_lists_children_with_filter(client, xihu_staff):
    client.force_login(xihu_staff)
    html = client.get("/regions/330106/").content.decode()
    assert "西湖区" in html and "北山街道" in html and "杭州市" in html
    filtered = client.get("/regions/330106/?q=北山").content.decode()
    assert "北山街道" in filtered and "转塘街道" not in filtered
    assert client.get("/regions/339999/").status_code == 404
    assert client.get("/regions/abc/").status_code == 404


def test_security_headers(client, xihu_staff):
    client.force_login(xihu_staff)
    response = client.get("/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_session_cookie_is_httponly(client, xihu_staff):
    from tests.conftest import PASSWORD

    response = client.post("/accounts/login/", {"username": "xihu_staff", "password": PASSWORD})
    cookie = response.cookies["yingji_session"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


def test_unknown_api_path_is_json_404(client, db):
    response = client.get("/api/nothing/here")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_english_home(client, xihu_staff):
    client.force_login(xihu_staff)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/").content.decode()
    assert "One map" in html and "Zhejiang province" in html


def test_chinese_even_when_the_browser_prefers_english(client, db):
    html = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "登录" in html
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "Sign in" in client.get("/accounts/login/").content.decode()
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "登录" in client.get("/accounts/login/").content.decode()


def test_nul_bytes_in_page_filters_do_not_crash(client, xihu_staff):
    client.force_login(xihu_staff)
    for url in ("/regions/330106/?q=%00", "/audit/?q=a%00", "/users/?q=%00", "/regions/33%00/"):
        assert client.get(url).status_code == 400, url
