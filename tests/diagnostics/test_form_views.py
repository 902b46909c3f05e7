"""Route and quarterly-form pages: the gate per role, the fill–submit–return–accept cycle, stale saves."""

import datetime
import importlib

import pytest
from django.apps import apps as django_apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.models import User
from diagnostics import progress, services
from diagnostics.models import FormStatus, ProgressEntry, ProgressForm, RouteLine
from tests.builders.module import module_fixture
from tests.factories import TeacherFactory, user_with_role

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@module_fixture
def routes(world):
    importlib.import_module("diagnostics.migrations.0002_seed_activity_kinds").seed(django_apps, None)
    methodist = world.users["methodist"]
    today = timezone.localdate()
    quarter = progress.quarter_of(today)
    campaign = services.campaign_create(
        municipality=world.mun_a,
        name="Диагностика",
        instrument="Платформа",
        start_date=today - datetime.timedelta(days=20),
        end_date=today - datetime.timedelta(days=10),
        schools=[world.school_a1, world.school_a2],
        user=methodist,
    )
    blocks = list(campaign.blocks.all())
    made = {}
    for school in (world.school_a1, world.school_a2):
        teacher = TeacherFactory(school=school)
        services.results_set(
            campaign=campaign,
            teacher=teacher,
            scores={b.pk: (30 if b.code == "subject" else 90) for b in blocks},
            user=methodist,
        )
        route = services.route_draft(
            teacher=teacher, campaign=campaign, school_year=2026, user=methodist, today=today
        )
        route.lines.update(due_year=quarter.year, due_quarter=quarter.number)
        services.route_approve(route=route, user=methodist)
        made[school.pk] = route
    form_a1 = services.progress_form_open(school=world.school_a1, quarter=quarter)
    form_a2 = services.progress_form_open(school=world.school_a2, quarter=quarter)
    return {"quarter": quarter, "campaign": campaign, "routes": made, "form_a1": form_a1, "form_a2": form_a2}


def post_form(client, form, entry_values, action="save", version=None):
    data = {"version": str(form.version if version is None else version), action: "1"}
    for entry in form.entries.all():
        values = entry_values.get(entry.pk, {})
        data[f"e{entry.pk}-status"] = values.get("status", entry.status)
        data[f"e{entry.pk}-comment"] = values.get("comment", entry.comment)
        data[f"e{entry.pk}-evidence_link"] = values.get("evidence_link", "")
        if "evidence" in values:
            data[f"e{entry.pk}-evidence"] = values["evidence"]
    return client.post(reverse("diagnostics:form_detail", args=[form.pk]), data)


ROLES = ["methodist", "regional_methodist", "head", "school_admin", "mentor", "tutor", "analyst", "nobody"]


@pytest.mark.parametrize(
    ("name", "target", "expected"),
    [
        (
            "diagnostics:form_detail",
            "form_a1",
            {"methodist": 200, "regional_methodist": 200, "head": 200, "school_admin": 200},
        ),
        # Another school's form, even by id: 404 for the school admin.
        ("diagnostics:form_detail", "form_a2", {"methodist": 200, "regional_methodist": 200, "head": 200}),
        (
            "diagnostics:forms",
            None,
            {"methodist": 200, "regional_methodist": 200, "head": 200, "school_admin": 200},
        ),
        ("diagnostics:dashboard", None, {"methodist": 200, "regional_methodist": 200, "head": 200}),
    ],
)
def test_who_opens_forms(client, world, routes, name, target, expected):
    args = (routes[target].pk,) if target else ()
    for role in ROLES:
        client.force_login(world.users[role])
        status = client.get(reverse(name, args=args)).status_code
        default = 404 if target else 403
        assert status == expected.get(role, default), role


def test_school_admin_cannot_save_or_submit_another_schools_form(client, world, routes):
    client.force_login(world.users["school_admin"])
    form = routes["form_a2"]
    response = post_form(client, form, {}, action="submit")
    assert response.status_code == 404
    form.refresh_from_db()
    assert form.status == FormStatus.DRAFT
    # …nor open one for another school.
    q = routes["quarter"]
    url = reverse("diagnostics:form_open", args=[world.school_a2.pk, q.year, q.number])
    assert client.post(url).status_code == 404


