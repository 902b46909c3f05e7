"""The registry import reads ФИС ОКО's login list and context forms (#19 §1): identifiers attached to the schools
it recognises (by identifier, by login digits, by name in the municipality), new schools only for rows matching
nothing, the context per year, conflicts as row errors naming both schools, a second load that changes nothing, and
no personal data kept."""

import io

import pytest

from core.errors import ApplicationError
from core.imports import (
    changes_nothing,
    get_importer,
    import_batch_apply,
    import_batch_confirm,
    import_batch_create,
)
from core.models import ImportBatch
from core.policies import SYSTEM
from schools.models import Municipality, School, SchoolContext, SchoolIdentifier
from schools.selectors_context import comparable_schools
from tests.builders.registry_files import (
    DIRECTOR,
    EMAIL,
    PHONE,
    SHEET_2021,
    SHEET_2022_GENERAL,
    School2021,
    School2022,
    form_2021_xlsx,
    form_2022_xlsx,
    logins_xlsx,
)

pytestmark = pytest.mark.django_db

ZERO = {
    "created": 0,
    "updated": 0,
    "unchanged": 0,
    "municipalities_created": 0,
    "matched_by_identifier": 0,
    "matched_by_digits": 0,
    "matched_by_name": 0,
    "identifiers_attached": 0,
    "contexts_created": 0,
    "contexts_updated": 0,
    "contexts_unchanged": 0,
    "identifiers_refused": 0,
    "identifiers_ambiguous": 0,
    "skipped": 0,
}


@pytest.fixture
def altai(world):
    """Two municipalities written as the portal's registry has them, and three schools: one registered by its
    2021 login, one by an internal code (found only by name), one in a town."""
    region = world.region
    tselinny = Municipality.objects.create(region=region, name="Целинный район")
    aleysk = Municipality.objects.create(region=region, name="г. Алейск")
    voevodskaya = School.objects.create(municipality=tselinny, code="sch224052", name="МБОУ «Воеводская СОШ»")
    pobedinskaya = School.objects.create(
        municipality=tselinny,
        code="alt-0002",
        name="Муниципальное бюджетное общеобразовательное учреждение «Побединская средняя общеобразовательная школа»",
    )
    seventh = School.objects.create(municipality=aleysk, code="sch224145", name="МБОУ СОШ № 7")
    return world, tselinny, aleysk, voevodskaya, pobedinskaya, seventh


def run(data: bytes, region, *, apply=True, name="file.xlsx", user=SYSTEM):
    return get_importer("schools").run(
        stream=io.BytesIO(data), name=name, region=region, user=user, apply=apply
    )


def counts(outcome) -> dict:
    return {key: value for key, value in outcome.stats.items() if key != "registry"}


def identifiers() -> list[tuple[str, str, str]]:
    return sorted(SchoolIdentifier.objects.values_list("school__code", "kind", "value"))


def snapshot() -> tuple:
    return (
        list(School.objects.order_by("code").values()),
        list(SchoolIdentifier.objects.order_by("pk").values()),
        list(SchoolContext.objects.order_by("pk").values()),
        list(Municipality.objects.order_by("pk").values()),
    )


LOGINS = logins_xlsx(
    [
        ("sch224145", "МБОУ СОШ №7", "г. Алейск"),  # the school's code
        (
            "sch224058",
            "МБОУ «Побединская СОШ»",
            "Целинный район",
        ),  # no identifier: by name in the municipality
        ("sch224052", "МБОУ «Воеводская СОШ»", "Целинный район"),  # the school's code
        ("sch224999", "МБОУ «Новая ООШ»", "Целинный район"),  # nothing: created
        ("sch224777", "МКОУ «Дальняя ООШ»", "Хабарский район"),  # nothing, in a municipality the region lacks
    ]
)


