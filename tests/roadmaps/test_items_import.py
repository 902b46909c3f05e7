"""Import of roadmap items (kind «roadmap_items», option «roadmap»): CSV and XLSX, «Сроки» in words or dates
in columns, every error by row and column, all or nothing, the same file twice changes nothing, update by «№»,
the roadmap must be one the uploader plans, and school admins do not use this importer."""

import datetime
import io
from pathlib import Path

import pytest
from django.urls import reverse
from openpyxl import Workbook

from core.imports import (
    IMPORTERS,
    get_importer,
    import_batch_apply,
    import_batch_create,
    import_file,
    importers_for,
)
from core.models import ImportBatch
from core.roles import STAFF_WRITE_ROLES
from roadmaps.models import Roadmap, RoadmapItem

pytestmark = pytest.mark.django_db

D = datetime.date
KIND = "roadmap_items"
HEADER = "№;Мероприятие;Сроки;Начало;Окончание;Ответственные;Ожидаемый результат;Целевой показатель"


def csv_bytes(*lines: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode("utf-8")


def xlsx_bytes(rows: list[list]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def validate(data: bytes, world, roadmap, user="methodist", name="items.csv", region=None) -> ImportBatch:
    user = world.users[user] if isinstance(user, str) else user
    options = (
        {"roadmap": roadmap.pk if isinstance(roadmap, Roadmap) else roadmap} if roadmap is not None else None
    )
    return import_batch_create(
        kind=KIND, file=io.BytesIO(data), name=name, region=region or world.region, user=user, options=options
    )


def upload(data: bytes, world, roadmap, user="methodist", name="items.csv", region=None) -> ImportBatch:
    batch = validate(data, world, roadmap, user=user, name=name, region=region)
    if batch.status == ImportBatch.Status.VALIDATED:
        batch = import_batch_apply(batch=batch, user=world.users[user] if isinstance(user, str) else user)
    return batch


def errors_of(batch) -> list[tuple[int, str, str]]:
    return sorted((e["row"], e["column"], e["message"]) for e in batch.errors)


def outcome(batch) -> dict:
    return {
        key: batch.stats[key] for key in ("created", "updated", "unchanged", "errors") if key in batch.stats
    }


def items(roadmap) -> list[tuple]:
    return list(
        roadmap.items.order_by("position", "pk").values_list(
            "number",
            "position",
            "activity",
            "start_date",
            "end_date",
            "all_year",
            "responsible_text",
            "result_kind",
            "expected_result",
            "target_indicator",
        )
    )


def snapshot():
    return list(RoadmapItem.objects.order_by("pk").values())


@pytest.fixture
def roadmap(world):
    return Roadmap.objects.create(
        municipality=world.mun_a,
        title="Дорожная карта Обливского района на 2027 год",
        period_start=D(2027, 1, 1),
        period_end=D(2027, 12, 31),
    )


GOOD = csv_bytes(
    "1;Утверждение плана мероприятий по переводу ШНОР в эффективный режим работы;Март 2027;;;"
    "Отдел образования;приказ;",
    "2;Организация участия педагогов ШНОР в диагностике профессиональных дефицитов;;01.02.2027;31.03.2027;"
    "Отдел образования, РМК;аналитическая справка;доля педагогов, прошедших диагностику",
    "3;Адресная помощь со стороны районного методического кабинета;в течение года;;;РМК, РМО;"
    "Консультации, заседания РМО;",
    "4.;Проведение анализа и оценки предметных компетенций;Ноябрь – декабрь 2027;;;;Аналитическая справка;",
    "5;Совещание в Отделе образования;;15.04.2027;;;Протокол совещания;",
    "6;Организация взаимодействия со школой-наставником;Март-декабрь;;;;;",
)
GOOD_ITEMS = [
    (
        "1",
        1,
        "Утверждение плана мероприятий по переводу ШНОР в эффективный режим работы",
        D(2027, 3, 1),
        D(2027, 3, 31),
        False,
        "Отдел образования",
        "order",
        "",
        "",
    ),
    (
        "2",
        2,
        "Организация участия педагогов ШНОР в диагностике профессиональных дефицитов",
        D(2027, 2, 1),
        D(2027, 3, 31),
        False,
        "Отдел образования, РМК",
        "analytics",
        "",
        "доля педагогов, прошедших диагностику",
    ),
    (
        "3",
        3,
        "Адресная помощь со стороны районного методического кабинета",
        None,
        None,
        True,
        "РМК, РМО",
        "other",
        "Консультации, заседания РМО",
        "",
    ),
    (
        "4",
        4,
        "Проведение анализа и оценки предметных компетенций",
        D(2027, 11, 1),
        D(2027, 12, 31),
        False,
        "",
        "analytics",
        "",
        "",
    ),
    (
        "5",
        5,
        "Совещание в Отделе образования",
        D(2027, 4, 15),
        None,
        False,
        "",
        "other",
        "Протокол совещания",
        "",
    ),
    # no year in «Сроки»: the roadmap's
    (
        "6",
        6,
        "Организация взаимодействия со школой-наставником",
        D(2027, 3, 1),
        D(2027, 12, 31),
        False,
        "",
        "other",
        "",
        "",
    ),
]


# --- the happy paths ----------------------------------------------------------------------------------------


def test_the_importer_is_registered_for_staff_only():
    importer = get_importer(KIND)
    assert IMPORTERS[KIND] is importer
    assert importer.write_roles == STAFF_WRITE_ROLES
    assert [option.name for option in importer.options] == ["roadmap"]


def test_methodist_imports_items_from_csv(world, roadmap):
    batch = upload(GOOD, world, roadmap)
    assert batch.status == ImportBatch.Status.APPLIED, batch.errors
    assert outcome(batch) == {"created": 6, "updated": 0, "unchanged": 0, "errors": 0}
    assert batch.stats["options"] == {"roadmap": roadmap.pk}
    assert items(roadmap) == GOOD_ITEMS
    assert set(roadmap.items.values_list("status", flat=True)) == {"planned"}


def test_validation_alone_writes_nothing(world, roadmap):
    batch = validate(GOOD, world, roadmap)
    assert batch.status == ImportBatch.Status.VALIDATED
    assert outcome(batch) == {"created": 6, "updated": 0, "unchanged": 0, "errors": 0}
    assert not RoadmapItem.objects.exists()


def test_cp1251_csv_with_commas(world, roadmap):
    data = (
        '№,Мероприятие,Сроки\n1,"Утверждение плана, приказ",Декабрь 2027\n2,Совещание,в течение года\n'
    ).encode("cp1251")
    batch = upload(data, world, roadmap)
    assert batch.status == ImportBatch.Status.APPLIED, batch.errors
    assert list(
        roadmap.items.order_by("position").values_list("activity", "start_date", "end_date", "all_year")
    ) == [
        ("Утверждение плана, приказ", D(2027, 12, 1), D(2027, 12, 31), False),
        ("Совещание", None, None, True),
    ]


def test_xlsx_with_typed_cells_and_other_headers(world, roadmap):
    data = xlsx_bytes(
        [
            [],  # a blank line above the header
            [
                "№ п/п",
                "Содержание деятельности",
                "Сроки исполнения",
                "Дата начала",
                "Дата окончания",
                "Исполнители",
                "Результат",
                "Показатель",
            ],
            [
                1,
                "Утверждение плана мероприятий",
                "Март-апрель 2027г",
                None,
                None,
                "Отдел образования",
                "Приказ",
                None,
            ],
            [
                2,
                "Диагностика профессиональных дефицитов",
                None,
                datetime.datetime(2027, 2, 1),
                datetime.date(2027, 3, 31),
                None,
                "аналитическая справка",
                "100%",
            ],
            [3.1, "Участие в вебинарах", "2027", None, None, None, "методические рекомендации", None],
            ["4", "Подведение итогов", "Декабрь\u00a02027", None, None, None, "Протокол", None],
        ]
    )
    batch = upload(data, world, roadmap, name="Дорожная карта.xlsx")
    assert batch.status == ImportBatch.Status.APPLIED, batch.errors
    assert outcome(batch) == {"created": 4, "updated": 0, "unchanged": 0, "errors": 0}
    assert list(
        roadmap.items.order_by("position").values_list(
            "number", "start_date", "end_date", "result_kind", "expected_result", "target_indicator"
        )
    ) == [
        ("1", D(2027, 3, 1), D(2027, 4, 30), "order", "", ""),
        ("2", D(2027, 2, 1), D(2027, 3, 31), "analytics", "", "100%"),
        ("3.1", D(2027, 1, 1), D(2027, 12, 31), "recommendations", "", ""),
        ("4", D(2027, 12, 1), D(2027, 12, 31), "protocol", "", ""),
    ]


def test_the_template_imports_cleanly(world, roadmap):
    batch = upload(xlsx_bytes(get_importer(KIND).template_rows()), world, roadmap, name="shablon.xlsx")
    assert batch.status == ImportBatch.Status.APPLIED, batch.errors
    assert outcome(batch)["created"] == 2


def test_dates_in_columns_win_over_sroki(world, roadmap):
    batch = upload(
        csv_bytes("1;Анализ;Декабрь 2027;01.03.2027;;;;", "2;Анализ;в течение года;;30.06.2027;;;"),
        world,
        roadmap,
    )
    assert batch.status == ImportBatch.Status.APPLIED, batch.errors
    assert list(roadmap.items.order_by("position").values_list("start_date", "end_date", "all_year")) == [
        (D(2027, 3, 1), None, False),
        (None, D(2027, 6, 30), False),
    ]


def test_only_the_required_columns(world, roadmap):
    batch = upload(csv_bytes("1;Анализ", "2;Совещание", header="Номер;Мероприятия"), world, roadmap)
    assert batch.status == ImportBatch.Status.APPLIED, batch.errors
    assert list(roadmap.items.values_list("number", "start_date", "end_date", "all_year", "result_kind")) == [
        ("1", None, None, False, "other"),
        ("2", None, None, False, "other"),
    ]


def test_import_file_command_path(world, roadmap, tmp_path):
    path = Path(tmp_path) / "items.csv"
    path.write_bytes(GOOD)
    batch = import_file(
        kind=KIND,
        path=path,
        region=world.region,
        user=world.users["methodist"],
        options={"roadmap": roadmap.pk},
    )
    assert batch.status == ImportBatch.Status.APPLIED, batch.errors
    assert items(roadmap) == GOOD_ITEMS


@pytest.mark.parametrize("user_name", ["regional_methodist", "superuser"])
def test_regional_methodist_and_superuser_import(world, user_name):
    roadmap = Roadmap.objects.create(
        municipality=world.mun_b,
        school=world.school_b1,
        title="Программа",
        period_start=D(2027, 1, 1),
        period_end=D(2027, 12, 31),
    )
    batch = upload(GOOD, world, roadmap, user=user_name)
    assert batch.status == ImportBatch.Status.APPLIED, batch.errors
    assert roadmap.items.count() == 6


# --- the same file twice, updates by number -------------------------------------------------------------


def test_the_same_file_twice_changes_nothing(world, roadmap):
    upload(GOOD, world, roadmap)
    before = snapshot()
    batch = upload(GOOD, world, roadmap)
    assert batch.status == ImportBatch.Status.APPLIED
    assert outcome(batch) == {"created": 0, "updated": 0, "unchanged": 6, "errors": 0}
    assert snapshot() == before  # updated_at included


def test_the_same_xlsx_after_the_csv_changes_nothing(world, roadmap):
    upload(GOOD, world, roadmap)
    before = snapshot()
    rows = [line.split(";") for line in GOOD.decode().splitlines()]
    batch = upload(xlsx_bytes(rows), world, roadmap, name="items.xlsx")
    assert outcome(batch) == {"created": 0, "updated": 0, "unchanged": 6, "errors": 0}
    assert snapshot() == before


def test_a_row_with_a_known_number_updates_that_item(world, roadmap):
    upload(GOOD, world, roadmap)
    second = roadmap.items.get(number="2")
    second.status, second.completed_on = "done", D(2026, 3, 30)
    second.save()
    second.responsible_users.set([world.users["head"]])
    data = csv_bytes(
        "2;Организация участия педагогов ШНОР в диагностике профессиональных дефицитов;;01.02.2027;30.04.2027;"
        "Отдел образования;аналитическая справка;доля педагогов, прошедших диагностику",
        "7;Новый пункт;Май 2027;;;;;",
        "3;Адресная помощь со стороны районного методического кабинета;в течение года;;;РМК, РМО;"
        "Консультации, заседания РМО;",
    )
    batch = upload(data, world, roadmap)
    assert outcome(batch) == {"created": 1, "updated": 1, "unchanged": 1, "errors": 0}
    second.refresh_from_db()
    assert (second.end_date, second.responsible_text, second.position) == (
        D(2027, 4, 30),
        "Отдел образования",
        2,
    )
    assert (second.status, second.completed_on) == ("done", D(2026, 3, 30))  # the status is not the file's
    assert list(second.responsible_users.all()) == [world.users["head"]]
    new = roadmap.items.get(number="7")
    assert (new.position, new.start_date, new.end_date) == (7, D(2027, 5, 1), D(2027, 5, 31))
    assert roadmap.items.count() == 7
    # items left out of the file stay
    assert roadmap.items.get(number="1").activity.startswith("Утверждение плана")


def test_numbers_are_per_roadmap(world, roadmap):
    other = Roadmap.objects.create(
        municipality=world.mun_a,
        school=world.school_a1,
        title="Программа",
        period_start=D(2027, 1, 1),
        period_end=D(2027, 12, 31),
    )
    upload(GOOD, world, roadmap)
    batch = upload(GOOD, world, other)
    assert outcome(batch)["created"] == 6
    assert RoadmapItem.objects.count() == 12


# --- errors, by row and column ---------------------------------------------------------------------------

TOO_LONG = "х" * 501


def test_every_error_by_row_and_column(world, roadmap):
    data = csv_bytes(
        ";Мероприятие без номера;;;;;;",  # 2
        "2;;Март 2027;;;;;",  # 3
        "3;Анализ;по мере необходимости;;;;;",  # 4
        "4;Анализ;;32.01.2027;;;;",  # 5
        "5;Анализ;;;2027-13-01;;;",  # 6
        "6;Анализ;;01.05.2027;01.04.2027;;;",  # 7
        f"7;Анализ;;;;{TOO_LONG};;",  # 8
        f"8;Анализ;;;;;{TOO_LONG};",  # 9
        f"9;Анализ;;;;;;{'х' * 256}",  # 10
        "12345678901234567;Анализ;;;;;;",  # 11
        "11;Хорошая строка;Март 2027;;;;;",  # 12
        "11.;Повтор номера;Апрель 2027;;;;;",  # 13
        ";;;01.13.2027;;;;",  # 14
        "14;Анализ;IV квартал 2027;;;;;",  # 15
        "15;Анализ;Март 2027;31.02.2027;;;;",  # 16: only the bad date is said
        "16;Анализ;;15.03.2027;15.03.2027;;;",  # 17: one day is fine
    )
    batch = upload(data, world, roadmap)
    assert batch.status == ImportBatch.Status.INVALID
    required = "Обязательное поле не заполнено."
    bad_date = "Дата не распознана: ожидается ДД.ММ.ГГГГ."
    assert errors_of(batch) == [
        (2, "№", required),
        (3, "Мероприятие", required),
        (
            4,
            "Сроки",
            "Срок «по мере необходимости» не распознан: укажите, например, «март–апрель 2027» или даты.",
        ),
        (5, "Начало", bad_date),
        (6, "Окончание", bad_date),
        (7, "Окончание", "Окончание раньше начала."),
        (8, "Ответственные", "Слишком длинное значение: больше 500 символов."),
        (9, "Ожидаемый результат", "Слишком длинное значение: больше 500 символов."),
        (10, "Целевой показатель", "Слишком длинное значение: больше 255 символов."),
        (11, "№", "Слишком длинное значение: больше 16 символов."),
        (13, "№", "Пункт № 11 уже был в строке 12."),
        (14, "Мероприятие", required),
        (14, "Начало", bad_date),
        (14, "№", required),
        (15, "Сроки", "Срок «IV квартал 2027» не распознан: укажите, например, «март–апрель 2027» или даты."),
        (16, "Начало", bad_date),
    ]
    assert batch.stats["errors"] == 16
    assert not RoadmapItem.objects.exists()


def test_one_bad_row_writes_nothing(world, roadmap):
    upload(csv_bytes("1;Утверждение плана;Март 2027;;;;;"), world, roadmap)
    before = snapshot()
    data = csv_bytes(
        "1;Утверждение плана (изменено);Март 2027;;;;;",
        "2;Совещание;Апрель 2027;;;;;",
        "3;Анализ;;01.05.2027;01.04.2027;;;",
    )
    batch = upload(data, world, roadmap)
    assert batch.status == ImportBatch.Status.INVALID
    assert errors_of(batch) == [(4, "Окончание", "Окончание раньше начала.")]
    assert snapshot() == before


def test_applying_an_invalid_batch_is_refused(world, roadmap):
    from core.errors import ApplicationError

    batch = validate(csv_bytes("1;;;;;;;"), world, roadmap)
    assert batch.status == ImportBatch.Status.INVALID
    with pytest.raises(ApplicationError):
        import_batch_apply(batch=batch, user=world.users["methodist"])
    assert not RoadmapItem.objects.exists()


def test_missing_required_column_is_a_whole_file_error(world, roadmap):
    batch = upload(csv_bytes("1;Март 2027", header="№;Сроки"), world, roadmap)
    assert batch.status == ImportBatch.Status.INVALID
    ((row, column, message),) = errors_of(batch)
    assert (row, column) == (0, "")
    assert message.startswith("В заголовке нет обязательных столбцов: «Мероприятие».")


def test_unknown_format_is_a_whole_file_error(world, roadmap):
    batch = upload(b"%PDF-1.4", world, roadmap, name="items.pdf")
    assert errors_of(batch) == [(0, "", "Формат файла «.pdf» не поддерживается: загрузите .xlsx или .csv.")]


# --- the roadmap: given, and one the uploader plans ---------------------------------------------------------


def not_found(roadmap_id, region="Ростовская область") -> list[tuple]:
    return [
        (
            0,
            "",
            f"Дорожная карта № {roadmap_id} не найдена среди дорожных карт региона «{region}», которые вы ведёте.",
        )
    ]


def test_no_roadmap_number_is_a_whole_file_error(world, roadmap):
    batch = upload(GOOD, world, None)
    assert errors_of(batch) == [
        (0, "", "Укажите номер дорожной карты: он есть в адресе её страницы (/roadmaps/<номер>/).")
    ]
    assert not RoadmapItem.objects.exists()


def test_unknown_roadmap_is_a_whole_file_error(world, roadmap):
    batch = upload(GOOD, world, roadmap.pk + 1000)
    assert errors_of(batch) == not_found(roadmap.pk + 1000)


def test_roadmap_of_another_municipality_is_a_whole_file_error(world):
    foreign = Roadmap.objects.create(
        municipality=world.mun_b,
        title="Карта соседей",
        period_start=D(2027, 1, 1),
        period_end=D(2027, 12, 31),
    )
    batch = upload(GOOD, world, foreign)
    assert batch.status == ImportBatch.Status.INVALID
    assert errors_of(batch) == not_found(foreign.pk)
    assert not RoadmapItem.objects.exists()


def test_roadmap_of_another_region_is_not_found_even_by_the_superuser(world):
    from tests.factories import MunicipalityFactory

    elsewhere = Roadmap.objects.create(
        municipality=MunicipalityFactory(region=world.other_region),
        title="Карта другого региона",
        period_start=D(2027, 1, 1),
        period_end=D(2027, 12, 31),
    )
    batch = upload(GOOD, world, elsewhere, user="superuser")
    assert errors_of(batch) == not_found(elsewhere.pk)
    batch = upload(GOOD, world, elsewhere, user="superuser", region=world.other_region)
    assert batch.status == ImportBatch.Status.APPLIED, batch.errors


@pytest.mark.parametrize("user_name", ["head", "school_admin", "analyst"])
def test_readers_of_the_roadmap_cannot_import_into_it(world, user_name):
    school_map = Roadmap.objects.create(
        municipality=world.mun_a,
        school=world.school_a1,
        title="Программа",
        period_start=D(2027, 1, 1),
        period_end=D(2027, 12, 31),
    )
    batch = upload(GOOD, world, school_map, user=user_name)
    assert batch.status == ImportBatch.Status.INVALID
    assert errors_of(batch) == not_found(school_map.pk)
    assert not RoadmapItem.objects.exists()


# --- the web: school admins do not see this importer ---------------------------------------------------------


def test_school_admin_is_not_offered_the_importer(client, world):
    assert KIND not in {importer.kind for importer in importers_for(world.users["school_admin"])}
    assert KIND in {importer.kind for importer in importers_for(world.users["methodist"])}
    client.force_login(world.users["school_admin"])
    assert client.get(reverse("imports:new", args=[KIND])).status_code == 403
    assert client.get(reverse("imports:template", args=[KIND])).status_code == 403
    response = client.post(
        reverse("imports:new", args=[KIND]),
        {"file": io.BytesIO(GOOD), "region": world.region.pk, "roadmap": 1},
    )
    assert response.status_code == 403
    assert not ImportBatch.objects.exists()


@pytest.mark.parametrize("user_name", ["head", "analyst", "mentor", "nobody"])
def test_other_non_planners_are_refused_the_page(client, world, user_name):
    client.force_login(world.users[user_name])
    assert client.get(reverse("imports:new", args=[KIND])).status_code == 403


def test_methodist_uploads_and_confirms_on_the_web(client, world, roadmap):
    client.force_login(world.users["methodist"])
    page = client.get(reverse("imports:new", args=[KIND]))
    assert page.status_code == 200
    assert "Номер дорожной карты" in page.content.decode()
    file = io.BytesIO(GOOD)
    file.name = "items.csv"
    response = client.post(
        reverse("imports:new", args=[KIND]), {"file": file, "region": world.region.pk, "roadmap": roadmap.pk}
    )
    batch = ImportBatch.objects.get()
    assert response["Location"] == reverse("imports:detail", args=[batch.pk])
    assert (batch.kind, batch.status) == (KIND, ImportBatch.Status.VALIDATED)
    assert not RoadmapItem.objects.exists()
    client.post(reverse("imports:apply", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLIED
    assert items(roadmap) == GOOD_ITEMS
