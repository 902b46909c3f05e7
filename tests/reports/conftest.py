"""Fixtures of the reports tests: the GOST test PKI (tests/reports/gost_pki.py), made once per session."""

import pytest
from django.conf import settings

from tests.reports import gost_pki as pki_module


def require_gost_openssl() -> None:
    """Skip (fail under CI=true) when the openssl binary has no GOST engine (Debian libengine-gost-openssl,
    installed by scripts/system-deps.sh)."""
    if not pki_module.openssl_available():
        message = (
            "OpenSSL с GOST-движком недоступен: установите libengine-gost-openssl (scripts/system-deps.sh)."
        )
        if settings.CI:
            pytest.fail(f"CI=true: {message}")
        pytest.skip(message)


@pytest.fixture(scope="session")
def gost_pki(tmp_path_factory) -> pki_module.Pki:
    """The test PKI with a 256-bit head key: root → «Тестовый УЦ Федерального казначейства» → Кузнецова Н. А.
    (СНИЛС 11223344595), plus a stranger under another root, an expired and a not-yet-valid certificate."""
    require_gost_openssl()
    return pki_module.make_pki(tmp_path_factory.mktemp("gost-pki-256"), bits=256)


@pytest.fixture(scope="session")
def gost_pki_512(tmp_path_factory) -> pki_module.Pki:
    """The same PKI with a 512-bit head key."""
    require_gost_openssl()
    return pki_module.make_pki(tmp_path_factory.mktemp("gost-pki-512"), bits=512)
