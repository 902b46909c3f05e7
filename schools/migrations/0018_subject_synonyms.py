"""#19: subject keys learn the variants real files write (schools.subjects.normalise_subject): «Математика
профильная» = «Математика (профильный уровень)», «Иностранный язык (английский)» = «Английский язык», «Информатика
и ИКТ» = «Информатика», oral parts «(устная часть)». Existing subjects are re-keyed and those now sharing a key
merged (schools.subject_merge: procedures, results, teachers, tutor assignments; conflicts kept and printed)."""

from django.db import migrations


def rekey(apps, schema_editor):
    from schools.subject_merge import merge_subjects

    report = merge_subjects(apps.get_model)
    if report.changed:
        for line in report.lines():
            print(f"\n  {line}", end="")  # noqa: T201  (a migration's only way to tell the operator)


class Migration(migrations.Migration):
    dependencies = [
        ("schools", "0017_school_context"),
        ("mentoring", "0002_change_history"),  # tutor assignments refer to subjects: re-pointed too
    ]

    operations = [migrations.RunPython(rekey, migrations.RunPython.noop)]
