"""What a results preview says will change (#19 §4): per result (school × procedure) new / changed with old → new
/ unchanged, the same from the COPY path on PostgreSQL and the portable one (SQLite, the demo), the first 200
changed results on the page and all of them in the download, «Подтвердить» refused when nothing changes.

Run on PostgreSQL and with TEST_DATABASE_VENDOR=sqlite: on SQLite the importer takes the portable path itself."""

import csv
import io
import types

import pytest
from django.db import connection
from django.urls import reverse

from core.changes import ROWS_SHOWN
from core.imports import NOTHING_TO_CHANGE, import_batch_apply, import_batch_create
from core.models import ImportBatch
from schools.models import Result
from schools.results_import import importer, writers

pytestmark = pytest.mark.django_db

HEADER = "Код ОО;Год;Вид;Предмет;Класс;Участников;Неудовлетворительно;«3»;«4»;«5»;Средний балл"
MATHS = "sch610001;2024;ВПР;Математика;5;27;5;12;8;2;3,26"
MATHS_2 = "sch610002;2024;ВПР;Математика;5;20;1;;;;"
MATHS_2_CHANGED = "sch610002;2024;ВПР;Математика;5;20;3;;;;3,3"
RUSSIAN = "sch610001;2024;ОГЭ;Русский язык;9;31;2;10;12;7;3.74"


@pytest.fixture(autouse=True)
def flags_task(monkeypatch):
    """Stands in for the results importer's recompute task (the flag engine is tested on its own)."""
    monkeypatch.setattr(importer, "recompute_flags_task", types.SimpleNamespace(delay=lambda **kwargs: None))


