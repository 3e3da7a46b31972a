"""Account pages for county administrators: list, search, create, edit — all scoped."""

from __future__ import annotations

from yingji.core.models import AuditEntry, User


def test_list_is_scoped_and_searchable(client, xihu_staff, binjiang_staff, make_user):
    make_user("xihu_grid", "330106002", "grid_worker")
    client.force_login(xihu_staff)
    html = client.get("/users/").content.decode()
    assert "xihu_grid" in html and "binjiang_staff" not in html
    assert "xihu_grid" not in client.get("/users/?role=county_staff").content.decode()
    assert "xihu_grid" in client.get("/users/?q=grid").content.decode()


def test_create_account(client, xihu_staff):
    client.force_login(xihu_staff)
    response = client.post(
        "/users/new/",
        {
            "username": "xihu_grid2",
            "display_name": "网格员 王",
            "phone": "13812345678",
            "region": "330106002",
            "roles": ["grid_worker"],
            "password": "a-long-enough-pass-42",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="xihu_grid2")
    assert user.region.name == "北山街道"
    assert AuditEntry.objects.filter(
        action="create", object_id=str(user.pk), actor=xihu_staff
    ).exists()


def test_create_account_errors_name_the_field_and_change_nothing(client, xihu_staff):
    client.force_login(xihu_staff)
    count = User.objects.count()
    for data, text in [
        ({"region": "330108"}, "outside your jurisdiction"),
        ({"region": "33"}, "outside your jurisdiction"),
        ({"phone": "12345"}, "11 digits"),
        ({"roles": ["city_staff"]}, "city level"),
        ({"password": "password"}, "密码"),
        ({"username": "xihu_staff"}, "taken"),
    ]:
        form = {
            "username": "newbie",
            "region": "330106",
            "password": "a-long-enough-pass-42",
            **data,
        }
        response = client.post("/users/new/", form)
        assert response.status_code == 200, data
        assert text in response.content.decode(), data
    assert User.objects.count() == count


def test_edit_roles_and_disable(client, xihu_staff, make_user):
    grid = make_user("xihu_grid", "330106002", "grid_worker")
    client.force_login(xihu_staff)
    response = client.post(
        f"/users/{grid.pk}/",
        {
            "display_name": "周婷",
            "phone": "",
            "region": "330106002",
            "roles": ["grid_worker", "viewer"],
            "is_active": "",
        },
    )
    assert response.status_code == 302
    grid.refresh_from_db()
    assert not grid.is_active
    assert sorted(grid.role_rows.values_list("role", flat=True)) == ["grid_worker", "viewer"]


def test_other_county_account_page_is_404(client, xihu_staff, binjiang_staff):
    client.force_login(xihu_staff)
    assert client.get(f"/users/{binjiang_staff.pk}/").status_code == 404
    assert client.post(f"/users/{binjiang_staff.pk}/", {"region": "330106"}).status_code == 404


def test_viewer_cannot_manage_accounts(client, make_user):
    client.force_login(make_user("viewer7", "330106", "viewer"))
    assert client.get("/users/").status_code == 403
    assert client.get("/users/new/").status_code == 403
