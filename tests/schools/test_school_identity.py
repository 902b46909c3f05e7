"""A school found by any identifier (#19 §1): the directory, the service, and the results import by login digits
and by name within the municipality — with exact counts."""

import io
import types

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from core.errors import ApplicationError
from core.imports import batch_unmatched, import_batch_create
from core.models import ImportBatch
from core.policies import SYSTEM, policy_for
from schools.flags import flags_recompute_years
from schools.models import FlagDecision, IdentifierKind, ProfessionalCourse, Result, SchoolIdentifier, Teacher
from schools.results_import import importer
from schools.selectors_identity import SchoolDirectory
from schools.services import school_identifier_add
from tests.factories import MunicipalityFactory, SchoolFactory
from tests.policy_table import check_table
from tests.schools.test_results_import import csv_bytes, upload
from tests.schools.test_teacher_import import courses_csv, teachers_csv
from tests.schools.test_teacher_import import upload as upload_teachers

pytestmark = pytest.mark.django_db

HEADER = ["Код ОО", "Год", "Вид", "Предмет", "Класс", "Участников", "Неудовлетворительно"]
NAMED = [*HEADER, "Наименование ОО", "Муниципалитет"]


@pytest.fixture(autouse=True)
def flags_task(monkeypatch):
    calls = []
    monkeypatch.setattr(
        importer, "recompute_flags_task", types.SimpleNamespace(delay=lambda **kw: calls.append(kw))
    )
    return calls


def results():
    return sorted(
        Result.objects.values_list(
            "school__code", "procedure__kind__code", "procedure__year", "participants", "failed"
        )
    )


# --- the directory ---------------------------------------------------------------------------------------


def test_directory_finds_by_code_identifier_and_login_digits(world):
    school_identifier_add(
        school=world.school_a2, kind=IdentifierKind.INN, value="6100 000 002", user=SYSTEM, source="тест"
    )
    directory = SchoolDirectory(world.region)
    a1, a2 = world.school_a1.pk, world.school_a2.pk
    assert directory.find("SCH610001") == [a1]  # School.code, any case
    assert directory.find("6100000002") == [a2]  # ИНН, spaces ignored
    assert directory.match("edu610001").ids == (a1,)  # the digits of sch610001
    assert directory.match("edu610001").by_digits is True
    assert directory.match("sch610001").by_digits is False
    assert directory.find("edu999999") == []
    assert directory.find("sch230001") == []  # a school of another region
    assert directory.find("rcoi_oge:6100000002") == []  # that kind only: the ИНН is not a РЦОИ code


def test_digits_do_not_match_a_school_holding_another_login_of_that_prefix(world):
    school_identifier_add(school=world.school_a1, kind=IdentifierKind.FISOKO, value="edu619999", user=SYSTEM)
    directory = SchoolDirectory(world.region)
    assert directory.find("edu619999") == [world.school_a1.pk]
    assert directory.find("edu610001") == []  # sch610001's school is edu619999 since 2022, not edu610001


def test_digits_shared_by_two_schools_match_none(world):
    SchoolFactory(municipality=world.mun_b, code="edu610001", name="МБОУ «Другая СОШ»")
    directory = SchoolDirectory(world.region)
    # edu610001 is a code itself; sch610001 is a code too: both found directly, no digits rule
    assert directory.find("edu610001") != directory.find("sch610001")
    school_identifier_add(school=world.school_b1, kind=IdentifierKind.FISOKO, value="sch610555", user=SYSTEM)
    SchoolFactory(municipality=world.mun_b, code="x610555", name="МБОУ «Третья СОШ»")
    SchoolIdentifier.objects.create(
        school=world.school_a2, kind=IdentifierKind.FISOKO, value="sch0610555", source="тест"
    )
    directory = SchoolDirectory(world.region)
    assert directory.find("edu610555") == [world.school_b1.pk]  # 0610555 has other digits
    assert directory.find("edu0610555") == [world.school_a2.pk]


