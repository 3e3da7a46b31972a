"""Shared fixtures: the real Zhejiang regions loaded once per test database, and users."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from yingji.core import services
from yingji.core.models import User
from yingji.kernels.identifiers import credit_code_check
from yingji.registry.models.enterprise import Enterprise
from yingji.risk.models import RiskFacts

PASSWORD = "correct-horse-battery-staple-9"

pytest_plugins = ["tests.processes"]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> None:
    """Load the real regions dataset (27k rows) once into the test database."""
    from yingji.regions.services import load_dataset

    with django_db_blocker.unblock():
        load_dataset()


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks, monkeypatch):
    """Run queued jobs with the real worker inside a test's transaction.

    The worker closes stale connections between tasks; inside a test's transaction that would
    close the test's own connection (PostgreSQL), so that housekeeping is a no-op here. Use it
    as ``with on_commit(execute=True): ...`` to enqueue, then run the worker.
    """
    monkeypatch.setattr(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    )
    return django_capture_on_commit_callbacks


@pytest.fixture(autouse=True)
def _fresh_cache_and_queue() -> None:
    """Every test starts with an empty cache (rate-limit counters) and, on the RQ backend,
    an empty Redis database (the cache and the queues share it): no test sees another's work."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """Argon2 with a minimal cost: users are made in most tests."""
    settings.PASSWORD_HASHERS = ["yingji.testing.hashers.FastArgon2PasswordHasher"]


@pytest.fixture
def make_user(db: None) -> Callable[..., User]:
    def make(username: str, region: str | None, *roles: str, superuser: bool = False) -> User:
        return services.create_user(
            actor=None,
            username=username,
            password=PASSWORD,
            region_code=region,
            roles=list(roles),
            is_superuser=superuser,
        )

    return make


@pytest.fixture
def login(client: Client) -> Callable[[User], Client]:
    def sign_in(user: User) -> Client:
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def xihu_staff(make_user: Callable[..., User]) -> User:
    return make_user("xihu_staff", "330106", "county_staff")


@pytest.fixture
def binjiang_staff(make_user: Callable[..., User]) -> User:
    return make_user("binjiang_staff", "330108", "county_staff")


_serial = itertools.count(1)


def credit_code(county: str = "330106") -> str:
    body = f"91{county}MA{next(_serial):07d}"[:17]
    return body + credit_code_check(body)


@pytest.fixture
def make_enterprise(db: None) -> Callable[..., Enterprise]:
    """An enterprise (ORM, no re-scoring) with optional facts; defaults describe a clean one."""

    def make(
        region: str = "330106002", facts: dict[str, Any] | None = None, **fields: Any
    ) -> Enterprise:
        county = region[:6]
        data: dict[str, Any] = {
            "credit_code": credit_code(county),
            "name": f"测试企业{next(_serial)}",
            "industry_code": "C3311",
            "scale": "above",
            "region_id": region + "000" * ((12 - len(region)) // 3),
            "hazchem_role": "none",
            "safety_grade": "grade1",
            "insurance_status": "insured",
            "insurance_expires_on": timezone.localdate() + dt.timedelta(days=200),
            "lon": 120.14,
            "lat": 30.26,
        }
        data.update(fields)
        enterprise = Enterprise.objects.create(**data)
        if facts is not False:  # type: ignore[comparison-overlap]
            RiskFacts.objects.create(
                enterprise=enterprise, as_of=timezone.localdate(), **(facts or {})
            )
        return enterprise

    return make
