"""Benchmark: the home page (issue #20 §1, Performance) of a regional methodist of a 2,000-school region.

Generates (seeded; ``--reuse`` keeps the database of an earlier run) one region of 50 municipalities × 40 schools
with what the home page counts: statuses of two list years (about a tenth ШНОР), approved lists in half the
municipalities, 12 subject teachers in each ШНОР, mentors for 60 % of the ШНОР and tutors for half their
teachers (the measured tutor has 24 of them), ИОМ (draft and approved, lines over the year), three quarters of
forms of every ШНОР in all states, a roadmap per municipality and per ШНОР with items late and ahead, uploads and
справки waiting.

Then opens ``/`` in process (Django's test client, the full middleware and template) as the regional methodist,
the regional head, the regional analyst, a municipal methodist and a tutor: the number of queries and the median and the
worst of ``--runs`` requests after one warm-up. Baselines in the same run: the password page (the shell alone:
session, user, menu, header) and «Обзор территории» of the regional methodist.

    .venv/bin/python bench/home.py [--reuse] [--runs 20]

Goal (#20): ≤ 15 queries and ≤ 300 ms for the regional methodist of a 2,000-school region.
"""

import argparse
import datetime
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import django_on_fresh_database  # noqa: E402

MUNICIPALITIES = 50
SCHOOLS_PER_MUNICIPALITY = 40  # 2,000 schools: the largest regions (#20 Performance)
TEACHERS_PER_SHNOR = 12
GOAL_MS, GOAL_QUERIES = 300.0, 15