def test_directory_names_and_municipalities(world):
    twin = SchoolFactory(municipality=world.mun_b, code="sch610102", name="МБОУ «Каштановская СОШ»")
    directory = SchoolDirectory(world.region)
    a1 = world.school_a1.pk
    full = "Муниципальное бюджетное общеобразовательное учреждение «Каштановская средняя общеобразовательная школа»"
    assert directory.find_by_name(full, world.mun_a.pk) == [a1]
    assert directory.find_by_name(full, world.mun_b.pk) == [twin.pk]
    assert directory.find_by_name(full, None) == sorted([a1, twin.pk])
    assert directory.find_by_name("МКОУ Каштановская СОШ", world.mun_a.pk) == [a1]  # without the legal form
    assert directory.find_by_name("МБОУ «Каштановская ООШ»", world.mun_a.pk) == []
    # whom it is named after and its district, only within a municipality
    named = "МБОУ «Каштановская СОШ им. А.С. Пушкина» Обливского района"
    assert directory.find_by_name(named, world.mun_a.pk) == [a1]
    assert directory.find_by_name(named, None) == []
    assert directory.municipality("reg61_m001 | Обливский муниципальный район") == world.mun_a.pk
    assert directory.municipality("Отдел образования Администрации Обливского района") == world.mun_a.pk
    assert directory.municipality("Тацинский район") == world.mun_b.pk
    assert directory.municipality("город Облив") is None  # a city is not the district of the same stem
    assert directory.municipality("Ленинградский район") is None  # another region's
    assert directory.describe(a1) == "sch610001 «МБОУ «Каштановская СОШ»» (Обливский район)"
    assert directory.candidates("МБОУ «Каштановская СШ»", world.mun_a.pk) == [a1, world.school_a2.pk]


# --- the service -----------------------------------------------------------------------------------------


def test_identifier_add_is_idempotent_and_refuses_another_schools_key(world):
    methodist = world.users["methodist"]
    first = school_identifier_add(
        school=world.school_a1, kind=IdentifierKind.FISOKO, value="EDU610001", user=methodist, source="форма"
    )
    again = school_identifier_add(
        school=world.school_a1, kind=IdentifierKind.FISOKO, value=" edu610001", user=methodist
    )
    assert again.pk == first.pk
    assert (first.key, first.region_id, first.source) == ("edu610001", world.region.pk, "форма")
    with pytest.raises(ApplicationError) as refused:
        school_identifier_add(
            school=world.school_a2, kind=IdentifierKind.FISOKO, value="edu610001", user=methodist
        )
    assert refused.value.message == "«edu610001» уже принадлежит школе sch610001 «МБОУ «Каштановская СОШ»»."
    # a name may be shared by two schools of the region
    school_identifier_add(school=world.school_a1, kind=IdentifierKind.NAME, value="СОШ №1", user=methodist)
    school_identifier_add(school=world.school_a2, kind=IdentifierKind.NAME, value="СОШ № 1", user=methodist)
    assert SchoolIdentifier.objects.count() == 3


def test_identifier_add_checks_the_school_policy(world):
    with pytest.raises(PermissionDenied):
        school_identifier_add(
            school=world.school_b1, kind=IdentifierKind.INN, value="1", user=world.users["school_admin"]
        )
    assert SchoolIdentifier.objects.count() == 0


# --- the results import ----------------------------------------------------------------------------------


def test_edu_logins_find_sch_schools_and_are_kept_on_apply(world):
    data = csv_bytes(
        [
            ["edu610001", "2022", "ОГЭ", "Математика", "9", "20", "10"],
            ["edu610001", "2022", "ОГЭ", "Русский язык", "9", "20", "1"],
            ["edu610002", "2022", "ОГЭ", "Математика", "9", "10", "0"],
        ],
        header=HEADER,
    )
    batch = upload(data, world, name="oge_2022.csv")
    assert batch.status == ImportBatch.Status.APPLIED, batch.errors
    assert batch.stats["created"] == 3
    assert batch.stats["identifiers_created"] == 2
    assert results() == [
        ("sch610001", "ОГЭ", 2022, 20, 1),
        ("sch610001", "ОГЭ", 2022, 20, 10),
        ("sch610002", "ОГЭ", 2022, 10, 0),
    ]
    assert sorted(SchoolIdentifier.objects.values_list("school__code", "kind", "value", "source")) == [
        ("sch610001", "fisoko", "edu610001", "сопоставлено по цифрам логина при загрузке oge_2022.csv"),
        ("sch610002", "fisoko", "edu610002", "сопоставлено по цифрам логина при загрузке oge_2022.csv"),
    ]
    again = upload(data, world, name="oge_2022.csv")  # the second time: found directly, nothing learnt
    assert (again.stats["created"], again.stats["updated"], again.stats["unchanged"]) == (0, 0, 3)
    assert "identifiers_created" not in again.stats
    assert SchoolIdentifier.objects.count() == 2


