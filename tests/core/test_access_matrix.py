"""Who gets what on every page of the portal: one table, URL name × role → the status of a plain GET.

The URLconf is walked (namespaced includes too; the admin, the API — it has its own walk in
tests/api/test_scope_walk.py — and static files are left out). A page without a row in ``EXPECTED`` fails the
test: whoever adds a page decides here who may open it. The ids in the URLs are of one rich world built once for
the module (tests/roadmaps/test_dashboard.py ``build_programme`` and a little more): every object belongs to
school a1 or municipality A, so the methodologist of A sees them all and the others show what they do not reach.

Statuses: 200 the page; 302 a redirect (for the anonymous visitor: to the login page); 403 the role has no use
for the page; 404 the object is outside the user's reach (guessed ids reveal nothing); 405 the address takes
POST only.
"""

import io
from urllib.parse import quote

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client, override_settings
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from api.models import ClientKey
from core.imports import import_batch_create
from core.models import AuthEvent
from core.policies import CHANGE, VIEW, policy_for
from demo import kep as demo_kep
from diagnostics import services as diagnostics
from diagnostics.models import Campaign, LineStatus, ProgressEntry, ProgressForm, Route
from diagnostics.policies import APPROVE
from mentoring import services as mentoring
from mentoring.models import LogKind, Order, PartnershipKind, TutorAssignment
from notifications.models import Notification
from reports import services as reports
from reports.models import Report, ReportFile, ReportFormat, ReportKind, ReportSignature, TrustedRoot
from reports.policies import REQUEST
from roadmaps.events import services as services_events
from roadmaps.models import EventKind, EventLevel, ItemEvidence, Roadmap
from schools.models import ApprovedList, FlagRule, ProfessionalCourse, VprScale
from schools.policies import MANAGE_TEACHERS
from schools.school_years import school_year_of
from schools.services import approved_list_create
from tests.builders.roadmaps import TODAY, Y, build_programme, days
from tests.conftest import make_world

pytestmark = pytest.mark.today  # tests/today.py

