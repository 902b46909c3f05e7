"""The two-factor pages: set up an authenticator app, and enter its code after the password (core/two_factor.py).

Setup keeps the new secret in the session until the first code from the app is accepted; only then is the
confirmed ``TOTPDevice`` saved, so opening the page writes nothing. Codes at sign-in are checked by the device
itself, which counts wrong codes and makes each next try wait twice as long (django-otp's throttling).
"""

import base64
import io
import math
import time
from binascii import unhexlify
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import login as otp_login
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from . import two_factor

SETUP_KEY_SESSION = "two_factor_setup_key"
DEVICE_NAME = "Приложение-аутентификатор"
WRONG_CODE = "Неверный код. Проверьте, что время на телефоне точное, и введите код, который приложение показывает сейчас."


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Код из приложения",
        max_length=12,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True, "size": 8}
        ),
        error_messages={"required": "Введите код из приложения."},
    )

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if not (code.isdigit() and len(code) == 6):
            raise forms.ValidationError("Код — шесть цифр из приложения-аутентификатора.")
        return code


def _next_url(request) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("home")


def _with_next(url_name: str, next_url: str) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': next_url})}"


def _qr_data_uri(text: str) -> str:
    """The otpauth:// address as an SVG QR code in a data: URI (CSP allows data: images; no inline styles)."""
    import qrcode
    import qrcode.image.svg

    buffer = io.BytesIO()
    qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, border=2).save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _page_context(request, **context) -> dict:
    if not request.user.is_verified():
        context["nav_items"] = []  # until the code is entered the menu leads nowhere but back here
    return context


def _wait_text(seconds: float) -> str:
    seconds = max(1, math.ceil(seconds))
    return f"{seconds} с" if seconds < 120 else f"{math.ceil(seconds / 60)} мин"


def _verified(request, device, next_url: str):
    otp_login(request, device)
    request.session[two_factor.SESSION_KEY] = two_factor.VERIFY
    request.session.cycle_key()  # a more trusted session gets a new key
    return redirect(next_url)


@login_required
def setup(request):
    user = request.user
    next_url = _next_url(request)
    device = two_factor.confirmed_device(user)
    if device is not None:
        if user.is_verified():
            return render(request, "registration/otp_setup.html", _page_context(request, enabled=True))
        return redirect(_with_next("two_factor_verify", next_url))

    key = request.session.get(SETUP_KEY_SESSION)
    if not key:
        key = request.session[SETUP_KEY_SESSION] = random_hex(20)
    pending = TOTPDevice(user=user, name=DEVICE_NAME, key=key)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        totp = TOTP(unhexlify(key), pending.step, pending.t0, pending.digits)
        totp.time = time.time()  # one moment for the check and for last_t below
        if totp.verify(int(form.cleaned_data["code"]), tolerance=pending.tolerance):
            with transaction.atomic():
                TOTPDevice.objects.filter(user=user, confirmed=False).delete()
                pending.confirmed = True
                pending.last_t = totp.t()  # the same code cannot be used again at the next sign-in
                pending.drift = totp.drift
                pending.save()
            del request.session[SETUP_KEY_SESSION]
            two_factor.logger.info("Двухфакторный вход включён: %s", user.get_username())
            messages.success(
                request,
                "Двухфакторный вход включён. Теперь при входе портал будет спрашивать код из приложения.",
            )
            return _verified(request, pending, next_url)
        form.add_error("code", WRONG_CODE)
    secret = base64.b32encode(unhexlify(key)).decode("ascii")
    return render(
        request,
        "registration/otp_setup.html",
        _page_context(
            request,
            form=form,
            next=next_url,
            required=two_factor.is_required(user),
            qr=_qr_data_uri(pending.config_url),
            secret=_grouped(secret),
            issuer=settings.OTP_TOTP_ISSUER,
        ),
    )


@login_required
def verify(request):
    user = request.user
    next_url = _next_url(request)
    if user.is_verified():
        return redirect(next_url)
    if two_factor.confirmed_device(user) is None:
        state = two_factor.remember_state(request, user)
        return redirect(_with_next("two_factor_setup", next_url) if state == two_factor.SETUP else next_url)

    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            device = (
                TOTPDevice.objects.select_for_update()
                .filter(user=user, confirmed=True)
                .order_by("pk")
                .first()
            )
            allowed, info = device.verify_is_allowed()
            accepted = allowed and device.verify_token(form.cleaned_data["code"])
        if accepted:
            return _verified(request, device, next_url)
        if not allowed:
            wait = _wait_text((info["locked_until"] - timezone.now()).total_seconds())
            form.add_error("code", f"Слишком много неверных кодов подряд. Повторите попытку через {wait}.")
            two_factor.logger.warning(
                "Код двухфакторного входа: попытка во время паузы (%s)", user.get_username()
            )
        else:
            form.add_error("code", WRONG_CODE)
            two_factor.logger.warning("Неверный код двухфакторного входа (%s)", user.get_username())
    return render(request, "registration/otp_verify.html", _page_context(request, form=form, next=next_url))
