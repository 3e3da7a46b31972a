"""Excel exports of the core app: accounts within the actor's jurisdiction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from yingji.core import selectors
from yingji.core.exports import Column, Export, export
from yingji.core.models import User
from yingji.kernels import codes


def _local(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _rows(actor: User, filters: dict[str, str]) -> QuerySet[Any]:
    active = {"1": True, "0": False}.get(filters.get("active", ""))
    region_path = codes.short(filters["region"]) if filters.get("region") else ""
    return selectors.users_for(
        actor, q=filters.get("q", ""), role=filters.get("role", ""),
        region_path=region_path, active=active,
    )  # fmt: skip


USERS = export(
    Export(
        name="users",
        title="用户 Accounts",
        columns=(
            Column("用户名 username", lambda u: u.username),
            Column("姓名 name", lambda u: u.display_name),
            Column("手机 phone", lambda u: u.phone),
            Column("区域代码 region", lambda u: codes.display(u.region.code) if u.region else ""),
            Column("区域 region name", lambda u: u.region.name if u.region else ""),
            Column("角色 roles", lambda u: ", ".join(r.role for r in u.role_rows.all())),
            Column("启用 active", lambda u: "是" if u.is_active else "否"),
            Column("最近登录 last login", lambda u: _local(u.last_login)),
        ),
        rows=_rows,
    )
)
