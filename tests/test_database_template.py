"""The test database has every migration applied, whether migrated or copied from the run's template.

``make test`` sets this module's database up first (``pytest --setup-only``), beside the lint: with SHNOR_TEST_RUN
that process migrates and leaves the template (tests/conftest.py, _template_database) that both processes of the
parallel lane and the serial lane then copy instead of migrating again."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


@pytest.mark.django_db
def test_the_test_database_has_every_migration_applied():
    executor = MigrationExecutor(connection)
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []
    assert executor.loader.applied_migrations.keys() == set(executor.loader.disk_migrations)
