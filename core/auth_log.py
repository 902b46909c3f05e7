"""Sign-ins, sign-outs and failed attempts into core.AuthEvent.

Django announces these only through signals (django.contrib.auth.signals), so the receivers live here and are
connected in CoreConfig.ready(). Only the typed username is kept from the credentials, never the password.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

from .models import AuthEvent

USER_AGENT_LENGTH = 255
USERNAME_LENGTH = 150


def _client(request) -> dict:
    if request is None:
        return {"ip": None, "user_agent": ""}
    from axes.helpers import get_client_ip_address  # the same address axes locks out by

    return {
        "ip": get_client_ip_address(request) or None,
        "user_agent": request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_LENGTH],
    }


def auth_event_record(*, kind: str, request=None, user=None, username: str = "") -> AuthEvent:
    if user is not None and not username:
        username = user.get_username()
    return AuthEvent.objects.create(
        kind=kind, user=user, username=(username or "")[:USERNAME_LENGTH], **_client(request)
    )


def on_logged_in(sender, request, user, **kwargs):
    auth_event_record(kind=AuthEvent.Kind.LOGIN, request=request, user=user)


def on_logged_out(sender, request, user, **kwargs):
    if user is not None:  # signing out without a session is not an event
        auth_event_record(kind=AuthEvent.Kind.LOGOUT, request=request, user=user)


def on_login_failed(sender, credentials, request=None, **kwargs):
    User = get_user_model()
    username = str(credentials.get(User.USERNAME_FIELD) or credentials.get("username") or "")
    if (
        credentials.get("key_prefix") is not None
    ):  # a wrong API key (core.lockout): no account, its public prefix
        from .lockout import API_KEY_USERNAME

        username = f"{API_KEY_USERNAME} {credentials['key_prefix']}".strip()
        auth_event_record(kind=AuthEvent.Kind.FAILED, request=request, username=username)
        return
    user = User._default_manager.filter(**{User.USERNAME_FIELD: username}).first() if username else None
    auth_event_record(kind=AuthEvent.Kind.FAILED, request=request, user=user, username=username)


def connect() -> None:
    user_logged_in.connect(on_logged_in, dispatch_uid="core.auth_log.logged_in")
    user_logged_out.connect(on_logged_out, dispatch_uid="core.auth_log.logged_out")
    user_login_failed.connect(on_login_failed, dispatch_uid="core.auth_log.login_failed")
