"""Teachers of the schools and their professional development courses."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F
from django.db.models.functions import Lower

from core.models import BaseModel

from ..querysets import (
    ProfessionalCourseQuerySet,
    TeacherQuerySet,
)
from .registry import School
from .results import Subject


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
