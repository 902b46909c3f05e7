"""A справка as a municipality's would be: the columns of the real sections, many rows, long names.

The renderer tests of layout use it: a table of 8 narrow number columns (the mentoring log), a list table
whose reasons run to a dozen lines, long school names, recommendations of several paragraphs, a signer.
"""

import datetime

from reports.context import Chart, Column, Kind, ReportContext, Section, Series, Table

AS_OF = datetime.datetime(2026, 12, 7, 10, 34, tzinfo=datetime.UTC)
LOG_KINDS = (
    "консультация",
    "посещение урока",
    "мастер-класс",
    "семинар",
    "методический десант",
    "открытый урок",
    "вебинар",
    "другое",
)
LONG_NAMES = (
    "МБОУ «Каштановская средняя общеобразовательная школа имени Героя Советского Союза И. И. Иванова»",
    "МБОУ «Мостовская ООШ»",
    "МБОУ «Леоновская СОШ»",
    "МБОУ «Обливская средняя общеобразовательная школа № 2 с углублённым изучением отдельных предметов»",
)


def school(n: int) -> str:
    return LONG_NAMES[n % len(LONG_NAMES)] if n < len(LONG_NAMES) else f"МБОУ «Солонецкая СОШ № {n}»"


def reasons(n: int) -> str:
    parts = [
        f"ВПР Математика 4 кл. 2025: 53,8 % (7 из 13); ОГЭ Русский язык 9 кл. 202{year}: 46,2 % (6 из 13)"
        for year in range(2, 6)
    ]
    return "; ".join(parts[: 1 + n % 4])


def realistic_context(*, rows: int = 40) -> ReportContext:
    list_table = Table(
        "Перечень ШНОР: критерии и основания",
        (
            Column("Школа", width=48),
            Column("Расчётный статус", width=14),
            Column("Критерии", width=10),
            Column("Низкие результаты (доля «2» / ниже минимума)", width=60),
            Column("Решение", width=24),
        ),
        [(school(n), "ШНОР", "1; 2", reasons(n), "включена вручную: решение комиссии") for n in range(rows)],
        note="Критерий 1 — не менее двух низких результатов в прошлом году.",
    )
    log_table = Table(
        "Журнал наставничества за 2025–2026 годы",
        (
            Column("Школа", width=48),
            *(Column(label, Kind.INT, 9) for label in LOG_KINDS),
            Column("Всего", Kind.INT, 8),
        ),
        [
            (school(n), *((n * k) % 13 for k in range(1, 9)), sum((n * k) % 13 for k in range(1, 9)))
            for n in range(rows)
        ],
    )
    indicators = Table(
        "Показатели и целевые значения",
        (
            Column("Показатель", width=60),
            Column("Числитель", Kind.INT, 10),
            Column("Знаменатель", Kind.INT, 11),
            Column("Значение", Kind.PERCENT, 10),
            Column("Цель", Kind.PERCENT, 9),
        ),
        [
            (
                "Доля учителей-предметников, прошедших диагностику профессиональных дефицитов",
                20,
                20,
                100.0,
                100.0,
            ),
            ("Доля процедур с положительной динамикой", 0, 0, None, 100.0),
        ],
    )
    chart = Chart(
        "МБОУ «Каштановская СОШ»",
        ("2022", "2023", "2024", "2025"),
        (
            Series("ВПР Математика 4 кл.", (42.0, None, 33.0, 53.8)),
            Series("ОГЭ Русский язык 9 кл.", (20.0, 25.0, 35.7, 46.2)),
        ),
        threshold=30,
    )
    return ReportContext(
        title="Аналитическая справка по работе со школами с низкими образовательными результатами",
        department="Отдел образования Администрации Обливского района",
        territory="Обливский район",
        year=2026,
        as_of=AS_OF,
        version=1,
        sections=(
            Section(
                "list",
                "Перечень школ с низкими образовательными результатами",
                ("Школ на территории: 14.",),
                (list_table,),
            ),
            Section("dynamics", "Динамика результатов оценочных процедур", charts=(chart,)),
            Section("indicators", "Показатели программы поддержки", tables=(indicators,)),
            Section("mentoring", "Наставничество и тьюторское сопровождение", tables=(log_table,)),
        ),
        recommendations=(
            "Руководителям школ перечня: до 1 декабря скорректировать антирисковые программы по итогам осенней "
            "диагностики и согласовать их с наставниками.\n"
            "Муниципальному методическому центру: обеспечить тьюторское сопровождение всех педагогов школ перечня.\n"
            "Отделу образования: провести методический десант в школы без наставника до конца полугодия."
        ),
        signer="Заведующий отделом образования Администрации Обливского района Н. А. Курочкина",
        meta={"Порог низкого результата, %": "30", "Лет подряд (критерий 2)": "2"},
    )
