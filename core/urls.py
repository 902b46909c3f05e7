from django.contrib.auth import views as auth_views
from django.urls import path

from . import views_two_factor

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="registration/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    # Django 5 accepts only POST here; the header has a form with a button, not a link.
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(template_name="registration/password_change_form.html"),
        name="password_change",
    ),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="registration/password_change_done.html"),
        name="password_change_done",
    ),
    # Two-factor sign-in (core/two_factor.py): set up the authenticator app, enter its code after the password.
    path("account/2fa/setup/", views_two_factor.setup, name="two_factor_setup"),
    path("account/2fa/verify/", views_two_factor.verify, name="two_factor_verify"),
]
