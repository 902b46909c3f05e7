import django.core.validators
import django.db.models.deletion
from django.db import migrations, models

# ФИОКО's «Рекомендации по переводу первичных баллов в отметки по пятибалльной шкале», as each year's
# «Описание проверочной работы» (11th grade: «Спецификация», «Рекомендуемая шкала перевода суммарного балла»)
# prints them; only scales read in such a document are seeded (#19 §3.4). Read in the 2021 documents kept in
# github.com/shekeldini/Flask @ dc96cc2, excel/Описание_работ/<класс>/<предмет>/ (the file is named beside
# each scale). Not seeded: geography, 8th grade, 2021 — its table reads «4» 27–35, «5» 35–40 (35 twice).
_FLASK = "github.com/shekeldini/Flask @ dc96cc2, excel/Описание_работ"


def _fioco(year, subject, grade, three, four, five, maximum, document, path):
    """(year, subject, grade, «3» from, «4» from, «5» from, maximum, source)"""
    source = (
        f"ФИОКО, {document} ВПР {year} ({subject}, {grade} класс), перевод первичных баллов в отметки по "
        f"пятибалльной шкале: «2» 0–{three - 1}, «3» {three}–{four - 1}, «4» {four}–{five - 1}, "
        f"«5» {five}–{maximum}. Копия: {_FLASK}/{path}"
    )
    return (year, subject, grade, three, four, five, maximum, source)


# fmt: off
SCALES = [
    _fioco(2021, "Математика", 4, 6, 10, 15, 20, "описание проверочной работы", "4/Математика/VPR_MA-4_Opisanie_2021.pdf"),
    _fioco(2021, "Окружающий мир", 4, 8, 18, 27, 32, "описание проверочной работы", "4/Окружающий мир/VPR_OKR-4_Opisanie_2021.pdf"),
    _fioco(2021, "Русский язык", 4, 14, 24, 33, 38, "описание проверочной работы", "4/Русский язык/VPR_RU-4_Opisanie_2021.pdf"),
    _fioco(2021, "Биология", 5, 12, 18, 24, 29, "описание проверочной работы", "5/Биология/VPR_BI-5_Opisanie_2021.docx"),
    _fioco(2021, "История", 5, 4, 8, 12, 15, "описание проверочной работы", "5/История/VPR_IS-5_Opisanie_2021.docx"),
    _fioco(2021, "Математика", 5, 7, 11, 15, 20, "описание проверочной работы", "5/Математика/VPR_MA-5_Opisanie_2021.docx"),
    _fioco(2021, "Русский язык", 5, 18, 29, 39, 45, "описание проверочной работы", "5/Русский язык/VPR_RU-5_Opisanie_2021.docx"),
    _fioco(2021, "Биология", 6, 12, 18, 24, 28, "описание проверочной работы", "6/Биология/VPR_BI-6_Opisanie_2021.docx"),
    _fioco(2021, "География", 6, 10, 22, 31, 37, "описание проверочной работы", "6/География/VPR_GG-6_OPISANIE_2021.docx"),
    _fioco(2021, "История", 6, 6, 11, 16, 20, "описание проверочной работы", "6/История/VPR_IS-6_Opisanie_2021.docx"),
    _fioco(2021, "Математика", 6, 6, 10, 14, 16, "описание проверочной работы", "6/Математика/VPR_MA-6_Opisanie_2021.docx"),
    _fioco(2021, "Обществознание", 6, 9, 15, 20, 23, "описание проверочной работы", "6/Обществознание/VPR_OB-6_Opisanie_2021.docx"),
    _fioco(2021, "Русский язык", 6, 25, 35, 45, 51, "описание проверочной работы", "6/Русский язык/VPR_RU-6_Opisanie_2021.docx"),
    _fioco(2021, "Английский язык", 7, 13, 21, 27, 30, "описание проверочной работы", "7/Английский язык/VPR_IN.YA-7_Opisanie_2021.docx"),
    _fioco(2021, "Биология", 7, 10, 17, 23, 28, "описание проверочной работы", "7/Биология/VPR_BI-7_Opisanie_2021_.docx"),
    _fioco(2021, "География", 7, 11, 26, 33, 37, "описание проверочной работы", "7/География/VPR_GG-7_OPISANIE_2021.docx"),
    _fioco(2021, "История", 7, 7, 13, 19, 25, "описание проверочной работы", "7/История/VPR_IS-7_Opisanie_2021.docx"),
    _fioco(2021, "Математика", 7, 7, 12, 16, 19, "описание проверочной работы", "7/Математика/VPR_MA-7_Opisanie_2021.docx"),
    _fioco(2021, "Обществознание", 7, 10, 16, 21, 23, "описание проверочной работы", "7/Обществознание/VPR_OB-7_Opisanie_2021.docx"),
    _fioco(2021, "Русский язык", 7, 22, 32, 42, 47, "описание проверочной работы", "7/Русский язык/VPR_RU-7_Opisanie_2021.docx"),
    _fioco(2021, "Физика", 7, 5, 8, 11, 18, "описание проверочной работы", "7/Физика/VPR_FI-7_Opisanie_2021.docx"),
    _fioco(2021, "Биология", 8, 13, 21, 29, 36, "описание проверочной работы", "8/Биология/VPR_BI-8_Opisanie_2021.docx"),
    _fioco(2021, "История", 8, 7, 12, 18, 24, "описание проверочной работы", "8/История/VPR_IS-8_Opisanie_2021.docx"),
    _fioco(2021, "Математика", 8, 8, 15, 21, 25, "описание проверочной работы", "8/Математика/VPR_MA-8_Opisanie_2021.docx"),
    _fioco(2021, "Обществознание", 8, 11, 17, 22, 25, "описание проверочной работы", "8/Обществознание/VPR_OB-8_Opisanie_2021.docx"),
    _fioco(2021, "Русский язык", 8, 26, 32, 45, 51, "описание проверочной работы", "8/Русский язык/VPR_RU-8_Opisanie_2021.docx"),
    _fioco(2021, "Физика", 8, 5, 8, 11, 18, "описание проверочной работы", "8/Физика/VPR_FI-8_Opisanie_2021.docx"),
    _fioco(2021, "Химия", 8, 10, 19, 28, 36, "описание проверочной работы", "8/Химия/VPR_XI-8_Opisanie_2021.docx"),
    _fioco(2021, "Биология", 11, 11, 18, 25, 32, "спецификация", "11/Биология/БИ-11 ВПР 2021 СПЕЦ.docx"),
    _fioco(2021, "География", 11, 7, 13, 18, 21, "спецификация", "11/География/ГГ-11 ВПР 2021 СПЕЦ.docx"),
    _fioco(2021, "История", 11, 7, 13, 18, 21, "спецификация", "11/История/ИС-11 ВПР 2021 СПЕЦ.docx"),
    _fioco(2021, "Физика", 11, 9, 16, 21, 26, "спецификация", "11/Физика/ФИ-11 ВПР 2021 СПЕЦ.docx"),
    _fioco(2021, "Химия", 11, 11, 20, 28, 33, "спецификация", "11/Химия/ХИ-11 ВПР 2021 СПЕЦ.docx"),
]
# fmt: on