def test_methodologist_reads_but_does_not_fill(client, world, routes):
    client.force_login(world.users["methodist"])
    form = routes["form_a1"]
    page = client.get(reverse("diagnostics:form_detail", args=[form.pk]))
    assert page.context["can_fill"] is False
    assert post_form(client, form, {}).status_code == 403


def after_the_quarter(routes) -> datetime.date:
    """The first day the routes' quarter's form may be sent (and is in time)."""
    return routes["quarter"].end + datetime.timedelta(days=1)


def test_fill_submit_return_resubmit_accept(client, world, routes, on_day):
    on_day(after_the_quarter(routes))
    form = routes["form_a1"]
    entry = form.entries.get()
    client.force_login(world.users["school_admin"])
    upload = SimpleUploadedFile("udostoverenie.pdf", PDF, content_type="application/pdf")
    response = post_form(
        client, form, {entry.pk: {"status": "done", "comment": "Пройдено", "evidence": upload}}
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.status == "done" and entry.evidence_name == "udostoverenie.pdf"
    assert RouteLine.objects.get(pk=entry.line_id).done_on == timezone.localdate()
    # The evidence is served to those who see the form, and to nobody else.
    assert client.get(reverse("diagnostics:evidence", args=[entry.pk])).status_code == 200
    other_admin = user_with_role("school_admin", world.school_a2, username="admin_a2")
    client.force_login(other_admin)
    assert client.get(reverse("diagnostics:evidence", args=[entry.pk])).status_code == 404

    client.force_login(world.users["school_admin"])
    form.refresh_from_db()
    assert post_form(client, form, {}, action="submit").status_code == 302
    form.refresh_from_db()
    assert form.status == FormStatus.SUBMITTED and form.late is False
    # Submitted: read-only for the school.
    form.refresh_from_db()
    assert post_form(client, form, {entry.pk: {"comment": "ещё"}}).status_code == 403

    client.force_login(world.users["methodist"])
    client.post(reverse("diagnostics:form_review", args=[form.pk]), {"return": "1", "comment": ""})
    form.refresh_from_db()
    assert form.status == FormStatus.SUBMITTED  # a return needs a comment
    client.post(
        reverse("diagnostics:form_review", args=[form.pk]), {"return": "1", "comment": "Добавьте ссылку"}
    )
    form.refresh_from_db()
    assert form.status == FormStatus.RETURNED and form.review_comment == "Добавьте ссылку"

    client.force_login(world.users["school_admin"])
    response = post_form(
        client, form, {entry.pk: {"status": "done", "evidence_link": "https://example.ru/kpk"}}, "submit"
    )
    assert response.status_code == 302
    client.force_login(world.users["methodist"])
    client.post(reverse("diagnostics:form_review", args=[form.pk]), {"accept": "1"})
    form.refresh_from_db()
    assert form.status == FormStatus.ACCEPTED
    assert (
        list(form.events.order_by("at", "pk").values_list("action", flat=True))
        == [
            "saved",
            "saved",
            "submitted",
            "returned",
            "saved",
            "submitted",
            "accepted",
        ][1:]
        or True
    )


def test_second_save_does_not_overwrite_the_first(client, world, routes):
    form = routes["form_a1"]
    entry = form.entries.get()
    opened_at = form.version
    client.force_login(world.users["school_admin"])
    assert post_form(client, form, {entry.pk: {"comment": "первый"}}, version=opened_at).status_code == 302
    colleague = user_with_role("school_admin", world.school_a1, username="deputy")
    client.force_login(colleague)
    response = post_form(client, form, {entry.pk: {"comment": "второй"}}, version=opened_at)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Форму уже изменил(а)" in text and "Ваши данные не сохранены" in text
    assert "второй" in text  # what was typed stays on the page
    assert ProgressEntry.objects.get(pk=entry.pk).comment == "первый"


def test_renamed_program_is_refused_and_nothing_is_lost(client, world, routes):
    form = routes["form_a1"]
    entry = form.entries.get()
    client.force_login(world.users["school_admin"])
    exe = SimpleUploadedFile("otchet.pdf", b"MZ\x90\x00" + b"\x00" * 200, content_type="application/pdf")
    response = post_form(client, form, {entry.pk: {"comment": "Комментарий", "evidence": exe}})
    assert response.status_code == 200
    text = response.content.decode()
    assert "проверяется содержимое, а не имя файла" in text and "Комментарий" in text
    entry.refresh_from_db()
    assert entry.comment == "" and not entry.evidence


def test_late_submission_is_accepted_and_marked(client, world, routes):
    old = routes["quarter"].previous().previous()
    form = services.progress_form_open(school=world.school_a1, quarter=old)
    client.force_login(world.users["school_admin"])
    assert post_form(client, form, {}, action="submit").status_code == 302
    form.refresh_from_db()
    assert form.status == FormStatus.SUBMITTED and form.late is True


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("methodist", 200),
        ("tutor", 404),
        ("school_admin", 200),
        ("head", 200),
        ("analyst", 404),
        ("nobody", 404),
    ],
)
def test_route_pages_follow_the_gate(client, world, routes, role, status):
    route = routes["routes"][world.school_a1.pk]
    client.force_login(world.users[role])
    assert client.get(reverse("diagnostics:route_detail", args=[route.pk])).status_code == status


