"""Rows of results for tests: a procedure of a kind, subject, grade and year, and a school's result in it."""

from schools.models import Procedure, ProcedureKind, Result, Subject
from schools.subjects import normalise_subject


def procedure(kind: str, subject: str, grade: int, year: int) -> Procedure:
    subject_obj = Subject.objects.filter(
        normalized_name=normalise_subject(subject)
    ).first() or Subject.objects.create(name=subject)
    return Procedure.objects.get_or_create(
        kind=ProcedureKind.objects.get(code=kind), subject=subject_obj, grade=grade, year=year
    )[0]


def add(school, kind, subject, grade, year, failed, participants):
    return Result.objects.create(
        school=school,
        procedure=procedure(kind, subject, grade, year),
        failed=failed,
        participants=participants,
    )
