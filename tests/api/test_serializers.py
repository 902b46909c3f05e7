"""The lists of /api/v1/ as clients read them: DRF's serializers print every row exactly as the detail of the same
object, in the same fields, order and formats as before the plain path (issue #18 §4: the values-based second
path api/rows.py is gone, the JSON is unchanged); a page costs a fixed number of queries, whatever its rows."""

import datetime
from decimal import Decimal

import pytest
from django.urls import resolve, reverse
from rest_framework import serializers

from api import serializers as api_serializers
from api.base import SyncViewSet
from schools.flags import flags_recompute
from schools.models import FlagDecision, Municipality, Procedure, Result, School
from tests.api.test_core_api import auth, make_key
from tests.api.test_scope_walk import api_routes
from tests.builders.schools import add

pytestmark = pytest.mark.django_db

MOMENT = datetime.datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=datetime.UTC)
MOMENT_TEXT = "2026-03-01T12:30:15.123456+03:00"  # Europe/Moscow, as DRF prints it


def sync_viewsets() -> dict[str, type]:
    """The list routes of /api/v1/ served by a SyncViewSet: address -> viewset class."""
    found = {}
    for name in api_routes("-list"):
        path = reverse(name)
        cls = getattr(resolve(path).func, "cls", None)
        if cls is not None and issubclass(cls, SyncViewSet):
            found[path] = cls
    return found


@pytest.fixture
def varied(world):
    """Rows with every kind of value the formats differ on: nulls, decimals, zero participants, JSON, times."""
    add(world.school_a1, "ОГЭ", "математика", 9, 2025, 40, 100)
    add(world.school_a1, "ОГЭ", "русский язык", 9, 2025, 35, 100)
    add(world.school_a2, "ВПР", "математика", 5, 2025, 0, 0)  # no participants: failed_share is null
    small = add(world.school_b1, "ЕГЭ", "математика", 11, 2025, 3, 12)
    add(world.school_b1, "ЕГЭ", "математика", 11, 2024, 1, 12)  # so the list year 2025 exists too
    Result.objects.filter(pk=small.pk).update(mean_score=Decimal("41.5"), marks_4=4, updated_at=MOMENT)
    flags_recompute(list_year=2025)
    flags_recompute(list_year=2026)
    School.objects.filter(pk=world.school_a2.pk).update(short_name="", address="ул. Мира, 1")
    School.objects.filter(pk=world.school_b1.pk).update(updated_at=MOMENT)
    Municipality.objects.filter(pk=world.mun_b.pk).update(
        updated_at=datetime.datetime(2026, 1, 1, 0, 0, tzinfo=datetime.UTC)  # UTC midnight: «Z» vs «+00:00»
    )
    varied = world
    varied.small = small
    return varied


def test_every_synced_list_is_checked():
    assert {cls.__name__ for cls in sync_viewsets().values()} >= {
        "MunicipalityViewSet",
        "SchoolViewSet",
        "ProcedureViewSet",
        "ResultViewSet",
        "FlagDecisionViewSet",
        "ApprovedListViewSet",
    }


@pytest.mark.parametrize("personal", [False, True])
def test_a_list_row_equals_the_detail_on_every_endpoint(client, varied, personal):
    _key, raw = make_key(varied, personal_data=personal)
    checked = 0
    for route in [
        "/api/v1/municipalities/",
        "/api/v1/schools/",
        "/api/v1/procedures/",
        "/api/v1/results/",
        "/api/v1/flags/",
    ]:
        response = client.get(f"{route}?page_size=1000", **auth(raw))
        assert response.status_code == 200, (route, response.content)
        listed = response.json()["results"]
        assert listed, route
        for row in listed:
            detail = client.get(f"{route}{row['id']}/", **auth(raw))
            assert detail.status_code == 200, (route, detail.content)
            assert row == detail.json(), route
            assert list(row) == list(detail.json()), route  # the same order of fields
            checked += 1
    # The key's region: 2 municipalities, 3 schools, 5 procedures, 5 results, 3 decisions a list year.
    assert checked == 2 + 3 + 5 + 5 + 3 * 2


