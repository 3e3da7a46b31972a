"""Effective configuration, read from environment variables only (12-factor).

This module is the single place that reads ``YINGJI_*``, ``DATABASE_URL`` and ``REDIS_URL``.
It imports no Django so that ``yingji check-config`` can explain a broken configuration
before Django itself would fail with a less helpful traceback.
"""

from __future__ import annotations

import json
import os
import secrets
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit, urlunsplit

SECRET_KEY_FILE = "secret_key"  # noqa: S105 - a file name, not a secret
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_DB_SCHEMES = {"sqlite", "postgres", "postgresql", "pgsql"}


class ConfigError(Exception):
    """A setting is wrong; the message names the variable and how to fix it."""


@dataclass(frozen=True)
class Config:
    data_dir: Path
    database_url: str
    redis_url: str | None
    secret_key: str | None
    secret_key_source: str
    allowed_hosts: list[str]
    debug: bool
    https: bool
    tile_url: str | None
    monitoring: dict[str, int] = field(default_factory=dict)
    public_url: str = "http://127.0.0.1:8000"
    channels: dict[str, dict[str, object]] = field(default_factory=dict)
    signing: tuple[str, str] = ("", "")
    pdf_font: str = ""  # a TrueType CJK font to embed in PDFs; "" = find one or use STSong-Light
    log_format: str = "plain"  # "json": one JSON object per line (for log shippers)
    metrics_token: str = ""  # bearer token for /metrics from non-loopback scrapers; "" = none
    # rate limits: rule ("login", "ingest") → (requests, window seconds); 0 requests = off
    rate_limits: dict[str, tuple[int, int]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def database_vendor(self) -> str:
        scheme = urlsplit(self.database_url).scheme
        return "postgresql" if scheme.startswith("postgres") or scheme == "pgsql" else scheme

    def masked(self) -> dict[str, object]:
        """The configuration as printed by ``check-config``: secrets never appear."""
        return {
            "YINGJI_DATA_DIR": str(self.data_dir),
            "DATABASE_URL": mask_url(self.database_url),
            "REDIS_URL": mask_url(self.redis_url) if self.redis_url else None,
            "YINGJI_SECRET_KEY": f"****** ({self.secret_key_source})"
            if self.secret_key
            else "not set",
            "YINGJI_ALLOWED_HOSTS": self.allowed_hosts,
            "YINGJI_DEBUG": self.debug,
            "YINGJI_HTTPS": self.https,
            "YINGJI_TILE_URL": self.tile_url,
            "YINGJI_PUBLIC_URL": self.public_url,
            "YINGJI_CHANNELS_FILE": sorted(self.channels) or None,
            "YINGJI_PDF_FONT": self.pdf_font or None,
            "YINGJI_METRICS_TOKEN": "******" if self.metrics_token else "not set",
            **{name: rate_text(self.rate_limits.get(rule)) for name, (rule, *_) in RATES.items()},
            **{name: self.monitoring.get(name) for name in MONITORING},
        }


def mask_url(url: str) -> str:
    """Hide the password of a URL such as ``postgres://user:pw@host/db``."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":******@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def parse_bool(name: str, raw: str | None, default: bool) -> bool:
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name}={raw!r} is not a boolean; use 1/0, true/false, yes/no or on/off")


def _check_database_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in _DB_SCHEMES:
        raise ConfigError(
            f"DATABASE_URL scheme {parts.scheme or '(none)'!r} is not supported; use "
            "sqlite:////absolute/path.sqlite3 or postgres://user:password@host:5432/dbname"
        )
    if parts.scheme == "sqlite":
        if not parts.path or parts.path == "/":
            raise ConfigError(
                "DATABASE_URL for SQLite needs a file path: sqlite:////abs/db.sqlite3"
            )
        return
    if not parts.hostname and not parts.path.strip("/"):
        raise ConfigError("DATABASE_URL for PostgreSQL needs a host and a database name")
    try:
        _ = parts.port
    except ValueError as exc:
        raise ConfigError(f"DATABASE_URL has an invalid port: {exc}") from exc
    if not parts.path.strip("/"):
        raise ConfigError("DATABASE_URL for PostgreSQL needs a database name after the host")


def _check_writable(data_dir: Path) -> None:
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=data_dir, prefix=".write-test-"):
            pass
    except OSError as exc:
        raise ConfigError(
            f"YINGJI_DATA_DIR {str(data_dir)!r} is not writable ({exc.strerror}); "
            "point it at a directory this user can write"
        ) from exc


def _resolve_secret_key(env: Mapping[str, str], data_dir: Path) -> tuple[str | None, str]:
    key = env.get("YINGJI_SECRET_KEY", "").strip()
    if key:
        if len(key) < 32:
            raise ConfigError("YINGJI_SECRET_KEY is too short: use at least 32 random characters")
        return key, "environment"
    path = data_dir / SECRET_KEY_FILE
    if path.is_file():
        return path.read_text(encoding="utf-8").strip(), f"file {path}"
    return None, "missing"


def ensure_demo_secret_key(data_dir: Path) -> Path:
    """Create the data dir's secret key once (mode 0600) and keep it across demo runs."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / SECRET_KEY_FILE
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(secrets.token_urlsafe(50))
    return path


MONITORING: Final = {
    # name: (default, lowest, highest, what it is)
    "YINGJI_READING_RETENTION_DAYS": (90, 2, 3650, "days raw readings are kept"),
    "YINGJI_OUTBOX_LEASE_SECONDS": (
        60,
        2,
        3600,
        "seconds a sending worker holds its claimed messages before another may resend them",
    ),
    "YINGJI_ALARM_HOLD_MINUTES": (60, 0, 1440, "minutes a cleared alarm stays open"),
    "YINGJI_ALARM_ESCALATE_MINUTES": (
        15,
        1,
        1440,
        "minutes before an unacknowledged alarm escalates",
    ),
    "YINGJI_STALE_INTERVALS": (
        3,
        1,
        100,
        "reporting intervals of silence before a sensor is stale",
    ),
    # rescue coverage (incidents): the aviation 30-minute circle
    "YINGJI_AIR_SPEED_KMH": (200, 50, 1000, "helicopter cruising speed, km/h"),
    "YINGJI_AIR_LAUNCH_MINUTES": (10, 0, 120, "minutes from call to take-off"),
}


def _whole_numbers(env: Mapping[str, str], errors: list[str]) -> dict[str, int]:
    values: dict[str, int] = {}
    for name, (default, low, high, what) in MONITORING.items():
        raw = env.get(name, "").strip()
        if not raw:
            values[name] = default
        elif raw.isdigit() and low <= int(raw) <= high:
            values[name] = int(raw)
        else:
            errors.append(
                f"{name} ({what}) must be a whole number from {low} to {high}, not {raw!r}"
            )
            values[name] = default
    return values


RATES: Final = {
    # name: (rule, default, what is counted); see yingji.core.ratelimit
    "YINGJI_RATE_LOGIN": ("login", "20/min", "sign-in posts per client address"),
    "YINGJI_RATE_INGEST": ("ingest", "6000/min", "ingest requests per API token"),
}
_RATE_UNITS: Final = {"s": 1, "min": 60}


def parse_rate(name: str, raw: str) -> tuple[int, int]:
    """``"20/min"`` → (20, 60); ``"5/s"`` → (5, 1); ``"0"`` → (0, 60), the limit turned off."""
    text = raw.strip().lower().replace(" ", "")
    if text == "0":
        return 0, 60
    count, _, unit = text.partition("/")
    if count.isdigit() and unit in _RATE_UNITS and 1 <= int(count) <= 1_000_000:
        return int(count), _RATE_UNITS[unit]
    raise ConfigError(
        f"{name} must be N/min or N/s with N from 1 to 1000000 (e.g. 20/min), "
        f"or 0 to turn the limit off; got {raw!r}"
    )


def rate_text(rate: tuple[int, int] | None) -> str:
    if not rate or rate[0] == 0:
        return "off"
    return f"{rate[0]}/{'s' if rate[1] == 1 else 'min'}"


def _rate_limits(env: Mapping[str, str], errors: list[str]) -> dict[str, tuple[int, int]]:
    limits: dict[str, tuple[int, int]] = {}
    for name, (rule, default, _what) in RATES.items():
        try:
            limits[rule] = parse_rate(name, env.get(name, "").strip() or default)
        except ConfigError as exc:
            errors.append(str(exc))
            limits[rule] = parse_rate(name, default)
    return limits


def _metrics_token(env: Mapping[str, str], errors: list[str]) -> str:
    """The bearer token that lets a scraper off this host read /metrics; "" = loopback only."""
    token = env.get("YINGJI_METRICS_TOKEN", "").strip()
    if token and (len(token) < 16 or not token.isprintable() or " " in token):
        errors.append(
            "YINGJI_METRICS_TOKEN must be at least 16 printable characters without spaces "
            "(e.g. from `openssl rand -hex 24`), or unset to allow loopback scrapes only"
        )
        return ""
    return token


def _channels(path: str, errors: list[str]) -> dict[str, dict[str, object]]:
    """Dissemination channel settings from a JSON file (it holds gateway secrets, so it is a
    file with its own permissions, not an environment variable): {"sms": {"url": …}, …}."""
    if not path:
        return {}
    try:
        data = json.loads(Path(path).expanduser().read_text(encoding="utf-8"))
    except OSError as exc:
        errors.append(f"YINGJI_CHANNELS_FILE {path!r} cannot be read ({exc.strerror})")
        return {}
    except ValueError as exc:
        errors.append(f"YINGJI_CHANNELS_FILE {path!r} is not valid JSON ({exc})")
        return {}
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        errors.append(
            f"YINGJI_CHANNELS_FILE {path!r} must be a JSON object of channel name → settings, "
            'e.g. {"sms": {"url": "https://…", "token": "…"}}'
        )
        return {}
    return {str(name): dict(conf) for name, conf in data.items()}


def load(env: Mapping[str, str] | None = None) -> Config:
    """Read and validate the environment. Problems are collected in ``Config.errors``."""
    env = os.environ if env is None else env
    errors: list[str] = []
    data_dir = Path(env.get("YINGJI_DATA_DIR") or "var").expanduser().resolve()
    try:
        _check_writable(data_dir)
    except ConfigError as exc:
        errors.append(str(exc))

    database_url = env.get("DATABASE_URL") or f"sqlite:///{data_dir / 'yingji.sqlite3'}"
    try:
        _check_database_url(database_url)
    except ConfigError as exc:
        errors.append(str(exc))

    redis_url = env.get("REDIS_URL") or None
    if redis_url and urlsplit(redis_url).scheme not in {"redis", "rediss", "unix"}:
        errors.append(
            f"REDIS_URL must start with redis://, rediss:// or unix:// (got {redis_url!r})"
        )

    flags: dict[str, bool] = {}
    for name, default in (("YINGJI_DEBUG", False), ("YINGJI_HTTPS", False)):
        try:
            flags[name] = parse_bool(name, env.get(name), default)
        except ConfigError as exc:
            errors.append(str(exc))
            flags[name] = default

    try:
        secret_key, source = _resolve_secret_key(env, data_dir)
    except ConfigError as exc:
        errors.append(str(exc))
        secret_key, source = None, "invalid"
    if secret_key is None and source == "missing":
        errors.append(
            "YINGJI_SECRET_KEY is not set: set it to a long random string in production, "
            f"or run `yingji demo`, which keeps a generated key in {data_dir / SECRET_KEY_FILE}"
        )

    hosts = [h.strip() for h in env.get("YINGJI_ALLOWED_HOSTS", "").split(",") if h.strip()]
    tile_url = env.get("YINGJI_TILE_URL") or None
    if tile_url and not (tile_url.startswith(("https://", "http://")) and "{z}" in tile_url):
        errors.append(
            "YINGJI_TILE_URL must be an http(s) URL template with {z}, {x} and {y}, "
            "e.g. https://tiles.example.org/{z}/{x}/{y}.png"
        )
    public_url = (env.get("YINGJI_PUBLIC_URL") or "http://127.0.0.1:8000").rstrip("/")
    if not public_url.startswith(("https://", "http://")):
        errors.append(
            "YINGJI_PUBLIC_URL must be the site's http(s) address as people reach it, "
            "e.g. https://yingji.example.gov.cn (used in links sent by SMS and e-mail)"
        )
    channels = _channels(env.get("YINGJI_CHANNELS_FILE", ""), errors)
    signing = (env.get("YINGJI_CAP_SIGNING_KEY", ""), env.get("YINGJI_CAP_SIGNING_CERT", ""))
    if bool(signing[0]) != bool(signing[1]) or any(p and not Path(p).is_file() for p in signing):
        errors.append(
            "YINGJI_CAP_SIGNING_KEY and YINGJI_CAP_SIGNING_CERT must both be set to readable "
            "PEM files (the private key and its certificate), or both be unset"
        )
        signing = ("", "")
    pdf_font = env.get("YINGJI_PDF_FONT", "").strip()
    if pdf_font and not Path(pdf_font.split("#", 1)[0]).is_file():
        errors.append(
            f"YINGJI_PDF_FONT {pdf_font!r} is not a readable file: name a TrueType CJK font "
            "(.ttf, or .ttc#N for face N), e.g. /usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
        )
    log_format = (env.get("YINGJI_LOG_FORMAT") or "plain").strip().lower()
    if log_format not in {"plain", "json"}:
        errors.append(f"YINGJI_LOG_FORMAT must be plain or json (got {log_format!r})")
        log_format = "plain"
    return Config(
        data_dir=data_dir,
        database_url=database_url,
        redis_url=redis_url,
        secret_key=secret_key,
        secret_key_source=source,
        allowed_hosts=hosts or ["127.0.0.1", "localhost", "[::1]"],
        debug=flags["YINGJI_DEBUG"],
        https=flags["YINGJI_HTTPS"],
        tile_url=tile_url,
        monitoring=_whole_numbers(env, errors),
        public_url=public_url,
        channels=channels,
        signing=signing,
        pdf_font=pdf_font,
        log_format=log_format,
        metrics_token=_metrics_token(env, errors),
        rate_limits=_rate_limits(env, errors),
        errors=errors,
    )
