"""Rate limits: sign-in per client address, ingest per API token (yingji.core.ratelimit).

Each test counts in windows of its own: the clock is replaced by one that starts at a random
window far from now (so counters left by other tests in a shared cache never meet these), and
it is moved forward instead of sleeping.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import shutil
import subprocess
import threading
from collections import Counter
from collections.abc import Iterator

import pytest
from axes.models import AccessAttempt
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD
from tests.monitoring.conftest import XIHU_STATION, sensor_row, station_row
from tests.processes import TIMEOUT, free_port
from yingji import config
from yingji.core import ratelimit
from yingji.core import services as core_services
from yingji.core.models import AuditEntry, User
from yingji.core.registry import services as registry
from yingji.monitoring.models import Reading
from yingji.monitoring.specs import SENSORS, STATIONS

LOGIN = "/accounts/login/"
INGEST = "/api/ingest/readings"
RAIN = f"{XIHU_STATION}-R1"


class FakeClock:
    def __init__(self) -> None:
        # 30 s into a minute window somewhere in the 22nd century, different for every test.
        self.now = 60.0 * random.randrange(2**32, 2**33) + 30.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(ratelimit, "clock", fake)
    monkeypatch.setattr(ratelimit, "health", ratelimit._CacheHealth())
    return fake


def address() -> str:
    return f"198.51.{random.randrange(256)}.{random.randrange(1, 255)}"


def sign_in(client: Client, username: str, password: str):
    return client.post(LOGIN, {"username": username, "password": password})


def test_the_21st_login_post_from_one_address_is_refused_before_the_password_is_checked(
    clock, xihu_staff, binjiang_staff
):
    assert config.load({"YINGJI_SECRET_KEY": "x" * 40}).rate_limits["login"] == (20, 60)
    attacker = Client(REMOTE_ADDR=address())
    for n in range(20):  # one address trying many accounts: each is a normal failed sign-in
        response = sign_in(attacker, f"probe{n}", "wrong-password")
        assert response.status_code == 200
        assert "用户名或密码错误" in response.content.decode()
    failed_before = AuditEntry.objects.filter(action="login_failed").count()

    refused = sign_in(attacker, "xihu_staff", "wrong-password")
    assert refused.status_code == 429
    assert refused["Retry-After"] == "30"  # the window ends 30 s from now
    page = refused.content.decode()
    assert page.index("请求过于频繁") < page.index("Too many requests")  # Chinese first
    assert "30 秒后重试" in page and 'href="/accounts/login/"' in page
    # Not even the right password gets through, and nothing was checked or recorded.
    assert sign_in(attacker, "xihu_staff", PASSWORD).status_code == 429
    assert attacker.get("/").status_code == 302  # not signed in
    assert not AccessAttempt.objects.filter(username="xihu_staff").exists()
    assert AuditEntry.objects.filter(action="login_failed").count() == failed_before
    assert attacker.get(LOGIN).status_code == 200  # the form itself is still shown

    colleague = Client(REMOTE_ADDR=address())  # another address is not affected
    assert sign_in(colleague, "binjiang_staff", PASSWORD).status_code == 302

    clock.now += 29.0  # still the same window
    assert sign_in(attacker, "xihu_staff", PASSWORD).status_code == 429
    clock.now += 1.0  # the next window: counted afresh
    assert sign_in(attacker, "xihu_staff", PASSWORD).status_code == 302


def test_the_limited_paths_are_the_sign_in_views():
    assert {reverse("login"), reverse("admin:login")} == ratelimit.LOGIN_PATHS
    assert reverse("api:post_readings").startswith(ratelimit.INGEST_PREFIX)


def test_admin_login_shares_the_address_limit(clock, settings, db):
    settings.YINGJI_RATE_LIMITS = {"login": (2, 60), "ingest": (0, 60)}
    client = Client(REMOTE_ADDR=address())
    assert sign_in(client, "nobody", "wrong-password").status_code == 200
    admin_form = {"username": "nobody", "password": "x", "next": "/admin/"}
    assert client.post("/admin/login/", admin_form).status_code == 200
    assert client.post("/admin/login/", admin_form).status_code == 429


@pytest.fixture
def gateways(make_user, xihu_staff):
    registry.create(actor=xihu_staff, spec=STATIONS, data=station_row())
    registry.create(actor=xihu_staff, spec=SENSORS, data=sensor_row(RAIN))
    tokens = []
    for name in ("gateway-a", "gateway-b"):
        gateway = make_user(name, "330106", "viewer")
        gateway.is_machine = True
        gateway.save(update_fields=["is_machine"])
        issued = core_services.create_api_token(actor=None, username=name, name="gauges")
        tokens.append({"HTTP_AUTHORIZATION": f"Bearer {issued.secret}"})
    return tokens


def batch(minute: int) -> dict[str, list[dict[str, object]]]:
    ts = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) - dt.timedelta(minutes=minute)
    return {"readings": [{"sensor": RAIN, "ts": ts.isoformat(), "value": float(minute)}]}


def post_batch(client: Client, minute: int, auth: dict[str, str]):
    return client.post(INGEST, batch(minute), content_type="application/json", **auth)


def test_ingest_is_limited_per_token_and_the_429_is_the_api_error_shape(clock, settings, gateways):
    assert config.load({"YINGJI_SECRET_KEY": "x" * 40}).rate_limits["ingest"] == (6000, 60)
    settings.YINGJI_RATE_LIMITS = {"login": (20, 60), "ingest": (3, 60)}
    token_a, token_b = gateways
    client = Client(REMOTE_ADDR=address())
    for minute in (1, 2, 3):
        answer = post_batch(client, minute, token_a)
        assert answer.json()["accepted"] == 1, answer.content
    refused = post_batch(client, 4, token_a)
    assert refused.status_code == 429
    assert refused.json() == {
        "code": "rate_limited",
        "message": "Too many requests: the ingest limit is 3 per minute per API token; "
        "retry in 30 s",
        "field": None,
    }
    assert refused["Retry-After"] == "30"
    assert Reading.objects.count() == 3  # the refused batch was not stored
    # Same address, another token: its own count.
    assert post_batch(client, 4, token_b).json()["accepted"] == 1
    # Without a token (a signed-in session) the address is what counts.
    browser = Client(REMOTE_ADDR=address())
    browser.force_login(User.objects.get(username="gateway-a"))
    for minute in (5, 6, 7):
        assert post_batch(browser, minute, {}).status_code == 200
    assert post_batch(browser, 8, {}).status_code == 429
    clock.now += 30.0
    assert post_batch(client, 8, token_a).json()["accepted"] == 1
    assert Reading.objects.count() == 8


def test_only_login_and_ingest_posts_are_counted(clock, settings, xihu_staff):
    settings.YINGJI_RATE_LIMITS = {"login": (1, 1), "ingest": (1, 1)}
    client = Client(REMOTE_ADDR=address())
    for _ in range(3):
        assert client.get(LOGIN).status_code == 200
        assert client.get("/api/me").status_code == 401  # not limited: only the API's answer
    assert sign_in(client, "xihu_staff", PASSWORD).status_code == 302
    refused = sign_in(Client(REMOTE_ADDR=client.defaults["REMOTE_ADDR"]), "xihu_staff", PASSWORD)
    assert refused.status_code == 429
    assert refused["Retry-After"] == "1"  # per-second windows: ends in under a second


def test_zero_turns_a_limit_off(clock, settings, db):
    settings.YINGJI_RATE_LIMITS = {"login": (0, 60), "ingest": (0, 60)}
    client = Client(REMOTE_ADDR=address())
    # (distinct names: axes would lock one account after 5 failures)
    assert all(sign_in(client, f"nobody{n}", "wrong").status_code == 200 for n in range(25))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("20/min", (20, 60)), (" 5/S ", (5, 1)), ("0", (0, 60)), ("1000000/min", (1000000, 60))],
)
def test_rates_from_the_environment(raw, expected):
    cfg = config.load({"YINGJI_SECRET_KEY": "x" * 40, "YINGJI_RATE_INGEST": raw})
    assert cfg.rate_limits["ingest"] == expected and not cfg.errors


@pytest.mark.parametrize("raw", ["20", "20/h", "-1/min", "0/min", "ten/min", "1000001/s", "2/m"])
def test_a_bad_rate_is_a_clear_configuration_error(raw):
    cfg = config.load({"YINGJI_SECRET_KEY": "x" * 40, "YINGJI_RATE_LOGIN": raw})
    assert cfg.errors == [
        "YINGJI_RATE_LOGIN must be N/min or N/s with N from 1 to 1000000 (e.g. 20/min), "
        f"or 0 to turn the limit off; got {raw!r}"
    ]
    assert cfg.masked()["YINGJI_RATE_LOGIN"] == "20/min"  # the default stays in force


def test_cache_down_lets_requests_through_and_logs_once(clock, settings, monkeypatch, db, caplog):
    settings.YINGJI_RATE_LIMITS = {"login": (2, 60), "ingest": (2, 60)}
    # A real Redis client aimed at a port nobody listens on: every call fails to connect.
    monkeypatch.setattr(ratelimit, "cache", RedisCache(f"redis://127.0.0.1:{free_port()}/0", {}))
    caplog.set_level(logging.WARNING, logger="yingji.core.ratelimit")
    client = Client(REMOTE_ADDR=address())
    for n in range(4):
        assert sign_in(client, f"nobody{n}", "wrong-password").status_code == 200
    clock.now += ratelimit.RETRY_CACHE_AFTER  # tried again, still down: still let through
    assert sign_in(client, "nobody-again", "wrong-password").status_code == 200
    down = [r for r in caplog.records if "not enforced" in r.getMessage()]
    assert len(down) == 1 and down[0].levelno == logging.ERROR
    # The cache answers again: after the retry delay the limit is back, and that is logged.
    monkeypatch.setattr(ratelimit, "cache", LocMemCache(f"ratelimit-{address()}", {}))
    clock.now += ratelimit.RETRY_CACHE_AFTER
    codes = [sign_in(client, f"other{n}", "wrong").status_code for n in range(3)]
    assert codes == [200, 200, 429]
    assert sum("enforced again" in r.getMessage() for r in caplog.records) == 1


@pytest.fixture
def redis_url(tmp_path) -> Iterator[str]:
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed")
    port = free_port()
    proc = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
    )
    import redis

    probe = redis.Redis(port=port, socket_connect_timeout=0.2)
    try:
        for _ in range(int(TIMEOUT / 0.05)):
            try:
                if probe.ping():
                    break
            except redis.ConnectionError:
                threading.Event().wait(0.05)
        else:
            pytest.fail("redis-server did not start")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=TIMEOUT)


def test_counts_are_shared_and_atomic_on_redis(clock, monkeypatch, redis_url):
    """Two cache clients stand for two web processes; 8 threads count at once."""
    rule = ratelimit.Rule("ingest", limit=300, period=60)
    monkeypatch.setattr(
        ratelimit, "cache", _PerThread([RedisCache(redis_url, {}), RedisCache(redis_url, {})])
    )
    counts: list[int] = []
    threads = [threading.Thread(target=_count, args=(rule, n, counts)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    assert sorted(counts) == list(range(1, 401))  # every count handed out exactly once
    assert ratelimit.hit(rule, "token:yj_shared") == ratelimit.Verdict(False, 401, 30)
    assert ratelimit.hit(rule, "token:yj_other") == ratelimit.Verdict(True, 1, 30)
    raw_keys = [key.decode() for key in _redis(redis_url).keys("*")]
    assert len(raw_keys) == 2 and not any("yj_" in key for key in raw_keys)  # hashed


class _PerThread:
    """Routes each thread to one of several cache clients, like separate processes."""

    def __init__(self, clients: list[RedisCache]) -> None:
        self.clients = clients
        self.local = threading.local()

    def bind(self, n: int) -> None:
        self.local.client = self.clients[n % len(self.clients)]

    def __getattr__(self, name: str):
        client = getattr(self.local, "client", self.clients[0])
        return getattr(client, name)


def _count(rule: ratelimit.Rule, n: int, counts: list[int]) -> None:
    ratelimit.cache.bind(n)  # type: ignore[attr-defined]
    for _ in range(50):
        verdict = ratelimit.hit(rule, "token:yj_shared")
        assert verdict is not None
        counts.append(verdict.count)


def _redis(url: str):
    import redis

    return redis.Redis.from_url(url)


def test_redis_stopping_fails_open(clock, monkeypatch, redis_url, caplog):
    rule = ratelimit.Rule("login", limit=1, period=60)
    monkeypatch.setattr(ratelimit, "cache", RedisCache(redis_url, {}))
    assert ratelimit.hit(rule, "ip:203.0.113.1") == ratelimit.Verdict(True, 1, 30)
    assert ratelimit.hit(rule, "ip:203.0.113.1") == ratelimit.Verdict(False, 2, 30)
    _redis(redis_url).shutdown(nosave=True)
    assert ratelimit.hit(rule, "ip:203.0.113.1") is None  # let through
    assert ratelimit.hit(rule, "ip:203.0.113.1") is None  # skipped without retrying
    assert Counter("not enforced" in r.getMessage() for r in caplog.records)[True] == 1
