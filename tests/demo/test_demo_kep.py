"""The demo's test КЭП (demo/kep.py): a pure-Python GOST CA, head certificate and detached CAdES-BES signer. Its
output is checked by two other implementations: the portal's verifier (reports.cades) and OpenSSL's GOST engine."""

import io
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.management import call_command

from demo import kep
from demo import reports as reports_demo
from demo.base import DemoContext, DemoSummary
from reports import cades
from reports.models import TrustedRoot
from tests.reports import gost_pki as pki_lib
from tests.reports.conftest import require_gost_openssl

HEAD = kep.DemoHead(
    surname="Курочкина",
    given_names="Наталья Александровна",
    title="Заведующий отделом образования",
    organization="Отдел образования Администрации Обливского района",
    snils="12345678964",
    inn="771234567897",
)
CONTENT = b"%PDF-1.7\n" + "Аналитическая справка".encode() * 1000


@pytest.fixture(scope="module")
def pki() -> kep.DemoPki:
    return kep.make_pki(HEAD)


def test_the_certificate_says_what_a_qualified_one_says(pki):
    info = cades.parse_certificate(pki.head_der)
    assert (info.subject_name, info.surname, info.given_names, info.snils, info.inn) == (
        "Курочкина Наталья Александровна",
        "Курочкина",
        "Наталья Александровна",
        "12345678964",
        "771234567897",
    )
    assert (info.title, info.organization, info.issuer, info.algorithm, info.is_gost) == (
        HEAD.title,
        HEAD.organization,
        kep.CA_NAME,
        "ГОСТ Р 34.10-2012, 256 бит",
        True,
    )


def test_the_portals_verifier_accepts_the_demo_signature(pki):
    signing_time = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)
    signature = kep.sign_detached(
        CONTENT, cert_der=pki.head_der, private=pki.head_key, signing_time=signing_time
    )
    verdict = cades.verify_detached(CONTENT, signature, trust_roots=[pki.ca_der])
    assert (verdict.ok, verdict.gost, verdict.problems, verdict.signed_at) == (True, True, (), signing_time)
    assert verdict.signer.der == pki.head_der
    assert cades.signer_mismatch(verdict.signer, snils="123-456-789 64", full_name="") is None
    changed = cades.verify_detached(CONTENT + b" ", signature, trust_roots=[pki.ca_der])
    assert (changed.ok, changed.problems) == (False, ("other_file",))
    stranger = kep.make_pki(HEAD)  # another CA of the same name: not trusted
    untrusted = cades.verify_detached(CONTENT, signature, trust_roots=[stranger.ca_der])
    assert (untrusted.ok, untrusted.problems) == (False, ("untrusted",))


def test_openssl_verifies_the_demo_signature_and_reads_the_key(pki, tmp_path):
    """OpenSSL's GOST engine — a third implementation — verifies the chain and the signature, and reads the
    PKCS#8 key to the same public key."""
    require_gost_openssl()
    conf = tmp_path / "engine.cnf"
    conf.write_text(pki_lib.ENGINE_CONF)
    (tmp_path / "doc.bin").write_bytes(CONTENT)
    (tmp_path / "doc.sig").write_bytes(
        kep.sign_detached(CONTENT, cert_der=pki.head_der, private=pki.head_key)
    )
    (tmp_path / "ca.pem").write_bytes(pki_lib.encode(pki.ca_der, "pem").replace(b"CMS", b"CERTIFICATE"))
    (tmp_path / "key.pem").write_bytes(kep.private_key_pem(pki.head_key))
    env = {"OPENSSL_CONF": str(conf), "PATH": "/usr/bin:/bin"}
    verified = subprocess.run(
        ["openssl", "cms", "-verify", "-engine", "gost", "-binary", "-inform", "DER", "-in", "doc.sig",
         "-content", "doc.bin", "-CAfile", "ca.pem", "-purpose", "any", "-out", "/dev/null"],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert (verified.returncode, "Verification successful" in verified.stderr) == (0, True), verified.stderr
    key = subprocess.run(
        ["openssl", "pkey", "-engine", "gost", "-in", "key.pem", "-noout", "-text"],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    public = kep.public_key(pki.head_key)
    x, y = public[:32][::-1].hex().upper(), public[32:][::-1].hex().upper()
    assert f"X:{x.lstrip('0')}" in key.replace(" ", "")
    assert f"Y:{y.lstrip('0')}" in key.replace(" ", "")


def test_the_key_survives_its_pem(pki):
    assert kep.private_key_from_pem(kep.private_key_pem(pki.head_key)) == pki.head_key


@pytest.mark.django_db
def test_load_demo_gives_the_head_a_kep_and_trusts_its_ca(world, settings, tmp_path):
    settings.REPORTS_DEMO_CERT_DIR = tmp_path / "signing"
    head = world.users["head"]
    head.last_name, head.first_name, head.middle_name = "Курочкина", "Наталья", "Александровна"
    head.position, head.snils = HEAD.title, ""
    head.save()
    context = DemoContext(summary=DemoSummary(), users={"head": head})
    path = reports_demo.ensure_demo_kep(context)
    head.refresh_from_db()
    assert head.snils == reports_demo.DEMO_HEAD_SNILS
    pki = kep.read_pki(Path(settings.REPORTS_DEMO_CERT_DIR))
    assert path.read_bytes() == pki.head_der
    info = cades.parse_certificate(pki.head_der)
    assert (info.subject_name, info.snils, info.title) == (head.full_name, "12345678964", HEAD.title)
    assert cades.signer_mismatch(info, snils=head.snils, full_name=head.full_name) is None
    assert list(TrustedRoot.objects.values_list("name", "is_gost")) == [(kep.CA_NAME, True)]
    assert context.summary.changes == {"создано демонстрационных КЭП": 1}
    # A second run keeps them; a head renamed gets a new certificate, and the old demo CA is trusted no more.
    reports_demo.ensure_demo_kep(context)
    assert kep.read_pki(Path(settings.REPORTS_DEMO_CERT_DIR)) == pki
    head.last_name = "Иванова"
    head.save()
    reports_demo.ensure_demo_kep(context)
    again = kep.read_pki(Path(settings.REPORTS_DEMO_CERT_DIR))
    assert cades.parse_certificate(again.head_der).subject_name == "Иванова Наталья Александровна"
    assert list(TrustedRoot.objects.values_list("sha256", flat=True)) == [
        cades.parse_certificate(again.ca_der).sha256
    ]


def test_demo_sign_kep_writes_a_signature_the_verifier_accepts(settings, tmp_path, pki):
    settings.REPORTS_DEMO_CERT_DIR = tmp_path / "signing"
    kep.write_pki(Path(settings.REPORTS_DEMO_CERT_DIR), pki)
    document = tmp_path / "Справка.pdf"
    document.write_bytes(CONTENT)
    out = io.StringIO()
    call_command("demo_sign_kep", str(document), stdout=out)
    signature = tmp_path / "Справка.pdf.sig"
    assert out.getvalue().splitlines() == [
        f"Подпись записана: {signature}",
        "Загрузите её на странице подписи справки («Подписать КЭП» → файл подписи).",
    ]
    verdict = cades.verify_detached(CONTENT, signature.read_bytes(), trust_roots=[pki.ca_der])
    assert (verdict.ok, verdict.signer.subject_name) == (True, "Курочкина Наталья Александровна")
    call_command("demo_sign_kep", str(document), "-o", str(tmp_path / "x.sig"), stdout=io.StringIO())
    assert cades.verify_detached(CONTENT, (tmp_path / "x.sig").read_bytes(), trust_roots=[pki.ca_der]).ok
