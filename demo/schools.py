"""The demo's assessment results: four years that give a few ШНОР, a few at risk and schools that left.

Registered as a step of ``demo.base``; idempotent (upsert by school and procedure; seeded values) and
deterministic. After the results it recomputes the flags and approves the Обливский district's latest list.
"""

import datetime

from django.db import transaction

from schools.criteria import Status
from schools.flags import flags_recompute_years
from schools.models import (
    ApprovedList,
    FlagDecision,
    Procedure,
    ProcedureKind,
    Result,
    School,
    SchoolType,
    Subject,
)
from schools.services import approved_list_create, approved_list_set_inclusion
from schools.subjects import normalise_subject

from .base import DemoContext, demo_step_register

FIRST_YEAR, LAST_YEAR = 2023, 2026  # spring results; the lists are 2024…2027
VPR = {
    4: ["Русский язык", "Математика", "Окружающий мир"],
    5: ["Русский язык", "Математика", "История"],
    6: ["Русский язык", "Математика", "Биология"],
    7: ["Русский язык", "Математика", "Физика"],
    8: ["Русский язык", "Математика", "Химия"],
}
OGE = ["Русский язык", "Математика", "Обществознание"]
EGE = ["Русский язык", "Математика (профильный уровень)"]  # as the ЕГЭ workbooks and РЦОИ name it
WEAK = {"Каштановская", "Скосырская", "Парамоновская", "Мостовская"}
IMPROVING = {"Леоновская", "Грузиновская", "Масаловская"}  # low in 2023–2024, fine since: they left the list
DECLINING = {"Ермаковская", "Нестеркинская", "Знаменская"}  # one low procedure in 2026: at risk for 2027


def _profile(school: School) -> str:
    for names, profile in ((WEAK, "weak"), (IMPROVING, "improving"), (DECLINING, "declining")):
        if any(name in school.name for name in names):
            return profile
    return "normal"


def _failure_share(rng, profile: str, year: int, index: int) -> float:
    if profile == "weak":
        return rng.choice([0.31, 0.35, 0.43, 0.54]) if index < 4 else rng.uniform(0.05, 0.25)
    if profile == "improving":
        return rng.choice([0.32, 0.38, 0.45]) if year <= 2024 and index < 3 else rng.uniform(0.03, 0.15)
    if profile == "declining" and year == LAST_YEAR and index == 0:
        return 0.34
    return rng.uniform(0.0, 0.16)


def _grades(school: School) -> tuple[list[int], bool, bool]:
    if school.school_type == SchoolType.NOSH:
        return [4], False, False
    if school.school_type == SchoolType.OOSH:
        return [4, 5, 6, 7, 8], True, False
    return [4, 5, 6, 7, 8], True, True


