"""A school admin fills the quarterly ИОМ form, the methodologist returns it, the admin corrects it and the
methodologist accepts it — in headless Chromium."""

import datetime
import importlib
import os
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.utils import timezone
from playwright.sync_api import Page, expect

from diagnostics import progress
from diagnostics.models import FormEvent, ProgressForm, RouteLine
from diagnostics.services import campaign_create, results_set, route_approve, route_draft
from tests.e2e.test_browser import sign_in
from tests.factories import TeacherFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "progress-form.png"
SHOTS = os.environ.get("E2E_SHOTS")  # a folder for screenshots of the filled form at 1280 and 1024 px


def set_clock(monkeypatch) -> progress.Quarter:
    """Three days after this quarter ends: its form may be sent and is in time (the live server runs in this
    process, so it reads the same clock)."""
    quarter = progress.quarter_of(datetime.date.today())
    moment = datetime.datetime.combine(
        quarter.end + datetime.timedelta(days=3), datetime.time(12), tzinfo=timezone.get_current_timezone()
    )
    monkeypatch.setattr(timezone, "now", lambda: moment)
    return quarter


# Measured in the page: the status list is as wide as its longest option's text plus its padding and arrow;
# «или ссылка» is one line; the comment box is four lines high.
LAYOUT_JS = """(row) => {
  const select = row.querySelector("select");
  const style = getComputedStyle(select);
  const context = document.createElement("canvas").getContext("2d");
  context.font = style.font;
  const longest = Math.max(...[...select.options].map((o) => context.measureText(o.text).width));
  const label = row.querySelector(".progress-form__link-label");
  const textarea = row.querySelector("textarea");
  const line = parseFloat(getComputedStyle(textarea).lineHeight);
  const wrap = row.closest(".table-wrap");
  return {
    select: select.getBoundingClientRect().width,
    needed: longest + parseFloat(style.paddingLeft) + parseFloat(style.paddingRight)
      + parseFloat(style.borderLeftWidth) + parseFloat(style.borderRightWidth),
    labelLines: label.getClientRects().length,
    labelHeight: label.getBoundingClientRect().height,
    labelLine: parseFloat(getComputedStyle(label).lineHeight) || 20,
    textareaLines: textarea.clientHeight / line,
    overflow: wrap.scrollWidth - wrap.clientWidth,
  };
}"""


def check_layout(row) -> dict:
    box = row.evaluate(LAYOUT_JS)
    assert box["select"] >= box["needed"] + 12, box  # + the arrow: «выполнено» is not cut to «выпол»
    assert box["labelLines"] == 1 and box["labelHeight"] < 1.5 * box["labelLine"], box  # not «или / ссылка»
    assert box["textareaLines"] >= 3.9, box  # four lines, not two
    assert box["overflow"] <= 1, box  # the table fits the page: no sideways scrolling
    return box


def build(world, quarter):
    # A transactional test starts from a flushed database: the seeded activity catalogue may be gone.
    importlib.import_module("diagnostics.migrations.0002_seed_activity_kinds").seed(django_apps, None)
    methodist = world.users["methodist"]
    for login, last, first, middle in (
        ("methodist", "Петренко", "Ольга", "Викторовна"),
        ("school_admin", "Лысенко", "Елена", "Петровна"),
    ):
        user = world.users[login]
        user.last_name, user.first_name, user.middle_name = last, first, middle
        user.save(update_fields=["last_name", "first_name", "middle_name"])
    teacher = TeacherFactory(
        school=world.school_a1, last_name="Иванова", first_name="Мария", middle_name="Петровна"
    )
    today = timezone.localdate()
    campaign = campaign_create(
        municipality=world.mun_a,
        name="Диагностика, январь",
        instrument="Федеральная платформа",
        start_date=today - datetime.timedelta(days=40),
        end_date=today - datetime.timedelta(days=30),
        schools=[world.school_a1],
        user=methodist,
    )
    blocks = list(campaign.blocks.all())
    results_set(
        campaign=campaign,
        teacher=teacher,
        scores={b.pk: (40 if b.code in ("subject", "digital") else 80) for b in blocks},
        user=methodist,
    )
    route = route_draft(
        teacher=teacher,
        campaign=campaign,
        school_year=today.year if today.month >= 9 else today.year - 1,
        user=methodist,
        today=today,
    )
    # Both lines are due in the quarter, so they are on its form.
    route.lines.update(due_year=quarter.year, due_quarter=quarter.number)
    route_approve(route=route, user=methodist)
    return teacher


