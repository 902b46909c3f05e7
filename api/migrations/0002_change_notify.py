"""PostgreSQL tells the API's page cache when the tables under its lists change (api/page_cache.py).

A statement trigger per table (not per row: an import's COPY of a million rows sends one notice, and notices of
one transaction with the same text are sent once, at commit). SQLite has no LISTEN: there the cache stays off
and nothing is created.
"""

from django.db import migrations

CHANNEL = "api_data_changed"
# As api.page_cache.WATCHED_MODELS at the time of this migration (a later change adds its own migration).
TABLES = (
    "schools_region",
    "schools_municipality",
    "schools_school",
    "schools_procedurekind",
    "schools_subject",
    "schools_procedure",
    "schools_result",
    "schools_flagcomputation",
    "schools_flagdecision",
    "api_tombstone",
    "api_clientkey",
    "api_clientkey_municipalities",
)

FUNCTION = f"""
CREATE OR REPLACE FUNCTION api_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('{CHANNEL}', TG_TABLE_NAME);
    RETURN NULL;
END $$;
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    for table in TABLES:
        schema_editor.execute(
            f'CREATE TRIGGER api_notify_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "{table}" '
            "FOR EACH STATEMENT EXECUTE FUNCTION api_notify_change()"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f'DROP TRIGGER IF EXISTS api_notify_change ON "{table}"')
    schema_editor.execute("DROP FUNCTION IF EXISTS api_notify_change()")


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0001_initial"),
        ("schools", "0013_change_history"),
    ]

    operations = [migrations.RunPython(create, drop)]
