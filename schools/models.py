from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F
from django.db.models.functions import Lower
from django.db.models.lookups import GreaterThanOrEqual

from core.access import ScopedQuerySet
from core.history import AuditedHistory
from core.models import BaseModel

from .querysets import (
    MunicipalityQuerySet,
    ProfessionalCourseQuerySet,
    RegionQuerySet,
    SchoolQuerySet,
    TeacherQuerySet,
)

PERCENT_VALIDATORS = [MinValueValidator(0), MaxValueValidator(100)]


class Region(BaseModel):
    name = models.CharField("наименование", max_length=255, unique=True)
    code = models.CharField("код субъекта РФ", max_length=8, blank=True)

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = "регион"
        verbose_name_plural = "регионы"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Municipality(BaseModel):
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="municipalities", verbose_name="регион"
    )
    name = models.CharField("наименование", max_length=255)
    department_name = models.CharField(
        "орган управления образованием",
        max_length=500,
        blank=True,
        help_text="Например: «Отдел образования Администрации Обливского района».",
    )

    objects = MunicipalityQuerySet.as_manager()

    class Meta:
        verbose_name = "муниципалитет"
        verbose_name_plural = "муниципалитеты"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint("region", Lower("name"), name="municipality_unique_name_in_region"),
        ]

    def __str__(self) -> str:
        return self.name


class SchoolType(models.TextChoices):
    SOSH = "СОШ", "Средняя общеобразовательная школа (СОШ)"
    OOSH = "ООШ", "Основная общеобразовательная школа (ООШ)"
    NOSH = "НОШ", "Начальная общеобразовательная школа (НОШ)"
    SOSH_UIOP = "СОШ с УИОП", "СОШ с углублённым изучением отдельных предметов"
    GYMNASIUM = "гимназия", "Гимназия"
    LYCEUM = "лицей", "Лицей"
    BOARDING = "школа-интернат", "Школа-интернат"
    CORRECTIONAL = "коррекционная", "Коррекционная (адаптированная) школа"
    EVENING = "вечерняя", "Вечерняя (сменная) школа"
    EDUCATION_CENTER = "центр образования", "Центр образования"
    OTHER = "иное", "Иное"


class School(BaseModel):
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="schools", verbose_name="муниципалитет"
    )
    code = models.CharField(
        "код ОО",
        max_length=32,
        unique=True,
        help_text="Код образовательной организации или логин в ФИС ОКО (например, sch610123).",
    )
    name = models.CharField("полное наименование", max_length=500)
    short_name = models.CharField("краткое наименование", max_length=255, blank=True)
    school_type = models.CharField("тип", max_length=32, choices=SchoolType.choices, blank=True)
    address = models.CharField("адрес", max_length=500, blank=True)
    director = models.CharField("директор", max_length=255, blank=True)
    phone = models.CharField("телефон", max_length=100, blank=True)
    email = models.EmailField("электронная почта", blank=True)
    website = models.URLField("сайт", blank=True)
    is_active = models.BooleanField("действующая", default=True)

    # Context (ШНСУ — школа, функционирующая в сложных социальных условиях): not results, but it explains them.
    shnsu = models.BooleanField("ШНСУ (сложные социальные условия)", default=False)
    shnsu_reason = models.TextField("основание отнесения к ШНСУ", blank=True)
    low_income_share = models.DecimalField(
        "доля детей из малообеспеченных семей, %",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=PERCENT_VALIDATORS,
    )
    ovz_share = models.DecimalField(
        "доля обучающихся с ОВЗ, %",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=PERCENT_VALIDATORS,
    )
    non_native_russian_share = models.DecimalField(
        "доля обучающихся, для которых русский язык не родной, %",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=PERCENT_VALIDATORS,
    )
    is_rural = models.BooleanField("сельская школа", null=True, blank=True)

    objects = SchoolQuerySet.as_manager()

    class Meta:
        verbose_name = "школа"
        verbose_name_plural = "школы"
        ordering = ["municipality__name", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(shnsu=False) | ~models.Q(shnsu_reason=""),
                name="school_shnsu_needs_reason",
                violation_error_message="Для ШНСУ укажите основание.",
            ),
            *[
                models.CheckConstraint(
                    condition=models.Q(**{f"{field}__isnull": True})
                    | models.Q(**{f"{field}__gte": 0, f"{field}__lte": 100}),
                    name=f"school_{field}_percent",
                )
                for field in ("low_income_share", "ovz_share", "non_native_russian_share")
            ],
        ]
        indexes = [models.Index(fields=["municipality", "is_active"])]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.short_name or self.name


