"""Each event of issue #20 §2, from the service where it happens: the notification in the portal and the e-mail
(Django's outbox) reach exactly the people it concerns, decided by the existing policies and role assignments."""

import datetime
import io

import pytest
from django.utils import timezone

from core.imports import import_batch_abandon, import_batch_apply, import_batch_create, import_batch_store
from core.roles import Role
from diagnostics import services as diagnostics
from diagnostics.models import FormStatus, ProgressForm
from mentoring import services as mentoring
from notifications import catalogue
from notifications.models import Notification
from reports import services as reports
from reports.models import Report, ReportKind, ReportStatus
from roadmaps import services as roadmaps
from roadmaps.models import Roadmap, RoadmapItem
from schools.flags import flags_recompute
from tests.builders.schools import add
from tests.factories import SubjectFactory, TeacherFactory, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def mailed(world):
    """Every person of the world has an e-mail (username@example.org)."""
    for user in world.users.values():
        user.email = f"{user.username}@example.org"
        user.save(update_fields=["email"])
    return world


def told(event: str) -> list[tuple[str, str]]:
    """(recipient, subject) of every notification of ``event``, by recipient."""
    return sorted(
        Notification.objects.filter(event=event).values_list("recipient__username", "subject"),
    )


def mail(mailoutbox) -> list[tuple[str, str]]:
    return sorted((message.to[0].split("@")[0], message.subject) for message in mailoutbox)


# --- quarterly forms: returned / accepted (diagnostics.services.progress_form_review) ---------------------------


@pytest.fixture
def submitted(mailed):
    world = mailed
    user_with_role(Role.SCHOOL_ADMIN, world.school_a1, username="deputy", email="deputy@example.org")
    user_with_role(Role.SCHOOL_ADMIN, world.school_a2, username="a2_admin", email="a2_admin@example.org")
    return ProgressForm.objects.create(
        school=world.school_a1,
        year=2030,
        quarter=4,
        status=FormStatus.SUBMITTED,
        deadline=datetime.date(2031, 1, 10),
        submitted_at=timezone.now(),
    )


