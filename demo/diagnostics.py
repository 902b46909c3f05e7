"""The demo's diagnostics: two campaigns (January and August 2026), ИОМ for the ШНОР teachers, and the
Каштановская school's quarterly forms in every state (accepted, returned, submitted late, draft).

Registered after the mentoring step (it needs teachers and tutors). Idempotent: campaigns by name, routes by
teacher and year, forms by school and quarter; the random streams are the step's own.
"""

import datetime
import zoneinfo
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from diagnostics import progress
from diagnostics.models import Campaign, LineStatus, ProgressForm, Route, RouteLine
from diagnostics.services import (
    campaign_create,
    progress_form_open,
    progress_form_review,
    progress_form_save,
    results_set,
    route_approve,
    route_draft,
    teacher_deficits,
)
from schools.models import ApprovedList, School, Teacher

from .base import DemoContext, demo_step_register

MUNICIPALITY = "Обливский район"
MSK = zoneinfo.ZoneInfo("Europe/Moscow")
CAMPAIGNS = [
    (
        "Диагностика профессиональных дефицитов, январь 2026",
        datetime.date(2026, 1, 12),
        datetime.date(2026, 1, 30),
        2025,
    ),
    (
        "Диагностика профессиональных дефицитов, август 2026",
        datetime.date(2026, 8, 17),
        datetime.date(2026, 8, 28),
        2026,
    ),
]
INSTRUMENT = (
    "Федеральная система диагностики профессиональных дефицитов (ФГАОУ ДПО «Академия Минпросвещения России»)"
)


@transaction.atomic
def demo_diagnostics(context: DemoContext) -> None:
    municipality = context.municipalities.get(MUNICIPALITY)
    methodist = context.users.get("methodist")
    school_admin = context.users.get("school_admin")
    if municipality is None or methodist is None:
        return
    approved = ApprovedList.objects.filter(municipality=municipality).order_by("-list_year").first()
    shnor = list(
        School.objects.filter(
            approved_entries__approved_list=approved, approved_entries__included=True
        ).order_by("code")
    )
    if not shnor:
        return
    rng = context.rng("diagnostics")
    teachers = list(Teacher.objects.filter(school__in=shnor, is_active=True).order_by("school__code", "pk"))
    weak = {
        t.pk: rng.sample(["subject", "methodical", "psychological", "legal", "communicative", "digital"], 2)
        for t in teachers
    }
    for index, (name, start, end, school_year) in enumerate(CAMPAIGNS):
        campaign = Campaign.objects.filter(municipality=municipality, name=name).first()
        if campaign is None:
            campaign = campaign_create(
                municipality=municipality,
                name=name,
                instrument=INSTRUMENT,
                start_date=start,
                end_date=end,
                schools=shnor,
                user=methodist,
            )
            blocks = list(campaign.blocks.all())
            for teacher in teachers:
                scores = {}
                for block in blocks:
                    low = block.code in weak[teacher.pk]
                    # In August the January deficits have partly closed: the dynamics page shows growth.
                    base = rng.randint(35, 57) if low else rng.randint(62, 95)
                    scores[block.pk] = Decimal(min(100, base + (rng.randint(4, 14) if index == 1 else 0)))
                results_set(campaign=campaign, teacher=teacher, scores=scores, user=methodist)
            context.summary.changed("проведено диагностик")
        _routes(context, campaign, teachers, school_year, methodist, draft_left=index == 1)
    if school_admin is not None:
        _forms(context, shnor[0], school_admin, methodist)
    context.summary.counts["ИОМ педагогов"] = Route.objects.filter(
        teacher__school__municipality=municipality
    ).count()
    context.summary.counts["Квартальные формы"] = ProgressForm.objects.filter(
        school__municipality=municipality
    ).count()


def _routes(context, campaign, teachers, school_year, methodist, *, draft_left: bool) -> None:
    made = 0
    for number, teacher in enumerate(teachers):
        if Route.objects.filter(teacher=teacher, school_year=school_year).exists():
            continue
        if not teacher_deficits(campaign, teacher):
            continue  # the deficits closed: no route is needed
        # The routes are drafted as of the campaign's end (so their quarters follow it) and approved.
        route = route_draft(
            teacher=teacher,
            campaign=campaign,
            school_year=school_year,
            user=methodist,
            today=campaign.end_date,
        )
        if not (draft_left and number == len(teachers) - 1):  # one draft is left for the methodologist
            route_approve(route=route, user=methodist)
        made += 1
    context.summary.changed("составлено ИОМ", made)


def _forms(context, school, school_admin, methodist) -> None:
    """Q1 2026 accepted, Q2 returned with a comment, Q3 submitted after the deadline, Q4 a draft."""
    plan = [
        (progress.Quarter(2026, 1), "accepted", datetime.datetime(2026, 4, 7, 15, 20, tzinfo=MSK)),
        (progress.Quarter(2026, 2), "returned", datetime.datetime(2026, 7, 9, 11, 5, tzinfo=MSK)),
        (progress.Quarter(2026, 3), "submitted", datetime.datetime(2026, 10, 14, 9, 40, tzinfo=MSK)),
        (progress.Quarter(2026, 4), "draft", None),
    ]
    today = timezone.localdate()
    for quarter, target, submitted in plan:
        if quarter > progress.quarter_of(today):
            continue
        if ProgressForm.objects.filter(school=school, year=quarter.year, quarter=quarter.number).exists():
            continue
        form = progress_form_open(school=school, quarter=quarter)
        entries = list(form.entries.select_related("line"))
        answers = {}
        for n, entry in enumerate(entries):
            status = "done" if n % 3 != 2 else "in_progress"
            answers[entry.pk] = {
                "status": status,
                "comment": "Курсы пройдены, удостоверение получено"
                if status == "done"
                else "Занятия продолжаются",
            }
        # The demo's rows «выполнено» carry no documents: sent knowingly, as a school may, and marked for the
        # methodologist (Q2 is returned for exactly that). A quarter not yet over is left a draft.
        send = target != "draft" and progress.submit_problem(quarter, today) is None
        form = progress_form_save(
            form=form,
            user=school_admin,
            version=form.version,
            entries=answers,
            submit=send,
            unconfirmed_ok=list(answers) if send else (),
        )
        if not send:
            context.summary.changed("заполнено квартальных форм")
            continue
        if submitted is not None:
            # The demo's history: submitted when the quarter's report was due, not at the time of loading.
            ProgressForm.objects.filter(pk=form.pk).update(
                submitted_at=submitted, late=submitted.date() > form.deadline
            )
            # …and its lines were marked done that day, not on the day the demo was loaded (the on-time
            # share judges that day against the form's deadline: progress.done_on_time).
            RouteLine.objects.filter(
                progress__form=form, progress__status=LineStatus.DONE, status=LineStatus.DONE
            ).update(done_on=submitted.date())
        if target == "accepted":
            progress_form_review(form=form, user=methodist, accept=True)
        elif target == "returned":
            progress_form_review(
                form=form,
                user=methodist,
                accept=False,
                comment="Приложите удостоверения о прохождении КПК к выполненным строкам.",
            )
        context.summary.changed("заполнено квартальных форм")


demo_step_register("Диагностика и ИОМ", demo_diagnostics, order=30)
