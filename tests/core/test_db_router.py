"""The optional read replica (core/db_router.py): the API's lists and the report builders read from it, every
write goes to the primary, only the primary is migrated.

The replica here is what the settings make of DATABASE_REPLICA_URL under test: a MIRROR of the test database,
reached through its own connection, so the queries each connection ran show where a read or a write went."""

import pytest
from django.apps import apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from api.models import ClientKey
from core.db_router import REPLICA, ReplicaRouter, replica_reads
from reports import services as report_services
from reports.models import Report, ReportStatus
from schools.models import School
from tests.factories import SchoolFactory

WRITES = ("INSERT", "UPDATE", "DELETE")


@pytest.fixture(scope="module")
def replica():
    """The replica alias as the settings define it (base.py), pointing at the test database."""
    assert REPLICA not in connections.settings
    connections.settings[REPLICA] = {
        **connections[DEFAULT_DB_ALIAS].settings_dict,
        "TEST": {"MIRROR": DEFAULT_DB_ALIAS},
    }
    if settings.DATABASES is not connections.settings:  # the router asks settings.DATABASES
        settings.DATABASES[REPLICA] = connections.settings[REPLICA]
    try:
        yield REPLICA
    finally:
        connections[REPLICA].close()
        del connections[REPLICA]
        connections.settings.pop(REPLICA, None)
        settings.DATABASES.pop(REPLICA, None)


def statements(queries, kinds=None) -> list[str]:
    sqls = [q["sql"].lstrip() for q in queries.captured_queries]
    return [sql for sql in sqls if kinds is None or sql.upper().startswith(kinds)]


def test_the_router_is_installed():
    assert settings.DATABASE_ROUTERS == ["core.db_router.ReplicaRouter"]


def test_without_a_replica_every_read_and_write_is_on_the_primary(monkeypatch):
    monkeypatch.delitem(
        settings.DATABASES, REPLICA, raising=False
    )  # as configured without DATABASE_REPLICA_URL
    with replica_reads():
        assert router.db_for_read(School) == DEFAULT_DB_ALIAS
        assert router.db_for_write(School) == DEFAULT_DB_ALIAS


# Every model of the project and of Django: no write is ever routed to the replica.
ALL_MODELS = sorted(apps.get_models(), key=lambda model: model._meta.label)


@pytest.mark.parametrize("flagged", [False, True], ids=["elsewhere", "inside-replica_reads"])
def test_writes_of_every_model_go_to_the_primary(replica, flagged):
    routing = ReplicaRouter()
    if flagged:
        with replica_reads():
            targets = {routing.db_for_write(model) for model in ALL_MODELS}
    else:
        targets = {routing.db_for_write(model) for model in ALL_MODELS}
    assert targets == {DEFAULT_DB_ALIAS}


def test_only_the_primary_is_migrated(replica):
    routing = ReplicaRouter()
    for model in ALL_MODELS:
        assert routing.allow_migrate(DEFAULT_DB_ALIAS, model._meta.app_label, model._meta.model_name) is True
        assert routing.allow_migrate(REPLICA, model._meta.app_label, model._meta.model_name) is False


@pytest.mark.django_db(transaction=True, databases=[DEFAULT_DB_ALIAS, REPLICA])
def test_reads_go_to_the_replica_only_inside_replica_reads_and_outside_a_transaction(replica):
    assert School.objects.all().db == DEFAULT_DB_ALIAS
    with replica_reads():
        assert School.objects.all().db == REPLICA
        with transaction.atomic():
            # A transaction sees one database: its reads stay where its writes go.
            assert School.objects.all().db == DEFAULT_DB_ALIAS
        # select_for_update is a write's read: on the primary.
        assert School.objects.select_for_update().db == DEFAULT_DB_ALIAS
    assert School.objects.all().db == DEFAULT_DB_ALIAS


