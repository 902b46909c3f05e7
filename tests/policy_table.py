"""Checking a permission policy against a table: role × action → the objects (by a readable key) it reaches.

For every role and action of the table: ``instances`` gives exactly the expected rows, ``can`` agrees with it for
every object of the model (in scope and out of scope), ``require`` refuses exactly the others with
``PermissionDenied``, ``can`` with no object is true when some row is reached, and the queryset aliases
(``visible_to``, ``editable_by``, ``reachable_by`` with the action's roles and name) give the same rows.
"""

import pytest
from django.core.exceptions import PermissionDenied

from core.models import User
from core.policies import CHANGE, VIEW, Policy


def fresh(user):
    """A fresh user object: the reach is cached per object."""
    return User.objects.get(pk=user.pk) if getattr(user, "pk", None) else user


def check_table(policy: Policy, users: dict, table: dict[str, dict[str, set]], key, *, aliases: bool = True):
    """``table[action][role]`` is the set of keys (``key(obj)``) of the rows ``role`` may do ``action`` with."""
    manager = policy.model._default_manager
    objects = list(manager.all())
    assert objects, f"the world has no {policy.model.__name__}"
    assert set(table) <= set(policy.action_names()), set(table) - set(policy.action_names())
    for action, expected_by_role in table.items():
        for role, expected in expected_by_role.items():
            user = fresh(users[role])
            where = (policy.model.__name__, action, role)
            reached = list(policy.instances(user, action))
            keys = [key(obj) for obj in reached]
            assert len(keys) == len(set(keys)), where  # one row each
            assert set(keys) == expected, where
            for obj in objects:
                inside = key(obj) in expected
                assert policy.can(user, action, obj) is inside, (*where, key(obj))
                if inside:
                    policy.require(user, action, obj)
                else:
                    with pytest.raises(PermissionDenied):
                        policy.require(user, action, obj)
            if expected:
                assert policy.can(user, action), where
            if aliases:
                alias = manager.reachable_by(user, policy.roles(action), action=action)
                assert {key(obj) for obj in alias} == expected, (*where, "reachable_by")
            if action == VIEW:
                assert {key(obj) for obj in manager.visible_to(user)} == expected, (*where, "visible_to")
            if action == CHANGE:
                assert {key(obj) for obj in manager.editable_by(user)} == expected, (*where, "editable_by")


def check_anywhere(policy: Policy, users: dict, table: dict[str, dict[str, bool]]):
    """``table[action][role]``: may ``role`` do ``action`` somewhere (``can`` with no object)?"""
    for action, by_role in table.items():
        for role, allowed in by_role.items():
            assert policy.can(fresh(users[role]), action) is allowed, (policy.model.__name__, action, role)
            if not allowed:
                with pytest.raises(PermissionDenied):
                    policy.require(fresh(users[role]), action)