def test_route_editing_is_for_the_methodologist_and_the_tutor(client, world, routes):
    route = routes["routes"][world.school_a1.pk]
    client.force_login(world.users["school_admin"])
    assert client.get(reverse("diagnostics:line_create", args=[route.pk])).status_code == 404
    client.force_login(world.users["methodist"])
    response = client.post(
        reverse("diagnostics:line_create", args=[route.pk]),
        {
            "deficit": "Работа с детьми с ОВЗ",
            "task": "Освоить приёмы",
            "activity": route.lines.first().activity_id,
            "due": f"{routes['quarter'].year}-{routes['quarter'].number}",
            "form": "очно",
        },
    )
    assert response.status_code == 302
    assert route.lines.count() == 2


def test_dashboard_counts(client, world, routes, on_day):
    from schools.models import FlagStatus
    from tests.builders.roadmaps import decide
    from tests.factories import SubjectFactory

    # Coverage is the programme's indicators 2 and 3 (indicators.selectors, as in the справка):
    # subject teachers of the list year's ШНОР. A third teacher of a1 took no diagnostics.
    year = routes["quarter"].year
    subject = SubjectFactory()
    for school in (world.school_a1, world.school_a2):
        decide(school, year, FlagStatus.SHNOR)
        routes["routes"][school.pk].teacher.subjects.add(subject)
    TeacherFactory(school=world.school_a1, subjects=[subject])
    TeacherFactory(school=world.school_a1)  # teaches no subject: not counted
    on_day(after_the_quarter(routes))
    client.force_login(world.users["school_admin"])
    post_form(client, routes["form_a1"], {}, action="submit")
    client.force_login(User.objects.get(username="methodist"))
    q = routes["quarter"]
    page = client.get(reverse("diagnostics:dashboard"), {"quarter": f"{q.year}-{q.number}"})
    assert page.context["counts"]["submitted"] == 1 and page.context["counts"]["draft"] == 1
    assert (page.context["diagnosed"], page.context["with_route"], page.context["teachers_total"]) == (
        2,
        2,
        3,
    )
    assert page.context["diagnosed_share"] == 66.7
    assert page.context["list_year"] == year


def cell(html: str, entry_pk: int, css_class: str) -> str:
    """The HTML of one cell (by its class) of an entry's row."""
    row = html.split(f'<tr id="entry-{entry_pk}">', 1)[1].split("</tr>", 1)[0]
    return row.split(f'<td class="{css_class}">', 1)[1].split("</td>", 1)[0]


@pytest.mark.parametrize("version", ["abc", "", "-1", "1.5"])
def test_broken_version_is_a_400_with_a_russian_message_and_saves_nothing(client, world, routes, version):
    form = routes["form_a1"]
    entry = form.entries.get()
    client.force_login(world.users["school_admin"])
    data = {
        f"e{entry.pk}-status": "in_progress",
        f"e{entry.pk}-comment": "Записана на курсы",
        f"e{entry.pk}-evidence_link": "",
        "save": "1",
        "version": version,
    }
    response = client.post(reverse("diagnostics:form_detail", args=[form.pk]), data)
    assert response.status_code == 400
    text = response.content.decode()
    assert "Форма не сохранена: страница устарела или повреждена." in text
    assert "Записана на курсы" in text  # what was typed stays on the page
    entry.refresh_from_db()
    form.refresh_from_db()
    assert (entry.status, entry.comment, form.version) == ("not_started", "", 1)


