"""School pages: each role sees exactly its scope; filters, search, paging; edits pass the write gate."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from schools.models import School, SchoolType
from tests.factories import MunicipalityFactory, SchoolFactory

pytestmark = pytest.mark.django_db

ALL_CODES = {"sch610001", "sch610002", "sch610101", "sch230001"}
# What each user of the ``world`` fixture must see in the list, exactly.
VISIBLE_CODES = {
    "methodist": {"sch610001", "sch610002"},
    "regional_methodist": {"sch610001", "sch610002", "sch610101"},
    "head": {"sch610001", "sch610002"},
    "school_admin": {"sch610001"},
    "analyst": {"sch610001", "sch610002", "sch610101"},
    "mentor": set(),
    "tutor": set(),
    "superuser": ALL_CODES,
    "nobody": set(),
}
# Who may open the edit page of which school (the write gate: methodists and superusers only).
EDITABLE_CODES = {
    "methodist": {"sch610001", "sch610002"},
    "regional_methodist": {"sch610001", "sch610002", "sch610101"},
    "head": set(),
    "school_admin": set(),
    "analyst": set(),
    "mentor": set(),
    "tutor": set(),
    "superuser": ALL_CODES,
    "nobody": set(),
}

CODE_CELL = re.compile(r'<td class="nowrap"><a href="/schools/\d+/">([^<]+)</a></td>')


def listed_codes(response) -> set[str]:
    return set(CODE_CELL.findall(response.content.decode()))


def listed_codes_in_order(response) -> list[str]:
    return CODE_CELL.findall(response.content.decode())


def school_by_code(code: str) -> School:
    return School.objects.get(code=code)


def as_user(client, world, name):
    client.force_login(world.users[name])
    return client


# --- anonymous ----------------------------------------------------------------------------------


@pytest.mark.parametrize("url_name", ["schools:list", "schools:detail", "schools:edit"])
def test_anonymous_is_sent_to_login(client, world, url_name):
    kwargs = {} if url_name == "schools:list" else {"pk": world.school_a1.pk}
    url = reverse(url_name, kwargs=kwargs)

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


# --- the list: exactly the scope ----------------------------------------------------------------


@pytest.mark.parametrize("user_name", sorted(VISIBLE_CODES))
def test_list_shows_exactly_the_users_scope(client, world, user_name):
    response = as_user(client, world, user_name).get(reverse("schools:list"))

    assert response.status_code == 200
    assert listed_codes(response) == VISIBLE_CODES[user_name]
    assert f"Найдено школ: <strong>{len(VISIBLE_CODES[user_name])}</strong>" in response.content.decode()


def test_list_without_schools_explains_why(client, world):
    response = as_user(client, world, "mentor").get(reverse("schools:list"))

    assert "Вам пока не доступна ни одна школа." in response.content.decode()


def test_list_columns(client, world):
    School.objects.filter(pk=world.school_a2.pk).update(
        director="Петров Пётр Петрович", shnsu=True, shnsu_reason="Удалённость", is_active=False
    )

    response = as_user(client, world, "methodist").get(reverse("schools:list"))

    html = response.content.decode()
    for heading in ("Код ОО", "Наименование", "Муниципалитет", "Тип", "Директор", "ШНСУ", "Действующая"):
        assert f'<th scope="col">{heading}</th>' in html
    row = html[html.index("sch610002") :].split("</tr>")[0]
    assert "МБОУ «Солонецкая СОШ»" in row
    assert "Обливский район" in row
    assert "<td>СОШ</td>" in row
    assert "Петров Пётр Петрович" in row
    assert '<span class="badge badge--warning">ШНСУ</span>' in row
    assert '<span class="badge">нет</span>' in row


# --- the card -----------------------------------------------------------------------------------


@pytest.mark.parametrize("user_name", sorted(VISIBLE_CODES))
@pytest.mark.parametrize("code", sorted(ALL_CODES))
def test_card_opens_only_inside_scope(client, world, user_name, code):
    response = as_user(client, world, user_name).get(
        reverse("schools:detail", args=[school_by_code(code).pk])
    )

    expected = 200 if code in VISIBLE_CODES[user_name] else 404
    assert response.status_code == expected


def test_card_of_unknown_id_is_404(client, world):
    response = as_user(client, world, "superuser").get(reverse("schools:detail", args=[10**9]))

    assert response.status_code == 404
    assert "Страница не найдена" in response.content.decode()


def test_card_shows_all_fields_and_the_shnsu_block(client, world):
    School.objects.filter(pk=world.school_a1.pk).update(
        director="Сидорова Анна Ивановна",
        address="ст. Обливская, ул. Ленина, 1",
        phone="+7 863 000-00-00",
        email="school@example.ru",
        website="https://school.example.ru",
        shnsu=True,
        shnsu_reason="Высокая доля семей в трудной жизненной ситуации",
        low_income_share=Decimal("35.50"),
        ovz_share=Decimal("4"),
        is_rural=True,
    )

    response = as_user(client, world, "head").get(reverse("schools:detail", args=[world.school_a1.pk]))

    html = response.content.decode()
    for text in (
        "sch610001",
        "МБОУ «Каштановская СОШ»",
        "Средняя общеобразовательная школа (СОШ)",
        "Обливский район",
        "Ростовская область",
        "Сидорова Анна Ивановна",
        "ст. Обливская, ул. Ленина, 1",
        "+7 863 000-00-00",
        'href="mailto:school@example.ru"',
        'href="https://school.example.ru"',
        "Контекст: сложные социальные условия (ШНСУ)",
        "Высокая доля семей в трудной жизненной ситуации",
        "35,50 %",
        "4 %",
    ):
        assert text in html, text
    assert "<dt>Доля обучающихся, для которых русский язык не родной</dt>\n      <dd>не указана</dd>" in html
    assert "<dt>Сельская школа</dt><dd>да</dd>" in html


@pytest.mark.parametrize("user_name", ["methodist", "regional_methodist", "superuser"])
def test_card_has_edit_link_for_editors(client, world, user_name):
    response = as_user(client, world, user_name).get(reverse("schools:detail", args=[world.school_a1.pk]))

    assert reverse("schools:edit", args=[world.school_a1.pk]) in response.content.decode()
    assert "Изменить" in response.content.decode()


@pytest.mark.parametrize("user_name", ["head", "school_admin", "analyst"])
def test_card_has_no_edit_link_for_readers(client, world, user_name):
    response = as_user(client, world, user_name).get(reverse("schools:detail", args=[world.school_a1.pk]))

    assert response.status_code == 200
    assert reverse("schools:edit", args=[world.school_a1.pk]) not in response.content.decode()
    assert "Изменить" not in response.content.decode()


# --- edit ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("user_name", sorted(EDITABLE_CODES))
@pytest.mark.parametrize("code", sorted(ALL_CODES))
def test_edit_opens_only_through_the_write_gate(client, world, user_name, code):
    response = as_user(client, world, user_name).get(reverse("schools:edit", args=[school_by_code(code).pk]))

    expected = 200 if code in EDITABLE_CODES[user_name] else 404
    assert response.status_code == expected


@pytest.mark.parametrize("user_name", ["head", "school_admin", "analyst"])
def test_post_by_a_reader_changes_nothing(client, world, user_name):
    response = as_user(client, world, user_name).post(
        reverse("schools:edit", args=[world.school_a1.pk]), edit_data(world.school_a1, director="Взломщик")
    )

    assert response.status_code == 404
    assert school_by_code("sch610001").director == ""


def edit_data(school: School, **changes) -> dict:
    data = {
        "short_name": school.short_name,
        "school_type": school.school_type,
        "address": school.address,
        "director": school.director,
        "phone": school.phone,
        "email": school.email,
        "website": school.website,
        "is_active": "on" if school.is_active else "",
        "shnsu": "on" if school.shnsu else "",
        "shnsu_reason": school.shnsu_reason,
        "low_income_share": "",
        "ovz_share": "",
        "non_native_russian_share": "",
        "is_rural": "unknown",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value != "" or key not in {"is_active", "shnsu"}}


def test_methodist_edits_contacts_and_context(client, world):
    school = world.school_a1
    before = school_by_code("sch610001").updated_at

    response = as_user(client, world, "methodist").post(
        reverse("schools:edit", args=[school.pk]),
        edit_data(
            school,
            director="Новикова Ольга Сергеевна",
            phone="8 (86396) 2-11-11",
            shnsu="on",
            shnsu_reason="Сельская местность, удалённость от районного центра",
            low_income_share="42,5",
            ovz_share="3.25",
            is_rural="true",
            school_type=SchoolType.OOSH,
        ),
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("schools:detail", args=[school.pk])
    saved = school_by_code("sch610001")
    assert saved.director == "Новикова Ольга Сергеевна"
    assert saved.phone == "8 (86396) 2-11-11"
    assert saved.shnsu is True
    assert saved.shnsu_reason == "Сельская местность, удалённость от районного центра"
    assert saved.low_income_share == Decimal("42.50")
    assert saved.ovz_share == Decimal("3.25")
    assert saved.non_native_russian_share is None
    assert saved.is_rural is True
    assert saved.school_type == SchoolType.OOSH
    assert saved.updated_at > before
    # Registry fields are not on the form and stay as they were.
    assert (saved.code, saved.name, saved.municipality_id) == (
        "sch610001",
        school.name,
        school.municipality_id,
    )
    page = client.get(response["Location"]).content.decode()
    assert "Сведения о школе сохранены." in page


def test_website_without_scheme_gets_https(client, world):
    as_user(client, world, "methodist").post(
        reverse("schools:edit", args=[world.school_a1.pk]),
        edit_data(world.school_a1, website="school.example.ru"),
    )

    assert school_by_code("sch610001").website == "https://school.example.ru"


def test_unchanged_form_saves_nothing(client, world):
    before = school_by_code("sch610001").updated_at

    response = as_user(client, world, "methodist").post(
        reverse("schools:edit", args=[world.school_a1.pk]), edit_data(world.school_a1)
    )

    assert response.status_code == 302
    assert school_by_code("sch610001").updated_at == before


def test_edit_form_shows_current_values_russian_style(client, world):
    School.objects.filter(pk=world.school_a1.pk).update(low_income_share=Decimal("12.50"), is_rural=False)

    html = (
        as_user(client, world, "methodist")
        .get(reverse("schools:edit", args=[world.school_a1.pk]))
        .content.decode()
    )

    assert 'name="low_income_share" value="12,50"' in html
    assert '<option value="false" selected>Нет</option>' in html


def test_shnsu_without_reason_is_a_russian_error_on_the_field(client, world):
    response = as_user(client, world, "methodist").post(
        reverse("schools:edit", args=[world.school_a1.pk]),
        edit_data(world.school_a1, shnsu="on", shnsu_reason="  ", director="Кто-то"),
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors == {"shnsu_reason": ["Для ШНСУ укажите основание отнесения к ШНСУ."]}
    assert "Сведения не сохранены: исправьте отмеченные поля." in response.content.decode()
    saved = school_by_code("sch610001")
    assert (saved.shnsu, saved.director) == (False, "")


def test_invalid_values_give_russian_errors(client, world):
    response = as_user(client, world, "methodist").post(
        reverse("schools:edit", args=[world.school_a1.pk]),
        edit_data(world.school_a1, email="не почта", low_income_share="120", website="нет сайта"),
    )

    errors = response.context["form"].errors
    assert errors["email"] == ["Введите правильный адрес электронной почты."]
    assert errors["website"] == ["Введите правильный URL."]
    assert errors["low_income_share"] == ["Убедитесь, что это значение меньше либо равно 100."]


# --- filters, search, pagination ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"q": "sch61000"}, {"sch610001", "sch610002"}),
        ({"q": "солонецкая"}, {"sch610002"}),
        ({"q": "Гаврилов"}, {"sch610101"}),
        ({"q": "ул. Садовая"}, {"sch610001"}),
        ({"q": "нет такой школы"}, set()),
        ({"school_type": SchoolType.LYCEUM}, {"sch610101"}),
        ({"is_active": "false"}, {"sch610002"}),
        ({"is_active": "true"}, {"sch610001", "sch610101"}),
        ({"shnsu": "true"}, {"sch610101"}),
        ({"shnsu": "false"}, {"sch610001", "sch610002"}),
        ({"shnsu": "false", "is_active": "true"}, {"sch610001"}),
        ({"q": "", "school_type": "", "is_active": "", "shnsu": ""}, {"sch610001", "sch610002", "sch610101"}),
    ],
)
def test_filters_and_search(client, world, query, expected):
    School.objects.filter(pk=world.school_a1.pk).update(address="ст. Обливская, ул. Садовая, 5")
    School.objects.filter(pk=world.school_a2.pk).update(is_active=False)
    School.objects.filter(pk=world.school_b1.pk).update(
        director="Гаврилов Иван Ильич", school_type=SchoolType.LYCEUM, shnsu=True, shnsu_reason="Удалённость"
    )

    response = as_user(client, world, "analyst").get(reverse("schools:list"), query)

    assert listed_codes(response) == expected


def test_search_never_leaves_the_scope(client, world):
    response = as_user(client, world, "methodist").get(reverse("schools:list"), {"q": "sch"})

    assert listed_codes(response) == {"sch610001", "sch610002"}


def test_municipality_filter(client, world):
    response = as_user(client, world, "analyst").get(
        reverse("schools:list"), {"municipality": world.mun_b.pk}
    )

    assert listed_codes(response) == {"sch610101"}


def test_municipality_choices_are_limited_to_the_scope(client, world):
    response = as_user(client, world, "methodist").get(reverse("schools:list"))

    choices = [str(label) for _, label in response.context["filter"].form.fields["municipality"].choices]
    assert choices == ["Все муниципалитеты", "Обливский район"]
    assert "Тацинский район" not in response.content.decode()


def test_municipality_outside_the_scope_does_not_widen_it(client, world):
    response = as_user(client, world, "methodist").get(
        reverse("schools:list"), {"municipality": world.mun_b.pk}
    )

    assert listed_codes(response) <= VISIBLE_CODES["methodist"]
    assert "sch610101" not in response.content.decode()


@pytest.fixture
def many_schools(world):
    """120 schools in municipality A besides the two of the world, named so their order is known."""
    for n in range(120):
        SchoolFactory(municipality=world.mun_a, code=f"bulk{n:03d}", name=f"Школа {n:03d}", short_name="")


def test_pagination_is_fifty_per_page_and_keeps_the_filters(client, world, many_schools):
    client = as_user(client, world, "methodist")

    first = client.get(reverse("schools:list"), {"q": "Школа", "is_active": "true"})
    third = client.get(reverse("schools:list"), {"q": "Школа", "is_active": "true", "page": 3})

    assert listed_codes_in_order(first) == [f"bulk{n:03d}" for n in range(50)]
    assert listed_codes_in_order(third) == [f"bulk{n:03d}" for n in range(100, 120)]
    html = first.content.decode()
    assert "Найдено школ: <strong>120</strong>, страница 1 из 3" in html
    assert 'href="?q=%D0%A8%D0%BA%D0%BE%D0%BB%D0%B0&amp;is_active=true&amp;page=2" rel="next"' in html
    assert 'href="?q=%D0%A8%D0%BA%D0%BE%D0%BB%D0%B0&amp;is_active=true&amp;page=3">Последняя' in html


def test_page_out_of_range_shows_the_last_page(client, world, many_schools):
    response = as_user(client, world, "methodist").get(reverse("schools:list"), {"page": 99})

    assert response.context["page_obj"].number == 3


def test_list_query_count_does_not_grow_with_the_number_of_schools(client, world, django_assert_num_queries):
    client = as_user(client, world, "analyst")
    url = reverse("schools:list")
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    # session, user, grants, header roles (+1 per role), count, municipality choices, page rows
    assert len(few.captured_queries) <= 10
    for n in range(40):
        municipality = world.mun_b if n % 2 else MunicipalityFactory(region=world.region)
        SchoolFactory(
            municipality=municipality, shnsu=n % 3 == 0, shnsu_reason="Удалённость" if n % 3 == 0 else ""
        )

    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(url)

    assert len(listed_codes(response)) == 43


def test_card_query_count_is_small(client, world, django_assert_num_queries):
    client = as_user(client, world, "methodist")

    # 10 for the registry, results and statuses; 6 for teachers and mentoring (mentors, partnerships and
    # their partners, the log, who may add teachers or log). tests/mentoring checks they do not grow with rows.
    # #19: 1 for the context per year (no context: no comparable schools' count), 1 for the identifiers, 1 for
    # the ВПР protocols' details of the results.
    with django_assert_num_queries(20):  # 19 + the header's bell (notifications)
        client.get(reverse("schools:detail", args=[world.school_a1.pk]))