def generate(seed: int = 2026) -> None:  # noqa: PLR0915 -- one scenario, in order
    from django.db import transaction
    from django.utils import timezone

    from core.models import ImportBatch, User
    from core.roles import Role
    from core.services import role_grant
    from diagnostics import progress
    from diagnostics.models import ActivityKind, ProgressForm, Route, RouteLine
    from mentoring.models import MentorAssignment, Order, TutorAssignment
    from reports.models import Report
    from roadmaps.models import Roadmap, RoadmapItem
    from schools.models import (
        ApprovedList,
        ApprovedListEntry,
        FlagComputation,
        FlagDecision,
        Municipality,
        Region,
        School,
        Subject,
        Teacher,
    )

    rng = random.Random(seed)
    today = timezone.localdate()
    year = today.year
    quarter = progress.quarter_of(today)
    with transaction.atomic():
        region = Region.objects.create(name="Область на 2000 школ")
        municipalities = Municipality.objects.bulk_create(
            [Municipality(region=region, name=f"Район {n:02d}") for n in range(MUNICIPALITIES)]
        )
        schools = School.objects.bulk_create(
            [
                School(
                    municipality=m,
                    code=f"sch{900000 + i * SCHOOLS_PER_MUNICIPALITY + k}",
                    name=f"МБОУ «СОШ №{k + 1}» ({m.name})",
                    short_name=f"СОШ №{k + 1}",
                    school_type="СОШ",
                )
                for i, m in enumerate(municipalities)
                for k in range(SCHOOLS_PER_MUNICIPALITY)
            ]
        )
        users = {
            login: User.objects.create_user(username=login, password="Home-bench-2026!")  # noqa: S106
            for login in (
                "region_methodist",
                "region_head",
                "region_analyst",
                "town_methodist",
                "tutor",
                "tutor2",
            )
        }
        role_grant(user=users["region_methodist"], role=Role.METHODIST, region=region)
        role_grant(user=users["region_head"], role=Role.HEAD, region=region)
        role_grant(user=users["region_analyst"], role=Role.REGIONAL_ANALYST, region=region)
        role_grant(user=users["town_methodist"], role=Role.METHODIST, municipality=municipalities[0])
        role_grant(user=users["tutor"], role=Role.TUTOR)
        role_grant(user=users["tutor2"], role=Role.TUTOR)
        mentors = [User(username=f"mentor{n:02d}") for n in range(MUNICIPALITIES)]
        for mentor in mentors:
            mentor.set_unusable_password()
        mentors = User.objects.bulk_create(mentors)

        # Statuses of two list years; the ШНОР of this year are what the rest hangs on.
        weights = {"shnor": 10, "risk": 10, "no_data": 5, "none": 75}
        statuses = list(weights)
        shnor: list = []
        for list_year in (year - 1, year):
            computation = FlagComputation.objects.create(region=region, list_year=list_year, params={})
            decisions = []
            for school in schools:
                status = rng.choices(statuses, weights=weights.values())[0]
                decisions.append(
                    FlagDecision(school=school, list_year=list_year, status=status, computation=computation)
                )
                if list_year == year and status == "shnor":
                    shnor.append(school)
            FlagDecision.objects.bulk_create(decisions, batch_size=2000)
        status_of = dict(FlagDecision.objects.filter(list_year=year).values_list("school_id", "status"))
        for m in municipalities[::2]:
            approved = ApprovedList.objects.create(
                municipality=m,
                list_year=year,
                order_number=f"{m.pk}-од",
                order_date=today - datetime.timedelta(days=60),
                created_by=users["region_methodist"],
            )
            ApprovedListEntry.objects.bulk_create(
                [
                    ApprovedListEntry(
                        approved_list=approved,
                        school=s,
                        computed_status=status_of[s.pk],
                        included=status_of[s.pk] == "shnor",
                    )
                    for s in schools
                    if s.municipality_id == m.pk
                ]
            )

        maths = Subject.objects.get_or_create(name="Математика")[0]
        teachers = Teacher.objects.bulk_create(
            [
                Teacher(
                    school=s, last_name=f"Педагогова{s.pk}-{n}", first_name="Анна", middle_name="Сергеевна"
                )
                for s in shnor
                for n in range(TEACHERS_PER_SHNOR)
            ]
        )
        Teacher.subjects.through.objects.bulk_create(
            [Teacher.subjects.through(teacher_id=t.pk, subject_id=maths.pk) for t in teachers]
        )
        orders = {
            m.pk: Order.objects.create(
                municipality=m, number=f"{m.pk}-н", date=today - datetime.timedelta(days=200)
            )
            for m in municipalities
        }
        start = today - datetime.timedelta(days=150)
        by_municipality = {m.pk: mentors[i] for i, m in enumerate(municipalities)}
        MentorAssignment.objects.bulk_create(
            [
                MentorAssignment(
                    order=orders[s.municipality_id],
                    school=s,
                    mentor_user=by_municipality[s.municipality_id],
                    start_date=start,
                )
                for s in shnor
                if rng.random() < 0.6
            ]
        )
        school_of = {s.pk: s for s in shnor}
        TutorAssignment.objects.bulk_create(
            [
                TutorAssignment(
                    order=orders[school_of[t.school_id].municipality_id],
                    teacher=t,
                    subject=maths,
                    # the measured tutor has two schools' teachers (24); the rest of the half go to another
                    tutor=users["tutor"] if n < 2 * TEACHERS_PER_SHNOR else users["tutor2"],
                    start_date=start,
                )
                for n, t in enumerate(teachers[::2])
            ]
        )

        activity = ActivityKind.objects.order_by("pk").first()
        routes = Route.objects.bulk_create(
            [
                Route(teacher=t, school_year=year, status="approved" if rng.random() < 0.75 else "draft")
                for t in teachers
                if rng.random() < 0.9
            ]
        )
        quarters = [quarter.previous().previous(), quarter.previous(), quarter, quarter.next()]
        RouteLine.objects.bulk_create(
            [
                RouteLine(
                    route=r,
                    position=n,
                    deficit="Оценивание",
                    task=f"Задача {n}",
                    activity=activity,
                    due_year=q.year,
                    due_quarter=q.number,
                    status=rng.choice(["not_started", "in_progress", "done"]),
                )
                for r in routes
                for n, q in enumerate(quarters)
            ],
            batch_size=5000,
        )
        form_statuses = ["draft", "submitted", "returned", "accepted"]
        ProgressForm.objects.bulk_create(
            [
                ProgressForm(
                    school=s,
                    year=q.year,
                    quarter=q.number,
                    status=rng.choice(form_statuses),
                    deadline=progress.deadline(q),
                    review_comment="Приложите документы.",
                )
                for s in shnor
                for q in quarters[:3]
            ]
        )
        roadmaps = Roadmap.objects.bulk_create(
            [
                Roadmap(
                    municipality=m,
                    title=f"Дорожная карта {m.name}",
                    period_start=datetime.date(year, 1, 1),
                    period_end=datetime.date(year, 12, 31),
                )
                for m in municipalities
            ]
            + [
                Roadmap(
                    municipality_id=s.municipality_id,
                    school=s,
                    title=f"Программа {s.short_name}",
                    period_start=datetime.date(year, 1, 1),
                    period_end=datetime.date(year, 12, 31),
                )
                for s in shnor
            ]
        )
        RoadmapItem.objects.bulk_create(
            [
                RoadmapItem(
                    roadmap=r,
                    number=str(n + 1),
                    position=n,
                    activity=f"Мероприятие {n + 1}",
                    end_date=today + datetime.timedelta(days=rng.randint(-120, 120)),
                )
                for r in roadmaps
                for n in range(20 if r.school_id is None else 10)
            ],
            batch_size=5000,
        )
        ImportBatch.objects.bulk_create(
            [
                ImportBatch(
                    kind="results",
                    status="validated" if n % 3 == 0 else "applied",
                    region=region,
                    uploaded_by=users["region_methodist"],
                    original_name=f"ВПР-{n}.xlsx",
                )
                for n in range(30)
            ]
        )
        Report.objects.bulk_create(
            [
                Report(
                    kind="territory",
                    region=region,
                    municipality=m,
                    year=year,
                    requested_by=users["region_methodist"],
                    status="ready" if n % 3 == 0 else "signed" if n % 3 == 1 else "failed",
                )
                for n, m in enumerate(municipalities)
            ]
        )
    print(
        f"Данные: школ {len(schools)}, ШНОР {len(shnor)}, педагогов ШНОР {len(teachers)}, ИОМ {len(routes)}",
        flush=True,
    )


