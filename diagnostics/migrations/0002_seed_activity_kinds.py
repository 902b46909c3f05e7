from django.db import migrations

# The catalogue named in 000_… and the issue; editable in the admin afterwards.
ACTIVITIES = [
    "Курсы повышения квалификации (КПК)",
    "Мастер-класс",
    "Стажировка",
    "Наставничество",
    "Самообразование",
    "Участие в РМО",
    "Открытый урок",
    "Посещение уроков коллег",
    "Семинар, вебинар",
]


def seed(apps, schema_editor):
    ActivityKind = apps.get_model("diagnostics", "ActivityKind")
    for position, name in enumerate(ACTIVITIES, start=1):
        ActivityKind.objects.get_or_create(name=name, defaults={"position": position})


class Migration(migrations.Migration):
    dependencies = [("diagnostics", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
