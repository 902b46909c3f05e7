"""API of reports: the list and card through the gate, the download of a stored file, the order by a person (never
by a key), and the open verification of a signed PDF that keeps nothing it is given."""

import hashlib
import re
from urllib.parse import unquote

import pytest
import weasyprint
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from api.models import ApiCallLog, ClientKey, Tombstone
from reports import signing
from reports.forms import VERIFY_MAX_BYTES
from reports.models import Report, ReportEvent, ReportFile, ReportKind, ReportStatus
from tests.api.throttle import fresh_throttle_counters  # noqa: F401 — autouse: throttle counters at zero

pytestmark = pytest.mark.django_db

CYRILLIC = re.compile(r"[А-Яа-яЁё]")
YEAR = 2026
CERT_PASSWORD = "пароль-демо-подписи"
SIGNER = "Сидорова Анна Викторовна"


def _xlsx() -> bytes:
    """A real (tiny) workbook: a download is served with the type its content has (core.files)."""
    import io

    import openpyxl

    buffer = io.BytesIO()
    openpyxl.Workbook().save(buffer)
    return buffer.getvalue()


XLSX_A = _xlsx()
LIST_URL = "/api/v1/reports/"
VERIFY_URL = "/api/v1/reports/verify/"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def key(world, *municipalities, **fields) -> str:
    obj, raw = ClientKey.objects.create_key(name="РИС", region=world.region, **fields)
    if municipalities:
        obj.municipalities.set(municipalities)
    return raw


def auth(raw: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Api-Key {raw}"}


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "details"}
    assert body["code"] == code
    assert CYRILLIC.search(body["message"]), body
    return body


def make_report(world, *, municipality=None, school=None, region=None, user="methodist", **fields) -> Report:
    """A report row as a build leaves it (no build is run: these tests are about the API, not the PDF)."""
    if school is not None:
        municipality = school.municipality
    if municipality is not None:
        region = municipality.region
    values = {
        "kind": ReportKind.SCHOOL if school else ReportKind.TERRITORY,
        "region": region or world.region,
        "municipality": municipality,
        "school": school,
        "year": YEAR,
        "requested_by": world.users[user],
        "status": ReportStatus.READY,
        "progress": 100,
        "stage": "Готово",
    }
    values.update(fields)
    return Report.objects.create(**values)


def store(report: Report, fmt: str, content: bytes) -> ReportFile:
    """A file of a report written under MEDIA_ROOT, as the build stores it."""
    extension = "pdf" if fmt in ("pdf", "signed_pdf") else fmt
    name = default_storage.save(f"reports/{report.pk}/spravka-{fmt}.{extension}", ContentFile(content))
    return ReportFile.objects.create(
        report=report, format=fmt, file=name, size=len(content), sha256=hashlib.sha256(content).hexdigest()
    )


@pytest.fixture
def reports(world, media):
    """A справка of A with its files, one of B, a profile of school a1, and a справка of the whole region."""
    a = make_report(
        world, municipality=world.mun_a, data_as_of=timezone.now(), rule_params={"criteria": ["1"]}
    )
    store(a, "pdf", b"%PDF-1.7 A")
    store(a, "xlsx", XLSX_A)
    b = make_report(world, municipality=world.mun_b, user="regional_methodist")
    store(b, "pdf", b"%PDF-1.7 B")
    profile = make_report(world, school=world.school_a1)
    region = make_report(world, region=world.region, user="regional_methodist")
    return {"a": a, "b": b, "profile": profile, "region": region}


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


# --- reading ----------------------------------------------------------------------------------------------------