def test_a_returned_form_tells_its_school_admins(
    submitted, mailed, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        diagnostics.progress_form_review(
            form=submitted, user=mailed.users["methodist"], accept=False, comment="Приложите приказ"
        )
    subject = "Квартальная форма школы «МБОУ «Каштановская СОШ»» за 4 квартал 2030 г. возвращена на доработку"
    assert told(catalogue.FORM_RETURNED) == [("deputy", subject), ("school_admin", subject)]
    assert mail(mailoutbox) == [("deputy", subject), ("school_admin", subject)]
    assert "Замечания: Приложите приказ" in mailoutbox[0].body
    assert f"/diagnostics/forms/{submitted.pk}/" in mailoutbox[0].body


def test_an_accepted_form_goes_to_the_digest(
    submitted, mailed, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        diagnostics.progress_form_review(form=submitted, user=mailed.users["methodist"], accept=True)
    subject = "Квартальная форма школы «МБОУ «Каштановская СОШ»» за 4 квартал 2030 г. принята"
    assert told(catalogue.FORM_ACCEPTED) == [("deputy", subject), ("school_admin", subject)]
    assert mailoutbox == []  # the daily digest by default
    from notifications.services import notification_digests_send

    assert notification_digests_send() == 2
    assert mail(mailoutbox) == [
        ("deputy", "Портал ШНОР: 1 уведомление за день"),
        ("school_admin", "Портал ШНОР: 1 уведомление за день"),
    ]


# --- справки: ready / returned / signed (reports.services) ----------------------------------------------------


@pytest.fixture
def report(mailed):
    world = mailed
    # a head of another municipality, and one of the region: the policy decides who approves mun_a's report
    user_with_role(Role.HEAD, world.mun_b, username="head_b", email="head_b@example.org")
    user_with_role(Role.HEAD, world.region, username="head_region", email="head_region@example.org")
    return Report.objects.create(
        kind=ReportKind.TERRITORY,
        region=world.region,
        municipality=world.mun_a,
        year=2026,
        version=1,
        status=ReportStatus.READY,
        requested_by=world.users["methodist"],
    )


def test_a_built_report_tells_the_methodist_and_the_heads_who_sign_it(
    mailed, media, signing_settings, mailoutbox, django_capture_on_commit_callbacks
):
    user_with_role(Role.HEAD, mailed.mun_b, username="head_b", email="head_b@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        report = reports.report_request(
            user=mailed.users["methodist"],
            kind=ReportKind.TERRITORY,
            year=2026,
            municipality_id=mailed.mun_a.pk,
        )
    report.refresh_from_db()
    assert report.status == ReportStatus.READY
    subject = f"Справка готова: {report}"
    assert told(catalogue.REPORT_READY) == [("head", subject), ("methodist", subject)]
    assert mail(mailoutbox) == [("head", subject), ("methodist", subject)]
    by_whom = {message.to[0]: message.body for message in mailoutbox}
    assert "Она ждёт вашего утверждения и подписи." in by_whom["head@example.org"]
    assert "передать руководителю на подпись" in by_whom["methodist@example.org"]


def test_a_returned_report_tells_the_methodist_who_ordered_it(
    report, mailed, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        reports.report_return(user=mailed.users["head"], report=report, comment="Добавьте выводы")
    subject = f"Справка возвращена: {report}"
    assert told(catalogue.REPORT_RETURNED) == [("methodist", subject)]
    assert mail(mailoutbox) == [("methodist", subject)]
    assert "Замечания: Добавьте выводы" in mailoutbox[0].body


def test_a_signed_report_tells_the_methodist_who_ordered_it(
    report, mailed, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        reports.mark_signed(
            report,
            mailed.users["head"],
            timezone.now(),
            name="Петров П. П.",
            position="Начальник",
            organization="УО",
        )
        reports.mark_signed(  # a second call (a retried request) tells nobody again
            report,
            mailed.users["head"],
            timezone.now(),
            name="Петров П. П.",
            position="Начальник",
            organization="УО",
        )
    subject = f"Справка подписана: {report}"
    assert told(catalogue.REPORT_SIGNED) == [("methodist", subject)]
    assert mail(mailoutbox) == [("methodist", subject)]
    assert "утверждена и подписана: Петров П. П." in mailoutbox[0].body


# --- imports: finished / failed (core.imports, through its listener registry) --------------------------------


SCHOOLS_CSV = "Код ОО;Наименование;Муниципалитет\nsch610009;МБОУ «Новая СОШ»;Обливский район\n".encode()


def test_an_applied_import_tells_its_uploader(mailed, media, mailoutbox, django_capture_on_commit_callbacks):
    methodist = mailed.users["methodist"]
    with django_capture_on_commit_callbacks(execute=True):
        batch = import_batch_create(
            kind="schools",
            file=io.BytesIO(SCHOOLS_CSV),
            name="школы.csv",
            region=mailed.region,
            user=methodist,
        )
        assert told(catalogue.IMPORT_FINISHED) == []  # checked, not yet loaded
        batch = import_batch_apply(batch=batch, user=methodist)
    assert batch.status == "applied"
    assert told(catalogue.IMPORT_FINISHED) == [("methodist", "Файл «школы.csv» загружен")]
    assert mailoutbox == []  # the digest by default
    notification = Notification.objects.get(event=catalogue.IMPORT_FINISHED)
    assert notification.url == f"/imports/{batch.pk}/"
    assert notification.body == "Файл «школы.csv» (реестр школ) загружен: добавлено 1, обновлено 0."


def test_a_failed_import_tells_its_uploader_at_once(
    mailed, media, mailoutbox, django_capture_on_commit_callbacks
):
    methodist = mailed.users["methodist"]
    batch = import_batch_store(
        kind="schools", file=io.BytesIO(SCHOOLS_CSV), name="школы.csv", region=mailed.region, user=methodist
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert import_batch_abandon(batch_id=batch.pk, message="Обработчик остановился.") is True
        assert import_batch_abandon(batch_id=batch.pk, message="Обработчик остановился.") is False
    subject = "Файл «школы.csv» не загружен: сбой загрузки"
    assert told(catalogue.IMPORT_FAILED) == [("methodist", subject)]
    assert mail(mailoutbox) == [("methodist", subject)]


# --- orders: a mentor or a tutor assigned (mentoring.services) -----------------------------------------------


def test_an_order_tells_the_mentor_and_the_tutor_it_assigns(
    mailed, mailoutbox, django_capture_on_commit_callbacks
):
    world = mailed
    methodist = world.users["methodist"]
    today = timezone.localdate()
    math = SubjectFactory(name="Математика")
    teacher = TeacherFactory(school=world.school_a1, last_name="Иванова", first_name="Анна", subjects=[math])
    mentor_school_admin = user_with_role(
        Role.SCHOOL_ADMIN, world.school_a2, username="a2_admin", email="a2_admin@example.org"
    )
    with django_capture_on_commit_callbacks(execute=True):
        order = mentoring.order_create(municipality=world.mun_a, number="7-о", date=today, user=methodist)
        mentoring.mentor_assign(
            order=order,
            school=world.school_a1,
            mentor_user=world.users["mentor"],
            start_date=today,
            user=methodist,
        )
        mentoring.mentor_assign(
            order=order,
            school=world.school_a1,
            mentor_school=world.school_a2,
            start_date=today,
            user=methodist,
        )
        mentoring.tutor_assign(
            order=order,
            teacher=teacher,
            subject=math,
            tutor=world.users["tutor"],
            start_date=today,
            user=methodist,
        )
    head = f"Назначение ({order}): "
    expected = [
        ("a2_admin", f"{head}школа «{world.school_a2}» — наставник школы «{world.school_a1}»"),
        ("mentor", f"{head}наставник школы «{world.school_a1}»"),
        (
            "tutor",
            f"{head}тьютор педагога {teacher.short_name} по предмету «Математика» (школа «{world.school_a1}»)",
        ),
    ]
    assert told(catalogue.ORDER_ASSIGNED) == expected
    assert mail(mailoutbox) == expected
    assert mentor_school_admin.notifications.get().url == "/mentoring/my/"


# --- a new ШНОР list for my territory (schools.flags.flags_recompute) -----------------------------------------


def test_a_new_list_tells_the_staff_of_its_territory_once(
    mailed, mailoutbox, django_capture_on_commit_callbacks
):
    world = mailed
    user_with_role(Role.METHODIST, world.mun_b, username="methodist_b", email="methodist_b@example.org")
    user_with_role(Role.METHODIST, world.other_region, username="other", email="other@example.org")
    add(world.school_a1, "ОГЭ", "математика", 9, 2021, 27, 50)
    add(world.school_a1, "ОГЭ", "русский язык", 9, 2021, 31, 100)
    add(world.school_a2, "ОГЭ", "математика", 9, 2021, 40, 100)
    with django_capture_on_commit_callbacks(execute=True):
        flags_recompute(list_year=2022)
        flags_recompute(list_year=2022)  # the same list again: nobody is told twice
    region = "Перечень ШНОР 2022 года пересчитан: Ростовская область"
    municipality = (
        "Перечень ШНОР 2022 года пересчитан: Обливский район"  # «my territory»: what the roles name
    )
    # school_a1 (Обливский район) is ШНОР: its municipality's and the region's staff; not Тацинский район's
    # methodist (no ШНОР in their territory), not another region's, not the school's own admin.
    assert told(catalogue.LIST_COMPUTED) == [
        ("analyst", region),
        ("head", municipality),
        ("methodist", municipality),
        ("regional_methodist", region),
    ]
    assert mailoutbox == []  # the digest by default
    body = Notification.objects.get(event=catalogue.LIST_COMPUTED, recipient=world.users["methodist"]).body
    assert body == (
        "Статусы ШНОР 2022 года по территории «Обливский район» пересчитаны: 1 школа ШНОР.\n\n"
        "Проверьте перечень на портале, раздел «Статусы ШНОР»."
    )


# --- a roadmap item due in 5 days (roadmaps.services.roadmap_items_due_notify, beat) ----------------------------


def test_an_item_due_in_5_days_tells_who_marks_its_progress(
    mailed, mailoutbox, django_capture_on_commit_callbacks
):
    world = mailed
    today = datetime.date(2026, 12, 7)
    due = today + datetime.timedelta(days=5)
    responsible = user_with_role(Role.MENTOR, None, username="named", email="named@example.org")
    school_map = Roadmap.objects.create(
        municipality=world.mun_a,
        school=world.school_a1,
        title="Антирисковая программа",
        period_start=datetime.date(2026, 1, 1),
        period_end=datetime.date(2026, 12, 31),
    )
    municipal = Roadmap.objects.create(
        municipality=world.mun_a,
        title="Дорожная карта района",
        period_start=datetime.date(2026, 1, 1),
        period_end=due,
    )
    item = RoadmapItem.objects.create(
        roadmap=school_map, number="1.2", activity="Семинар для учителей", end_date=due
    )
    item.responsible_users.add(responsible)
    RoadmapItem.objects.create(roadmap=municipal, number="3", activity="Мониторинг", all_year=True)
    RoadmapItem.objects.create(
        roadmap=school_map, number="1.3", activity="Позже", end_date=due + datetime.timedelta(days=1)
    )
    RoadmapItem.objects.create(
        roadmap=school_map,
        number="1.4",
        activity="Выполнено",
        end_date=due,
        status="done",
        completed_on=today,
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert roadmaps.roadmap_items_due_notify(today=today) == 2
        assert roadmaps.roadmap_items_due_notify(today=today) == 0
    first = "Через 5 дней, 12.12.2026, срок пункта 1.2 дорожной карты «Антирисковая программа»"
    second = "Через 5 дней, 12.12.2026, срок пункта 3 дорожной карты «Дорожная карта района»"
    # the school's roadmap: the person named and the school's admin; the municipal one names nobody: its methodist
    # (of the municipality: the regional methodist is not asked about every municipality's items).
    expected = [("methodist", second), ("named", first), ("school_admin", first)]
    assert told(catalogue.ROADMAP_ITEM_DUE) == expected
    assert mail(mailoutbox) == expected
