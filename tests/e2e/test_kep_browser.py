"""The head signs the справка with their КЭП in Chromium (#22, done when): download the final PDF → sign it with
the test key (OpenSSL's GOST engine, tests/reports/gost_pki.py: an implementation independent of the portal's
verifier) → upload the .sig with the confirmation → «Подписан КЭП» → the open verification page says who signed
it and that it is unchanged. Then the same through a stub of КриптоПро ЭЦП Browser plug-in (static/reports/kep.js
against the plug-in's async API), the page without a plug-in, and the portal's seal behind its checkbox."""

import base64
import hashlib
import io
import json
import zipfile
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from core.policies import SYSTEM
from reports import cades, services, services_kep
from reports.forms import CONFIRM_LABEL, CONFIRM_REQUIRED
from reports.models import Report, ReportFormat, ReportStatus
from tests.builders.roadmaps import Y, build_programme
from tests.e2e.test_browser import sign_in
from tests.e2e.test_csp_browser import watch
from tests.reports import gost_pki
from tests.reports.conftest import require_gost_openssl
from tests.reports.test_views_sign import make_ready_report, small_pdf

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.today]

STUB = Path(__file__).with_name("cadesplugin_stub.js")
HEAD_FULL_NAME = "Кузнецова Наталья Андреевна"
MOSCOW = ZoneInfo("Europe/Moscow")


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> gost_pki.Pki:
    require_gost_openssl()
    return gost_pki.make_pki(tmp_path_factory.mktemp("gost-pki"))


@pytest.fixture
def head(world, pki):
    """The demo-like head whose profile matches the test certificate (СНИЛС and full name)."""
    user = world.users["head"]
    user.last_name, user.first_name, user.middle_name = "Кузнецова", "Наталья", "Андреевна"
    user.position = "Заведующий отделом образования"
    user.snils = gost_pki.HEAD_SNILS
    user.save()
    # The department's trust root, uploaded as the administrator would (reports.TrustedRoot).
    services_kep.trusted_root_add(user=SYSTEM, data=pki.root.cert_der)
    return user


def sign(pki, content: bytes, tmp_path: Path, *, form: str = "der") -> bytes:
    """What КриптоАРМ writes: a detached CAdES-BES of ``content`` carrying the chain up to (not with) the root."""
    return gost_pki.sign_detached(pki.head, content, tmp_path=tmp_path / "sign", form=form, chain=(pki.ca,))


def kep_form(page: Page):
    return page.locator("#kep-form")


def open_sign_page(page: Page, report: Report) -> None:
    page.goto(f"/reports/{report.pk}/")
    page.get_by_role("link", name="Утвердить и подписать").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Подписание отчёта")