def seed(apps, schema_editor):
    VprScale = apps.get_model("schools", "VprScale")
    for year, subject, grade, three, four, five, maximum, source in SCALES:
        VprScale.objects.get_or_create(
            year=year,
            subject_key=subject.lower(),
            grade=grade,
            defaults={
                "subject": subject,
                "three_from": three,
                "four_from": four,
                "five_from": five,
                "max_score": maximum,
                "source": source,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("schools", "0015_result_high_hundred_scorers")]

    operations = [
        migrations.CreateModel(
            name="VprScale",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(auto_now_add=True, db_index=True, verbose_name="создано"),
                ),
                ("updated_at", models.DateTimeField(auto_now=True, db_index=True, verbose_name="изменено")),
                (
                    "year",
                    models.PositiveSmallIntegerField(
                        help_text="Год проведения ВПР.",
                        validators=[
                            django.core.validators.MinValueValidator(2015),
                            django.core.validators.MaxValueValidator(2100),
                        ],
                        verbose_name="год",
                    ),
                ),
                ("subject", models.CharField(max_length=255, verbose_name="предмет")),
                ("subject_key", models.CharField(editable=False, max_length=255)),
                (
                    "grade",
                    models.PositiveSmallIntegerField(
                        validators=[
                            django.core.validators.MinValueValidator(1),
                            django.core.validators.MaxValueValidator(11),
                        ],
                        verbose_name="класс",
                    ),
                ),
                ("three_from", models.PositiveSmallIntegerField(verbose_name="«3» от (первичный балл)")),
                ("four_from", models.PositiveSmallIntegerField(verbose_name="«4» от")),
                ("five_from", models.PositiveSmallIntegerField(verbose_name="«5» от")),
                ("max_score", models.PositiveSmallIntegerField(verbose_name="максимальный первичный балл")),
                (
                    "source",
                    models.TextField(
                        blank=True,
                        help_text="Документ ФИОКО (название, год, таблица), откуда взята шкала.",
                        verbose_name="источник",
                    ),
                ),
            ],
            options={
                "verbose_name": "шкала перевода баллов ВПР",
                "verbose_name_plural": "шкалы перевода баллов ВПР",
                "ordering": ["-year", "grade", "subject"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("year", "subject_key", "grade"), name="vpr_scale_unique_work"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("three_from__gt", 0),
                            ("four_from__gt", models.F("three_from")),
                            ("five_from__gt", models.F("four_from")),
                            ("max_score__gte", models.F("five_from")),
                        ),
                        name="vpr_scale_bounds_ascend",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="VprResultDetail",
            fields=[
                (
                    "created_at",
                    models.DateTimeField(auto_now_add=True, db_index=True, verbose_name="создано"),
                ),
                ("updated_at", models.DateTimeField(auto_now=True, db_index=True, verbose_name="изменено")),
                (
                    "result",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="vpr_detail",
                        serialize=False,
                        to="schools.result",
                    ),
                ),
                ("scores", models.JSONField(default=list, verbose_name="распределение первичных баллов")),
                (
                    "lower",
                    models.PositiveIntegerField(
                        default=0, verbose_name="понизили (отметка ВПР ниже отметки за период)"
                    ),
                ),
                ("same", models.PositiveIntegerField(default=0, verbose_name="подтвердили")),
                ("higher", models.PositiveIntegerField(default=0, verbose_name="повысили")),
                ("no_term", models.PositiveIntegerField(default=0, verbose_name="нет отметки за период")),
                ("absent", models.PositiveIntegerField(default=0, verbose_name="отсутствовали")),
            ],
            options={
                "verbose_name": "ВПР: распределение баллов и сравнение с отметками",
                "verbose_name_plural": "ВПР: распределения баллов и сравнения с отметками",
            },
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
