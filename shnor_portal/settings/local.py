"""Developer machine and the demo: the portal's own error pages, a generated secret key kept in var/."""

import secrets

from .base import *  # noqa: F403
from .base import BASE_DIR, env_bool

# Off unless a developer asks (DEBUG=1 make run): with DEBUG Django answers a refused or missing page with its
# English technical 404 listing every URL of the portal, and an error with a traceback, instead of the Russian
# 403/404/500 pages the demo's users should see (issue #17). Tracebacks still go to the console's log.
DEBUG = env_bool("DEBUG", False)
# runserver serves no static files without DEBUG: WhiteNoise serves them from the apps' folders, as changed,
# with no collectstatic (both default to DEBUG).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# The demo signs in without a code from an authenticator app unless asked to (core/two_factor.py).
OTP_REQUIRED = env_bool("OTP_REQUIRED", False)


def _local_secret_key() -> str:
    # Generated once per checkout so sessions survive restarts; never used in production.
    path = BASE_DIR / "var" / "secret_key.txt"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    path.write_text(key)
    return key


SECRET_KEY = SECRET_KEY or _local_secret_key()  # noqa: F405
STORAGES = {  # no manifest needed while runserver serves static files
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# The demo signs reports with a self-signed certificate that load_demo makes (demo/reports.py); a department
# sets REPORTS_SIGNING_PKCS12, REPORTS_SIGNING_PASSWORD and REPORTS_TRUST_ROOTS to its own (docs/operations.md).
if not REPORTS_SIGNING_PKCS12:  # noqa: F405
    REPORTS_SIGNING_PKCS12 = str(REPORTS_DEMO_CERT_DIR / "demo-signer.p12")  # noqa: F405
    REPORTS_SIGNING_PASSWORD = "demo-signing-password"  # noqa: S105 - the demo's own throwaway certificate
    REPORTS_TRUST_ROOTS = [str(REPORTS_DEMO_CERT_DIR / "demo-signer.ca.pem")]  # noqa: F405