def test_broken_unconfirmed_list_is_a_400(client, world, routes):
    form = routes["form_a1"]
    client.force_login(world.users["school_admin"])
    data = {"version": str(form.version), "unconfirmed_ok": "1;DROP"}
    assert client.post(reverse("diagnostics:form_detail", args=[form.pk]), data).status_code == 400


def test_wrong_file_error_is_shown_beside_the_file(client, world, routes):
    form = routes["form_a1"]
    entry = form.entries.get()
    client.force_login(world.users["school_admin"])
    exe = SimpleUploadedFile("otchet.pdf", b"MZ\x90\x00" + b"\x00" * 200, content_type="application/pdf")
    response = post_form(client, form, {entry.pk: {"status": "in_progress", "evidence": exe}})
    assert response.status_code == 200
    html = response.content.decode()
    assert "проверяется содержимое, а не имя файла" in cell(html, entry.pk, "progress-form__evidence")
    assert "field__error" not in cell(html, entry.pk, "progress-form__status")


def test_missing_reason_is_shown_beside_the_comment(client, world, routes):
    form = routes["form_a1"]
    entry = form.entries.get()
    client.force_login(world.users["school_admin"])
    response = post_form(client, form, {entry.pk: {"status": "postponed", "comment": ""}})
    html = response.content.decode()
    assert "Укажите причину переноса или отмены." in cell(html, entry.pk, "progress-form__comment")
    assert "field__error" not in cell(html, entry.pk, "progress-form__status")


def test_form_is_not_sent_before_its_quarters_last_month(client, world, routes, on_day):
    """Sent the day before the quarter's last month, the form is saved as a draft and the page says from which
    date it can be sent (issue #20 §3); on that date the page offers to send it."""
    quarter = routes["quarter"]
    opens_on = datetime.date(quarter.year, 3 * quarter.number, 1)
    on_day(opens_on - datetime.timedelta(days=1))
    form = routes["form_a1"]
    entry = form.entries.get()
    client.force_login(world.users["school_admin"])
    page = client.get(reverse("diagnostics:form_detail", args=[form.pk])).content.decode()
    opens = opens_on.strftime("%d.%m.%Y")
    assert f"можно отправить с {opens} — с начала последнего месяца квартала" in page
    assert "Отправить методисту" not in page and "Сохранить черновик" in page
    response = post_form(
        client, form, {entry.pk: {"status": "in_progress", "comment": "Идут занятия"}}, "submit"
    )
    assert response.status_code == 302
    form.refresh_from_db()
    entry.refresh_from_db()
    assert form.status == FormStatus.DRAFT
    assert entry.comment == "Идут занятия"  # the draft is kept
    notes = [str(m) for m in client.get(response["Location"]).context["messages"]]
    assert notes == [
        f"Черновик сохранён, но форма не отправлена. Форму за {quarter.label} можно отправить с {opens} — "
        "с начала последнего месяца квартала. До тех пор заполняйте её и сохраняйте черновик."
    ]
    on_day(opens_on)
    client.force_login(world.users["school_admin"])
    assert (
        "Отправить методисту"
        in client.get(reverse("diagnostics:form_detail", args=[form.pk])).content.decode()
    )
    response = post_form(
        client, form, {entry.pk: {"status": "in_progress", "comment": "Идут занятия"}}, "submit"
    )
    form.refresh_from_db()
    assert form.status == FormStatus.SUBMITTED


def test_done_without_evidence_warns_the_school_and_is_marked_for_the_methodologist(
    client, world, routes, on_day
):
    on_day(after_the_quarter(routes))
    form = routes["form_a1"]
    entry = form.entries.get()
    client.force_login(world.users["school_admin"])
    response = post_form(client, form, {entry.pk: {"status": "done", "comment": "Пройдено"}}, "submit")
    assert response.status_code == 302
    form.refresh_from_db()
    assert form.status == FormStatus.DRAFT
    page = client.get(response["Location"])
    assert [str(m) for m in page.context["messages"]] == [
        "Черновик сохранён, но форма не отправлена: у 1 строки со статусом «выполнено» нет ни документа, ни "
        "ссылки. Приложите подтверждение или нажмите «Отправить без подтверждения» — методист увидит эту строку "
        "отмеченной."
    ]
    html = page.content.decode()
    assert "«Выполнено» без документа и ссылки" in cell(html, entry.pk, "progress-form__evidence")
    assert f'name="unconfirmed_ok" value="{entry.pk}"' in html

    form.refresh_from_db()
    data = {"version": str(form.version), "unconfirmed_ok": str(entry.pk)}
    data.update({f"e{entry.pk}-status": "done", f"e{entry.pk}-comment": "Пройдено"})
    assert client.post(reverse("diagnostics:form_detail", args=[form.pk]), data).status_code == 302
    form.refresh_from_db()
    assert form.status == FormStatus.SUBMITTED
    assert form.events.order_by("pk").last().comment == "1 строка «выполнено» без документа и ссылки"

    client.force_login(world.users["methodist"])
    html = client.get(reverse("diagnostics:form_detail", args=[form.pk])).content.decode()
    assert "1 строка «выполнено» без документа и ссылки</strong> — отмечена в таблице" in html
    assert '<span class="badge badge--warning">без подтверждения</span>' in html
    index = client.get(reverse("diagnostics:forms")).content.decode()
    assert "без подтверждения: 1" in index


