from django.db import migrations

KINDS = [
    ("ВПР", "Всероссийские проверочные работы", "отметка «2»", False),
    ("ОГЭ", "Основной государственный экзамен (ГИА-9)", "отметка «2»", False),
    ("ЕГЭ", "Единый государственный экзамен (ГИА-11)", "ниже минимального балла", False),
    ("ККР", "Краевые (региональные) контрольные работы", "отметка «2»", True),
    ("КДР", "Краевые (региональные) диагностические работы", "отметка «2»", True),
]


def seed(apps, schema_editor):
    ProcedureKind = apps.get_model("schools", "ProcedureKind")
    for code, name, failed_label, regional in KINDS:
        ProcedureKind.objects.get_or_create(
            code=code, defaults={"name": name, "failed_label": failed_label, "is_regional": regional}
        )


class Migration(migrations.Migration):
    dependencies = [("schools", "0002_procedurekind_subject_approvedlist_approvedlistentry_and_more")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
