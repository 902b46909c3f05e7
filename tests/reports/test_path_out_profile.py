"""A school's profile report says what the school must do to leave the list (issue #21 §1)."""

import pytest
from django.utils import timezone

from reports.builders import ReportParams, build
from schools.models import FlagStatus
from tests.builders.roadmaps import decide
from tests.builders.schools import add

pytestmark = pytest.mark.django_db

YEAR = 2025


def profile(world, school):
    return build(
        ReportParams(
            kind="school", region_id=world.region.pk, municipality_id=None, school_id=school.pk, year=YEAR
        ),
        today=timezone.localdate(),
    )


def path_table(built):
    tables = next(s for s in built.context.sections if s.key == "list").tables
    return [t for t in tables if t.title.startswith("Как не войти в перечень")]


def test_profile_of_a_listed_school_has_the_path_out(world):
    a1 = world.school_a1
    decide(a1, YEAR, FlagStatus.SHNOR)
    add(a1, "ВПР", "математика", 5, YEAR - 1, 5, 13)  # 38.5 %: low
    add(a1, "ОГЭ", "русский язык", 9, YEAR - 1, 2, 10)
    add(a1, "ВПР", "математика", 5, YEAR - 2, 1, 12)  # an earlier year: no limit of its own
    built = profile(world, a1)
    (table,) = path_table(built)
    assert table.title == "Как не войти в перечень 2026 года: наибольшее число «2» по процедурам"
    assert [column.title for column in table.columns] == [
        "Процедура",
        "Участников в 2024",
        "«2» в 2024",
        "Не более «2» в 2025",
        "Обязательно",
    ]
    assert list(table.rows) == [
        ("ВПР, математика, 5 кл.", 13, 5, 3, "да"),
        ("ОГЭ, русский язык, 9 кл.", 10, 2, 2, "да"),
    ]
    paragraphs = next(s for s in built.context.sections if s.key == "list").paragraphs
    assert paragraphs[-1] == (
        "Чтобы не войти в перечень 2026 года, в 2025 году ни одна процедура не должна дать низкий результат."
    )
    assert table.note.startswith("Критерий 1: низкий результат в 2025 году — не более чем по 1 процедуре.")


def test_profile_of_a_school_without_a_flag_has_none(world):
    a1 = world.school_a1
    decide(a1, YEAR, FlagStatus.NONE)
    add(a1, "ВПР", "математика", 5, YEAR - 1, 1, 13)
    assert path_table(profile(world, a1)) == []
