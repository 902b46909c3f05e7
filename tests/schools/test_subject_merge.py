"""schools.subject_merge: subjects re-keyed by the new synonyms, duplicates merged with their procedures and
results, true conflicts kept and reported (#19). On PostgreSQL, with exact counts."""

import io

import pytest
from django.apps import apps
from django.core.management import call_command

from schools.models import Procedure, ProcedureKind, Result, Subject, VprScale
from schools.subject_merge import merge_subjects
from tests.factories import SchoolFactory, TeacherFactory

pytestmark = pytest.mark.django_db


def legacy_subject(name: str, key: str) -> Subject:
    """A subject as the old normalise_subject keyed it (case, «ё» and spaces only)."""
    subject = Subject.objects.create(name=name)
    Subject.objects.filter(pk=subject.pk).update(normalized_name=key)
    subject.refresh_from_db()
    return subject


def proc(subject: Subject, kind: str = "ЕГЭ", grade: int = 11, year: int = 2024) -> Procedure:
    return Procedure.objects.create(
        kind=ProcedureKind.objects.get(code=kind), subject=subject, grade=grade, year=year
    )


def result(school, procedure: Procedure, failed: int, participants: int) -> Result:
    return Result.objects.create(school=school, procedure=procedure, failed=failed, participants=participants)


def scale(year: int, subject: str, grade: int, legacy_key: str) -> VprScale:
    made = VprScale.objects.create(
        year=year,
        subject=f"tmp {legacy_key}",
        grade=grade,
        three_from=5,
        four_from=9,
        five_from=13,
        max_score=16,
    )
    VprScale.objects.filter(pk=made.pk).update(subject=subject, subject_key=legacy_key)
    return made


def test_merge_moves_procedures_results_and_teachers_and_keeps_conflicts():
    a, b, c = SchoolFactory(), SchoolFactory(), SchoolFactory()
    # The demo's spelling came first; an ЕГЭ workbook then made the canonical one.
    demo_maths = legacy_subject("Математика профильная", "математика профильная")
    maths = Subject.objects.create(name="Математика (профильный уровень)")
    p2024, p2023 = proc(demo_maths, year=2024), proc(demo_maths, year=2023)
    q2024 = proc(maths, year=2024)
    result(a, p2024, 1, 10)  # free in q2024: moves
    result(b, p2024, 2, 10)  # b also in q2024: a conflict, both kept
    result(b, q2024, 3, 12)
    result(c, q2024, 0, 8)
    result(a, p2023, 1, 9)  # p2023 has no counterpart: the procedure moves whole
    # ИКТ merges cleanly: its procedure empties and goes, the subject goes.
    ict = legacy_subject("Информатика и ИКТ", "информатика и икт")
    informatics = Subject.objects.create(name="Информатика")
    ict_2024, inf_2024 = proc(ict), proc(informatics)
    result(a, ict_2024, 0, 5)
    result(b, inf_2024, 1, 6)
    both = TeacherFactory(school=a, subjects=[ict, informatics])
    only_ict = TeacherFactory(school=b, subjects=[ict])
    # A lone variant is re-keyed and gets the canonical name.
    english = legacy_subject("Иностранный язык (английский)", "иностранный язык (английский)")
    russian = Subject.objects.create(name="Русский язык")
    first = scale(2022, "Английский язык", 7, "английский язык")
    late = scale(2022, "Иностранный язык (английский)", 7, "иностранный язык (английский)")
    german = scale(2022, "Иностранный язык (немецкий)", 7, "иностранный язык (немецкий)")

    report = merge_subjects(apps.get_model)

    assert (
        report.rekeyed,
        report.merged,
        report.procedures_moved,
        report.results_moved,
        report.procedures_deleted,
        report.links_moved,
        report.scales_rekeyed,
    ) == (1, 1, 1, 2, 1, 2, 1)
    assert len(report.conflicts) == 2
    assert (
        f"у предметов «Математика (профильный уровень)» (#{maths.pk}) и «Математика профильная»"
        in (report.conflicts[0])
    )
    assert f"(1; id школ: {b.pk})" in report.conflicts[0]
    assert f"(#{late.pk})" in report.conflicts[1]

    assert sorted(Subject.objects.values_list("normalized_name", "name")) == [
        ("английский язык", "Английский язык"),
        ("информатика", "Информатика"),
        ("математика (профильный уровень)", "Математика (профильный уровень)"),
        ("математика профильная", "Математика профильная"),  # kept: its procedure holds the conflict
        ("русский язык", "Русский язык"),
    ]
    assert Subject.objects.get(pk=english.pk).normalized_name == "английский язык"
    assert not Subject.objects.filter(pk=ict.pk).exists()
    assert Subject.objects.filter(pk=russian.pk).exists()
    assert set(Procedure.objects.values_list("pk", "subject_id")) == {
        (p2024.pk, demo_maths.pk),
        (p2023.pk, maths.pk),
        (q2024.pk, maths.pk),
        (inf_2024.pk, informatics.pk),
    }
    assert sorted(
        Result.objects.values_list("procedure_id", "school_id", "failed", "participants")
    ) == sorted(
        [
            (p2024.pk, b.pk, 2, 10),
            (q2024.pk, a.pk, 1, 10),
            (q2024.pk, b.pk, 3, 12),
            (q2024.pk, c.pk, 0, 8),
            (p2023.pk, a.pk, 1, 9),
            (inf_2024.pk, a.pk, 0, 5),
            (inf_2024.pk, b.pk, 1, 6),
        ]
    )
    assert list(both.subjects.values_list("pk", flat=True)) == [informatics.pk]
    assert list(only_ict.subjects.values_list("pk", flat=True)) == [informatics.pk]
    mine = VprScale.objects.filter(pk__in=[first.pk, late.pk, german.pk])
    assert sorted(mine.values_list("subject_key", flat=True)) == [
        "английский язык",
        "иностранный язык (английский)",
        "немецкий язык",
    ]
    assert VprScale.objects.get(pk=german.pk).subject_key == "немецкий язык"

    # Again: nothing moves; the conflicts are said again.
    again = merge_subjects(apps.get_model)
    assert (again.rekeyed, again.merged, again.results_moved, again.links_moved, again.scales_rekeyed) == (
        0,
        0,
        0,
        0,
        0,
    )
    assert len(again.conflicts) == 2
    assert Subject.objects.count() == 5 and Result.objects.count() == 7

    # The methodist keeps one of b's two results: the next run merges the rest.
    Result.objects.filter(procedure=p2024, school=b).delete()
    VprScale.objects.filter(pk=late.pk).delete()
    last = merge_subjects(apps.get_model)
    assert (last.merged, last.procedures_deleted, last.results_moved, last.conflicts) == (1, 1, 0, [])
    assert not Subject.objects.filter(pk=demo_maths.pk).exists()
    assert Procedure.objects.filter(subject=maths).count() == 2