def test_logins_list_attaches_matches_creates_and_a_second_load_changes_nothing(altai):
    world, tselinny, _aleysk, _voevodskaya, pobedinskaya, _seventh = altai
    before = set(identifiers())
    outcome = run(LOGINS, world.region)
    assert outcome.errors == []
    assert counts(outcome) == {
        **ZERO,
        "created": 2,
        "updated": 1,
        "unchanged": 2,
        "municipalities_created": 1,
        "matched_by_identifier": 2,
        "matched_by_name": 1,
        "identifiers_attached": 1,
    }
    assert set(identifiers()) - before == {("alt-0002", "fisoko", "sch224058")}
    new = School.objects.get(code="sch224999")
    assert (new.municipality, new.name, new.short_name) == (tselinny, "МБОУ «Новая ООШ»", "")
    far = School.objects.get(code="sch224777")
    assert far.municipality.name == "Хабарский район"
    assert far.municipality.region == world.region
    assert School.objects.filter(name__icontains="Побединская").get() == pobedinskaya  # no duplicate
    preview = outcome.stats["registry"]
    assert [(c["school"], c["action"], c["matched_by"], c["identifiers"]) for c in preview["changes"]] == [
        (pobedinskaya.name, "дополнить", "по наименованию в муниципалитете", ["Логин ФИС ОКО: sch224058"]),
        ("МБОУ «Новая ООШ»", "создать школу", "", []),
        ("МКОУ «Дальняя ООШ»", "создать школу", "", []),
    ]
    assert preview["changes"][2]["municipality"] == "Хабарский район"

    state = snapshot()
    again = run(LOGINS, world.region)
    assert counts(again) == {**ZERO, "unchanged": 5, "matched_by_identifier": 5}
    assert snapshot() == state


def test_a_municipality_named_by_its_department_is_the_registry_one(altai):
    world, tselinny, *_rest = altai
    data = logins_xlsx(
        [("sch224888", "МБОУ «Малая ООШ»", "Комитет по образованию Администрации Целинного района")]
    )
    outcome = run(data, world.region)
    assert outcome.errors == []
    assert counts(outcome) == {**ZERO, "created": 1}
    assert School.objects.get(code="sch224888").municipality == tselinny


def test_schools_beyond_the_users_reach_are_row_errors(altai):
    world, *_rest = altai
    methodist = world.users["methodist"]  # a methodist of «Обливский район»
    state = snapshot()
    outcome = run(LOGINS, world.region, user=methodist)
    assert [(e.row, e.column, e.message) for e in outcome.errors] == [
        (2, "", "Школа sch224145 «МБОУ СОШ № 7» (г. Алейск) относится к муниципалитету вне вашего доступа."),
        (
            3,
            "",
            "Школа alt-0002 «Муниципальное бюджетное общеобразовательное учреждение «Побединская средняя "
            "общеобразовательная школа»» (Целинный район) относится к муниципалитету вне вашего доступа.",
        ),
        (
            4,
            "",
            "Школа sch224052 «МБОУ «Воеводская СОШ»» (Целинный район) относится к муниципалитету вне вашего доступа.",
        ),
        (
            5,
            "Муниципалитет",
            "Нет прав на изменение школ муниципалитета «Целинный район»: школа «МБОУ «Новая ООШ»» не создана.",
        ),
        (
            6,
            "Муниципалитет",
            "Муниципалитет «Хабарский район» не найден в регионе «Ростовская область», а создавать "
            "муниципалитеты может только региональный методист.",
        ),
    ]
    assert snapshot() == state


def _voevodskaya_2022(**changes) -> School2022:
    values = dict(
        login="edu224052",  # the 2022 login: the same digits as the school's sch224052
        municipality="reg22_m056 | Целинный муниципальный район",
        school_name='МБОУ "Воеводская СОШ "',
        full_name="Муниципальное бюджетное общеобразовательное учреждение «Воеводская средняя общеобразовательная школа»",
        short_name='МБОУ "Воеводская сош"',
        inn=2287003893,
        oge=5811,
        ege="5811",
        settlement="4) Населенный пункт сельского типа (поселок, село, деревня, станица, хутор и пр.)",
        size="1) Менее 1 тыс. человек",
    )
    values.update(changes)
    return School2022(**values)