def test_a_preview_learns_nothing(world):
    batch = import_batch_create(
        kind="results",
        file=io.BytesIO(
            csv_bytes([["edu610001", "2022", "ОГЭ", "Математика", "9", "20", "10"]], header=HEADER)
        ),
        name="oge.csv",
        region=world.region,
        user=world.users["methodist"],
    )
    assert batch.status == ImportBatch.Status.VALIDATED
    assert SchoolIdentifier.objects.count() == 0


def test_criterion_2_across_the_login_change(world):
    """2021 file with sch logins, 2022 file with edu logins: one school, both years low → list 2023, criterion 2."""
    upload(csv_bytes([["sch610001", "2021", "ОГЭ", "Математика", "9", "50", "27"]], header=HEADER), world)
    batch = upload(
        csv_bytes([["edu610001", "2022", "ОГЭ", "Математика", "9", "100", "43"]], header=HEADER), world
    )
    assert batch.status == ImportBatch.Status.APPLIED, batch.errors
    assert results() == [("sch610001", "ОГЭ", 2021, 50, 27), ("sch610001", "ОГЭ", 2022, 100, 43)]
    flags_recompute_years(years=[2023])
    decision = FlagDecision.objects.get(school=world.school_a1, list_year=2023)
    assert (decision.status, decision.criteria) == ("shnor", "2")


def test_schools_named_only_by_name_within_their_municipality(world):
    SchoolFactory(municipality=world.mun_b, code="sch610102", name="МБОУ «Каштановская СОШ»")  # a namesake
    rows = [
        [
            "",
            "2023",
            "ЕГЭ",
            "Русский язык",
            "11",
            "12",
            "1",
            "Муниципальное бюджетное общеобразовательное учреждение «Каштановская средняя общеобразовательная школа»",
            "Отдел образования Администрации Обливского района",
        ],
        ["", "2023", "ЕГЭ", "Русский язык", "11", "8", "0", 'МБОУ "Каштановская СОШ"', "Тацинский район"],
        [
            "",
            "2023",
            "ЕГЭ",
            "Русский язык",
            "11",
            "5",
            "0",
            "МБОУ «Тацинская СОШ № 1»",
            "",
        ],  # no municipality
    ]
    batch = upload(csv_bytes(rows, header=NAMED), world, user="regional_methodist")
    assert batch.status == ImportBatch.Status.APPLIED, batch.errors
    assert results() == [
        ("sch610001", "ЕГЭ", 2023, 12, 1),
        ("sch610101", "ЕГЭ", 2023, 5, 0),
        ("sch610102", "ЕГЭ", 2023, 8, 0),
    ]


