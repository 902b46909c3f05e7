"""The pure rules of a school's identity (schools/identity.py), table-style, no database."""

import pytest

from schools.identity import (
    CITY,
    DISTRICT,
    FISOKO,
    INN,
    NAME,
    OGRN,
    RCOI_EGE,
    MunicipalityKey,
    core_school_name,
    identifier_key,
    login_digits,
    login_prefix,
    municipality_key,
    normalise_municipality,
    normalise_school_name,
    split_labelled,
    without_legal_form,
)

# Pairs of spellings that must meet (each as the real files write them, see /work/shared/realdata/README.md).
SAME_SCHOOL = [
    # quotes «»"″“”
    ('МБОУ "СОШ № 5"', "МБОУ «СОШ № 5»"),
    ("МБОУ ″СОШ № 5″", "МБОУ “СОШ № 5”"),
    ("МБОУ „СОШ № 5“", "МБОУ СОШ № 5"),
    # № with or without a space; a Latin N before a number
    ("МБОУ СОШ № 5", "МБОУ СОШ №5"),
    ("МБОУ СОШ N 5", "МБОУ СОШ №5"),
    # case, ё/е, spaces
    ("мбоу  сош   №5", "МБОУ СОШ №5"),
    ("Озёрная СОШ", "ОЗЕРНАЯ сош"),
    (
        '  Муниципальное бюджетное общеобразовательное учреждение" Средняя общеобразовательная школа №24 "',
        "МБОУ СОШ №24",
    ),
    # legal forms, both ways
    ("Муниципальное бюджетное общеобразовательное учреждение «СОШ №5»", "МБОУ СОШ №5"),
    ("Муниципальное автономное общеобразовательное учреждение «Гимназия №1»", "МАОУ «Гимназия № 1»"),
    ("Муниципальное казённое общеобразовательное учреждение «СОШ с. Дубовое»", "МКОУ «СОШ с.Дубовое»"),
    (
        "Муниципальное общеобразовательное учреждение средняя общеобразовательная школа с. Беклемишево",
        "МОУ СОШ с. Беклемишево",
    ),
    (
        "Краевое государственное бюджетное общеобразовательное учреждение «Школа-интернат №1»",
        "КГБОУ Школа-интернат № 1",
    ),
    ("Государственное бюджетное общеобразовательное учреждение «Лицей №2»", "ГБОУ Лицей №2"),
    ("Частное общеобразовательное учреждение «Гимназия Радуга»", "ЧОУ «Гимназия «Радуга»»"),
    # school types, both ways
    ("МБОУ «Воеводская средняя общеобразовательная школа»", 'МБОУ "Воеводская СОШ "'),
    ("МБОУ «Лесная основная общеобразовательная школа»", "МБОУ Лесная ООШ"),
    ("МКОУ «Полевая начальная общеобразовательная школа»", "МКОУ Полевая НОШ"),
    (
        "МБОУ «Средняя общеобразовательная школа №26 с углублённым изучением отдельных предметов»",
        "МБОУ «СОШ № 26 с УИОП»",
    ),
    ("МБОУ «Лицей № 23»", "мбоу лицей №23"),
    ("МАОУ «Гимназия №4»", "маоу гимназия № 4"),
    # «имени» / «им.»
    ("МКОУ «СОШ имени И.А. Пришкольника с.Валдгейм»", 'МКОУ "СОШ им.И.А. Пришкольника с.Валдгейм"'),
]


@pytest.mark.parametrize(("one", "other"), SAME_SCHOOL)
def test_two_spellings_of_one_school_meet(one, other):
    assert normalise_school_name(one) == normalise_school_name(other)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('МБОУ "СОШ № 5"', "мбоу сош №5"),
        (
            "Муниципальное бюджетное общеобразовательное учреждение «Средняя общеобразовательная школа №5»",
            "мбоу сош №5",
        ),
        ("МБОУ «СОШ №26 с УИОП»", "мбоу сош №26 с уиоп"),
        ('МКОУ "СОШ им.И.А. Пришкольника с.Валдгейм"', "мкоу сош им и а пришкольника с валдгейм"),
        ("ЧАУ Школа-интернат № 27 ", "чау школа-интернат №27"),
        ("", ""),
        ("  ", ""),
    ],
)
def test_name_key(text, key):
    assert normalise_school_name(text) == key


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("МБОУ СОШ №5", "МКОУ СОШ №5"),  # a different number
        ("МБОУ СОШ №5", "МБОУ СОШ №15"),
        ("МБОУ Лицей №2", "МБОУ Гимназия №2"),
        ("МБОУ СОШ №5", "МБОУ ООШ №5"),
    ],
)
def test_different_schools_stay_apart(one, other):
    assert normalise_school_name(one) != normalise_school_name(other)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("МБОУ СОШ №5", "сош №5"),
        ("Муниципальное казенное общеобразовательное учреждение «СОШ №5»", "сош №5"),
        ("КГБОУ «Школа-интернат №1»", "школа-интернат №1"),
        ("СОШ №5", "сош №5"),
    ],
)
def test_without_legal_form(text, key):
    assert without_legal_form(normalise_school_name(text)) == key


