"""The ВПР conversion scales' pages (#19 §3.4): the list shows every scale to those with a role; a region-wide
methodologist adds and edits one, through the importer's own bound check (scale_problem)."""

import importlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from schools.models import VprScale
from schools.services_vpr_scales import vpr_scale_save

pytestmark = pytest.mark.django_db

SEEDED = importlib.import_module("schools.migrations.0016_vpr_scales").SCALES
COLUMNS = ("year", "subject", "grade", "three_from", "four_from", "five_from", "max_score", "source")
MATHS_5 = {"year": 2021, "subject": "Математика", "grade": 5}
ORDER = "Границы шкалы должны возрастать: 0 < «3» (7) < «4» (6) < «5» (15) ≤ максимального балла (20)."


def form_data(**changes) -> dict:
    data = {"year": 2021, "subject": "Математика", "grade": 5, "three_from": 7, "four_from": 11}
    return data | {"five_from": 15, "max_score": 20, "source": ""} | changes


def stored(pk: int) -> tuple:
    return VprScale.objects.filter(pk=pk).values_list(*COLUMNS, "subject_key").get()


def client_of(client, world, role):
    client.force_login(world.users[role])
    return client


def test_the_list_shows_the_seeded_scales_exactly(client, world):
    response = client_of(client, world, "school_admin").get(reverse("schools:vpr_scales"))
    assert response.status_code == 200
    rows = [tuple(getattr(s, c) for c in COLUMNS) for s in response.context["page_obj"].object_list]
    assert len(rows) == 33
    assert sorted(rows) == sorted(SEEDED)
    assert [row[:3] for row in rows[:3]] == [
        (2021, "Математика", 4),
        (2021, "Окружающий мир", 4),
        (2021, "Русский язык", 4),
    ]
    assert "Найдено шкал: <strong>33</strong>" in response.content.decode()
    # A reader sees no edit link nor the upload.
    assert reverse("schools:vpr_scale_create") not in response.content.decode()


def test_the_list_filters_by_year_subject_and_grade(client, world):
    url = reverse("schools:vpr_scales")
    reader = client_of(client, world, "methodist")
    by_grade = reader.get(url, {"year": 2021, "grade": 11}).context["page_obj"].object_list
    assert [(s.subject, s.three_from) for s in by_grade] == [
        ("Биология", 11),
        ("География", 7),
        ("История", 7),
        ("Физика", 9),
        ("Химия", 11),
    ]
    by_subject = reader.get(url, {"subject": "матем"}).context["page_obj"].object_list
    assert [s.grade for s in by_subject] == [4, 5, 6, 7, 8]
    assert list(reader.get(url, {"year": 2022}).context["page_obj"].object_list) == []
    # Garbage in the query is no crash: a bad number filters nothing, one out of range finds nothing.
    assert reader.get(url, {"year": "две тысячи"}).context["page_obj"].paginator.count == 33
    assert reader.get(url, {"grade": "99999999999999999999"}).context["page_obj"].paginator.count == 0


def test_a_regional_methodologist_sees_the_upload_and_edits_a_scale(client, world):
    scale = VprScale.objects.get(year=2021, subject_key="математика", grade=5)
    writer = client_of(client, world, "regional_methodist")
    page = writer.get(reverse("schools:vpr_scales")).content.decode()
    assert reverse("imports:new", kwargs={"kind": "vpr_scales"}) in page
    assert reverse("imports:template", kwargs={"kind": "vpr_scales"}) in page
    assert reverse("schools:vpr_scale_edit", kwargs={"pk": scale.pk}) in page

    url = reverse("schools:vpr_scale_edit", kwargs={"pk": scale.pk})
    assert writer.get(url).context["form"].initial["four_from"] == 11
    response = writer.post(url, form_data(four_from=12, five_from=16, source="  ФИОКО, таблица 5 "))
    assert response.status_code == 302
    assert response["Location"] == reverse("schools:vpr_scales") + "?year=2021"
    assert stored(scale.pk) == (2021, "Математика", 5, 7, 12, 16, 20, "ФИОКО, таблица 5", "математика")
    assert VprScale.objects.count() == 33


def test_a_regional_methodologist_adds_a_scale(client, world):
    writer = client_of(client, world, "regional_methodist")
    response = writer.post(
        reverse("schools:vpr_scale_create"),
        form_data(
            year=2022,
            subject="  Русский   язык ",
            grade=4,
            three_from=14,
            four_from=24,
            five_from=33,
            max_score=38,
        ),
    )
    assert response.status_code == 302
    added = VprScale.objects.get(year=2022)
    assert stored(added.pk) == (2022, "Русский язык", 4, 14, 24, 33, 38, "", "русский язык")
    assert VprScale.objects.count() == 34


@pytest.mark.parametrize("role", ["methodist", "school_admin", "head", "nobody"])
def test_others_may_not_edit(client, world, role):
    scale = VprScale.objects.get(year=2021, subject_key="математика", grade=5)
    before = stored(scale.pk)
    other = client_of(client, world, role)
    url = reverse("schools:vpr_scale_edit", kwargs={"pk": scale.pk})
    assert other.get(url).status_code == 403
    assert other.post(url, form_data(four_from=12)).status_code == 403
    assert other.post(reverse("schools:vpr_scale_create"), form_data(year=2023)).status_code == 403
    assert stored(scale.pk) == before
    assert VprScale.objects.count() == 33
    with pytest.raises(PermissionDenied, match="Менять шкалы перевода ВПР может только методист региона."):
        vpr_scale_save(scale=scale, data=form_data(four_from=12), user=world.users[role])


def test_a_bad_scale_is_refused_with_the_reason_and_nothing_changes(client, world):
    scale = VprScale.objects.get(year=2021, subject_key="математика", grade=5)
    before = stored(scale.pk)
    writer = client_of(client, world, "regional_methodist")
    response = writer.post(reverse("schools:vpr_scale_edit", kwargs={"pk": scale.pk}), form_data(four_from=6))
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [ORDER]
    assert "Шкала не сохранена" in response.content.decode()
    assert stored(scale.pk) == before

    response = writer.post(reverse("schools:vpr_scale_create"), form_data(year=2023, five_from=21))
    assert response.context["form"].non_field_errors() == [
        "Границы шкалы должны возрастать: 0 < «3» (7) < «4» (11) < «5» (21) ≤ максимального балла (20)."
    ]
    assert VprScale.objects.count() == 33


def test_a_second_scale_of_the_same_work_is_refused(world):
    with pytest.raises(ValidationError) as refused:
        vpr_scale_save(
            scale=None, data=form_data(subject="математика "), user=world.users["regional_methodist"]
        )
    assert refused.value.messages == [
        "Шкала ВПР 2021 года для 5 класса по предмету «Математика» уже есть: измените её."
    ]
    assert VprScale.objects.count() == 33