def test_each_caller_sees_only_the_reports_of_its_territory(client, world, reports):
    a, b, profile, region = reports["a"], reports["b"], reports["profile"], reports["region"]
    assert ids(client.get(LIST_URL, **auth(key(world, world.mun_a)))) == {a.pk, profile.pk}
    assert ids(client.get(LIST_URL, **auth(key(world, world.mun_b)))) == {b.pk}
    assert ids(client.get(LIST_URL, **auth(key(world)))) == {a.pk, b.pk, profile.pk, region.pk}  # the region
    client.force_login(world.users["methodist"])
    assert ids(client.get(LIST_URL)) == {a.pk, profile.pk}
    client.force_login(world.users["school_admin"])  # of school a1: its profile only
    assert ids(client.get(LIST_URL)) == {profile.pk}
    client.force_login(world.users["tutor"])
    assert ids(client.get(LIST_URL)) == set()


def test_detail_of_another_territory_is_404(client, world, reports):
    headers = auth(key(world, world.mun_a))
    for report in (reports["b"], reports["region"]):
        assert_error(client.get(f"{LIST_URL}{report.pk}/", **headers), 404, "not_found")
    assert client.get(f"{LIST_URL}{reports['a'].pk}/", **headers).status_code == 200


def test_the_card_of_a_signed_report(client, world, reports):
    head = world.users["head"]
    head.last_name, head.first_name, head.middle_name = "Сидорова", "Анна", "Викторовна"
    head.save()
    a = reports["a"]
    signed_at = timezone.now()
    Report.objects.filter(pk=a.pk).update(status=ReportStatus.SIGNED, signed_by=head, signed_at=signed_at)
    signed = store(a, "signed_pdf", b"%PDF-1.7 A signed")
    body = client.get(f"{LIST_URL}{a.pk}/", **auth(key(world, world.mun_a))).json()
    assert body["kind"] == "territory" and body["kind_label"] == "Аналитическая справка по работе со ШНОР"
    assert (body["year"], body["version"], body["previous"]) == (YEAR, 1, None)
    assert (body["region"], body["municipality"], body["school"]) == (world.region.pk, world.mun_a.pk, None)
    assert body["territory_name"] == "Обливский район"
    assert (body["status"], body["status_label"]) == ("signed", "утверждён и подписан")
    assert (body["progress"], body["stage"], body["error"]) == (100, "Готово", "")
    assert body["signed_by_name"] == SIGNER
    assert body["signed_at"] and body["data_as_of"] and body["created_at"] and body["updated_at"]
    assert body["rule_params"] == {"criteria": ["1"]}
    files = {f["format"]: f for f in body["files"]}
    assert set(files) == {"pdf", "xlsx", "signed_pdf"}
    assert files["signed_pdf"] == {
        "format": "signed_pdf",
        "format_label": "PDF с печатью портала",
        "size": signed.size,
        "sha256": signed.sha256,
        "url": f"http://testserver/api/v1/reports/{a.pk}/download/signed_pdf/",
    }
    # not signed yet: no signer, no files while it is built
    profile = client.get(f"{LIST_URL}{reports['profile'].pk}/", **auth(key(world, world.mun_a))).json()
    assert profile["signed_by_name"] is None and profile["signed_at"] is None and profile["files"] == []
    assert profile["kind"] == "school" and profile["school"] == world.school_a1.pk
    assert profile["territory_name"] == world.school_a1.name


def test_filters_of_the_list(client, world, reports):
    headers = auth(key(world))
    assert ids(client.get(LIST_URL, {"kind": "school"}, **headers)) == {reports["profile"].pk}
    assert ids(client.get(LIST_URL, {"municipality": world.mun_b.pk}, **headers)) == {reports["b"].pk}
    assert ids(client.get(LIST_URL, {"year": YEAR + 1}, **headers)) == set()
    assert ids(client.get(LIST_URL, {"status": "ready"}, **headers)) == {r.pk for r in reports.values()}
    assert_error(client.get(LIST_URL, {"status": "lost"}, **headers), 400, "invalid")