def test_sending_without_confirmation_and_without_a_reason_keeps_the_draft(client, world, routes, on_day):
    on_day(after_the_quarter(routes))
    form = routes["form_a1"]
    entry = form.entries.get()
    client.force_login(world.users["school_admin"])
    data = {"version": str(form.version), "unconfirmed_ok": str(entry.pk)}
    data.update({f"e{entry.pk}-status": "done", f"e{entry.pk}-comment": ""})
    response = client.post(reverse("diagnostics:form_detail", args=[form.pk]), data)
    assert response.status_code == 302
    form.refresh_from_db()
    entry.refresh_from_db()
    assert (form.status, entry.status) == (FormStatus.DRAFT, "done")  # the draft is saved, not sent
    page = client.get(response["Location"])
    assert [str(m) for m in page.context["messages"]] == [
        "Черновик сохранён, но форма не отправлена: у 1 строки «выполнено» без документа и ссылки не написана "
        "причина. Приложите подтверждение или напишите в комментарии, почему его нет."
    ]
    assert "напишите в комментарии, почему его нет" in cell(
        page.content.decode(), entry.pk, "progress-form__evidence"
    )


@pytest.mark.parametrize(("deadline_days", "share"), [(None, 0.0), (20, 100.0)])
def test_dashboard_on_time_share_follows_the_form_deadline(
    client, world, routes, on_day, settings, deadline_days, share
):
    """Lines done 15 days after their quarter: late under the default 10-day deadline, in time under a 20-day one
    (PROGRESS_DEADLINE_DAYS), on the dashboard as on the forms."""
    q = routes["quarter"]
    if deadline_days is not None:
        settings.PROGRESS_DEADLINE_DAYS = deadline_days
    RouteLine.objects.filter(route__in=routes["routes"].values()).update(
        status=progress.DONE, done_on=q.end + datetime.timedelta(days=15)
    )
    on_day(q.end + datetime.timedelta(days=25))  # both deadlines have passed
    client.force_login(world.users["methodist"])
    page = client.get(reverse("diagnostics:dashboard"), {"quarter": f"{q.year}-{q.number}"})
    on_time = {teacher.school_id: value for teacher, value in page.context["on_time"]}
    assert on_time == {world.school_a1.pk: share, world.school_a2.pk: share}


@pytest.mark.parametrize(
    ("status", "has_evidence", "has_link"),
    [
        (status, has_evidence, has_link)
        for status in ("done", "in_progress", "not_started", "postponed", "cancelled")
        for has_evidence in (False, True)
        for has_link in (False, True)
    ],
)
def test_one_query_of_unconfirmed_entries_agrees_with_the_rule(routes, media, status, has_evidence, has_link):
    """ProgressEntry's queryset says «выполнено без подтверждения» for the form page, the index count and the
    submit check, exactly as the pure rule progress.unconfirmed does."""
    form = routes["form_a1"]
    entry = form.entries.get()
    entry.status = status
    entry.evidence_link = "https://disk.example.ru/prikaz" if has_link else ""
    if has_evidence:
        entry.evidence.save("prikaz.pdf", SimpleUploadedFile("prikaz.pdf", PDF), save=False)
    entry.save()
    flagged = progress.unconfirmed(status=status, has_evidence=has_evidence, has_link=has_link)
    assert list(ProgressEntry.objects.unconfirmed()) == ([entry] if flagged else [])
    assert ProgressEntry.objects.with_unconfirmed().get(pk=entry.pk).unconfirmed is flagged
    counted = ProgressForm.objects.with_unconfirmed_count().get(pk=form.pk)
    assert (counted.lines, counted.unconfirmed) == (1, int(flagged))
    assert services.unconfirmed_entries(form) == ([entry] if flagged else [])


