"""Quarterly-form evidence leaves with the type of its content and a matching name, whatever it was uploaded as."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.diagnostics.test_form_views import PDF, post_form, routes  # noqa: F401 (routes is a fixture)

pytestmark = pytest.mark.django_db

SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def download(client, entry):
    response = client.get(reverse("diagnostics:evidence", args=[entry.pk]))
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    return response


def test_a_pdf_uploaded_as_hta_is_kept_and_served_as_pdf(client, world, routes):  # noqa: F811
    form = routes["form_a1"]
    entry = form.entries.get()
    client.force_login(world.users["school_admin"])
    upload = SimpleUploadedFile("prikaz.hta", PDF, content_type="application/hta")
    assert post_form(client, form, {entry.pk: {"status": "done", "evidence": upload}}).status_code == 302
    entry.refresh_from_db()
    assert entry.evidence_name == "prikaz.pdf"
    assert entry.evidence.name.endswith(".pdf")
    response = download(client, entry)
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="prikaz.pdf"'
    assert b"".join(response.streaming_content) == PDF


def test_an_svg_is_refused_on_upload(client, world, routes):  # noqa: F811
    form = routes["form_a1"]
    entry = form.entries.get()
    client.force_login(world.users["school_admin"])
    upload = SimpleUploadedFile("scan.svg", SVG, content_type="image/svg+xml")
    response = post_form(client, form, {entry.pk: {"status": "done", "evidence": upload}})
    assert "не похож на документ допустимого вида" in response.content.decode()
    entry.refresh_from_db()
    assert not entry.evidence and entry.evidence_name == ""


@pytest.mark.parametrize(
    ("name", "content", "content_type", "disposition"),
    [
        ("prikaz.hta", PDF, "application/pdf", 'attachment; filename="prikaz.pdf"'),
        ("scan.svg", SVG, "application/octet-stream", 'attachment; filename="scan.bin"'),
    ],
)
def test_files_stored_before_the_check_are_served_by_content(
    client,
    world,
    routes,  # noqa: F811
    name,
    content,
    content_type,
    disposition,
):
    entry = routes["form_a1"].entries.get()
    entry.evidence.save(name, ContentFile(content), save=False)
    entry.evidence_name = name
    entry.save()
    client.force_login(world.users["methodist"])
    response = download(client, entry)
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == disposition
