"""The catalogues that migrations seed are put back after a transactional test flushes the database
(tests/conftest.py): the list of seeding migrations in tests/builders/roadmaps.py is every migration with a
RunPython ``seed``."""

import importlib
import pkgutil

from django.apps import apps

from tests.builders.roadmaps import SEEDING_MIGRATIONS


def seeding_migrations() -> set[str]:
    found = set()
    for config in apps.get_app_configs():
        if not config.path.startswith(str(apps.get_app_config("core").path).rsplit("/", 1)[0]):
            continue  # a library's app
        try:
            package = importlib.import_module(f"{config.name}.migrations")
        except ModuleNotFoundError:
            continue
        for module in pkgutil.iter_modules(package.__path__):
            name = f"{config.name}.migrations.{module.name}"
            if callable(getattr(importlib.import_module(name), "seed", None)):
                found.add(name)
    return found


def test_every_seeding_migration_is_reseeded_after_a_flush():
    assert set(SEEDING_MIGRATIONS) == seeding_migrations()
