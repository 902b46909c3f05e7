from typing import ClassVar, Self

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from .history import AuditedHistory
from .policies import AuditPolicy, ImportBatchPolicy, register_policy
from .querysets import ImportBatchQuerySet
from .roles import Grant, Role, grant_problem
from .snils import snils_problem


def validate_snils(value: str) -> None:
    """The model's check of a stored СНИЛС (core.snils: 11 digits and the check number)."""
    problem = snils_problem(value)
    if problem:
        raise ValidationError(problem, code="snils")


class BaseModel(models.Model):
    created_at = models.DateTimeField("создано", auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField("изменено", auto_now=True, db_index=True)

    class Meta:
        abstract = True


class User(AbstractUser):
    middle_name = models.CharField("отчество", max_length=150, blank=True)
    position = models.CharField("должность", max_length=255, blank=True)
    phone = models.CharField("телефон", max_length=50, blank=True)
    # The head's СНИЛС: a КЭП names its owner by it (reports.cades.signer_mismatch), 11 digits without separators.
    snils = models.CharField(
        "СНИЛС",
        max_length=11,
        blank=True,
        validators=[validate_snils],
        help_text="11 цифр, например 112-233-445 95. По нему портал узнаёт владельца квалифицированной "
        "электронной подписи (КЭП) руководителя.",
    )

    objects: "ClassVar[UserManager[Self]]" = UserManager()
    # The password hash never enters the history; last_login changes on every sign-in (AuthEvent has those).
    history = AuditedHistory(excluded_fields=["password", "last_login"])

    class Meta:
        verbose_name = "пользователь"
        verbose_name_plural = "пользователи"
        ordering = ["last_name", "first_name", "username"]

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.last_name, self.first_name, self.middle_name) if part)

    @property
    def grants(self) -> list[Grant]:
        """The user's role assignments as plain values, read once per user object (per request)."""
        cached = getattr(self, "_grants_cache", None)
        if cached is None:
            cached = (
                [
                    Grant(
                        role=a.role,
                        region_id=a.region_id,
                        municipality_id=a.municipality_id,
                        school_id=a.school_id,
                    )
                    for a in self.role_assignments.all()
                ]
                if self.pk and self.is_active
                else []
            )
            self._grants_cache = cached
        return cached

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(grant.role for grant in self.grants)

    def has_role(self, *roles: str) -> bool:
        return self.is_superuser or bool(self.roles & set(roles))


