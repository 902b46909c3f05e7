"""A methodologist assigns a mentor by an order; the mentor signs in and records a lesson visit."""

import datetime

import pytest
from playwright.sync_api import Page, expect

from mentoring.models import LogEntry, LogKind, MentorAssignment
from tests.e2e.test_browser import sign_in
from tests.factories import SubjectFactory, TeacherFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_methodologist_assigns_a_mentor_and_the_mentor_records_a_visit(page: Page, world):
    maths = SubjectFactory(name="Математика")
    teacher = TeacherFactory(
        school=world.school_a1,
        last_name="Иванова",
        first_name="Мария",
        middle_name="Петровна",
        subjects=[maths],
    )
    TeacherFactory(school=world.school_b1, last_name="Чужая", first_name="Анна", middle_name="")
    mentor = world.users["mentor"]
    mentor.last_name, mentor.first_name = "Гончаров", "Сергей"
    mentor.save(update_fields=["last_name", "first_name"])
    menu = lambda: page.get_by_role("navigation", name="Основное меню")  # noqa: E731

    sign_in(page, "methodist")
    menu().get_by_role("link", name="Наставничество").click()
    page.get_by_role("link", name="Внести приказ о назначении").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Приказ о назначении наставников и тьюторов")
    page.get_by_label("Номер приказа").fill("112-од")
    page.get_by_label("Дата приказа").fill("2026-09-01")
    page.get_by_label("Школа — наставники, строка 1").select_option(
        label=f"{world.school_a1.display_name} (sch610001)"
    )
    page.get_by_label("Наставник (педагог) — наставники, строка 1").select_option(value=str(mentor.pk))
    page.get_by_label("С — наставники, строка 1", exact=True).fill("2026-09-01")
    # A school of another municipality is not even offered.
    expect(
        page.get_by_label("Школа — наставники, строка 1").locator("option", has_text="sch610101")
    ).to_have_count(0)
    page.get_by_role("button", name="Сохранить").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Приказ № 112-од от 01.09.2026")
    expect(page.get_by_text("наставников — 1, тьюторов — 0")).to_be_visible()
    assignment = MentorAssignment.objects.get()
    assert (assignment.school, assignment.mentor_user, assignment.order.number) == (
        world.school_a1,
        mentor,
        "112-од",
    )

    page.get_by_role("button", name="Выйти").click()
    sign_in(page, "mentor")
    menu().get_by_role("link", name="Моё наставничество").click()
    expect(page.locator("#my-schools")).to_contain_text(world.school_a1.display_name)
    expect(page.locator("#my-schools")).to_contain_text("приказ № 112-од от 01.09.2026")
    expect(page.locator("#my-schools")).to_contain_text("Иванова М. П.")
    expect(page.locator("#my-schools")).not_to_contain_text("Чужая")
    page.get_by_role("link", name="Записать работу в этой школе").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Новая запись журнала наставничества")
    today = datetime.date.today()
    page.get_by_label("Дата").fill(today.isoformat())
    page.get_by_label("Вид").select_option(label="посещение урока")
    page.get_by_label("Тема").fill("Урок математики в 6 классе: самостоятельная работа")
    page.get_by_label(f"{teacher.full_name} — {world.school_a1.display_name}").check()
    page.get_by_label("Рекомендации").fill("Дифференцировать задания по уровню")
    page.get_by_role("button", name="Сохранить").click()
    expect(page.locator(".message--success")).to_contain_text("добавлена в журнал")
    expect(page.locator("#my-log")).to_contain_text("посещение урока")
    expect(page.locator("#my-log")).to_contain_text("Иванова М. П.")
    page.screenshot(path="/tmp/e2e-mentoring.png", full_page=True)  # noqa: S108

    entry = LogEntry.objects.get()
    assert (entry.school, entry.author, entry.kind) == (world.school_a1, mentor, LogKind.LESSON_VISIT)
    assert list(entry.teachers.all()) == [teacher]
    # The school's card shows the log to its admin.
    page.get_by_role("button", name="Выйти").click()
    sign_in(page, "school_admin")
    page.goto(f"/schools/{world.school_a1.pk}/")
    expect(page.locator("#mentoring")).to_contain_text("Урок математики в 6 классе")
    expect(page.locator("#mentoring")).to_contain_text("приказ № 112-од от 01.09.2026")
