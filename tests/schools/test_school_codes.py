"""SchoolCodes (schools/selectors_school_codes.py): the one resolution of an import row's «Код ОО» that the
teachers', courses' and diagnostics scores' imports share (#19 §1) — table-style, exact messages."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.policies import SYSTEM
from core.tabular import RowError
from schools.models import IdentifierKind
from schools.selectors_school_codes import SchoolCodes
from schools.services import school_identifier_add

pytestmark = pytest.mark.django_db

REFUSED = "Школа «{code}» не участвует."


@pytest.fixture
def codes(world):
    school_identifier_add(school=world.school_a1, kind=IdentifierKind.FISOKO, value="edu610001", user=SYSTEM)
    school_identifier_add(school=world.school_a1, kind=IdentifierKind.RCOI_OGE, value="7777", user=SYSTEM)
    school_identifier_add(school=world.school_a2, kind=IdentifierKind.RCOI_EGE, value="7777", user=SYSTEM)
    allowed = {world.school_a1.pk, world.school_a2.pk}
    return SchoolCodes(world.region, "Код ОО", allowed=allowed, refused=REFUSED)


@pytest.mark.parametrize(
    ("code", "school", "message"),
    [
        ("sch610001", "school_a1", None),
        ("SCH610002", "school_a2", None),  # the code without regard to case
        ("edu610001", "school_a1", None),  # a ФИС ОКО login the school holds
        (
            "7777",
            None,
            "Код «7777» принадлежит нескольким школам: sch610001 «МБОУ «Каштановская СОШ»» "
            "(Обливский район); sch610002 «МБОУ «Солонецкая СОШ»» (Обливский район).",
        ),
        ("sch230001", None, "Школа с кодом «sch230001» относится к другому региону."),
        ("sch999999", None, "Школа с кодом «sch999999» не найдена в регионе «Ростовская область»."),
        ("sch610101", None, "Школа «sch610101» не участвует."),  # of the region, not allowed
        (
            "{x}" + "я" * 50,
            None,
            "Школа с кодом «{x}" + "я" * 37 + "» не найдена в регионе «Ростовская область».",
        ),
    ],
)
def test_a_rows_code_resolves_or_is_one_exact_error(world, codes, code, school, message):
    codes.note_codes([code])
    errors: list[RowError] = []
    found = codes.resolve(7, code, errors)
    assert found == (getattr(world, school).pk if school else None)
    assert errors == ([RowError(7, "Код ОО", message)] if message else [])


def test_codes_found_elsewhere_are_asked_once_for_the_whole_file(world, codes):
    codes.note_codes(["sch230001", "sch999999", "sch610001"])
    errors: list[RowError] = []
    with CaptureQueriesContext(connection) as queries:
        for line, code in enumerate(["sch230001", "sch999999", "sch230001", "sch610001"], start=2):
            codes.resolve(line, code, errors)
    assert len(queries) == 1
    assert [(error.row, error.message) for error in errors] == [
        (2, "Школа с кодом «sch230001» относится к другому региону."),
        (3, "Школа с кодом «sch999999» не найдена в регионе «Ростовская область»."),
        (4, "Школа с кодом «sch230001» относится к другому региону."),
    ]


def test_allowed_none_allows_every_school_of_the_region(world):
    codes = SchoolCodes(world.region, "Код ОО", allowed=None, refused=REFUSED)
    errors: list[RowError] = []
    assert codes.resolve(2, "sch610101", errors) == world.school_b1.pk
    assert errors == []
    assert codes.code_of == {
        world.school_a1.pk: "sch610001",
        world.school_a2.pk: "sch610002",
        world.school_b1.pk: "sch610101",
    }
