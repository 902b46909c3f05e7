"""A key of municipality A never sees municipality B, on every endpoint: the URLconf is walked, so an endpoint
added later is called here too, with or without data of its own.

Data of every area is built in both municipalities (and in another region) through the services; then every list
route of /api/v1/ is called by three callers of municipality A — a key without personal data, a key with it and a
methodologist's browser session — and every answer is searched for B: ids of B's rows of the endpoint's model,
B's (and the other region's) school codes and names, ids of B's schools and municipalities wherever a field names
a school or a municipality, the names of B's teachers, and B's deletions among the tombstones. The detail route
of each list, and every other route that names a row by id (a report's file), is asked for B's rows and must answer
404.
"""

import datetime
import functools
import hashlib
import json

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone

from api.models import ClientKey
from demo import kep as demo_kep
from diagnostics import services as diagnostics
from mentoring import services as mentoring
from reports import services as reports
from reports.models import Report, ReportFile, ReportKind, ReportSignature
from roadmaps.events import services as services_events
from roadmaps.models import Event, Roadmap, RoadmapItem
from schools.models import School, Subject, Teacher
from schools.services import approved_list_create
from tests.builders.module import module_fixture
from tests.builders.roadmaps import TODAY, Y, build_programme, days
from tests.builders.schools import add
from tests.factories import SchoolFactory, TeacherFactory

pytestmark = [pytest.mark.django_db, pytest.mark.today]

# The path from a model to its municipality: rows of B are found through it, independently of the API's gate.
# A model missing here is still walked (names, codes and ids of schools and municipalities in its JSON).
MUNICIPALITY_PATH = {
    "schools.municipality": "pk",
    "schools.school": "municipality",
    "schools.result": "school__municipality",
    "schools.flagdecision": "school__municipality",
    "schools.approvedlist": "municipality",
    "schools.teacher": "school__municipality",
    "mentoring.mentorassignment": "school__municipality",
    "mentoring.tutorassignment": "teacher__school__municipality",
    "mentoring.partnership": "school__municipality",
    "diagnostics.campaign": "municipality",
    "diagnostics.progressform": "school__municipality",
    "roadmaps.roadmap": "municipality",
    "roadmaps.roadmapitem": "roadmap__municipality",
    "roadmaps.event": "municipality",
    "reports.report": "municipality",
}
SCHOOL_KEYS = {"school", "school_id", "mentor_school", "partner", "teacher_school"}
SCHOOLS_KEYS = {"schools", "partners", "included_schools", "school_ids"}
MUNICIPALITY_KEYS = {"municipality", "municipality_id"}


def api_routes(suffix: str) -> list[str]:
    """Names ("api:school-list") of the routes under /api/v1/ whose name ends with ``suffix``."""
    found = set()

    def walk(patterns, prefix: str, namespaces: list[str]) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                spaces = [*namespaces, pattern.namespace] if pattern.namespace else namespaces
                walk(pattern.url_patterns, prefix + str(pattern.pattern), spaces)
            elif isinstance(pattern, URLPattern) and (pattern.name or "").endswith(suffix):
                if (prefix + str(pattern.pattern)).startswith("api/v1/"):
                    found.add(":".join([*namespaces, pattern.name]))

    walk(get_resolver().url_patterns, "", [])
    return sorted(found)


def api_routes_by_id() -> list[str]:
    """Names of the routes under /api/v1/ that name a row by id, other than the detail routes (a report's file)."""
    found = set()

    def walk(patterns, prefix: str, namespaces: list[str]) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                spaces = [*namespaces, pattern.namespace] if pattern.namespace else namespaces
                walk(pattern.url_patterns, prefix + str(pattern.pattern), spaces)
            elif isinstance(pattern, URLPattern) and pattern.name and not pattern.name.endswith("-detail"):
                route = prefix + str(pattern.pattern)
                if route.startswith("api/v1/") and "(?P<pk>" in route:
                    found.add(":".join([*namespaces, pattern.name]))

    walk(get_resolver().url_patterns, "", [])
    return sorted(found)


