"""Mentoring: orders, mentors of schools, tutors of teachers, network partnerships and the mentoring log."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from core.history import AuditedHistory
from core.models import BaseModel
from schools.models import Municipality, School, Subject, Teacher
from schools.school_years import school_year_label

from . import rules
from .querysets import (
    LogEntryQuerySet,
    MentorAssignmentQuerySet,
    OrderQuerySet,
    PartnershipQuerySet,
    PlanItemQuerySet,
    TutorAssignmentQuerySet,
)

# School years are stored by the calendar year they start in (2026 = 2026/27).
SCHOOL_YEAR_VALIDATORS = [MinValueValidator(2000), MaxValueValidator(2100)]


class Order(BaseModel):
    """An order (приказ) of the education department: one order assigns many mentors and tutors."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="mentoring_orders", verbose_name="муниципалитет"
    )
    number = models.CharField("номер приказа", max_length=64)
    date = models.DateField("дата приказа")
    title = models.CharField(
        "заголовок",
        max_length=500,
        blank=True,
        help_text="Например: «О закреплении наставников за школами с низкими образовательными результатами».",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="внёс",
    )

    objects = OrderQuerySet.as_manager()
    history = AuditedHistory()

    class Meta:
        verbose_name = "приказ"
        verbose_name_plural = "приказы"
        ordering = ["-date", "-pk"]
        constraints = [
            models.UniqueConstraint(
                "municipality",
                "number",
                "date",
                name="order_unique_number_date",
                violation_error_message="Приказ с таким номером и датой уже внесён.",
            )
        ]

    def __str__(self) -> str:
        return f"приказ № {self.number} от {self.date:%d.%m.%Y}"


class _Assignment(BaseModel):
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="+", verbose_name="приказ")
    start_date = models.DateField("начало")
    end_date = models.DateField("окончание", null=True, blank=True, help_text="Пусто — до отмены приказом.")
    end_note = models.TextField("основание окончания", blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="завершил",
    )

    class Meta:
        abstract = True

    @property
    def period(self) -> rules.Period:
        return rules.Period(self.start_date, self.end_date)

    def is_active_on(self, day) -> bool:
        return self.period.contains(day)


class MentorAssignment(_Assignment):
    """A mentor (a person or a mentor school) assigned to a school by an order, for a period."""

    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="mentor_assignments", verbose_name="приказ"
    )
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="mentor_assignments", verbose_name="школа"
    )
    mentor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="mentorships",
        verbose_name="наставник (педагог)",
    )
    mentor_school = models.ForeignKey(
        School,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="mentee_assignments",
        verbose_name="школа-наставник",
    )

    objects = MentorAssignmentQuerySet.as_manager()
    history = AuditedHistory()

    class Meta:
        verbose_name = "назначение наставника"
        verbose_name_plural = "назначения наставников"
        ordering = ["-start_date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(mentor_user__isnull=False) & Q(mentor_school__isnull=True))
                | (Q(mentor_user__isnull=True) & Q(mentor_school__isnull=False)),
                name="mentor_assignment_one_mentor",
                violation_error_message="Укажите наставника: педагога или школу-наставника (одно из двух).",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="mentor_assignment_period_order",
                violation_error_message="Период заканчивается раньше, чем начинается.",
            ),
            models.CheckConstraint(
                condition=Q(mentor_school__isnull=True) | ~Q(mentor_school=F("school")),
                name="mentor_assignment_not_itself",
                violation_error_message="Школа не может быть наставником самой себе.",
            ),
        ]
        indexes = [
            models.Index(fields=["mentor_user", "start_date"]),
            models.Index(fields=["school", "start_date"]),
        ]

    def __str__(self) -> str:
        return f"{self.mentor} → {self.school}"

    @property
    def mentor(self):
        return self.mentor_user or self.mentor_school


class TutorAssignment(_Assignment):
    """A tutor assigned to a teacher for a subject by an order, for a period."""

    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="tutor_assignments", verbose_name="приказ"
    )
    teacher = models.ForeignKey(
        Teacher, on_delete=models.PROTECT, related_name="tutor_assignments", verbose_name="педагог"
    )
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="+", verbose_name="предмет")
    tutor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="tutorships", verbose_name="тьютор"
    )

    objects = TutorAssignmentQuerySet.as_manager()
    history = AuditedHistory()

    class Meta:
        verbose_name = "назначение тьютора"
        verbose_name_plural = "назначения тьюторов"
        ordering = ["-start_date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="tutor_assignment_period_order",
                violation_error_message="Период заканчивается раньше, чем начинается.",
            ),
        ]
        indexes = [
            models.Index(fields=["tutor", "start_date"]),
            models.Index(fields=["teacher", "start_date"]),
        ]

    def __str__(self) -> str:
        return f"{self.tutor} → {self.teacher} ({self.subject})"