def test_nothing_to_merge_changes_nothing():
    Subject.objects.create(name="Математика")
    Subject.objects.create(name="Английский язык (устная часть)")
    report = merge_subjects(apps.get_model)
    assert not report.changed
    assert sorted(Subject.objects.values_list("normalized_name", flat=True)) == [
        "английский язык (устная часть)",
        "математика",
    ]


def test_the_migration_calls_the_merge_with_historical_models():
    """The data migration runs merge_subjects on the historical models of its state."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    legacy_subject("Информатика и ИКТ", "информатика и икт")
    state = MigrationExecutor(connection).loader.project_state(("schools", "0018_subject_synonyms"))
    report = merge_subjects(state.apps.get_model)
    assert report.rekeyed == 1 and report.conflicts == []
    assert list(Subject.objects.values_list("normalized_name", "name")) == [("информатика", "Информатика")]


def test_the_command_merges_and_says_what_it_did():
    legacy = legacy_subject("Математика профильного уровня", "математика профильного уровня")
    maths = Subject.objects.create(name="Математика (профильный уровень)")
    moved = proc(legacy, year=2025)
    out = io.StringIO()
    call_command("merge_subjects", stdout=out)
    assert out.getvalue().splitlines() == [
        "Предметы: переименовано или с новым ключом 0, объединено 1; процедур перенесено 1, удалено пустых дублей 0; "
        "результатов перенесено 0; прочих ссылок 0; шкал ВПР с новым ключом 0; конфликтов 0.",
        "Результаты перенесены между процедурами: пересчитайте статусы ШНОР (manage.py recompute_flags --all).",
    ]
    assert Procedure.objects.get(pk=moved.pk).subject_id == maths.pk
    out = io.StringIO()
    call_command("merge_subjects", stdout=out)
    assert out.getvalue().splitlines()[0] == "Все предметы уже под своими ключами — объединять нечего."


@pytest.mark.history
def test_tutor_assignments_and_their_history_follow_the_merged_subject():
    """A tutor assignment protects its subject (PROTECT): the merge re-points it, and its history rows."""
    import datetime

    from mentoring.models import Order, TutorAssignment
    from tests.factories import UserFactory

    ict = legacy_subject("Информатика и ИКТ", "информатика и икт")
    informatics = Subject.objects.create(name="Информатика")
    teacher = TeacherFactory()
    order = Order.objects.create(
        municipality=teacher.school.municipality, number="12", date=datetime.date(2024, 9, 1)
    )
    assignment = TutorAssignment.objects.create(
        order=order, teacher=teacher, subject=ict, tutor=UserFactory(), start_date=datetime.date(2024, 9, 1)
    )
    history = TutorAssignment.history.model.objects.filter(subject_id=ict.pk)
    assert history.count() == 1

    report = merge_subjects(apps.get_model)

    assert (report.merged, report.links_moved, report.conflicts) == (1, 2, [])
    assert TutorAssignment.objects.get(pk=assignment.pk).subject_id == informatics.pk
    assert TutorAssignment.history.model.objects.filter(subject_id=informatics.pk).count() == 1
    assert list(Subject.objects.values_list("normalized_name", flat=True)) == ["информатика"]
