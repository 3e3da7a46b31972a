"""Django settings. Every value comes from the environment through :mod:`yingji.config`."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from yingji import config as _config

CONFIG = _config.load()
if CONFIG.errors:
    raise ImproperlyConfigured(
        "Yingji configuration is invalid (run `yingji check-config` for details):\n  - "
        + "\n  - ".join(CONFIG.errors)
    )

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = CONFIG.data_dir
SECRET_KEY: str = CONFIG.secret_key or ""
DEBUG = CONFIG.debug
ALLOWED_HOSTS = CONFIG.allowed_hosts
TILE_URL = CONFIG.tile_url
REDIS_URL = CONFIG.redis_url


def _redis_for_test_process(url: str, worker: str) -> str:
    """The test suite on several processes (pytest-xdist: gw0, gw1 …) gives each its own Redis
    database, as pytest-django gives each its own test database: one process's batch worker
    must not take another's queued job, nor its cache.clear() wipe another's counts."""
    if not (url and worker.startswith("gw") and worker[2:].isdigit()):
        return url
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{int(worker[2:]) % 15 + 1}"))


REDIS_URL = _redis_for_test_process(REDIS_URL, os.environ.get("PYTEST_XDIST_WORKER", ""))
YINGJI_PDF_FONT = CONFIG.pdf_font
READING_RETENTION_DAYS = CONFIG.monitoring["YINGJI_READING_RETENTION_DAYS"]
OUTBOX_LEASE_SECONDS = CONFIG.monitoring["YINGJI_OUTBOX_LEASE_SECONDS"]
ALARM_HOLD_MINUTES = CONFIG.monitoring["YINGJI_ALARM_HOLD_MINUTES"]
ALARM_ESCALATE_MINUTES = CONFIG.monitoring["YINGJI_ALARM_ESCALATE_MINUTES"]
STALE_INTERVALS = CONFIG.monitoring["YINGJI_STALE_INTERVALS"]
YINGJI_AIR_SPEED_KMH = CONFIG.monitoring["YINGJI_AIR_SPEED_KMH"]
YINGJI_AIR_LAUNCH_MINUTES = CONFIG.monitoring["YINGJI_AIR_LAUNCH_MINUTES"]
# Drafter, reviewer and issuer of a warning must be three different people (审核 and 签发).
WARNING_SEPARATION = True
# GB/T 35965.1 identifier: the issuing organisation's code (GB/T 4657); "000" when unassigned.
WARNING_ORG_CODE = "000"
# The site's public address, for links sent in messages (叫应 reply links).
PUBLIC_URL = CONFIG.public_url
# Dissemination channels (sms, smpp, email, webhook, broadcast): settings per channel from
# YINGJI_CHANNELS_FILE; a channel not listed there is not drained (its messages wait).
CHANNELS = CONFIG.channels
# XML-DSig of exported CAP (PEM file paths); unset: CAP is served unsigned.
WARNING_SIGNING_KEY = CONFIG.signing[0]
WARNING_SIGNING_CERT = CONFIG.signing[1]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "ninja",  # serves the API docs (Swagger UI) from local static files, not a CDN
    "yingji.regions",
    "yingji.core",
    "yingji.registry",
    "yingji.risk",
    "yingji.hazards",
    "yingji.monitoring",
    "yingji.alerts",
    "yingji.incidents",
    "yingji.plans",
    "yingji.enforcement",
    "yingji.accidents",
    "yingji.review",
    "yingji.simulation",
    "yingji.web",
]

MIDDLEWARE = [
    "yingji.core.metrics.MetricsMiddleware",  # request latency for /metrics: outermost
    "django.middleware.security.SecurityMiddleware",
    "yingji.core.security.SecurityHeadersMiddleware",  # CSP, Permissions-Policy
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "yingji.core.middleware.NulByteGuardMiddleware",
    "yingji.core.ratelimit.RateLimitMiddleware",  # login per address, ingest per token
    "django.contrib.sessions.middleware.SessionMiddleware",
    "yingji.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "yingji.core.middleware.RequestContextMiddleware",
    "yingji.core.faults.UnavailableMiddleware",  # database down → 503, disk full → 507
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "yingji.urls"
ASGI_APPLICATION = "yingji.asgi.application"
AUTH_USER_MODEL = "core.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "yingji.web.context_processors.site",
            ],
        },
    },
]


def _database(url: str) -> dict[str, Any]:
    db: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=0))
    if db["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets the web process read while the worker writes; IMMEDIATE transactions take
        # the write lock up front so concurrent writers wait (timeout) instead of failing.
        db["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
            " PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000;"
            # 64 MB page cache per connection (default 2 MB): bulk ingest and imports touch
            # large indexes; measured +25 % on sensor readings.
            " PRAGMA cache_size=-65536;"
            # the fault middleware keeps a connection open, so the WAL file is not removed
            # when idle: cap what a checkpoint leaves of it
            " PRAGMA journal_size_limit=67108864;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    else:
        # one connection per web thread (`yingji serve`: processes of threads), reused
        db["CONN_MAX_AGE"] = 60
        db["CONN_HEALTH_CHECKS"] = True
        # No JIT: it compiles a query over a big table for ~45 ms that a page never earns back
        # (measured on a 500,000-row count). Options given in DATABASE_URL follow, and win.
        options = db.setdefault("OPTIONS", {})
        options["options"] = f"-c jit=off {options.get('options', '')}".strip()
    return db


DATABASES = {"default": _database(CONFIG.database_url)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Background tasks: the database backend (embedded default, `yingji worker`), or RQ on Redis
# when REDIS_URL is set (workers on many hosts). The cache follows: Redis when there is one
# (rate limits shared by every web process), else memory of the process.
if REDIS_URL:
    INSTALLED_APPS.insert(INSTALLED_APPS.index("django_tasks_db") + 1, "django_rq")
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    # An unreachable Redis host must not hang the request that starts a job: the job is kept
    # and queued again later (yingji.core.jobs); connecting gives up after 2 s.
    _QUEUE_URL = REDIS_URL
    if "socket_connect_timeout" not in REDIS_URL:
        _QUEUE_URL += ("&" if "?" in REDIS_URL else "?") + "socket_connect_timeout=2"
    RQ_QUEUES = {"default": {"URL": _QUEUE_URL, "DEFAULT_TIMEOUT": 6 * 3600}}
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "yingji",
            # a Redis that is up but not answering must not hang requests (limits fail open)
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, with the user's region joined (sessions name this path: changing
    # it signs everyone out once)
    "yingji.core.backends.UserBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Lock-out (django-axes): the *account* is locked after repeated failures, whatever the IP.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "yingji.web.views.locked_out"
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]
# Locking by IP too would lock out a whole bureau behind one NAT address after one person's
# typos; the account is what is protected.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# Sessions and CSRF: HttpOnly cookies, SameSite, a duty shift's lifetime.
SESSION_ENGINE = "yingji.core.sessions"  # Django's database sessions, read in plain SQL
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 12 * 3600
SESSION_COOKIE_NAME = "yingji_session"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_NAME = "yingji_csrftoken"
SESSION_COOKIE_SECURE = CONFIG.https
CSRF_COOKIE_SECURE = CONFIG.https
SECURE_SSL_REDIRECT = CONFIG.https
SECURE_HSTS_SECONDS = 31536000 if CONFIG.https else 0
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if CONFIG.https else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = [
    f"{scheme}://{h}" for h in ALLOWED_HOSTS if h != "*" for scheme in ("http", "https")
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve app static files directly (no collectstatic step needed for the demo or tests).
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = DATA_DIR / "media"

DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "json": {"()": "yingji.logs.JsonFormatter"},
    },
    "handlers": {"console": {"class": "yingji.logs.StderrHandler", "formatter": CONFIG.log_format}},
    "root": {"handlers": ["console"], "level": "INFO" if DEBUG else "WARNING"},
    "loggers": {
        "yingji": {"level": "INFO"},
        "axes": {"level": "WARNING"},
    },
}

# How long a worker may stay silent before /healthz calls it stale.
YINGJI_WORKER_STALE_AFTER = timedelta(seconds=60)
YINGJI_REGIONS_DATA = BASE_DIR.parent.parent / "data" / "regions"
YINGJI_HAZARD_CRITERIA = BASE_DIR.parent.parent / "data" / "hazards" / "major_hazard_criteria.json"
YINGJI_DEFENCE_GUIDES = BASE_DIR.parent.parent / "data" / "alerts" / "defence_guides.json"
NINJA_PAGINATION_MAX_LIMIT = 500
NINJA_PAGINATION_PER_PAGE = 50
