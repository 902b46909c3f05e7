"""Test settings: PostgreSQL when reachable (always under CI=true), SQLite only as a local fallback.

TEST_DATABASE_VENDOR=sqlite forces the embedded database even when PostgreSQL is reachable: ``make test-sqlite``
opens the pages on the database the demo runs on (issue #17: a query PostgreSQL takes and SQLite refuses).
"""

import os
import sys

from .base import *  # noqa: F403
from .base import BASE_DIR, env_bool

SECRET_KEY = "test-only-secret-key-not-for-production"  # noqa: S105
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast hashing in tests only
MEDIA_ROOT = BASE_DIR / "var" / "test-media"
ALLOWED_HOSTS = ["*"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

WHITENOISE_USE_FINDERS = True  # tests do not run collectstatic
WHITENOISE_AUTOREFRESH = True

CI = env_bool("CI", False)
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/shnor")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _postgres_reachable(url: str) -> bool:
    import psycopg

    parsed = dj_database_url.parse(url)  # noqa: F405
    try:
        psycopg.connect(
            host=parsed["HOST"],
            port=parsed["PORT"] or 5432,
            user=parsed["USER"],
            dbname="postgres",
            connect_timeout=3,
        ).close()
    except psycopg.OperationalError:
        return False
    return True


# TEST_DATABASE_VENDOR: "sqlite" — the embedded database whatever is reachable (also under CI); "postgresql" —
# PostgreSQL or an error; unset — PostgreSQL when reachable (always under CI=true), else SQLite.
_FORCED_VENDOR = os.environ.get("TEST_DATABASE_VENDOR", "").strip().lower()
if _FORCED_VENDOR not in {"", "sqlite", "postgresql"}:
    raise ImproperlyConfigured(  # noqa: F405
        f"TEST_DATABASE_VENDOR={_FORCED_VENDOR!r}: ожидается sqlite или postgresql."
    )

if _FORCED_VENDOR == "sqlite":
    TEST_DATABASE_VENDOR = "sqlite"
elif _postgres_reachable(TEST_DATABASE_URL):
    TEST_DATABASE_VENDOR = "postgresql"
elif CI or _FORCED_VENDOR == "postgresql":
    raise ImproperlyConfigured(  # noqa: F405
        f"PostgreSQL недоступен по адресу {TEST_DATABASE_URL} (CI=true или TEST_DATABASE_VENDOR=postgresql): "
        "тесты не запускаются без него."
    )
else:
    TEST_DATABASE_VENDOR = "sqlite"
    print("ВНИМАНИЕ: PostgreSQL недоступен, тесты идут на SQLite (не для CI).", file=sys.stderr)

if TEST_DATABASE_VENDOR == "postgresql":
    DATABASES = {"default": dj_database_url.parse(TEST_DATABASE_URL)}  # noqa: F405
else:
    DATABASES = {
        "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "var" / "test.sqlite3"}
    }

# Unit tests run tasks eagerly; the worker tests start a real worker against TEST_REDIS_URL.
CELERY_BROKER_URL = "memory://"
CELERY_TASK_ALWAYS_EAGER = True
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The locmem cache lives as long as a test process: the verification pages' tests of a module would add up past the
# real limit within a minute. tests/core/test_rate_limit.py sets its own.
REPORTS_VERIFY_RATE = "100000/min"
LOGIN_FAILURE_LIMIT = 3
API_KEY_FAILURE_LIMIT = 4
OTP_REQUIRED = False  # tests of two-factor sign-in turn it on (tests/core/test_two_factor.py)
# No change history (core/history.py) by default: one row per save doubles the writes of every test. The tests of
# the audit, which reads it, turn it on with @pytest.mark.history (tests/conftest.py).
SIMPLE_HISTORY_ENABLED = False
