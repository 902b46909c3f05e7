"""The home page per role in headless Chromium (#20 §1): each role signs in, finds on the home page exactly the
items set up for it, follows one and acts — the school admin re-sends a returned form, the methodist accepts a form
sent to review, the head returns a справка awaiting signature, the mentor and the tutor write to the log from their
school or teacher, the analyst opens a municipality's ШНОР."""

import datetime

import pytest
from playwright.sync_api import Page, expect

from diagnostics import services as diagnostics
from diagnostics.models import FormStatus, ProgressForm
from reports.models import Report, ReportStatus
from tests.builders.reports import territory_report
from tests.e2e.test_browser import sign_in
from tests.e2e.test_progress_form_browser import build, set_clock

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def items_on_home(page: Page) -> dict[str, str]:
    """The numbers of the home page: data-count → the link's text."""
    links = page.locator("a[data-count]")
    return {
        links.nth(i).get_attribute("data-count"): " ".join(links.nth(i).inner_text().split())
        for i in range(links.count())
    }


def test_the_school_admin_finds_the_returned_form_and_sends_it_again(page: Page, world, monkeypatch):
    quarter = set_clock(monkeypatch)
    build(world, quarter)
    form = diagnostics.progress_form_open(school=world.school_a1, quarter=quarter)
    ProgressForm.objects.filter(pk=form.pk).update(
        status=FormStatus.RETURNED, review_comment="Укажите, какие занятия проведены."
    )

    sign_in(page, "school_admin")
    assert items_on_home(page) == {
        "forms-returned": "1 форма возвращена",
        "routes-due": "1 ИОМ со строками, срок которых наступил",
    }
    expect(page.locator("#returned-forms")).to_contain_text("Укажите, какие занятия проведены.")
    expect(page.locator("#quarter-forms tbody tr")).to_have_count(2)

    page.locator('a[data-count="forms-returned"]').click()
    expect(page.locator("table.table tbody tr")).to_have_count(1)
    page.get_by_role("link", name=world.school_a1.display_name).click()
    expect(page.locator(".message--warning")).to_contain_text("Укажите, какие занятия проведены.")
    page.get_by_role("button", name="Отправить методисту").click()
    expect(page.locator(".message--success")).to_contain_text("Форма отправлена методисту")
    form.refresh_from_db()
    assert form.status == FormStatus.SUBMITTED


def test_the_methodist_finds_the_form_to_review_and_accepts_it(page: Page, world, monkeypatch):
    quarter = set_clock(monkeypatch)
    build(world, quarter)
    form = diagnostics.progress_form_open(school=world.school_a1, quarter=quarter)
    ProgressForm.objects.filter(pk=form.pk).update(status=FormStatus.SUBMITTED)

    sign_in(page, "methodist")
    assert items_on_home(page) == {"forms-submitted": "1 форма ждёт проверки"}

    page.locator('a[data-count="forms-submitted"]').click()
    expect(page.locator("table.table tbody tr")).to_have_count(1)
    page.get_by_role("link", name=world.school_a1.display_name).click()
    page.get_by_role("button", name="Принять").click()
    expect(page.locator(".message--success")).to_contain_text("Форма принята")
    form.refresh_from_db()
    assert form.status == FormStatus.ACCEPTED

    page.goto("/")
    assert items_on_home(page) == {}
    expect(page.locator('[data-calm="methodist"]')).to_have_text("Сейчас ничего не ждёт ваших действий.")


def test_the_head_finds_the_report_to_sign_and_returns_it(page: Page, world):
    report = territory_report(
        world, status=ReportStatus.READY, progress=100, built_at=datetime.datetime.now(datetime.UTC)
    )

    sign_in(page, "head")
    assert items_on_home(page) == {"reports-ready": "1 справка ждёт утверждения и подписи"}

    page.locator('a[data-count="reports-ready"]').click()
    rows = page.locator("table.table tbody tr")
    expect(rows).to_have_count(1)
    rows.first.get_by_role("link").first.click()
    page.get_by_label("Что исправить").fill("Добавьте данные о КПК за второе полугодие.")
    page.get_by_role("button", name="Вернуть на доработку").click()
    expect(page.locator(".messages")).to_contain_text("Отчёт возвращён на доработку.")
    assert Report.objects.get(pk=report.pk).status == ReportStatus.RETURNED