def test_the_head_signs_the_spravka_with_a_kep_and_anyone_verifies_it(
    page: Page, world, head, pki, media, monkeypatch, tmp_path
):
    build_programme(world)
    monkeypatch.setattr(services, "_schedule", lambda report: None)
    report = services.report_request(
        user=world.users["methodist"], kind="territory", year=Y, municipality_id=world.mun_a.pk
    )
    services.report_build(report.pk)
    report.refresh_from_db()
    assert report.status == ReportStatus.READY
    stored = report.files.get(format=ReportFormat.PDF)
    seen = watch(page)

    sign_in(page, "head")
    open_sign_page(page, report)
    expect(page.locator("iframe.sign-preview__frame")).to_have_attribute(
        "src", f"/reports/{report.pk}/preview/#navpanes=0&view=FitH"
    )
    expect(
        page.get_by_text("После подписания отчёт нельзя изменить; исправления — только новой версией")
    ).to_be_visible()
    expect(page.locator('[data-field="sha256"]')).to_have_text(stored.sha256)
    # No plug-in here: the page explains the three steps of the upload path.
    expect(kep_form(page).locator("#kep-plugin-absent")).to_contain_text("на этом портале не подключено")
    expect(page.get_by_role("button", name="Подписать КЭП")).to_be_hidden()

    # 1. Download the final PDF: exactly the stored bytes, the SHA-256 the page shows.
    with page.expect_download() as downloaded:
        page.get_by_role("link", name="скачать PDF для подписи").click()
    pdf_path = tmp_path / downloaded.value.suggested_filename
    downloaded.value.save_as(pdf_path)
    pdf = pdf_path.read_bytes()
    assert hashlib.sha256(pdf).hexdigest() == stored.sha256
    # 2. Sign it in «the head's program» (OpenSSL's GOST engine with the head's test key).
    sig_path = pdf_path.with_name(pdf_path.name + ".sig")
    sig_path.write_bytes(sign(pki, pdf, tmp_path))
    # 3. Upload the .sig; the confirmation is required.
    kep_form(page).get_by_label("Файл подписи").set_input_files(str(sig_path))
    kep_form(page).get_by_label(CONFIRM_LABEL).check()
    kep_form(page).get_by_role("button", name="Загрузить подпись и подписать").click()

    expect(page).to_have_url(f"{page.url.split('/reports/')[0]}/reports/{report.pk}/")
    block = page.locator("#signature")
    expect(block.get_by_role("heading", level=2)).to_have_text("Подписан КЭП")
    expect(block).to_contain_text(HEAD_FULL_NAME)
    expect(block).to_contain_text("***-***-*** 95")  # the head sees the last two digits of the СНИЛС only
    expect(block).to_contain_text("Тестовый УЦ Федерального казначейства")
    report.refresh_from_db()
    assert report.status == ReportStatus.SIGNED
    assert report.kep_signature.owner_name == HEAD_FULL_NAME
    assert report.files.get(format=ReportFormat.PDF).sha256 == stored.sha256  # never altered

    # The PDF and the .sig together, as the page offers them.
    with page.expect_download() as bundle:
        block.get_by_role("link", name="Скачать PDF и подпись (.zip)").click()
    with zipfile.ZipFile(io.BytesIO(Path(bundle.value.path()).read_bytes())) as archive:
        contents = {Path(name).suffix: archive.read(name) for name in archive.namelist()}
    assert contents == {".pdf": pdf, ".sig": report.kep_signature.signature.read()}
    assert cades.load_signature(contents[".sig"]) == cades.load_signature(sig_path.read_bytes())

    # Anyone checks it on the open verification page with the PDF and the .sig.
    page.context.clear_cookies()
    page.goto("/reports/verify/")
    page.get_by_label("Файл PDF").set_input_files(str(pdf_path))
    page.get_by_label("Файл подписи (.sig)").set_input_files(str(sig_path))
    page.get_by_role("button", name="Проверить").click()
    signed_on = report.kep_signature.signed_at.astimezone(MOSCOW).strftime("%d.%m.%Y")
    expect(page.locator(".verification h2")).to_have_text(
        f"Документ подписан: Кузнецова Н. А., заведующий отделом образования, {signed_on}, и с тех пор не изменён."
    )
    assert seen == {"csp": [], "errors": []}


def plugin_stub(
    page: Page, pki, tmp_path: Path, *, fail: str = "", absent: bool = False, url: str = ""
) -> list:
    """Install the plug-in stub before the page's scripts (or, with ``url``, serve it there as the deployment's
    cadesplugin_api.js); SignCades signs through OpenSSL here. Returns the list that collects (content, calls) of
    each SignCades."""
    head_cert = pki.head.info
    config = {
        "fail": fail,
        "absent": absent,
        "certificates": [
            {
                "subject": f"CN={HEAD_FULL_NAME}, SN=Кузнецова, G=Наталья Андреевна, SNILS={gost_pki.HEAD_SNILS}",
                "issuer": "CN=Тестовый УЦ Федерального казначейства, O=Федеральное казначейство (тест)",
                "thumbprint": "A1" * 20,
                "validTo": head_cert.not_after.isoformat(),
                "hasKey": True,
            },
            # Not offered: an expired certificate, and one whose key is not on this computer.
            {"subject": "CN=Старый сертификат", "issuer": "CN=УЦ", "thumbprint": "B2" * 20,
             "validTo": "2020-01-01T00:00:00Z", "hasKey": True},
            {"subject": "CN=Чужой без ключа", "issuer": "CN=УЦ", "thumbprint": "C3" * 20,
             "validTo": "2099-01-01T00:00:00Z", "hasKey": False},
        ],
    }  # fmt: skip
    signed: list = []

    def kep_test_sign(content_b64: str, calls_json: str) -> str:
        content = base64.b64decode(content_b64)
        signed.append((content, json.loads(calls_json)))
        return base64.b64encode(sign(pki, content, tmp_path)).decode("ascii")

    page.expose_function("kepTestSign", kep_test_sign)
    page.add_init_script(script=f"window.__KEP_STUB__ = {json.dumps(config, ensure_ascii=False)};")
    if url:
        page.route(url, lambda route: route.fulfill(body=STUB.read_text(), content_type="text/javascript"))
    else:
        page.add_init_script(path=str(STUB))
    return signed


