"""core.rate_limit: fixed-window counters per client, shared by the API's throttle and the open verification
pages; a store that is down lets calls through and says so once."""

import logging

import pytest
from django.core.cache import caches
from django.urls import reverse

from core import rate_limit
from core.rate_limit import StoreState, hit, parse_rate
from tests.outages import free_port


@pytest.mark.parametrize(
    ("rate", "parsed"),
    [("30/min", (30, 60)), ("1/s", (1, 1)), ("5/sec", (5, 1)), ("100/h", (100, 3600)), ("2/day", (2, 86400))],
)
def test_parse_rate(rate, parsed):
    assert parse_rate(rate) == parsed


@pytest.mark.parametrize("rate", ["30", "x/min", "30/week", ""])
def test_a_bad_rate_is_refused_in_russian(rate):
    with pytest.raises(ValueError, match="Неверная частота"):
        parse_rate(rate)


@pytest.fixture
def state():
    return StoreState(logging.getLogger("tests.rate_limit"), "Ограничение частоты проверки")


@pytest.fixture
def fresh_cache():
    cache = caches["default"]
    cache.clear()
    yield cache
    cache.clear()


def test_calls_over_the_rate_wait_for_the_window_s_end(state, fresh_cache):
    at = 1_000_000.0 * 60 + 15  # 15 s into a minute's window
    verdicts = [hit("rate:t:1.2.3.4", "3/min", state, now=at + i) for i in range(5)]
    assert [v.allowed for v in verdicts] == [True, True, True, False, False]
    assert verdicts[3].wait == 60 - 15 - 3 and verdicts[4].wait == 60 - 15 - 4
    # another client has its own counter; the next window starts afresh
    assert hit("rate:t:5.6.7.8", "3/min", state, now=at).allowed
    assert hit("rate:t:1.2.3.4", "3/min", state, now=at + 45).allowed


def test_a_refusal_at_the_window_s_very_end_still_says_a_second(state, fresh_cache):
    end = 1_000_000.0 * 60 + 59.9
    hit("rate:t:e", "1/min", state, now=end)
    assert hit("rate:t:e", "1/min", state, now=end).wait == 1.0


def test_a_store_that_is_down_lets_calls_through_and_logs_one_line(state, settings, caplog, monkeypatch):
    closed = free_port()
    settings.CACHES = {
        "default": {"BACKEND": "core.cache.RedisCache", "LOCATION": f"redis://127.0.0.1:{closed}/0"}
    }
    with caplog.at_level(logging.WARNING, logger="tests.rate_limit"):
        allowed = [hit("rate:t:x", "1/min", state, cache=caches["default"]).allowed for _ in range(4)]
    assert allowed == [True] * 4
    lines = [r.getMessage() for r in caplog.records if r.name == "tests.rate_limit"]
    assert len(lines) == 1
    assert lines[0].startswith(
        "Ограничение частоты проверки не действует: хранилище счётчиков недоступно (ConnectionError: "
    )
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    caches["default"].clear()
    monkeypatch.setattr(state, "resting_until", 0.0)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="tests.rate_limit"):
        assert hit("rate:t:x", "1/min", state, cache=caches["default"]).allowed
    assert [r.getMessage() for r in caplog.records if r.name == "tests.rate_limit"] == [
        "Ограничение частоты проверки снова действует: хранилище счётчиков отвечает"
    ]


@pytest.mark.django_db
def test_the_open_verification_page_counts_checks_per_address(client, settings, fresh_cache, monkeypatch):
    settings.REPORTS_VERIFY_RATE = "2/min"
    monkeypatch.setattr(rate_limit.pages_state, "resting_until", 0.0)
    url = reverse("reports:verify")
    for _ in range(3):
        assert client.get(url).status_code == 200  # opening the page costs nothing and is not counted
    statuses = [client.post(url, {}, REMOTE_ADDR="10.0.0.7").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    refused = client.post(url, {}, REMOTE_ADDR="10.0.0.7")
    text = refused.content.decode()
    assert refused.status_code == 429 and 1 <= int(refused["Retry-After"]) <= 60
    assert "Слишком много запросов" in text and "Повторите через " in text
    assert client.post(url, {}, REMOTE_ADDR="10.0.0.8").status_code == 200  # another address
    # the QR code's page checks the stored signature on every visit: counted too, in the same budget
    missing = reverse("reports:verify_document", args=["00000000-0000-0000-0000-000000000000"])
    assert client.get(missing, REMOTE_ADDR="10.0.0.8").status_code == 404
    assert client.get(missing, REMOTE_ADDR="10.0.0.8").status_code == 429