def csv_text(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


def preview(world, data: bytes, name: str = "results.csv") -> ImportBatch:
    return import_batch_create(
        kind="results",
        file=io.BytesIO(data),
        name=name,
        region=world.region,
        user=world.users["methodist"],
    )


def load(world, data: bytes, name: str = "results.csv") -> ImportBatch:
    batch = import_batch_apply(batch=preview(world, data, name), user=world.users["methodist"])
    assert batch.status == ImportBatch.Status.APPLIED, batch.errors
    return batch


EXPECTED_ROWS = [
    {
        "sheet": None,
        "status": "changed",
        "entity": ["sch610002", "ВПР, Математика, 5 кл., 2024"],
        "fields": [["Неудовлетворительно", "1", "3"], ["Средний балл", "—", "3,30"]],
    },
    {
        "sheet": None,
        "status": "new",
        "entity": ["sch610001", "ОГЭ, Русский язык, 9 кл., 2024"],
        "fields": [
            ["Участников", "—", "31"],
            ["Неудовлетворительно", "—", "2"],
            ["«3»", "—", "10"],
            ["«4»", "—", "12"],
            ["«5»", "—", "7"],
            ["Средний балл", "—", "3,74"],
        ],
    },
]


def one_of_each(world) -> ImportBatch:
    load(world, csv_text(MATHS, MATHS_2))
    return preview(world, csv_text(MATHS, MATHS_2_CHANGED, RUSSIAN))


def test_a_preview_lists_one_new_one_changed_with_old_and_new_and_one_unchanged(world):
    batch = one_of_each(world)
    assert batch.status == ImportBatch.Status.VALIDATED
    assert (batch.stats["created"], batch.stats["updated"], batch.stats["unchanged"]) == (1, 1, 1)
    changes = batch.stats["changes"]
    assert changes["sheets"] == [{"sheet": None, "new": 1, "changed": 1, "unchanged": 1}]
    assert (changes["new"], changes["changed"], changes["unchanged"], changes["listed"]) == (1, 1, 1, 2)
    assert changes["entities"] == ["Код ОО", "Процедура"]
    assert changes["fields"][:6] == ["Участников", "Неудовлетворительно", "«3»", "«4»", "«5»", "Средний балл"]
    assert changes["rows"] == EXPECTED_ROWS
    assert Result.objects.count() == 2  # a preview writes nothing


@pytest.mark.skipif(connection.vendor != "postgresql", reason="compares the COPY path with the portable one")
def test_the_copy_path_and_the_portable_path_list_identical_changes(world, monkeypatch):
    copy_batch = one_of_each(world)
    monkeypatch.setattr(importer, "CopyWriter", writers.PortableWriter)
    portable_batch = preview(world, csv_text(MATHS, MATHS_2_CHANGED, RUSSIAN))
    assert portable_batch.stats == copy_batch.stats
    assert portable_batch.stats["changes"]["rows"] == EXPECTED_ROWS


def test_the_page_shows_old_and_new_values(client, world):
    batch = one_of_each(world)
    client.force_login(world.users["methodist"])
    html = client.get(reverse("imports:detail", args=[batch.pk])).content.decode()
    assert "Изменения по записям" in html
    assert "Неудовлетворительно: 1 → 3; Средний балл: — → 3,30" in html
    assert "Участников: 31; Неудовлетворительно: 2" in html
    assert "ОГЭ, Русский язык, 9 кл., 2024" in html
    assert "disabled" not in html.split("Подтвердить загрузку")[0].rsplit("<button", 1)[1]
    download = client.get(reverse("imports:changes", args=[batch.pk]))
    lines = list(
        csv.reader(io.StringIO(b"".join(download.streaming_content).decode("utf-8-sig")), delimiter=";")
    )
    assert lines[0][:4] == ["Лист", "Код ОО", "Процедура", "Что"]
    assert lines[0][4:8] == [
        "Участников: было",
        "Участников: стало",
        "Неудовлетворительно: было",
        "Неудовлетворительно: стало",
    ]
    assert lines[1][:4] == ["", "sch610002", "ВПР, Математика, 5 кл., 2024", "изменится"]
    assert lines[1][4:8] == ["", "", "1", "3"]
    assert lines[2][:6] == ["", "sch610001", "ОГЭ, Русский язык, 9 кл., 2024", "новая", "", "31"]
    assert len(lines) == 3


def test_nothing_to_change_disables_confirm_and_a_post_is_refused(client, world):
    load(world, csv_text(MATHS, MATHS_2))
    batch = preview(world, csv_text(MATHS_2, MATHS))
    assert batch.status == ImportBatch.Status.VALIDATED
    assert batch.stats["changes"]["sheets"] == [{"sheet": None, "new": 0, "changed": 0, "unchanged": 2}]
    assert batch.stats["changes"]["rows"] == []
    client.force_login(world.users["methodist"])
    html = client.get(reverse("imports:detail", args=[batch.pk])).content.decode()
    assert NOTHING_TO_CHANGE in html
    assert "Файл ничего не изменит" in html
    assert 'disabled aria-describedby="changes-nothing">Подтвердить загрузку' in html
    response = client.post(reverse("imports:apply", args=[batch.pk]), follow=True)
    assert NOTHING_TO_CHANGE in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.VALIDATED


def many(failed: int, count: int = 250) -> bytes:
    """``count`` results of one school, each in a procedure of its own (5 grades × 50 years)."""
    return csv_text(
        *(
            f"sch610001;{2000 + index % 50};ВПР;Математика;{4 + index // 50};30;{failed};;;;"
            for index in range(count)
        )
    )


def test_250_changed_results_show_200_on_the_page_and_250_in_the_download(client, world):
    load(world, many(failed=1))
    batch = preview(world, many(failed=2))
    changes = batch.stats["changes"]
    assert (changes["new"], changes["changed"], changes["unchanged"], changes["listed"]) == (0, 250, 0, 250)
    assert len(changes["rows"]) == ROWS_SHOWN == 200
    assert changes["rows"][0] == {
        "sheet": None,
        "status": "changed",
        "entity": ["sch610001", "ВПР, Математика, 4 кл., 2000"],
        "fields": [["Неудовлетворительно", "1", "2"]],
    }
    client.force_login(world.users["methodist"])
    html = client.get(reverse("imports:detail", args=[batch.pk])).content.decode()
    assert html.count('<tr class="change--changed">') == 200
    assert "первые 200 из 250" in html and "… и ещё 50 записей" in html
    download = client.get(reverse("imports:changes", args=[batch.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"] == f'attachment; filename="izmeneniya-zagruzki-{batch.pk}.csv"'
    text = b"".join(download.streaming_content).decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert len(lines) == 1 + 250
    assert {tuple(line[3:4] + line[6:8]) for line in lines[1:]} == {("изменится", "1", "2")}
    assert lines[-1][1:3] == ["sch610001", "ВПР, Математика, 8 кл., 2049"]
    # Confirmed: the page keeps the preview's list, marked as such, and the download still has all 250.
    client.post(reverse("imports:apply", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLIED
    assert Result.objects.filter(failed=2).count() == 250
    html = client.get(reverse("imports:detail", args=[batch.pk])).content.decode()
    assert "(по проверке перед загрузкой)" in html
    download = client.get(reverse("imports:changes", args=[batch.pk]))
    assert len(b"".join(download.streaming_content).decode("utf-8-sig").splitlines()) == 251


def test_a_file_with_errors_lists_no_changes(world):
    load(world, csv_text(MATHS, MATHS_2))
    batch = preview(world, csv_text(MATHS_2_CHANGED, "sch610001;2024;ВПР;Математика;5;27;50;;;;"))
    assert batch.status == ImportBatch.Status.INVALID
    assert "changes" not in batch.stats


def xlsx_sheets(sheets: dict[str, list[str]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in [HEADER, *rows]:
            sheet.append([int(cell) if cell.isdigit() else cell for cell in row.split(";")])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_a_workbook_lists_changes_per_sheet(client, world):
    load(world, csv_text(MATHS, MATHS_2))
    batch = import_batch_create(
        kind="results",
        file=io.BytesIO(xlsx_sheets({"ВПР": [MATHS, MATHS_2_CHANGED], "ОГЭ": [RUSSIAN]})),
        name="results.xlsx",
        region=world.region,
        user=world.users["methodist"],
    )
    assert batch.status == ImportBatch.Status.VALIDATED, batch.errors
    changes = batch.stats["changes"]
    assert changes["sheets"] == [
        {"sheet": "ВПР", "new": 0, "changed": 1, "unchanged": 1},
        {"sheet": "ОГЭ", "new": 1, "changed": 0, "unchanged": 0},
    ]
    assert [row["sheet"] for row in changes["rows"]] == ["ВПР", "ОГЭ"]
    assert [{**row, "sheet": None} for row in changes["rows"]] == EXPECTED_ROWS
    client.force_login(world.users["methodist"])
    html = client.get(reverse("imports:detail", args=[batch.pk])).content.decode()
    assert '<td>ВПР</td><td class="num">0</td><td class="num">1</td><td class="num">1</td>' in html
    assert '<td>ОГЭ</td><td class="num">1</td><td class="num">0</td><td class="num">0</td>' in html
    assert '<tr class="change--changed"><td>ВПР</td><td>sch610002</td>' in html


def test_a_vpr_protocol_lists_the_aggregates_that_change(world):
    """A result unchanged in itself whose ВПР aggregates (понизили/подтвердили/…) change counts as changed, with
    old → new of each aggregate; on both databases (tests/schools/test_vpr_protocol.py builds the protocol)."""
    from schools.models import VprResultDetail, VprScale
    from tests.schools.test_vpr_protocol import protocol_2021

    VprScale.objects.create(
        year=2024, subject="Математика", grade=5, three_from=5, four_from=10, five_from=15, max_score=20
    )
    name = "Проведение работы по математике, 5 класс. ВПР 2024.xlsx"
    load(
        world, protocol_2021(), name
    )  # sch610001 and sch610002: (lower, same, higher) (2, 1, 2) and (0, 1, 0)
    VprResultDetail.objects.filter(result__school__code="sch610002").update(lower=3, same=0)
    batch = import_batch_create(
        kind="results",
        file=io.BytesIO(protocol_2021()),
        name=name,
        region=world.region,
        user=world.users["methodist"],
    )
    assert batch.status == ImportBatch.Status.VALIDATED, batch.errors
    assert (batch.stats["updated"], batch.stats["unchanged"], batch.stats["vpr_details_updated"]) == (0, 2, 1)
    changes = batch.stats["changes"]
    assert (changes["new"], changes["changed"], changes["unchanged"], changes["listed"]) == (0, 1, 1, 1)
    assert changes["rows"] == [
        {
            "sheet": changes["sheets"][0]["sheet"],
            "status": "changed",
            "entity": ["sch610002", "ВПР, Математика, 5 кл., 2024"],
            "fields": [
                ["ВПР: понизили (отметка ВПР ниже отметки за период)", "3", "0"],
                ["ВПР: подтвердили", "0", "1"],
            ],
        }
    ]
