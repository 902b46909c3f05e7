"""Two-factor sign-in (django-otp, TOTP): who must enter a code, and the middleware that makes them.

A user *must* use a code from an authenticator app when ``OTP_REQUIRED`` is on and the user is a superuser, a
staff member (the admin site) or holds one of ``OTP_REQUIRED_ROLES`` (the department head by default). Anyone
else may turn it on (the link on the password page); whoever has a confirmed device enters a code at every
sign-in, whatever ``OTP_REQUIRED`` says.

What a session still owes is decided once, when the password is accepted (``user_logged_in``), and kept in the
session: the middleware then costs no query on the pages. ``django_otp.middleware.OTPMiddleware`` (before this
one) marks the session verified once a code was accepted (``request.user.is_verified()``).

Until then every page redirects to the code page (or the setup page, if there is no device yet), and the API
answers 403 with the API's error format. Left open: the two pages themselves, login and logout, static files,
/health/ and the public report verification page.
"""

import logging
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.http import HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django_otp.plugins.otp_totp.apps import DefaultConfig as TOTPDefaultConfig

logger = logging.getLogger("core.two_factor")

SESSION_KEY = "two_factor_state"
NONE = "none"  # nothing owed: no device and not required
VERIFY = "verify"  # has a confirmed device: enter a code
SETUP = "setup"  # required but no device yet: set one up

API_PREFIX = "/api/"
OPEN_PREFIXES = ("/health/", "/reports/verify/")
API_MESSAGE = "Вход не подтверждён кодом из приложения: откройте портал в браузере и введите код."


class TOTPConfig(TOTPDefaultConfig):
    """django-otp's TOTP plugin under a Russian name in the admin (INSTALLED_APPS names this class)."""

    verbose_name = "Двухфакторный вход"


def is_required(user) -> bool:
    """The user must have a device (``OTP_REQUIRED`` and an admin or one of ``OTP_REQUIRED_ROLES``)."""
    if not settings.OTP_REQUIRED or not user.is_authenticated:
        return False
    if user.is_superuser or user.is_staff:
        return True
    return bool(set(user.roles) & set(settings.OTP_REQUIRED_ROLES))


def confirmed_device(user):
    """The user's TOTP device that codes are checked against, or None."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def state_for(user) -> str:
    from django_otp import user_has_device

    if user_has_device(user, confirmed=True):
        return VERIFY
    return SETUP if is_required(user) else NONE


def remember_state(request, user) -> str:
    state = state_for(user)
    if request.session.get(SESSION_KEY) != state:
        request.session[SESSION_KEY] = state
    return state


def _on_logged_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        remember_state(request, user)


def connect() -> None:
    user_logged_in.connect(_on_logged_in, dispatch_uid="core.two_factor.logged_in")


def _open_paths() -> tuple[str, ...]:
    return (
        reverse("two_factor_setup"),
        reverse("two_factor_verify"),
        reverse("login"),
        reverse("logout"),
        settings.STATIC_URL,
        *OPEN_PREFIXES,
    )


class TwoFactorMiddleware:
    """Sends a signed-in user who still owes a code to the code (or setup) page; goes after OTPMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._open: tuple[str, ...] | None = None

    def __call__(self, request):
        if self._open is None:
            self._open = _open_paths()
        path = request.path_info
        if not path.startswith(self._open):
            user = request.user
            if user.is_authenticated and not getattr(user, "is_verified", lambda: False)():
                state = request.session.get(SESSION_KEY)
                if state is None:  # a session from before two-factor sign-in was installed
                    state = remember_state(request, user)
                if state != NONE:
                    return self._refuse(request, state)
        return self.get_response(request)

    @staticmethod
    def _refuse(request, state: str):
        if request.path_info.startswith(API_PREFIX):
            return JsonResponse({"code": "otp_required", "message": API_MESSAGE, "details": None}, status=403)
        url = reverse("two_factor_setup" if state == SETUP else "two_factor_verify")
        if request.method in ("GET", "HEAD"):
            url = f"{url}?{urlencode({'next': request.get_full_path()})}"
        return HttpResponseRedirect(url)