def test_with_the_plugin_the_head_signs_in_the_browser(page: Page, world, head, pki, media, tmp_path):
    report = make_ready_report(world, small_pdf())
    pdf = report.files.get(format=ReportFormat.PDF).file.read()
    signed = plugin_stub(page, pki, tmp_path)
    seen = watch(page)
    sign_in(page, "head")
    open_sign_page(page, report)

    plugin = kep_form(page).locator("#kep-plugin")
    expect(plugin).to_be_visible()
    expect(kep_form(page).locator("#kep-plugin-absent")).to_be_hidden()
    options = plugin.locator("#kep-certificate option")
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text(f"{HEAD_FULL_NAME} — действителен до ")
    expect(options.first).to_contain_text("выдан: Тестовый УЦ Федерального казначейства")

    # Without the confirmation the plug-in is not asked to sign.
    page.get_by_role("button", name="Подписать КЭП").click()
    expect(page.locator("#kep-status")).to_have_text(CONFIRM_REQUIRED)
    assert signed == []

    kep_form(page).get_by_label(CONFIRM_LABEL).check()
    page.get_by_role("button", name="Подписать КЭП").click()
    expect(page.locator("#signature").get_by_role("heading", level=2)).to_have_text("Подписан КЭП")
    expect(page.locator("#signature")).to_contain_text(HEAD_FULL_NAME)
    expect(page.locator(".messages")).to_contain_text("Отчёт подписан КЭП")

    # The plug-in was driven as CryptoPro documents it: the personal store, the signer with the chain and the
    # signing time, the PDF's bytes as base64 → binary, a detached CAdES-BES.
    [(content, calls)] = signed
    assert content == pdf
    assert ["Store.Open", 2, "My", 2] in calls
    sign_call = next(call for call in calls if call[0] == "SignCades")
    assert sign_call == ["SignCades", "A1" * 20, 0, [0], 1, 1, True, len(base64.b64encode(pdf))]
    report.refresh_from_db()
    assert report.status == ReportStatus.SIGNED
    assert report.kep_signature.owner_name == HEAD_FULL_NAME
    assert seen == {"csp": [], "errors": []}


def test_a_refusal_in_the_plugin_is_said_and_changes_nothing(page: Page, world, head, pki, media, tmp_path):
    report = make_ready_report(world, small_pdf())
    plugin_stub(page, pki, tmp_path, fail="Действие было отменено пользователем. (0x8010006E)")
    sign_in(page, "head")
    open_sign_page(page, report)
    kep_form(page).get_by_label(CONFIRM_LABEL).check()
    page.get_by_role("button", name="Подписать КЭП").click()
    expect(page.locator("#kep-status")).to_have_text(
        "Не удалось подписать в браузере: Действие было отменено пользователем. (0x8010006E). "
        "Можно подписать файл в своей программе и загрузить подпись."
    )
    expect(page.get_by_role("button", name="Подписать КЭП")).to_be_enabled()
    report.refresh_from_db()
    assert report.status == ReportStatus.READY


