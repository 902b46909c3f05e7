"""Diagnostics pages: who opens what (exact statuses per role), the results table without ranking, results
entry through the service, specific deficits, dynamics, no N+1."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from diagnostics import services
from diagnostics.models import Campaign, CompetenceBlock, DiagnosticResult, SpecificDeficit
from mentoring import services as mentoring
from tests.builders.module import module_fixture
from tests.factories import SchoolFactory, SubjectFactory, TeacherFactory

pytestmark = pytest.mark.django_db

ROLES = ["methodist", "regional_methodist", "head", "school_admin", "mentor", "tutor", "analyst", "nobody"]
BLOCKS = [
    ("subject", "Предметный", Decimal(20)),
    ("methodical", "Методический", Decimal(50)),
    ("digital", "Цифровой", Decimal(100)),
]


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def make_campaign(
    world, *, municipality=None, schools=None, name="Диагностика, январь", start=None, user=None
):
    return services.campaign_create(
        municipality=municipality or world.mun_a,
        name=name,
        instrument="Федеральная платформа диагностики",
        start_date=start or datetime.date(2026, 1, 12),
        end_date=(start or datetime.date(2026, 1, 12)) + datetime.timedelta(days=14),
        schools=schools if schools is not None else [world.school_a1, world.school_a2],
        blocks=BLOCKS,
        user=user or world.users["methodist"],
    )


def block(campaign, code) -> CompetenceBlock:
    return campaign.blocks.get(code=code)


def set_scores(campaign, teacher, world, **scores):
    services.results_set(
        campaign=campaign,
        teacher=teacher,
        scores={block(campaign, code).pk: Decimal(str(value)) for code, value in scores.items()},
        user=world.users["methodist"],
    )


@module_fixture
def diag(world):
    """A campaign of mun_a (schools a1, a2); the tutor has Журавлёва, the mentor is at school a1."""
    methodist = world.users["methodist"]
    maths = SubjectFactory(name="Математика")
    # Names in an order that differs from the scores' order: rows must follow the names, never the scores.
    t1 = TeacherFactory(school=world.school_a1, last_name="Журавлёва", subjects=[maths])
    t2 = TeacherFactory(school=world.school_a1, last_name="Воробьёва", subjects=[maths])
    t3 = TeacherFactory(school=world.school_a2, last_name="Арбузова", subjects=[maths])
    tb = TeacherFactory(school=world.school_b1, last_name="Соловьёва", subjects=[maths])
    order = mentoring.order_create(municipality=world.mun_a, number="7-од", date=days(-30), user=methodist)
    mentoring.mentor_assign(
        order=order,
        school=world.school_a1,
        mentor_user=world.users["mentor"],
        start_date=days(-30),
        user=methodist,
    )
    mentoring.tutor_assign(
        order=order,
        teacher=t1,
        subject=maths,
        tutor=world.users["tutor"],
        start_date=days(-30),
        user=methodist,
    )
    campaign = make_campaign(world)
    set_scores(campaign, t1, world, subject=10, methodical=40, digital="59.96")  # 50 %, 80 %, 60.0 %
    set_scores(campaign, t2, world, subject=18)  # 90 %
    set_scores(campaign, t3, world, subject=4, methodical=10)  # 20 %, 20 %
    deficit = services.specific_deficit_add(
        campaign=campaign, teacher=t1, text="Не применяет цифровые ресурсы на уроках", user=methodist
    )
    other = make_campaign(
        world,
        municipality=world.mun_b,
        schools=[world.school_b1],
        name="Диагностика Тацинского района",
        user=world.users["regional_methodist"],
    )
    services.results_set(
        campaign=other,
        teacher=tb,
        scores={block(other, "subject").pk: Decimal(5)},
        user=world.users["regional_methodist"],
    )
    return {"campaign": campaign, "other": other, "t1": t1, "t2": t2, "t3": t3, "tb": tb, "deficit": deficit}


def statuses_for(client, world, url: str) -> dict[str, int]:
    statuses = {}
    for role in [*ROLES, "superuser"]:
        client.force_login(world.users[role])
        statuses[role] = client.get(url).status_code
    client.logout()
    statuses["anonymous"] = client.get(url).status_code
    return statuses


ALL_200 = dict.fromkeys([*ROLES, "superuser"], 200)


def expect(**overrides) -> dict[str, int]:
    return {**ALL_200, "nobody": 403, "anonymous": 302, **overrides}


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        ("list", expect()),
        (
            "create",
            {
                **dict.fromkeys(ROLES, 403),
                "methodist": 200,
                "regional_methodist": 200,
                "superuser": 200,
                "anonymous": 302,
            },
        ),
        ("detail", expect()),
        # Another municipality's campaign: its region's staff only.
        (
            "detail_other",
            expect(methodist=404, head=404, school_admin=404, mentor=404, tutor=404),
        ),
        # Personal data: the analyst has no use for it (403); the tutor opens their own teacher only.
        ("teacher_t1", expect(analyst=403)),
        ("teacher_t2", expect(analyst=403, tutor=404)),
        ("teacher_t3", expect(analyst=403, tutor=404, mentor=404, school_admin=404)),
        (
            "teacher_other",
            expect(analyst=403, methodist=404, head=404, school_admin=404, mentor=404, tutor=404),
        ),
        ("dynamics", expect(analyst=403)),
    ],
)
def test_who_opens_what(client, world, diag, page, expected):
    campaign, other = diag["campaign"], diag["other"]
    urls = {
        "list": reverse("diagnostics:campaigns"),
        "create": reverse("diagnostics:campaign_create"),
        "detail": reverse("diagnostics:campaign_detail", args=[campaign.pk]),
        "detail_other": reverse("diagnostics:campaign_detail", args=[other.pk]),
        "teacher_t1": reverse("diagnostics:teacher_results", args=[campaign.pk, diag["t1"].pk]),
        "teacher_t2": reverse("diagnostics:teacher_results", args=[campaign.pk, diag["t2"].pk]),
        "teacher_t3": reverse("diagnostics:teacher_results", args=[campaign.pk, diag["t3"].pk]),
        "teacher_other": reverse("diagnostics:teacher_results", args=[other.pk, diag["tb"].pk]),
        "dynamics": reverse("diagnostics:dynamics"),
    }
    assert statuses_for(client, world, urls[page]) == expected


def test_a_teacher_of_another_campaign_is_404_even_for_the_methodist(client, world, diag):
    client.force_login(world.users["regional_methodist"])
    url = reverse("diagnostics:teacher_results", args=[diag["campaign"].pk, diag["tb"].pk])
    assert client.get(url).status_code == 404  # school_b1 does not take part in mun_a's campaign


# --- the list ---------------------------------------------------------------------------------------------


def listed(client, world, role) -> dict[str, tuple[int, int]]:
    client.force_login(world.users[role])
    response = client.get(reverse("diagnostics:campaigns"))
    return {c.name: (c.school_count, c.teacher_count) for c in response.context["page_obj"]}


def test_list_counts_schools_and_the_teachers_each_user_reads(client, world, diag):
    assert listed(client, world, "methodist") == {"Диагностика, январь": (2, 3)}
    assert listed(client, world, "regional_methodist") == {
        "Диагностика, январь": (2, 3),
        "Диагностика Тацинского района": (1, 1),
    }
    assert listed(client, world, "analyst") == listed(client, world, "regional_methodist")
    assert listed(client, world, "school_admin") == {"Диагностика, январь": (2, 2)}  # their school's two
    assert listed(client, world, "mentor") == {"Диагностика, январь": (2, 2)}
    assert listed(client, world, "tutor") == {"Диагностика, январь": (2, 1)}


def test_new_campaign_button_for_methodists_only(client, world, diag):
    client.force_login(world.users["methodist"])
    assert "Новая диагностика" in client.get(reverse("diagnostics:campaigns")).content.decode()
    client.force_login(world.users["head"])
    assert "Новая диагностика" not in client.get(reverse("diagnostics:campaigns")).content.decode()


# --- creating a campaign ----------------------------------------------------------------------------------


def create_data(world, **overrides) -> dict:
    data = {
        "municipality": world.mun_a.pk,
        "name": "Диагностика, август",
        "instrument": "Муниципальная анкета",
        "start_date": "2026-08-20",
        "end_date": "2026-08-31",
        "threshold_percent": "65",
        "schools": [world.school_a1.pk],
        "blocks-TOTAL_FORMS": "8",
        "blocks-INITIAL_FORMS": "8",
        "blocks-MIN_NUM_FORMS": "0",
        "blocks-MAX_NUM_FORMS": "8",
    }
    names = [
        "Предметный",
        "Методический",
        "Психолого-педагогический",
        "Нормативно-правовой",
        "Коммуникативный",
    ]
    names += ["Цифровой", "", ""]
    for n, name in enumerate(names):
        data[f"blocks-{n}-name"] = name
        data[f"blocks-{n}-max_score"] = "100" if name else ""
    data.update(overrides)
    return data


def test_create_form_offers_the_municipalitys_schools_active_ones_checked(client, world):
    SchoolFactory(municipality=world.mun_a, code="sch610009", name="МБОУ «Закрытая СОШ»", is_active=False)
    client.force_login(world.users["methodist"])
    response = client.get(reverse("diagnostics:campaign_create"))
    form = response.context["form"]
    offered = {s.name for s in form.fields["schools"].queryset}
    assert offered == {"МБОУ «Каштановская СОШ»", "МБОУ «Солонецкая СОШ»", "МБОУ «Закрытая СОШ»"}
    assert set(form.fields["schools"].initial) == {world.school_a1.pk, world.school_a2.pk}
    assert form.fields["threshold_percent"].initial == 60
    assert len(response.context["blocks"].forms) == 8


def test_methodist_creates_a_campaign_with_edited_blocks(client, world):
    client.force_login(world.users["methodist"])
    data = create_data(world, **{"blocks-0-max_score": "12,5", "blocks-6-name": "Воспитательный"})
    data["blocks-6-max_score"] = "30"
    data["blocks-4-name"] = ""  # «Коммуникативный» dropped
    response = client.post(reverse("diagnostics:campaign_create"), data)
    campaign = Campaign.objects.get(name="Диагностика, август")
    assert response.status_code == 302
    assert response["Location"] == reverse("diagnostics:campaign_detail", args=[campaign.pk])
    assert campaign.threshold_percent == 65 and campaign.municipality == world.mun_a
    assert list(campaign.schools.all()) == [world.school_a1]
    assert [(b.code, b.name, b.max_score) for b in campaign.blocks.order_by("position")] == [
        ("subject", "Предметный", Decimal("12.5")),
        ("methodical", "Методический", Decimal(100)),
        ("psychological", "Психолого-педагогический", Decimal(100)),
        ("legal", "Нормативно-правовой", Decimal(100)),
        ("digital", "Цифровой", Decimal(100)),
        ("extra1", "Воспитательный", Decimal(30)),
    ]
    assert campaign.created_by == world.users["methodist"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"end_date": "2026-08-01"}, "Диагностика заканчивается раньше, чем начинается."),
        ({"blocks-1-name": "предметный"}, "блоки называются одинаково"),
        ({"blocks-1-name": "ФИО педагога"}, "назовите блок иначе"),
        ({"blocks-0-max_score": "0"}, "Максимальный балл должен быть больше нуля."),
        ({"blocks-0-max_score": ""}, "Укажите максимальный балл блока."),
        ({"threshold_percent": "101"}, "Убедитесь, что это значение меньше либо равно 100."),
        ({"schools": []}, "Отметьте хотя бы одну школу."),
        (
            {f"blocks-{n}-name": "" for n in range(8)},
            "Укажите хотя бы один блок компетенций.",
        ),
    ],
)
def test_create_refuses_bad_input_in_russian_and_saves_nothing(client, world, overrides, message):
    client.force_login(world.users["methodist"])
    response = client.post(reverse("diagnostics:campaign_create"), create_data(world, **overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Campaign.objects.exists()


def test_create_refuses_a_school_of_another_municipality(client, world):
    client.force_login(world.users["methodist"])
    response = client.post(
        reverse("diagnostics:campaign_create"), create_data(world, schools=[world.school_b1.pk])
    )
    assert response.status_code == 200
    assert "Выберите корректный вариант" in response.content.decode()
    assert not Campaign.objects.exists()


def test_regional_methodist_first_chooses_the_municipality(client, world):
    client.force_login(world.users["regional_methodist"])
    url = reverse("diagnostics:campaign_create")
    first = client.get(url)
    assert "choose_form" in first.context and "form" not in first.context
    second = client.get(url, {"municipality": world.mun_b.pk})
    assert {s.pk for s in second.context["form"].fields["schools"].queryset} == {world.school_b1.pk}
    data = create_data(world, municipality=world.mun_b.pk, schools=[world.school_b1.pk])
    response = client.post(f"{url}?municipality={world.mun_b.pk}", data)
    assert response.status_code == 302
    assert Campaign.objects.get().municipality == world.mun_b
    # A municipality outside the methodologist's reach is not offered: the choice page again.
    assert "choose_form" in client.get(url, {"municipality": 999999}).context


# --- the results table ------------------------------------------------------------------------------------


def detail(client, world, role, campaign, **params):
    client.force_login(world.users[role])
    return client.get(reverse("diagnostics:campaign_detail", args=[campaign.pk]), params)


def row_names(response) -> list[str]:
    return [row.teacher.last_name for row in response.context["rows"]]


def test_rows_go_by_school_then_name_never_by_score(client, world, diag):
    response = detail(client, world, "methodist", diag["campaign"])
    # school_a1 «Каштановская» before school_a2 «Солонецкая»; within a school by surname.
    assert row_names(response) == ["Воробьёва", "Журавлёва", "Арбузова"]


def test_cells_are_percent_of_max_with_deficits_highlighted(client, world, diag):
    response = detail(client, world, "methodist", diag["campaign"])
    row = next(r for r in response.context["rows"] if r.teacher == diag["t1"])
    assert [(c.percent, c.deficit) for c in row.cells] == [
        (Decimal("50.0"), True),
        (Decimal("80.0"), False),
        (Decimal("60.0"), True),  # 59.96 is shown rounded as 60.0 but is below the threshold
    ]
    assert row.deficit_count == 3  # «Предметный», «Цифровой» (59.96 %) and the specific one
    html = response.content.decode()
    assert 'title="Балл 10 из 20; дефицит">50,0&nbsp;%' in html
    assert "result-cell--low" in html and "status--shnor" in html
    assert "Не применяет цифровые ресурсы на уроках" in html
    summary = {s.block.code: (s.measured, s.deficits) for s in response.context["summary"]}
    assert summary == {"subject": (3, 2), "methodical": (2, 1), "digital": (1, 1)}  # 59.96 % counts


def test_tutor_sees_only_their_teachers_row(client, world, diag):
    response = detail(client, world, "tutor", diag["campaign"])
    assert row_names(response) == ["Журавлёва"]
    html = response.content.decode()
    assert "Воробьёва" not in html and "Арбузова" not in html
    assert {s.block.code: s.measured for s in response.context["summary"]}["subject"] == 1


@pytest.mark.parametrize("role", ["mentor", "school_admin"])
def test_school_level_readers_see_their_schools_teachers(client, world, diag, role):
    assert row_names(detail(client, world, role, diag["campaign"])) == ["Воробьёва", "Журавлёва"]


def test_analyst_sees_counts_without_names(client, world, diag):
    response = detail(client, world, "analyst", diag["campaign"])
    assert response.context["rows"] == []
    html = response.content.decode()
    for name in ("Журавлёва", "Воробьёва", "Арбузова"):
        assert name not in html
    assert {s.block.code: (s.measured, s.deficits) for s in response.context["summary"]}["subject"] == (3, 2)


def test_school_filter(client, world, diag):
    response = detail(client, world, "methodist", diag["campaign"], school=world.school_a2.pk)
    assert row_names(response) == ["Арбузова"]
    assert [s.pk for s in response.context["schools"]] == [world.school_a1.pk, world.school_a2.pk]


def test_teachers_who_left_stay_when_they_have_results(client, world, diag):
    diag["t3"].is_active = False
    diag["t3"].save()
    gone = TeacherFactory(school=world.school_a2, last_name="Уволенная", is_active=False)
    names = row_names(detail(client, world, "methodist", diag["campaign"]))
    assert "Арбузова" in names and gone.last_name not in names


def test_detail_queries_do_not_grow_with_teachers(client, world, diag, django_assert_num_queries):
    campaign = diag["campaign"]

    def queries() -> int:
        client.force_login(world.users["methodist"])
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("diagnostics:campaign_detail", args=[campaign.pk])).status_code == 200
        return len(captured)

    before = queries()
    for n in range(15):
        teacher = TeacherFactory(school=world.school_a2 if n % 2 else world.school_a1)
        set_scores(campaign, teacher, world, subject=n, methodical=n * 2, digital=n * 5)
        services.specific_deficit_add(
            campaign=campaign, teacher=teacher, text=f"Дефицит {n}", user=world.users["methodist"]
        )
    assert queries() == before
    client.force_login(world.users["methodist"])
    with django_assert_num_queries(14):  # 13 + the header's bell (notifications)
        client.get(reverse("diagnostics:campaign_detail", args=[campaign.pk]))
    client.force_login(world.users["tutor"])
    with django_assert_num_queries(14):  # 13 + the header's bell (notifications)
        client.get(reverse("diagnostics:campaign_detail", args=[campaign.pk]))


# --- a teacher's results ----------------------------------------------------------------------------------


def results_url(diag, teacher="t1") -> str:
    return reverse("diagnostics:teacher_results", args=[diag["campaign"].pk, diag[teacher].pk])


def score_data(campaign, **scores) -> dict:
    data = {"action": "scores"}
    for b in campaign.blocks.all():
        data[f"block_{b.pk}"] = scores.get(b.code, "")
    return data


def stored(campaign, teacher) -> dict[str, Decimal]:
    return {
        r.block.code: r.score
        for r in DiagnosticResult.objects.filter(campaign=campaign, teacher=teacher).select_related("block")
    }


def test_results_form_shows_stored_scores_the_russian_way(client, world, diag):
    client.force_login(world.users["methodist"])
    response = client.get(results_url(diag))
    form = response.context["scores_form"]
    campaign = diag["campaign"]
    assert form[f"block_{block(campaign, 'digital').pk}"].value() == "59,96"
    html = response.content.decode()
    assert 'value="59,96"' in html and 'value="10"' in html


def test_methodist_saves_scores_with_comma_decimals(client, world, diag):
    client.force_login(world.users["methodist"])
    campaign = diag["campaign"]
    response = client.post(
        results_url(diag, "t2"), score_data(campaign, subject="12,5", methodical=" 40 ", digital="")
    )
    assert response.status_code == 302
    assert stored(campaign, diag["t2"]) == {"subject": Decimal("12.5"), "methodical": Decimal(40)}
    # An emptied field removes the stored score.
    client.post(results_url(diag, "t2"), score_data(campaign, methodical="40"))
    assert stored(campaign, diag["t2"]) == {"methodical": Decimal(40)}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("25", "Балл 25 больше максимума блока (20.00)."),
        ("-1", "Балл не может быть отрицательным."),
        ("двенадцать", "Введите число, например 12,5."),
        ("12,555", "Не больше двух знаков после запятой."),
    ],
)
def test_a_bad_score_is_refused_in_russian_and_nothing_is_saved(client, world, diag, value, message):
    client.force_login(world.users["methodist"])
    campaign = diag["campaign"]
    before = stored(campaign, diag["t1"])
    response = client.post(
        results_url(diag), score_data(campaign, subject=value, methodical="1", digital="2")
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert stored(campaign, diag["t1"]) == before


@pytest.mark.parametrize("role", ["head", "school_admin", "mentor", "tutor"])
def test_readers_cannot_write(client, world, diag, role):
    client.force_login(world.users[role])
    campaign = diag["campaign"]
    page = client.get(results_url(diag))
    assert page.status_code == 200 and "Сохранить баллы" not in page.content.decode()
    assert client.post(results_url(diag), score_data(campaign, subject="1")).status_code == 403
    assert client.post(results_url(diag), {"action": "deficit", "text": "Что-то"}).status_code == 403
    delete = reverse("diagnostics:specific_deficit_delete", args=[campaign.pk, diag["deficit"].pk])
    assert client.post(delete).status_code == 403
    assert stored(campaign, diag["t1"])["subject"] == Decimal(10)
    assert SpecificDeficit.objects.count() == 1


def test_computed_deficits_are_shown_with_percents(client, world, diag):
    client.force_login(world.users["head"])
    response = client.get(results_url(diag))
    assert [(d.code, d.percent) for d in response.context["deficits"]] == [
        ("subject", Decimal("50.0")),
        ("digital", Decimal("60.0")),  # 59.96 %: below the threshold, shown rounded
    ]
    assert "Предметный: 50,0 % при пороге 60 %" in response.content.decode()


@pytest.mark.parametrize(
    ("role", "shown"), [("methodist", True), ("tutor", True), ("head", False), ("school_admin", False)]
)
def test_route_link_for_those_who_write_routes(client, world, diag, role, shown):
    client.force_login(world.users[role])
    html = client.get(results_url(diag)).content.decode()
    link = reverse("diagnostics:route_create", args=[diag["t1"].pk]) + f"?campaign={diag['campaign'].pk}"
    assert ("Составить ИОМ" in html) is shown
    assert (link in html) is shown


def test_no_route_link_without_deficits(client, world, diag):
    client.force_login(world.users["methodist"])
    html = client.get(results_url(diag, "t2")).content.decode()  # 90 %: nothing to build a route from
    assert "Составить ИОМ" not in html and "составлять ИОМ не из чего" in html


def test_specific_deficits_add_and_delete(client, world, diag):
    client.force_login(world.users["methodist"])
    campaign = diag["campaign"]
    response = client.post(
        results_url(diag, "t2"), {"action": "deficit", "text": "  Не ведёт проектную деятельность "}
    )
    assert response.status_code == 302
    added = SpecificDeficit.objects.get(teacher=diag["t2"])
    assert added.text == "Не ведёт проектную деятельность" and added.added_by == world.users["methodist"]
    assert "Не ведёт проектную деятельность" in client.get(results_url(diag, "t2")).content.decode()
    empty = client.post(results_url(diag, "t2"), {"action": "deficit", "text": ""})
    assert empty.status_code == 200 and "Обязательное поле." in empty.content.decode()
    response = client.post(reverse("diagnostics:specific_deficit_delete", args=[campaign.pk, added.pk]))
    assert response.status_code == 302 and response["Location"].startswith(results_url(diag, "t2"))
    assert not SpecificDeficit.objects.filter(pk=added.pk).exists()
    # Through another campaign's URL, or a GET: not found / not allowed.
    wrong = reverse("diagnostics:specific_deficit_delete", args=[diag["other"].pk, diag["deficit"].pk])
    assert client.post(wrong).status_code == 404
    assert (
        client.get(
            reverse("diagnostics:specific_deficit_delete", args=[campaign.pk, diag["deficit"].pk])
        ).status_code
        == 405
    )


# --- dynamics ---------------------------------------------------------------------------------------------


@pytest.fixture
def august(world, diag):
    campaign = make_campaign(world, name="Диагностика, август", start=datetime.date(2026, 8, 20))
    set_scores(
        campaign, diag["t1"], world, subject=16, methodical=40
    )  # 80 % (+30), 80 % (=), digital unknown
    set_scores(campaign, diag["t2"], world, subject=14)  # 70 % (−20)
    return campaign


def test_dynamics_per_teacher_per_block(client, world, diag, august):
    client.force_login(world.users["methodist"])
    response = client.get(reverse("diagnostics:dynamics"), {"a": diag["campaign"].pk, "b": august.pk})
    assert [c.code for c in response.context["columns"]] == ["subject", "methodical", "digital"]
    rows = {row.teacher.last_name: row.cells for row in response.context["page_obj"]}
    assert list(rows) == ["Воробьёва", "Журавлёва", "Арбузова"]  # by school and name
    t1 = [(c.before, c.after, c.trend) if c else None for c in rows["Журавлёва"]]
    assert t1 == [
        (Decimal("50.0"), Decimal("80.0"), "up"),
        (Decimal("80.0"), Decimal("80.0"), "same"),
        (Decimal("60.0"), None, "unknown"),
    ]
    assert rows["Воробьёва"][0].change == Decimal("-20.0") and rows["Воробьёва"][1] is None
    counts = {c.column.code: (c.up, c.down, c.same) for c in response.context["counts"]}
    # Арбузова has no August score: her blocks count nowhere.
    assert counts == {"subject": (1, 1, 0), "methodical": (0, 0, 1), "digital": (0, 0, 0)}
    html = response.content.decode()
    assert "↑ +30,0" in html and "↓ -20,0" in html


def test_dynamics_defaults_to_the_two_latest_and_shows_visible_teachers_only(client, world, diag, august):
    client.force_login(world.users["tutor"])
    response = client.get(reverse("diagnostics:dynamics"))
    assert response.context["before"] == diag["campaign"] and response.context["after"] == august
    assert [row.teacher.last_name for row in response.context["page_obj"]] == ["Журавлёва"]
    assert "Воробьёва" not in response.content.decode()


def test_dynamics_refuses_the_same_campaign_twice_and_unknown_ones(client, world, diag, august):
    client.force_login(world.users["methodist"])
    url = reverse("diagnostics:dynamics")
    same = client.get(url, {"a": august.pk, "b": august.pk})
    assert "Выберите две разные диагностики." in same.content.decode() and "columns" not in same.context
    hidden = client.get(url, {"a": diag["other"].pk, "b": august.pk})  # mun_b's campaign: not the methodist's
    assert hidden.status_code == 200 and "columns" not in hidden.context


def test_dynamics_school_filter(client, world, diag, august):
    client.force_login(world.users["methodist"])
    response = client.get(
        reverse("diagnostics:dynamics"),
        {"a": diag["campaign"].pk, "b": august.pk, "school": world.school_a2.pk},
    )
    assert [row.teacher.last_name for row in response.context["page_obj"]] == ["Арбузова"]


def test_dynamics_from_a_campaign_page_compares_with_the_one_before(client, world, diag, august):
    client.force_login(world.users["methodist"])
    response = client.get(reverse("diagnostics:dynamics"), {"b": august.pk})
    assert response.context["before"] == diag["campaign"] and response.context["after"] == august
