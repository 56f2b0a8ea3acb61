"""Settings for the PAR Index tracker: one file, every deployment difference read from the environment.

Variables (see .env.example): DATABASE_URL, REDIS_URL, DJANGO_SECRET_KEY, DJANGO_DEBUG, DJANGO_ALLOWED_HOSTS,
DJANGO_CSRF_TRUSTED_ORIGINS, DJANGO_SECURE (HTTPS-only cookies, HSTS and redirect; on by default when not DEBUG).
Without DATABASE_URL the app runs on a SQLite file (the quick start only); without REDIS_URL Celery runs tasks
inline and the cache lives in local memory.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from parindex.env import env_bool, env_int, env_list, env_url

# Lets classes that django-stubs declares generic be subscripted at run time too: `admin.ModelAdmin[Region]`.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG", default=False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it to a long random string "
            "(or set DJANGO_DEBUG=1 for local development only)."
        )
    SECRET_KEY = "insecure-development-key-only-used-when-DJANGO_DEBUG-is-on"  # noqa: S105
elif not DEBUG and len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY is too short for production: use at least 50 characters.")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS is empty: list the host names this site answers to.")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tables2",
    "django_filters",
    "simple_history",
    "parindex.entry.apps.AxesConfig",  # django-axes, named in Vietnamese in the admin
    "csp",  # django-csp: the Content-Security-Policy header (settings in the security section)
    "ninja",  # the public API (dashboards.api): serves its Swagger UI from the app, not a CDN
    "parindex.register",
    "parindex.entry",
    "parindex.transfer",
    "scoring",
    "dashboards",
    "parindex.ops",  # manage.py backup and restore (outside the layers)
]

MIDDLEWARE = [
    # /healthz for load balancers and docker-compose, before the HTTPS redirect and the Host check.
    "parindex.health.HealthzMiddleware",
    # Every request's id (X-Request-ID, given or made) on its log lines and the Celery tasks it queues.
    "parindex.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every answer, kept pages and API answers included (outside their middleware).
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Recent public API answers, served before the session and CSRF machinery (dashboards.api_cache).
    "dashboards.api_cache.ApiAnswerMiddleware",
    # Whole public pages for anonymous visitors, likewise before the session and CSRF machinery.
    "dashboards.page_cache.PublicPageMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "parindex.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Sessions end after 30 minutes idle and 12 hours after logging in.
    "parindex.middleware.SessionLimitsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
    # Last, so that it sees a view's exceptions first: a database outage is a 503 "try again" page in the layout
    # (JSON under the API), not a 500 (parindex.errors; an outage raised by a middleware: handler500).
    "parindex.errors.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "parindex.urls"
WSGI_APPLICATION = "parindex.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
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

# --- Database -------------------------------------------------------------------------------------------
_database_url = env_url("DATABASE_URL", {"postgres", "postgresql", "sqlite"})
if _database_url is None:
    _database_url = f"sqlite:///{BASE_DIR / 'var' / 'quickstart.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60, conn_health_checks=True)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and tasks ------------------------------------------------------------------------------------
REDIS_URL = env_url("REDIS_URL", {"redis", "rediss"})
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            # A public page must stay up when Redis goes down: cache errors are logged, not raised.
            # A Redis that hangs is not asked again for a few seconds (parindex.cache_client).
            "OPTIONS": {
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 1,
                "SOCKET_TIMEOUT": 1,
                "CLIENT_CLASS": "parindex.cache_client.PausingClient",
            },
            "KEY_PREFIX": "parindex",
        }
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "parindex"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
# No Redis: tasks run in the calling process (the quick start and the inline test mode).
CELERY_TASK_ALWAYS_EAGER = REDIS_URL is None
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_SERIALIZER = "json"
# Tasks are idempotent, so a task whose worker died may run again: acknowledge after running.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Every task's default limits; a recompute has its own of under a minute (scoring.tasks), an import its own below.
CELERY_TASK_SOFT_TIME_LIMIT = 120
CELERY_TASK_TIME_LIMIT = 150
# Reading and importing one spreadsheet (parindex.transfer.tasks.import_run): past the soft limit the job is
# marked failed with a message; a worker killed at the hard limit leaves it "running" until the import sweep
# (CELERY_BEAT_SCHEDULE) marks it failed. A PAR workbook takes well under a second.
IMPORT_SOFT_TIME_LIMIT = env_int("IMPORT_SOFT_TIME_LIMIT", 120, minimum=1)
IMPORT_TIME_LIMIT = env_int("IMPORT_TIME_LIMIT", 150, minimum=IMPORT_SOFT_TIME_LIMIT + 1)
# Each worker process's address space, in MB (0: no cap), set when a prefork child starts
# (parindex.transfer.tasks): a file that would need more cannot take the machine's memory. The failed allocation
# is usually a MemoryError, which fails the job with a message; a C extension may crash the process instead, which
# the pool replaces and the import sweep then fails. A child starts at about 140 MB.
WORKER_MEMORY_LIMIT_MB = env_int("WORKER_MEMORY_LIMIT_MB", 1024, minimum=0)
# Redelivery of a dead worker's task waits for the visibility timeout, which must stay above the longest hard time
# limit (the two above; a recompute's is shorter) or a task still running is handed to a second worker. A killed
# recompute does not wait for it: the results sweep (CELERY_BEAT_SCHEDULE) recomputes it within about a minute
# and a half; a killed import is marked failed by the import sweep. The socket timeouts: a frozen Redis holds a
# publish about 1 s.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": max(CELERY_TASK_TIME_LIMIT, IMPORT_TIME_LIMIT) + 30,
    "socket_connect_timeout": 1,
    "socket_timeout": 1,
    "max_retries": 0,  # one attempt at publishing: what is not taken stays pending for the sweep
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "Asia/Ho_Chi_Minh"

# How rank and index changes are computed for units merged in the 2025 reorganisation (see the methodology
# page): "predecessors_mean" or "none".
PARINDEX_MERGER_RULE = os.environ.get("PARINDEX_MERGER_RULE", "predecessors_mean")
if PARINDEX_MERGER_RULE not in {"predecessors_mean", "none"}:
    raise ImproperlyConfigured("PARINDEX_MERGER_RULE must be 'predecessors_mean' or 'none'.")

# --- Authentication -------------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25  # hours
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
# Five failures lock an account from that address; twenty failures from one address, whatever the user names,
# lock the address (a password sprayed over many accounts). parindex.entry.throttling applies the second limit.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_ADDRESS_FAILURE_LIMIT = 20
AXES_HANDLER = "parindex.entry.throttling.AccountAndAddressHandler"
# The number of proxies in front of gunicorn that append to X-Forwarded-For (docker-compose's nginx: 1; 2 with the
# site's TLS proxy before it). 0 (the default): the address is REMOTE_ADDR and the header is ignored.
TRUSTED_PROXY_COUNT = env_int("DJANGO_TRUSTED_PROXY_COUNT", 0, minimum=0)
AXES_CLIENT_IP_CALLABLE = "parindex.entry.throttling.client_address"
# Sessions: 30 minutes idle and at most 12 hours after logging in, enforced by
# parindex.middleware.SessionLimitsMiddleware (which keeps both times in the session and writes it at most once a
# minute: the stored session then expires 30 minutes after the last of those writes).
SESSION_COOKIE_AGE = 30 * 60
# The database store, except that an update the database cannot take (read-only, restarting) is logged, not an
# error page after the view has answered (parindex.sessions).
SESSION_ENGINE = "parindex.sessions"
SESSION_IDLE_SECONDS = 30 * 60
SESSION_ABSOLUTE_SECONDS = 12 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# --- Language and time ----------------------------------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

# --- Static files: everything served by the app itself (no CDN; the app runs on intranets) ---------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# --- Uploads --------------------------------------------------------------------------------------------
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
IMPORT_MAX_BYTES = 10 * 1024 * 1024  # a PAR results workbook is a few hundred KB

# --- Security -------------------------------------------------------------------------------------------
_secure = env_bool("DJANGO_SECURE", default=not DEBUG)
SECURE_SSL_REDIRECT = _secure
SESSION_COOKIE_SECURE = _secure
CSRF_COOKIE_SECURE = _secure
SECURE_HSTS_SECONDS = 31_536_000 if _secure else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = _secure
SECURE_HSTS_PRELOAD = _secure
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "parindex.errors.csrf_failure"  # refused in the layout and the user's language
SILENCED_SYSTEM_CHECKS: list[str] = []

# Content-Security-Policy (django-csp 4): scripts, styles, fonts and connections from the app itself only, no
# inline script or style anywhere (templates/ has none: tests/test_security_headers.py checks it; plotly.js's own
# rules come as a file, static/vendor/plotly/plotly.css); images also as data: and blob: URLs (Plotly's PNG export
# draws the chart's SVG through a blob: URL). Enforced in production; report-only with DEBUG, so
# that a new template breaking the rule shows in the browser console without breaking the page. The API's
# Swagger page (django-ninja: its files served by the app, settings in a JSON block) needs no exception.
_csp_policy = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # One exception, and no content: plotly.js clears its colour bars' style with style="" before setting
        # their gradient through the CSSOM (which the policy allows); this is the hash of the empty string.
        "style-src-attr": ["'unsafe-hashes'", "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
if DEBUG:
    CONTENT_SECURITY_POLICY_REPORT_ONLY = _csp_policy
else:
    CONTENT_SECURITY_POLICY = _csp_policy

# Logs go to the console (the container's output), one JSON object per line in production (LOG_FORMAT=json, the
# default without DEBUG) or as plain lines for a person reading `make run` (LOG_FORMAT=plain, the default with
# DEBUG). Either way each line carries the request id (X-Request-ID) and, in a Celery task, the task's id and name
# (parindex.logs). The Celery worker and beat use this configuration too (parindex.celery).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain" if DEBUG else "json").strip().lower()
if LOG_FORMAT not in {"json", "plain"}:
    raise ImproperlyConfigured("LOG_FORMAT must be 'json' or 'plain'.")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "parindex.logs.JsonFormatter"},
    },
    "filters": {
        # request_id, task_id and task_name on every record that reaches the console.
        "context": {"()": "parindex.logs.ContextFilter"},
        # An expected refusal (PermissionDenied: a 403 with its reason) is one line, not a traceback.
        "expected_refusal": {"()": "parindex.errors.ExpectedRefusalFilter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["context"]},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's default config gives "django" its own console handler (DEBUG only) on top of the root's:
        # every request warning printed twice. Configuring the logger here drops that handler (and
        # mail_admins, unused: no ADMINS); its records reach the root's console once.
        "django": {"level": "INFO", "propagate": True},
        "django.request": {"filters": ["expected_refusal"]},
        "django_redis": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

# --- Spreadsheet import (parindex.transfer.importing) -------------------------------------------------------------
# Files above this size are previewed and imported by a Celery worker, with a progress bar in the page (inline
# when there is no Redis). The size of an .xlsx is what it expands to (spreadsheets.parse_size), so a small file
# that expands far goes to the worker too. A year of 63 units is a few kilobytes; the limit only matters for
# unusual files.
IMPORT_ASYNC_BYTES = env_int("IMPORT_ASYNC_BYTES", 256 * 1024, minimum=0)
# Uploaded files are kept (in PostgreSQL) between preview and confirmation; after this many days they are
# deleted every night by Celery beat (the history of what was imported stays in the audit trail).
IMPORT_JOB_RETENTION_DAYS = env_int("IMPORT_JOB_RETENTION_DAYS", 7, minimum=1)
# A workbook (.xlsx, a zip of XML parts) is refused before it is parsed when it passes any of these
# (parindex.transfer.spreadsheets.check_workbook): a few hundred KB can expand to millions of cells. A PAR workbook
# is 34 to 63 rows of about 12 columns, a few hundred KB expanded: the limits are far above any real file.
IMPORT_XLSX_MAX_UNCOMPRESSED_BYTES = env_int(
    "IMPORT_XLSX_MAX_UNCOMPRESSED_BYTES", 50 * 1024 * 1024, minimum=1
)
IMPORT_XLSX_MAX_SHARED_STRINGS = env_int("IMPORT_XLSX_MAX_SHARED_STRINGS", 200_000, minimum=1)
IMPORT_XLSX_MAX_CELLS = env_int("IMPORT_XLSX_MAX_CELLS", 500_000, minimum=1)
IMPORT_XLSX_MAX_ROWS = env_int("IMPORT_XLSX_MAX_ROWS", 20_000, minimum=1)
IMPORT_XLSX_MAX_MEMBERS = env_int("IMPORT_XLSX_MAX_MEMBERS", 1_000, minimum=1)
IMPORT_XLSX_MAX_RATIO = env_int("IMPORT_XLSX_MAX_RATIO", 100, minimum=1)  # of a member of 1 MB or more
IMPORT_XLSX_MAX_XML_ELEMENTS = env_int("IMPORT_XLSX_MAX_XML_ELEMENTS", 2_000_000, minimum=1)
CELERY_BEAT_SCHEDULE = {
    "purge-import-jobs": {"task": "parindex.import_jobs_purge", "schedule": 24 * 60 * 60},
    # Import jobs left running past their hard time limit (a worker killed) are marked failed; jobs left pending
    # (a broker that did not take the task, a database that refused the worker) are sent again.
    "sweep-import-jobs": {"task": "parindex.import_jobs_sweep", "schedule": 60},
    # Whatever stayed pending (a broker that did not answer) or running (a worker killed) is recomputed.
    "sweep-results": {"task": "scoring.results_sweep", "schedule": 30},
}
