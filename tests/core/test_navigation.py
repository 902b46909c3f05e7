"""The header menu: each app registers its entries (core.navigation.register_menu_entry in AppConfig.ready());
the menu of every role is the one the portal showed when core listed the entries itself."""

import pytest

from core import navigation
from core.navigation import menu_for

pytestmark = pytest.mark.django_db

STAFF = ["Главная", "Обзор территории", "Школы", "Статусы ШНОР", "Перечни ШНОР"]


@pytest.mark.parametrize(
    ("user_name", "titles"),
    [
        (
            "methodist",
            [
                *STAFF,
                "Шкалы ВПР",
                "Педагоги",
                "Наставничество",
                "Диагностика и ИОМ",
                "Дорожные карты",
                "Отчёты",
                "Загрузки",
                "Ключи API",
                "Журнал изменений",
            ],
        ),
        (
            "regional_methodist",
            [
                *STAFF,
                "Правило ШНОР",
                "Шкалы ВПР",
                "Педагоги",
                "Наставничество",
                "Диагностика и ИОМ",
                "Дорожные карты",
                "Отчёты",
                "Загрузки",
                "Ключи API",
                "Журнал изменений",
            ],
        ),
        (
            "head",
            [
                *STAFF,
                "Шкалы ВПР",
                "Педагоги",
                "Наставничество",
                "Диагностика и ИОМ",
                "Дорожные карты",
                "Отчёты",
                "Журнал изменений",
            ],
        ),
        (
            "school_admin",
            [
                "Главная",
                "Школы",
                "Статусы ШНОР",
                "Шкалы ВПР",
                "Педагоги",
                "Наставничество",
                "ИОМ",
                "Квартальные формы",
                "Дорожные карты",
                "Отчёты",
                "Загрузки",
            ],
        ),
        ("mentor", ["Главная", "Школы", "Моё наставничество"]),
        ("tutor", ["Главная", "Школы", "Моё наставничество"]),
        ("analyst", [*STAFF, "Шкалы ВПР", "Наставничество", "Диагностика и ИОМ", "Дорожные карты", "Отчёты"]),
        (
            "superuser",
            [
                *STAFF,
                "Правило ШНОР",
                "Шкалы ВПР",
                "Педагоги",
                "Наставничество",
                "Диагностика и ИОМ",
                "Дорожные карты",
                "Отчёты",
                "Загрузки",
                "Ключи API",
                "Журнал изменений",
                "Администрирование",
            ],
        ),
        ("nobody", ["Главная", "Школы"]),
    ],
)
def test_menu_of_each_role(world, user_name, titles):
    assert [item.title for item in menu_for(world.users[user_name])] == titles


def test_a_registered_entry_takes_its_place_and_shows_only_when_its_predicate_holds(world, monkeypatch):
    monkeypatch.setattr(navigation, "MENU_ENTRIES", dict(navigation.MENU_ENTRIES))
    navigation.register_menu_entry(
        order=35, title="Проба", url_name="password_change", shown=lambda user: user.username == "root"
    )

    assert [item.title for item in menu_for(world.users["superuser"])][2:4] == ["Школы", "Проба"]
    assert "Проба" not in [item.title for item in menu_for(world.users["methodist"])]