ROLES = (
    "anonymous",
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
SKIPPED_PREFIXES = ("admin/", "api/v1/", "static/", "media/")


# --- the table -------------------------------------------------------------------------------------------------


def access(default: int, anonymous: int = 302, **roles: int) -> dict[str, int]:
    """A row: ``default`` for every signed-in role unless named; the anonymous visitor is sent to log in."""
    unknown = set(roles) - set(ROLES)
    assert not unknown, unknown
    return {"anonymous": anonymous} | {role: roles.get(role, default) for role in ROLES[1:]}


public = access(200, anonymous=200)
signed_in = access(200)  # any signed-in user: the page shows what the user reaches, perhaps nothing
post_only = access(405)  # a form's action: GET is refused whoever asks (the anonymous visitor logs in first)
post_only_any = access(405, anonymous=405)  # the same, with require_POST outside login_required
# Writers of the registry and of the municipality's working data.
methodists_only = access(403, methodist=200, regional_methodist=200, superuser=200)
# The municipality's and the region's staff: the methodologists, the head, the regional analyst.
staff_only = access(403, methodist=200, regional_methodist=200, head=200, analyst=200, superuser=200)
# The same without the analyst, who works with aggregates and sees no names (152-ФЗ; core.roles).
staff_with_names = access(403, methodist=200, regional_methodist=200, head=200, superuser=200)
# An object of municipality A that only its methodologists (municipal or regional) change: others get 404.
methodists_edit = access(404, methodist=200, regional_methodist=200, superuser=200)
# A school's data the school's own admin changes too.
school_edit = access(404, methodist=200, regional_methodist=200, school_admin=200, superuser=200)
# An object of school a1 that everybody who reaches a1 reads (the mentor and the tutor through their orders).
reaches_a1 = access(200, nobody=404)
# A municipality's report or list: its staff and the analyst; school-level roles do not reach the municipality.
municipal_papers = access(200, school_admin=404, mentor=404, tutor=404, nobody=404)

EXPECTED: dict[str, dict[str, int]] = {
    # --- core ---
    "home": signed_in,
    "login": access(302, anonymous=200),  # a signed-in user is sent on (redirect_authenticated_user)
    "logout": post_only_any,  # Django 5: POST only
    "password_change": signed_in,
    "password_change_done": signed_in,
    # Two-factor sign-in (OTP_REQUIRED is off here and nobody has a device): anyone may set it up; the code page
    # has nothing to ask and sends on to the home page.
    "two_factor_setup": signed_in,
    "two_factor_verify": access(302),
    "health": public,  # monitoring: «OK» or what is broken, no data (core/health.py)
    "health_web": public,
    "audit:changes": staff_with_names,
    "audit:logins": staff_with_names,
    "imports:list": access(403, methodist=200, regional_methodist=200, school_admin=200, superuser=200),
    "imports:new": methodists_only,  # results: the school admin uploads teachers only
    "imports:template": methodists_only,
    "imports:detail": methodists_edit,  # the uploader and the region's methodologists
    "imports:errors": methodists_edit,
    "imports:changes": methodists_edit,  # every new and changed record of the batch (#19 §4)
    "imports:apply": post_only,
    "api_keys:list": methodists_only,
    "api_keys:revoke": post_only,
    # --- notifications: each person's own (the bell, the list, the e-mail settings) ---
    "notifications:list": signed_in,
    "notifications:read": post_only_any,
    "notifications:read_all": post_only_any,
    "notifications:settings": signed_in,
    # --- schools ---
    "schools:list": signed_in,
    "schools:detail": reaches_a1,
    "schools:edit": methodists_edit,
    "schools:import_pick": post_only,  # the preview's pick of a school for a name (#19 §1)
    "schools:teachers": signed_in,
    "schools:teacher_detail": access(200, analyst=404, nobody=404),  # personal data: not the analyst
    "schools:teacher_edit": school_edit,
    "schools:teacher_create": school_edit,
    "schools:course_create": school_edit,
    "schools:course_delete": post_only,
    "schools:flags": signed_in,
    "schools:flags_export": signed_in,
    "schools:flags_recompute": post_only,
    "schools:flag_rule": access(200, nobody=403),  # read-only for all who see the region
    # ВПР conversion scales: reference data every role reads; a region-wide methodologist changes them (#19 §3.4)
    "schools:vpr_scales": access(200, nobody=403),
    "schools:vpr_scale_create": access(403, regional_methodist=200, superuser=200),
    "schools:vpr_scale_edit": access(403, regional_methodist=200, superuser=200),
    "schools:approved_list_index": signed_in,
    "schools:approved_list_create": methodists_only,
    "schools:approved_list_detail": municipal_papers,
    "schools:approved_list_inclusion": post_only,
    # --- mentoring ---
    "mentoring:index": signed_in,
    "mentoring:my": access(403, mentor=200, tutor=200, superuser=200),
    "mentoring:tutors": signed_in,
    "mentoring:mentor_end": methodists_edit,
    "mentoring:tutor_end": methodists_edit,
    "mentoring:orders": signed_in,
    "mentoring:order_create": methodists_only,
    "mentoring:order_detail": municipal_papers,
    "mentoring:order_lines_add": methodists_edit,
    "mentoring:partnerships": signed_in,
    "mentoring:partnership_create": methodists_only,
    "mentoring:partnership_detail": reaches_a1,
    "mentoring:plan_item_add": post_only,
    "mentoring:plan_item_move": post_only,
    "mentoring:log": signed_in,
    # the assigned mentors and tutors and the methodologists write the log
    "mentoring:log_create": access(200, head=403, school_admin=403, analyst=403, nobody=403),
    "mentoring:log_edit": access(
        404, methodist=200, regional_methodist=200, mentor=200, superuser=200
    ),  # + author
    "mentoring:log_delete": post_only,
    "mentoring:coverage": staff_only,
    # --- diagnostics ---
    "diagnostics:campaigns": access(200, nobody=403),
    "diagnostics:campaign_create": methodists_only,
    "diagnostics:campaign_detail": access(200, nobody=403),  # the analyst and the tutor see no other names
    "diagnostics:teacher_results": access(200, analyst=403, nobody=403),
    "diagnostics:specific_deficit_delete": post_only,
    "diagnostics:dynamics": access(200, analyst=403, nobody=403),
    "diagnostics:routes": signed_in,
    # a teacher without a route: the methodologists draft one (the tutor is not this teacher's)
    "diagnostics:route_create": access(
        200, head=403, school_admin=403, mentor=403, tutor=404, analyst=404, nobody=404
    ),
    "diagnostics:route_detail": access(200, analyst=404, nobody=404),
    # the route's writers: the methodologists and the teacher's tutor
    "diagnostics:line_create": access(404, methodist=200, regional_methodist=200, tutor=200, superuser=200),
    "diagnostics:line_edit": access(404, methodist=200, regional_methodist=200, tutor=200, superuser=200),
    "diagnostics:line_delete": post_only,
    # the confirmation page of a draft ИОМ (issue #20 §3): the route's writers (t2 has no tutor in this world)
    "diagnostics:route_approve": methodists_edit,
    # quarterly forms: the school fills them in, the municipality's staff read and review them
    "diagnostics:forms": access(200, mentor=403, tutor=403, analyst=403, nobody=403),
    "diagnostics:form_open": post_only,
    "diagnostics:form_detail": access(200, mentor=404, tutor=404, analyst=404, nobody=404),
    "diagnostics:form_review": post_only,
    "diagnostics:evidence": access(200, mentor=404, tutor=404, analyst=404, nobody=404),
    "diagnostics:dashboard": staff_with_names,
    # --- roadmaps ---
    "roadmaps:list": signed_in,
    "roadmaps:create": methodists_only,
    "roadmaps:detail": reaches_a1,  # a municipal roadmap is read by the municipality's schools too
    "roadmaps:copy": post_only,
    "roadmaps:item_create": methodists_edit,
    "roadmaps:item_edit": methodists_edit,
    "roadmaps:item_move": post_only,
    "roadmaps:evidence_add": post_only,
    "roadmaps:evidence": reaches_a1,
    "roadmaps:my_items": signed_in,
    "roadmaps:indicators": staff_only,
    "roadmaps:dashboard": staff_only,
    "roadmaps:events": signed_in,
    "roadmaps:event_create": methodists_only,
    "roadmaps:event_detail": reaches_a1,
    "roadmaps:event_edit": methodists_edit,
    "roadmaps:event_delete": post_only,
    "roadmaps:risks": signed_in,
    "roadmaps:risk_profile": reaches_a1,
    "roadmaps:risk_profile_copy": post_only,
    # --- reports ---
    "reports:list": signed_in,
    "reports:request": access(403, methodist=200, regional_methodist=200, head=200, superuser=200),
    "reports:verify": public,  # a recipient outside the portal checks a signed report
    "reports:verify_document": public,  # the print copy's QR code leads anyone here
    "reports:detail": municipal_papers,
    "reports:status": municipal_papers,
    "reports:download": municipal_papers,
    "reports:download_sig": municipal_papers,  # the head's КЭП (.sig) of the world's справка
    "reports:download_bundle": municipal_papers,  # its PDF + .sig in one ZIP
    "reports:roots": access(403, superuser=200),  # the trusted roots: the portal's administrator only
    "reports:root_remove": post_only_any,
    "reports:edit": post_only_any,
    "reports:retry": post_only_any,
    "reports:return": post_only_any,
    # The sign page: the head of the report's municipality (the world's report is still queued: sent back to it).
    "reports:sign": access(403, head=302, superuser=302, school_admin=404, mentor=404, tutor=404, nobody=404),
    "reports:sign_kep": post_only_any,
    "reports:preview": municipal_papers,  # the PDF inline, for the sign page's frame
    "reports:new_version": post_only_any,
    # The approved list's annex to its order, .docx and PDF (issue #20 §3): whoever reads the list.
    "reports:approved_list_annex": municipal_papers,
}

# Pages whose gate is one question to a model's policy (core.policies): the object the page shows (a key of
# ``build``'s objects) or, for a page before any object (a list, a form), the model — "may the user do it
# anywhere". The table's 200s must be exactly the roles the policy allows (test_the_table_agrees_with_the_policies).
POLICY_OF_PAGE: dict[str, tuple[str | type, str]] = {
    "imports:detail": ("batch", VIEW),
    "imports:errors": ("batch", VIEW),
    "imports:changes": ("batch", VIEW),
    "api_keys:list": (ClientKey, CHANGE),
    "notifications:list": (Notification, VIEW),
    "audit:changes": (AuthEvent, VIEW),
    "audit:logins": (AuthEvent, VIEW),
    "schools:detail": ("school", VIEW),
    "schools:edit": ("school", CHANGE),
    "schools:teacher_detail": ("teacher", VIEW),
    "schools:teacher_edit": ("teacher", CHANGE),
    "schools:course_create": ("teacher", CHANGE),
    "schools:teacher_create": ("school", MANAGE_TEACHERS),
    "schools:flag_rule": (FlagRule, VIEW),
    "schools:approved_list_create": (ApprovedList, CHANGE),
    "schools:vpr_scales": (VprScale, VIEW),
    "schools:vpr_scale_create": (VprScale, CHANGE),
    "schools:vpr_scale_edit": ("vpr_scale", CHANGE),
    "schools:approved_list_detail": ("approved", VIEW),
    "diagnostics:route_approve": ("draft_route", APPROVE),
    "reports:request": (Report, REQUEST),
    "reports:detail": ("report", VIEW),
    "reports:status": ("report", VIEW),
    "reports:download": ("report", VIEW),
    "reports:download_sig": ("report", VIEW),
    "reports:download_bundle": ("report", VIEW),
    "reports:roots": (TrustedRoot, VIEW),
    "reports:preview": ("report", VIEW),
    "reports:approved_list_annex": ("approved", VIEW),
}

# URL kwargs by name, from the objects of the world (see ``build``).
KWARGS = {
    "schools:detail": lambda o: {"pk": o["school"].pk},
    "schools:edit": lambda o: {"pk": o["school"].pk},
    "schools:teacher_detail": lambda o: {"pk": o["teacher"].pk},
    "schools:teacher_edit": lambda o: {"pk": o["teacher"].pk},
    "schools:course_create": lambda o: {"pk": o["teacher"].pk},
    "schools:course_delete": lambda o: {"pk": o["course"].pk},
    "schools:teacher_create": lambda o: {"school_pk": o["school"].pk},
    "schools:approved_list_detail": lambda o: {"pk": o["approved"].pk},
    "schools:vpr_scale_edit": lambda o: {"pk": o["vpr_scale"].pk},
    "schools:approved_list_inclusion": lambda o: {"pk": o["approved"].pk, "school_pk": o["school"].pk},
    "mentoring:mentor_end": lambda o: {"pk": o["mentor_assignment"].pk},
    "mentoring:tutor_end": lambda o: {"pk": o["tutor_assignment"].pk},
    "mentoring:order_detail": lambda o: {"pk": o["order"].pk},
    "mentoring:order_lines_add": lambda o: {"pk": o["order"].pk},
    "mentoring:partnership_detail": lambda o: {"pk": o["partnership"].pk},
    "mentoring:plan_item_add": lambda o: {"pk": o["partnership"].pk},
    "mentoring:plan_item_move": lambda o: {"pk": o["plan_item"].pk},
    "mentoring:log_edit": lambda o: {"pk": o["log_entry"].pk},
    "mentoring:log_delete": lambda o: {"pk": o["log_entry"].pk},
    "diagnostics:campaign_detail": lambda o: {"pk": o["campaign"].pk},
    "diagnostics:teacher_results": lambda o: {"pk": o["campaign"].pk, "teacher_pk": o["teacher"].pk},
    "diagnostics:specific_deficit_delete": lambda o: {"pk": o["campaign"].pk, "deficit_pk": o["deficit"].pk},
    "diagnostics:route_create": lambda o: {"teacher_pk": o["teacher_without_route"].pk},
    "diagnostics:route_detail": lambda o: {"pk": o["route"].pk},
    "diagnostics:line_create": lambda o: {"pk": o["route"].pk},
    "diagnostics:line_edit": lambda o: {"pk": o["route"].pk, "line_pk": o["line"].pk},
    "diagnostics:line_delete": lambda o: {"pk": o["route"].pk, "line_pk": o["line"].pk},
    "diagnostics:route_approve": lambda o: {"pk": o["draft_route"].pk},
    "diagnostics:form_open": lambda o: {"school_pk": o["school"].pk, "year": Y, "quarter": 1},
    "diagnostics:form_detail": lambda o: {"pk": o["form"].pk},
    "diagnostics:form_review": lambda o: {"pk": o["form"].pk},
    "diagnostics:evidence": lambda o: {"entry_pk": o["entry"].pk},
    "roadmaps:detail": lambda o: {"pk": o["roadmap"].pk},
    "roadmaps:copy": lambda o: {"pk": o["roadmap"].pk},
    "roadmaps:item_create": lambda o: {"pk": o["roadmap"].pk},
    "roadmaps:item_edit": lambda o: {"pk": o["roadmap"].pk, "item_pk": o["item"].pk},
    "roadmaps:item_move": lambda o: {"item_pk": o["item"].pk},
    "roadmaps:evidence_add": lambda o: {"item_pk": o["item"].pk},
    "roadmaps:evidence": lambda o: {"evidence_pk": o["evidence"].pk},
    "roadmaps:event_detail": lambda o: {"pk": o["event"].pk},
    "roadmaps:event_edit": lambda o: {"pk": o["event"].pk},
    "roadmaps:event_delete": lambda o: {"pk": o["event"].pk},
    "roadmaps:risk_profile": lambda o: {"school_pk": o["school"].pk, "year": Y},
    "roadmaps:risk_profile_copy": lambda o: {"school_pk": o["school"].pk, "year": Y},
    "reports:detail": lambda o: {"pk": o["report"].pk},
    "reports:status": lambda o: {"pk": o["report"].pk},
    "reports:edit": lambda o: {"pk": o["report"].pk},
    "reports:retry": lambda o: {"pk": o["report"].pk},
    "reports:return": lambda o: {"pk": o["report"].pk},
    "reports:sign": lambda o: {"pk": o["report"].pk},
    "reports:sign_kep": lambda o: {"pk": o["report"].pk},
    "reports:preview": lambda o: {"pk": o["report"].pk},
    "reports:new_version": lambda o: {"pk": o["report"].pk},
    "reports:download": lambda o: {"pk": o["report"].pk, "fmt": "pdf"},
    "reports:download_sig": lambda o: {"pk": o["report"].pk},
    "reports:download_bundle": lambda o: {"pk": o["report"].pk},
    "reports:root_remove": lambda o: {"pk": 1},  # POST only: any id
    "reports:approved_list_annex": lambda o: {"pk": o["approved"].pk, "fmt": "pdf"},
    "reports:verify_document": lambda o: {"public_id": o["kep"].public_id},
    "imports:new": lambda o: {"kind": "results"},
    "imports:template": lambda o: {"kind": "results"},
    "imports:detail": lambda o: {"pk": o["batch"].pk},
    "imports:apply": lambda o: {"pk": o["batch"].pk},
    "schools:import_pick": lambda o: {"pk": o["batch"].pk},
    "imports:errors": lambda o: {"pk": o["batch"].pk},
    "imports:changes": lambda o: {"pk": o["batch"].pk},
    "api_keys:revoke": lambda o: {"pk": o["key"].pk},
    "notifications:read": lambda o: {"pk": 1},  # POST only: any id
}


# --- the walk ----------------------------------------------------------------------------------------------------


def url_names(patterns=None, prefix: str = "", namespace: str = "") -> dict[str, str]:
    """Name → route of every page of the URLconf outside SKIPPED_PREFIXES; an unnamed page is named by its route."""
    names: dict[str, str] = {}
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(entry.pattern)
        if route.startswith(SKIPPED_PREFIXES):
            continue
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else entry.namespace
            names |= url_names(entry.url_patterns, route, inner or namespace)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}".lstrip(":") if entry.name else f"<без имени> {route}"
            names[name] = route
    return names


