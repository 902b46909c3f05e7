"""ШНОР flags: the region's rule, the computed statuses of a list year, the approved lists and their events."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from core.access import ScopedQuerySet
from core.history import AuditedHistory
from core.models import BaseModel

from ..querysets import ApprovedListQuerySet, FlagDecisionQuerySet
from .registry import Municipality, Region, School


class FlagRule(BaseModel):
    """The parameters of the ШНОР rule for one region (see schools/criteria.py for their meaning)."""

    class Criterion2Mode(models.TextChoices):
        ANY = "any", "любая процедура в каждом году"
        SAME = "same", "одна и та же процедура во всех годах"

    class Combine(models.TextChoices):
        ANY = "any", "достаточно одного критерия"
        ALL = "all", "должны выполняться оба критерия"

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
    combine = models.CharField(
        "сочетание критериев", max_length=8, choices=Combine.choices, default=Combine.ANY
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