FORM_2022 = [
    _voevodskaya_2022(),
    School2022(  # nothing matches: created in «город Алейск» = the registry's «г. Алейск»
        login="edu224300",
        municipality="reg22_m061 | город Алейск",
        school_name="МБОУ «Гимназия № 3»",
        full_name="Муниципальное бюджетное общеобразовательное учреждение «Гимназия № 3»",
        short_name="МБОУ «Гимназия №3»",
        inn="2201000001",
        oge="нет",
        ege="-",
        settlement="2) Город",
        size="4) 10–50 тыс. человек",
    ),
    School2022(  # matched by name within its municipality; a 12-digit ИНН is not an organisation's
        login="edu224058",
        municipality="reg22_m056 | Целинный муниципальный район",
        school_name="МБОУ «Побединская СОШ»",
        full_name='Муниципальное бюджетное общеобразовательное учреждение "Побединская средняя общеобразовательная школа"',
        short_name='МБОУ "Побединская СОШ"',
        inn="228700570520",
        oge="5817",
        ege=None,
        settlement="4) Населенный пункт сельского типа (поселок, село, деревня, станица, хутор и пр.)",
        size="2) 1–5 тыс. человек",
    ),
]


def test_form_2022_by_digits_name_and_new_with_context_and_second_load_unchanged(altai):
    world, _tselinny, aleysk, voevodskaya, pobedinskaya, _seventh = altai
    before = set(identifiers())
    outcome = run(form_2022_xlsx(FORM_2022), world.region)
    assert outcome.errors == []
    assert counts(outcome) == {
        **ZERO,
        "created": 1,
        "updated": 2,
        "matched_by_digits": 1,
        "matched_by_name": 1,
        "identifiers_attached": 7,
        "contexts_created": 3,
        "identifiers_refused": 1,
    }
    assert set(identifiers()) - before == {
        ("sch224052", "fisoko", "edu224052"),
        ("sch224052", "inn", "2287003893"),
        ("sch224052", "rcoi_oge", "5811"),
        ("sch224052", "rcoi_ege", "5811"),
        ("alt-0002", "fisoko", "edu224058"),
        ("alt-0002", "rcoi_oge", "5817"),
        ("edu224300", "inn", "2201000001"),
    }
    assert outcome.stats["registry"]["warnings"] == [
        f"лист «{SHEET_2022_GENERAL}», строка 4, лист «ОБРАЗОВАТЕЛЬНАЯ ДЕЯТЕЛЬНОСТЬ ОО», строка 4: "
        "ИНН «228700570520» не принят — ИНН организации состоит из 10 цифр."
    ]
    gymnasium = School.objects.get(code="edu224300")
    assert (gymnasium.municipality, gymnasium.name, gymnasium.short_name) == (
        aleysk,
        "Муниципальное бюджетное общеобразовательное учреждение «Гимназия № 3»",
        "МБОУ «Гимназия №3»",
    )
    assert Municipality.objects.filter(region=world.region).count() == 4  # Обливский, Тацинский + the two
    context = SchoolContext.objects.get(school=voevodskaya, year=2022)
    assert (
        context.settlement_type,
        context.settlement_size,
        context.pupils,
        context.cohort,
        context.cohort_pupils,
        context.cohort_adapted,
        context.teachers,
        context.teachers_first_highest,
        context.teachers_highest,
        context.language,
        context.adapted_programmes,
    ) == ("village", 1, 163, "2006–2007 г. р.", 23, 1, 17, 12, None, "ru", True)
    assert SchoolContext.objects.get(school=pobedinskaya).settlement_size == 2

    state = snapshot()
    again = run(form_2022_xlsx(FORM_2022), world.region)
    assert again.errors == []
    assert counts(again) == {
        **ZERO,
        "unchanged": 3,
        "matched_by_identifier": 3,
        "contexts_unchanged": 3,
        "identifiers_refused": 1,
    }
    assert snapshot() == state

    # A corrected figure updates that school's context of that year and nothing else.
    changed = run(form_2022_xlsx([_voevodskaya_2022(pupils=170), *FORM_2022[1:]]), world.region)
    assert counts(changed)["contexts_updated"] == 1
    assert counts(changed)["updated"] == 1
    assert SchoolContext.objects.get(school=voevodskaya, year=2022).pupils == 170


