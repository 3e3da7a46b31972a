"""Configuration from the environment, and `yingji check-config`."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from yingji import config

KEY = "k" * 40


def env(tmp_path, **extra):
    base = {"YINGJI_DATA_DIR": str(tmp_path / "var"), "YINGJI_SECRET_KEY": KEY}
    base.update(extra)
    return {k: v for k, v in base.items() if v is not None}


def test_defaults(tmp_path):
    cfg = config.load(env(tmp_path))
    assert cfg.errors == []
    assert cfg.database_url == f"sqlite:///{tmp_path / 'var' / 'yingji.sqlite3'}"
    assert cfg.debug is False
    assert cfg.tile_url is None
    assert cfg.redis_url is None


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        ({"DATABASE_URL": "mysql://u:p@h/db"}, "scheme 'mysql' is not supported"),
        ({"DATABASE_URL": "nonsense"}, "DATABASE_URL scheme"),
        ({"DATABASE_URL": "postgres://u:p@localhost:99999/db"}, "invalid port"),
        ({"DATABASE_URL": "postgres://u:p@localhost:5432"}, "needs a database name"),
        ({"DATABASE_URL": "sqlite://"}, "needs a file path"),
        ({"YINGJI_DEBUG": "maybe"}, "YINGJI_DEBUG='maybe' is not a boolean"),
        ({"YINGJI_SECRET_KEY": None}, "YINGJI_SECRET_KEY is not set"),
        ({"YINGJI_SECRET_KEY": "short"}, "too short"),
        ({"REDIS_URL": "http://x"}, "REDIS_URL must start with"),
        ({"YINGJI_TILE_URL": "ftp://tiles"}, "YINGJI_TILE_URL must be"),
    ],
)
def test_bad_settings_are_explained(tmp_path, extra, fragment):
    cfg = config.load(env(tmp_path, **extra))
    assert any(fragment in e for e in cfg.errors), cfg.errors


def test_data_dir_that_is_a_file_is_unwritable(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    cfg = config.load(env(tmp_path, YINGJI_DATA_DIR=str(blocker)))
    assert any("YINGJI_DATA_DIR" in e and "not writable" in e for e in cfg.errors)


def test_demo_key_is_generated_once_and_private(tmp_path):
    path = config.ensure_demo_secret_key(tmp_path)
    first = path.read_text()
    config.ensure_demo_secret_key(tmp_path)
    assert path.read_text() == first and len(first) >= 50
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    cfg = config.load({"YINGJI_DATA_DIR": str(tmp_path)})
    assert cfg.secret_key == first and cfg.errors == []


def test_secrets_are_masked(tmp_path):
    cfg = config.load(
        env(
            tmp_path,
            DATABASE_URL="postgres://yj:s3cret@db:5432/yingji",
            REDIS_URL="redis://:hunter2@cache:6379/0",
        )
    )
    shown = json.dumps(cfg.masked())
    assert "s3cret" not in shown and "hunter2" not in shown and KEY not in shown
    assert "postgres://yj:******@db:5432/yingji" in shown


def _check_config(tmp_path, **extra):
    full = {**os.environ, **env(tmp_path, **extra)}
    full.pop("DATABASE_URL", None) if "DATABASE_URL" not in extra else None
    return subprocess.run(
        [sys.executable, "-m", "yingji.cli", "check-config", "--json"],
        env=full,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_check_config_command_ok(tmp_path):
    result = _check_config(tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] is True
    assert report["config"]["YINGJI_SECRET_KEY"].startswith("******")


def test_check_config_command_fails_clearly(tmp_path):
    result = _check_config(tmp_path, DATABASE_URL="mysql://root:pw@x/db")
    assert result.returncode == 2
    report = json.loads(result.stdout)
    assert report["ok"] is False
    assert "mysql" in report["errors"][0]
    assert "pw@" not in result.stdout


def test_production_server_refuses_to_start_without_a_key(tmp_path):
    full = {k: v for k, v in os.environ.items() if k != "YINGJI_SECRET_KEY"}
    full["YINGJI_DATA_DIR"] = str(tmp_path / "prod")
    result = subprocess.run(
        [sys.executable, "-m", "yingji.cli", "serve", "--port", "1"],
        env=full,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "YINGJI_SECRET_KEY is not set" in result.stderr
