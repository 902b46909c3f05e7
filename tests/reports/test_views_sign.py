"""The sign page (#22 §1, §4): the head sees the PDF and what becomes fixed, confirms, then signs with their КЭП
(a .sig uploaded, or made by the plug-in) or puts the portal's seal; nothing irreversible happens unconfirmed.

Runs in the SQLite lane too (Makefile SQLITE_TESTS picks tests/*/test_*views*.py)."""

import hashlib

import pytest
import weasyprint
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.policies import SYSTEM
from reports import cades, services_kep
from reports.forms import CONFIRM_REQUIRED
from reports.models import Report, ReportFile, ReportFormat, ReportStatus
from tests.builders.reports import territory_report
from tests.reports import gost_pki
from tests.reports.conftest import require_gost_openssl

pytestmark = [pytest.mark.django_db, pytest.mark.today]

AFTER_SIGNING = "После подписания отчёт нельзя изменить; исправления — только новой версией"


def small_pdf() -> bytes:
    return weasyprint.HTML(string="<h1>Аналитическая справка</h1><p>Обливский район</p>").write_pdf()


@pytest.fixture(scope="module")
def pdf_bytes() -> bytes:
    return small_pdf()


def make_ready_report(world, pdf_bytes: bytes) -> Report:
    """A built справка awaiting the head: status READY with its final PDF stored (no build needed)."""
    report = territory_report(world, status=ReportStatus.READY, progress=100)
    stored = ReportFile(
        report=report,
        format=ReportFormat.PDF,
        size=len(pdf_bytes),
        sha256=hashlib.sha256(pdf_bytes).hexdigest(),
    )
    stored.file.save("spravka.pdf", ContentFile(pdf_bytes), save=False)
    stored.save()
    return report


@pytest.fixture
def ready(world, pdf_bytes, media) -> Report:
    return make_ready_report(world, pdf_bytes)


def as_user(client, world, name):
    client.force_login(world.users[name])
    return client


def unchanged(report: Report) -> None:
    report.refresh_from_db()
    assert report.status == ReportStatus.READY
    assert report.signed_at is None
    assert sorted(report.files.values_list("format", flat=True)) == [ReportFormat.PDF]


