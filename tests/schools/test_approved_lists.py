import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.errors import ApplicationError
from schools.flags import flags_recompute
from schools.models import ApprovedList, ApprovedListEntry, ApprovedListEvent
from schools.selectors import approved_list_comparison
from schools.services import (
    ListPreview,
    approved_list_create,
    approved_list_preview,
    approved_list_set_inclusion,
)
from tests.builders.schools import add

pytestmark = pytest.mark.django_db
ORDER_DATE = datetime.date(2022, 3, 1)


@pytest.fixture
def computed(world):
    add(world.school_a1, "ОГЭ", "математика", 9, 2021, 27, 50)
    add(world.school_a1, "ОГЭ", "русский язык", 9, 2021, 31, 100)
    add(world.school_a2, "ОГЭ", "математика", 9, 2021, 40, 100)
    flags_recompute(list_year=2022)
    return world


def create(world, user="methodist"):
    return approved_list_create(
        municipality=world.mun_a,
        list_year=2022,
        order_number=" 45-о ",
        order_date=ORDER_DATE,
        user=world.users[user],
    )


def test_list_starts_as_the_computed_one(computed):
    approved = create(computed)
    entries = {
        e.school.code: (e.computed_status, e.included) for e in approved.entries.select_related("school")
    }
    assert entries == {"sch610001": ("shnor", True), "sch610002": ("risk", False)}
    assert approved.order_number == "45-о"
    event = ApprovedListEvent.objects.get(approved_list=approved)
    assert (event.action, event.user, event.reason) == (
        "created",
        computed.users["methodist"],
        "Приказ № 45-о от 01.03.2022",
    )


def test_override_needs_a_reason_and_is_audited(computed):
    approved = create(computed)
    with pytest.raises(ValidationError, match="Укажите основание включения в перечень"):
        approved_list_set_inclusion(
            approved_list=approved,
            school=computed.school_a2,
            included=True,
            reason=" ",
            user=computed.users["methodist"],
        )
    approved_list_set_inclusion(
        approved_list=approved,
        school=computed.school_a2,
        included=True,
        reason="Согласовано с региональным центром",
        user=computed.users["methodist"],
    )
    approved_list_set_inclusion(
        approved_list=approved,
        school=computed.school_a1,
        included=False,
        reason="Смена администрации, положительная динамика ВПР",
        user=computed.users["methodist"],
    )
    rows = {
        row["school"].code: (row["computed_status"], row["included"], row["override"])
        for row in approved_list_comparison(approved)
    }
    assert rows == {"sch610001": ("shnor", False, True), "sch610002": ("risk", True, True)}
    actions = list(
        ApprovedListEvent.objects.filter(approved_list=approved)
        .order_by("pk")
        .values_list("action", "school__code", "reason")
    )
    assert actions[1:] == [
        ("included", "sch610002", "Согласовано с региональным центром"),
        ("excluded", "sch610001", "Смена администрации, положительная динамика ВПР"),
    ]


def test_returning_to_computed_needs_no_reason(computed):
    approved = create(computed)
    approved_list_set_inclusion(
        approved_list=approved,
        school=computed.school_a2,
        included=True,
        reason="Решение",
        user=computed.users["methodist"],
    )
    approved_list_set_inclusion(
        approved_list=approved,
        school=computed.school_a2,
        included=False,
        reason="",
        user=computed.users["methodist"],
    )
    assert not ApprovedListEntry.objects.get(approved_list=approved, school=computed.school_a2).is_override


@pytest.mark.parametrize("who", ["head", "school_admin", "analyst", "nobody", "mentor"])
def test_only_methodists_of_the_municipality_approve(computed, who):
    with pytest.raises(PermissionDenied):
        create(computed, user=who)


def test_methodist_of_another_municipality_cannot_change(computed):
    from tests.factories import user_with_role

    approved = create(computed)
    other = user_with_role("methodist", computed.mun_b)
    with pytest.raises(PermissionDenied):
        approved_list_set_inclusion(
            approved_list=approved, school=computed.school_a2, included=True, reason="x", user=other
        )


def test_one_list_per_year_and_only_after_computation(computed):
    create(computed)
    with pytest.raises(ApplicationError, match="уже создан"):
        create(computed)
    with pytest.raises(ApplicationError, match="ещё нет расчётных статусов"):
        approved_list_create(
            municipality=computed.mun_a,
            list_year=2030,
            order_number="1",
            order_date=ORDER_DATE,
            user=computed.users["methodist"],
        )


# --- the preview the confirmation step shows (issue #20 §3) --------------------------------------------------------


def test_the_preview_counts_what_the_list_will_start_with_and_writes_nothing(computed):
    preview = approved_list_preview(
        municipality=computed.mun_a, list_year=2022, user=computed.users["methodist"]
    )
    assert preview == ListPreview(schools=2, included=1, no_data=0)
    assert not ApprovedList.objects.exists()
    approved = create(computed)
    assert approved.entries.filter(included=True).count() == preview.included
    assert approved.entries.count() == preview.schools


def test_the_preview_refuses_as_the_creation_does(computed):
    with pytest.raises(ApplicationError, match="ещё нет расчётных статусов"):
        approved_list_preview(municipality=computed.mun_a, list_year=2030, user=computed.users["methodist"])
    with pytest.raises(PermissionDenied):
        approved_list_preview(municipality=computed.mun_a, list_year=2022, user=computed.users["head"])
    create(computed)
    with pytest.raises(ApplicationError, match="уже создан"):
        approved_list_preview(municipality=computed.mun_a, list_year=2022, user=computed.users["methodist"])
