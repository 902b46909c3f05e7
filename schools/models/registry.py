"""The registry: regions, their municipalities and the schools."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower

from core.models import BaseModel

from ..identity import identifier_key
from ..querysets import (
    MunicipalityQuerySet,
    RegionQuerySet,
    SchoolIdentifierQuerySet,
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


class IdentifierKind(models.TextChoices):
    """How other systems know a school (values repeated as constants in the pure ``schools.identity``)."""

    FISOKO = "fisoko", "Логин ФИС ОКО"
    INN = "inn", "ИНН"
    OGRN = "ogrn", "ОГРН"
    RCOI_OGE = "rcoi_oge", "Код РЦОИ (ОГЭ)"
    RCOI_EGE = "rcoi_ege", "Код РЦОИ (ЕГЭ)"
    NAME = "name", "Наименование в файлах"


class SchoolIdentifier(models.Model):
    """One name a school is known by in another system or in files: a ФИС ОКО login (``sch…`` before 2022,
    ``edu…`` since), ИНН, ОГРН, РЦОИ codes, a name seen in a file. Unique within the region for every kind but
    names (two schools may share a name in a region; the resolver narrows a name by municipality)."""

    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="identifiers", verbose_name="школа"
    )
    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+", verbose_name="регион")
    kind = models.CharField("вид", max_length=16, choices=IdentifierKind.choices)
    value = models.CharField("значение", max_length=500, help_text="Как записано в источнике.")
    key = models.CharField("ключ", max_length=500, editable=False, help_text="Нормализованное значение.")
    source = models.CharField("откуда известно", max_length=500, blank=True)
    # Who added it, kept apart from ``source``: the source is shown on the school's card to everyone who reads the
    # school, a person's name must not be (personal data, #19 §1).
    created_by = models.ForeignKey(
        "core.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name="кто добавил",
    )
    created_at = models.DateTimeField("добавлен", auto_now_add=True)

    objects = SchoolIdentifierQuerySet.as_manager()

    class Meta:
        verbose_name = "идентификатор школы"
        verbose_name_plural = "идентификаторы школ"
        ordering = ["kind", "value"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "kind", "key"],
                condition=~models.Q(kind="name"),
                name="school_identifier_unique_in_region",
                violation_error_message="Этот идентификатор уже принадлежит другой школе региона.",
            ),
            models.UniqueConstraint(
                fields=["school", "kind", "key"], name="school_identifier_unique_per_school"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.value}"

    def save(self, *args, **kwargs):
        self.fill_derived()
        super().save(*args, **kwargs)

    def fill_derived(self) -> None:
        """The key from the value, the region from the school (both derived, never typed in). The region is read
        again every time: the admin may move an identifier to a school of another region."""
        self.key = identifier_key(self.kind, self.value)
        if self.school_id is not None:
            self.region_id = (
                School.objects.filter(pk=self.school_id).values_list("municipality__region", flat=True).get()
            )

    def clean(self) -> None:
        # The admin's form excludes ``key`` and ``region``, so the database constraints on them are not
        # validated by the form: say it here in Russian rather than fail on the constraint.
        self.fill_derived()
        if not self.key:
            raise ValidationError({"value": "Значение пусто после нормализации."})
        # The school itself holding the key (school_identifier_unique_per_school): the check below looks only at
        # other schools, so adding «EDU610001» beside «edu610001» failed on the constraint (a 500 in the admin).
        own = SchoolIdentifier.objects.filter(school_id=self.school_id, kind=self.kind, key=self.key)
        if self.pk is not None:
            own = own.exclude(pk=self.pk)
        if self.school_id is not None and own.exists():
            raise ValidationError({"value": f"У школы уже есть этот идентификатор: «{own.first().value}»."})
        if self.kind != IdentifierKind.NAME:
            holder = (
                SchoolIdentifier.objects.filter(region_id=self.region_id, kind=self.kind, key=self.key)
                .exclude(school_id=self.school_id)
                .select_related("school")
                .first()
            )
            if holder is not None:
                raise ValidationError(
                    {"value": f"«{self.value}» уже принадлежит школе {holder.school.code} «{holder.school}»."}
                )
