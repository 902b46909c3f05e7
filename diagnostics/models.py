"""Diagnostics of professional deficits, individual routes (ИОМ) and quarterly progress forms."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from core.history import AuditedHistory
from core.models import BaseModel
from schools.models import Municipality, School, Teacher

from . import deficits as deficit_rules
from . import progress
from .querysets import (
    CampaignQuerySet,
    DiagnosticResultQuerySet,
    ProgressEntryQuerySet,
    ProgressFormQuerySet,
    RouteLineQuerySet,
    RouteQuerySet,
    SpecificDeficitQuerySet,
)

# The defaults of the issue and 000_…: the blocks a federal or municipal diagnostics measures.
DEFAULT_BLOCKS = [
    ("subject", "Предметный"),
    ("methodical", "Методический"),
    ("psychological", "Психолого-педагогический"),
    ("legal", "Нормативно-правовой"),
    ("communicative", "Коммуникативный"),
    ("digital", "Цифровой"),
]


class Campaign(BaseModel):
    """One diagnostics of teachers' professional deficits (e.g. January, August)."""

    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="diagnostic_campaigns",
        verbose_name="муниципалитет",
    )
    name = models.CharField("название", max_length=255)
    instrument = models.CharField(
        "инструмент",
        max_length=255,
        help_text="Например: федеральная платформа диагностики профессиональных дефицитов, муниципальная анкета.",
    )
    start_date = models.DateField("начало")
    end_date = models.DateField("окончание")
    threshold_percent = models.PositiveSmallIntegerField(
        "порог дефицита, % от максимума",
        default=deficit_rules.DEFAULT_THRESHOLD_PERCENT,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    schools = models.ManyToManyField(
        School, related_name="diagnostic_campaigns", verbose_name="школы-участники"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = "диагностика"
        verbose_name_plural = "диагностики"
        ordering = ["-start_date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="campaign_period_order",
                violation_error_message="Диагностика заканчивается раньше, чем начинается.",
            ),
            models.CheckConstraint(
                condition=Q(threshold_percent__gte=1, threshold_percent__lte=100),
                name="campaign_threshold_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.start_date:%m.%Y})"


class CompetenceBlock(BaseModel):
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="blocks", verbose_name="диагностика"
    )
    code = models.SlugField("код", max_length=32)
    name = models.CharField("блок компетенций", max_length=255)
    max_score = models.DecimalField("максимальный балл", max_digits=6, decimal_places=2, default=100)
    position = models.PositiveSmallIntegerField("порядок", default=0)

    class Meta:
        verbose_name = "блок компетенций"
        verbose_name_plural = "блоки компетенций"
        ordering = ["campaign", "position", "pk"]
        constraints = [
            models.UniqueConstraint("campaign", "code", name="block_unique_code"),
            models.CheckConstraint(condition=Q(max_score__gt=0), name="block_max_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class DiagnosticResult(BaseModel):
    """A teacher's score in one block of one campaign."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="results", verbose_name="диагностика"
    )
    teacher = models.ForeignKey(
        Teacher, on_delete=models.CASCADE, related_name="diagnostic_results", verbose_name="педагог"
    )
    block = models.ForeignKey(
        CompetenceBlock, on_delete=models.CASCADE, related_name="results", verbose_name="блок"
    )
    score = models.DecimalField("балл", max_digits=6, decimal_places=2)

    objects = DiagnosticResultQuerySet.as_manager()

    class Meta:
        verbose_name = "результат диагностики"
        verbose_name_plural = "результаты диагностики"
        constraints = [
            models.UniqueConstraint("teacher", "block", name="diagnostic_result_unique"),
            models.CheckConstraint(condition=Q(score__gte=0), name="diagnostic_score_non_negative"),
        ]
        indexes = [models.Index(fields=["campaign", "teacher"])]

    def __str__(self) -> str:
        return f"{self.block}: {self.score}"


class SpecificDeficit(BaseModel):
    """A deficit the methodologist names in words (beyond the blocks' scores)."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="specific_deficits", verbose_name="диагностика"
    )
    teacher = models.ForeignKey(
        Teacher, on_delete=models.CASCADE, related_name="specific_deficits", verbose_name="педагог"
    )
    text = models.CharField("дефицит", max_length=500)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    objects = SpecificDeficitQuerySet.as_manager()

    class Meta:
        verbose_name = "выявленный дефицит"
        verbose_name_plural = "выявленные дефициты"
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.text


class ActivityKind(BaseModel):
    """The editable catalogue of route activities."""

    name = models.CharField("вид мероприятия", max_length=255, unique=True)
    is_active = models.BooleanField("используется", default=True)
    position = models.PositiveSmallIntegerField("порядок", default=0)

    class Meta:
        verbose_name = "вид мероприятия ИОМ"
        verbose_name_plural = "виды мероприятий ИОМ"
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class RouteStatus(models.TextChoices):
    DRAFT = "draft", "черновик"
    APPROVED = "approved", "утверждён"


class Route(BaseModel):
    """A teacher's individual educational route (ИОМ) for a school year, built from the deficits."""

    teacher = models.ForeignKey(
        Teacher, on_delete=models.CASCADE, related_name="routes", verbose_name="педагог"
    )
    school_year = models.PositiveSmallIntegerField(
        "учебный год",
        validators=[MinValueValidator(2000), MaxValueValidator(2100)],
        help_text="2026 — 2026/27.",
    )
    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="routes",
        verbose_name="по результатам диагностики",
    )
    status = models.CharField("статус", max_length=16, choices=RouteStatus.choices, default=RouteStatus.DRAFT)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField("утверждён", null=True, blank=True)

    objects = RouteQuerySet.as_manager()
    history = AuditedHistory()

    class Meta:
        verbose_name = "ИОМ"
        verbose_name_plural = "ИОМ"
        ordering = ["-school_year", "teacher__last_name", "pk"]
        constraints = [
            models.UniqueConstraint(
                "teacher",
                "school_year",
                name="route_one_per_teacher_year",
                violation_error_message="У педагога уже есть ИОМ на этот учебный год.",
            )
        ]

    def __str__(self) -> str:
        return f"ИОМ {self.school_year}/{(self.school_year + 1) % 100:02d}"


class LineStatus(models.TextChoices):
    NOT_STARTED = progress.NOT_STARTED, "не начато"
    IN_PROGRESS = progress.IN_PROGRESS, "в работе"
    DONE = progress.DONE, "выполнено"
    POSTPONED = progress.POSTPONED, "перенесено"
    CANCELLED = progress.CANCELLED, "отменено"


class RouteLine(BaseModel):
    route = models.ForeignKey(Route, on_delete=models.CASCADE, related_name="lines", verbose_name="ИОМ")
    position = models.PositiveSmallIntegerField("№", default=0)
    deficit = models.CharField("дефицит", max_length=500)
    task = models.CharField("задача", max_length=500)
    activity = models.ForeignKey(
        ActivityKind, on_delete=models.PROTECT, related_name="+", verbose_name="мероприятие"
    )
    form = models.CharField(
        "форма", max_length=255, blank=True, help_text="Очно, дистанционно, на базе школы-партнёра…"
    )
    due_year = models.PositiveSmallIntegerField("срок: год")
    due_quarter = models.PositiveSmallIntegerField(
        "срок: квартал", validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="ответственный (тьютор)",
    )
    expected_result = models.CharField("ожидаемый результат", max_length=500, blank=True)
    reporting_form = models.CharField("форма отчётности", max_length=255, blank=True)
    status = models.CharField(
        "статус", max_length=16, choices=LineStatus.choices, default=LineStatus.NOT_STARTED
    )
    status_reason = models.CharField("причина переноса или отмены", max_length=500, blank=True)
    done_on = models.DateField("выполнено", null=True, blank=True)

    objects = RouteLineQuerySet.as_manager()
    history = AuditedHistory()

    class Meta:
        verbose_name = "строка ИОМ"
        verbose_name_plural = "строки ИОМ"
        ordering = ["route", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_quarter__gte=1, due_quarter__lte=4), name="route_line_quarter"
            ),
        ]

    def __str__(self) -> str:
        return self.task

    @property
    def due(self) -> progress.Quarter:
        return progress.Quarter(self.due_year, self.due_quarter)


class FormStatus(models.TextChoices):
    DRAFT = progress.DRAFT, "черновик"
    SUBMITTED = progress.SUBMITTED, "отправлена"
    RETURNED = progress.RETURNED, "возвращена на доработку"
    ACCEPTED = progress.ACCEPTED, "принята"


class ProgressForm(BaseModel):
    """A school's quarterly report on its teachers' routes."""

    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="progress_forms", verbose_name="школа"
    )
    year = models.PositiveSmallIntegerField("год")
    quarter = models.PositiveSmallIntegerField(
        "квартал", validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    status = models.CharField(
        "состояние", max_length=16, choices=FormStatus.choices, default=FormStatus.DRAFT
    )
    deadline = models.DateField("срок сдачи")
    submitted_at = models.DateTimeField("отправлена", null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    late = models.BooleanField("сдана после срока", default=False)
    reviewed_at = models.DateTimeField("рассмотрена", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    review_comment = models.TextField("замечания методиста", blank=True)
    # Optimistic locking: a save names the version it was read at; a stale one is refused, never merged.
    version = models.PositiveIntegerField("версия", default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ProgressFormQuerySet.as_manager()
    history = AuditedHistory()

    class Meta:
        verbose_name = "квартальная форма"
        verbose_name_plural = "квартальные формы"
        ordering = ["-year", "-quarter", "school__name"]
        constraints = [
            models.UniqueConstraint("school", "year", "quarter", name="progress_form_unique"),
            models.CheckConstraint(condition=Q(quarter__gte=1, quarter__lte=4), name="progress_form_quarter"),
        ]

    def __str__(self) -> str:
        return f"{self.school}: {self.period.label}"

    @property
    def period(self) -> progress.Quarter:
        return progress.Quarter(self.year, self.quarter)

    @property
    def school_may_edit(self) -> bool:
        return self.status in progress.SCHOOL_EDITABLE


def evidence_path(instance, filename: str) -> str:
    # Stored under MEDIA_ROOT (outside the web root) with a generated name; served by a permission-checked view.
    import uuid
    from pathlib import PurePath

    suffix = PurePath(filename).suffix.lower()[:8]
    return f"evidence/{instance.form.year}/q{instance.form.quarter}/{uuid.uuid4().hex}{suffix}"


class ProgressEntry(BaseModel):
    """One route line on a quarterly form: its status, a comment, evidence."""

    form = models.ForeignKey(
        ProgressForm, on_delete=models.CASCADE, related_name="entries", verbose_name="форма"
    )
    line = models.ForeignKey(
        RouteLine, on_delete=models.CASCADE, related_name="progress", verbose_name="строка ИОМ"
    )
    status = models.CharField("статус", max_length=16, choices=LineStatus.choices)
    comment = models.TextField("комментарий", blank=True)
    evidence = models.FileField("подтверждающий документ", upload_to=evidence_path, blank=True)
    evidence_name = models.CharField("имя файла", max_length=255, blank=True)
    evidence_link = models.URLField("ссылка на подтверждение", blank=True)

    objects = ProgressEntryQuerySet.as_manager()
    history = AuditedHistory()

    class Meta:
        verbose_name = "строка квартальной формы"
        verbose_name_plural = "строки квартальных форм"
        ordering = ["form", "line__route__teacher__last_name", "line__position", "pk"]
        constraints = [models.UniqueConstraint("form", "line", name="progress_entry_unique")]


class FormEvent(models.Model):
    """Audit of a form: who saved, submitted, returned or accepted it, when, with what comment."""

    class Action(models.TextChoices):
        SAVED = "saved", "сохранён черновик"
        SUBMITTED = "submitted", "отправлена"
        RETURNED = "returned", "возвращена на доработку"
        ACCEPTED = "accepted", "принята"
        REMINDED = "reminded", "отправлено напоминание"

    form = models.ForeignKey(
        ProgressForm, on_delete=models.CASCADE, related_name="events", verbose_name="форма"
    )
    action = models.CharField("действие", max_length=16, choices=Action.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    comment = models.TextField("комментарий", blank=True)
    at = models.DateTimeField("когда", auto_now_add=True)

    class Meta:
        verbose_name = "событие формы"
        verbose_name_plural = "журнал квартальных форм"
        ordering = ["-at", "-pk"]
        constraints = [
            # One reminder of each kind per form: the daily task may run twice without mailing twice.
            models.UniqueConstraint(
                "form", "comment", condition=Q(action="reminded"), name="form_event_one_reminder_per_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.at:%d.%m.%Y %H:%M} {self.get_action_display()}"