def test_queries_do_not_grow_with_the_page(client, world, media, django_assert_num_queries):
    for n in range(12):
        report = make_report(world, municipality=world.mun_a, year=2015 + n, signed_by=world.users["head"])
        store(report, "pdf", b"%PDF " + bytes([n]))
        store(report, "docx", b"PK docx " + bytes([n]))
    make_report(world, school=world.school_a1)
    headers = auth(key(world, world.mun_a))
    with CaptureQueriesContext(connection) as small:
        response = client.get(LIST_URL, {"page_size": 2}, **headers)
    assert len(response.json()["results"]) == 2
    with django_assert_num_queries(len(small)):
        response = client.get(LIST_URL, {"page_size": 50}, **headers)
    assert len(response.json()["results"]) == 13


def test_updated_since_mirrors_deleted_reports_within_the_scope(client, world, reports):
    since = {"updated_since": "2000-01-01T00:00:00Z"}
    a, b, region = reports["a"].pk, reports["b"].pk, reports["region"].pk
    for report in (reports["a"], reports["b"], reports["region"]):
        report.delete()
    assert set(Tombstone.objects.filter(model="reports.report").values_list("object_id", flat=True)) == {
        a,
        b,
        region,
    }
    assert set(client.get(LIST_URL, since, **auth(key(world, world.mun_a))).json()["deleted"]) == {a}
    # a region's key hears of the region's own report too (it has no municipality)
    assert set(client.get(LIST_URL, since, **auth(key(world))).json()["deleted"]) == {a, b, region}


# --- downloading ------------------------------------------------------------------------------------------------


def download_url(report: Report, fmt: str) -> str:
    return reverse("api:report-download", kwargs={"pk": report.pk, "fmt": fmt})


