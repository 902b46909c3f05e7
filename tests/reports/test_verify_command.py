"""``manage.py verify_signature PDF [--sig SIG] [--json]`` (issue #22 §2): exit 0 valid+intact+trusted, 1 otherwise,
2 when a file cannot be read."""

import io
import json

import pytest
import weasyprint
from django.core.management import CommandError, call_command

from reports import cades, signing
from tests.conftest import CERT_PASSWORD
from tests.reports.gost_pki import HEAD_SIGNER_JSON, certificate_json, sign_detached

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return weasyprint.HTML(string="<h1>Аналитическая справка</h1><p>Текст справки.</p>").write_pdf()


@pytest.fixture(scope="module")
def files(gost_pki, pdf, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("verify-command")
    (tmp / "report.pdf").write_bytes(pdf)
    changed = bytearray(pdf)
    changed[len(changed) // 2] ^= 0x01
    (tmp / "changed.pdf").write_bytes(bytes(changed))
    (tmp / "report.sig").write_bytes(sign_detached(gost_pki.head, pdf, tmp_path=tmp / "s1"))
    (tmp / "report.b64.sig").write_bytes(
        sign_detached(gost_pki.head, pdf, tmp_path=tmp / "s2", form="base64")
    )
    (tmp / "stranger.sig").write_bytes(sign_detached(gost_pki.stranger, pdf, tmp_path=tmp / "s3"))
    (tmp / "garbage.sig").write_bytes(b"not a signature at all")
    (tmp / "root.pem").write_bytes(gost_pki.root.cert_pem)
    return tmp


@pytest.fixture
def gost_roots(settings, files):
    settings.REPORTS_TRUST_ROOTS = [str(files / "root.pem")]


def run(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_signature", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        return exc.code, out.getvalue(), err.getvalue()
    except CommandError as exc:
        return exc.returncode, out.getvalue(), str(exc)
    return 0, out.getvalue(), err.getvalue()


def test_valid_kep_json(files, gost_pki, gost_roots):
    code, out, _ = run(str(files / "report.pdf"), "--sig", str(files / "report.sig"), "--json")
    data = json.loads(out)
    head = gost_pki.head.info
    assert code == 0
    assert {
        key: data[key]
        for key in ("kind", "signature_valid", "intact", "trusted", "algorithm", "signer", "certificate")
    } == {
        "kind": "kep",
        "signature_valid": True,
        "intact": True,
        "trusted": True,
        "algorithm": "ГОСТ Р 34.10-2012, 256 бит",
        "signer": HEAD_SIGNER_JSON,
        "certificate": certificate_json(head, issuer="Тестовый УЦ Федерального казначейства"),
    }
    assert data["summary"].startswith("Документ подписан: Кузнецова Н. А., заведующий отделом образования, ")
    assert (data["reasons"], data["problems"]) == ([], [])


def test_valid_kep_text_and_base64(files, gost_roots):
    code, out, _ = run(str(files / "report.pdf"), "--sig", str(files / "report.b64.sig"))
    lines = out.splitlines()
    assert code == 0
    assert lines[1:5] == [
        "Владелец сертификата: Кузнецова Наталья Андреевна",
        "Должность: Заведующий отделом образования",
        "Организация: Отдел образования администрации Тестового района",
        "СНИЛС: 112-233-445 95",
    ]
    assert lines[-1] == f"Примечание: {cades.NOTE_NO_REVOCATION}"


@pytest.mark.parametrize(
    ("pdf_name", "sig_name", "summary", "problems"),
    [
        ("changed.pdf", "report.sig", cades.SUMMARY_CHANGED, ["other_file"]),
        ("report.pdf", "stranger.sig", cades.SUMMARY_UNTRUSTED, ["untrusted"]),
    ],
)
def test_bad_kep_exits_1(files, gost_roots, pdf_name, sig_name, summary, problems):
    code, out, _ = run(str(files / pdf_name), "--sig", str(files / sig_name), "--json")
    data = json.loads(out)
    assert (code, data["summary"], data["problems"]) == (1, summary, problems)


def test_untrusted_without_roots(files, settings):
    settings.REPORTS_TRUST_ROOTS = []
    code, out, _ = run(str(files / "report.pdf"), "--sig", str(files / "report.sig"), "--json")
    assert (code, json.loads(out)["trusted"]) == (1, False)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("absent.pdf", "--sig", "report.sig"),
            "Не удаётся прочитать документ {dir}/absent.pdf: No such file or directory",
        ),
        (
            ("report.pdf", "--sig", "absent.sig"),
            "Не удаётся прочитать файл подписи {dir}/absent.sig: No such file or directory",
        ),
        (
            ("report.pdf", "--sig", "garbage.sig"),
            "Файл не является электронной подписью: ожидается подпись CMS (.sig) в виде DER, base64 или PEM.",
        ),
        (("report.pdf", "--sig", "report.pdf"), "Это PDF-документ, а не файл подписи: выберите файл .sig."),
        (("garbage.sig",), f"{signing.NOT_PDF}: {{dir}}/garbage.sig"),
    ],
    ids=["no pdf", "no sig", "garbage sig", "pdf as sig", "not a pdf"],
)
def test_unreadable_files_exit_2(files, gost_roots, args, message):
    args = [str(files / arg) if not arg.startswith("--") else arg for arg in args]
    code, out, err = run(*args)
    assert (code, out, err) == (2, "", message.format(dir=files))


# --------------------------------------------------------------------------- the portal's seal (PDF alone)


@pytest.fixture(scope="module")
def sealed_pdf(pdf, demo_certificate, tmp_path_factory):
    """The справка with the portal's seal (tests/conftest.py's session identity; the stamp font's default cache)."""
    path = tmp_path_factory.mktemp("seal") / "sealed.pdf"
    path.write_bytes(signing.sign_pdf(pdf, pkcs12=demo_certificate.read_bytes(), password=CERT_PASSWORD))
    return path


@pytest.fixture
def sealed(demo_certificate):
    return {"ca": demo_certificate.with_suffix(".ca.pem")}


def test_seal_alone_json(sealed, sealed_pdf, settings, files):
    settings.REPORTS_TRUST_ROOTS = [str(sealed["ca"]), str(files / "root.pem")]  # a GOST root is ignored here
    code, out, _ = run(str(sealed_pdf), "--json")
    data = json.loads(out)
    assert code == 0
    assert {
        key: data[key] for key in ("kind", "signature_valid", "intact", "trusted", "algorithm", "reasons")
    } == {
        "kind": "seal",
        "signature_valid": True,
        "intact": True,
        "trusted": True,
        "algorithm": "RSA, 2048 бит",
        "reasons": [],
    }
    assert data["signer"] == {
        "name": "Иванова Мария Петровна",
        "snils": "",
        "inn": "",
        "title": "Начальник управления",
        "organization": "Управление образования (демо)",
    }
    assert data["certificate"]["issuer"] == signing.DEMO_CA_NAME
    roots = [sealed["ca"].read_bytes()]
    assert data["summary"] == signing.verify_pdf(sealed_pdf.read_bytes(), trust_roots=roots).summary


def test_seal_alone_untrusted_and_unsigned(sealed_pdf, files, settings):
    settings.REPORTS_TRUST_ROOTS = [str(files / "root.pem")]
    code, out, _ = run(str(sealed_pdf), "--json")
    assert (code, json.loads(out)["trusted"]) == (1, False)
    code, out, _ = run(str(files / "report.pdf"))
    assert (code, out) == (1, signing.NOT_SIGNED + "\n")
