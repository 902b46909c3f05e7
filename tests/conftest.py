import os
import socket
from dataclasses import dataclass

import pytest
from django.conf import settings

from core.roles import Role
from reports import signing
from tests.factories import MunicipalityFactory, RegionFactory, SchoolFactory, user_with_role

PASSWORD = "Пароль-для-тестов-1"


def pytest_report_header(config):
    return f"database: {settings.TEST_DATABASE_VENDOR}; CI={os.environ.get('CI', '')}"


def redis_reachable(url: str) -> bool:
    from urllib.parse import urlparse

    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=2):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The Redis of the worker tests. Under CI=true a missing Redis fails the test instead of skipping it."""
    url = settings.TEST_REDIS_URL
    if not redis_reachable(url):
        if settings.CI:
            pytest.fail(f"CI=true, но Redis недоступен по адресу {url}.")
        pytest.skip(f"Redis недоступен по адресу {url} (вне CI тест пропускается).")
    return url


@dataclass
class World:
    """Two municipalities of one region and a school in another region; one user per role."""

    region: object
    other_region: object
    mun_a: object
    mun_b: object
    school_a1: object
    school_a2: object
    school_b1: object
    school_other: object
    users: dict


@pytest.fixture
def world(db) -> World:
    return make_world()


def make_world() -> World:
    """The rows of the ``world`` fixture (also built once per module by tests/core/test_access_matrix.py)."""
    region = RegionFactory(name="Ростовская область")
    other_region = RegionFactory(name="Краснодарский край")
    mun_a = MunicipalityFactory(region=region, name="Обливский район")
    mun_b = MunicipalityFactory(region=region, name="Тацинский район")
    mun_other = MunicipalityFactory(region=other_region, name="Ленинградский район")
    school_a1 = SchoolFactory(municipality=mun_a, code="sch610001", name="МБОУ «Каштановская СОШ»")
    school_a2 = SchoolFactory(municipality=mun_a, code="sch610002", name="МБОУ «Солонецкая СОШ»")
    school_b1 = SchoolFactory(municipality=mun_b, code="sch610101", name="МБОУ «Тацинская СОШ №1»")
    school_other = SchoolFactory(
        municipality=mun_other, code="sch230001", name="МБОУ СОШ №1 ст. Ленинградской"
    )
    users = {
        "methodist": user_with_role(Role.METHODIST, mun_a, username="methodist"),
        "regional_methodist": user_with_role(Role.METHODIST, region, username="regional_methodist"),
        "head": user_with_role(Role.HEAD, mun_a, username="head"),
        "school_admin": user_with_role(Role.SCHOOL_ADMIN, school_a1, username="school_admin"),
        "mentor": user_with_role(Role.MENTOR, None, username="mentor"),
        "tutor": user_with_role(Role.TUTOR, None, username="tutor"),
        "analyst": user_with_role(Role.REGIONAL_ANALYST, region, username="analyst"),
        "superuser": user_with_role("superuser", username="root"),
    }
    from tests.factories import UserFactory

    users["nobody"] = UserFactory(username="nobody")
    return World(region, other_region, mun_a, mun_b, school_a1, school_a2, school_b1, school_other, users)


# --- reports: a signing identity and a private media folder ---------------------------------------------

CERT_PASSWORD = "тестовый-пароль-подписи"


@pytest.fixture(scope="session")
def demo_certificate(tmp_path_factory):
    """One self-signed signing identity for the whole run (RSA key generation takes a while)."""
    path = tmp_path_factory.mktemp("signing") / "signer.p12"
    signing.make_demo_certificate(path, CERT_PASSWORD)
    return path


@pytest.fixture
def signing_settings(settings, demo_certificate, tmp_path):
    settings.REPORTS_SIGNING_PKCS12 = str(demo_certificate)
    settings.REPORTS_SIGNING_PASSWORD = CERT_PASSWORD
    settings.REPORTS_TRUST_ROOTS = [str(demo_certificate.with_suffix(".ca.pem"))]
    settings.REPORTS_FONT_CACHE = tmp_path / "fonts"
    return settings


@pytest.fixture
def media(settings, tmp_path):
    """Reports are stored under a fresh MEDIA_ROOT per test."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