def test_a_name_matching_none_or_several_is_a_row_error_naming_candidates(world):
    twin = SchoolFactory(municipality=world.mun_b, code="sch610102", name="МБОУ «Каштановская СОШ»")
    rows = [
        ["", "2023", "ЕГЭ", "Русский язык", "11", "12", "1", "МБОУ «Каштановская СОШ»", ""],
        ["", "2023", "ЕГЭ", "Математика", "11", "12", "1", "МБОУ «Каштановская СОШ»", ""],
        ["", "2023", "ЕГЭ", "Русский язык", "11", "9", "1", "МБОУ «Солонецкая ООШ»", "Обливский район"],
    ]
    batch = upload(csv_bytes(rows, header=NAMED), world, user="regional_methodist")
    assert batch.status == ImportBatch.Status.INVALID
    several = (
        "Наименованию «МБОУ «Каштановская СОШ»» в регионе «Ростовская область» соответствуют несколько школ: "
        "sch610001 «МБОУ «Каштановская СОШ»» (Обливский район); sch610102 «МБОУ «Каштановская СОШ»» "
        "(Тацинский район). Выберите школу в предпросмотре."
    )
    none = (
        "Школа «МБОУ «Солонецкая ООШ»» не найдена в муниципалитете «Обливский район». Похожие: "
        "sch610002 «МБОУ «Солонецкая СОШ»» (Обливский район); sch610001 «МБОУ «Каштановская СОШ»» "
        "(Обливский район). Выберите школу в предпросмотре или добавьте это наименование школе."
    )
    assert [(e["row"], e["column"], e["message"]) for e in batch.errors] == [
        (2, "Наименование ОО", several),
        (3, "Наименование ОО", several),
        (4, "Наименование ОО", none),
    ]
    assert batch_unmatched(batch) == [
        {
            "name": "МБОУ «Каштановская СОШ»",
            "municipality": "",
            "municipality_id": None,
            "several": True,
            "candidates": [
                {
                    "id": world.school_a1.pk,
                    "text": "sch610001 «МБОУ «Каштановская СОШ»» (Обливский район)",
                    "code": "sch610001",
                },
                {
                    "id": twin.pk,
                    "text": "sch610102 «МБОУ «Каштановская СОШ»» (Тацинский район)",
                    "code": "sch610102",
                },
            ],
            "rows": 2,
        },
        {
            "name": "МБОУ «Солонецкая ООШ»",
            "municipality": "Обливский район",
            "municipality_id": world.mun_a.pk,
            "several": False,
            "candidates": [
                {
                    "id": world.school_a2.pk,
                    "text": "sch610002 «МБОУ «Солонецкая СОШ»» (Обливский район)",
                    "code": "sch610002",
                },
                {
                    "id": world.school_a1.pk,
                    "text": "sch610001 «МБОУ «Каштановская СОШ»» (Обливский район)",
                    "code": "sch610001",
                },
            ],
            "rows": 1,
        },
    ]
    assert Result.objects.count() == 0


def test_a_code_not_found_names_the_code(world):
    batch = upload(
        csv_bytes([["edu999999", "2022", "ОГЭ", "Математика", "9", "20", "10"]], header=HEADER), world
    )
    assert [(e["row"], e["column"], e["message"]) for e in batch.errors] == [
        (
            2,
            "Код ОО",
            "Школа с кодом «edu999999» не найдена в регионе «Ростовская область»: проверьте код или сначала "
            "загрузите реестр школ.",
        )
    ]


def test_a_municipality_written_otherwise_in_the_registry(world):
    MunicipalityFactory(region=world.region, name="город Облив")
    directory = SchoolDirectory(world.region)
    assert directory.municipality("г. Облив") != directory.municipality("Обливский район")


# --- the preview's pick ----------------------------------------------------------------------------------