def test_without_the_plugin_the_page_explains_the_upload(page: Page, world, head, pki, media, tmp_path):
    report = make_ready_report(world, small_pdf())
    seen = watch(page)
    sign_in(page, "head")
    open_sign_page(page, report)
    absent = kep_form(page).locator("#kep-plugin-absent")
    expect(absent).to_be_visible()
    expect(absent).to_have_text(
        "Подписание в браузере через КриптоПро ЭЦП Browser plug-in на этом портале не подключено. Подпишите файл "
        "в своей программе — это займёт три шага:"
    )
    steps = kep_form(page).locator(".kep-steps li")
    expect(steps).to_have_count(3)
    expect(steps.nth(0)).to_contain_text("Скачайте PDF отчёта")
    expect(steps.nth(1)).to_contain_text("откреплённой подписью")
    expect(steps.nth(2)).to_contain_text("Загрузите файл подписи")
    expect(kep_form(page).locator("#kep-plugin")).to_be_hidden()
    expect(page.get_by_role("button", name="Подписать КЭП")).to_be_hidden()
    expect(kep_form(page).get_by_role("button", name="Загрузить подпись и подписать")).to_be_visible()
    # A signature of another file is refused with the reason, in Russian, and nothing changes.
    other = tmp_path / "other.pdf.sig"
    other.write_bytes(sign(pki, b"%PDF-1.7 another document", tmp_path))
    kep_form(page).get_by_label("Файл подписи").set_input_files(str(other))
    kep_form(page).get_by_label(CONFIRM_LABEL).check()
    kep_form(page).get_by_role("button", name="Загрузить подпись и подписать").click()
    expect(kep_form(page).locator(".form-errors")).to_have_text(cades.PROBLEM_REASONS["other_file"])
    report.refresh_from_db()
    assert report.status == ReportStatus.READY
    assert seen == {"csp": [], "errors": []}


def test_the_portal_seal_needs_the_checkbox_too(page: Page, world, head, media, signing_settings, tmp_path):
    report = make_ready_report(world, small_pdf())
    sign_in(page, "head")
    open_sign_page(page, report)
    seal = page.locator("#seal-form")
    seal.get_by_role("button", name="Утвердить с печатью портала").click()
    expect(seal.locator(".field__error")).to_have_text(CONFIRM_REQUIRED)
    report.refresh_from_db()
    assert report.status == ReportStatus.READY
    seal.get_by_label(CONFIRM_LABEL).check()
    seal.get_by_role("button", name="Утвердить с печатью портала").click()
    block = page.locator("#signature")
    expect(block.get_by_role("heading", level=2)).to_have_text("Печать портала: файл не изменён")
    expect(block).not_to_contain_text("Подписан КЭП")
    report.refresh_from_db()
    assert report.status == ReportStatus.SIGNED


@pytest.mark.parametrize("absent", [False, True], ids=["plugin-answers", "plugin-not-installed"])
def test_a_deployment_serving_cadesplugin_api_js_loads_it_under_the_csp(
    page: Page, world, head, pki, media, tmp_path, settings, absent
):
    """REPORTS_CADESPLUGIN_JS_URL names CryptoPro's loader on another host: the sign page includes it, its CSP lets
    that origin (only) run scripts; when the extension does not answer, the page says so and keeps the upload."""
    url = "https://cades.example.ru/js/cadesplugin_api.js"
    settings.REPORTS_CADESPLUGIN_JS_URL = url
    report = make_ready_report(world, small_pdf())
    plugin_stub(page, pki, tmp_path, absent=absent, url=url)
    seen = watch(page)
    sign_in(page, "head")
    open_sign_page(page, report)
    if absent:
        expect(kep_form(page).locator("#kep-plugin-absent")).to_have_text(
            "КриптоПро ЭЦП Browser plug-in не отвечает: он не установлен или не включён в браузере. Подпишите "
            "файл в своей программе — это займёт три шага:"
        )
        expect(page.get_by_role("button", name="Подписать КЭП")).to_be_hidden()
    else:
        expect(page.locator("#kep-certificate option")).to_have_count(1)
        expect(page.get_by_role("button", name="Подписать КЭП")).to_be_visible()
        expect(kep_form(page).locator("#kep-plugin-absent")).to_be_hidden()
    expect(kep_form(page).get_by_role("button", name="Загрузить подпись и подписать")).to_be_visible()
    assert seen == {"csp": [], "errors": []}
