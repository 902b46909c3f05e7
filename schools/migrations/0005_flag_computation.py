import django.db.models.deletion
from django.db import migrations, models


def drop_decisions(apps, schema_editor):
    # Decisions are recomputable from the results; they gain a required link to their computation.
    apps.get_model("schools", "FlagDecision").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("schools", "0004_lean_result_indexes")]

    operations = [
        migrations.CreateModel(
            name="FlagComputation",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(auto_now_add=True, db_index=True, verbose_name="создано")),
                ("updated_at", models.DateTimeField(auto_now=True, db_index=True, verbose_name="изменено")),
                ("list_year", models.PositiveSmallIntegerField(verbose_name="год перечня")),
                ("params", models.JSONField(verbose_name="параметры правила")),
                ("counts", models.JSONField(default=dict, verbose_name="школ по статусам")),
                (
                    "region",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="flag_computations",
                        to="schools.region",
                        verbose_name="регион",
                    ),
                ),
            ],
            options={
                "verbose_name": "расчёт статусов ШНОР",
                "verbose_name_plural": "расчёты статусов ШНОР",
                "ordering": ["-created_at"],
                "indexes": [
                    models.Index(fields=["region", "list_year", "-created_at"], name="flag_computation_latest")
                ],
            },
        ),
        migrations.RunPython(drop_decisions, migrations.RunPython.noop),
        migrations.AddField(
            model_name="flagdecision",
            name="computation",
            field=models.ForeignKey(
                db_index=False,
                default=0,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="decisions",
                to="schools.flagcomputation",
                verbose_name="расчёт",
            ),
            preserve_default=False,
        ),
    ]
