"""core.lockout.AxesHandler: the count of an address's failed keys read as an SQL expression (with the key lookup)
is axes' own count, in every case; a count handed over is used once and only for the same credentials."""

import datetime

import pytest
from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from django.contrib.contenttypes.models import ContentType
from django.test import RequestFactory
from django.utils import timezone

from core.lockout import API_KEY_USERNAME, AxesHandler, api_key_credentials, known_failures

pytestmark = pytest.mark.django_db

# An attempt's age when the test runs (not a time fixed at import: the module may run long after collection).
NOW = datetime.timedelta(0)
OLD = datetime.timedelta(hours=2)  # beyond the cool-off (30 min): axes no longer counts it


def attempt(username: str, ip: str, failures: int, age: datetime.timedelta, user_agent: str = "test") -> None:
    row = AccessAttempt.objects.create(
        username=username,
        ip_address=ip,
        user_agent=user_agent,
        http_accept="*/*",
        path_info="/api/v1/ping/",
        get_data="",
        post_data="",
        failures_since_start=failures,
    )
    when = timezone.now() - age
    AccessAttempt.objects.filter(pk=row.pk).update(attempt_time=when)  # auto_now_add on create


@pytest.mark.parametrize(
    ("attempts", "expected"),
    [
        ([], 0),
        ([(API_KEY_USERNAME, "127.0.0.1", 3, NOW)], 3),
        ([(API_KEY_USERNAME, "127.0.0.1", 3, OLD)], 0),  # older than the cool-off
        ([(API_KEY_USERNAME, "203.0.113.9", 5, NOW)], 0),  # another address
        ([("methodist", "127.0.0.1", 2, NOW)], 0),  # a person's sign-in, not a key
        (
            [(f"{API_KEY_USERNAME} abc12345", "127.0.0.1", 4, NOW)],
            0,
        ),  # a key's own count, not made-up prefixes'
        # two programs from one address: axes sums them; the old one is not counted
        ([(API_KEY_USERNAME, "127.0.0.1", 2, NOW), (API_KEY_USERNAME, "127.0.0.1", 1, NOW, "curl")], 3),
        ([(API_KEY_USERNAME, "127.0.0.1", 2, NOW), (API_KEY_USERNAME, "127.0.0.1", 1, OLD, "curl")], 2),
    ],
)
def test_the_count_read_with_the_key_is_axes_own(attempts, expected):
    for row in attempts:
        attempt(*row)
    handler = AxesProxyHandler.get_implementation()
    assert isinstance(handler, AxesHandler)
    credentials = api_key_credentials()
    request = RequestFactory().get("/api/v1/ping/", REMOTE_ADDR="127.0.0.1")
    expression = handler.failures_expression(request, credentials)
    # Evaluated on any one-row query, as the key lookup carries it.
    via_sql = ContentType.objects.annotate(n=expression).values_list("n", flat=True).first()
    fresh = RequestFactory().get("/api/v1/ping/", REMOTE_ADDR="127.0.0.1")
    assert via_sql == AxesProxyHandler.get_failures(fresh, credentials) == expected


def test_a_count_handed_over_is_used_once_and_for_its_credentials_only(django_assert_num_queries):
    attempt(API_KEY_USERNAME, "127.0.0.1", 3, NOW)
    request = RequestFactory().get("/api/v1/ping/", REMOTE_ADDR="127.0.0.1")
    credentials = api_key_credentials()
    known_failures(request, credentials, 3)
    with django_assert_num_queries(0):
        assert AxesProxyHandler.get_failures(request, credentials) == 3
    with django_assert_num_queries(1):  # used: asked again, axes reads the database
        assert AxesProxyHandler.get_failures(request, credentials) == 3
    known_failures(request, credentials, 99)
    with django_assert_num_queries(1):  # other credentials (a key's prefix, counted apart): not this count
        assert AxesProxyHandler.get_failures(request, api_key_credentials("abc")) == 0
