"""Migration api.0004: the statement triggers and the function of api.0002 (the page cache's change notices) are
gone from a migrated PostgreSQL database; nothing listens for them any more (#18 §4)."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite never had the triggers")
def test_no_change_notify_trigger_or_function_is_left():
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_trigger WHERE tgname = 'api_notify_change'")
        assert cursor.fetchone() == (0,)
        cursor.execute("SELECT count(*) FROM pg_proc WHERE proname = 'api_notify_change'")
        assert cursor.fetchone() == (0,)
