"""Every filter of every API list refuses a value of the wrong type with 400 naming the parameter (issue #17,
item 5): ``?school=0.5`` answered 200 with an empty list, ``?is_active=yes`` answered every row."""

import django_filters
import pytest
from django.core.exceptions import ImproperlyConfigured

from api import filters
from api.urls import router
from tests.api.test_core_api import assert_error, auth, make_key

pytestmark = pytest.mark.django_db

# A value of the wrong type for each kind of filter the lists use; a CharFilter takes any text.
WRONG = {
    filters.IntegerFilter: "0.5",
    filters.BooleanFilter: "да",
    django_filters.DateFilter: "2026-02-30",
    django_filters.ChoiceFilter: "нет-такого",
}


def wrong_value(declared) -> str | None:
    for kind, value in WRONG.items():
        if isinstance(declared, kind):
            return value
    assert type(declared) is django_filters.CharFilter, f"no wrong value known for {type(declared).__name__}"
    return None


def typed_filters():
    """(list, parameter, a wrong value) for every filter of every list but the text ones."""
    for prefix, viewset, _basename in router.registry:
        filterset = getattr(viewset, "filterset_class", None)
        for name, declared in filterset.base_filters.items() if filterset else ():
            if (value := wrong_value(declared)) is not None:
                yield pytest.param(prefix, name, value, id=f"{prefix}?{name}")


def test_every_list_filters_through_the_strict_filter_sets():
    with_filters = [
        viewset for _p, viewset, _b in router.registry if getattr(viewset, "filterset_class", None)
    ]
    assert len(with_filters) >= 14
    assert all(issubclass(viewset.filterset_class, filters.ApiFilterSet) for viewset in with_filters)


@pytest.mark.parametrize(("prefix", "name", "value"), list(typed_filters()))
def test_a_filter_value_of_the_wrong_type_is_400_naming_the_parameter(client, world, prefix, name, value):
    _obj, raw = make_key(world)
    body = assert_error(client.get(f"/api/v1/{prefix}/", {name: value}, **auth(raw)), 400, "invalid")
    assert list(body["details"]) == [name]
    assert body["details"][name][0][0].isupper()  # a sentence in Russian (assert_error checks the message)


def test_the_filters_of_the_issue(client, world):
    _obj, raw = make_key(world)
    for url, name, text in [
        ("/api/v1/results/?school=0.5", "school", "Введите целое число."),
        ("/api/v1/results/?year=0.5", "year", "Введите целое число."),
        ("/api/v1/schools/?municipality=abc", "municipality", "Введите целое число."),
        ("/api/v1/schools/?is_active=yes", "is_active", "Ожидается true или false."),
        ("/api/v1/indicators/?year=0.5", "year", "Ожидается год, например 2026."),
    ]:
        body = assert_error(client.get(url, **auth(raw)), 400, "invalid")
        assert body["details"] == {name: [text]}, url


def test_integer_and_boolean_filters_still_filter(client, world):
    _obj, raw = make_key(world)
    world.school_a2.is_active = False
    world.school_a2.save(update_fields=["is_active"])
    for value in ("false", "False", "0"):
        response = client.get("/api/v1/schools/", {"is_active": value}, **auth(raw))
        assert [row["code"] for row in response.json()["results"]] == [world.school_a2.code], value
    response = client.get("/api/v1/schools/", {"municipality": world.mun_b.pk, "is_active": "1"}, **auth(raw))
    assert [row["code"] for row in response.json()["results"]] == [world.school_b1.code]
    response = client.get("/api/v1/schools/", {"is_active": ""}, **auth(raw))  # empty: no filter
    assert len(response.json()["results"]) == 3


def test_a_loose_filter_cannot_be_declared():
    with pytest.raises(ImproperlyConfigured, match="school: NumberFilter"):

        class Loose(filters.ApiFilterSet):
            school = django_filters.NumberFilter()


def test_the_schema_describes_id_filters_as_integers(client, world):
    client.force_login(world.users["methodist"])
    schema = client.get("/api/v1/schema/?format=json").json()
    parameters = {p["name"]: p["schema"] for p in schema["paths"]["/api/v1/results/"]["get"]["parameters"]}
    assert parameters["school"]["type"] == "integer"
    assert parameters["year"]["type"] == "integer"
    parameters = {p["name"]: p["schema"] for p in schema["paths"]["/api/v1/schools/"]["get"]["parameters"]}
    assert parameters["is_active"]["type"] == "boolean"
