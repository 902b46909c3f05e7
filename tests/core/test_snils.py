"""The СНИЛС rule (core/snils.py): the ПФР's check number, table-tested at every branch."""

import pytest
from django.core.exceptions import ValidationError

from core.models import User
from core.snils import snils_check_number, snils_display, snils_normalise, snils_problem

BAD_FORMAT = "СНИЛС — 11 цифр, например 112-233-445 95."
BAD_CHECK = "Контрольное число СНИЛС не сходится: проверьте номер."


@pytest.mark.parametrize(
    ("number", "weighted_sum", "check"),
    [
        ("112233445", 95, 95),  # the sum below 100 is the check number
        ("001239570", 99, 99),  # just below 100
        ("001326679", 100, 0),  # 100 → 00
        ("001508816", 101, 0),  # 101 → 00
        ("001437545", 102, 1),  # above 101: modulo 101
        ("017996174", 201, 0),  # the remainder 100 → 00
        ("479974796", 305, 2),
    ],
)
def test_check_number(number, weighted_sum, check):
    assert sum(int(d) * w for d, w in zip(number, range(9, 0, -1), strict=True)) == weighted_sum
    assert snils_check_number(number) == check


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("11223344595", None),
        ("00132667900", None),
        ("01799617400", None),
        ("47997479602", None),
        ("11223344596", BAD_CHECK),
        ("47997479600", BAD_CHECK),
        ("00100199800", None),  # 001-001-998 and below are not checked («больше номера 001-001-998»)
        ("00100199999", BAD_CHECK),  # 001-001-999: the first checked number
        ("1122334459", BAD_FORMAT),  # ten digits
        ("112233445950", BAD_FORMAT),
        ("112-233-445 95", BAD_FORMAT),  # normalise first
        ("1122334459а", BAD_FORMAT),
        ("１１２２３３４４５９５", BAD_FORMAT),  # full-width digits are digits to Python, not to the rule
    ],
)
def test_problem(value, problem):
    assert snils_problem(value) == problem


@pytest.mark.parametrize(
    ("typed", "normalised"),
    [("112-233-445 95", "11223344595"), (" 112 233 445 95 ", "11223344595"), ("", ""), ("abc", "abc")],
)
def test_normalise(typed, normalised):
    assert snils_normalise(typed) == normalised


def test_display():
    assert snils_display("11223344595") == "112-233-445 95"
    assert snils_display("") == ""


@pytest.mark.django_db
def test_the_model_refuses_a_wrong_snils_and_keeps_a_blank_one():
    user = User(username="head", snils="11223344596")
    user.set_password("x-Secret-42")
    with pytest.raises(ValidationError) as error:
        user.full_clean()
    assert error.value.message_dict == {"snils": [BAD_CHECK]}
    user.snils = ""
    user.full_clean()


@pytest.mark.django_db
def test_admin_stores_the_digits(admin_client):
    head = User.objects.create_user(username="head", password="x-Secret-42", last_name="Кузнецова")
    page = admin_client.get(f"/admin/core/user/{head.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update({"snils": "112-233-445 95", "role_assignments-TOTAL_FORMS": "0"})
    data.update(
        {"role_assignments-INITIAL_FORMS": "0", "date_joined_0": "07.12.2026", "date_joined_1": "10:00:00"}
    )
    data.pop("password", None)
    data.pop("groups", None)
    data.pop("user_permissions", None)
    data.pop("date_joined", None)
    data.pop("last_login", None)
    response = admin_client.post(f"/admin/core/user/{head.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    head.refresh_from_db()
    assert head.snils == "11223344595"
