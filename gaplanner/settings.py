"""Settings for gaplanner, read from the environment (see ``.env.example``).

Every variable has a default that runs on a fresh machine: SQLite under ``var/``, an embedded
Celery broker and a local cache, e-mail written to files. ``DEBUG`` is off unless the
environment turns it on, and then ``SECRET_KEY`` is required.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from apps.kernel.env import env_bool, env_file_load, env_int, env_list, env_str
from apps.kernel.timezones import use_pinned_tzdata

use_pinned_tzdata()

BASE_DIR = Path(__file__).resolve().parent.parent
# `make run` writes a git-ignored .env (a generated SECRET_KEY, DEBUG=1, DEMO_MODE=1), so that
# manage.py works in a plain shell after it; the environment wins over the file. ENV_FILE
# names another file (which must exist), or none when empty: the test suite reads none, and
# production images carry none (.dockerignore), so there a missing SECRET_KEY still stops it.
env_file_load(os.environ.get("ENV_FILE", str(BASE_DIR / ".env")), required="ENV_FILE" in os.environ)
VAR_DIR = Path(env_str("VAR_DIR") or BASE_DIR / "var").resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY") or ""
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY is required when DEBUG is off")
    SECRET_KEY = "insecure-development-key-only-for-debug-mode-" + "x" * 20
DEMO_MODE = env_bool("DEMO_MODE", False)
# Feed links are derived from this secret (default: from SECRET_KEY); changing it changes them all.
FEED_TOKEN_SECRET = env_str("FEED_TOKEN_SECRET") or ""
# The most sessions one feed holds: Google and Outlook stop reading larger calendars
# (docs/calendar.md). A capped feed keeps the next sessions and says where the rest is.
FEED_MAX_EVENTS = 1000

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
SITE_URL = (env_str("SITE_URL") or "http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [SITE_URL])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",
    "rest_framework",
    "django_filters",
    "django_countries",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "gaplanner",
    "apps.events",
    "apps.accounts",
    "apps.delegations",
    "apps.programme",
    "apps.feeds",
    "apps.notifications",
    "apps.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Before any view reads the query string; after the language and the user are known,
    # for the "bad request" page.
    "apps.kernel.request_limits.QueryStringLimitMiddleware",
    "apps.kernel.audit_context.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A view that meets a busy or unreachable database answers 503 with Retry-After, not 500.
    "apps.kernel.busy.DatabaseBusyMiddleware",
    "apps.kernel.unavailable.DatabaseUnavailableMiddleware",
    # Last: turns a sign-in refused by the lockout into the lockout answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "gaplanner.urls"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "web:home"
WSGI_APPLICATION = "gaplanner.wsgi.application"

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
            ],
        },
    },
]
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# Database: DATABASE_URL, else SQLite under var/. SQLite transactions start IMMEDIATE, so a
# check-then-write (a room booking) holds the write lock from its first read.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'gaplanner.sqlite3'}",
        conn_max_age=env_int("CONN_MAX_AGE", 0),
        # A kept connection is checked before a request reuses it: after a database restart
        # the request connects anew instead of failing on the dead one.
        conn_health_checks=True,
    )
}
# A write that meets a busy database (SQLite's write lock, a PostgreSQL row or table lock)
# waits this many seconds, then answers 503 with Retry-After (apps.kernel.busy), never a
# request stuck for long (docs/decisions/020-background-imports.md).
DATABASE_BUSY_TIMEOUT = env_int("DATABASE_BUSY_TIMEOUT", 5)
if DATABASE_BUSY_TIMEOUT < 1:
    raise ImproperlyConfigured("DATABASE_BUSY_TIMEOUT must be 1 or more")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": DATABASE_BUSY_TIMEOUT,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Tests use a file, not shared memory: concurrent writers then wait for the lock as they
    # do in production, instead of failing at once.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = f"-c lock_timeout={DATABASE_BUSY_TIMEOUT * 1000}"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL") or ""
if REDIS_URL:
    CACHES: dict[str, dict[str, Any]] = {"default": {"BACKEND": "apps.kernel.cache.RedisCache", "LOCATION": REDIS_URL}}
else:
    # Room for every session's calendar fragment in every language (the default keeps 300).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 200_000},
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Interface languages: the four working languages of the model assembly.
LANGUAGE_CODE = "en"
LANGUAGES = [("ar", _("Arabic")), ("en", _("English")), ("fr", _("French")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # collectstatic fills it; whitenoise wants it to exist
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# Security. Behind a TLS-terminating proxy set SECURE_PROXY_SSL_HEADER=1.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# Health probes (a load balancer, the compose healthcheck) ask over plain HTTP, inside.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# Joining the browsers' HSTS preload list binds the whole domain for months: the operator's
# decision (SECURE_HSTS_PRELOAD=1), not a default, so the check that asks for it is silenced.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): scripts and styles only from this site's own files,
# no inline script, no inline style; the API reference relaxes nothing either
# (docs/decisions/019-request-limits-lockout-csp.md).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # QR codes are inline SVG; the admin's and the API reference's icons are data: URIs.
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Request bounds: every query string parameter at most this long, at most this many of them
# (forms and filters bound their own fields tighter). gunicorn.conf.py lets longer request
# lines through to Django so that the answer names the parameter.
QUERY_STRING_MAX_PARAMETERS = env_int("QUERY_STRING_MAX_PARAMETERS", 100)
QUERY_STRING_MAX_VALUE_LENGTH = env_int("QUERY_STRING_MAX_VALUE_LENGTH", 1000)

# Client addresses: X-Forwarded-For is read only behind this many proxies of one's own (each
# appends the address it received from); 0 means REMOTE_ADDR, whatever the header says.
# The API throttles and the sign-in lockout both count by it.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or more")

# Password sign-in lockout (django-axes): LOGIN_FAILURE_LIMIT failures for one account, or
# from one client address, lock that account, or that address, for LOGIN_LOCKOUT_MINUTES.
# Counted in the database: every web process and the API share the count.
# Lifting it: manage.py axes_reset_username NAME / axes_reset_ip ADDRESS / axes_reset.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 30))
if AXES_FAILURE_LIMIT < 1 or AXES_COOLOFF_TIME.total_seconds() < 60:
    raise ImproperlyConfigured("LOGIN_FAILURE_LIMIT and LOGIN_LOCKOUT_MINUTES must be 1 or more")
# A success does not clear the count: an attacker signing in to an account of their own
# between guesses would otherwise reset the count of their address.
AXES_RESET_ON_SUCCESS = False
AXES_CLIENT_IP_CALLABLE = "apps.kernel.client_address.client_address"
AXES_LOCKOUT_CALLABLE = "apps.accounts.lockout.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
# No start-up banner in every manage.py command's output, nor user agents in the log lines.
AXES_VERBOSE = False

# E-mail: SMTP when EMAIL_HOST is set, else one file per message under var/mail/.
EMAIL_HOST = env_str("EMAIL_HOST") or ""
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 25)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER") or ""
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD") or ""
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"
# EMAIL_BACKEND overrides both (the benchmark uses Django's in-memory backend).
EMAIL_BACKEND = env_str("EMAIL_BACKEND") or EMAIL_BACKEND
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL") or "gaplanner <noreply@localhost>"
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The right-hand side of Message-IDs: a notification keeps its Message-ID across attempts.
EMAIL_MESSAGE_ID_DOMAIN = (
    env_str("EMAIL_MESSAGE_ID_DOMAIN") or (SITE_URL.split("://", 1)[-1].split("/")[0].split(":")[0])
)

# The longest event, in days: every page, feed and export of an event grows with its days
# (docs/decisions/018-bounded-clean-text.md).
EVENT_MAX_DAYS = env_int("EVENT_MAX_DAYS", 31)
if EVENT_MAX_DAYS < 1:
    raise ImproperlyConfigured(f"EVENT_MAX_DAYS={EVENT_MAX_DAYS} must be 1 or more")

# Reminders, change notices, webhooks (apps.notifications; docs/decisions/013-notifications.md).
# Reminders are planned this far ahead as rows, so that an outage finds them in the database.
REMINDER_PLAN_AHEAD_MINUTES = env_int("REMINDER_PLAN_AHEAD_MINUTES", 60)
# A change notice waits this long after the last publication, so that several make one notice,
# but never longer than NOTICE_MAX_DELAY_MINUTES after the first.
NOTICE_QUIET_MINUTES = env_int("NOTICE_QUIET_MINUTES", 10)
NOTICE_MAX_DELAY_MINUTES = env_int("NOTICE_MAX_DELAY_MINUTES", 60)
# A claimed message not sent within this time (its worker died, its task was lost with the
# broker) is claimed again by the next sweep; the send itself never repeats a sent row.
NOTIFICATION_LEASE_MINUTES = env_int("NOTIFICATION_LEASE_MINUTES", 10)
NOTIFICATION_BATCH_SIZE = env_int("NOTIFICATION_BATCH_SIZE", 200)
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10)
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 10)
# Webhook URLs that resolve to loopback or private addresses are refused unless this is on.
WEBHOOK_ALLOW_PRIVATE_HOSTS = env_bool("WEBHOOK_ALLOW_PRIVATE_HOSTS", False)

# Celery: Redis when REDIS_URL is set; otherwise a broker in files under var/celery/, which
# needs no server and is shared by the web, worker and beat processes of one machine.
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "gaplanner.feeds.*": {"queue": "feeds"},
    "gaplanner.notifications.*": {"queue": "notifications"},
}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_EXPIRES = 3600
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Periodic work; each entry calls one thin task.
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    # Every minute: plan the next reminders and digests, claim what is due, send it; retry
    # webhook deliveries. A sweep not started within the minute is dropped: the next one
    # does its work.
    "notifications-sweep": {
        "task": "gaplanner.notifications.sweep",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
}
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    # A task not acknowledged within the hour (acks_late) is handed to another worker.
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, Any] = {"visibility_timeout": 3600}
else:
    _celery_dir = VAR_DIR / "celery"
    for _folder in ("broker", "control", "results"):
        (_celery_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    # kombu's filesystem transport, writing each message whole before a worker can see it.
    CELERY_BROKER_TRANSPORT = "gaplanner.broker:Transport"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_celery_dir / "broker"),
        "data_folder_out": str(_celery_dir / "broker"),
        "control_folder": str(_celery_dir / "control"),
    }
    CELERY_RESULT_BACKEND = f"file://{_celery_dir / 'results'}"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
        "rest_framework.throttling.ScopedRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("API_THROTTLE_ANON") or "600/min",
        "user": env_str("API_THROTTLE_USER") or "3000/min",
        "login": env_str("API_THROTTLE_LOGIN") or "10/min",
    },
    "DEFAULT_PAGINATION_CLASS": "apps.kernel.api.Pagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "apps.kernel.api.exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # DRF's default (None) takes X-Forwarded-For from anyone: throttles count by the same
    # client address as the lockout.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "gaplanner API",
    "DESCRIPTION": "Events, rooms, delegations and the published programme of an assembly.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"RoleEnum": "apps.delegations.enums.Role"},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "apps.kernel.api.add_error_responses",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"redact": {"()": "apps.kernel.log_filters.RedactTokens"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"]}},
    # Django's own loggers log through the console handler, so its filter redacts them too.
    "loggers": {
        "django.request": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL") or "INFO"},
}