def test_an_inn_held_by_another_school_is_a_row_error_naming_both_and_nothing_is_written(altai):
    world, *_rest, seventh = altai
    SchoolIdentifier.objects.create(school=seventh, region=world.region, kind="inn", value="2287003893")
    state = snapshot()
    outcome = run(form_2022_xlsx(FORM_2022), world.region)
    assert [(e.sheet, e.row, e.column, e.message) for e in outcome.errors] == [
        (
            SHEET_2022_GENERAL,
            2,
            "",
            "Идентификаторы строки указывают на разные школы: Логин ФИС ОКО «edu224052» — школа sch224052 "
            "«МБОУ «Воеводская СОШ»» (Целинный район); ИНН «2287003893» — школа sch224145 «МБОУ СОШ № 7» (г. Алейск).",
        )
    ]
    assert snapshot() == state


def test_a_code_the_file_gives_to_two_schools_is_attached_to_none_and_said(altai):
    """ФИС ОКО's export gave one ИНН to Кытмановская СОШ №1 and №2 and one ОГЭ code to two schools (#19 §1): a
    department cannot correct it, so the value is attached to neither, said, and the rest of the file loads."""
    world, _tselinny, _aleysk, voevodskaya, pobedinskaya, _seventh = altai
    form = [FORM_2022[0], School2022(**{**FORM_2022[2].__dict__, "oge": 5811, "inn": "2287003893"})]
    outcome = run(form_2022_xlsx(form), world.region)
    assert outcome.errors == []
    assert counts(outcome) == {
        **ZERO,
        "updated": 2,
        "matched_by_digits": 1,
        "matched_by_name": 1,
        # edu224052 and its ЕГЭ code 5811 to Воеводская, edu224058 to Побединская; ИНН and ОГЭ code to none
        "identifiers_attached": 3,
        "contexts_created": 2,
        "identifiers_ambiguous": 2,
    }
    assert outcome.stats["registry"]["ambiguous"] == [
        f'ИНН 2287003893 указан у двух школ (лист «{SHEET_2022_GENERAL}»): «МБОУ "Воеводская сош"» (логин '
        '«edu224052», строка 2) и «МБОУ "Побединская СОШ"» (логин «edu224058», строка 3); не присвоен ни одной.',
        f'Код РЦОИ (ОГЭ) 5811 указан у двух школ (лист «{SHEET_2022_GENERAL}»): «МБОУ "Воеводская сош"» '
        '(логин «edu224052», строка 2) и «МБОУ "Побединская СОШ"» (логин «edu224058», строка 3); '
        "не присвоен ни одной.",
    ]
    assert sorted(
        SchoolIdentifier.objects.exclude(kind="name").values_list("school__code", "kind", "value")
    ) == [
        ("alt-0002", "fisoko", "edu224058"),
        ("sch224052", "fisoko", "edu224052"),
        ("sch224052", "rcoi_ege", "5811"),
    ]
    assert SchoolContext.objects.filter(year=2022).count() == 2
    # The same file again: nothing to change, the same two values said again.
    state = snapshot()
    again = run(form_2022_xlsx(form), world.region)
    assert counts(again)["identifiers_attached"] == 0
    assert counts(again)["identifiers_ambiguous"] == 2
    assert (counts(again)["contexts_unchanged"], counts(again)["unchanged"]) == (2, 2)
    assert snapshot() == state


