"""tests/builders/module.py: a module fixture's rows are built once, kept only for the tests that ask for them,
and every test's changes to them are rolled back. The tests run in this file's order, each relying on the last."""

import pytest

from schools.models import School
from tests.builders.module import module_fixture
from tests.factories import SchoolFactory

pytestmark = pytest.mark.django_db

WORLD_SCHOOLS = 4  # tests/conftest.py make_world


@module_fixture
def extra(world):
    return SchoolFactory(municipality=world.mun_a, code="sch699998", name="Построенная один раз")


def test_a_bare_world_first(world):
    assert School.objects.count() == WORLD_SCHOOLS


def test_b_the_rows_are_there_for_a_test_that_asks(extra):
    assert School.objects.filter(code="sch699998").count() == 1
    extra.name = "Изменённая"
    extra.save()


def test_c_a_change_is_rolled_back_and_the_copy_is_fresh(extra, world):
    assert School.objects.get(code="sch699998").name == "Построенная один раз"
    assert extra.name == "Построенная один раз"
    assert School.objects.count() == WORLD_SCHOOLS + 1


def test_d_a_test_that_does_not_ask_sees_the_bare_world(world):
    assert not School.objects.filter(code="sch699998").exists()
    assert School.objects.count() == WORLD_SCHOOLS


# pytest-django runs transactional tests after the others: this one is the module's last.
@pytest.mark.django_db(transaction=True)
def test_e_a_transactional_test_builds_its_own(extra):
    assert School.objects.filter(code="sch699998").count() == 1
    assert School.objects.count() == WORLD_SCHOOLS + 1