# --- Assessment results ---------------------------------------------------------------------------------


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
        from .subjects import normalise_subject

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


class ResultQuerySet(ScopedQuerySet):
    pass  # reached through the result's school (the default paths)


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
    by school — and two partial indexes by procedure for the ШНОР rule. Each index costs imports ~10 %.
    """

    # Not indexed on their own: the unique (school, procedure) and the partial (procedure, school) indexes
    # lead with them. No database-level constraint either: per-row foreign-key checks at commit would cost a
    # million-row import ~5 s. Django still applies CASCADE and PROTECT, and the import locks and checks the
    # schools and procedures it refers to in one statement (schools.results_import._lock_referenced).
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
                for f in ("marks_3", "marks_4", "marks_5")
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
        ]

    def __str__(self) -> str:
        return f"{self.school.code}: {self.procedure}"

    @property
    def failed_share(self) -> float | None:
        return failed_share(self.failed, self.participants)

    @property
    def small_sample(self) -> bool:
        return is_small_sample(self.participants)


# --- ШНОР flags ------------------------------------------------------------------------------------------


class FlagRule(BaseModel):
    """The parameters of the ШНОР rule for one region (see schools/criteria.py for their meaning)."""

    class Criterion2Mode(models.TextChoices):
        ANY = "any", "любая процедура в каждом году"
        SAME = "same", "одна и та же процедура во всех годах"

    region = models.OneToOneField(
        Region, on_delete=models.CASCADE, related_name="flag_rule", verbose_name="регион"
    )
    threshold = models.PositiveSmallIntegerField(
        "порог низкого результата, %", default=30, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    low_procedures = models.PositiveSmallIntegerField(
        "низких процедур в одном году (критерий 1)", default=2, validators=[MinValueValidator(1)]
    )
    consecutive_years = models.PositiveSmallIntegerField(
        "лет подряд (критерий 2)", default=2, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    criterion2 = models.CharField(
        "режим критерия 2", max_length=8, choices=Criterion2Mode.choices, default=Criterion2Mode.ANY
    )
    kinds = models.JSONField(
        "учитываемые виды процедур", default=list, blank=True, help_text="Коды видов; пусто — все виды."
    )
    min_participants = models.PositiveIntegerField(
        "минимум участников, чтобы результат учитывался", default=1, validators=[MinValueValidator(1)]
    )
    updated_by = models.ForeignKey(
        "core.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="изменил",
    )

    history = AuditedHistory()

    class Meta:
        verbose_name = "правило отнесения к ШНОР"
        verbose_name_plural = "правила отнесения к ШНОР"

    def __str__(self) -> str:
        return f"Правило ШНОР: {self.region}"


class FlagStatus(models.TextChoices):
    SHNOR = "shnor", "ШНОР"
    RISK = "risk", "зона риска"
    NO_DATA = "no_data", "нет данных"
    NONE = "none", "нет признака"


class FlagComputation(BaseModel):
    """One recomputation of a list year for a region: the rule parameters used, when, and the totals.

    Every decision points to the computation that produced it, so the parameters behind a decision are
    kept with it (once per region and run rather than in each of thousands of rows).
    """

    region = models.ForeignKey(
        Region, on_delete=models.CASCADE, related_name="flag_computations", verbose_name="регион"
    )
    list_year = models.PositiveSmallIntegerField("год перечня")
    params = models.JSONField("параметры правила")
    counts = models.JSONField("школ по статусам", default=dict)

    class Meta:
        verbose_name = "расчёт статусов ШНОР"
        verbose_name_plural = "расчёты статусов ШНОР"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["region", "list_year", "-created_at"], name="flag_computation_latest")
        ]

    def __str__(self) -> str:
        return f"Расчёт перечня {self.list_year}, {self.region}, {self.created_at:%d.%m.%Y %H:%M}"


class FlagDecisionQuerySet(ScopedQuerySet):
    pass


class FlagDecision(models.Model):
    """The computed status of one school for one list year, with its reasons and the rule used."""

    school = models.ForeignKey(
        School,
        on_delete=models.CASCADE,
        related_name="flag_decisions",
        verbose_name="школа",
        db_index=False,  # the unique (school, list_year) serves lookups by school
        # Decisions are derived data, replaced as a whole by schools.flags from school ids read in the same
        # transaction, and Django still cascades deletions; without the database-level check a recomputation
        # of 40,000 schools saves the per-row trigger work at commit (docs/performance.md).
        db_constraint=False,
    )
    list_year = models.PositiveSmallIntegerField("год перечня")
    status = models.CharField("статус", max_length=8, choices=FlagStatus.choices)
    criteria = models.CharField("критерии", max_length=16, blank=True, help_text="«1», «2», «1;2» или пусто")
    reasons = models.JSONField("основания", default=dict, blank=True)
    computation = models.ForeignKey(
        FlagComputation,
        on_delete=models.CASCADE,
        related_name="decisions",
        verbose_name="расчёт",
        db_index=False,
        db_constraint=False,  # created in the same transaction as its decisions (see school above)
    )

    objects = FlagDecisionQuerySet.as_manager()
    # No change history (core/history.py): decisions are derived data, rebuilt in bulk for whole regions; the
    # rule parameters and the approved lists built from them are tracked instead.

    class Meta:
        verbose_name = "расчётный статус школы"
        verbose_name_plural = "расчётные статусы школ"
        ordering = ["-list_year", "school__code"]
        constraints = [
            models.UniqueConstraint(fields=["school", "list_year"], name="flag_decision_unique"),
        ]
        # No index on (list_year, status): pages reach decisions through the school scope and the unique
        # (school, list_year); an extra index would cost every recomputation ~0.1 s (docs/performance.md).

    def __str__(self) -> str:
        return f"{self.school.code} {self.list_year}: {self.get_status_display()}"


class ApprovedListQuerySet(ScopedQuerySet):
    region_path = "municipality__region"
    municipality_path = "municipality"
    school_path = None  # a school admin does not manage the list; they see their own status on the card


class ApprovedList(BaseModel):
    """The ШНОР list of a municipality for a year, as approved by an order; starts as the computed list."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="approved_lists", verbose_name="муниципалитет"
    )
    list_year = models.PositiveSmallIntegerField("год перечня")
    order_number = models.CharField("номер приказа", max_length=64)
    order_date = models.DateField("дата приказа")
    note = models.TextField("примечание", blank=True)
    created_by = models.ForeignKey(
        "core.User", on_delete=models.PROTECT, related_name="+", verbose_name="создал"
    )

    objects = ApprovedListQuerySet.as_manager()
    history = AuditedHistory()

    class Meta:
        verbose_name = "утверждённый перечень ШНОР"
        verbose_name_plural = "утверждённые перечни ШНОР"
        ordering = ["-list_year", "municipality__name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "list_year"], name="approved_list_unique"),
        ]

    def __str__(self) -> str:
        return f"Перечень ШНОР {self.list_year}, {self.municipality} (приказ № {self.order_number})"


