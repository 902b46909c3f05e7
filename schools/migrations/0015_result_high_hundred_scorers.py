# ЕГЭ extras of a result (#19 §3.2): high scorers (80–99) and hundreds, nullable.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("schools", "0014_school_identifier"),
    ]

    operations = [
        migrations.AddField(
            model_name="result",
            name="high_scorers",
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name="высокобалльников (80–99)"),
        ),
        migrations.AddField(
            model_name="result",
            name="hundred_scorers",
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name="100 баллов"),
        ),
        migrations.AddConstraint(
            model_name="result",
            constraint=models.CheckConstraint(
                condition=models.Q(("high_scorers__isnull", True), ("high_scorers__gte", 0), _connector="OR"),
                name="result_high_scorers_non_negative",
            ),
        ),
        migrations.AddConstraint(
            model_name="result",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("hundred_scorers__isnull", True), ("hundred_scorers__gte", 0), _connector="OR"
                ),
                name="result_hundred_scorers_non_negative",
            ),
        ),
    ]