def test_the_mentor_finds_their_school_and_writes_to_the_log(page: Page, world):
    from mentoring import services as mentoring

    methodist = world.users["methodist"]
    order = mentoring.order_create(
        municipality=world.mun_a, number="12-од", date=datetime.date.today(), user=methodist
    )
    mentoring.mentor_assign(
        order=order,
        school=world.school_a1,
        mentor_user=world.users["mentor"],
        start_date=datetime.date.today(),
        user=methodist,
    )

    sign_in(page, "mentor")
    assert items_on_home(page) == {}
    row = page.locator("#my-schools tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(world.school_a1.display_name)
    expect(row).to_contain_text("записей нет")

    row.get_by_role("link", name="Записать").click()
    page.get_by_label("Вид").select_option(label="консультация")
    page.get_by_label("Тема").fill("Разбор результатов ВПР по математике")
    page.get_by_role("button", name="Сохранить").click()
    expect(page.locator(".message--success")).to_contain_text("добавлена в журнал")

    page.goto("/")
    expect(page.locator("#my-schools tbody tr")).to_contain_text(
        f"{datetime.date.today():%d.%m.%Y}, консультация"
    )


def test_the_tutor_finds_their_teacher_and_writes_to_the_log(page: Page, world):
    from mentoring import services as mentoring
    from tests.factories import SubjectFactory, TeacherFactory

    methodist = world.users["methodist"]
    maths = SubjectFactory(name="Математика")
    teacher = TeacherFactory(
        school=world.school_a1,
        last_name="Сидоренко",
        first_name="Анна",
        middle_name="Ивановна",
        subjects=[maths],
    )
    order = mentoring.order_create(
        municipality=world.mun_a, number="13-од", date=datetime.date.today(), user=methodist
    )
    mentoring.tutor_assign(
        order=order,
        teacher=teacher,
        subject=maths,
        tutor=world.users["tutor"],
        start_date=datetime.date.today(),
        user=methodist,
    )

    sign_in(page, "tutor")
    assert items_on_home(page) == {}  # no ИОМ line of the teacher is due
    row = page.locator("#my-teachers tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(teacher.full_name)
    expect(row).to_contain_text("Математика")
    expect(row).to_contain_text("записей нет")

    page.locator(".home-block__more").get_by_role("link", name="Журнал").click()
    page.get_by_role("link", name="Новая запись").click()
    page.get_by_label("Школа").select_option(str(world.school_a1.pk))
    page.get_by_label("Вид").select_option(label="консультация")
    page.get_by_label("Тема").fill("Подготовка к ОГЭ по математике: разбор типичных ошибок")
    page.get_by_label(f"{teacher.full_name} — {world.school_a1.display_name}").check()
    page.get_by_role("button", name="Сохранить").click()
    expect(page.locator(".message--success")).to_contain_text("добавлена в журнал")

    page.goto("/")
    expect(page.locator("#my-teachers tbody tr")).to_contain_text(
        f"{datetime.date.today():%d.%m.%Y}, консультация"
    )


def test_the_analyst_opens_a_municipality_s_shnor_from_the_region_at_a_glance(page: Page, world):
    from schools.models import FlagComputation, FlagDecision

    year = datetime.date.today().year
    computation = FlagComputation.objects.create(region=world.region, list_year=year, params={})
    for school, status in ((world.school_a1, "shnor"), (world.school_a2, "none"), (world.school_b1, "shnor")):
        FlagDecision.objects.create(school=school, list_year=year, status=status, computation=computation)

    sign_in(page, "analyst")
    table = page.locator("#region-statuses")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table.locator("tfoot")).to_contain_text("Регион")
    table.locator(f'a[data-count="shnor-{world.mun_a.pk}"]').click()
    expect(page.locator("table.table tbody tr")).to_have_count(1)
    expect(page.locator("table.table tbody")).to_contain_text(world.school_a1.display_name)