def test_a_result_row_is_printed_as_before(client, varied):
    _key, raw = make_key(varied)
    rows = client.get("/api/v1/results/", **auth(raw)).json()["results"]
    small = varied.small
    row = next(row for row in rows if row["id"] == small.pk)
    assert list(row.items()) == [
        ("id", small.pk),
        ("school", varied.school_b1.pk),
        ("school_code", varied.school_b1.code),
        (
            "procedure",
            {"id": small.procedure_id, "kind": "ЕГЭ", "subject": "математика", "grade": 11, "year": 2025},
        ),
        ("participants", 12),
        ("failed", 3),
        ("marks_3", None),
        ("marks_4", 4),
        ("marks_5", None),
        ("mean_score", "41.50"),  # a decimal as a string, two places
        ("failed_share", 25.0),
        ("small_sample", True),
        ("updated_at", MOMENT_TEXT),
    ]
    empty = next(row for row in rows if row["school"] == varied.school_a2.pk)
    assert (empty["failed_share"], empty["small_sample"], empty["mean_score"]) == (None, True, None)


def test_a_school_row_is_printed_as_before(client, varied):
    _key, raw = make_key(varied)
    rows = client.get("/api/v1/schools/", **auth(raw)).json()["results"]
    school = School.objects.get(pk=varied.school_b1.pk)
    row = next(row for row in rows if row["id"] == school.pk)
    decisions = FlagDecision.objects.filter(school=school).order_by("-list_year")
    assert [d.list_year for d in decisions] == [2026, 2025]
    assert list(row.items()) == [
        ("id", school.pk),
        ("code", school.code),
        ("name", school.name),
        ("short_name", school.short_name),
        ("school_type", school.school_type),
        ("municipality", school.municipality_id),
        ("municipality_name", school.municipality.name),
        ("address", school.address),
        ("is_active", school.is_active),
        ("shnsu", school.shnsu),
        ("is_rural", school.is_rural),
        (
            "statuses",
            [{"list_year": d.list_year, "status": d.status, "criteria": d.criteria} for d in decisions],
        ),
        ("updated_at", MOMENT_TEXT),
    ]
    assert all(isinstance(status["status"], str) for status in row["statuses"])


def test_times_are_written_in_the_portal_time_zone(client, varied):
    _key, raw = make_key(varied)
    rows = client.get("/api/v1/municipalities/", **auth(raw)).json()["results"]
    moment = next(row["updated_at"] for row in rows if row["id"] == varied.mun_b.pk)
    assert moment == "2026-01-01T03:00:00+03:00"  # Europe/Moscow, as DRF prints it


@pytest.mark.parametrize(
    ("route", "queries"),
    [
        # The key (with whether it names municipalities and the address's failures), the page, the call log.
        ("/api/v1/municipalities/", 3),
        ("/api/v1/procedures/", 3),
        ("/api/v1/results/", 3),
        ("/api/v1/flags/", 3),
        ("/api/v1/schools/", 4),  # and the page's statuses by year, one query
    ],
)
def test_a_page_costs_the_same_queries_whatever_its_rows(
    client, varied, django_assert_num_queries, route, queries
):
    _key, raw = make_key(varied)
    with django_assert_num_queries(queries):
        response = client.get(f"{route}?page_size=1000", **auth(raw))
    assert response.status_code == 200
    assert len(response.json()["results"]) > 1


@pytest.mark.parametrize(
    ("serializer_class", "model"),
    [
        (api_serializers.MunicipalitySerializer, Municipality),
        (api_serializers.SchoolSerializer, School),
        (api_serializers.ProcedureSerializer, Procedure),
        (api_serializers.ResultSerializer, Result),
        (api_serializers.FlagDecisionSerializer, FlagDecision),
    ],
)
def test_a_written_out_row_is_drfs_generic_row(varied, serializer_class, model):
    # The list serializers print a row in their own to_representation (the cost of DRF's field walk per row);
    # every row is what DRF's generic printing of the declared fields gives, in the same order.
    rows = list(model.objects.all())
    # Bare instances (related rows followed) and, as the viewset reads them, with the related columns annotated.
    if getattr(serializer_class, "JOINED", None):
        joined = list(serializer_class.with_joined(model.objects.order_by("pk")))
        assert all(set(serializer_class.JOINED) <= set(vars(row)) for row in joined)
        rows += joined
    assert rows
    for instance in rows:
        serializer = serializer_class()
        generic = serializers.Serializer.to_representation(serializer, instance)
        written = serializer.to_representation(instance)
        assert list(written.items()) == list(generic.items()), instance
