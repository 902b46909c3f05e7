"""Report pages: ordering, progress, review, downloads, and the open verification page."""

import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from reports.models import Report, ReportFormat, ReportStatus
from tests.builders.module import module_fixture
from tests.builders.reports import territory_report
from tests.builders.roadmaps import Y, build_programme

pytestmark = [pytest.mark.django_db, pytest.mark.today]


@module_fixture
def programme_rows(world):
    return build_programme(world)


@pytest.fixture
def programme(programme_rows, media, signing_settings):
    return programme_rows


def login(client, world, name):
    client.force_login(world.users[name])
    return client


def order(client, world, django_capture_on_commit_callbacks, **data) -> Report:
    payload = {"kind": "territory", "territory": f"m{world.mun_a.pk}", "year": Y, "recommendations": "Текст."}
    payload.update(data)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:request"), payload)
    assert response.status_code == 302, response.content.decode()[:2000]
    return Report.objects.get(pk=int(re.search(r"/reports/(\d+)/", response["Location"]).group(1)))


def test_methodologist_orders_and_the_page_shows_the_files(
    client, programme, world, django_capture_on_commit_callbacks
):
    login(client, world, "methodist")
    page = client.get(reverse("reports:request"))
    assert page.status_code == 200
    choices = page.context["form"].fields["territory"].choices
    assert choices == [(f"m{world.mun_a.pk}", "Обливский район")]
    report = order(client, world, django_capture_on_commit_callbacks)
    detail = client.get(reverse("reports:detail", args=[report.pk]))
    text = detail.content.decode()
    assert "готов, на утверждении" in text
    for stored in report.files.all():
        assert stored.sha256 in text
    assert "Утвердить и подписать" not in text  # the methodologist does not approve


def test_status_json_for_the_progress_bar(client, programme, world):
    login(client, world, "methodist")
    report = territory_report(world, status=ReportStatus.BUILDING, progress=42, stage="Динамика результатов")
    data = client.get(reverse("reports:status", args=[report.pk])).json()
    assert data == {
        "status": "building",
        "status_label": "формируется",
        "progress": 42,
        "stage": "Динамика результатов",
        "error": "",
        "in_progress": True,
    }
    page = client.get(reverse("reports:detail", args=[report.pk])).content.decode()
    assert 'data-in-progress="1"' in page and "report-progress.js" in page and "<script>" not in page


def test_head_returns_then_signs_and_downloads(client, programme, world, django_capture_on_commit_callbacks):
    login(client, world, "methodist")
    report = order(client, world, django_capture_on_commit_callbacks)
    login(client, world, "head")
    assert "Утвердить и подписать" in client.get(reverse("reports:detail", args=[report.pk])).content.decode()
    response = client.post(reverse("reports:return", args=[report.pk]), {"comment": ""}, follow=True)
    assert "Укажите, что нужно исправить." in response.content.decode()
    client.post(reverse("reports:return", args=[report.pk]), {"comment": "Уточнить выводы."})
    report.refresh_from_db()
    assert report.status == ReportStatus.RETURNED
    login(client, world, "methodist")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reports:edit", args=[report.pk]), {"recommendations": "Уточнённые выводы."})
    login(client, world, "head")
    response = client.post(reverse("reports:sign", args=[report.pk]), {"confirm": "on"}, follow=True)
    assert "на PDF поставлена печать портала: файл не изменён" in response.content.decode()
    download = client.get(reverse("reports:download", args=[report.pk, ReportFormat.SIGNED_PDF]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert "attachment" in download["Content-Disposition"]
    assert "_v1_" in download["Content-Disposition"] and ".pdf" in download["Content-Disposition"]
    body = b"".join(download.streaming_content)
    assert body.startswith(b"%PDF")
    assert download["Digest"] == f"sha-256={report.files.get(format='signed_pdf').sha256}"


@pytest.mark.parametrize("name", ["school_admin", "tutor", "nobody"])
def test_a_report_outside_ones_reach_is_404(
    client, programme, world, name, django_capture_on_commit_callbacks
):
    login(client, world, "methodist")
    report = order(client, world, django_capture_on_commit_callbacks)
    login(client, world, name)
    for url in (
        reverse("reports:detail", args=[report.pk]),
        reverse("reports:status", args=[report.pk]),
        reverse("reports:download", args=[report.pk, "pdf"]),
    ):
        assert client.get(url).status_code == 404
    assert client.post(reverse("reports:sign", args=[report.pk])).status_code == 404
    assert client.get(reverse("reports:request")).status_code == 403


def test_anonymous_is_sent_to_login_except_for_verification(client, programme):
    assert client.get(reverse("reports:list")).status_code == 302
    assert client.get(reverse("reports:verify")).status_code == 200


def test_verification_page_checks_a_signed_report_and_keeps_nothing(
    client, programme, world, media, django_capture_on_commit_callbacks
):
    login(client, world, "methodist")
    report = order(client, world, django_capture_on_commit_callbacks)
    login(client, world, "head")
    client.post(reverse("reports:sign", args=[report.pk]), {"confirm": "on"})
    signed = report.files.get(format="signed_pdf").file.read()
    client.logout()
    before = sorted(p for p in Path(media).rglob("*"))
    ok = client.post(reverse("reports:verify"), {"file": SimpleUploadedFile("справка.pdf", signed)})
    text = ok.content.decode()
    assert "Печать портала: файл не изменён с " in text
    # the file is a report the portal holds: what its own first page prints, and how it is signed
    title = report.title[:1].lower() + report.title[1:]
    assert (
        f"Это {title}, {report.territory_name}, {report.year} год, версия {report.version}, "
        "заверенная печатью портала." in text
    )
    tampered = bytearray(signed)
    position = signed.index(b"/Type /Page") if b"/Type /Page" in signed else 200
    tampered[position + 1] ^= 0x01
    bad = client.post(reverse("reports:verify"), {"file": SimpleUploadedFile("справка.pdf", bytes(tampered))})
    assert "verification--bad" in bad.content.decode()
    garbage = client.post(
        reverse("reports:verify"), {"file": SimpleUploadedFile("x.pdf", b"MZ\x90\x00 not a pdf")}
    )
    assert "Файл не является PDF-документом" in garbage.content.decode()
    assert sorted(p for p in Path(media).rglob("*")) == before


def test_list_shows_versions_and_what_awaits_the_head(
    client, programme, world, django_capture_on_commit_callbacks
):
    login(client, world, "methodist")
    order(client, world, django_capture_on_commit_callbacks)
    order(client, world, django_capture_on_commit_callbacks)
    login(client, world, "head")
    page = client.get(reverse("reports:list"))
    assert page.context["awaiting"] == 2
    assert [r.version for r in page.context["page_obj"]] == [2, 1]
    assert "Отчёты" in [item.title for item in page.context["nav_items"]]


def test_a_file_missing_from_storage_is_a_404_not_a_500(
    client, programme, world, django_capture_on_commit_callbacks
):
    login(client, world, "methodist")
    report = order(client, world, django_capture_on_commit_callbacks)
    stored = report.files.get(format="pdf")
    stored.file.storage.delete(stored.file.name)
    response = client.get(reverse("reports:download", args=[report.pk, "pdf"]))
    assert response.status_code == 404
