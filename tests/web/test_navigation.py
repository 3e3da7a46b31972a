"""The top bar (web.navigation): each user sees the links of what they may do, in their
language, and users who share capabilities, region and language share one rendering."""

from __future__ import annotations

import re

import pytest

from yingji.core import services
from yingji.web import navigation


@pytest.fixture(autouse=True)
def _fresh() -> None:
    navigation.clear()


def nav_of(client) -> str:
    page = client.get("/registry/").content.decode()
    return re.search(r"<nav>.*?</nav>", page, re.S).group(0)


def test_links_follow_the_users_capabilities_at_once(client, make_user, xihu_staff):
    root = make_user("root", None, superuser=True)
    client.force_login(xihu_staff)
    county = nav_of(client)
    assert "/users/" in county and "/regions/330106000000/" in county
    services.update_user(actor=root, user_id=xihu_staff.pk, roles=["viewer"])
    viewer = nav_of(client)
    assert "/users/" not in viewer and "/registry/" in viewer  # reads only: no accounts
    client.force_login(root)
    assert "/users/" in nav_of(client) and "/regions/" not in nav_of(client)  # no home region


def test_the_language_is_part_of_the_rendering(client, xihu_staff):
    client.force_login(xihu_staff)
    assert "隐患" in nav_of(client)
    client.post("/i18n/setlang/", {"language": "en", "next": "/registry/"})
    assert "Hidden hazards" in nav_of(client)


def test_users_alike_share_one_rendering(client, make_user, monkeypatch):
    first = make_user("xihu_a", "330106", "county_staff")
    second = make_user("xihu_b", "330106", "county_staff")
    other = make_user("binjiang_a", "330108", "county_staff")
    rendered = []
    real = navigation.render_to_string
    monkeypatch.setattr(
        navigation, "render_to_string", lambda *a, **k: rendered.append(1) or real(*a, **k)
    )
    for user in (first, second, first, other):
        client.force_login(user)
        nav_of(client)
    assert len(rendered) == 2  # 西湖区 once for both, 滨江区 once