LIST_ROUTES = api_routes("-list")
DETAIL_ROUTES = api_routes("-detail")
# The upload of a head's КЭП is POST only (a key is refused it whatever the id): its scope is tested in
# tests/api/test_reports_kep_api.py.
POST_ONLY_BY_ID = {"api:report-signature"}
BY_ID_ROUTES = [name for name in api_routes_by_id() if name not in POST_ONLY_BY_ID]
# The other parts of such a route's address, besides the id.
BY_ID_KWARGS = {"api:report-download": {"fmt": "pdf"}}


def test_the_walk_finds_the_endpoints():
    assert {
        "api:municipality-list",
        "api:school-list",
        "api:procedure-list",
        "api:result-list",
        "api:flag-list",
        "api:approved-list-list",
    } <= set(LIST_ROUTES)
    assert {"api:school-detail", "api:result-detail", "api:flag-detail"} <= set(DETAIL_ROUTES)
    assert all(reverse(name).startswith("/api/v1/") for name in LIST_ROUTES)


# The walks' own checks come first: a test without the module's data in between would have it built again.
def test_every_detail_route_is_walked_with_its_list():
    assert DETAIL_ROUTES
    assert [name for name in DETAIL_ROUTES if name.removesuffix("-detail") + "-list" not in LIST_ROUTES] == []


def test_the_walk_finds_the_routes_by_id():
    assert "api:report-download" in BY_ID_ROUTES
    assert set(BY_ID_KWARGS) <= set(BY_ID_ROUTES)


class Data:
    """What belongs to B (and to the other region): the things no caller of A may see."""

    def __init__(self, world):
        self.world = world
        outside = [world.mun_b.pk, world.school_other.municipality_id]
        self.municipality_ids = set(outside)
        self.schools = School.objects.filter(municipality__in=outside)
        self.school_ids = set(self.schools.values_list("pk", flat=True))
        self.codes = set(self.schools.values_list("code", flat=True))
        self.names = {"Тацинск", "Ленинградск"} | set(
            Teacher.objects.filter(school__municipality__in=outside).values_list("last_name", flat=True)
        )
        self.deleted: dict[str, set[int]] = {}

    def ids_of(self, model, municipalities) -> set[int]:
        path = MUNICIPALITY_PATH.get(model._meta.label_lower)
        if path is None:
            return set()
        return set(model.objects.filter(**{f"{path}__in": municipalities}).values_list("pk", flat=True))

    def forbidden_ids(self, model) -> set[int]:
        return self.ids_of(model, self.municipality_ids)

    def allowed_ids(self, model) -> set[int]:
        return self.ids_of(model, [self.world.mun_a.pk])


def delete_in_both(world, regional, methodist) -> dict[str, dict[str, int]]:
    """One row of each tracked kind deleted in A and in B: the tombstones a client of A may and may not see."""
    deleted = {"a": {}, "b": {}}
    maths = Subject.objects.get(name="Математика")
    for side, municipality, school, user in [
        ("a", world.mun_a, world.school_a2, methodist),
        ("b", world.mun_b, world.school_b1, regional),
    ]:
        rows = {
            "schools.school": SchoolFactory(municipality=municipality, code=f"sch6109{side}0"),
            "schools.result": add(school, "ВПР", "физика", 8, Y, 1, 10),
            "schools.teacher": TeacherFactory(school=school, last_name=f"Удалённая{side}", subjects=[maths]),
        }
        rows["reports.report"] = reports.report_request(
            user=user, kind=ReportKind.TERRITORY, year=Y - 1, municipality_id=municipality.pk
        )
        roadmap = Roadmap.objects.filter(municipality=municipality).first()
        rows["roadmaps.roadmapitem"] = RoadmapItem.objects.create(
            roadmap=roadmap, number="99", activity="Удаляемый пункт", end_date=days(10)
        )
        rows["roadmaps.event"] = Event.objects.create(
            municipality=municipality,
            kind="seminar",
            level="municipal",
            start_date=days(-3),
            end_date=days(-3),
            organiser="Отдел образования",
            topic="Удаляемое мероприятие",
        )
        order = mentoring.order_create(
            municipality=municipality, number=f"9{side}-од", date=days(-400), user=user
        )
        rows["mentoring.mentorassignment"] = mentoring.mentor_assign(
            order=order,
            school=school,
            mentor_user=world.users["mentor"],
            start_date=days(-390),
            end_date=days(-380),
            user=user,
        )
        for label, row in rows.items():
            deleted[side][label] = row.pk
            row.delete()
    return deleted


