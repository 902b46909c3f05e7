"""A school's context per year, as ФИС ОКО's context forms describe it: the settlement, the pupils, the teachers,
the equipment. It is what the ШНСУ side of the programme compares schools by; no personal data is kept."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from core.models import BaseModel

from .registry import School


class SettlementType(models.TextChoices):
    # The forms' answers to «Где расположена (Ваша) образовательная организация?», 1–4 in 2021 and in 2022.
    CAPITAL = "capital", "Столица (административный центр) субъекта РФ"
    CITY = "city", "Город"
    TOWN = "town", "Населённый пункт городского типа"
    VILLAGE = "village", "Населённый пункт сельского типа"


class SettlementSize(models.IntegerChoices):
    # The forms' answers to «Каков размер населенного пункта, в котором расположена ОО?», 1–8 in both years.
    UNDER_1K = 1, "менее 1 тыс. человек"
    FROM_1K = 2, "1–5 тыс. человек"
    FROM_5K = 3, "5–10 тыс. человек"
    FROM_10K = 4, "10–50 тыс. человек"
    FROM_50K = 5, "50–100 тыс. человек"
    FROM_100K = 6, "100–450 тыс. человек"
    FROM_450K = 7, "450–680 тыс. человек"
    OVER_680K = 8, "более 680 тыс. человек"


class InstructionLanguage(models.TextChoices):
    RUSSIAN_ONLY = "ru", "Только на русском языке"
    OTHER = "other", "В том числе на другом языке (языках)"


def _count(label: str) -> models.PositiveIntegerField:
    return models.PositiveIntegerField(label, null=True, blank=True)


class SchoolContext(BaseModel):
    """One school in one year. Every figure is optional: the 2021 and 2022 forms ask different questions."""

    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="contexts", verbose_name="школа"
    )
    year = models.PositiveSmallIntegerField(
        "год",
        validators=[MinValueValidator(2000), MaxValueValidator(2100)],
        help_text="Весна учебного года, о котором форма: форма 2020/2021 учебного года — 2021.",
    )
    settlement_type = models.CharField(
        "тип населённого пункта", max_length=16, choices=SettlementType.choices, blank=True
    )
    settlement_size = models.PositiveSmallIntegerField(
        "размер населённого пункта", choices=SettlementSize.choices, null=True, blank=True
    )
    settlement_name = models.CharField("населённый пункт", max_length=100, blank=True)
    pupils = _count("обучающихся")
    cohort = models.CharField(
        "возрастная группа участников ВПР", max_length=32, blank=True, help_text="Например: «2006 г. р.»."
    )
    cohort_pupils = _count("обучающихся в возрастной группе")
    cohort_adapted = _count("из них по адаптированным программам (ОВЗ)")
    adapted_programmes = models.BooleanField("обучение по адаптированным программам", null=True, blank=True)
    special_school = models.BooleanField("специальная (коррекционная) ОО", null=True, blank=True)
    boarding_school = models.BooleanField("школа-интернат", null=True, blank=True)
    deep_study = models.BooleanField("углублённое изучение предметов", null=True, blank=True)
    language = models.CharField(
        "язык обучения", max_length=8, choices=InstructionLanguage.choices, blank=True
    )
    teachers = _count("учителей")
    teachers_highest = _count("учителей высшей категории")
    teachers_first_highest = _count("учителей первой и высшей категорий")
    teachers_5_9 = _count("учителей 5–9 классов")
    teachers_under_30 = _count("учителей не старше 30 лет")
    teachers_pension_age = _count("учителей пенсионного возраста")
    classrooms = _count("учебных кабинетов")
    classrooms_with_computer = _count("кабинетов с компьютером учителя")
    classrooms_with_projector = _count("кабинетов с проектором или интерактивной доской")
    computers = _count("компьютеров для обучающихся")
    computers_outdated = _count("из них устаревших")
    computers_online = _count("из них с доступом в Интернет")
    internet_speed = models.CharField("скорость Интернета", max_length=100, blank=True)
    source = models.CharField("источник", max_length=500, blank=True)

    class Meta:
        verbose_name = "контекст школы"
        verbose_name_plural = "контекст школ"
        ordering = ["school", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["school", "year"], name="school_context_unique_year"),
        ]

    def __str__(self) -> str:
        return f"{self.school} — {self.year}"