class RoleAssignment(BaseModel):
    """A user holds a role over a region, a municipality or a school. A user may hold several."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="role_assignments",
        verbose_name="пользователь",
    )
    role = models.CharField("роль", max_length=32, choices=Role.choices)
    region = models.ForeignKey(
        "schools.Region",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="регион",
    )
    municipality = models.ForeignKey(
        "schools.Municipality",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="муниципалитет",
    )
    school = models.ForeignKey(
        "schools.School",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="школа",
    )

    history = AuditedHistory()

    class Meta:
        verbose_name = "роль пользователя"
        verbose_name_plural = "роли пользователей"
        # One row per user, role and target. Partial constraints because NULLs are distinct in a plain
        # unique index (and SQLite has no NULLS NOT DISTINCT).
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "region"],
                condition=models.Q(region__isnull=False),
                name="role_assignment_unique_region",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "municipality"],
                condition=models.Q(municipality__isnull=False),
                name="role_assignment_unique_municipality",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "school"],
                condition=models.Q(school__isnull=False),
                name="role_assignment_unique_school",
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=models.Q(region__isnull=True, municipality__isnull=True, school__isnull=True),
                name="role_assignment_unique_assigned",
            ),
        ]

    def __str__(self) -> str:
        target = self.school or self.municipality or self.region or "по назначениям"
        return f"{self.get_role_display()}: {target}"

    def clean(self) -> None:
        problem = grant_problem(
            self.role,
            region=self.region_id is not None,
            municipality=self.municipality_id is not None,
            school=self.school_id is not None,
        )
        if problem:
            raise ValidationError(problem)


class WorkerHeartbeat(models.Model):
    """The last time each Celery worker ran the heartbeat task from each queue (beat sends one to every queue
    every minute: core/queues.py)."""

    worker = models.CharField("обработчик", max_length=255)
    queue = models.CharField("очередь", max_length=255, default="celery")
    seen_at = models.DateTimeField("последний сигнал")

    class Meta:
        verbose_name = "сигнал обработчика задач"
        verbose_name_plural = "сигналы обработчиков задач"
        constraints = [
            models.UniqueConstraint(fields=["worker", "queue"], name="worker_heartbeat_unique_worker_queue")
        ]

    def __str__(self) -> str:
        return f"{self.worker} ({self.queue}) @ {self.seen_at:%d.%m.%Y %H:%M}"


class TaskDelivery(models.Model):
    """A queued job's task that is running, or whose worker died while running it: how many times the queue
    has delivered it (core.tasks.JobTask). The row goes when the task ends, so what stays is work lost with
    its worker; a row whose message never came back is deleted by a sweep (core.tasks.forget_lost_deliveries)."""

    task_id = models.CharField("задача", max_length=255, unique=True)
    name = models.CharField("вид задачи", max_length=255)
    deliveries = models.PositiveSmallIntegerField("доставок", default=0)
    first_at = models.DateTimeField("первая доставка", auto_now_add=True)
    last_at = models.DateTimeField("последняя доставка", auto_now=True)

    class Meta:
        verbose_name = "доставка задачи"
        verbose_name_plural = "доставки задач"

    def __str__(self) -> str:
        return f"{self.name} {self.task_id}: {self.deliveries}"


class ImportBatch(BaseModel):
    """One uploaded file: what it was, who sent it, what validation found and what was written.

    It is both the preview step of an upload (validated, not yet applied) and the audit record of an import.
    """

    class Kind(models.TextChoices):
        SCHOOLS = "schools", "Реестр школ"
        RESULTS = "results", "Результаты оценочных процедур"
        TEACHERS = "teachers", "Педагоги"
        COURSES = "courses", "Курсы повышения квалификации"
        DIAGNOSTICS = "diagnostics", "Результаты диагностики профессиональных дефицитов"
        ROADMAP_ITEMS = "roadmap_items", "Пункты дорожной карты"

    class Status(models.TextChoices):
        VALIDATED = "validated", "Проверен, ожидает подтверждения"
        INVALID = "invalid", "Есть ошибки, ничего не загружено"
        PROCESSING = "processing", "Загружается"
        APPLIED = "applied", "Загружен"
        FAILED = "failed", "Сбой загрузки, ничего не загружено"

    kind = models.CharField("вид данных", max_length=32, choices=Kind.choices)
    status = models.CharField("состояние", max_length=16, choices=Status.choices)
    region = models.ForeignKey(
        "schools.Region", on_delete=models.PROTECT, related_name="+", verbose_name="регион"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="загрузил",
    )
    source = models.CharField("способ", max_length=16, default="web")  # web | command | api
    original_name = models.CharField("имя файла", max_length=255)
    file = models.FileField("файл", upload_to="imports/%Y/%m/", blank=True)
    total_rows = models.PositiveIntegerField("строк в файле", default=0)
    processed_rows = models.PositiveIntegerField("обработано строк", default=0)
    stats = models.JSONField(
        "итоги", default=dict, blank=True
    )  # {"created": n, "updated": n, "unchanged": n}
    errors = models.JSONField(
        "ошибки", default=list, blank=True
    )  # [{"row": n, "column": "…", "message": "…"}]
    applied_at = models.DateTimeField("загружен", null=True, blank=True)

    objects = ImportBatchQuerySet.as_manager()

    class Meta:
        verbose_name = "загрузка файла"
        verbose_name_plural = "загрузки файлов"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.original_name} ({self.get_status_display()})"


register_policy(ImportBatch, ImportBatchPolicy)


class AuthEvent(models.Model):
    """A sign-in, a sign-out or a failed sign-in attempt. Append-only; the password is never stored.

    django-axes keeps its own AccessAttempt and AccessLog, but deletes attempts on a successful sign-in and on
    ``axes_reset``, so they are a lockout counter rather than an audit; this table is the audit.
    """

    class Kind(models.TextChoices):
        LOGIN = "login", "вход"
        LOGOUT = "logout", "выход"
        FAILED = "failed", "неудачная попытка входа"

    kind = models.CharField("событие", max_length=8, choices=Kind.choices)
    username = models.CharField("имя пользователя (как введено)", max_length=150, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,  # deleting a user keeps their sign-ins (and their id) in the audit
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="пользователь",
    )
    ip = models.GenericIPAddressField("IP-адрес", null=True, blank=True)
    user_agent = models.CharField("браузер", max_length=255, blank=True)
    at = models.DateTimeField("когда", default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "событие входа"
        verbose_name_plural = "журнал входов"
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["user", "at"], name="auth_event_user_at")]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.at:%d.%m.%Y %H:%M} {self.get_kind_display()}: {self.username}"


register_policy(AuthEvent, AuditPolicy)