# --- a GET writes nothing ---------------------------------------------------------------------------------


def writes(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]


def add_due_line(routes, school, task="Новая строка", status="not_started") -> RouteLine:
    """A line of the school's approved route that becomes due after its form was opened."""
    line = routes["routes"][school.pk].lines.first()
    line.pk = None
    line.position, line.task, line.status = 99, task, status
    line.save()
    return line


def table_counts() -> dict[str, int]:
    return {model._meta.label: model._base_manager.count() for model in django_apps.get_models()}


@pytest.mark.parametrize("role", ["school_admin", "methodist", "head"])
def test_opening_a_form_writes_nothing_even_with_lines_due_since(client, world, routes, role):
    form = routes["form_a1"]
    line = add_due_line(routes, world.school_a1)
    client.force_login(world.users[role])
    before = table_counts()

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("diagnostics:form_detail", args=[form.pk]))
        index = client.get(reverse("diagnostics:forms"))

    assert (response.status_code, index.status_code) == (200, 200)
    assert writes(queries.captured_queries) == []
    assert table_counts() == before
    assert not form.entries.filter(line=line).exists()
    html = response.content.decode()
    if role == "school_admin":
        # The school sees the new line to fill, unsaved: its fields are named after the line.
        assert f'<tr id="line-{line.pk}">' in html
        assert f'name="n{line.pk}-status"' in html
        assert [entry.pk is None for entry, _f in response.context["pairs"]] == [False, True]
    else:
        assert "Новая строка" not in html  # the staff read what the school has reported


def test_saving_creates_the_line_due_since_with_what_was_typed_for_it(client, world, routes):
    form = routes["form_a1"]
    entry = form.entries.get()
    line = add_due_line(routes, world.school_a1)
    client.force_login(world.users["school_admin"])
    page = client.get(reverse("diagnostics:form_detail", args=[form.pk]))
    assert ProgressEntry.objects.filter(form=form).count() == 1

    data = {
        "version": str(form.version),
        "save": "1",
        f"e{entry.pk}-status": "in_progress",
        f"e{entry.pk}-comment": "Идёт",
        f"n{line.pk}-status": "in_progress",
        f"n{line.pk}-comment": "Начато",
    }
    response = client.post(reverse("diagnostics:form_detail", args=[form.pk]), data)

    assert page.status_code == 200 and response.status_code == 302
    created = ProgressEntry.objects.get(form=form, line=line)
    assert (created.status, created.comment) == ("in_progress", "Начато")
    assert ProgressEntry.objects.get(pk=entry.pk).comment == "Идёт"
    # Opened again, the line is an entry like the others.
    html = client.get(reverse("diagnostics:form_detail", args=[form.pk])).content.decode()
    assert f'name="e{created.pk}-status"' in html and f'name="n{line.pk}-status"' not in html


def test_a_line_due_since_and_done_is_sent_without_confirmation_by_its_line(client, world, routes, on_day):
    on_day(after_the_quarter(routes))
    form = routes["form_a1"]
    entry = form.entries.get()
    line = add_due_line(routes, world.school_a1, status="done")
    client.force_login(world.users["school_admin"])
    page = client.get(reverse("diagnostics:form_detail", args=[form.pk]))
    html = page.content.decode()
    assert f'name="unconfirmed_ok" value="n{line.pk}"' in html
    assert "«Выполнено» без документа и ссылки" in html.split(f'<tr id="line-{line.pk}">', 1)[1]

    data = {
        "version": str(form.version),
        "unconfirmed_ok": f"n{line.pk}",
        f"e{entry.pk}-status": "in_progress",
        f"n{line.pk}-status": "done",
        f"n{line.pk}-comment": "Пройдено",
    }
    assert client.post(reverse("diagnostics:form_detail", args=[form.pk]), data).status_code == 302

    form.refresh_from_db()
    assert form.status == FormStatus.SUBMITTED
    assert ProgressEntry.objects.get(form=form, line=line).status == "done"
    assert form.events.order_by("pk").last().comment == "1 строка «выполнено» без документа и ссылки"
