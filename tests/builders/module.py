"""Fixtures whose rows are built once per test module, like ``world`` (tests/conftest.py, ModuleWorld)."""

import copy
from collections.abc import Callable

import pytest

# (module, fixture name) → the builder; tests/conftest.py's pytest_runtest_setup builds a test's shared rows.
BUILDERS: dict[tuple[str, str], Callable] = {}


def module_fixture(build: Callable) -> Callable:
    """A fixture named after ``build(world)``, whose rows are built once per module: ``build`` runs inside the
    module world's transaction before the first test that asks for it (before the test's own savepoint, so its
    rows outlive every test's rollback), and its result is deep-copied per test, as the world is. A test that
    does not share the module's world (transactional, or marked ``history``) has ``build`` run for it alone, as
    has a test whose shared build raised (the error is then its own)."""
    name = build.__name__
    BUILDERS[(build.__module__, name)] = build

    @pytest.fixture(name=name)
    def fixture(world, _module_world):
        if _module_world.world is None or name not in _module_world.built:  # not shared, or its build failed
            return build(world)
        return copy.deepcopy(_module_world.built[name])

    fixture.__doc__ = build.__doc__
    return fixture