def test_a_code_two_rows_give_while_a_school_holds_it_is_a_row_error_naming_both(altai):
    """A value the registry already gives to a school is not ambiguous: another row giving it is a person's
    question, a row error naming both schools; nothing is written."""
    world, _tselinny, _aleysk, voevodskaya, _pobedinskaya, _seventh = altai
    SchoolIdentifier.objects.create(school=voevodskaya, region=world.region, kind="rcoi_oge", value="5811")
    form = [FORM_2022[0], School2022(**{**FORM_2022[2].__dict__, "oge": 5811, "inn": None})]
    state = snapshot()
    outcome = run(form_2022_xlsx(form), world.region)
    assert [(e.row, e.column, e.message) for e in outcome.errors] == [
        (
            3,
            "",
            # found by the ОГЭ code the registry gives to Воеводская, which row 2 is
            'Строка о школе «МБОУ "Побединская СОШ"» (логин «edu224058») указывает Код РЦОИ (ОГЭ) «5811» на школу '
            "sch224052 «МБОУ «Воеводская СОШ»» (Целинный район), которая уже встречалась: лист «Общая информация "
            "об ОО», строка 2, лист «ОБРАЗОВАТЕЛЬНАЯ ДЕЯТЕЛЬНОСТЬ ОО», строка 2.",
        )
    ]
    assert counts(outcome)["identifiers_ambiguous"] == 0
    assert snapshot() == state


def test_form_2021_context_and_municipality_from_the_address(altai):
    world, tselinny, _aleysk, voevodskaya, _pobedinskaya, _seventh = altai
    schools = [
        School2021(
            "sch224052",
            "МБОУ «Воеводская СОШ»",
            "Муниципальное бюджетное общеобразовательное учреждение «Воеводская средняя общеобразовательная школа»",
            "659444, Алтайский край, Целинный район, с. Воеводское, пер. Школьный, 5",
            settlement="1. Столица субъекта РФ",
            size="8. Более 680 тыс. человек",
            pupils=500,
        ),
        School2021(
            "sch226022",
            'КГБОУ "Озерская общеобразовательная школа-интернат"',
            "Краевое государственное бюджетное общеобразовательное учреждение «Озерская общеобразовательная "
            "школа-интернат»",
            "658015, Алтайский край, Целинный район, село Озерки, ул. Майская, 100",
            boarding="Да",
        ),
    ]
    outcome = run(form_2021_xlsx(schools), world.region)
    assert outcome.errors == []
    assert counts(outcome) == {
        **ZERO,
        "created": 1,
        "updated": 1,
        "matched_by_identifier": 1,
        "contexts_created": 2,  # the full name normalises as the registry's short one: no name to attach
    }
    assert outcome.stats["registry"]["year"] == 2021
    boarding = School.objects.get(code="sch226022")
    assert boarding.municipality == tselinny
    assert boarding.short_name == 'КГБОУ "Озерская общеобразовательная школа-интернат"'
    context = SchoolContext.objects.get(school=voevodskaya)
    assert (context.year, context.settlement_type, context.settlement_size, context.pupils) == (
        2021,
        "capital",
        8,
        500,
    )
    assert (context.cohort, context.cohort_pupils, context.cohort_adapted, context.teachers_highest) == (
        "2006 г. р.",
        12,
        1,
        6,
    )
    assert SchoolContext.objects.get(school=boarding).boarding_school is True


def test_form_2021_school_without_a_municipality_is_listed_as_not_loaded_and_the_rest_loads(altai):
    """A context form is about the context of the registry's schools: a school it lacks whose address names no
    municipality is listed as not loaded (counted), and the other rows load (#19 §1)."""
    world, *_rest = altai
    lost = School2021("ksh220099", "КГБОУ «Дальняя школа»", "", "658000, Алтайский край, с. Дальнее")
    known = School2021("sch224052", "МБОУ «Воеводская СОШ»", "", "Целинный район")
    data = form_2021_xlsx([lost, known])
    outcome = run(data, world.region)
    assert outcome.errors == []
    assert counts(outcome) == {
        **ZERO,
        "updated": 1,
        "matched_by_identifier": 1,
        "contexts_created": 1,
        "skipped": 1,
    }
    assert outcome.stats["registry"]["skipped"] == [
        f"лист «{SHEET_2021}», строка 2: школа «КГБОУ «Дальняя школа»» (логин «ksh220099») не найдена в реестре, "
        "и по адресу «658000, Алтайский край, с. Дальнее» муниципалитет не определён — строка не загружена."
    ]
    assert not School.objects.filter(code="ksh220099").exists()
    assert SchoolContext.objects.count() == 1
    state = snapshot()
    again = run(data, world.region)
    assert (counts(again)["skipped"], counts(again)["contexts_unchanged"]) == (1, 1)
    assert snapshot() == state


