"""Developer machine and the demo: DEBUG on with the portal's own error pages, a generated secret key kept in var/."""

import secrets

from .base import *  # noqa: F403
from .base import BASE_DIR, env_bool

DEBUG = env_bool("DEBUG", True)
# With DEBUG Django answers a missing page with its English technical 404 listing every URL of the portal, and an
# error with a traceback; the demo's users see the portal's Russian 404/500 instead (issue #17). A developer who
# wants the technical pages sets TECHNICAL_ERROR_PAGES=1.
if not env_bool("TECHNICAL_ERROR_PAGES", False):
    MIDDLEWARE = [  # noqa: F405
        *MIDDLEWARE[: MIDDLEWARE.index("core.middleware.DatabaseUnavailableMiddleware")],  # noqa: F405
        "core.middleware.PortalErrorPagesMiddleware",
        *MIDDLEWARE[MIDDLEWARE.index("core.middleware.DatabaseUnavailableMiddleware") :],  # noqa: F405
    ]
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

# The demo signs reports with a self-signed certificate that load_demo makes (reports/demo.py); a department
# sets REPORTS_SIGNING_PKCS12, REPORTS_SIGNING_PASSWORD and REPORTS_TRUST_ROOTS to its own (docs/operations.md).
if not REPORTS_SIGNING_PKCS12:  # noqa: F405
    REPORTS_SIGNING_PKCS12 = str(REPORTS_DEMO_CERT_DIR / "demo-signer.p12")  # noqa: F405
    REPORTS_SIGNING_PASSWORD = "demo-signing-password"  # noqa: S105 - the demo's own throwaway certificate
    REPORTS_TRUST_ROOTS = [str(REPORTS_DEMO_CERT_DIR / "demo-signer.ca.pem")]  # noqa: F405