def test_preview_pick_keeps_the_choice_and_the_file_then_matches(world, client):
    twin = SchoolFactory(municipality=world.mun_b, code="sch610102", name="МБОУ «Каштановская СОШ»")
    rows = [
        ["", "2023", "ЕГЭ", "Русский язык", "11", "12", "1", "МБОУ «Каштановская СОШ»", ""],
        ["", "2023", "ЕГЭ", "Математика", "11", "12", "1", "МБОУ «Каштановская СОШ»", ""],
        ["", "2023", "ЕГЭ", "Русский язык", "11", "9", "1", "Солонецкая школа", "Обливский район"],
    ]
    user = world.users["regional_methodist"]
    client.force_login(user)
    batch = upload(csv_bytes(rows, header=NAMED), world, user=user, name="ege_2023.csv")
    assert batch.status == ImportBatch.Status.INVALID
    page = client.get(f"/imports/{batch.pk}/").content.decode()
    assert page.count('<select name="pick-') == 2  # each distinct name once
    assert page.count("<option value=") == 2 + 2 + 2  # «не выбрана» + two candidates, twice
    assert f'<option value="{twin.pk}">sch610102 «МБОУ «Каштановская СОШ»» (Тацинский район)</option>' in page
    assert f'action="/schools/imports/{batch.pk}/pick/"' in page

    response = client.post(
        f"/schools/imports/{batch.pk}/pick/", {"pick-0": str(twin.pk), "pick-1": str(world.school_a2.pk)}
    )
    assert response.status_code == 302
    assert response.url == f"/imports/{batch.pk}/"
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.VALIDATED
    assert batch.errors == []
    assert "unmatched" not in batch.stats
    assert batch.stats["created"] == 3
    names = SchoolIdentifier.objects.filter(kind=IdentifierKind.NAME).order_by("value")
    source = f"выбрано при загрузке «ege_2023.csv», {timezone.localdate():%d.%m.%Y}"  # no person's name
    assert [(n.school.code, n.value, n.source, n.created_by) for n in names] == [
        ("sch610102", "МБОУ «Каштановская СОШ»", source, user),
        ("sch610002", "Солонецкая школа", source, user),
    ]
    card = client.get(f"/schools/{twin.pk}/").content.decode()
    assert f"<td>Наименование в файлах</td><td>МБОУ «Каштановская СОШ»</td><td>{source}</td>" in card
    panel = card[card.index('id="identifiers"') : card.index("</section>", card.index('id="identifiers"'))]
    assert user.get_full_name() and user.get_full_name() not in panel
    assert user.username not in panel
    client.force_login(world.users["superuser"])  # the admin says who picked
    admin_page = client.get(f"/admin/schools/schoolidentifier/{names[0].pk}/change/").content.decode()
    assert (
        f'<div class="readonly"><a href="/admin/core/user/{user.pk}/change/">{user}</a></div>' in admin_page
    )
    client.force_login(user)
    assert client.post(f"/imports/{batch.pk}/apply/").status_code == 302
    assert results() == [
        ("sch610002", "ЕГЭ", 2023, 9, 1),
        ("sch610102", "ЕГЭ", 2023, 12, 1),
        ("sch610102", "ЕГЭ", 2023, 12, 1),
    ]
    # next year's file with the same names matches by itself
    next_year = [[cell.replace("2023", "2024") for cell in row] for row in rows]
    again = upload(csv_bytes(next_year, header=NAMED), world, user=user, name="ege_2024.csv")
    assert again.status == ImportBatch.Status.APPLIED, again.errors
    assert again.stats["created"] == 3


def test_preview_pick_refuses_a_school_not_offered_and_other_users(world, client):
    rows = [["", "2023", "ЕГЭ", "Русский язык", "11", "9", "1", "Солонецкая школа", "Обливский район"]]
    batch = upload(csv_bytes(rows, header=NAMED), world, user="regional_methodist")
    client.force_login(world.users["regional_methodist"])
    response = client.post(f"/schools/imports/{batch.pk}/pick/", {"pick-0": str(world.school_b1.pk)})
    assert response.status_code == 302
    messages = [m.message for m in response.wsgi_request._messages]
    assert messages == ["Школа не из предложенных для «Солонецкая школа»: обновите страницу."]
    assert SchoolIdentifier.objects.count() == 0
    client.force_login(world.users["analyst"])
    assert (
        client.post(f"/schools/imports/{batch.pk}/pick/", {"pick-0": str(world.school_a2.pk)}).status_code
        == 404
    )
    assert SchoolIdentifier.objects.count() == 0


def test_the_card_shows_the_schools_identifiers(world, client):
    school_identifier_add(
        school=world.school_a1,
        kind=IdentifierKind.FISOKO,
        value="edu610001",
        user=SYSTEM,
        source="форма 2022",
    )
    client.force_login(world.users["methodist"])
    page = client.get(f"/schools/{world.school_a1.pk}/").content.decode()
    assert "<td>Логин ФИС ОКО</td><td>edu610001</td><td>форма 2022</td>" in page
    assert page.count("Изменить идентификаторы") == 0  # not staff: no admin
    client.force_login(world.users["superuser"])
    page = client.get(f"/schools/{world.school_a1.pk}/").content.decode()
    assert f'<a href="/admin/schools/school/{world.school_a1.pk}/change/">Изменить идентификаторы</a>' in page


# --- the other importers ---------------------------------------------------------------------------------


def test_teachers_and_courses_find_schools_by_any_identifier(world):
    school_identifier_add(school=world.school_a2, kind=IdentifierKind.RCOI_OGE, value="610002", user=SYSTEM)
    batch = upload_teachers(
        teachers_csv("edu610001;Иванова;Мария;Петровна;;;;;", "610002;Петрова;Анна;Ивановна;;;;;"), world
    )
    assert batch.status == ImportBatch.Status.APPLIED, batch.errors
    assert sorted(Teacher.objects.values_list("school__code", "last_name")) == [
        ("sch610001", "Иванова"),
        ("sch610002", "Петрова"),
    ]
    courses = upload_teachers(
        courses_csv(
            "EDU610001;Иванова Мария Петровна;Функциональная грамотность;ИРО;36;01.02.2025;10.02.2025;"
        ),
        world,
        kind="courses",
    )
    assert courses.status == ImportBatch.Status.APPLIED, courses.errors
    assert list(ProfessionalCourse.objects.values_list("teacher__school__code", "title")) == [
        ("sch610001", "Функциональная грамотность")
    ]


