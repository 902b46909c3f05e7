"""core.people's tutor registry: diagnostics asks core for a teacher's tutor, mentoring answers (#18 §2)."""

import datetime

from core import people
from mentoring.access import teacher_tutor


def test_mentoring_registers_the_tutor_finder_on_start():
    assert people._TUTOR_FINDER == [teacher_tutor]


def test_without_a_finder_a_teacher_has_no_tutor(monkeypatch):
    monkeypatch.setattr(people, "_TUTOR_FINDER", [])
    assert people.tutor_of(1, datetime.date(2030, 10, 1)) is None


def test_the_registered_finder_is_asked_with_the_teacher_and_the_day(monkeypatch):
    asked = []
    monkeypatch.setattr(
        people, "_TUTOR_FINDER", [lambda teacher_id, day: asked.append((teacher_id, day)) or "T"]
    )
    assert people.tutor_of(7, datetime.date(2030, 10, 1)) == "T"
    assert asked == [(7, datetime.date(2030, 10, 1))]
