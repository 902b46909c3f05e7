from django.db import migrations

# The federal Проект 500+ risk factors, as the issue lists them; editable in the admin afterwards.
FACTORS = [
    "Низкий уровень оснащения школы",
    "Дефицит педагогических кадров",
    "Недостаточная предметная и методическая компетентность педагогических работников",
    "Риски низкой адаптивности учебного процесса",
    "Несформированность внутришкольной системы повышения квалификации",
    "Высокая доля обучающихся с рисками учебной неуспешности",
    "Низкое качество преодоления языковых и культурных барьеров",
    "Пониженный уровень качества школьной образовательной и воспитательной среды",
    "Низкий уровень вовлечённости родителей",
    "Низкая учебная мотивация обучающихся",
]


def seed(apps, schema_editor):
    RiskFactor = apps.get_model("roadmaps", "RiskFactor")
    for position, name in enumerate(FACTORS, start=1):
        RiskFactor.objects.get_or_create(name=name, defaults={"position": position})


class Migration(migrations.Migration):
    dependencies = [("roadmaps", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