def test_a_code_held_by_two_schools_is_named_in_the_teachers_import(world):
    school_identifier_add(school=world.school_a1, kind=IdentifierKind.RCOI_OGE, value="7777", user=SYSTEM)
    school_identifier_add(school=world.school_a2, kind=IdentifierKind.RCOI_EGE, value="7777", user=SYSTEM)
    batch = upload_teachers(teachers_csv("7777;Иванова;Мария;Петровна;;;;;"), world)
    assert [(e["row"], e["column"], e["message"]) for e in batch.errors] == [
        (
            2,
            "Код ОО",
            "Код «7777» принадлежит нескольким школам: sch610001 «МБОУ «Каштановская СОШ»» (Обливский район); "
            "sch610002 «МБОУ «Солонецкая СОШ»» (Обливский район).",
        )
    ]


def test_a_namesake_elsewhere_never_takes_a_rows_results(world):
    """Real ЕГЭ workbook: «МАОУ "СОШ №1"» of a town the registry lacks must not be taken for another town's «МБОУ
    СОШ №1»: lax name tiers only within a known municipality; an unknown municipality — only a user's pick."""
    rows = [
        [
            "",
            "2023",
            "ЕГЭ",
            "Русский язык",
            "11",
            "12",
            "1",
            "МАОУ «Каштановская СОШ»",
            "Комитет образования г. Энск",
        ],
        ["", "2023", "ЕГЭ", "Математика", "11", "12", "1", "МАОУ «Каштановская СОШ»", ""],
        [
            "",
            "2023",
            "ЕГЭ",
            "Химия",
            "11",
            "12",
            "1",
            "МБОУ «Каштановская СОШ»",
            "Комитет образования г. Энск",
        ],
    ]
    batch = upload(csv_bytes(rows, header=NAMED), world, user="regional_methodist")
    assert batch.status == ImportBatch.Status.INVALID
    region = "не найдена в регионе «Ростовская область»"
    assert [(e["row"], e["message"].split(region)[0]) for e in batch.errors] == [
        (2, "Школа «МАОУ «Каштановская СОШ»» "),
        (3, "Школа «МАОУ «Каштановская СОШ»» "),
        (4, "Школа «МБОУ «Каштановская СОШ»» "),
    ]
    assert "(муниципалитет «Комитет образования г. Энск» не распознан)" in batch.errors[0]["message"]
    assert [entry["candidates"][0]["code"] for entry in batch_unmatched(batch)] == ["sch610001"] * 3


def test_identifier_policy_table(world):
    """Who sees and changes a school's identifiers: whoever reads the school sees them; its methodists change
    them (the default policy through the identifier's school)."""
    for school in (world.school_a1, world.school_b1, world.school_other):
        school_identifier_add(school=school, kind=IdentifierKind.INN, value=school.code[-6:], user=SYSTEM)
    everything = {"sch610001", "sch610101", "sch230001"}
    region = {"sch610001", "sch610101"}
    check_table(
        policy_for(SchoolIdentifier),
        world.users,
        {
            "view": {
                "methodist": {"sch610001"},
                "regional_methodist": region,
                "head": {"sch610001"},
                "school_admin": {"sch610001"},
                "mentor": set(),
                "tutor": set(),
                "analyst": region,
                "superuser": everything,
                "nobody": set(),
            },
            "change": {
                "methodist": {"sch610001"},
                "regional_methodist": region,
                "head": set(),
                "school_admin": set(),
                "mentor": set(),
                "tutor": set(),
                "analyst": set(),
                "superuser": everything,
                "nobody": set(),
            },
        },
        key=lambda identifier: identifier.school.code,
    )


