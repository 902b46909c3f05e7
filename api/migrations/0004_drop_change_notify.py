"""The API's page cache is gone (issue #18 §4): drop the statement triggers and the function of 0002_change_notify.

Nothing listens on the channel any more; the triggers only cost every write a notice. Reversing puts them back
as 0002 made them, so migrating back to 0003 finds the database as it left it. SQLite never had them.
"""

from django.db import migrations

CHANNEL = "api_data_changed"
# As api/migrations/0002_change_notify.py created them.
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


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f'DROP TRIGGER IF EXISTS api_notify_change ON "{table}"')
    schema_editor.execute("DROP FUNCTION IF EXISTS api_notify_change()")


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    for table in TABLES:
        schema_editor.execute(
            f'CREATE TRIGGER api_notify_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "{table}" '
            "FOR EACH STATEMENT EXECUTE FUNCTION api_notify_change()"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0003_call_log_time"),
    ]

    operations = [migrations.RunPython(drop, create)]
