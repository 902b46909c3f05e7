"""The web flow of imports: upload → preview → confirm, the gate, the error list, the template, and the
background flow of large files with its progress."""

import io
import re
import types

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from core.imports import import_batch_create
from core.models import ImportBatch
from core.roles import Role
from core.tasks import import_batch_apply_task, import_batch_validate_task
from schools.models import Region, Result
from schools.results_import import importer
from tests.factories import MunicipalityFactory, user_with_role

pytestmark = pytest.mark.django_db

HEADER = "Код ОО;Год;Вид;Предмет;Класс;Участников;Неудовлетворительно;«3»;«4»;«5»;Средний балл"
GOOD = (
    f"{HEADER}\nsch610001;2024;ВПР;Математика;5;27;5;12;8;2;3,26\nsch610002;2024;ВПР;Математика;5;20;1;;;;\n"
)
BAD = f"{HEADER}\nsch610001;2024;ВПР;Математика;5;27;5;;;;\nsch610101;2024;ВПР;Математика;5;20;21;;;;\n"


@pytest.fixture(autouse=True)
def flags_task(monkeypatch):
    """Stands in for the results importer's recompute task (the flag engine is tested on its own)."""
    calls = []
    task = types.SimpleNamespace(delay=lambda **kwargs: calls.append(kwargs))
    monkeypatch.setattr(importer, "recompute_flags_task", task)
    return calls


def csv_file(text: str, name="results.csv"):
    handle = io.BytesIO(text.encode())
    handle.name = name
    return handle


def post_upload(client, text: str, name="results.csv", **fields):
    region = Region.objects.get(
        name="Ростовская область"
    )  # a hidden field of the form: one region is writable
    return client.post(
        reverse("imports:new", args=["results"]),
        {"file": csv_file(text, name), "region": region.pk, **fields},
    )