def test_form_2021_municipality_from_an_address_with_a_typo_or_initials(altai):
    world, tselinny, *_rest = altai
    nnr = Municipality.objects.create(region=world.region, name="Немецкий национальный район")
    schools = [
        School2021("ksh220101", "КГБОУ «Школа А»", "", "658000, Алтайский край, Целиннный раон, с. Марушка"),
        School2021("ksh220102", "КГБОУ «Школа Б»", "", "658870, Алтайский край, ННР, с. Гальбштадт"),
    ]
    outcome = run(form_2021_xlsx(schools), world.region)
    assert outcome.errors == []
    assert (counts(outcome)["created"], counts(outcome)["skipped"]) == (2, 0)
    assert dict(School.objects.filter(code__startswith="ksh").values_list("code", "municipality")) == {
        "ksh220101": tselinny.pk,
        "ksh220102": nnr.pk,
    }


def test_form_2022_without_its_education_sheet_takes_the_year_from_the_upload_or_the_file_name(altai):
    from openpyxl import load_workbook

    world, *_rest = altai
    workbook = load_workbook(io.BytesIO(form_2022_xlsx(FORM_2022[:1])))
    del workbook["ОБРАЗОВАТЕЛЬНАЯ ДЕЯТЕЛЬНОСТЬ ОО"]
    buffer = io.BytesIO()
    workbook.save(buffer)
    data = buffer.getvalue()

    refused = run(data, world.region, apply=False, name="form.xlsx")
    assert [(e.column, e.message) for e in refused.errors] == [
        (
            "Обучающихся",
            "Не удалось определить год: в заголовке нет «… в ГГГГ/ГГГГ учебном году» (у формы 2022 года он на "
            "листе «ОБРАЗОВАТЕЛЬНАЯ ДЕЯТЕЛЬНОСТЬ ОО»), в имени файла года нет — укажите год при загрузке.",
        )
    ]
    by_name = run(data, world.region, apply=False, name="fisoko_context_form_2022_altai.xlsx")
    assert by_name.errors == []
    assert (by_name.stats["registry"]["year"], by_name.stats["registry"]["year_origin"]) == (
        2022,
        "из имени файла «fisoko_context_form_2022_altai.xlsx»: 2022",
    )
    assert by_name.sheets[0].origins == {"Год": "из имени файла «fisoko_context_form_2022_altai.xlsx»: 2022"}
    given = get_importer("schools").run(
        stream=io.BytesIO(data),
        name="fisoko_2022.xlsx",
        region=world.region,
        user=SYSTEM,
        apply=True,
        options={"year": 2021},
    )
    assert given.errors == []
    assert given.stats["registry"]["year_origin"] == "указан при загрузке: 2021"
    assert list(SchoolContext.objects.values_list("school__code", "year", "settlement_type")) == [
        ("sch224052", 2021, "village")
    ]


def test_a_year_given_on_upload_that_differs_from_the_files_is_an_error(altai):
    world, *_rest = altai
    outcome = get_importer("schools").run(
        stream=io.BytesIO(form_2022_xlsx(FORM_2022[:1])),
        name="f.xlsx",
        region=world.region,
        user=SYSTEM,
        apply=True,
        options={"year": 2021},
    )
    assert [(e.sheet, e.row, e.column, e.message) for e in outcome.errors] == [
        (
            SHEET_2022_GENERAL,
            1,
            "Год",
            "Указан год 2021, а в файле — 2022 (из заголовка «…2021/2022 учебном году…»: 2021/2022 учебный "
            "год, данные весны 2022 года).",
        )
    ]
    assert SchoolContext.objects.count() == 0


def test_no_personal_data_is_stored(altai):
    world, *_rest = altai
    run(
        form_2021_xlsx([School2021("sch224052", "МБОУ «Воеводская СОШ»", "", "Целинный район")]), world.region
    )
    run(form_2022_xlsx(FORM_2022), world.region)
    stored = repr(snapshot())
    for personal in (DIRECTOR, PHONE, EMAIL):
        assert personal not in stored
    assert list(School.objects.filter(code="edu224300").values_list("director", "phone", "email")) == [
        ("", "", "")
    ]


