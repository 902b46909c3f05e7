"""Roadmaps (дорожные карты) and their items, events, and the schools' risk profiles."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from core.history import AuditedHistory
from core.models import BaseModel
from schools.models import Municipality, School, Teacher

from . import transitions
from .querysets import EventQuerySet, RiskProfileQuerySet, RoadmapItemQuerySet, RoadmapQuerySet


class Roadmap(BaseModel):
    """A municipality's roadmap, or one school's (``school`` set), for a period, approved by an order."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="roadmaps", verbose_name="муниципалитет"
    )
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, null=True, blank=True, related_name="roadmaps", verbose_name="школа"
    )
    title = models.CharField("название", max_length=500)
    period_start = models.DateField("период: с")
    period_end = models.DateField("период: по")
    order_number = models.CharField("номер приказа", max_length=64, blank=True)
    order_date = models.DateField("дата приказа", null=True, blank=True)
    copied_from = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="создана копией",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    objects = RoadmapQuerySet.as_manager()
    history = AuditedHistory()

    class Meta:
        verbose_name = "дорожная карта"
        verbose_name_plural = "дорожные карты"
        ordering = ["-period_start", "municipality__name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")),
                name="roadmap_period_order",
                violation_error_message="Период дорожной карты заканчивается раньше, чем начинается.",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def owner(self):
        return self.school or self.municipality


class ResultKind(models.TextChoices):
    ORDER = "order", "приказ"
    PROTOCOL = "protocol", "протокол"
    ANALYTICS = "analytics", "аналитическая справка"
    PLAN = "plan", "план"
    PROGRAMME = "programme", "программа"
    RECOMMENDATIONS = "recommendations", "методические рекомендации"
    OTHER = "other", "другое"


class ItemStatus(models.TextChoices):
    PLANNED = transitions.PLANNED, "запланировано"
    IN_PROGRESS = transitions.IN_PROGRESS, "в работе"
    DONE = transitions.DONE, "выполнено"
    POSTPONED = transitions.POSTPONED, "перенесено"
    CANCELLED = transitions.CANCELLED, "отменено"


class RoadmapItem(BaseModel):
    roadmap = models.ForeignKey(
        Roadmap, on_delete=models.CASCADE, related_name="items", verbose_name="дорожная карта"
    )
    number = models.CharField("№", max_length=16)
    position = models.PositiveIntegerField("порядок", default=0)
    activity = models.TextField("мероприятие")
    start_date = models.DateField("начало", null=True, blank=True)
    end_date = models.DateField("окончание", null=True, blank=True)
    all_year = models.BooleanField("в течение года", default=False)
    responsible_text = models.CharField("ответственные", max_length=500, blank=True)
    responsible_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="roadmap_items",
        verbose_name="ответственные пользователи",
    )
    result_kind = models.CharField(
        "ожидаемый результат (документ)", max_length=16, choices=ResultKind.choices, default=ResultKind.OTHER
    )
    expected_result = models.CharField("ожидаемый результат", max_length=500, blank=True)
    target_indicator = models.CharField("целевой показатель", max_length=255, blank=True)
    status = models.CharField("статус", max_length=16, choices=ItemStatus.choices, default=ItemStatus.PLANNED)
    status_reason = models.CharField("причина переноса или отмены", max_length=500, blank=True)
    completed_on = models.DateField("дата выполнения", null=True, blank=True)
    note = models.TextField("примечание", blank=True)

    objects = RoadmapItemQuerySet.as_manager()
    history = AuditedHistory(m2m_fields=["responsible_users"])

    class Meta:
        verbose_name = "пункт дорожной карты"
        verbose_name_plural = "пункты дорожных карт"
        ordering = ["roadmap", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_date__isnull=True)
                | Q(end_date__isnull=True)
                | Q(end_date__gte=F("start_date")),
                name="roadmap_item_period_order",
                violation_error_message="Срок заканчивается раньше, чем начинается.",
            ),
            models.CheckConstraint(
                condition=Q(status=transitions.DONE, completed_on__isnull=False)
                | (~Q(status=transitions.DONE) & Q(completed_on__isnull=True)),
                name="roadmap_item_completed_on_done",
                violation_error_message="Дата выполнения указывается только у выполненного пункта.",
            ),
        ]
        indexes = [models.Index(fields=["status", "end_date"])]

    def __str__(self) -> str:
        return f"{self.number}. {self.activity[:80]}"

    def is_overdue(self, today: datetime.date) -> bool:
        return transitions.is_overdue(
            status=self.status,
            end=self.end_date,
            all_year=self.all_year,
            period_end=self.roadmap.period_end,
            today=today,
        )

    @property
    def dates_label(self) -> str:
        if self.all_year:
            return "в течение года"
        if self.start_date and self.end_date:
            return f"{self.start_date:%d.%m.%Y} – {self.end_date:%d.%m.%Y}"
        if self.end_date:
            return f"до {self.end_date:%d.%m.%Y}"
        return "—"


