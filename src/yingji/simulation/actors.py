"""The simulated people of a run: accounts created once (if missing) and reused by later runs.

Per county of the scope a duty officer (值班员: drafts warnings, reports and commands
incidents), a reviewer (审核), an issuer (签发) and a grid worker (网格员: reports from the
field); one machine account posts the readings like a sensor gateway. They are ordinary
accounts with the ordinary roles — every step they take goes through the same permission
checks as a person's — named ``sim-…`` and displayed as （模拟）so nobody mistakes them for
staff. Responsible persons who answer warnings (叫应) are the registry's contacts, who need
no account: they answer by the reply link or an SMS reply.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Final

from yingji.core import services as core_services
from yingji.core.models import User

GATEWAY: Final = "sim-gateway"
ROLES: Final = {
    "duty": ("duty_officer", "值班员"),
    "reviewer": ("warning_reviewer", "预警审核员"),
    "issuer": ("warning_issuer", "预警签发人"),
    "grid": ("grid_worker", "网格员"),
}


@dataclass(frozen=True)
class County:
    code: str
    duty: User
    reviewer: User
    issuer: User
    grid: User


def _account(username: str, region: str, role: str, title: str, *, machine: bool = False) -> User:
    found = User.objects.filter(username=username).first()
    if found is not None:
        return found
    return core_services.create_user(
        actor=None, username=username, password=secrets.token_urlsafe(24), region_code=region,
        roles=[role], display_name=f"{title}（模拟）", is_machine=machine,
    )  # fmt: skip


def gateway() -> User:
    """The machine account that posts the replay's readings (province-wide)."""
    return _account(GATEWAY, "33", "viewer", "模拟传感网关", machine=True)


def province_duty() -> User:
    """The province's duty officer: the demo plans are the province's, activated by it."""
    return _account("sim-33-duty", "33", "duty_officer", "省级值班员")


def county(code: str) -> County:
    users = {
        key: _account(f"sim-{code}-{key}", code, role, title)
        for key, (role, title) in ROLES.items()
    }
    return County(code=code, **users)