def test_the_preview_through_a_batch_and_the_page(altai, client):
    world, *_rest = altai
    user = world.users["regional_methodist"]
    batch = import_batch_create(
        kind="schools", file=io.BytesIO(LOGINS), name="logins.xlsx", region=world.region, user=user
    )
    assert batch.status == ImportBatch.Status.VALIDATED, batch.errors
    assert School.objects.filter(code="sch224999").count() == 0  # a preview writes nothing
    client.force_login(user)
    page = client.get(f"/imports/{batch.pk}/").content.decode()
    assert "Файл ФИС ОКО: ФИС ОКО: список логинов ОО" in page
    assert "создать школу" in page and "Логин ФИС ОКО: sch224058" in page
    applied = import_batch_apply(batch=batch, user=user)
    assert applied.status == ImportBatch.Status.APPLIED
    assert applied.stats["created"] == 2

    # The same file again changes nothing: the preview says so and «Подтвердить» is refused.
    again = import_batch_create(
        kind="schools", file=io.BytesIO(LOGINS), name="logins.xlsx", region=world.region, user=user
    )
    assert changes_nothing(again.stats)
    with pytest.raises(ApplicationError):
        import_batch_confirm(batch=again, user=user)


def test_comparable_schools_and_the_card(altai, client):
    world, tselinny, aleysk, voevodskaya, pobedinskaya, seventh = altai
    village = {"settlement_type": "village"}
    SchoolContext.objects.create(school=voevodskaya, year=2022, settlement_size=1, **village)
    SchoolContext.objects.create(school=pobedinskaya, year=2022, settlement_size=2, **village)  # same band
    SchoolContext.objects.create(school=seventh, year=2022, settlement_size=3, **village)  # 5–50 thousand
    SchoolContext.objects.create(
        school=world.school_a1, year=2021, settlement_size=1, **village
    )  # other year
    assert list(comparable_schools(voevodskaya, 2022, SYSTEM)) == [pobedinskaya]
    assert list(comparable_schools(seventh, 2022, SYSTEM)) == []
    assert list(comparable_schools(voevodskaya, 2021, SYSTEM)) == []  # no context of that year

    client.force_login(world.users["regional_methodist"])
    page = client.get(f"/schools/{voevodskaya.pk}/").content.decode()
    assert "Контекст по годам (формы ФИС ОКО)" in page
    assert "Населённый пункт сельского типа" in page
    assert "Школ региона в таком же населённом пункте (2022, тот же тип и размер): 1." in page


@pytest.mark.parametrize("value", [None, "", -1, 1.5, " | ", "x" * 600, "=SUM(A1)", "reg22_m0 |", "sch 1"])
def test_odd_cells_never_crash_and_a_refused_file_writes_nothing(altai, value):
    """Every cell of every layout odd at once: the import answers (row errors or a load), never raises."""
    world, *_rest = altai
    odd_2022 = School2022(
        value, value, value, value, value, value, value, value, settlement=value, size=value
    )
    odd_2021 = School2021(value, value, value, value, settlement=value, size=value, pupils=value, speed=value)
    for data in (
        logins_xlsx([(value, value, value), ("sch1", value, "Целинный район")]),
        form_2022_xlsx([odd_2022]),
        form_2021_xlsx([odd_2021]),
    ):
        for user in (None, world.users["methodist"]):
            state = snapshot()
            outcome = run(data, world.region, user=user)
            if outcome.errors:
                assert snapshot() == state


