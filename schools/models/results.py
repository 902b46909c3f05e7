"""Assessment results: procedure kinds, subjects, procedures and each school's result in one."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F
from django.db.models.lookups import GreaterThanOrEqual

from core.models import BaseModel

from ..querysets import ResultQuerySet
from ..subjects import normalise_subject
from .registry import School


class ProcedureKind(BaseModel):
    """A kind of assessment procedure: ВПР, ОГЭ, ЕГЭ, or a regional one (ККР, КДР…). The list is editable."""

    code = models.CharField("код", max_length=16, unique=True, help_text="Как в файлах: ВПР, ОГЭ, ЕГЭ, ККР…")
    name = models.CharField("наименование", max_length=255)
    failed_label = models.CharField(
        "что считается неудачей",
        max_length=100,
        default="отметка «2»",
        help_text="«отметка «2»» для ВПР и ОГЭ, «ниже минимального балла» для ЕГЭ.",
    )
    is_regional = models.BooleanField("региональная процедура", default=False)
    is_active = models.BooleanField("используется", default=True)

    class Meta:
        verbose_name = "вид оценочной процедуры"
        verbose_name_plural = "виды оценочных процедур"
        ordering = ["is_regional", "code"]

    def __str__(self) -> str:
        return self.code


class Subject(BaseModel):
    name = models.CharField("наименование", max_length=255)
    # Lower case, «ё» as «е», single spaces: "Математика" and " математика" are one subject.
    normalized_name = models.CharField("ключ", max_length=255, unique=True, editable=False)

    class Meta:
        verbose_name = "предмет"
        verbose_name_plural = "предметы"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.normalized_name = normalise_subject(self.name)
        super().save(*args, **kwargs)


class Procedure(BaseModel):
    """One assessment procedure: kind × subject × grade × year (the year the school year ends)."""

    kind = models.ForeignKey(
        ProcedureKind, on_delete=models.PROTECT, related_name="procedures", verbose_name="вид"
    )
    subject = models.ForeignKey(
        Subject, on_delete=models.PROTECT, related_name="procedures", verbose_name="предмет"
    )
    grade = models.PositiveSmallIntegerField(
        "класс", validators=[MinValueValidator(1), MaxValueValidator(11)]
    )
    year = models.PositiveSmallIntegerField(
        "год", validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )

    class Meta:
        verbose_name = "оценочная процедура"
        verbose_name_plural = "оценочные процедуры"
        ordering = ["-year", "kind__code", "subject__name", "grade"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "subject", "grade", "year"], name="procedure_unique"),
            models.CheckConstraint(
                condition=models.Q(grade__gte=1, grade__lte=11), name="procedure_grade_range"
            ),
        ]
        indexes = [models.Index(fields=["year", "kind"])]

    def __str__(self) -> str:
        return f"{self.kind.code}, {self.subject.name}, {self.grade} кл., {self.year}"


DEFAULT_THRESHOLD = 30  # % — the rule's default (schools.criteria.RuleParams); a partial index serves it

# Under this many participants a share is of limited value: it is shown, but marked (BRIEF.md).
SMALL_SAMPLE = 20


def failed_share(failed: int, participants: int) -> float | None:
    """The share of «2» (ЕГЭ: below the minimum), %; None without participants."""
    return 100 * failed / participants if participants else None


def is_small_sample(participants: int) -> bool:
    return participants < SMALL_SAMPLE


class Result(BaseModel):
    """One school's result in one procedure.

    The table holds millions of rows and is loaded in bulk, so it carries only the indexes its queries use
    (docs/performance.md): the primary key, the unique (school, procedure) — which also serves every lookup
    by school —, two partial indexes by procedure for the ШНОР rule and one by ``updated_at`` for the API's
    ``updated_since``. Each index costs imports ~10 %.
    """

    # Not indexed on their own: the unique (school, procedure) and the partial (procedure, school) indexes
    # lead with them. No database-level constraint either: per-row foreign-key checks at commit would cost a
    # million-row import ~5 s. Django still applies CASCADE and PROTECT, and the import locks and checks the
    # schools and procedures it refers to in one statement (schools.results_import.writers.lock_referenced).
    school = models.ForeignKey(
        School,
        on_delete=models.CASCADE,
        related_name="results",
        verbose_name="школа",
        db_index=False,
        db_constraint=False,
    )
    procedure = models.ForeignKey(
        Procedure,
        on_delete=models.PROTECT,
        related_name="results",
        verbose_name="процедура",
        db_index=False,
        db_constraint=False,
    )
    participants = models.PositiveIntegerField("участников")
    failed = models.PositiveIntegerField(
        "неудовлетворительно", help_text="«2» (ВПР, ОГЭ) или ниже минимума (ЕГЭ)"
    )
    marks_3 = models.PositiveIntegerField("«3»", null=True, blank=True)
    marks_4 = models.PositiveIntegerField("«4»", null=True, blank=True)
    marks_5 = models.PositiveIntegerField("«5»", null=True, blank=True)
    mean_score = models.DecimalField("средний балл", max_digits=6, decimal_places=2, null=True, blank=True)
    # ЕГЭ only (regional ЕГЭ workbooks): «высокобалльники (80–99 баллов)» and «получили 100 баллов». Empty when
    # the file does not give them; with the failed they are three disjoint groups of the participants.
    high_scorers = models.PositiveIntegerField("высокобалльников (80–99)", null=True, blank=True)
    hundred_scorers = models.PositiveIntegerField("100 баллов", null=True, blank=True)
    # Which upload last wrote the row: audit metadata, not integrity. No index and no database-level
    # constraint (Django still applies SET_NULL when an ImportBatch is deleted).
    import_batch = models.ForeignKey(
        "core.ImportBatch",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="загрузка",
        db_index=False,
        db_constraint=False,
    )
    created_at = models.DateTimeField("создано", auto_now_add=True)
    updated_at = models.DateTimeField("изменено", auto_now=True)

    objects = ResultQuerySet.as_manager()
    # No change history (core/history.py): millions of rows loaded in bulk; each import is an ImportBatch.

    class Meta:
        verbose_name = "результат"
        verbose_name_plural = "результаты"
        constraints = [
            models.UniqueConstraint(fields=["school", "procedure"], name="result_unique_school_procedure"),
            models.CheckConstraint(
                condition=models.Q(failed__lte=models.F("participants")),
                name="result_failed_le_participants",
                violation_error_message="Неудовлетворительных больше, чем участников.",
            ),
            models.CheckConstraint(
                condition=models.Q(participants__gte=0, failed__gte=0), name="result_counts_non_negative"
            ),
            *[
                models.CheckConstraint(
                    condition=models.Q(**{f"{f}__isnull": True}) | models.Q(**{f"{f}__gte": 0}),
                    name=f"result_{f}_non_negative",
                )
                for f in ("marks_3", "marks_4", "marks_5", "high_scorers", "hundred_scorers")
            ],
        ]
        indexes = [
            # Counted results by procedure: lookups by procedure, and a school's presence in a year read
            # from the index alone (schools.flags).
            models.Index(
                fields=["procedure", "school"], condition=models.Q(participants__gt=0), name="result_counted"
            ),
            # The low results under the default threshold: a few per cent of the table, read from the index
            # alone when the ШНОР rule runs with its default parameters (docs/performance.md).
            models.Index(
                fields=["procedure", "school"],
                include=["failed", "participants"],
                condition=models.Q(
                    GreaterThanOrEqual(F("failed") * 100, F("participants") * DEFAULT_THRESHOLD)
                ),
                name="result_low_default",
            ),
            # A regional system's daily pull: the API lists results changed since a moment (``updated_since``,
            # api/base.py): a day's few thousand rows found through the index instead of reading the whole
            # table (docs/performance.md, «Индекс по updated_at»).
            models.Index(fields=["updated_at"], name="result_updated_at"),
        ]

    def __str__(self) -> str:
        return f"{self.school.code}: {self.procedure}"

    @property
    def failed_share(self) -> float | None:
        return failed_share(self.failed, self.participants)

    @property
    def small_sample(self) -> bool:
        return is_small_sample(self.participants)
