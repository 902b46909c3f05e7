"""Settings shared by every environment. The environment is read here, in one place.

``local``, ``production`` and ``test`` only override what differs.
"""

import os
from pathlib import Path

import dj_database_url
import orjson
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# The portal's own proxies (nginx; a balancer before it), addresses or CIDR networks: only a connection from one
# of them may name the client in X-Forwarded-For (core/client_ip.py). Empty: the header is never believed.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from our static files, not a CDN
    "rest_framework_api_key",
    "health_check",  # /health/ for monitoring (core/health.py)
    "axes",
    "simple_history",  # the audit's change history (core/history.py)
    "csp",  # django-csp: its system checks; the policy is CONTENT_SECURITY_POLICY below
    "django_otp",  # two-factor sign-in (core/two_factor.py)
    "core.two_factor.TOTPConfig",  # django_otp.plugins.otp_totp, named in Russian in the admin
    "core",
    "notifications",  # the bell and the e-mails: above core, below every area that tells of its events
    "schools",
    "diagnostics",
    "mentoring",
    "roadmaps",
    "indicators",  # the programme's indicators and the dashboard: they count mentoring, diagnostics and roadmaps
    "reports",
    "api",
    "demo",  # the demo region (manage.py load_demo): on top of every app
]

MIDDLEWARE = [
    # First: every log line of the request carries its id (core/logging.py), and the response tells it.
    "core.middleware.RequestIdMiddleware",
    # Under /api/ an error answered by anything but DRF (404 of an unknown address, 503, 500) is JSON too.
    "api.middleware.JsonErrorsMiddleware",
    # A lost database connection answers 503 with a Russian page instead of 500 (core/middleware.py).
    "core.middleware.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # ETag on GET answers and 304 for If-None-Match: API clients (and browsers) skip unchanged pages.
    "django.middleware.http.ConditionalGetMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): the session entered a code from the authenticator app (core/two_factor.py).
    "django_otp.middleware.OTPMiddleware",
    # Lets the change history record the signed-in user as the author of each change (core/history.py).
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Who still owes that code is sent to enter it (or to set the app up) before any other page.
    "core.two_factor.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # AxesMiddleware must be last: it turns a lockout into the lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "shnor_portal.urls"
WSGI_APPLICATION = "shnor_portal.wsgi.application"
ASGI_APPLICATION = "shnor_portal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.navigation",
            ],
        },
    },
]

# The embedded default is an SQLite file inside the project, so the demo needs no server.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # libpq waits for an unanswering server without limit: a request would hang instead of getting the 503 page.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", int(os.environ.get("DB_CONNECT_TIMEOUT", "5"))
    )
