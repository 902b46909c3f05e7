"""NotificationPolicy against a table (tests/policy_table.py): a notification is its recipient's alone, whatever
the roles — the superuser's inbox is the superuser's too; the anonymous visitor and a deactivated person reach none."""

import pytest
from django.contrib.auth.models import AnonymousUser

from core.policies import CHANGE, SYSTEM, VIEW, policy_for
from notifications import catalogue, services
from notifications.models import Notification
from tests.factories import UserFactory
from tests.policy_table import check_anywhere, check_table

pytestmark = pytest.mark.django_db

PEOPLE = (
    "methodist",
    "regional_methodist",
    "head",
    "school_admin",
    "mentor",
    "tutor",
    "analyst",
    "superuser",
    "nobody",
)


@pytest.fixture
def users(world):
    inactive = UserFactory(username="inactive")
    people = {name: world.users[name] for name in PEOPLE} | {"inactive": inactive}
    for name, person in people.items():
        services.notify(
            event=catalogue.IMPORT_FAILED,
            recipients=[person],
            key=f"import:{name}",
            context={"file": f"{name}.csv"},
        )
    inactive.is_active = False
    inactive.save(update_fields=["is_active"])
    return people | {"anonymous": AnonymousUser()}


def test_each_person_reaches_their_own(users):
    own = {name: {f"import:{name}"} for name in PEOPLE} | {"inactive": set(), "anonymous": set()}
    check_table(policy_for(Notification), users, {VIEW: own, CHANGE: own}, key=lambda n: n.key)


def test_the_list_opens_for_every_person(users):
    everyone = {name: True for name in PEOPLE} | {"inactive": False, "anonymous": False}
    check_anywhere(policy_for(Notification), users, {VIEW: everyone, CHANGE: everyone})


def test_the_system_reaches_all(users):
    assert Notification.objects.visible_to(SYSTEM).count() == len(PEOPLE) + 1
