"""Roadmap evidence leaves with the type of its content and a matching name, whatever it was uploaded as."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from roadmaps.models import ItemEvidence
from tests.roadmaps.test_views import PDF, Maps, as_user, flashed

pytestmark = pytest.mark.django_db

SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def item(world):
    return Maps(world).items["school_a1"]


def download(client, evidence):
    response = client.get(reverse("roadmaps:evidence", args=[evidence.pk]))
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    return response


@pytest.mark.parametrize(
    ("title", "kept_as", "disposition"),
    [
        ("", "prikaz.pdf", 'attachment; filename="prikaz.pdf"'),
        (
            "Приказ № 3",
            "Приказ № 3",
            "attachment; filename*=utf-8''%D0%9F%D1%80%D0%B8%D0%BA%D0%B0%D0%B7%20%E2%84%96%203.pdf",
        ),
    ],
)
def test_a_pdf_uploaded_as_hta_is_kept_and_served_as_pdf(client, world, item, title, kept_as, disposition):
    upload = SimpleUploadedFile("prikaz.hta", PDF, content_type="application/hta")
    response = as_user(client, world, "school_admin").post(
        reverse("roadmaps:evidence_add", args=[item.pk]), {"name": title, "upload": upload}
    )
    assert flashed(response) == ["Подтверждение приложено."]
    evidence = item.evidence.get(name=kept_as)
    assert evidence.file.name.endswith(".pdf")
    response = download(client, evidence)
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == disposition
    assert b"".join(response.streaming_content) == PDF


def test_an_svg_is_refused_on_upload(client, world, item):
    upload = SimpleUploadedFile("scan.svg", SVG, content_type="image/svg+xml")
    response = as_user(client, world, "school_admin").post(
        reverse("roadmaps:evidence_add", args=[item.pk]), {"upload": upload}
    )
    (message,) = flashed(response)
    assert "«scan.svg» не похож на документ допустимого вида" in message
    assert not item.evidence.filter(name__contains="scan").exists()


@pytest.mark.parametrize(
    ("name", "content", "content_type", "disposition"),
    [
        ("prikaz.hta", PDF, "application/pdf", 'attachment; filename="prikaz.pdf"'),
        ("scan.svg", SVG, "application/octet-stream", 'attachment; filename="scan.bin"'),
    ],
)
def test_files_stored_before_the_check_are_served_by_content(
    client, world, item, name, content, content_type, disposition
):
    evidence = ItemEvidence(item=item, name=name)
    evidence.file.save(name, ContentFile(content), save=False)
    evidence.save()
    response = download(as_user(client, world, "methodist"), evidence)
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == disposition
