"""Demo accounts: one per role, placed in real Zhejiang regions (西湖区 and its neighbours)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q

from yingji.core import services
from yingji.core.models import Role, User
from yingji.hazards.models import OPEN_STATES
from yingji.registry.models.enterprise import Enterprise, EnterpriseAccount

DEMO_PASSWORD = "yingji-demo-2026"  # noqa: S105 - documented demo password, never for production


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    region: str
    roles: tuple[str, ...]
    superuser: bool = False


DEMO_USERS = (
    DemoUser("admin", "系统管理员", "33", (), superuser=True),
    DemoUser("zj_staff", "省应急管理厅 王敏", "33", (Role.PROVINCE_STAFF, Role.DUTY_OFFICER)),
    DemoUser("hz_staff", "杭州市应急管理局 李强", "3301", (Role.CITY_STAFF,)),
    DemoUser("xihu_staff", "西湖区应急管理局 陈静", "330106", (Role.COUNTY_STAFF,)),
    DemoUser("xihu_duty", "西湖区值班员 张伟", "330106", (Role.DUTY_OFFICER,)),
    DemoUser("xihu_reviewer", "西湖区预警审核 刘洋", "330106", (Role.WARNING_REVIEWER,)),
    DemoUser("xihu_issuer", "西湖区预警签发 赵磊", "330106", (Role.WARNING_ISSUER,)),
    DemoUser("xihu_inspector", "西湖区执法人员 孙浩", "330106", (Role.INSPECTOR,)),
    # 双随机 needs a pool: at least two inspectors per enterprise, with 回避 to exercise.
    DemoUser("xihu_inspector2", "西湖区执法人员 林峰", "330106", (Role.INSPECTOR,)),
    DemoUser("xihu_inspector3", "西湖区执法人员 何雪", "330106", (Role.INSPECTOR,)),
    DemoUser("xihu_inspector4", "西湖区执法人员 郑凯", "330106", (Role.INSPECTOR,)),
    DemoUser("xihu_grid", "网格员 周婷", "330106002", (Role.GRID_WORKER,)),
    # Bound to an enterprise of 北山街道 with open hidden hazards once the demo is loaded.
    DemoUser("xihu_company", "企业安全管理员 钱军", "330106002", (Role.ENTERPRISE_USER,)),
    DemoUser("binjiang_staff", "滨江区应急管理局 吴刚", "330108", (Role.COUNTY_STAFF,)),
    DemoUser("viewer", "只读用户", "33", (Role.VIEWER,)),
)


@transaction.atomic
def ensure_demo_users() -> list[DemoUser]:
    """Create the demo accounts that do not exist yet; existing ones are left alone."""
    existing = set(User.objects.values_list("username", flat=True))
    for demo in DEMO_USERS:
        if demo.username in existing:
            continue
        services.create_user(
            actor=None,
            username=demo.username,
            password=DEMO_PASSWORD,
            region_code=demo.region,
            roles=[str(r) for r in demo.roles],
            display_name=demo.display_name,
            is_superuser=demo.superuser,
        )
    return list(DEMO_USERS)


def bind_enterprise_user() -> str | None:
    """Bind the demo enterprise user to the 北山街道 enterprise with the most open hazards."""
    user = User.objects.filter(username="xihu_company").first()
    if user is None or EnterpriseAccount.objects.filter(user=user).exists():
        return None
    enterprise = (
        Enterprise.objects.filter(region_path__startswith="330106002", voided_at__isnull=True)
        .annotate(open=Count("hidden_hazards", filter=Q(hidden_hazards__state__in=OPEN_STATES)))
        .order_by("-open", "pk")
        .first()
    )
    if enterprise is None:
        return None
    EnterpriseAccount.objects.create(user=user, enterprise=enterprise)
    return enterprise.name
