"""The API throttle counts in the default (locmem) cache, shared by every test of the process: a module whose
tests call the API many times imports ``fresh_throttle_counters`` (autouse) to start each test at zero."""

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def fresh_throttle_counters():
    cache.clear()
    yield
    cache.clear()