def test_the_command_says_ambiguous_identifiers_and_rows_not_loaded(altai, tmp_path):
    from django.core.management import call_command

    world, *_rest = altai
    path = tmp_path / "form.xlsx"
    path.write_bytes(
        form_2022_xlsx([FORM_2022[0], School2022(**{**FORM_2022[2].__dict__, "oge": 5811, "inn": None})])
    )
    out, err = io.StringIO(), io.StringIO()
    call_command("import_schools", str(path), "--region", world.region.name, stdout=out, stderr=err)
    assert err.getvalue().splitlines()[-2:] == [
        "ВНИМАНИЕ: идентификаторы, которые файл даёт нескольким школам, не присвоены ни одной (1):",
        f'  Код РЦОИ (ОГЭ) 5811 указан у двух школ (лист «{SHEET_2022_GENERAL}»): «МБОУ "Воеводская сош"» '
        '(логин «edu224052», строка 2) и «МБОУ "Побединская СОШ"» (логин «edu224058», строка 3); '
        "не присвоен ни одной.",
    ]
    assert "неоднозначных идентификаторов: 1; не загружено строк: 0." in out.getvalue()

    path = tmp_path / "form2021.xlsx"
    path.write_bytes(form_2021_xlsx([School2021("ksh220099", "КГБОУ «Дальняя школа»", "", "с. Дальнее")]))
    out, err = io.StringIO(), io.StringIO()
    call_command("import_schools", str(path), "--region", world.region.name, stdout=out, stderr=err)
    assert err.getvalue().splitlines()[-2:] == [
        "ВНИМАНИЕ: не загружены (1): школа не найдена и муниципалитет не определён:",
        f"  лист «{SHEET_2021}», строка 2: школа «КГБОУ «Дальняя школа»» (логин «ksh220099») не найдена в "
        "реестре, и по адресу «с. Дальнее» муниципалитет не определён — строка не загружена.",
    ]


def test_the_preview_page_lists_ambiguous_identifiers_and_rows_not_loaded(altai, client):
    world, *_rest = altai
    user = world.users["regional_methodist"]
    lost = School2021("ksh220099", "КГБОУ «Дальняя школа»", "", "с. Дальнее")
    batch = import_batch_create(
        kind="schools", file=io.BytesIO(form_2021_xlsx([lost])), name="f.xlsx", region=world.region, user=user
    )
    client.force_login(user)
    page = client.get(f"/imports/{batch.pk}/").content.decode()
    assert "Не загружены: школа не найдена и муниципалитет не определён (1)" in page
    assert "по адресу «с. Дальнее» муниципалитет не определён — строка не загружена." in page
    form = [FORM_2022[0], School2022(**{**FORM_2022[2].__dict__, "oge": 5811, "inn": None})]
    batch = import_batch_create(
        kind="schools", file=io.BytesIO(form_2022_xlsx(form)), name="f.xlsx", region=world.region, user=user
    )
    page = client.get(f"/imports/{batch.pk}/").content.decode()
    assert "Идентификаторы, которые файл даёт нескольким школам (1)" in page
    assert "Код РЦОИ (ОГЭ) 5811 указан у двух школ" in page


def _general_only(form: list[School2022]) -> bytes:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(form_2022_xlsx(form)))
    del workbook["ОБРАЗОВАТЕЛЬНАЯ ДЕЯТЕЛЬНОСТЬ ОО"]
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_a_form_without_one_of_its_sheets_never_blanks_what_the_other_gave(altai):
    world, _tselinny, _aleysk, voevodskaya, *_rest = altai
    run(form_2022_xlsx(FORM_2022[:1]), world.region)
    full = SchoolContext.objects.get(school=voevodskaya, year=2022)
    assert (full.pupils, full.teachers, full.settlement_size) == (163, 17, 1)

    state = snapshot()
    again = run(_general_only(FORM_2022[:1]), world.region, name="form_2022.xlsx")
    assert (counts(again)["contexts_unchanged"], counts(again)["contexts_updated"]) == (1, 0)
    assert snapshot() == state

    bigger = run(
        _general_only([_voevodskaya_2022(size="2) 1–5 тыс. человек")]), world.region, name="f_2022.xlsx"
    )
    assert counts(bigger)["contexts_updated"] == 1
    context = SchoolContext.objects.get(school=voevodskaya, year=2022)
    assert (context.pupils, context.teachers, context.settlement_size) == (163, 17, 2)