def test_the_head_sees_the_pdf_what_becomes_fixed_and_both_ways(client, world, ready, pdf_bytes):
    page = as_user(client, world, "head").get(reverse("reports:sign", args=[ready.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert AFTER_SIGNING in text
    assert hashlib.sha256(pdf_bytes).hexdigest() in text
    # The preview frame: Chromium's and Firefox's viewers read the fragment (no thumbnails, the page's width).
    assert (
        f'<iframe class="sign-preview__frame" src="/reports/{ready.pk}/preview/#navpanes=0&amp;view=FitH"'
        in text
    )
    assert "Способ 1. Подписать КЭП" in text and "Способ 2. Печать портала" in text
    assert "печать портала: файл не изменён" in text
    assert text.count("Я проверил(а) документ и подписываю его") == 2  # one checkbox for each way
    assert f'action="/reports/{ready.pk}/sign/kep/"' in text
    assert 'enctype="multipart/form-data"' in text
    # No plug-in script configured: the page says so and explains the upload path; kep.js is a static file.
    assert "на этом портале не подключено" in text
    assert "Скачайте PDF отчёта" in text and "откреплённой подписью" in text
    assert "/static/reports/kep.js" in text and "<script>" not in text
    assert "cadesplugin_api" not in text


def test_the_detail_page_links_to_the_sign_page(client, world, ready):
    text = as_user(client, world, "head").get(reverse("reports:detail", args=[ready.pk])).content.decode()
    assert (
        f'<a class="button button--primary" href="/reports/{ready.pk}/sign/">Утвердить и подписать</a>'
        in text
    )


@pytest.mark.parametrize(
    ("name", "status"),
    [("methodist", 403), ("regional_methodist", 403), ("school_admin", 404), ("tutor", 404), ("nobody", 404)],
)
def test_only_the_head_opens_the_sign_page(client, world, ready, name, status):
    as_user(client, world, name)
    assert client.get(reverse("reports:sign", args=[ready.pk])).status_code == status
    assert client.post(reverse("reports:sign", args=[ready.pk]), {"confirm": "on"}).status_code == status
    assert client.post(reverse("reports:sign_kep", args=[ready.pk]), {"confirm": "on"}).status_code == status
    unchanged(ready)


def test_a_report_not_awaiting_signature_sends_the_head_back(client, world, ready):
    Report.objects.filter(pk=ready.pk).update(status=ReportStatus.RETURNED)
    response = as_user(client, world, "head").get(reverse("reports:sign", args=[ready.pk]), follow=True)
    assert response.redirect_chain == [(f"/reports/{ready.pk}/", 302)]
    assert "Такой переход статуса отчёта не предусмотрен." in response.content.decode()


def test_the_seal_without_the_checkbox_changes_nothing(client, world, ready):
    response = as_user(client, world, "head").post(reverse("reports:sign", args=[ready.pk]), {})
    assert response.status_code == 200
    assert response.context["seal_form"].errors == {"confirm": [CONFIRM_REQUIRED]}
    assert CONFIRM_REQUIRED in response.content.decode()
    unchanged(ready)


def test_the_seal_once_confirmed_is_named_for_what_it_is(client, world, ready, signing_settings):
    response = as_user(client, world, "head").post(
        reverse("reports:sign", args=[ready.pk]), {"confirm": "on"}, follow=True
    )
    assert response.redirect_chain == [(f"/reports/{ready.pk}/", 302)]
    ready.refresh_from_db()
    assert ready.status == ReportStatus.SIGNED
    text = response.content.decode()
    assert "на PDF поставлена печать портала: файл не изменён" in text
    assert '<h2 id="signature-title">Печать портала: файл не изменён</h2>' in text
    assert "Это не электронная подпись руководителя." in text
    assert "Подписан КЭП" not in text
    # A signed report has no sign page any more.
    again = client.get(reverse("reports:sign", args=[ready.pk]), follow=True)
    assert "Отчёт уже подписан. Для исправления создайте новую версию." in again.content.decode()


def test_the_kep_without_the_checkbox_changes_nothing(client, world, ready):
    response = as_user(client, world, "head").post(
        reverse("reports:sign_kep", args=[ready.pk]),
        {"signature": SimpleUploadedFile("spravka.pdf.sig", b"0" * 100)},
    )
    assert response.status_code == 200
    assert response.context["kep_form"].errors == {"confirm": [CONFIRM_REQUIRED]}
    unchanged(ready)


@pytest.mark.parametrize(
    ("upload", "reason"),
    [
        (None, "Выберите файл подписи."),
        (
            SimpleUploadedFile("spravka.pdf", b"%PDF-1.7"),
            "Это не файл подписи: выберите файл .sig, .p7s или .sgn, который сохранила программа подписи.",
        ),
        (
            SimpleUploadedFile("spravka.sig", b"0" * (1024 * 1024 + 1)),
            "Файл больше 1 МБ: это не похоже на откреплённую подпись. Возможно, выбран сам документ.",
        ),
    ],
    ids=["nothing", "the-pdf-itself", "too-large"],
)
def test_a_wrong_file_is_refused_in_russian(client, world, ready, upload, reason):
    data = {"confirm": "on"} | ({"signature": upload} if upload else {})
    response = as_user(client, world, "head").post(reverse("reports:sign_kep", args=[ready.pk]), data)
    assert response.status_code == 200
    assert response.context["kep_form"].errors == {"signature": [reason]}
    assert reason in response.content.decode()
    unchanged(ready)


def test_a_file_that_is_no_signature_is_refused_with_the_services_reason(client, world, ready):
    response = as_user(client, world, "head").post(
        reverse("reports:sign_kep", args=[ready.pk]),
        {"confirm": "on", "signature": SimpleUploadedFile("spravka.pdf.sig", b"not a signature at all")},
    )
    assert response.status_code == 200
    with pytest.raises(cades.SignatureUnreadable) as unreadable:
        cades.load_signature(b"not a signature at all")
    assert response.context["kep_form"].non_field_errors() == [str(unreadable.value)]
    assert str(unreadable.value) in response.content.decode()
    unchanged(ready)


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> gost_pki.Pki:
    require_gost_openssl()
    return gost_pki.make_pki(tmp_path_factory.mktemp("gost-pki"))


@pytest.mark.parametrize("form", ["der", "base64"])
def test_the_heads_kep_signs_the_report_and_its_page_says_so(
    client, world, ready, pdf_bytes, pki, tmp_path, form
):
    head = world.users["head"]
    head.last_name, head.first_name, head.middle_name = "Кузнецова", "Наталья", "Андреевна"
    head.snils = gost_pki.HEAD_SNILS
    head.save()
    services_kep.trusted_root_add(user=SYSTEM, data=pki.root.cert_der)
    signature = gost_pki.sign_detached(pki.head, pdf_bytes, tmp_path=tmp_path, form=form, chain=(pki.ca,))
    # The plug-in's base64 comes as text, a program's .sig as a file: both reach the same service.
    data = (
        {"signature": SimpleUploadedFile("Справка.pdf.sig", signature)}
        if form == "der"
        else {"signature_text": signature.decode("ascii")}
    )
    response = as_user(client, world, "head").post(
        reverse("reports:sign_kep", args=[ready.pk]), {"confirm": "on"} | data, follow=True
    )
    assert response.redirect_chain == [(f"/reports/{ready.pk}/", 302)]
    ready.refresh_from_db()
    assert ready.status == ReportStatus.SIGNED
    assert ready.kep_signature.owner_name == "Кузнецова Наталья Андреевна"
    text = response.content.decode()
    assert "Отчёт подписан КЭП. Подпись проверена и сохранена вместе с PDF." in text
    assert '<h2 id="signature-title">Подписан КЭП</h2>' in text
    assert "<strong>Кузнецова Наталья Андреевна</strong>, Заведующий отделом образования" in text
    assert f'href="/reports/{ready.pk}/download/bundle/"' in text
    assert f'href="/reports/{ready.pk}/download/sig/"' in text
    # СНИЛС (152-ФЗ): its last two digits for the territory's staff who work with names, nothing for the analyst.
    assert "<dt>СНИЛС</dt><dd>***-***-*** 95</dd>" in text
    methodist = as_user(client, world, "methodist").get(reverse("reports:detail", args=[ready.pk]))
    assert "<dt>СНИЛС</dt><dd>***-***-*** 95</dd>" in methodist.content.decode()
    analyst = as_user(client, world, "analyst").get(reverse("reports:detail", args=[ready.pk]))
    assert analyst.status_code == 200
    assert "СНИЛС" not in analyst.content.decode()
    assert gost_pki.HEAD_SNILS not in analyst.content.decode()


def test_the_preview_is_the_pdf_inline_and_framed_only_by_the_portal(client, world, ready, pdf_bytes):
    response = as_user(client, world, "methodist").get(reverse("reports:preview", args=[ready.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == pdf_bytes
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline;")
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    policy = dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
    assert policy["frame-ancestors"] == "'self'"
    assert policy["object-src"] == "'self'"
    # Every other page keeps the site's policy: framed by nobody.
    page = client.get(reverse("reports:detail", args=[ready.pk]))
    assert "frame-ancestors 'none'" in page["Content-Security-Policy"]


def test_a_deployment_with_the_plugin_script_loads_it_on_the_sign_page_only(client, world, ready, settings):
    settings.REPORTS_CADESPLUGIN_JS_URL = "https://static.example.ru/cades/cadesplugin_api.js"
    page = as_user(client, world, "head").get(reverse("reports:sign", args=[ready.pk]))
    text = page.content.decode()
    assert '<script src="https://static.example.ru/cades/cadesplugin_api.js"></script>' in text
    policy = dict(part.strip().split(" ", 1) for part in page["Content-Security-Policy"].split(";"))
    assert policy["script-src"] == "'self' https://static.example.ru"
    assert "не отвечает: он не установлен или не включён" in text  # shown by kep.js if the plug-in is silent
    detail = client.get(reverse("reports:detail", args=[ready.pk]))
    assert "static.example.ru" not in detail["Content-Security-Policy"]
