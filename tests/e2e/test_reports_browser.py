"""The department head orders the справка, watches a real worker build it, approves it and downloads the signed
PDF — in headless Chromium; the downloaded file's signature is then validated."""

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import Page, expect

from reports import services, signing
from reports.models import Report, ReportStatus
from tests.builders.roadmaps import Y, build_programme
from tests.e2e.test_browser import sign_in
from tests.workers import celery_worker, private_queue, producer

pytestmark = [pytest.mark.e2e, pytest.mark.worker, pytest.mark.django_db(transaction=True), pytest.mark.today]


def test_head_orders_watches_approves_and_downloads_the_signed_report(
    page: Page, world, redis_url, signing_settings, media, monkeypatch, tmp_path
):
    build_programme(world)
    head = world.users["head"]
    head.last_name, head.first_name, head.middle_name = "Кравченко", "Ирина", "Олеговна"
    head.position = "Начальник отдела образования"
    head.save()
    queue = private_queue()
    sender = producer(redis_url)
    # The web process (the live server) hands the build to a real worker over Redis.
    monkeypatch.setattr(
        services,
        "_schedule",
        lambda report: sender.send_task("reports.tasks.report_build_task", args=[report.pk], queue=queue),
    )

    sign_in(page, "head")
    page.get_by_role("navigation", name="Основное меню").get_by_role("link", name="Отчёты").click()
    page.get_by_role("link", name="Заказать отчёт").click()
    page.get_by_label("Год перечня").fill(str(Y))
    page.get_by_label("Рекомендации").fill("Провести методический десант в МБОУ «Каштановская СОШ».")
    page.get_by_role("button", name="Сформировать").click()

    # No worker yet: the page shows the job waiting, and updates itself once a worker takes it.
    expect(page.locator("#report-progress")).to_contain_text("в очереди")
    expect(page.locator("progress")).to_be_visible()
    report = Report.objects.get()
    with celery_worker(redis_url, queue, MEDIA_ROOT=str(media)):
        expect(page.locator("#report-progress")).to_contain_text("готов, на утверждении", timeout=90_000)
    report.refresh_from_db()
    assert report.status == ReportStatus.READY

    page.get_by_role("link", name="Утвердить и подписать").click()
    seal = page.locator("#seal-form")
    seal.get_by_label("Я проверил(а) документ и подписываю его").check()
    seal.get_by_role("button", name="Утвердить с печатью портала").click()
    expect(page.locator(".messages")).to_contain_text("на PDF поставлена печать портала: файл не изменён")
    with page.expect_download() as download_info:
        page.locator("#signature").get_by_role("link", name="PDF с печатью портала").click()
    download = download_info.value
    assert re.fullmatch(r"Справка_Обливский-район_\d{4}_v1_печать_портала\.pdf", download.suggested_filename)
    path = tmp_path / "signed.pdf"
    download.save_as(path)
    # Playwright's sync API keeps an event loop in this thread; pyHanko's validator runs its own: use another thread.
    with ThreadPoolExecutor(max_workers=1) as pool:
        verdict = pool.submit(
            signing.verify_pdf, path.read_bytes(), trust_roots=signing.trust_roots_from_settings()
        ).result()
    assert (
        verdict.signed and verdict.intact and verdict.valid and verdict.trusted and verdict.covers_whole_file
    )

    # The recipient checks it on the open verification page, without logging in.
    page.context.clear_cookies()
    page.goto("/reports/verify/")
    page.get_by_label("Файл PDF").set_input_files(str(path))
    page.get_by_role("button", name="Проверить").click()
    expect(page.locator(".verification--ok")).to_contain_text("Печать портала: файл не изменён с ")