class PartnershipKind(models.TextChoices):
    # 004_… «Распределённая сеть»: инструментальная (обмен ресурсами), идентичная (общая цель); пара, группа.
    INSTRUMENTAL = "instrumental", "инструментальная"
    IDENTICAL = "identical", "идентичная"
    PAIR = rules.PAIR, "пара"
    GROUP = rules.GROUP, "группа"


class Partnership(BaseModel):
    """A ШНОР paired with partner schools of stable high results (сетевое наставничество)."""

    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="partnerships", verbose_name="школа (ШНОР)"
    )
    partners = models.ManyToManyField(School, related_name="partner_in", verbose_name="школы-партнёры")
    kind = models.CharField("тип", max_length=16, choices=PartnershipKind.choices)
    agreement_number = models.CharField("номер соглашения", max_length=64)
    agreement_date = models.DateField("дата соглашения")
    order = models.ForeignKey(
        Order,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="partnerships",
        verbose_name="приказ",
    )
    first_year = models.PositiveSmallIntegerField(
        "с учебного года", validators=SCHOOL_YEAR_VALIDATORS, help_text="2026 — это 2026/27 учебный год."
    )
    last_year = models.PositiveSmallIntegerField("по учебный год", validators=SCHOOL_YEAR_VALIDATORS)
    goal = models.TextField("цель и направления работы", blank=True)

    objects = PartnershipQuerySet.as_manager()
    history = AuditedHistory(m2m_fields=["partners"])

    class Meta:
        verbose_name = "сетевое партнёрство"
        verbose_name_plural = "сетевые партнёрства"
        ordering = ["-first_year", "school__name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(last_year__gte=F("first_year")),
                name="partnership_years_order",
                violation_error_message="Последний учебный год партнёрства раньше первого.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.school} ({self.get_kind_display()}, {self.years_label})"

    @property
    def years_label(self) -> str:
        first = school_year_label(self.first_year)
        return first if self.first_year == self.last_year else f"{first}–{school_year_label(self.last_year)}"


class PlanStatus(models.TextChoices):
    PLANNED = rules.PLANNED, "запланировано"
    IN_PROGRESS = rules.IN_PROGRESS, "в работе"
    DONE = rules.DONE, "выполнено"
    CANCELLED = rules.CANCELLED, "отменено"


class PlanItem(BaseModel):
    """One item of a partnership's joint plan."""

    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="plan_items", verbose_name="партнёрство"
    )
    title = models.CharField("мероприятие", max_length=500)
    due_date = models.DateField("срок")
    responsible = models.CharField("ответственные", max_length=500, blank=True)
    status = models.CharField("статус", max_length=16, choices=PlanStatus.choices, default=PlanStatus.PLANNED)
    done_on = models.DateField("дата выполнения", null=True, blank=True)
    note = models.TextField("примечание", blank=True)

    objects = PlanItemQuerySet.as_manager()

    class Meta:
        verbose_name = "пункт совместного плана"
        verbose_name_plural = "совместный план"
        ordering = ["due_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=rules.DONE, done_on__isnull=False)
                | (~Q(status=rules.DONE) & Q(done_on__isnull=True)),
                name="plan_item_done_date",
                violation_error_message="Дата выполнения указывается только для выполненного пункта.",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def is_overdue(self, today) -> bool:
        return rules.plan_item_overdue(status=self.status, due=self.due_date, today=today)


class LogKind(models.TextChoices):
    CONSULTATION = "consultation", "консультация"
    LESSON_VISIT = "lesson_visit", "посещение урока"
    MASTER_CLASS = "master_class", "мастер-класс"
    SEMINAR = "seminar", "семинар"
    LANDING = "landing", "методический десант"
    OPEN_LESSON = "open_lesson", "открытый урок"
    WEBINAR = "webinar", "вебинар"
    OTHER = "other", "другое"


class LogEntry(BaseModel):
    """What a mentor or a tutor did at a school: the mentoring log."""

    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="mentoring_log", verbose_name="школа"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="mentoring_log", verbose_name="автор"
    )
    date = models.DateField("дата")
    kind = models.CharField("вид", max_length=16, choices=LogKind.choices)
    topic = models.CharField("тема", max_length=500)
    teachers = models.ManyToManyField(
        Teacher, blank=True, related_name="mentoring_log", verbose_name="педагоги-участники"
    )
    outcome = models.TextField("результат", blank=True)
    recommendations = models.TextField("рекомендации", blank=True)

    objects = LogEntryQuerySet.as_manager()

    class Meta:
        verbose_name = "запись журнала наставничества"
        verbose_name_plural = "журнал наставничества"
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["school", "date"]), models.Index(fields=["author", "date"])]

    def __str__(self) -> str:
        return f"{self.date:%d.%m.%Y} {self.get_kind_display()}: {self.topic}"