def test_school_fills_methodologist_returns_school_corrects_methodologist_accepts(
    page: Page, world, tmp_path, monkeypatch
):
    quarter = set_clock(monkeypatch)
    build(world, quarter)
    menu = lambda: page.get_by_role("navigation", name="Основное меню")  # noqa: E731

    sign_in(page, "school_admin")
    menu().get_by_role("link", name="Квартальные формы").click()
    page.get_by_role("button", name=quarter.label).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(quarter.label)
    rows = page.locator("#progress-form tbody tr")
    expect(rows).to_have_count(2)
    first, second = rows.nth(0), rows.nth(1)
    first.get_by_label("Статус").select_option(label="выполнено")
    first.get_by_label("Комментарий").fill("Курсы пройдены, 36 часов")
    pdf = tmp_path / "udostoverenie.pdf"
    pdf.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    first.get_by_label("Документ").set_input_files(str(pdf))
    second.get_by_label("Статус").select_option(label="в работе")
    page.get_by_role("button", name="Сохранить черновик").click()
    expect(page.locator(".message--success")).to_contain_text("Черновик сохранён")
    expect(first.get_by_role("link", name="udostoverenie.pdf")).to_be_visible()

    # A renamed program is refused and nothing typed is lost.
    exe = tmp_path / "otchet.pdf"
    exe.write_bytes(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" * 8)
    second.get_by_label("Комментарий").fill("Идут занятия")
    second.get_by_label("Документ").set_input_files(str(exe))
    page.get_by_role("button", name="Сохранить черновик").click()
    # The refusal stands beside the file it is about, not in the status column.
    expect(second.locator("td.progress-form__evidence .field__error")).to_contain_text(
        "проверяется содержимое, а не имя файла"
    )
    expect(second.locator("td.progress-form__status .field__error")).to_have_count(0)
    expect(second.get_by_label("Комментарий")).to_have_value("Идут занятия")
    for width in (1280, 1024):
        page.set_viewport_size({"width": width, "height": 900})
        check_layout(first)
        check_layout(second)
        if SHOTS:
            page.screenshot(path=str(Path(SHOTS) / f"progress-form-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    second.get_by_label("Документ").set_input_files([])
    page.get_by_role("button", name="Отправить методисту").click()
    expect(page.locator(".message--success")).to_contain_text("Форма отправлена методисту")
    expect(page.locator("#progress-form select")).to_have_count(0)  # read-only once submitted
    page.get_by_role("button", name="Выйти").click()

    sign_in(page, "methodist")
    page.goto("/diagnostics/forms/")
    page.get_by_role("link", name=world.school_a1.display_name).first.click()
    page.get_by_label("Замечания").fill("Приложите документ ко второй строке.")
    page.get_by_role("button", name="Вернуть на доработку").click()
    expect(page.locator(".message--success")).to_contain_text("возвращена школе")
    page.get_by_role("button", name="Выйти").click()

    sign_in(page, "school_admin")
    page.goto("/diagnostics/forms/")
    page.get_by_role("link", name=world.school_a1.display_name).first.click()
    expect(page.locator(".message--warning")).to_contain_text("Приложите документ ко второй строке.")
    rows.nth(1).get_by_label("ссылка").fill("https://school.example.ru/kpk/ivanova")
    page.get_by_role("button", name="Отправить методисту").click()
    expect(page.locator(".message--success")).to_contain_text("Форма отправлена методисту")
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    page.get_by_role("button", name="Выйти").click()

    sign_in(page, "methodist")
    page.goto("/diagnostics/forms/")
    page.get_by_role("link", name=world.school_a1.display_name).first.click()
    page.get_by_role("button", name="Принять").click()
    expect(page.locator(".message--success")).to_contain_text("Форма принята")

    form = ProgressForm.objects.get()
    assert form.status == "accepted"
    assert list(form.events.order_by("at", "pk").values_list("action", flat=True)) == [
        FormEvent.Action.SAVED,
        FormEvent.Action.SAVED,
        FormEvent.Action.SUBMITTED,
        FormEvent.Action.RETURNED,
        FormEvent.Action.SAVED,
        FormEvent.Action.SUBMITTED,
        FormEvent.Action.ACCEPTED,
    ]
    statuses = sorted(RouteLine.objects.values_list("status", flat=True))
    assert statuses == ["done", "in_progress"]