# An optional read replica (a PostgreSQL streaming standby) for the API's lists and the report builders; every
# write and every other read stay on "default" (core/db_router.py, docs/operations.md §6). In tests the replica
# is the test database itself (MIRROR), so no second one is created.
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = {
        **dj_database_url.parse(
            os.environ["DATABASE_REPLICA_URL"],
            conn_max_age=DATABASES["default"]["CONN_MAX_AGE"],
            conn_health_checks=True,
        ),
        "TEST": {"MIRROR": "default"},
    }
    if DATABASES["replica"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["replica"].setdefault("OPTIONS", {}).setdefault(
            "connect_timeout", int(os.environ.get("DB_CONNECT_TIMEOUT", "5"))
        )
DATABASE_ROUTERS = ["core.db_router.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    # AxesStandaloneBackend must be first: it refuses locked-out credentials before they are checked.
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
LOGOUT_REDIRECT_URL = "login"

# django-axes (core/lockout.py): five wrong passwords for one username from one address lock that pair for 30
# minutes; ten wrong secrets of one API key (prefix) from one address lock that key out from there for as long.
LOGIN_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
API_KEY_FAILURE_LIMIT = int(os.environ.get("API_KEY_FAILURE_LIMIT", "10"))
AXES_FAILURE_LIMIT = "core.lockout.failure_limit"
AXES_HANDLER = "core.lockout.AxesHandler"  # axes' database handler; the API reads the count with the key
AXES_LOCKOUT_CALLABLE = "core.lockout.lockout_response"
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "0.5"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "core.client_ip.client_ip"  # the client behind TRUSTED_PROXIES, not nginx
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

# Two-factor sign-in (django-otp, TOTP; core/two_factor.py). With OTP_REQUIRED the superusers, the staff (admin
# site) and the holders of OTP_REQUIRED_ROLES must set up an authenticator app and enter its code each session;
# anyone else may turn it on. Off in local (the demo) and test settings.
OTP_REQUIRED = env_bool("OTP_REQUIRED", True)
OTP_REQUIRED_ROLES = env_list("OTP_REQUIRED_ROLES", "head")
OTP_TOTP_ISSUER = os.environ.get("PORTAL_TITLE", "Портал ШНОР")  # the account's name in the app
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # the admin never shows a device's secret; recovery deletes the device

# The covering columns of schools.Result's partial index are a PostgreSQL speed-up for the ШНОР rule; on SQLite
# (the demo) the index is created without them, which is all the demo needs.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

LANGUAGE_CODE = "ru"
TIME_ZONE = "Europe/Moscow"
USE_I18N = True
USE_TZ = True
LANGUAGES = [("ru", "Русский")]

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Uploaded files (imports, evidence, reports) live outside the web root and are served only by
# permission-checked views; MEDIA_URL is deliberately not routed.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "media"))
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# An import file larger than this is refused with a message (a regional results file of
# ~100k rows is ~10 MB as CSV; 50 MB leaves room for xlsx overhead).
IMPORT_MAX_UPLOAD_BYTES = int(os.environ.get("IMPORT_MAX_UPLOAD_MB", "50")) * 1024 * 1024

CACHES = {
    "default": (
        {
            "BACKEND": "core.cache.RedisCache",  # Django's, reusing its client (core/cache.py)
            "LOCATION": os.environ["REDIS_URL"],
            # A stopped Redis fails fast instead of holding the request (the API's throttling uses the cache).
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
        if os.environ.get("REDIS_URL")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# --- Content Security Policy (django-csp 4) ------------------------------------------------------------
# Every script, style, font and image comes from our own static files: templates have no inline <script>
# (data for scripts travels in <script type="application/json">, which is never executed), no on…= handlers
# and no style="…". The API docs page keeps to it too (api/views_docs.py); only the browsable API's pages add
# style-src 'unsafe-inline' (api/renderers.py). tests/e2e/test_csp_browser.py fails on any violation.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# --- Celery -------------------------------------------------------------------------------------------
# When no broker is configured the tasks run eagerly in the web process, so the demo needs no broker.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL") or ""
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://"
CELERY_RESULT_BACKEND = None  # results are written to the database by the tasks themselves
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
# Tasks are idempotent, so a task is acknowledged only after it finished: a worker killed mid-task
# leaves the message to be redelivered instead of losing it. A job that kills its worker itself is given up on
# its third delivery, so it cannot stop the queue (core.tasks.JobTask, MAX_DELIVERIES).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = int(os.environ.get("CELERY_TASK_SOFT_TIME_LIMIT", "1800"))
CELERY_TASK_TIME_LIMIT = CELERY_TASK_SOFT_TIME_LIMIT + 60
# Redis redelivers an unacknowledged message after the visibility timeout; it must exceed the
# longest task (the hard time limit) or a slow task would run twice in parallel and count as a lost worker
# (core.tasks.JobTask). The 600 s cover a message's wait in a worker before its task starts.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", CELERY_TASK_TIME_LIMIT + 600)),
    # A stopped or hung Redis: sending a task from a page fails within seconds (core.tasks.enqueue), never hangs.
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# Publishing from a page: three quick tries (~1.5 s), then core.tasks.enqueue logs it and tells the user; the job
# stays queued in the database and the sweep (reports.tasks.requeue_reports…) sends it when Redis is back.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 1,
}
# A report or a large import still waiting after this many minutes is sent to the queue again by the sweep.
QUEUE_REQUEUE_AFTER_MINUTES = int(os.environ.get("QUEUE_REQUEUE_AFTER_MINUTES", "15"))
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker's child process is replaced after this many tasks, or after a task that left it above this many MB.
# Building a справка grows a child's native heap (Pango, HarfBuzz, lxml) by ~0.3 MB a report, and a region's
# справка leaves it at ~0.4 GB (WeasyPrint's layout): recycling keeps a long-running worker's memory flat
# (bench/load.py; docs/performance.md). Python objects themselves do not accumulate (tracemalloc, same place).
CELERY_WORKER_MAX_TASKS_PER_CHILD = int(os.environ.get("CELERY_MAX_TASKS_PER_CHILD", "20"))
CELERY_WORKER_MAX_MEMORY_PER_CHILD = 1024 * int(
    os.environ.get("CELERY_MAX_MEMORY_PER_CHILD_MB", "600")
)  # KiB
# Work goes to a queue by its kind, and each queue has its own workers (docker-compose.yml), so a region's справка
# (minutes of layout) never waits in front of a school's import (seconds): docs/operations.md §6 says how many of
# each to run. Tasks not named here (the heartbeat, the sweeps, sessions) go to the default queue «celery».
# CELERY_QUEUE_PREFIX keeps the queues of two portals on one Redis apart; the test workers use a private one.
TASK_QUEUE_PREFIX = os.environ.get("CELERY_QUEUE_PREFIX", "")
TASK_QUEUE_KINDS = ("imports", "reports", "recompute", "notifications")
CELERY_TASK_DEFAULT_QUEUE = f"{TASK_QUEUE_PREFIX}celery"
CELERY_TASK_ROUTES = {
    "core.tasks.import_batch_validate_task": {"queue": f"{TASK_QUEUE_PREFIX}imports"},
    "core.tasks.import_batch_apply_task": {"queue": f"{TASK_QUEUE_PREFIX}imports"},
    "reports.tasks.report_build_task": {"queue": f"{TASK_QUEUE_PREFIX}reports"},
    "schools.tasks.recompute_flags_task": {"queue": f"{TASK_QUEUE_PREFIX}recompute"},
    "diagnostics.tasks.progress_reminders_task": {"queue": f"{TASK_QUEUE_PREFIX}notifications"},
    "roadmaps.tasks.roadmap_due_reminders_task": {"queue": f"{TASK_QUEUE_PREFIX}notifications"},
    "notifications.tasks.notification_email_task": {"queue": f"{TASK_QUEUE_PREFIX}notifications"},
    "notifications.tasks.notification_digest_task": {"queue": f"{TASK_QUEUE_PREFIX}notifications"},
    "notifications.tasks.notification_resend_task": {"queue": f"{TASK_QUEUE_PREFIX}notifications"},
}

# --- REST framework ----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # The browsable API's pages allow inline styles (its template has some), never inline scripts: api/renderers.py.
    "DEFAULT_RENDERER_CLASSES": [
        # orjson, with UTC written as «Z» as DRF's own JSON renderer does.
        "drf_orjson_renderer.renderers.ORJSONRenderer",
        "api.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.auth.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # django-filter's backend with strict filter sets: a filter value of the wrong type is a 400 (api/filters.py).
    "DEFAULT_FILTER_BACKENDS": ["api.filters.FilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.SyncCursorPagination",
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.ClientRateThrottle"],
    # Per client key unless the key sets its own; a nightly sync of a region is a few thousand requests.
    "DEFAULT_THROTTLE_RATES": {"api_client": os.environ.get("API_RATE", "1200/min")},
    "EXCEPTION_HANDLER": "api.errors.api_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "ORJSON_RENDERER_OPTIONS": (orjson.OPT_UTC_Z,),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "API портала ШНОР",
    "DESCRIPTION": "Данные о школах с низкими образовательными результатами для региональных систем.",
    "VERSION": "1.0.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No «valid» badge: it is an image from validator.swagger.io (CSP img-src 'self') that sends it our schema URL.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a «status» with its own choices: name each enum after its choices class.
    "ENUM_NAME_OVERRIDES": {
        "FlagStatusEnum": "schools.models.FlagStatus",
        "PlanStatusEnum": "mentoring.models.PlanStatus",
        "FormStatusEnum": "diagnostics.models.FormStatus",
        "LineStatusEnum": "diagnostics.models.LineStatus",
        "RouteStatusEnum": "diagnostics.models.RouteStatus",
        "ItemStatusEnum": "roadmaps.models.ItemStatus",
    },
}
API_KEY_CUSTOM_HEADER = None  # the «Authorization: Api-Key <key>» header (api.auth)

# LOG_FORMAT=json: one JSON object per line for a log collector (core/logging.py); plain text otherwise. Either
# way each line carries the request id (X-Request-ID), and no request body or headers are logged.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain").strip().lower()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "core.logging.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"},
        "json": {"()": "core.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # fontTools (report fonts) logs ~40 INFO lines per subset; WeasyPrint warns about CSS it ignores.
        "fontTools": {"level": "WARNING"},
        "weasyprint": {"level": "ERROR"},
    },
}

# A Celery worker keeps Django's logging (and so the JSON lines) instead of installing its own handler.
CELERY_WORKER_HIJACK_ROOT_LOGGER = LOG_FORMAT != "json"

# --- /health/ (core/health.py) --------------------------------------------------------------------------
# Empty: open to everyone (it shows no data). Otherwise only these client addresses (core/client_ip.py) get it.
HEALTH_CHECK_ALLOWED_IPS = env_list("HEALTH_CHECK_ALLOWED_IPS")
# The workers are reported down when none ran the heartbeat task (beat sends it every minute) for this long.
HEALTH_WORKER_MAX_AGE_MINUTES = int(os.environ.get("HEALTH_WORKER_MAX_AGE_MINUTES", "5"))

PORTAL_TITLE = os.environ.get("PORTAL_TITLE", "Портал ШНОР")


def require(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise ImproperlyConfigured(f"Переменная окружения {name} обязательна в этой конфигурации.")
    return value


# --- e-mail: notifications (notifications/) ------------------------------------------------------------
# The console backend prints mail (development, demo); set EMAIL_HOST and friends
# for real SMTP (https://docs.djangoproject.com/en/5.2/topics/email/#smtp-backend).
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = 20  # seconds: a hung SMTP server must not hold a worker
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Портал ШНОР <shnor-portal@localhost>")

# --- quarterly progress forms ------------------------------------------------------------------------------
PROGRESS_DEADLINE_DAYS = int(os.environ.get("PROGRESS_DEADLINE_DAYS", "10"))  # days after a quarter ends

# --- programme indicators (indicators.rules) ----------------------------------------------------------------
# Target values in per cent by indicator code; the defaults of the support programme (002_…, section 2.4):
# 100 %, and 90 % for the first and highest qualification categories.
PROGRAMME_TARGETS = {
    "support": 100,
    "diagnosed": 100,
    "routes": 100,
    "courses": 100,
    "categories": 90,
    "dynamics": 100,
    "vpr": 100,
    "gia": 100,
}

# --- analytical reports (reports/) ---------------------------------------------------------------------------
# The department's signing certificate: a PKCS#12 file and its password (load_demo makes a self-signed demo
# one under var/; a department puts its own here — docs/operations.md). The verification page trusts the
# certificates listed in REPORTS_TRUST_ROOTS (PEM or DER files, separated by commas).
REPORTS_SIGNING_PKCS12 = os.environ.get("REPORTS_SIGNING_PKCS12", "")
REPORTS_SIGNING_PASSWORD = os.environ.get("REPORTS_SIGNING_PASSWORD", "")
REPORTS_TRUST_ROOTS = [path for path in os.environ.get("REPORTS_TRUST_ROOTS", "").split(",") if path]
# КриптоПро's cadesplugin_api.js, which makes window.cadesplugin for the ЭЦП Browser plug-in: the sign page
# includes it only when a deployment serves it (a path on this site, or an absolute URL whose origin the sign
# page then adds to script-src). The portal does not ship it: CryptoPro publishes it for download
# (https://www.cryptopro.ru/sites/default/files/products/cades/cadesplugin_api.js) under no open licence. Empty:
# no plug-in signing, the head uploads the .sig their program made (the page says how).
REPORTS_CADESPLUGIN_JS_URL = os.environ.get("REPORTS_CADESPLUGIN_JS_URL", "")
# Where the demo certificate is made when REPORTS_SIGNING_PKCS12 is not set (load_demo).
REPORTS_DEMO_CERT_DIR = Path(os.environ.get("REPORTS_DEMO_CERT_DIR", BASE_DIR / "var" / "signing"))
# The stamp's font rescaled to 1000 units per em is cached here (reports/signing.py explains why).
REPORTS_FONT_CACHE = Path(os.environ.get("REPORTS_FONT_CACHE", BASE_DIR / "var" / "fonts"))
# The title block of a справка: «{department}» when the municipality names none of its own.
REPORTS_DEFAULT_DEPARTMENT = os.environ.get("REPORTS_DEFAULT_DEPARTMENT", "Орган управления образованием")
# The portal's public address: the print copy of a КЭП-signed справка carries a QR code of its verification page
# (ГОСТ Р 7.0.97-2025), which must open from outside, so it cannot be taken from a request.
PORTAL_BASE_URL = os.environ.get("PORTAL_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# Years of results dynamics shown per school (003_…: three to four years).
REPORTS_DYNAMICS_YEARS = 4
# The справка's PDF is laid out in a forked child while the worker writes its Excel and Word files, where the machine
# has two or more cores and the process one thread (core/forking.py; docs/adr/0003-pdf-beside-excel-and-word.md).
REPORTS_RENDER_IN_PARALLEL = env_bool("REPORTS_RENDER_IN_PARALLEL", True)
# The open verification pages (/reports/verify/…, no login) check signatures for anyone: at most this many checks
# a client address (core.client_ip) in the period, DRF's notation (core/rate_limit.py). An office behind one
# address verifies a few documents a minute; a script hammering the page gets 429.
REPORTS_VERIFY_RATE = os.environ.get("REPORTS_VERIFY_RATE", "30/min")