MUNICIPALITIES = [
    # ФИС ОКО's labelled form, the nominative, the genitive of a department's name
    ("reg22_m001 | Алейский муниципальный район", MunicipalityKey("алейск", DISTRICT)),
    ("Алейский район", MunicipalityKey("алейск", DISTRICT)),
    ("Алейский муниципальный район", MunicipalityKey("алейск", DISTRICT)),
    ("Комитет по образованию администрации Алейского района", MunicipalityKey("алейск", DISTRICT)),
    (
        "Управление образования администрации Алейского муниципального района",
        MunicipalityKey("алейск", DISTRICT),
    ),
    ("Отдел образования Администрации Алейского района Алтайского края", MunicipalityKey("алейск", DISTRICT)),
    # the city of the same stem is another municipality
    ("г. Алейск", MunicipalityKey("алейск", CITY)),
    ("город Алейск", MunicipalityKey("алейск", CITY)),
    ("Комитет образования администрации городского округа «Город Чита»", MunicipalityKey("чита", CITY)),
    ("г.Чита", MunicipalityKey("чита", CITY)),
    (
        'Комитет образования администрации муниципального района "Читинский район"',
        MunicipalityKey("читинск", DISTRICT),
    ),
    # муниципальный округ (a former district)
    (
        "Комитет образования администрации Акшинского муниципального округа",
        MunicipalityKey("акшинск", DISTRICT),
    ),
    ("Акшинский муниципальный округ", MunicipalityKey("акшинск", DISTRICT)),
    (
        "Отдел управления образованием администрации Каларского муниципального округа Забайкальского края",
        MunicipalityKey("каларск", DISTRICT),
    ),
    # department names without «администрации»
    (
        'Комитет по образованию и делам молодежи муниципального района "Оловяннинский район"',
        MunicipalityKey("оловяннинск", DISTRICT),
    ),
    (
        "Комитет по образованию, делам молодежи, материнства и детства г. Петровск-Забайкальский",
        MunicipalityKey("петровск-забайкальск", CITY),
    ),
    (
        'Управление образования Админстрации "Петровск-Забайкальский район"',
        MunicipalityKey("петровск-забайкальск", DISTRICT),
    ),
    ('Управление образования администрации МР "Калганский район"', MunicipalityKey("калганск", DISTRICT)),
    # ё/е and a hyphen
    ("Тунгиро-Олёкминский район", MunicipalityKey("тунгиро-олекминск", DISTRICT)),
    # no kind said
    ("reg22_m056 | Целинный муниципальный район", MunicipalityKey("целинн", DISTRICT)),
    ("Целинный", MunicipalityKey("целинн", None)),
    (
        "Комитет образования администрации городского округа «Поселок Агинское»",
        MunicipalityKey("агинск", CITY),
    ),
    ("", MunicipalityKey("", None)),
]


@pytest.mark.parametrize(("text", "key"), MUNICIPALITIES)
def test_municipality_key(text, key):
    assert municipality_key(text) == key


def test_normalise_municipality_is_one_string():
    assert normalise_municipality("reg22_m001 | Алейский муниципальный район") == "алейск (район)"
    assert normalise_municipality("город Алейск") == "алейск (город)"
    assert normalise_municipality("Целинный") == "целинн"


@pytest.mark.parametrize(
    ("value", "digits", "prefix"),
    [
        ("edu223017", "223017", "edu"),
        ("sch223017", "223017", "sch"),
        (" SCH470123 ", "470123", "sch"),
        ("Edu1", "1", "edu"),
        ("sch", "", ""),
        ("school1", "", ""),
        ("223017", "", ""),
        ("edu22301x", "", ""),
        ("", "", ""),
    ],
)
def test_login_digits(value, digits, prefix):
    assert login_digits(value) == digits
    assert login_prefix(value) == prefix


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ('edu224052 | МБОУ "Воеводская СОШ "', ("edu224052", 'МБОУ "Воеводская СОШ "')),
        ("reg22_m056 | Целинный муниципальный район", ("reg22_m056", "Целинный муниципальный район")),
        ("edu224052|МБОУ СОШ", ("edu224052", "МБОУ СОШ")),
        ("МБОУ СОШ №5", ("", "МБОУ СОШ №5")),
        ("МБОУ СОШ | филиал", ("", "МБОУ СОШ | филиал")),  # a name with a bar is not a labelled code
        ("", ("", "")),
    ],
)
def test_split_labelled(text, parts):
    assert split_labelled(text) == parts


@pytest.mark.parametrize(
    ("kind", "value", "key"),
    [
        (FISOKO, " EDU223017 ", "edu223017"),
        (INN, "22 01 003456", "2201003456"),
        (OGRN, "1022200507890 ", "1022200507890"),
        (RCOI_EGE, " 01 01 ", "0101"),
        (NAME, "МБОУ «СОШ № 5»", "мбоу сош №5"),
    ],
)
def test_identifier_key(kind, value, key):
    assert identifier_key(kind, value) == key


@pytest.mark.parametrize(
    ("text", "core"),
    [
        ("МБОУ «Шипуновская СОШ №2» Шипуновск. р-на Алт. кр.", "шипуновская сош №2"),
        ("МКОУ «Осколковская СОШ им. В.П. Карташова»", "осколковская сош"),
        ("МБОУ «Завьяловская СОШ №1» Завьяловского района", "завьяловская сош №1"),
        ("МБОУ «СОШ №10 г. Новоалтайска Алтайского края»", "сош №10"),
        ("МБОУ «Гимназия №27 имени Героя Советского Союза В.Е. Смирнова»", "гимназия №27"),
        ("МКОУ «СОШ с. Дубовое»", "сош с дубовое"),  # a village is the school's own name
        ("МБОУ СОШ №5", "сош №5"),
    ],
)
def test_core_school_name(text, core):
    assert core_school_name(normalise_school_name(text)) == core


def test_latin_look_alikes_inside_a_russian_word():
    assert normalise_school_name("МБОУ Cош №6") == normalise_school_name("МБОУ СОШ №6")  # a Latin C
    assert normalise_school_name("МБОУ «IT-лицей»") == "мбоу it-лицей"  # a Latin word stays Latin