@pytest.mark.django_db(transaction=True, databases=[DEFAULT_DB_ALIAS, REPLICA])
def test_writes_inside_replica_reads_reach_the_primary_only(world, replica):
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_primary:
            with replica_reads():
                school = SchoolFactory(municipality=world.mun_a, code="sch619999")
                School.objects.filter(pk=school.pk).update(name="МБОУ «Новая СОШ»")
                school.refresh_from_db()  # read: from the replica, which holds the same rows here
                School.objects.filter(pk=school.pk).delete()

    assert statements(on_replica, WRITES) == []
    kinds = [sql.split()[0].upper() for sql in statements(on_primary, WRITES)]
    # The delete cascades and leaves a tombstone for the API: all of it on the primary.
    assert kinds[:2] == ["INSERT", "UPDATE"] and "DELETE" in kinds[2:]
    assert any('FROM "schools_school"' in sql for sql in statements(on_replica))


@pytest.mark.django_db(transaction=True, databases=[DEFAULT_DB_ALIAS, REPLICA])
def test_an_api_list_is_read_from_the_replica_and_its_key_and_log_on_the_primary(client, world, replica):
    client_key, key = ClientKey.objects.create_key(name="РИС", region=world.region, personal_data=False)
    client_key.municipalities.set([world.mun_a])

    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_primary:
            listed = client.get(reverse("api:school-list"), HTTP_AUTHORIZATION=f"Api-Key {key}")
            detail = client.get(
                reverse("api:school-detail", args=[world.school_a1.pk]), HTTP_AUTHORIZATION=f"Api-Key {key}"
            )

    assert (listed.status_code, detail.status_code) == (200, 200)
    assert {row["code"] for row in listed.json()["results"]} == {"sch610001", "sch610002"}  # the key's area
    assert detail.json()["code"] == "sch610001"
    replica_reads_sql = statements(on_replica)
    assert sum('FROM "schools_school"' in sql for sql in replica_reads_sql) >= 2  # the page and the detail
    assert statements(on_replica, WRITES) == []
    primary = statements(on_primary)
    assert any('FROM "api_clientkey"' in sql for sql in primary)  # the key is checked on the primary
    assert not any('FROM "schools_school"' in sql for sql in primary)
    # What the key reaches (its municipalities) decides access: read on the primary, never on a lagging replica
    # (there a key narrowed a moment ago would still reach its whole region).
    assert any('FROM "api_clientkey_municipalities"' in sql for sql in primary)
    assert not any('"api_clientkey_municipalities"' in sql for sql in replica_reads_sql)


@pytest.mark.django_db(transaction=True, databases=[DEFAULT_DB_ALIAS, REPLICA])
def test_a_users_reach_is_read_on_the_primary_even_inside_replica_reads(world, replica):
    from core.territory import user_scope

    methodist = type(world.users["methodist"]).objects.get(pk=world.users["methodist"].pk)
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_primary:
            with replica_reads():
                scope = user_scope(methodist)
                assert School.objects.all().db == REPLICA  # the block itself still reads from the replica

    assert scope.municipality_ids == frozenset({world.mun_a.pk})
    assert any('"core_roleassignment"' in sql for sql in statements(on_primary))
    assert statements(on_replica) == []


def test_a_key_naming_municipalities_that_are_gone_reaches_nothing_not_its_region(world):
    from api.auth import ApiPrincipal

    client_key, _ = ClientKey.objects.create_key(name="РИС", region=world.region, personal_data=False)
    client_key.has_municipalities = True  # as read with the key, before its municipalities were all removed
    assert ApiPrincipal(client_key).grants == []
    client_key.has_municipalities = False
    assert {grant.region_id for grant in ApiPrincipal(client_key).grants} == {world.region.pk}


@pytest.mark.django_db(transaction=True, databases=[DEFAULT_DB_ALIAS, REPLICA])
def test_a_report_is_built_from_the_replica_and_recorded_on_the_primary(world, replica, monkeypatch):
    monkeypatch.setattr(report_services, "_schedule", lambda report: None)
    report = report_services.report_request(
        user=world.users["methodist"], kind="territory", year=2024, municipality_id=world.mun_a.pk
    )
    seen = []

    def build(params, *, on_progress=None):
        seen.append(School.objects.all().db)
        on_progress(10, "Раздел")  # progress is a write: the primary
        raise RuntimeError("stop after the first section")

    monkeypatch.setattr(report_services, "build", build)
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        report_services.report_build(report.pk)

    assert seen == [REPLICA]
    assert statements(on_replica, WRITES) == []
    assert Report.objects.get(pk=report.pk).status == ReportStatus.FAILED