def test_download_of_a_stored_file(client, world, reports):
    a = reports["a"]
    headers = auth(key(world, world.mun_a))
    response = client.get(download_url(a, "pdf"), **headers)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.7 A"
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert unquote(response["Content-Disposition"]).endswith("''Справка_Обливский-район_2026_v1.pdf")
    sha = hashlib.sha256(b"%PDF-1.7 A").hexdigest()
    assert response["Digest"] == f"sha-256={sha}"
    assert response["X-Content-Type-Options"] == "nosniff"
    # unchanged: 304 without the file
    again = client.get(download_url(a, "pdf"), HTTP_IF_NONE_MATCH=response["ETag"], **headers)
    assert again.status_code == 304
    xlsx = client.get(download_url(a, "xlsx"), HTTP_ACCEPT="application/pdf", **headers)
    assert xlsx.status_code == 200
    assert xlsx["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert b"".join(xlsx.streaming_content) == XLSX_A
    # a session of the methodologist downloads the same
    client.force_login(world.users["methodist"])
    assert client.get(download_url(a, "pdf")).status_code == 200


def test_download_refused_outside_the_scope_or_without_the_file(client, world, reports):
    headers = auth(key(world, world.mun_a))
    body = assert_error(client.get(download_url(reports["b"], "pdf"), **headers), 404, "not_found")
    assert body["message"] == "Не найдено."
    body = assert_error(client.get(download_url(reports["a"], "signed_pdf"), **headers), 404, "not_found")
    assert body["message"] == "У отчёта нет файла в этом формате."
    # asked for a PDF, the refusal is still JSON
    response = client.get(download_url(reports["a"], "docx"), HTTP_ACCEPT="application/pdf", **headers)
    assert_error(response, 404, "not_found")
    assert_error(client.get(download_url(reports["a"], "pdf")), 401, "not_authenticated")
    assert client.get(f"{LIST_URL}{reports['a'].pk}/download/exe/", **headers).status_code == 404


def test_a_file_missing_from_storage_is_404_not_500(client, world, reports):
    stored = reports["a"].files.get(format="pdf")
    default_storage.delete(stored.file.name)
    body = assert_error(
        client.get(download_url(reports["a"], "pdf"), **auth(key(world, world.mun_a))), 404, "not_found"
    )
    assert "хранилище" in body["message"]


# --- ordering ---------------------------------------------------------------------------------------------------


def order(client, **data):
    payload = {"kind": "territory", "year": YEAR, "recommendations": "Усилить методическую поддержку."}
    payload.update(data)
    return client.post(LIST_URL, payload, content_type="application/json")


def test_a_methodologist_orders_a_report_with_the_session(client, world, django_capture_on_commit_callbacks):
    client.force_login(world.users["methodist"])
    with django_capture_on_commit_callbacks() as callbacks:  # the build is scheduled, not run, in this test
        response = order(client, municipality=world.mun_a.pk)
    assert response.status_code == 202, response.content
    report = Report.objects.get()
    assert report.requested_by == world.users["methodist"]
    assert (report.kind, report.year, report.municipality_id, report.region_id) == (
        "territory",
        YEAR,
        world.mun_a.pk,
        world.region.pk,
    )
    assert report.recommendations == "Усилить методическую поддержку."
    assert report.status == ReportStatus.QUEUED
    assert ReportEvent.objects.filter(report=report, action="requested").exists()
    assert len(callbacks) == 1
    body = response.json()
    assert body["id"] == report.pk and body["status"] == "queued" and body["files"] == []
    assert response["Location"] == f"http://testserver/api/v1/reports/{report.pk}/"
    # a school's profile, then a second version of the same справка
    response = order(client, kind="school", school=world.school_a1.pk)
    assert response.status_code == 202, response.content
    assert response.json()["territory_name"] == world.school_a1.name
    assert order(client, municipality=world.mun_a.pk).json()["version"] == 2


def test_a_key_never_orders_a_report(client, world):
    raw = key(world, world.mun_a, results_write=True)  # even a key with the methodologist's write grants
    assert_error(order(client, municipality=world.mun_a.pk), 401, "not_authenticated")  # no key, no session
    response = client.post(
        LIST_URL,
        {"kind": "territory", "year": YEAR, "municipality": world.mun_a.pk},
        content_type="application/json",
        **auth(raw),
    )
    body = assert_error(response, 403, "permission_denied")
    assert "Ключ API не может заказывать отчёты" in body["message"]
    assert not Report.objects.exists()


@pytest.mark.parametrize("name", ["school_admin", "analyst", "tutor"])
def test_who_may_not_order_is_403(client, world, name):
    client.force_login(world.users[name])
    body = assert_error(order(client, municipality=world.mun_a.pk), 403, "permission_denied")
    assert "методисты и руководители" in body["message"]
    assert not Report.objects.exists()


def test_an_order_outside_the_territory_or_incomplete_is_400(client, world):
    client.force_login(world.users["methodist"])
    cases = [
        ({"municipality": world.mun_b.pk}, "municipality", "недоступен"),
        ({"region": world.region.pk}, "region", "недоступен"),  # a municipal methodologist: not the region
        ({"kind": "school", "school": world.school_b1.pk}, "school", "недоступна"),
        ({"kind": "school"}, "school", "Выберите школу"),
        ({}, "municipality", "одно из двух"),
        ({"municipality": world.mun_a.pk, "school": world.school_a1.pk}, "school", "только для профиля"),
        ({"municipality": world.mun_a.pk, "year": 1990}, "year", ""),
    ]
    for data, field, text in cases:
        body = assert_error(order(client, **data), 400, "invalid")
        assert field in body["details"], (data, body)
        assert text in " ".join(body["details"][field]), (data, body)
    assert not Report.objects.exists()
    # a regional methodologist orders the whole region
    client.force_login(world.users["regional_methodist"])
    response = order(client, region=world.region.pk)
    assert response.status_code == 202, response.content
    assert Report.objects.get().municipality_id is None


# --- verification -----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def signed_pdf(tmp_path_factory):
    """A PDF signed with a fresh demo certificate, and the CA certificate that makes it trusted."""
    folder = tmp_path_factory.mktemp("api-signing")
    path = folder / "signer.p12"
    signing.make_demo_certificate(path, CERT_PASSWORD, common_name=SIGNER)
    pdf = weasyprint.HTML(string="<p>Справка</p>").write_pdf()
    with override_settings(REPORTS_FONT_CACHE=str(folder / "fonts")):
        data = signing.sign_pdf(pdf, pkcs12=path.read_bytes(), password=CERT_PASSWORD)
    return data, path.with_suffix(".ca.pem")


def verify(client, content: bytes, **extra):
    return client.post(VERIFY_URL, {"file": SimpleUploadedFile("report.pdf", content)}, **extra)


def test_verification_is_open_and_says_garbage_is_not_a_pdf(client, world, media):
    response = verify(client, b"\x00\x01garbage, not a document")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["summary"] == "Файл не является PDF-документом"
    assert body["signed"] is False and body["ok"] is False and body["known"] is False
    assert body["signer"] is None and body["signed_at"] is None and body["details"] == []
    # nothing kept: no file in storage, no report file; only the call itself is logged, without a user
    assert not media.exists() or not any(media.rglob("*"))
    assert not ReportFile.objects.exists()
    log = ApiCallLog.objects.get(endpoint=VERIFY_URL)
    assert (log.status, log.user, log.key) == (200, None, None)


def test_verification_of_a_signed_report(client, world, media, settings, signed_pdf):
    data, ca = signed_pdf
    settings.REPORTS_TRUST_ROOTS = [str(ca)]
    body = verify(client, data).json()
    assert body["ok"] is True
    assert (body["signed"], body["intact"], body["valid"], body["trusted"], body["covers_whole_file"]) == (
        True,
        True,
        True,
        True,
        True,
    )
    assert body["signer"]["name"] == SIGNER and body["organization"] == "Управление образования (демо)"
    assert (body["kind"], body["algorithm"], body["signature_valid"]) == (
        "seal",
        "RSA, хэш-функция SHA-256",
        True,
    )
    assert body["signed_at"] and body["summary"].startswith("Печать портала: файл не изменён с ")
    assert any(line.startswith("Подписант: ") for line in body["details"])
    assert body["known"] is False
    # the same bytes stored as a report's signed PDF are recognised as the portal's own
    store(make_report(world, municipality=world.mun_a), "signed_pdf", data)
    assert verify(client, data).json()["known"] is True
    # a byte added after the signature: still signed, but not over the whole file, and not the stored one
    body = verify(client, data + b"\n%%EOF\n").json()
    assert body["ok"] is False and body["covers_whole_file"] is False and body["known"] is False
    # without the trust root: valid but not trusted
    settings.REPORTS_TRUST_ROOTS = []
    body = verify(client, data).json()
    assert body["valid"] is True and body["trusted"] is False and body["ok"] is False


def test_verification_refuses_what_is_not_an_upload(client, world):
    body = assert_error(client.post(VERIFY_URL, {}), 400, "invalid")
    assert "file" in body["details"]
    body = assert_error(
        client.post(VERIFY_URL, {"file": "x"}, content_type="application/json"), 415, "unsupported_media_type"
    )
    assert "multipart/form-data" in body["message"]
    # a body announced larger than 50 MB is refused before it is read
    response = client.post(
        VERIFY_URL,
        {"file": SimpleUploadedFile("big.pdf", b"%PDF-")},
        CONTENT_LENGTH=str(VERIFY_MAX_BYTES + 10 * 1024 * 1024),
    )
    body = assert_error(response, 400, "invalid")
    assert "50 МБ" in body["details"]["file"][0]
    assert client.get(VERIFY_URL).status_code == 405


def test_verification_with_a_key_or_a_session_too(client, world):
    assert verify(client, b"garbage", **auth(key(world, world.mun_a))).status_code == 200
    client.force_login(world.users["school_admin"])
    assert verify(client, b"garbage").status_code == 200