URLS = url_names()


def test_every_row_of_the_table_is_a_page():
    stale = sorted(set(EXPECTED) - set(URLS))
    assert not stale, f"строки таблицы доступа без страницы: {', '.join(stale)}"


# --- the world ---------------------------------------------------------------------------------------------------

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
RESULTS_CSV = (
    "Код ОО;Год;Вид;Предмет;Класс;Участников;Неудовлетворительно;«3»;«4»;«5»;Средний балл\n"
    f"sch610001;{Y};ВПР;Математика;5;27;5;12;8;2;3,26\n"
)


def build(world) -> dict:
    """Everything a page of the portal can name, each of school a1 / municipality A."""
    build_programme(world)
    users = world.users
    methodist = users["methodist"]
    a1, a2 = world.school_a1, world.school_a2
    t1, t2, t3, _t4, _t6 = world.teachers

    # mentoring: the mentor is assigned to a1 now (the programme's assignment ended); t1's tutor; a pair.
    order = Order.objects.get(municipality=world.mun_a)
    mentor_assignment = mentoring.mentor_assign(
        order=order, school=a1, mentor_user=users["mentor"], start_date=days(-40), user=methodist
    )
    school_year = school_year_of(TODAY)
    partnership = mentoring.partnership_create(
        school=a1,
        partners=[a2],
        kind=PartnershipKind.PAIR,
        agreement_number="5",
        agreement_date=days(-30),
        first_year=school_year,
        last_year=school_year,
        user=methodist,
    )
    plan_item = mentoring.plan_item_add(
        partnership=partnership, title="Взаимопосещение уроков", due_date=days(20), user=methodist
    )
    log_entry = mentoring.log_entry_create(
        author=users["mentor"],
        school=a1,
        date=days(-1),
        kind=LogKind.CONSULTATION,
        topic="Разбор урока",
        teachers=[t1],
    )

    # diagnostics: t1's approved route with its lines, a specific deficit, a quarterly form with evidence.
    campaign = Campaign.objects.get(name="Январская диагностика")
    deficit = diagnostics.specific_deficit_add(
        campaign=campaign, teacher=t1, text="Формирующее оценивание", user=methodist
    )
    route = Route.objects.get(teacher=t1)
    line = route.lines.order_by("position").first()
    form = ProgressForm.objects.get(school=a1)
    entry = ProgressEntry(
        form=form, line=line, status=LineStatus.DONE, evidence_name="Справка о посещении.pdf"
    )
    entry.evidence.save("spravka.pdf", ContentFile(PDF), save=False)
    entry.save()

    # roadmaps: A's roadmap with an item and a file; an event; the approved list of A.
    roadmap = Roadmap.objects.get(municipality=world.mun_a, school=None)
    item = roadmap.items.get(number="1")
    evidence = ItemEvidence(item=item, name="Приказ № 45")
    evidence.file.save("prikaz.pdf", ContentFile(PDF), save=False)
    evidence.save()
    event = services_events.event_create(
        user=methodist,
        municipality=world.mun_a,
        kind=EventKind.SEMINAR,
        level=EventLevel.MUNICIPAL,
        start_date=days(-10),
        end_date=days(-10),
        organiser="Обливский РМК",
        topic="Функциональная грамотность",
        schools=[a1],
        teachers=[t1],
    )
    approved = approved_list_create(
        municipality=world.mun_a,
        list_year=Y,
        order_number="3-од",
        order_date=days(-10),
        user=users["regional_methodist"],
    )

    # reports: A's справка (its build never runs: on_commit does not fire inside the module's transaction).
    report = reports.report_request(
        user=methodist, kind=ReportKind.TERRITORY, year=Y, municipality_id=world.mun_a.pk
    )
    stored = ReportFile(report=report, format=ReportFormat.PDF, size=len(PDF), sha256="0" * 64)
    stored.file.save("spravka.pdf", ContentFile(PDF), save=False)
    stored.save()
    # Its КЭП as a row (the open verification page looks it up by public_id; no real signature is needed for access).
    kep = ReportSignature.objects.create(
        report=report,
        signature="reports/missing.sig",
        signature_sha256="1" * 64,
        pdf_sha256=stored.sha256,
        certificate=b"",
        owner_name="Кузнецова Наталья Андреевна",
        serial="1000",
        issuer="Тестовый УЦ",
        not_before=timezone.now(),
        not_after=timezone.now(),
        algorithm="ГОСТ Р 34.10-2012, 256 бит",
        uploaded_by=users["head"],
        verified_at=timezone.now(),
    )
    # A real detached signature of the PDF (the demo's pure-Python signer), so the .sig and the bundle download and
    # the verification page reads it.
    demo_pki = demo_kep.make_pki(
        demo_kep.DemoHead("Кузнецова", "Наталья Андреевна", "Заведующий", "Отдел образования", "11223344595")
    )
    sig = demo_kep.sign_detached(PDF, cert_der=demo_pki.head_der, private=demo_pki.head_key)
    kep.signature.save("spravka.pdf.sig", ContentFile(sig))

    # an import by A's methodologist; an API key of A.
    upload = io.BytesIO(RESULTS_CSV.encode())
    batch = import_batch_create(
        kind="results", file=upload, name="results.csv", region=world.region, user=methodist
    )
    key, _raw = ClientKey.objects.create_key(name="РИС района", region=world.region)
    key.municipalities.set([world.mun_a])

    return {
        "school": a1,
        "teacher": t1,
        "teacher_without_route": t3,
        "course": ProfessionalCourse.objects.filter(teacher=t1).first(),
        "approved": approved,
        "vpr_scale": VprScale.objects.get(year=2021, subject_key="математика", grade=5),  # seeded (0016)
        "mentor_assignment": mentor_assignment,
        "tutor_assignment": TutorAssignment.objects.get(teacher=t1),
        "order": order,
        "partnership": partnership,
        "plan_item": plan_item,
        "log_entry": log_entry,
        "campaign": campaign,
        "deficit": deficit,
        "route": route,
        "draft_route": Route.objects.get(teacher=t2),  # build_programme's draft
        "line": line,
        "form": form,
        "entry": entry,
        "roadmap": roadmap,
        "item": item,
        "evidence": evidence,
        "event": event,
        "report": report,
        "kep": kep,
        "batch": batch,
        "key": key,
    }