class ApprovedListEntry(BaseModel):
    """A school's place in an approved list. ``included`` differs from the computed status only with a reason."""

    approved_list = models.ForeignKey(
        ApprovedList, on_delete=models.CASCADE, related_name="entries", verbose_name="перечень"
    )
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="approved_entries", verbose_name="школа"
    )
    computed_status = models.CharField("расчётный статус", max_length=8, choices=FlagStatus.choices)
    included = models.BooleanField("включена в перечень")
    reason = models.TextField("основание ручного решения", blank=True)

    objects = ScopedQuerySet.as_manager()
    history = AuditedHistory()

    class Meta:
        verbose_name = "школа в перечне"
        verbose_name_plural = "школы в перечне"
        ordering = ["school__name"]
        constraints = [
            models.UniqueConstraint(fields=["approved_list", "school"], name="approved_entry_unique"),
            # Following the computed list needs no words; departing from it does.
            models.CheckConstraint(
                condition=models.Q(computed_status="shnor", included=True)
                | (~models.Q(computed_status="shnor") & models.Q(included=False))
                | ~models.Q(reason=""),
                name="approved_entry_override_needs_reason",
                violation_error_message="Укажите основание ручного включения или исключения.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.school.code}: {'включена' if self.included else 'не включена'}"

    @property
    def is_override(self) -> bool:
        return self.included != (self.computed_status == FlagStatus.SHNOR)


class ApprovedListEvent(models.Model):
    """Audit of an approved list: who did what, when, and why. Append-only."""

    class Action(models.TextChoices):
        CREATED = "created", "перечень создан"
        INCLUDED = "included", "школа включена"
        EXCLUDED = "excluded", "школа исключена"
        UPDATED = "updated", "реквизиты изменены"

    approved_list = models.ForeignKey(
        ApprovedList, on_delete=models.CASCADE, related_name="events", verbose_name="перечень"
    )
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="школа"
    )
    action = models.CharField("действие", max_length=16, choices=Action.choices)
    reason = models.TextField("основание", blank=True)
    user = models.ForeignKey(
        "core.User", on_delete=models.PROTECT, related_name="+", verbose_name="пользователь"
    )
    at = models.DateTimeField("когда", auto_now_add=True)

    class Meta:
        verbose_name = "событие перечня"
        verbose_name_plural = "журнал перечней"
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.at:%d.%m.%Y %H:%M} {self.get_action_display()}"


