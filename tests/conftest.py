import contextlib
import copy
import os
import socket
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.test import override_settings

from core.roles import Role
from reports import signing
from tests.factories import MunicipalityFactory, RegionFactory, SchoolFactory, user_with_role

PASSWORD = "Пароль-для-тестов-1"


def pytest_report_header(config):
    return f"database: {settings.TEST_DATABASE_VENDOR}; CI={os.environ.get('CI', '')}"


def pytest_collection_modifyitems(config, items):
    """An outage test is serial: it cuts a service off and waits for its return on a clock, so it does not run
    beside the PostgreSQL suite. make test runs ``-m serial`` after the parallel run, beside the SQLite lane only:
    two processes that use neither PostgreSQL nor Redis, a load the outage tests bear (they passed under a load
    average of 12–17, #18)."""
    for item in items:
        if item.get_closest_marker("outage") is not None:
            item.add_marker(pytest.mark.serial)


def redis_reachable(url: str) -> bool:
    from urllib.parse import urlparse

    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=2):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The Redis of the worker tests. Under CI=true a missing Redis fails the test instead of skipping it."""
    url = settings.TEST_REDIS_URL
    if not redis_reachable(url):
        if settings.CI:
            pytest.fail(f"CI=true, но Redis недоступен по адресу {url}.")
        pytest.skip(f"Redis недоступен по адресу {url} (вне CI тест пропускается).")
    return url


def _template_database(run: str):
    """Patch PostgreSQL's test database creation so that the lanes of one ``make test`` migrate once.

    ``make test`` runs pytest three times (the parallel lane with a database per process, the serial lane, the
    SQLite lane), and each PostgreSQL test database used to be migrated from zero. With SHNOR_TEST_RUN set (the
    Makefile sets it once per ``make test``), the first process that migrates copies its freshly migrated
    database to ``<test database>_tpl`` (``CREATE DATABASE … TEMPLATE``, stamped with the run in its comment); a
    later test database of the same run is created as a copy of it, and ``migrate`` then finds nothing to apply.
    A template of another run is never used: it is rebuilt. A process that finds another building the template
    migrates on its own, as before; one that finds another copying the ready template waits its turn (``make test``
    builds the template beside the lint, so that both processes of the parallel lane copy it)."""
    from django.db import connection

    creation = type(connection.creation)
    original_create, original_execute = creation.create_test_db, creation._execute_create_test_db
    # pg_advisory_lock key: one template is built at a time per test database name.
    state = {"from_template": False}

    def template_name(self) -> str:
        name = self._get_test_db_name()
        worker = os.environ.get("PYTEST_XDIST_WORKER")
        if worker and name.endswith(f"_{worker}"):
            name = name[: -len(worker) - 1]
        return f"{name}_tpl"

    def template_ready(cursor, template: str) -> bool:
        cursor.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [template]
        )
        row = cursor.fetchone()
        return row is not None and row[0] == f"shnor test run {run}"

    def execute_create_test_db(self, cursor, parameters, keepdb=False):
        if state["from_template"] and not keepdb:
            parameters = {
                **parameters,
                "suffix": self._get_database_create_suffix(template=template_name(self)),
            }
        return original_execute(self, cursor, parameters, keepdb)

    def create_test_db(self, verbosity=1, autoclobber=False, serialize=True, keepdb=False):
        if keepdb:  # --reuse-db: the existing database, as pytest-django does
            return original_create(self, verbosity, autoclobber, serialize, keepdb)
        template = template_name(self)
        quoted = self._quote_name(template)
        with self._nodb_cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(hashtext(%s))", [template])
            builder = cursor.fetchone()[0]
            if not builder and template_ready(cursor, template):
                # Another process copies the ready template (a second or two): wait for it rather than migrate.
                cursor.execute("SELECT pg_advisory_lock(hashtext(%s))", [template])
                builder = True
            state["from_template"] = builder and template_ready(cursor, template)
            try:
                name = original_create(self, verbosity, autoclobber, serialize, keepdb)
                if builder and not state["from_template"]:
                    self.connection.close()  # CREATE DATABASE … TEMPLATE wants the source without sessions
                    cursor.execute(f"DROP DATABASE IF EXISTS {quoted}")
                    cursor.execute(f"CREATE DATABASE {quoted} TEMPLATE {self._quote_name(name)}")
                    cursor.execute(f"COMMENT ON DATABASE {quoted} IS %s", [f"shnor test run {run}"])
            finally:
                state["from_template"] = False
                if builder:
                    cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", [template])
        return name

    creation.create_test_db = create_test_db
    creation._execute_create_test_db = execute_create_test_db


def pytest_configure(config):
    run = os.environ.get("SHNOR_TEST_RUN", "").strip()
    if run and settings.TEST_DATABASE_VENDOR == "postgresql":
        _template_database(run)


@pytest.fixture(autouse=True)
def _history(request):
    """Change history is recorded only in tests marked ``history`` (off in shnor_portal/settings/test.py)."""
    if request.node.get_closest_marker("history") is None:
        yield
        return
    with override_settings(SIMPLE_HISTORY_ENABLED=True):
        yield


@dataclass
class World:
    """Two municipalities of one region and a school in another region; one user per role."""

    region: object
    other_region: object
    mun_a: object
    mun_b: object
    school_a1: object
    school_a2: object
    school_b1: object
    school_other: object
    users: dict


def _transactional(item: pytest.Item) -> bool:
    """Whether pytest-django runs ``item`` as a TransactionTestCase (its own rule, pytest_django.fixtures)."""
    marker = item.get_closest_marker("django_db")
    if marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")):
        return True
    names = set(getattr(item, "fixturenames", ()))
    return bool(names & {"transactional_db", "live_server", "django_db_reset_sequences"})


def _module_world_fits(item: pytest.Item) -> bool:
    """A test may share its module's world: it asks for ``world``, runs inside TestCase's transaction and records
    no history (the shared world is built with history off; a history test builds its own with history on)."""
    return (
        "world" in getattr(item, "fixturenames", ())
        and not _transactional(item)
        and item.get_closest_marker("history") is None
    )


class ModuleWorld:
    """The ``world`` of one test module, built once inside a transaction left open for the module (the way
    TestCase.setUpTestData works): every test runs in a savepoint of it that pytest-django rolls back, so a test
    that changes the world's rows leaves the next one a clean world; the transaction is rolled back at the end.

    Only one is open at a time (``current``). A test that must not run inside it — a transactional test (its own
    commits, a live server's other connection), or one that does not ask for ``world`` (it expects none of its
    rows) — closes it first (``pytest_runtest_setup``); the next test asking for ``world`` builds it again."""

    current: "ModuleWorld | None" = None

    def __init__(self, blocker):
        self.blocker = blocker
        self.outer = None
        self.world: World | None = None
        self.layer = None  # the savepoint holding what tests/builders/module.py's fixtures built on the world
        self.built: dict[str, object] = {}

    def open(self) -> None:
        if self.outer is not None:
            return
        from django.db import transaction

        with self.blocker.unblock():
            self.outer = transaction.atomic()
            self.outer._from_testcase = True  # a durable atomic in the test is still allowed, as in TestCase
            self.outer.__enter__()
            self.world = make_world()

    def build(self, item: pytest.Item) -> None:
        """Build the module fixtures ``item`` asks for (tests/builders/module.py) before its savepoint, in a
        savepoint of their own over the world: kept while the next tests ask for them (or for more), rolled back
        for a test that does not ask for one of them — it sees the bare world, whatever ran before it."""
        from django.db import transaction

        from tests.builders.module import BUILDERS

        wanted = [name for name in item.fixturenames if (item.module.__name__, name) in BUILDERS]
        with self.blocker.unblock():
            if self.layer is not None and not set(self.built) <= set(wanted):
                self._drop_layer()
            for name in wanted:
                if name in self.built:
                    continue
                if self.layer is None:
                    self.layer = transaction.atomic()
                    self.layer.__enter__()
                try:
                    self.built[name] = BUILDERS[(item.module.__name__, name)](self.world)
                except BaseException:
                    self._drop_layer()  # half-built rows must not reach the next test
                    raise

    def _drop_layer(self) -> None:
        from django.db import transaction

        transaction.set_rollback(True)
        self.layer.__exit__(None, None, None)  # back to the savepoint: the world alone
        self.layer = None
        self.built = {}

    def close(self) -> None:
        if self.outer is None:
            return
        from django.db import transaction

        with self.blocker.unblock():
            if self.layer is not None:
                self._drop_layer()
            transaction.set_rollback(True)
            self.outer.__exit__(None, None, None)
        self.outer = None
        self.world = None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """A test of a module marked ``today`` (its dates fixed at import) runs on that date, even after midnight
    (tests/today.py): its setup, where module fixtures build their rows, and its teardown too."""
    if item.get_closest_marker("today") is None:
        yield
        return
    from tests.today import pinned

    with pinned():
        yield


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Before any fixture of ``item``: close the module's world for a test that must not see it, build it again
    for a test that shares it (the module fixture already exists, so the test database does too)."""
    module_world = ModuleWorld.current
    if module_world is None:
        return
    if _module_world_fits(item):
        module_world.open()
        module_world.build(item)
    else:
        module_world.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After a transactional test has flushed the database, the catalogues migrations seed (procedure and activity
    kinds) are put back: under pytest-xdist any module may come after one in the same process."""
    yield
    if not _transactional(item) or nextitem is None:  # the last test: the test database is already gone
        return
    from pytest_django.plugin import blocking_manager_key

    from tests.builders.roadmaps import seed_catalogues

    with item.config.stash[blocking_manager_key].unblock():
        seed_catalogues()


@pytest.fixture(scope="module")
def _module_world(request, django_db_setup, django_db_blocker):
    module_world = ModuleWorld(django_db_blocker)
    ModuleWorld.current = module_world
    if _module_world_fits(request._pyfuncitem):  # set up before the test's own transaction (a wider scope)
        module_world.open()
        # A build that raises is not the whole module's error: the test's fixture builds again, and fails, alone.
        with contextlib.suppress(Exception):
            module_world.build(request._pyfuncitem)
    yield module_world
    module_world.close()
    ModuleWorld.current = None


@pytest.fixture
def world(request, _module_world, db) -> World:
    """The module's shared world, deep-copied per test like TestCase.setUpTestData's attributes (a test may change
    the objects it is handed); a transactional or history test builds its own."""
    if _module_world.world is None:
        return make_world()
    return copy.deepcopy(_module_world.world)


def make_world() -> World:
    """The rows of the ``world`` fixture (also built once per module by tests/core/test_access_matrix.py)."""
    region = RegionFactory(name="Ростовская область")
    other_region = RegionFactory(name="Краснодарский край")
    mun_a = MunicipalityFactory(region=region, name="Обливский район")
    mun_b = MunicipalityFactory(region=region, name="Тацинский район")
    mun_other = MunicipalityFactory(region=other_region, name="Ленинградский район")
    school_a1 = SchoolFactory(municipality=mun_a, code="sch610001", name="МБОУ «Каштановская СОШ»")
    school_a2 = SchoolFactory(municipality=mun_a, code="sch610002", name="МБОУ «Солонецкая СОШ»")
    school_b1 = SchoolFactory(municipality=mun_b, code="sch610101", name="МБОУ «Тацинская СОШ №1»")
    school_other = SchoolFactory(
        municipality=mun_other, code="sch230001", name="МБОУ СОШ №1 ст. Ленинградской"
    )
    users = {
        "methodist": user_with_role(Role.METHODIST, mun_a, username="methodist"),
        "regional_methodist": user_with_role(Role.METHODIST, region, username="regional_methodist"),
        "head": user_with_role(Role.HEAD, mun_a, username="head"),
        "school_admin": user_with_role(Role.SCHOOL_ADMIN, school_a1, username="school_admin"),
        "mentor": user_with_role(Role.MENTOR, None, username="mentor"),
        "tutor": user_with_role(Role.TUTOR, None, username="tutor"),
        "analyst": user_with_role(Role.REGIONAL_ANALYST, region, username="analyst"),
        "superuser": user_with_role("superuser", username="root"),
    }
    from tests.factories import UserFactory

    users["nobody"] = UserFactory(username="nobody")
    return World(region, other_region, mun_a, mun_b, school_a1, school_a2, school_b1, school_other, users)


# --- reports: a signing identity and a private media folder ---------------------------------------------

CERT_PASSWORD = "тестовый-пароль-подписи"


@pytest.fixture(scope="session")
def demo_certificate(tmp_path_factory):
    """One self-signed signing identity for the whole run (RSA key generation takes a while)."""
    path = tmp_path_factory.mktemp("signing") / "signer.p12"
    signing.make_demo_certificate(path, CERT_PASSWORD)
    return path


@pytest.fixture
def signing_settings(settings, demo_certificate, tmp_path):
    settings.REPORTS_SIGNING_PKCS12 = str(demo_certificate)
    settings.REPORTS_SIGNING_PASSWORD = CERT_PASSWORD
    settings.REPORTS_TRUST_ROOTS = [str(demo_certificate.with_suffix(".ca.pem"))]
    settings.REPORTS_FONT_CACHE = tmp_path / "fonts"
    return settings


@pytest.fixture
def media(settings, tmp_path):
    """Reports are stored under a fresh MEDIA_ROOT per test."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