@pytest.fixture(scope="module")
def signed_in_clients(django_db_setup, django_db_blocker, tmp_path_factory):
    """The world and a signed-in client per role, made once for the module inside a transaction that is rolled
    back at its end; each test runs in a savepoint of it (so no on_commit callback ever runs: no report build)."""
    media = override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media"))
    media.enable()
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            world = make_world()
            objects = build(world)
            objects["users"] = world.users | {"anonymous": AnonymousUser()}
            clients = {"anonymous": Client()}
            for role in ROLES[1:]:
                clients[role] = Client()
                clients[role].force_login(world.users[role])
            yield clients, objects
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            media.disable()


# --- the test ----------------------------------------------------------------------------------------------------


def test_every_page_asked_of_a_policy_has_a_row():
    assert set(POLICY_OF_PAGE) <= set(EXPECTED) & set(URLS)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(POLICY_OF_PAGE))
def test_the_table_agrees_with_the_policies(name, signed_in_clients):
    """The roles the table lets open the page (200) are exactly those its policy allows; the others are refused
    (403, 404 or, for the anonymous visitor, the way to the login page)."""
    _clients, objects = signed_in_clients
    target, action = POLICY_OF_PAGE[name]
    obj = objects[target] if isinstance(target, str) else None
    policy = policy_for(obj if obj is not None else target)
    allowed = {role: policy.can(objects["users"][role], action, obj) for role in ROLES}
    expected = {role: EXPECTED[name][role] == 200 for role in ROLES}
    assert allowed == expected, f"{name}: {policy!r} {action}"


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(URLS))
def test_access(name, signed_in_clients):
    clients, objects = signed_in_clients
    if name not in EXPECTED:
        pytest.fail(f"новая страница без строки в таблице доступа: {name} ({URLS[name]})", pytrace=False)
    try:
        url = reverse(name, kwargs=KWARGS[name](objects) if name in KWARGS else {})
    except NoReverseMatch as error:
        pytest.fail(f"адрес {name} ({URLS[name]}) требует аргументов: добавьте их в KWARGS ({error})")
    actual = {}
    for role in ROLES:
        response = clients[role].get(url)
        actual[role] = response.status_code
        if role == "anonymous" and response.status_code == 302:
            assert response["Location"] == f"/login/?next={quote(url)}", response["Location"]
    wrong = {
        role: f"{actual[role]} вместо {EXPECTED[name][role]}"
        for role in ROLES
        if actual[role] != EXPECTED[name][role]
    }
    assert not wrong, f"{name} ({url}): {wrong}"
