"""api.rows: the list pages read as plain values print exactly what the serializer prints, field for field, on
every endpoint that uses them; a field that cannot be read as a column stops the endpoint at its first use."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import resolve, reverse
from django.utils import timezone
from rest_framework import serializers

from api.base import SyncViewSet
from api.rows import ValueRows
from schools.flags import flags_recompute
from schools.models import Municipality, Result, School
from tests.api.test_core_api import auth, make_key
from tests.api.test_scope_walk import api_routes
from tests.schools.test_flags import add

pytestmark = pytest.mark.django_db


def rows_viewsets() -> dict[str, type]:
    """The list routes of /api/v1/ whose viewset reads its pages with ValueRows: address -> viewset class."""
    found = {}
    for name in api_routes("-list"):
        path = reverse(name)
        cls = getattr(resolve(path).func, "cls", None)
        if cls is not None and issubclass(cls, SyncViewSet) and cls.rows is not None:
            found[path] = cls
    return found


@pytest.fixture
def varied(world):
    """Rows with every kind of value the formats differ on: nulls, decimals, zero participants, JSON, times."""
    add(world.school_a1, "ОГЭ", "математика", 9, 2025, 40, 100)
    add(world.school_a1, "ОГЭ", "русский язык", 9, 2025, 35, 100)
    add(world.school_a2, "ВПР", "математика", 5, 2025, 0, 0)  # no participants: failed_share is null
    small = add(world.school_b1, "ЕГЭ", "математика", 11, 2025, 3, 12)
    Result.objects.filter(pk=small.pk).update(mean_score=Decimal("41.5"), marks_4=4)
    flags_recompute(list_year=2026)
    School.objects.filter(pk=world.school_a2.pk).update(short_name="", address="ул. Мира, 1")
    Municipality.objects.filter(pk=world.mun_b.pk).update(
        updated_at=datetime.datetime(2026, 1, 1, 0, 0, tzinfo=datetime.UTC)  # UTC midnight: «Z» vs «+00:00»
    )
    return world


def test_every_rows_endpoint_is_found():
    assert {cls.__name__ for cls in rows_viewsets().values()} == {
        "MunicipalityViewSet",
        "SchoolViewSet",
        "ProcedureViewSet",
        "ResultViewSet",
        "FlagDecisionViewSet",
    }


@pytest.mark.parametrize("personal", [False, True])
def test_rows_equal_the_serializer_on_every_endpoint(client, varied, personal):
    _key, raw = make_key(varied, personal_data=personal)
    checked = 0
    for route in rows_viewsets():
        response = client.get(f"{route}?page_size=1000", **auth(raw))
        assert response.status_code == 200, (route, response.content)
        listed = response.json()["results"]
        assert listed, route
        for row in listed:
            detail = client.get(f"{route}{row['id']}/", **auth(raw))
            assert detail.status_code == 200, (route, detail.content)
            assert row == detail.json(), route  # the detail is DRF's serializer, object by object
            checked += 1
    # The key's region: 3 schools, 2 municipalities, 4 procedures, 4 results, 3 decisions.
    assert checked == 3 + 2 + 4 + 4 + 3


def test_times_are_written_in_the_portal_time_zone(client, varied):
    _key, raw = make_key(varied)
    rows = client.get("/api/v1/municipalities/", **auth(raw)).json()["results"]
    moment = next(row["updated_at"] for row in rows if row["id"] == varied.mun_b.pk)
    assert moment == "2026-01-01T03:00:00+03:00"  # Europe/Moscow, as DRF prints it


def test_a_page_of_results_reads_no_model_objects(client, varied, django_assert_num_queries):
    _key, raw = make_key(varied)
    # The key (with whether it names municipalities — a region's key needs no second query — and the address's
    # failures for the lockout check), the page, the call log: nothing per row.
    with django_assert_num_queries(3):
        response = client.get("/api/v1/results/?page_size=1000", **auth(raw))
    shares = {row["school_code"]: row["failed_share"] for row in response.json()["results"]}
    assert shares[varied.school_a2.code] is None
    assert shares[varied.school_b1.code] == 25.0


# --- ValueRows on its own -----------------------------------------------------------------------------------


class WithProperty(serializers.ModelSerializer):
    class Meta:
        model = Result
        fields = ["id", "failed_share"]


class WithMethod(serializers.ModelSerializer):
    extra = serializers.SerializerMethodField()

    class Meta:
        model = School
        fields = ["id", "extra"]

    def get_extra(self, school) -> int:
        return 1


def test_a_property_must_be_given_as_computed():
    with pytest.raises(ImproperlyConfigured, match="failed_share"):
        ValueRows(WithProperty).paths  # noqa: B018 - compiling is the point


def test_a_method_field_must_be_given_as_computed():
    with pytest.raises(ImproperlyConfigured, match="extra"):
        ValueRows(WithMethod).paths  # noqa: B018


def test_a_computed_field_left_to_the_view_must_be_filled():
    rows = ValueRows(WithMethod, computed={"extra": None})
    with pytest.raises(ImproperlyConfigured, match="fill"):
        rows.format([{"pk": 1, "id": 1}])
    assert rows.format([{"pk": 1, "id": 1}], {"extra": lambda row: row["id"] * 2}) == [{"id": 1, "extra": 2}]


def test_computed_names_must_be_fields():
    with pytest.raises(ImproperlyConfigured, match="nonexistent"):
        ValueRows(WithMethod, computed={"extra": None, "nonexistent": None}).paths  # noqa: B018


def test_nested_serializer_reads_through_the_foreign_key():
    from api.serializers import ResultSerializer

    paths = ValueRows(ResultSerializer, computed={"failed_share": None, "small_sample": None}).paths
    assert {"procedure__kind__code", "procedure__subject__name", "school__code", "school"} <= set(paths)
    assert paths[0] == "pk"  # the cursor's position


def test_null_is_printed_without_asking_the_field():
    class Decimals(serializers.ModelSerializer):
        class Meta:
            model = Result
            fields = ["id", "mean_score", "updated_at"]

    now = timezone.now()
    rows = ValueRows(Decimals).format(
        [
            {"pk": 1, "id": 1, "mean_score": None, "updated_at": now},
            {"pk": 2, "id": 2, "mean_score": Decimal("4.5"), "updated_at": None},
        ]
    )
    assert rows[0]["mean_score"] is None and rows[1]["updated_at"] is None
    assert rows[1]["mean_score"] == "4.50"
    assert rows[0]["updated_at"] == serializers.DateTimeField().to_representation(now)