def report_with_file(user, **territory) -> Report:
    """A report ordered through the service (its build is never run: on_commit does not fire in these tests), with a
    PDF stored as a build would store it."""
    report = reports.report_request(user=user, year=Y, **territory)
    content = f"%PDF-1.7 отчёт {report.pk}".encode()
    name = f"reports/{report.pk}/spravka-{Y}-v{report.version}-a1-pdf.pdf"
    default_storage.save(name, ContentFile(content))
    ReportFile.objects.create(
        report=report, format="pdf", file=name, size=len(content), sha256=hashlib.sha256(content).hexdigest()
    )
    # Its head's КЭП (the demo's signer): the routes of the .sig and of the PDF + .sig bundle serve it.
    pki = _demo_pki()
    ReportSignature.objects.create(
        report=report,
        signature=default_storage.save(
            f"reports/{report.pk}/kep/spravka.pdf.sig",
            ContentFile(demo_kep.sign_detached(content, cert_der=pki.head_der, private=pki.head_key)),
        ),
        signature_sha256="0" * 64,
        pdf_sha256=hashlib.sha256(content).hexdigest(),
        certificate=pki.head_der,
        owner_name="Кузнецова Наталья Андреевна",
        serial="1000",
        issuer=demo_kep.CA_NAME,
        not_before=timezone.now(),
        not_after=timezone.now(),
        algorithm="ГОСТ Р 34.10-2012, 256 бит",
        uploaded_by=user,
        verified_at=timezone.now(),
    )
    return report


@functools.cache
def _demo_pki() -> demo_kep.DemoPki:
    return demo_kep.make_pki(
        demo_kep.DemoHead("Кузнецова", "Наталья Андреевна", "Заведующий", "Отдел образования", "11223344595")
    )


@pytest.fixture(scope="module", autouse=True)
def _module_media(tmp_path_factory):
    """One media folder for the module's lifetime: the reports' PDFs that ``data`` stores once per module live on
    disk, outside the rolled-back transaction, so every test of the module finds them. Set up before the module's
    world (an autouse fixture of the same scope comes first), so the shared build writes here too."""
    with override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("scope-walk-media")):
        yield


@module_fixture
def data(world):
    """Every area in A and in B (build_programme gives most of it; B gets the rest here), built once per module
    (tests/builders/module.py); the reports' PDFs go to the module's media folder (``_module_media``)."""
    build_programme(world)
    methodist, regional = world.users["methodist"], world.users["regional_methodist"]
    a1, a2, b1, b2 = world.school_a1, world.school_a2, world.school_b1, world.b2
    maths = Subject.objects.get(name="Математика")
    t_b = Teacher.objects.get(school=b2, last_name="Клестова")
    # B's tutor, diagnostics, partnership and event; A's partnership, event and approved list.
    order_b = mentoring.order_create(municipality=world.mun_b, number="8-од", date=days(-20), user=regional)
    mentoring.tutor_assign(
        order=order_b,
        teacher=t_b,
        subject=maths,
        tutor=world.users["tutor"],
        start_date=days(-10),
        user=regional,
    )
    campaign_b = diagnostics.campaign_create(
        municipality=world.mun_b,
        name="Диагностика Тацинского района",
        instrument="Платформа",
        start_date=datetime.date(Y, 1, 10),
        end_date=datetime.date(Y, 1, 10),
        schools=[b2],
        user=regional,
    )
    diagnostics.results_set(
        campaign=campaign_b, teacher=t_b, scores={b.pk: 40 for b in campaign_b.blocks.all()}, user=regional
    )
    school_year = TODAY.year if TODAY.month >= 9 else TODAY.year - 1
    for school, partner, user in [(a1, a2, methodist), (b1, b2, regional)]:
        mentoring.partnership_create(
            school=school,
            partners=[partner],
            kind="pair",
            agreement_number="1",
            agreement_date=days(-5),
            first_year=school_year,
            last_year=school_year,
            user=user,
        )
    for municipality, school, user in [(world.mun_a, a1, methodist), (world.mun_b, b2, regional)]:
        services_events.event_create(
            user=user,
            municipality=municipality,
            kind="seminar",
            level="municipal",
            start_date=days(-7),
            end_date=days(-7),
            organiser="Отдел образования",
            topic="Формирующее оценивание",
            schools=[school],
            participants_count=12,
        )
    approved_list_create(
        municipality=world.mun_a, list_year=Y, order_number="3-од", order_date=days(-50), user=methodist
    )
    # Reports: a справка of A; of B a справка and a school's profile, each with its PDF.
    report_with_file(methodist, kind=ReportKind.TERRITORY, municipality_id=world.mun_a.pk)
    report_with_file(regional, kind=ReportKind.TERRITORY, municipality_id=world.mun_b.pk)
    report_with_file(regional, kind=ReportKind.SCHOOL, school_id=b1.pk)
    found = Data(world)
    for side, rows in delete_in_both(world, regional, methodist).items():
        if side == "b":
            for label, pk in rows.items():
                found.deleted.setdefault(label, set()).add(pk)
    # B really has rows of every area: otherwise the walk below would prove nothing.
    for label in MUNICIPALITY_PATH:
        model = apps.get_model(label)
        assert found.forbidden_ids(model), f"no rows of {label} in B"
        assert found.allowed_ids(model), f"no rows of {label} in A"
    return found


