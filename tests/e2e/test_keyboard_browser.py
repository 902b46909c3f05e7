"""The portal works from the keyboard alone (WCAG 2.1 SC 2.1.1, 2.4.1, 2.4.7): a mentor skips to the content, signs
in, follows the main menu and writes a log entry with Tab, typing, arrows, Space and Enter — no mouse — and sees
where the focus is at every step."""

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from mentoring import services as mentoring
from mentoring.models import LogEntry, LogKind
from tests.conftest import PASSWORD
from tests.factories import SubjectFactory, TeacherFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# What the focused element shows: its outline and its box shadow (the portal's focus ring is both).
FOCUS_RING = """() => {
  const element = document.activeElement;
  const style = getComputedStyle(element);
  return {
    tag: element.tagName.toLowerCase(),
    text: (element.innerText || element.value || element.getAttribute('aria-label') || '').trim(),
    id: element.id,
    outline: style.outlineStyle === 'none' ? 0 : parseFloat(style.outlineWidth),
    shadow: style.boxShadow !== 'none',
    inMain: Boolean(element.closest('main')),
  };
}"""


def focused(page: Page) -> dict:
    return page.evaluate(FOCUS_RING)


def tab_to(page: Page, text: str = "", element_id: str = "", limit: int = 40) -> dict:
    """Tab until the focused element's text is ``text`` (or its id ``element_id``); every element passed on the
    way shows its focus ring."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = focused(page)
        assert now["outline"] >= 3 and now["shadow"], f"фокус не виден: {now}"
        if (element_id and now["id"] == element_id) or (text and now["text"] == text):
            return now
    raise AssertionError(f"«{text or element_id}» не достигнут за {limit} нажатий Tab")


def skip_link(page: Page) -> dict:
    """Tab from the page's start: the skip link takes the focus and comes onto the screen; its position."""
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "Перейти к содержанию"
    box = page.get_by_role("link", name="Перейти к содержанию").bounding_box()
    assert box is not None
    return {"x": round(box["x"]), "y": round(box["y"])}


def test_a_mentor_works_from_the_keyboard(page: Page, world):
    methodist = world.users["methodist"]
    today = timezone.localdate()
    teacher = TeacherFactory(
        school=world.school_a1,
        last_name="Иванова",
        first_name="Мария",
        middle_name="Петровна",
        subjects=[SubjectFactory(name="Математика")],
    )
    order = mentoring.order_create(municipality=world.mun_a, number="112-од", date=today, user=methodist)
    mentoring.mentor_assign(
        order=order,
        school=world.school_a1,
        mentor_user=world.users["mentor"],
        start_date=today,
        user=methodist,
    )

    # Sign in: the name field has the focus (autofocus); type, Tab, type, Enter.
    page.goto("/login/")
    assert focused(page)["id"] == "id_username"
    page.keyboard.type("mentor")
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "id_password"
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Здравствуйте")

    # The first Tab reaches «Перейти к содержанию», shown on the screen while it has the focus.
    assert skip_link(page) == {"x": 16, "y": 0}
    # The main menu: Tab on to «Моё наставничество» (every stop shows its ring), Enter.
    assert tab_to(page, "Моё наставничество")["inMain"] is False
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Моё наставничество")
    # Enter on the skip link puts the focus into the content: the next Tab is the page's first button.
    skip_link(page)
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "content"
    page.keyboard.press("Tab")
    assert (focused(page)["text"], focused(page)["inMain"]) == ("Записать работу", True)
    tab_to(page, "Записать работу в этой школе")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Новая запись журнала наставничества")

    # The form: the school comes chosen from the link, the date is today's; kind, topic, a teacher, «Сохранить».
    day = today
    tab_to(page, element_id="id_school")
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "id_date"
    assert page.locator("#id_date").input_value() == day.isoformat()  # today, filled in: nothing to type
    tab_to(page, element_id="id_kind", limit=4)  # Chromium's date field keeps Tab for its day, month and year
    page.keyboard.press("ArrowDown")
    kind = page.locator("#id_kind").input_value()
    assert kind == LogKind.LESSON_VISIT  # the next after «консультация»
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "id_topic"
    page.keyboard.type("Урок математики в 6 классе")
    page.keyboard.press("Tab")
    assert focused(page)["tag"] == "input"  # the first teacher's checkbox
    page.keyboard.press("Space")
    tab_to(page, "Сохранить")
    page.keyboard.press("Enter")
    expect(page.locator(".message--success")).to_contain_text("добавлена в журнал")

    entry = LogEntry.objects.get()
    assert (entry.school, entry.date, entry.kind, entry.topic, list(entry.teachers.all())) == (
        world.school_a1,
        day,
        LogKind.LESSON_VISIT,
        "Урок математики в 6 классе",
        [teacher],
    )
