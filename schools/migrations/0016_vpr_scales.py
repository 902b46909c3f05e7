import django.core.validators
import django.db.models.deletion
from django.db import migrations, models

# ФИОКО's «Рекомендации по переводу первичных баллов в отметки по пятибалльной шкале», as each year's
# «Описание проверочной работы» prints them; only scales read in such a document are seeded (#19 §3.4).
# (year, subject, grade, «3» from, «4» from, «5» from, maximum, source)
_FLASK = "github.com/shekeldini/Flask @ dc96cc2, excel/Описание_работ"
SCALES = [
    (
        2021,
        "Математика",
        4,
        6,
        10,
        15,
        20,
        "ФИОКО, «Описание проверочной работы по математике, 4 класс» (ВПР 2021), «Рекомендации по переводу "
        "первичных баллов в отметки по пятибалльной шкале»: «2» 0–5, «3» 6–9, «4» 10–14, «5» 15–20; "
        f"максимальный балл 20. Копия: {_FLASK}/4/Математика/VPR_MA-4_Opisanie_2021.pdf",
    ),
    (
        2021,
        "Математика",
        5,
        7,
        11,
        15,
        20,
        "ФИОКО, «Описание проверочной работы по математике, 5 класс» (ВПР 2021), таблица 5 «Рекомендации по "
        "переводу первичных баллов в отметки по пятибалльной шкале»: «2» 0–6, «3» 7–10, «4» 11–14, «5» 15–20; "
        f"максимальный балл 20. Копия: {_FLASK}/5/Математика/VPR_MA-5_Opisanie_2021.docx",
    ),
    (
        2021,
        "История",
        11,
        7,
        13,
        18,
        21,
        "ФИОКО, спецификация ВПР 2021 по истории, 11 класс, таблица 4 «Рекомендуемая шкала перевода суммарного "
        "балла за выполнение ВПР в отметку по пятибалльной шкале»: «2» 0–6, «3» 7–12, «4» 13–17, «5» 18–21. "
        f"Копия: {_FLASK}/11/История/ИС-11 ВПР 2021 СПЕЦ.docx",
    ),
]


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