def callers(client, world) -> list[tuple[str, dict]]:
    _obj, plain = ClientKey.objects.create_key(name="РИС А", region=world.region)
    _obj.municipalities.set([world.mun_a])
    _obj, personal = ClientKey.objects.create_key(name="РИС А (ФИО)", region=world.region, personal_data=True)
    _obj.municipalities.set([world.mun_a])
    return [
        ("ключ А", {"HTTP_AUTHORIZATION": f"Api-Key {plain}"}),
        ("ключ А с ФИО", {"HTTP_AUTHORIZATION": f"Api-Key {personal}"}),
        ("методист А", {"session": world.users["methodist"]}),
    ]


def call(client, url: str, headers: dict, params: dict | None = None):
    headers = dict(headers)
    user = headers.pop("session", None)
    client.logout()
    if user is not None:
        client.force_login(user)
    return client.get(url, params or {}, **headers)


def leaks(value, data: Data, where: str = "") -> list[str]:
    """Everything of B found anywhere in a JSON value."""
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{where}.{key}"
            if key in SCHOOL_KEYS and isinstance(item, int) and item in data.school_ids:
                found.append(f"{here}: school {item} of B")
            elif key in MUNICIPALITY_KEYS and isinstance(item, int) and item in data.municipality_ids:
                found.append(f"{here}: municipality {item} of B")
            elif key in SCHOOLS_KEYS and isinstance(item, list):
                ids = {
                    pk for pk in item if isinstance(pk, int)
                } & data.school_ids  # lists of objects: walked below
                if ids:
                    found.append(f"{here}: schools {sorted(ids)} of B")
            found += leaks(item, data, here)
    elif isinstance(value, list):
        for n, item in enumerate(value):
            found += leaks(item, data, f"{where}[{n}]")
    elif isinstance(value, str):
        found += [f"{where}: «{value}» names {text}" for text in data.codes | data.names if text in value]
    return found


def read_all(client, url: str, headers: dict) -> tuple[int, list, dict]:
    """Every page of a list (with updated_since, so that deletions come too): status, rows, the first page."""
    response = call(client, url, headers, {"page_size": 1000, "updated_since": "2000-01-01T00:00:00Z"})
    assert response.status_code != 500
    if response.status_code != 200:
        return response.status_code, [], response.json()
    first = body = response.json()
    rows = body.get("results", []) if isinstance(body, dict) else body
    rows = list(rows) if isinstance(rows, list) else []
    while isinstance(body, dict) and body.get("next"):
        body = call(client, body["next"], headers).json()
        rows += body["results"]
    return 200, rows, first