@transaction.atomic
def demo_results(context: DemoContext) -> None:
    rng = context.rng("results")
    kinds = {kind.code: kind for kind in ProcedureKind.objects.all()}
    subjects: dict[str, Subject] = {}
    procedures: dict[tuple, Procedure] = {}

    def procedure(kind: str, subject: str, grade: int, year: int) -> Procedure:
        if subject not in subjects:
            subjects[subject] = Subject.objects.filter(
                normalized_name=normalise_subject(subject)
            ).first() or Subject.objects.create(name=subject)
        key = (kind, subject, grade, year)
        if key not in procedures:
            procedures[key] = Procedure.objects.get_or_create(
                kind=kinds[kind], subject=subjects[subject], grade=grade, year=year
            )[0]
        return procedures[key]

    schools = [s for s in sorted(context.schools.values(), key=lambda s: s.code) if s.is_active]
    existing = {(r.school_id, r.procedure_id): r for r in Result.objects.filter(school__in=schools)}
    to_create, to_update = [], []
    for school in schools:
        profile = _profile(school)
        size = rng.randint(6, 28) if school.is_rural else rng.randint(40, 110)
        vpr_grades, has_oge, has_ege = _grades(school)
        for year in range(FIRST_YEAR, LAST_YEAR + 1):
            plan = [("ВПР", subject, grade) for grade in vpr_grades for subject in VPR[grade]]
            plan += [("ОГЭ", subject, 9) for subject in OGE] if has_oge else []
            plan += [("ЕГЭ", subject, 11) for subject in EGE] if has_ege else []
            # The first procedures of the plan are the school's weak spots (maths and Russian).
            plan.sort(key=lambda p: (p[1] not in ("Математика", "Русский язык"), p[0] != "ОГЭ"))
            for index, (kind, subject, grade) in enumerate(plan):
                participants = max(3, size + rng.randint(-4, 4)) if kind != "ЕГЭ" else max(2, size // 2)
                failed = min(participants, round(participants * _failure_share(rng, profile, year, index)))
                rest = participants - failed
                marks_5 = round(rest * rng.uniform(0.1, 0.3))
                marks_4 = round((rest - marks_5) * rng.uniform(0.35, 0.6))
                values = {
                    "participants": participants,
                    "failed": failed,
                    "marks_3": rest - marks_5 - marks_4,
                    "marks_4": marks_4,
                    "marks_5": marks_5,
                }
                proc = procedure(kind, subject, grade, year)
                current = existing.get((school.pk, proc.pk))
                if current is None:
                    to_create.append(Result(school=school, procedure=proc, **values))
                elif any(getattr(current, name) != value for name, value in values.items()):
                    for name, value in values.items():
                        setattr(current, name, value)
                    to_update.append(current)
    Result.objects.bulk_create(to_create, batch_size=1000)
    Result.objects.bulk_update(
        to_update, ["participants", "failed", "marks_3", "marks_4", "marks_5"], batch_size=1000
    )
    context.summary.changed("создано результатов", len(to_create))
    context.summary.changed("восстановлено результатов", len(to_update))
    context.summary.counts["Результаты оценочных процедур"] = Result.objects.filter(
        school__in=schools
    ).count()

    # Every list year the results allow (2024…2027), and none beyond: a year stored by an older demo that no
    # longer exists loses its decisions.
    flags_recompute_years(region_id=context.region.pk)
    latest = LAST_YEAR + 1
    context.summary.counts[f"ШНОР по расчёту на {latest} год"] = FlagDecision.objects.filter(
        list_year=latest, status=Status.SHNOR, school__municipality__region=context.region
    ).count()
    context.summary.counts[f"В зоне риска на {latest} год"] = FlagDecision.objects.filter(
        list_year=latest, status=Status.RISK, school__municipality__region=context.region
    ).count()
    _approve_latest_list(context, latest - 1)


def _approve_latest_list(context: DemoContext, list_year: int) -> None:
    """The Обливский district approved its list a year ago, with one school added by hand."""
    methodist = context.users.get("methodist")
    municipality = context.municipalities.get("Обливский район")
    if methodist is None or municipality is None:
        return
    if ApprovedList.objects.filter(municipality=municipality, list_year=list_year).exists():
        return
    approved = approved_list_create(
        municipality=municipality,
        list_year=list_year,
        order_number="112-о",
        order_date=datetime.date(list_year, 2, 14),
        user=methodist,
    )
    candidate = (
        FlagDecision.objects.filter(
            list_year=list_year, status=Status.RISK, school__municipality=municipality
        )
        .select_related("school")
        .order_by("school__code")
        .first()
    )
    if candidate:
        approved_list_set_inclusion(
            approved_list=approved,
            school=candidate.school,
            included=True,
            user=methodist,
            reason="Включена по согласованию с региональным центром: низкие результаты ОГЭ по математике "
            "и смена половины педагогического коллектива.",
        )
    context.summary.changed("утверждено перечней ШНОР")


demo_step_register("Результаты и статусы ШНОР", demo_results, order=10)