def test_methodist_uploads_previews_and_confirms(client, world):
    client.force_login(world.users["methodist"])
    page = client.get(reverse("imports:new", args=["results"]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Загрузка: результаты оценочных процедур" in html
    assert 'name="year"' in html and 'name="grade"' in html and 'name="subject"' in html
    assert "Статистика по отметкам" in html
    assert reverse("imports:template", args=["results"]) in html

    response = post_upload(client, GOOD)
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("imports:detail", args=[batch.pk])
    assert batch.status == ImportBatch.Status.VALIDATED
    assert (batch.uploaded_by, batch.region, batch.original_name) == (
        world.users["methodist"],
        world.region,
        "results.csv",
    )
    detail = client.get(reverse("imports:detail", args=[batch.pk])).content.decode()
    assert "Будет добавлено" in detail and "Подтвердить загрузку" in detail
    assert 'http-equiv="refresh"' not in detail
    assert not Result.objects.exists()

    response = client.post(reverse("imports:apply", args=[batch.pk]))
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLIED
    assert batch.stats["created"] == 2 and Result.objects.count() == 2
    assert "Данные загружены." in client.get(reverse("imports:detail", args=[batch.pk])).content.decode()
    again = client.post(reverse("imports:apply", args=[batch.pk]))
    assert again.status_code == 302 and Result.objects.count() == 2  # a second confirmation does nothing


def test_upload_with_errors_lists_them_and_offers_the_csv(client, world):
    client.force_login(world.users["methodist"])
    post_upload(client, BAD)
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.INVALID
    html = client.get(reverse("imports:detail", args=[batch.pk])).content.decode()
    assert "Ошибки (2)" in html and "Подтвердить загрузку" not in html
    assert "Нет прав на загрузку результатов школы «sch610101»" in html
    response = client.get(reverse("imports:errors", args=[batch.pk]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "Строка;Столбец;Ошибка"
    assert lines[1:] == [
        "3;Код ОО;Нет прав на загрузку результатов школы «sch610101» (муниципалитет «Тацинский район»).",
        "3;Неудовлетворительно;Значение 21 больше числа участников (20).",
    ]
    assert client.post(reverse("imports:apply", args=[batch.pk])).status_code == 302
    assert not Result.objects.exists()


def test_a_wrong_header_names_the_unrecognised_column_and_counts_the_rows(client, world):
    """#17 item 15: «Строк в файле 2», not 0, and the column that was not recognised."""
    client.force_login(world.users["methodist"])
    post_upload(
        client, HEADER.replace("Предмет", "Предметы") + "\n" + "\n".join(GOOD.splitlines()[1:]) + "\n"
    )
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.INVALID
    html = client.get(reverse("imports:detail", args=[batch.pk])).content.decode()
    assert "<dt>Строк в файле</dt><dd>2</dd>" in html
    assert "В заголовке нет обязательных столбцов: «Предмет». Не распознаны столбцы: «Предметы»." in html

    post_upload(client, "garbage", name="results.xlsx")
    broken = ImportBatch.objects.latest("pk")
    html = client.get(reverse("imports:detail", args=[broken.pk])).content.decode()
    assert "<dt>Строк в файле</dt><dd>— (файл не прочитан)</dd>" in html


def test_upload_fields_reach_the_importer(client, world):
    client.force_login(world.users["methodist"])
    report = (
        "Статистика по отметкам\nГруппы участников;Кол-во ОО;Кол-во участников;2;3;4;5\n"
        "(sch610001) МБОУ «Каштановская СОШ»;;27;18,52;44,44;29,63;7,41\n"
    )
    post_upload(client, report, year="2024", grade="5", subject=" Математика ")
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.VALIDATED, batch.errors
    assert batch.stats["options"] == {"year": 2024, "grade": 5, "subject": "Математика"}
    assert post_upload(client, report, year="1999").status_code == 200  # refused by the form
    assert ImportBatch.objects.count() == 1


def test_template_download(client, world):
    client.force_login(world.users["methodist"])
    response = client.get(reverse("imports:template", args=["results"]))
    assert response["Content-Disposition"] == 'attachment; filename="shablon-results.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[cell or "" for cell in row] for row in sheet.iter_rows(values_only=True)]
    # The template's eleven columns, then the optional ones a user may fill; never the portal's internal ones.
    assert rows[0] == [
        *HEADER.split(";"),
        "Наименование ОО",
        "Муниципалитет",
        "Высокобалльников (80–99)",
        "100 баллов",
    ]
    assert rows[1][:11] == ["sch610001", "2024", "ВПР", "Математика", "5", "27", "5", "12", "8", "2", "3,26"]
    assert set(rows[1][11:]) <= {""}


# --- the gate ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["head", "school_admin", "analyst", "nobody"])
def test_roles_without_write_access_get_403(client, world, role):
    client.force_login(world.users[role])
    # A school admin has the uploads page for their teachers (tests/schools/test_teacher_import.py), no more.
    assert client.get(reverse("imports:list")).status_code == (200 if role == "school_admin" else 403)
    assert client.get(reverse("imports:new", args=["results"])).status_code == 403
    assert post_upload(client, GOOD).status_code == 403
    assert client.get(reverse("imports:template", args=["results"])).status_code == 403
    assert not ImportBatch.objects.exists()


@pytest.mark.parametrize("role", ["methodist", "regional_methodist", "superuser"])
def test_staff_who_write_reach_the_pages(client, world, role):
    client.force_login(world.users[role])
    assert client.get(reverse("imports:list")).status_code == 200
    assert client.get(reverse("imports:new", args=["results"])).status_code == 200


def test_anonymous_is_sent_to_login(client, world):
    batch = import_batch_create(
        kind="results",
        file=io.BytesIO(GOOD.encode()),
        name="r.csv",
        region=world.region,
        user=world.users["methodist"],
    )
    for url in (
        reverse("imports:list"),
        reverse("imports:new", args=["results"]),
        reverse("imports:detail", args=[batch.pk]),
        reverse("imports:errors", args=[batch.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), url
    response = client.post(reverse("imports:apply", args=[batch.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.VALIDATED


def test_another_regions_methodist_gets_404_on_someone_elses_batch(client, world):
    batch = import_batch_create(
        kind="results",
        file=io.BytesIO(GOOD.encode()),
        name="r.csv",
        region=world.region,
        user=world.users["methodist"],
    )
    stranger = user_with_role(
        Role.METHODIST, MunicipalityFactory(region=world.other_region), username="stranger"
    )
    client.force_login(stranger)
    assert client.get(reverse("imports:detail", args=[batch.pk])).status_code == 404
    assert client.get(reverse("imports:errors", args=[batch.pk])).status_code == 404
    assert client.post(reverse("imports:apply", args=[batch.pk])).status_code == 404
    assert batch.pk not in [b.pk for b in client.get(reverse("imports:list")).context["page"]]
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.VALIDATED and not Result.objects.exists()


def test_regional_methodist_sees_and_confirms_a_municipal_batch(client, world):
    batch = import_batch_create(
        kind="results",
        file=io.BytesIO(GOOD.encode()),
        name="r.csv",
        region=world.region,
        user=world.users["methodist"],
    )
    client.force_login(world.users["regional_methodist"])
    assert client.get(reverse("imports:detail", args=[batch.pk])).status_code == 200
    client.post(reverse("imports:apply", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLIED


# --- large files: Celery tasks and progress ----------------------------------------------------------------


def big_file(rows: int) -> str:
    lines = [f"sch61000{1 + n % 2};2024;ВПР;Предмет {n // 2};5;20;1;;;;" for n in range(rows)]
    return HEADER + "\n" + "\n".join(lines) + "\n"


def progress_updates(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries
        if q["sql"].startswith("UPDATE") and '"processed_rows"' in q["sql"] and '"status"' not in q["sql"]
    ]


def test_large_file_is_validated_and_applied_in_the_background_with_progress(
    client, world, settings, monkeypatch, django_capture_on_commit_callbacks, flags_task
):
    settings.IMPORT_ASYNC_THRESHOLD_BYTES = 100
    monkeypatch.setattr(importer, "CHUNK_ROWS", 3)  # progress every 3 rows
    client.force_login(world.users["methodist"])

    with django_capture_on_commit_callbacks() as queued:
        response = post_upload(client, big_file(10))
    batch = ImportBatch.objects.get()
    assert response["Location"] == reverse("imports:detail", args=[batch.pk])
    assert len(queued) == 1  # the validation task waits for the commit
    assert (batch.status, batch.processed_rows, batch.total_rows) == (ImportBatch.Status.PROCESSING, 0, 0)
    html = client.get(reverse("imports:detail", args=[batch.pk])).content.decode()
    assert '<meta http-equiv="refresh" content="2">' in html
    assert "Проверяется файл: обработано строк — 0" in html
    # The page works without scripts: the only one is the static, deferred table-scroll.js (keyboard access to a
    # scrolled table, base.html); nothing inline.
    assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/js/table-scroll.js" defer>']

    with CaptureQueriesContext(connection) as queries:
        queued[0]()  # the worker runs the task (eagerly in tests)
    assert len(progress_updates(queries.captured_queries)) == 4  # after rows 3, 6, 9 and at the end (10)
    batch.refresh_from_db()
    assert (batch.status, batch.processed_rows, batch.total_rows) == (ImportBatch.Status.VALIDATED, 10, 10)
    assert batch.stats["created"] == 10
    html = client.get(reverse("imports:detail", args=[batch.pk])).content.decode()
    assert 'http-equiv="refresh"' not in html and "Подтвердить загрузку" in html

    with django_capture_on_commit_callbacks() as queued:
        client.post(reverse("imports:apply", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PROCESSING and len(queued) == 1
    html = client.get(reverse("imports:detail", args=[batch.pk])).content.decode()
    assert '<meta http-equiv="refresh" content="2">' in html and "данные записываются" in html
    assert not Result.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        queued[0]()
    batch.refresh_from_db()
    assert (batch.status, batch.stats["created"], batch.processed_rows) == (
        ImportBatch.Status.APPLIED,
        10,
        10,
    )
    assert "queued" not in batch.stats and Result.objects.count() == 10
    assert flags_task == [{"years": [2025, 2026, 2027], "region_id": world.region.pk}]

    import_batch_apply_task.delay(batch.pk)  # redelivered: already applied, nothing happens
    import_batch_validate_task.delay(batch.pk)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLIED and batch.stats["created"] == 10
    assert Result.objects.count() == 10 and len(flags_task) == 1


def test_background_validation_through_celery_eagerly(
    client, world, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_ASYNC_THRESHOLD_BYTES = 100
    client.force_login(world.users["methodist"])
    with django_capture_on_commit_callbacks(execute=True):
        post_upload(client, big_file(6))
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.total_rows, batch.processed_rows) == (ImportBatch.Status.VALIDATED, 6, 6)


def test_background_apply_of_a_file_gone_bad_writes_nothing(
    client, world, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_ASYNC_THRESHOLD_BYTES = 100
    client.force_login(world.users["methodist"])
    with django_capture_on_commit_callbacks(execute=True):
        post_upload(client, big_file(6))
    batch = ImportBatch.objects.get()
    world.school_a2.delete()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:apply", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.INVALID
    assert {e["column"] for e in batch.errors} == {"Код ОО"} and not Result.objects.exists()


def test_small_files_stay_synchronous(client, world, django_capture_on_commit_callbacks):
    client.force_login(world.users["methodist"])
    with django_capture_on_commit_callbacks() as queued:
        post_upload(client, GOOD)
    assert queued == [] and ImportBatch.objects.get().status == ImportBatch.Status.VALIDATED


@pytest.mark.parametrize(("encoding", "separator"), [("cp1251", ";"), ("utf-16", "\t"), ("utf-8-sig", ",")])
def test_upload_help_names_every_encoding_the_reader_takes(client, world, encoding, separator):
    """The page promised UTF-8 only, while Excel's Windows-1251 and UTF-16 files are read as well."""
    client.force_login(world.users["methodist"])
    html = client.get(reverse("imports:new", args=["results"])).content.decode()
    assert "(UTF-8, разделитель" not in html
    assert (
        "Файл .xlsx или .csv. CSV — в кодировке UTF-8 (с BOM или без), Windows-1251 или UTF-16: как его "
        "сохраняет Excel («CSV UTF-8», «CSV (разделители — запятые)», «Текст Юникод»); разделитель «;», «,» "
        "или табуляция определяется сам. Первая строка — заголовок."
    ) in html
    # …and what it promises holds: the same file in that encoding and with that separator is read.
    text = GOOD.replace(";", separator).replace("3,26", "3.26") if separator != ";" else GOOD
    handle = io.BytesIO(text.encode(encoding))
    handle.name = "results.csv"
    region = Region.objects.get(name="Ростовская область")
    response = client.post(reverse("imports:new", args=["results"]), {"file": handle, "region": region.pk})
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.total_rows) == (ImportBatch.Status.VALIDATED, 2)


def test_import_titles_keep_abbreviations_in_capitals(client, world):
    """«Курсы повышения квалификации (КПК)» inside a sentence: the first letter lowered, «КПК» kept."""
    client.force_login(world.users["methodist"])
    assert (
        "Загрузить: курсы повышения квалификации (КПК)"
        in client.get(reverse("imports:list")).content.decode()
    )
    html = client.get(reverse("imports:new", args=["courses"])).content.decode()
    assert "<h1>Загрузка: курсы повышения квалификации (КПК)</h1>" in html
    assert "(кпк)" not in html


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Курсы повышения квалификации (КПК)", "курсы повышения квалификации (КПК)"),
        ("ШНОР по расчёту", "ШНОР по расчёту"),
        ("ИОМ педагогов", "ИОМ педагогов"),
        ("Реестр школ", "реестр школ"),
        ("", ""),
    ],
)
def test_lowerfirst(value, expected):
    from django.template import Context, Template

    assert Template("{% load ru_text %}{{ v|lowerfirst }}").render(Context({"v": value})) == expected