def test_preview_pick_keeps_nothing_when_the_file_is_being_checked_or_a_school_is_gone(world, client):
    rows = [["", "2023", "ЕГЭ", "Русский язык", "11", "9", "1", "Солонецкая школа", "Обливский район"]]
    batch = upload(csv_bytes(rows, header=NAMED), world, user="regional_methodist")
    client.force_login(world.users["regional_methodist"])
    # a candidate removed since the preview listed it: a message, not a server error
    batch.stats["unmatched"][0]["candidates"].append({"id": 10**9, "text": "удалена", "code": "x"})
    batch.save(update_fields=["stats"])
    response = client.post(f"/schools/imports/{batch.pk}/pick/", {"pick-0": str(10**9)})
    assert response.status_code == 302
    assert [m.message for m in response.wsgi_request._messages] == [
        "Школы, предложенной для «Солонецкая школа», больше нет: обновите страницу."
    ]
    # a file being checked again (a second click while the recheck is queued): nothing kept
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.PROCESSING)
    response = client.post(f"/schools/imports/{batch.pk}/pick/", {"pick-0": str(world.school_a2.pk)})
    assert response.status_code == 302
    assert [m.message for m in response.wsgi_request._messages] == [  # the first one not shown yet
        "Школы, предложенной для «Солонецкая школа», больше нет: обновите страницу.",
        "Файл уже загружен или проверяется: выбор школ не сохранён, обновите страницу.",
    ]
    assert SchoolIdentifier.objects.count() == 0
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportBatch.Status.PROCESSING


def test_admin_refuses_an_identifier_the_school_already_has_in_another_spelling(world, client):
    school_identifier_add(
        school=world.school_a1,
        kind=IdentifierKind.FISOKO,
        value="edu610001",
        user=SYSTEM,
        source="форма 2022",
    )
    client.force_login(world.users["superuser"])
    response = client.post(
        "/admin/schools/schoolidentifier/add/",
        {
            "school": world.school_a1.pk,
            "kind": IdentifierKind.FISOKO,
            "value": "EDU610001",
            "source": "вручную",
        },
    )
    assert response.status_code == 200  # the form again, not an IntegrityError
    assert response.context["adminform"].form.errors == {
        "value": ["У школы уже есть этот идентификатор: «edu610001»."]
    }
    assert list(SchoolIdentifier.objects.values_list("school__code", "value")) == [("sch610001", "edu610001")]


def test_preview_pick_of_a_school_outside_the_users_scope_is_a_message(world, client):
    twin = SchoolFactory(municipality=world.mun_b, code="sch610102", name="МБОУ «Каштановская СОШ»")
    rows = [["", "2023", "ЕГЭ", "Русский язык", "11", "12", "1", "МБОУ «Каштановская СОШ»", ""]]
    user = world.users["methodist"]  # a methodist of world.mun_a; the name is offered region-wide
    batch = upload(csv_bytes(rows, header=NAMED), world, user=user)
    # only the school the user may write is offered; a regional methodist is offered both
    assert [c["id"] for c in batch_unmatched(batch)[0]["candidates"]] == [world.school_a1.pk]
    regional = upload(csv_bytes(rows, header=NAMED), world, user="regional_methodist")
    assert [c["id"] for c in batch_unmatched(regional)[0]["candidates"]] == [world.school_a1.pk, twin.pk]
    client.force_login(user)
    response = client.post(f"/schools/imports/{batch.pk}/pick/", {"pick-0": str(twin.pk)})
    assert [m.message for m in response.wsgi_request._messages] == [
        "Школа не из предложенных для «МБОУ «Каштановская СОШ»»: обновите страницу."
    ]
    # a list stored before the candidates were limited still says why
    batch.stats["unmatched"][0]["candidates"].append({"id": twin.pk, "text": "двойник", "code": "sch610102"})
    batch.save(update_fields=["stats"])
    client.get(f"/imports/{batch.pk}/")  # the first message shown
    response = client.post(f"/schools/imports/{batch.pk}/pick/", {"pick-0": str(twin.pk)})
    assert response.status_code == 302  # a message on the preview, not a bare 403 page
    assert [m.message for m in response.wsgi_request._messages] == [
        "Школа sch610102 «МБОУ «Каштановская СОШ»» вне вашей области доступа: выберите другую "
        "или попросите методиста её муниципалитета."
    ]
    assert SchoolIdentifier.objects.count() == 0
