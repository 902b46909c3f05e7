"""Mentors and tutors write their log from a phone (#20 §4): «Моё наставничество», the log form and a school's card
fit a 360 × 740 screen — the page never scrolls sideways; a wide table scrolls inside its own box.

Screenshots of each page are left in /tmp/e2e-phone-*.png to look at.
"""

import datetime

import pytest
from playwright.sync_api import expect

from mentoring import services as mentoring
from mentoring.models import LogKind
from schools.models import Procedure, ProcedureKind, Result
from tests.conftest import PASSWORD
from tests.factories import SubjectFactory, TeacherFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
SCREENSHOT = "/tmp/e2e-phone-{}.png"  # noqa: S108  (a fixed path to look at after the run)


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(
        locale="ru-RU",
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        base_url=live_server.url,
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def sign_in(page, username: str) -> None:
    page.goto("/login/")
    page.get_by_label("Имя пользователя").fill(username)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


# The elements that stick out past the screen's right edge (outside any box that scrolls them), to name the culprit.
STICKING_OUT = """(width) => {
  const out = [];
  for (const element of document.querySelectorAll('main *, header *, footer *')) {
    if (element.closest('.table-wrap') && !element.classList.contains('table-wrap')) continue;
    if (element.getBoundingClientRect().right > width + 0.5) {
      const classes = String(element.className).trim().split(/ +/).filter(Boolean);
      out.push([element.tagName.toLowerCase(), ...classes].join('.'));
    }
  }
  return out.slice(-5);
}"""


def page_width(page) -> tuple[int, list[str]]:
    """The page's scroll width, with the elements that stick out if it is wider than the screen."""
    width = page.evaluate("document.scrollingElement.scrollWidth")
    return width, ([] if width <= PHONE["width"] else page.evaluate(STICKING_OUT, PHONE["width"]))


def mentor_and_tutor_at_work(world):
    """The mentor of school a1 with its teachers, results over years and a long log; the tutor of one teacher."""
    methodist = world.users["methodist"]
    today = datetime.date.today()
    maths = SubjectFactory(name="Математика")
    russian = SubjectFactory(name="Русский язык")
    teachers = [
        TeacherFactory(
            school=world.school_a1,
            last_name=last,
            first_name="Мария",
            middle_name="Петровна",
            subjects=[maths, russian],
        )
        for last in ("Иванова", "Петрова-Водкина", "Сидоренко", "Константинопольская")
    ]
    order = mentoring.order_create(
        municipality=world.mun_a, number="112-од", date=today - datetime.timedelta(days=60), user=methodist
    )
    mentoring.mentor_assign(
        order=order,
        school=world.school_a1,
        mentor_user=world.users["mentor"],
        start_date=today - datetime.timedelta(days=60),
        user=methodist,
    )
    mentoring.tutor_assign(
        order=order,
        teacher=teachers[0],
        subject=maths,
        tutor=world.users["tutor"],
        start_date=today - datetime.timedelta(days=60),
        user=methodist,
    )
    for days, topic in enumerate(
        (
            "Урок математики в 6 классе: самостоятельная работа с дифференцированными заданиями",
            "Разбор результатов ВПР по русскому языку и план коррекционной работы на четверть",
            "Консультация по формирующему оцениванию",
        ),
        start=1,
    ):
        mentoring.log_entry_create(
            author=world.users["mentor"],
            school=world.school_a1,
            date=today - datetime.timedelta(days=days),
            kind=LogKind.CONSULTATION,
            topic=topic,
            teachers=teachers[:3],
        )
    oge = ProcedureKind.objects.get(code="ОГЭ")
    for year in range(today.year - 4, today.year + 1):
        for subject in (maths, russian):
            procedure, _ = Procedure.objects.get_or_create(kind=oge, subject=subject, grade=9, year=year)
            Result.objects.create(school=world.school_a1, procedure=procedure, failed=7, participants=25)


def test_the_mentors_pages_fit_a_phone(phone, world):
    mentor_and_tutor_at_work(world)
    sign_in(phone, "mentor")
    widths = {}

    phone.goto("/mentoring/my/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Моё наставничество")
    expect(phone.locator("#my-log")).to_contain_text("Консультация по формирующему оцениванию")
    widths["my"] = page_width(phone)
    phone.screenshot(path=SCREENSHOT.format("my"), full_page=True)

    phone.get_by_role("link", name="Записать работу в этой школе").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Новая запись журнала наставничества")
    widths["log_form"] = page_width(phone)
    phone.screenshot(path=SCREENSHOT.format("log-form"), full_page=True)

    phone.goto(f"/schools/{world.school_a1.pk}/")
    expect(phone.get_by_role("heading", level=1)).to_contain_text(world.school_a1.display_name)
    widths["school"] = page_width(phone)
    phone.screenshot(path=SCREENSHOT.format("school"), full_page=True)

    assert widths == {"my": (360, []), "log_form": (360, []), "school": (360, [])}


def test_the_tutors_page_fits_a_phone(phone, world):
    mentor_and_tutor_at_work(world)
    sign_in(phone, "tutor")
    phone.goto("/mentoring/my/")
    expect(phone.locator("#my-teachers")).to_contain_text("Иванова Мария Петровна")
    phone.screenshot(path=SCREENSHOT.format("tutor"), full_page=True)
    assert page_width(phone) == (360, [])


@pytest.mark.parametrize("width", [320, 640])
def test_the_verification_page_reflows(browser, live_server, width):
    """The open verification page at 320 CSS px (WCAG 2.1 SC 1.4.10: 1280 px at 400 %) and 640 (200 %): no
    sideways scrolling — the text is enlarged by the browser's zoom, not by a separate version (README, ГОСТ Р
    52872-2019)."""
    context = browser.new_context(
        locale="ru-RU", viewport={"width": width, "height": 740}, base_url=live_server.url
    )
    page = context.new_page()
    page.goto("/reports/verify/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Проверка электронной подписи документа")
    page.screenshot(path=SCREENSHOT.format(f"verify-{width}"), full_page=True)
    width_now = page.evaluate("document.scrollingElement.scrollWidth")
    context.close()
    assert width_now == width