# --- teachers -------------------------------------------------------------------------------------------


class QualificationCategory(models.TextChoices):
    NONE = "none", "нет"
    CONFORMITY = "conformity", "соответствие занимаемой должности"
    FIRST = "first", "первая"
    HIGHEST = "highest", "высшая"


class Teacher(BaseModel):
    """A teacher of a school: personal data, reached only through ``Teacher.objects.visible_to``."""

    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="teachers", verbose_name="школа"
    )
    last_name = models.CharField("фамилия", max_length=150)
    first_name = models.CharField("имя", max_length=150)
    middle_name = models.CharField("отчество", max_length=150, blank=True)
    position = models.CharField("должность", max_length=255, default="учитель")
    subjects = models.ManyToManyField(Subject, blank=True, related_name="teachers", verbose_name="предметы")
    category = models.CharField(
        "квалификационная категория",
        max_length=16,
        choices=QualificationCategory.choices,
        default=QualificationCategory.NONE,
    )
    # Longer than any working life: a typo such as 250 is refused, a veteran's 55 years are not.
    experience_years = models.PositiveSmallIntegerField(
        "педагогический стаж, лет", null=True, blank=True, validators=[MaxValueValidator(70)]
    )
    is_active = models.BooleanField("работает", default=True)

    objects = TeacherQuerySet.as_manager()

    class Meta:
        verbose_name = "педагог"
        verbose_name_plural = "педагоги"
        ordering = ["last_name", "first_name", "middle_name", "pk"]
        constraints = [
            models.UniqueConstraint(
                "school",
                Lower("last_name"),
                Lower("first_name"),
                Lower("middle_name"),
                name="teacher_unique_name_in_school",
                violation_error_message="Педагог с такими фамилией, именем и отчеством уже есть в этой школе.",
            ),
            models.CheckConstraint(
                condition=models.Q(experience_years__isnull=True) | models.Q(experience_years__lte=70),
                name="teacher_experience_range",
            ),
        ]
        indexes = [models.Index(fields=["school", "is_active"])]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.last_name, self.first_name, self.middle_name) if part)

    @property
    def short_name(self) -> str:
        """«Иванова М. П.» — for tables where the full name does not fit."""
        initials = " ".join(f"{part[0]}." for part in (self.first_name, self.middle_name) if part)
        return f"{self.last_name} {initials}".strip()


class ProfessionalCourse(BaseModel):
    """A professional development course (КПК) a teacher completed."""

    teacher = models.ForeignKey(
        Teacher, on_delete=models.CASCADE, related_name="courses", verbose_name="педагог"
    )
    title = models.CharField("тема курса", max_length=500)
    provider = models.CharField("организация", max_length=500, help_text="Например: ГБУ ДПО РО РИПК и ППРО.")
    # КПК last 16 to 72 hours as a rule, retraining up to ~1000; 2000 only catches typos.
    hours = models.PositiveSmallIntegerField(
        "часов", validators=[MinValueValidator(1), MaxValueValidator(2000)]
    )
    start_date = models.DateField("начало")
    end_date = models.DateField("окончание")
    certificate = models.CharField("удостоверение (номер)", max_length=100, blank=True)

    objects = ProfessionalCourseQuerySet.as_manager()

    class Meta:
        verbose_name = "курс повышения квалификации"
        verbose_name_plural = "курсы повышения квалификации"
        ordering = ["-end_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=F("start_date")),
                name="course_period_order",
                violation_error_message="Дата окончания курса раньше даты начала.",
            ),
            models.CheckConstraint(
                condition=models.Q(hours__gte=1, hours__lte=2000), name="course_hours_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.hours} ч.)"
