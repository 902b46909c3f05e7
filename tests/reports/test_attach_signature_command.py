"""manage.py attach_signature: a head's signature sent by e-mail, attached by an administrator through the same
service; Russian output and exit statuses 0 (signed), 1 (refused), 2 (cannot read or find)."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from reports import cades
from reports.models import ReportStatus
from tests.reports import gost_pki as pki_lib
from tests.reports.kep_world import make_head, pdf_bytes, ready_report, trust

pytestmark = pytest.mark.django_db


@pytest.fixture
def kep(world, media, gost_pki, tmp_path):
    trust(gost_pki)
    return make_head(world), ready_report(world)


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("attach_signature", *[str(a) for a in args], stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def failure(*args) -> tuple[int, str]:
    with pytest.raises(CommandError) as error:
        run(*args)
    return error.value.returncode, str(error.value)


def test_a_signature_sent_by_mail_is_attached(kep, gost_pki, tmp_path):
    head, report = kep
    path = tmp_path / "spravka.pdf.sig"
    path.write_bytes(pki_lib.sign_detached(gost_pki.head, pdf_bytes(), tmp_path=tmp_path, form="base64"))
    out, err = run(report.pk, path, "--user", "head")
    report.refresh_from_db()
    kep_row = report.kep
    info = gost_pki.head.info
    assert report.status == ReportStatus.SIGNED
    assert out.splitlines() == [
        f"Отчёт {report.pk} ({report}) подписан КЭП.",
        f"Подписал: Кузнецова Наталья Андреевна, {pki_lib.HEAD_TITLE}; подпись сделана: "
        f"{timezone.localtime(kep_row.signed_at):%d.%m.%Y %H:%M}.",
        f"Сертификат № {info.serial}, выдан «Тестовый УЦ Федерального казначейства», действует с "
        f"{timezone.localtime(info.not_before):%d.%m.%Y} по {timezone.localtime(info.not_after):%d.%m.%Y}; "
        "ГОСТ Р 34.10-2012, 256 бит.",
        f"Проверка: http://127.0.0.1:8000/reports/verify/{kep_row.public_id}/",
        "Копия для печати с отметкой об электронной подписи сформирована.",
    ]
    assert err == ""


def test_a_refused_signature_exits_1(kep, gost_pki, tmp_path):
    _head, report = kep
    path = tmp_path / "other.sig"
    path.write_bytes(pki_lib.sign_detached(gost_pki.head, b"another file", tmp_path=tmp_path))
    assert failure(report.pk, path, "--user", "head") == (
        1,
        "Подпись не принята: " + cades.PROBLEM_REASONS["other_file"],
    )
    assert failure(report.pk, path, "--user", "methodist") == (
        1,
        "Подпись не принята: Утверждать и подписывать отчёты может руководитель управления образования.",
    )
    report.refresh_from_db()
    assert report.status == ReportStatus.READY


def test_what_cannot_be_read_or_found_exits_2(kep, gost_pki, tmp_path):
    _head, report = kep
    good = tmp_path / "good.sig"
    good.write_bytes(pki_lib.sign_detached(gost_pki.head, pdf_bytes(), tmp_path=tmp_path))
    pdf = tmp_path / "spravka.pdf"
    pdf.write_bytes(pdf_bytes())
    assert failure(report.pk, tmp_path / "missing.sig", "--user", "head") == (
        2,
        f"Файл подписи не читается: {tmp_path / 'missing.sig'} (No such file or directory).",
    )
    assert failure(report.pk, pdf, "--user", "head") == (
        2,
        f"{pdf}: Это PDF-документ, а не файл подписи: выберите файл .sig.",
    )
    assert failure(report.pk, good, "--user", "nobody-here") == (2, "Пользователь «nobody-here» не найден.")
    assert failure(report.pk + 1000, good, "--user", "head") == (2, f"Отчёт {report.pk + 1000} не найден.")
