"""Browser tests: real `yingji serve` and `yingji worker` processes, driven by headless Chromium.

The server runs on its own SQLite data directory prepared by `yingji demo --no-serve`
(migrations, real regions, demo users), exactly what a newcomer gets. Chromium comes from
Debian's package (/usr/bin/chromium); no browser is downloaded. Without Chromium these tests
skip, unless YINGJI_REQUIRE_BROWSER=1 (set by CI), where a missing browser is a failure.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("YINGJI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SERVER_ENV: dict[str, str] = {}
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "e2e"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with status {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("server did not become healthy in time")


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("e2e-data")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    port = _free_port()
    env.update(
        YINGJI_DATA_DIR=str(data_dir),
        YINGJI_SECRET_KEY=secrets.token_urlsafe(40),
        YINGJI_PUBLIC_URL=f"http://127.0.0.1:{port}",  # links in messages and QR codes
        # The suite signs in dozens of demo users from one address within a minute, more than
        # the per-address sign-in limit allows (20/min: tests/core/test_ratelimit.py).
        YINGJI_RATE_LOGIN="0",
    )
    SERVER_ENV.clear()
    SERVER_ENV.update(env)  # for tests that must read the server's database (a reply token)
    cli = [sys.executable, "-m", "yingji.cli"]
    subprocess.run(
        [*cli, "demo", "--no-serve"], env=env, check=True, timeout=300, capture_output=True
    )
    log = (data_dir / "server.log").open("wb")
    proc = subprocess.Popen(
        [*cli, "serve", "--port", str(port), "--log-level", "warning"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    worker = subprocess.Popen(
        [*cli, "worker", "--interval", "0.2"], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc)
        yield url
    finally:
        for child in (proc, worker):
            child.terminate()
        for child in (proc, worker):
            child.wait(timeout=20)
        log.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is None:
        if os.environ.get("YINGJI_REQUIRE_BROWSER") == "1":
            pytest.fail(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
        pytest.skip(f"Chromium not found at {CHROMIUM}; install Debian's chromium to run")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    context = browser.new_context(
        base_url=server,
        locale="zh-CN",
        viewport={"width": 1280, "height": 800},
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