def evidence_path(instance, filename: str) -> str:
    import uuid
    from pathlib import PurePath

    return f"roadmaps/{instance.item.roadmap_id}/{uuid.uuid4().hex}{PurePath(filename).suffix.lower()[:8]}"


class ItemEvidence(BaseModel):
    """A document or a link proving an item was done (приказ, протокол…)."""

    item = models.ForeignKey(
        RoadmapItem, on_delete=models.CASCADE, related_name="evidence", verbose_name="пункт"
    )
    file = models.FileField("файл", upload_to=evidence_path, blank=True)
    name = models.CharField("название", max_length=255)
    link = models.URLField("ссылка", blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = "подтверждение"
        verbose_name_plural = "подтверждения"
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(file="") | ~Q(link=""), name="evidence_file_or_link"),
        ]

    def __str__(self) -> str:
        return self.name


# --- events ---------------------------------------------------------------------------------------------


class EventKind(models.TextChoices):
    SEMINAR = "seminar", "семинар"
    MASTER_CLASS = "master_class", "мастер-класс"
    FESTIVAL = "festival", "фестиваль"
    LANDING = "landing", "методический десант"
    COURSE = "course", "КПК (сессия курсов)"
    WEBINAR = "webinar", "вебинар"
    CONFERENCE = "conference", "конференция"
    CONTEST = "contest", "конкурс"
    OTHER = "other", "другое"


class EventLevel(models.TextChoices):
    SCHOOL = "school", "школьный"
    MUNICIPAL = "municipal", "муниципальный"
    REGIONAL = "regional", "региональный"
    FEDERAL = "federal", "федеральный"


class Event(BaseModel):
    """A seminar, master class, festival… with the ШНОР schools and teachers that took part."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="events", verbose_name="муниципалитет"
    )
    kind = models.CharField("вид", max_length=16, choices=EventKind.choices)
    level = models.CharField("уровень", max_length=16, choices=EventLevel.choices)
    start_date = models.DateField("начало")
    end_date = models.DateField("окончание")
    organiser = models.CharField("организатор", max_length=500)
    topic = models.CharField("тема", max_length=500)
    schools = models.ManyToManyField(
        School, blank=True, related_name="events", verbose_name="школы-участники"
    )
    teachers = models.ManyToManyField(
        Teacher, blank=True, related_name="events", verbose_name="педагоги-участники"
    )
    participants_count = models.PositiveIntegerField(
        "число участников-педагогов",
        null=True,
        blank=True,
        help_text="Если поимённо участники неизвестны.",
    )
    materials = models.TextField("материалы (ссылки, описание)", blank=True)
    roadmap_item = models.ForeignKey(
        RoadmapItem,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
        verbose_name="пункт дорожной карты",
    )

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = "мероприятие"
        verbose_name_plural = "мероприятия"
        ordering = ["-start_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="event_period_order",
                violation_error_message="Мероприятие заканчивается раньше, чем начинается.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.topic}"

    @property
    def teacher_count(self) -> int:
        """Named participants, or the count given when names are not known."""
        named = self.teachers.count()
        return named or (self.participants_count or 0)


# --- risk profiles --------------------------------------------------------------------------------------


class RiskFactor(BaseModel):
    """The editable catalogue of risk factors (Проект 500+)."""

    name = models.CharField("фактор риска", max_length=500, unique=True)
    position = models.PositiveSmallIntegerField("порядок", default=0)
    is_active = models.BooleanField("используется", default=True)

    class Meta:
        verbose_name = "фактор риска"
        verbose_name_plural = "факторы риска"
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class RiskLevel(models.TextChoices):
    HIGH = "high", "высокий"
    MEDIUM = "medium", "средний"
    LOW = "low", "низкий"


class RiskProfile(BaseModel):
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="risk_profiles", verbose_name="школа"
    )
    year = models.PositiveSmallIntegerField("год")
    note = models.TextField("комментарий", blank=True)

    objects = RiskProfileQuerySet.as_manager()

    class Meta:
        verbose_name = "рисковый профиль"
        verbose_name_plural = "рисковые профили"
        ordering = ["-year", "school__name"]
        constraints = [models.UniqueConstraint("school", "year", name="risk_profile_unique")]

    def __str__(self) -> str:
        return f"{self.school}: {self.year}"


class RiskEntry(BaseModel):
    profile = models.ForeignKey(
        RiskProfile, on_delete=models.CASCADE, related_name="entries", verbose_name="профиль"
    )
    factor = models.ForeignKey(RiskFactor, on_delete=models.PROTECT, related_name="+", verbose_name="фактор")
    level = models.CharField("уровень", max_length=8, choices=RiskLevel.choices)
    measures = models.TextField("антирисковые меры", blank=True)
    roadmap_items = models.ManyToManyField(
        RoadmapItem, blank=True, related_name="risks", verbose_name="пункты дорожной карты"
    )

    class Meta:
        verbose_name = "фактор в профиле"
        verbose_name_plural = "факторы в профиле"
        ordering = ["profile", "factor__position"]
        constraints = [models.UniqueConstraint("profile", "factor", name="risk_entry_unique")]