def measure(login: str, path: str, runs: int) -> dict:
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from core.models import User

    settings.ALLOWED_HOSTS = ["*"]
    client = Client()
    client.force_login(User.objects.get(username=login))
    warm = client.get(path)  # warm-up: templates, caches of the process
    if warm.status_code != 200:
        raise SystemExit(f"{login} {path}: {warm.status_code}")
    times = []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{login} {path}: {response.status_code}")
    return {"queries": len(queries), "median": statistics.median(times), "max": max(times)}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reuse", action="store_true", help="keep the database of an earlier run")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    started = time.perf_counter()
    if not django_on_fresh_database(reuse=args.reuse):
        generate()
        print(f"Сборка данных: {time.perf_counter() - started:.0f} с", flush=True)
    from django.core.management import call_command

    call_command("check", verbosity=0)
    cases = [
        ("region_methodist", "/password/", "оболочка страницы (смена пароля), региональный методист"),
        ("region_methodist", "/roadmaps/dashboard/", "«Обзор территории», региональный методист"),
        ("region_methodist", "/", "главная, региональный методист"),
        ("region_head", "/", "главная, руководитель (регион)"),
        ("region_analyst", "/", "главная, региональный аналитик"),
        ("town_methodist", "/", "главная, методист муниципалитета (40 школ)"),
        ("tutor", "/", "главная, тьютор (24 педагога)"),
    ]
    print(f"{'страница':58} {'запросов':>8} {'медиана, мс':>12} {'худшее, мс':>11}")
    failed = False
    for login, path, label in cases:
        result = measure(login, path, args.runs)
        print(
            f"{label:58} {result['queries']:>8} {result['median']:>12.0f} {result['max']:>11.0f}", flush=True
        )
        if login == "region_methodist" and path == "/":
            failed = result["queries"] > GOAL_QUERIES or result["median"] > GOAL_MS
    print("Цель (≤ 15 запросов, ≤ 300 мс):", "не достигнута" if failed else "достигнута")


if __name__ == "__main__":
    main()
