"""The справка's files: the PDF laid out in a forked child beside the Excel and Word files (core/forking.py,
docs/adr/0003), the same document as in line, and a failure in the child shown like any other."""

import os

import pytest
from pypdf import PdfReader

from core import forking
from reports import services
from reports.models import ReportFormat, ReportStatus
from reports.renderers import pdf as pdf_renderer
from tests.builders.module import module_fixture
from tests.builders.roadmaps import Y, build_programme

pytestmark = [pytest.mark.django_db, pytest.mark.today]


@module_fixture
def programme_rows(world):
    return build_programme(world)


@pytest.fixture
def programme(programme_rows, media, signing_settings):
    return programme_rows


@pytest.fixture
def forking_on(monkeypatch, settings):
    """As in a Celery worker's process: one thread, two cores (the test runner may hold threads of its own)."""
    settings.REPORTS_RENDER_IN_PARALLEL = True
    monkeypatch.setattr(forking.threading, "active_count", lambda: 1)
    monkeypatch.setattr(forking.os, "sched_getaffinity", lambda _pid: {0, 1})


def _build(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_request(
            user=world.users["methodist"], kind="territory", year=Y, municipality_id=world.mun_a.pk
        )
    report.refresh_from_db()
    return report


def _pdf_text(report) -> list[str]:
    reader = PdfReader(report.files.get(format=ReportFormat.PDF).file)
    return [page.extract_text() for page in reader.pages]


def _record_pid(monkeypatch, tmp_path):
    """render_pdf notes the process it runs in (a file: the child shares nothing else with the test)."""
    original = pdf_renderer.render_pdf
    log = tmp_path / "pids"

    def noting(*args, **kwargs):
        with open(log, "a") as handle:
            handle.write(f"{os.getpid()}\n")
        return original(*args, **kwargs)

    monkeypatch.setattr(pdf_renderer, "render_pdf", noting)
    return log


def test_the_pdf_is_laid_out_in_a_child_and_reads_as_in_line(
    programme, world, forking_on, settings, monkeypatch, tmp_path, django_capture_on_commit_callbacks
):
    stages = []
    set_progress = services._set_progress
    monkeypatch.setattr(services, "_set_progress", lambda *a: (stages.append(a[3]), set_progress(*a))[1])
    pids = _record_pid(monkeypatch, tmp_path)
    forked = _build(world, django_capture_on_commit_callbacks)
    assert forked.status == ReportStatus.READY
    assert [int(pid) for pid in pids.read_text().split()] != [os.getpid()]
    assert len(pids.read_text().split()) == 1
    # Excel and Word are written while the child lays the PDF out; the last stage waits for it.
    assert stages[-4:] == ["Книга Excel", "Документ Word", "Вёрстка PDF", "Сохранение файлов"]

    settings.REPORTS_RENDER_IN_PARALLEL = False
    pids.unlink()
    in_line = _build(world, django_capture_on_commit_callbacks)
    assert in_line.status == ReportStatus.READY
    assert [int(pid) for pid in pids.read_text().split()] == [os.getpid()]
    assert (
        {f.format for f in forked.files.all()}
        == {f.format for f in in_line.files.all()}
        == {
            ReportFormat.PDF,
            ReportFormat.XLSX,
            ReportFormat.DOCX,
        }
    )
    forked_text, in_line_text = _pdf_text(forked), _pdf_text(in_line)
    assert len(forked_text) == len(in_line_text) > 1
    # The same pages but for the version on the title page (the second справка is version 2).
    assert forked_text[1:] == in_line_text[1:]


def test_a_failure_in_the_child_fails_the_report_in_russian(
    programme, world, forking_on, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(*args, **kwargs):
        raise MemoryError("нет памяти")

    monkeypatch.setattr(pdf_renderer, "render_pdf", broken)
    report = _build(world, django_capture_on_commit_callbacks)
    assert report.status == ReportStatus.FAILED
    assert report.error == "Не удалось сформировать отчёт. (MemoryError)"
    assert report.events.get(action="failed").comment == "MemoryError: нет памяти"
    assert not report.files.exists()
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # no child left behind


def test_a_failure_beside_the_child_stops_it(
    programme, world, forking_on, monkeypatch, tmp_path, django_capture_on_commit_callbacks
):
    """Excel fails while the child lays the PDF out: the child is killed and reaped, the report fails."""
    started = tmp_path / "started"
    original = pdf_renderer.render_pdf

    def slow(*args, **kwargs):
        started.write_text("1")
        import time

        time.sleep(60)
        return original(*args, **kwargs)

    def broken(*args, **kwargs):
        raise ValueError("лист не записан")

    monkeypatch.setattr(pdf_renderer, "render_pdf", slow)
    monkeypatch.setattr("reports.renderers.xlsx.render_xlsx_to", broken)
    report = _build(world, django_capture_on_commit_callbacks)
    assert report.status == ReportStatus.FAILED
    assert report.events.get(action="failed").comment == "ValueError: лист не записан"
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)
