"""ВПР: the conversion scales of primary scores into marks (reference data) and, beside a school's ВПР result
read from a participant protocol, what the marks alone do not say (the distribution of primary scores and how
the ВПР marks compare with the previous term's marks). No pupil is kept."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from core.history import AuditedHistory
from core.models import BaseModel

from ..subjects import normalise_subject
from .results import Result


class VprScale(BaseModel):
    """ФИОКО's «Рекомендации по переводу первичных баллов в отметки по пятибалльной шкале» for one work: the
    lowest primary score of «3», «4» and «5» (below «3» is «2») and the maximum. One per year, subject and grade.
    Edited by a region-wide methodologist (schools.policies.VprScalePolicy), imported from xlsx (import kind
    «vpr_scales»); the seeded ones cite their source."""

    year = models.PositiveSmallIntegerField(
        "год", validators=[MinValueValidator(2015), MaxValueValidator(2100)], help_text="Год проведения ВПР."
    )
    subject = models.CharField("предмет", max_length=255)
    # normalise_subject(subject): «Математика» and « математика» are one scale.
    subject_key = models.CharField(max_length=255, editable=False)
    grade = models.PositiveSmallIntegerField(
        "класс", validators=[MinValueValidator(1), MaxValueValidator(11)]
    )
    three_from = models.PositiveSmallIntegerField("«3» от (первичный балл)")
    four_from = models.PositiveSmallIntegerField("«4» от")
    five_from = models.PositiveSmallIntegerField("«5» от")
    max_score = models.PositiveSmallIntegerField("максимальный первичный балл")
    source = models.TextField(
        "источник", blank=True, help_text="Документ ФИОКО (название, год, таблица), откуда взята шкала."
    )
    # A scale decides the marks of every protocol read by it: who changed it, when and from what is audited.
    history = AuditedHistory()

    class Meta:
        verbose_name = "шкала перевода баллов ВПР"
        verbose_name_plural = "шкалы перевода баллов ВПР"
        ordering = ["-year", "grade", "subject"]
        constraints = [
            models.UniqueConstraint(fields=["year", "subject_key", "grade"], name="vpr_scale_unique_work"),
            models.CheckConstraint(
                condition=models.Q(three_from__gt=0)
                & models.Q(four_from__gt=models.F("three_from"))
                & models.Q(five_from__gt=models.F("four_from"))
                & models.Q(max_score__gte=models.F("five_from")),
                name="vpr_scale_bounds_ascend",
            ),
        ]

    def __str__(self) -> str:
        return f"ВПР {self.year}, {self.subject}, {self.grade} класс"

    def clean(self) -> None:
        from ..results_import.layouts.vpr_protocol import scale_problem

        bounds = (self.three_from, self.four_from, self.five_from, self.max_score)
        if all(value is not None for value in bounds):
            problem = scale_problem(*bounds)
            if problem:
                raise ValidationError(problem)

    def save(self, *args, **kwargs):
        self.subject_key = normalise_subject(self.subject)
        if kwargs.get("update_fields") is not None and "subject" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "subject_key"}
        super().save(*args, **kwargs)


class VprResultDetail(BaseModel):
    """A ВПР result's aggregates from a participant protocol, one-to-one with the result (written by the same
    import, in its transaction): pupils by primary score, the term-mark comparison and the absent."""

    result = models.OneToOneField(
        Result, on_delete=models.CASCADE, related_name="vpr_detail", primary_key=True
    )
    # Pupils by primary score: scores[i] wrote the work with i points (0 … the scale's maximum).
    scores = models.JSONField("распределение первичных баллов", default=list)
    lower = models.PositiveIntegerField("понизили (отметка ВПР ниже отметки за период)", default=0)
    same = models.PositiveIntegerField("подтвердили", default=0)
    higher = models.PositiveIntegerField("повысили", default=0)
    no_term = models.PositiveIntegerField("нет отметки за период", default=0)
    absent = models.PositiveIntegerField("отсутствовали", default=0)

    class Meta:
        verbose_name = "ВПР: распределение баллов и сравнение с отметками"
        verbose_name_plural = "ВПР: распределения баллов и сравнения с отметками"

    def __str__(self) -> str:
        return f"{self.result}: понизили {self.lower}, подтвердили {self.same}, повысили {self.higher}"

    @property
    def compared(self) -> int:
        return self.lower + self.same + self.higher

    def shares(self) -> dict[str, float]:
        """Percentages of the pupils with a term mark (the comparison's base), one decimal."""
        base = self.compared
        if not base:
            return {"lower": 0.0, "same": 0.0, "higher": 0.0}
        return {key: round(100 * getattr(self, key) / base, 1) for key in ("lower", "same", "higher")}