@pytest.mark.parametrize("name", LIST_ROUTES)
def test_list_endpoint_never_shows_municipality_b(client, world, data, name):
    url = reverse(name)
    view = resolve(url).func.cls
    model = getattr(view, "model", None)
    forbidden = data.forbidden_ids(model) if model is not None else set()
    allowed = data.allowed_ids(model) if model is not None else set()
    deleted_b = data.deleted.get(getattr(view, "tombstone_model", None) or "", set())
    for who, headers in callers(client, world):
        status, rows, first = read_all(client, url, headers)
        context = f"{name} ({who})"
        if status == 400:  # only for a required parameter left out: the one error format names it
            assert first["code"] == "invalid" and first["details"], context
            continue
        assert status == 200, f"{context}: {status} {first}"
        problems = leaks(first if not rows else rows, data) + leaks(
            {k: v for k, v in first.items() if k not in ("results", "deleted", "next", "previous")}, data
        )
        ids = {row.get("id") for row in rows if isinstance(row, dict)}
        problems += [f"row {pk} of B" for pk in sorted(ids & forbidden, key=str)]
        problems += [f"deleted {pk} of B" for pk in sorted(set(first.get("deleted", [])) & deleted_b)]
        assert not problems, f"{context}:\n" + "\n".join(problems)
        if allowed and who != "ключ А":  # the plain key sees teachers under pseudonyms
            assert ids & allowed, f"{context}: none of A's rows either — the walk would prove nothing"
    detail = name.removesuffix("-list") + "-detail"
    if detail in DETAIL_ROUTES:
        check_detail(client, world, data, detail, forbidden, allowed)


def check_detail(client, world, data, name: str, forbidden: set, allowed: set) -> None:
    """B's rows asked for by id are not found; one of A's is (by a key with personal data: ids, not pseudonyms)."""
    _who, personal = callers(client, world)[1]
    for pk in sorted(forbidden)[:5]:
        response = call(client, reverse(name, kwargs={"pk": pk}), personal)
        assert response.status_code == 404, f"{name} {pk}: {response.status_code}"
        assert response.json()["code"] == "not_found"
    if allowed:
        pk = min(allowed)
        response = call(client, reverse(name, kwargs={"pk": pk}), personal)
        assert response.status_code == 200, f"{name} {pk}: {response.status_code}"
        assert not leaks(response.json(), data), name


@pytest.mark.parametrize("name", BY_ID_ROUTES)
def test_a_route_by_id_never_serves_a_row_of_b(client, world, data, name):
    """Every other route naming a row by id (a report's file): B's rows are 404 for each caller of A, A's are not."""
    kwargs = BY_ID_KWARGS.get(name, {})
    view = resolve(reverse(name, kwargs={"pk": 1, **kwargs})).func.cls
    forbidden, allowed = data.forbidden_ids(view.model), data.allowed_ids(view.model)
    assert forbidden and allowed, f"{name}: no rows of {view.model._meta.label} to ask for"
    for who, headers in callers(client, world):
        for pk in sorted(forbidden)[:5]:
            response = call(client, reverse(name, kwargs={"pk": pk, **kwargs}), headers)
            assert response.status_code == 404, f"{name} {pk} ({who}): {response.status_code}"
            assert response.json()["code"] == "not_found"
        response = call(client, reverse(name, kwargs={"pk": min(allowed), **kwargs}), headers)
        assert response.status_code == 200, f"{name} {min(allowed)} ({who}): {response.status_code}"


def test_a_municipality_key_is_refused_the_other_municipality_by_filter(client, world, data):
    """Asking for B by a filter gives nothing, not B's rows."""
    _who, headers = callers(client, world)[1]
    for url, params in [
        ("/api/v1/schools/", {"municipality": world.mun_b.pk}),
        ("/api/v1/results/", {"school": world.school_b1.pk}),
        ("/api/v1/flags/", {"municipality": world.mun_b.pk}),
        ("/api/v1/municipalities/", {}),
    ]:
        response = call(client, url, headers, params)
        assert response.status_code == 200
        body = response.json()
        assert not leaks(body, data), (url, json.dumps(body, ensure_ascii=False)[:500])
    names = [m["name"] for m in call(client, "/api/v1/municipalities/", headers).json()["results"]]
    assert names == [world.mun_a.name]
    response = call(client, f"/api/v1/municipalities/{world.mun_b.pk}/", headers)
    assert response.status_code == 404
