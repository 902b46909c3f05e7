"""The registry: regions, their municipalities and the schools."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower

from core.models import BaseModel

from ..querysets import (
    MunicipalityQuerySet,
    RegionQuerySet,
    SchoolQuerySet,
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
