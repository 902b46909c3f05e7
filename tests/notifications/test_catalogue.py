"""The event catalogue (notifications.catalogue), table by table: every event's title, subject and channel."""

import pytest
from django.template.loader import get_template

from notifications import catalogue
from notifications.catalogue import DIGEST, IMMEDIATE, NONE

EVENTS = [
    # code, title, default channel, context → subject
    (
        catalogue.FORM_RETURNED,
        "Квартальная форма возвращена на доработку",
        IMMEDIATE,
        {"school": "МБОУ «Каштановская СОШ»", "period": "4 квартал 2030 г."},
        "Квартальная форма школы «МБОУ «Каштановская СОШ»» за 4 квартал 2030 г. возвращена на доработку",
    ),
    (
        catalogue.FORM_ACCEPTED,
        "Квартальная форма принята",
        DIGEST,
        {"school": "Школа", "period": "1 квартал 2031 г."},
        "Квартальная форма школы «Школа» за 1 квартал 2031 г. принята",
    ),
    (
        catalogue.FORM_REMINDER,
        "Напоминание о сроке квартальной формы",
        IMMEDIATE,
        {"period": "4 квартал 2030 г.", "due": "10.01.2031"},
        "Квартальная форма ИОМ: 4 квартал 2030 г. — срок 10.01.2031",
    ),
    (
        catalogue.REPORT_READY,
        "Справка сформирована",
        IMMEDIATE,
        {"report": "Справка"},
        "Справка готова: Справка",
    ),
    (
        catalogue.REPORT_RETURNED,
        "Справка возвращена на доработку",
        IMMEDIATE,
        {"report": "Справка"},
        "Справка возвращена: Справка",
    ),
    (
        catalogue.REPORT_SIGNED,
        "Справка подписана",
        IMMEDIATE,
        {"report": "Справка"},
        "Справка подписана: Справка",
    ),
    (
        catalogue.IMPORT_FINISHED,
        "Загрузка файла завершена",
        DIGEST,
        {"file": "школы.csv"},
        "Файл «школы.csv» загружен",
    ),
    (
        catalogue.IMPORT_FAILED,
        "Сбой загрузки файла",
        IMMEDIATE,
        {"file": "школы.csv"},
        "Файл «школы.csv» не загружен: сбой загрузки",
    ),
    (
        catalogue.ORDER_ASSIGNED,
        "Назначение приказом",
        IMMEDIATE,
        {"order": "приказ № 7-о от 01.09.2026", "assignment": "наставник школы «Школа»"},
        "Назначение (приказ № 7-о от 01.09.2026): наставник школы «Школа»",
    ),
    (
        catalogue.LIST_COMPUTED,
        "Новый перечень ШНОР по моей территории",
        DIGEST,
        {"list_year": 2022, "region": "Ростовская область"},
        "Перечень ШНОР 2022 года пересчитан: Ростовская область",
    ),
    (
        catalogue.ROADMAP_ITEM_DUE,
        "Срок пункта дорожной карты через 5 дней",
        IMMEDIATE,
        {"due": "12.12.2026", "number": "1.2", "roadmap": "Антирисковая программа"},
        "Через 5 дней, 12.12.2026, срок пункта 1.2 дорожной карты «Антирисковая программа»",
    ),
]


def test_the_table_names_every_event_once():
    assert [row[0] for row in EVENTS] == list(catalogue.EVENTS)


@pytest.mark.parametrize(("code", "title", "channel", "context", "subject"), EVENTS)
def test_event(code, title, channel, context, subject):
    kind = catalogue.event(code)
    assert (kind.code, kind.title, kind.channel) == (code, title, channel)
    assert kind.render_subject(context) == subject
    assert kind.text_template == f"notifications/email/{code}.txt"


@pytest.mark.parametrize("code", list(catalogue.EVENTS))
def test_every_event_has_its_email_template(code):
    assert get_template(catalogue.event(code).text_template) is not None


@pytest.mark.parametrize(
    ("code", "chosen", "expected"),
    [
        (catalogue.FORM_RETURNED, None, IMMEDIATE),  # no choice: the event's default
        (catalogue.FORM_RETURNED, DIGEST, DIGEST),
        (catalogue.FORM_RETURNED, NONE, NONE),
        (catalogue.FORM_ACCEPTED, None, DIGEST),
        (catalogue.FORM_ACCEPTED, IMMEDIATE, IMMEDIATE),
        (catalogue.FORM_ACCEPTED, "weekly", DIGEST),  # an unknown choice: the default
    ],
)
def test_channel_for(code, chosen, expected):
    assert catalogue.channel_for(code, chosen) == expected


def test_an_unknown_event_is_an_error():
    with pytest.raises(KeyError):
        catalogue.event("nothing")
