"""core.services.model_update: only a change is validated and written, with updated_at; many-to-many when the
members differ; ``also`` only with a change."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.services import model_update
from schools.models import FlagRule, School, Subject
from tests.factories import TeacherFactory

pytestmark = pytest.mark.django_db

PAST = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)


def writes(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE"))]


@pytest.mark.parametrize(
    ("data", "fields", "expected_changed", "expected_saved"),
    [
        # nothing asked
        ({}, ["name", "short_name"], False, set()),
        # the same values
        ({"name": "МБОУ «Каштановская СОШ»"}, ["name"], False, set()),
        # one field changed
        ({"name": "МБОУ «Новая СОШ»"}, ["name"], True, {"name"}),
        # two asked, one differs
        (
            {"name": "МБОУ «Каштановская СОШ»", "short_name": "Каштановская"},
            ["name", "short_name"],
            True,
            {"short_name"},
        ),
        # a key of data outside fields is ignored
        ({"name": "МБОУ «Новая СОШ»"}, ["short_name"], False, set()),
    ],
)
def test_only_changed_fields_are_saved_with_updated_at(world, data, fields, expected_changed, expected_saved):
    school = world.school_a1
    School.objects.filter(pk=school.pk).update(updated_at=PAST)
    school.refresh_from_db()
    before = {name: getattr(school, name) for name in ("name", "short_name")}

    with CaptureQueriesContext(connection) as queries:
        returned, changed = model_update(instance=school, fields=fields, data=data)

    assert returned is school
    assert changed is expected_changed
    stored = School.objects.get(pk=school.pk)
    for name in ("name", "short_name"):
        assert getattr(stored, name) == (data[name] if name in expected_saved else before[name])
    if expected_changed:
        (update,) = writes(queries.captured_queries)
        assert stored.updated_at > PAST
        for name in {"name", "short_name"} - expected_saved:
            assert f'"{name}"' not in update.split("WHERE")[0]  # only what changed is written
    else:
        assert writes(queries.captured_queries) == []
        assert stored.updated_at == PAST


@pytest.mark.parametrize("name", ["municipality", "municipality_id"])
def test_a_foreign_key_is_changed_by_its_name_or_its_column(world, name):
    school = world.school_a1
    value = world.mun_b if name == "municipality" else world.mun_b.pk

    _school, changed = model_update(instance=school, fields=[name], data={name: value})

    assert changed is True
    assert School.objects.get(pk=school.pk).municipality_id == world.mun_b.pk
    assert model_update(instance=school, fields=[name], data={name: value})[1] is False


def test_an_invalid_value_is_refused_by_full_clean_and_nothing_is_written(world):
    school = world.school_a1

    with pytest.raises(ValidationError) as refused:
        model_update(instance=school, fields=["name"], data={"name": ""})

    assert "name" in refused.value.message_dict
    assert School.objects.get(pk=school.pk).name == "МБОУ «Каштановская СОШ»"


def test_a_name_that_is_not_a_field_is_the_callers_error(world):
    with pytest.raises(TypeError, match="School has no field 'colour'"):
        model_update(instance=world.school_a1, fields=["colour"], data={"colour": "red"})


def test_also_is_set_only_with_a_change(world):
    rule = FlagRule.objects.get_or_create(region=world.region)[0]
    methodist = world.users["regional_methodist"]

    _rule, changed = model_update(
        instance=rule, fields=["threshold"], data={"threshold": 30}, also={"updated_by": methodist}
    )
    assert changed is False
    assert FlagRule.objects.get(pk=rule.pk).updated_by is None

    _rule, changed = model_update(
        instance=rule, fields=["threshold"], data={"threshold": 25}, also={"updated_by": methodist}
    )
    assert changed is True
    stored = FlagRule.objects.get(pk=rule.pk)
    assert (stored.threshold, stored.updated_by) == (25, methodist)


@pytest.mark.parametrize(
    ("before", "after", "expected_changed"),
    [
        ([], [], False),
        (["математика"], ["математика"], False),
        (["математика"], ["математика", "физика"], True),
        (["математика", "физика"], ["физика"], True),
        (["математика"], [], True),
    ],
)
def test_many_to_many_is_set_when_its_members_differ(world, before, after, expected_changed):
    subjects = {name: Subject.objects.get_or_create(name=name)[0] for name in ("математика", "физика")}
    teacher = TeacherFactory(school=world.school_a1)
    teacher.subjects.set([subjects[name] for name in before])

    with CaptureQueriesContext(connection) as queries:
        _teacher, changed = model_update(
            instance=teacher, fields=["subjects"], data={"subjects": [subjects[name] for name in after]}
        )

    assert changed is expected_changed
    assert set(teacher.subjects.values_list("name", flat=True)) == set(after)
    if not expected_changed:
        assert writes(queries.captured_queries) == []


def test_many_to_many_members_may_be_given_by_pk(world):
    subject = Subject.objects.get_or_create(name="математика")[0]
    teacher = TeacherFactory(school=world.school_a1)

    _teacher, changed = model_update(instance=teacher, fields=["subjects"], data={"subjects": [subject.pk]})

    assert changed is True
    assert list(teacher.subjects.all()) == [subject]
    assert model_update(instance=teacher, fields=["subjects"], data={"subjects": [subject.pk]})[1] is False
