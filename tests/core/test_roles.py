import pytest

from core.roles import Grant, Role, Scope, grant_problem, scope_from_grants

ALL = frozenset(Role)


@pytest.mark.parametrize(
    ("grants", "roles", "expected"),
    [
        ([], ALL, Scope()),
        ([Grant(Role.METHODIST, municipality_id=1)], ALL, Scope(municipality_ids=frozenset({1}))),
        ([Grant(Role.METHODIST, municipality_id=1)], frozenset({Role.HEAD}), Scope()),
        ([Grant(Role.METHODIST, region_id=7)], ALL, Scope(region_ids=frozenset({7}))),
        (
            [Grant(Role.SCHOOL_ADMIN, school_id=3), Grant(Role.SCHOOL_ADMIN, school_id=4)],
            ALL,
            Scope(school_ids=frozenset({3, 4})),
        ),
        (
            [Grant(Role.HEAD, municipality_id=1), Grant(Role.SCHOOL_ADMIN, school_id=9)],
            frozenset({Role.SCHOOL_ADMIN}),
            Scope(school_ids=frozenset({9})),
        ),
        ([Grant(Role.MENTOR)], ALL, Scope()),
    ],
)
def test_scope_from_grants(grants, roles, expected):
    assert scope_from_grants(grants, roles) == expected


def test_superuser_reaches_everything_without_grants():
    assert scope_from_grants([], ALL, superuser=True) == Scope(everything=True)


def test_empty_scope_is_empty():
    assert Scope().is_empty
    assert not Scope(school_ids=frozenset({1})).is_empty
    assert not Scope(everything=True).is_empty


@pytest.mark.parametrize(
    ("role", "region", "municipality", "school", "ok"),
    [
        (Role.METHODIST, False, True, False, True),
        (Role.METHODIST, True, False, False, True),
        (Role.METHODIST, False, False, True, False),
        (Role.METHODIST, False, False, False, False),
        (Role.METHODIST, True, True, False, False),
        (Role.HEAD, False, True, False, True),
        (Role.SCHOOL_ADMIN, False, False, True, True),
        (Role.SCHOOL_ADMIN, False, True, False, False),
        (Role.REGIONAL_ANALYST, True, False, False, True),
        (Role.REGIONAL_ANALYST, False, True, False, False),
        (Role.MENTOR, False, False, False, True),
        (Role.MENTOR, False, False, True, False),
        (Role.TUTOR, False, False, False, True),
    ],
)
def test_grant_problem(role, region, municipality, school, ok):
    problem = grant_problem(role, region=region, municipality=municipality, school=school)
    assert (problem is None) == ok
    if not ok:
        assert "роли" in problem or "приказам" in problem


def test_current_menu_item_is_the_longest_matching_prefix():
    from core.navigation import NavItem, mark_current

    items = [NavItem("Главная", "/"), NavItem("Школы", "/schools/"), NavItem("Статусы", "/schools/flags/")]
    assert [i.current for i in mark_current(items, "/schools/flags/")] == [False, False, True]
    assert [i.current for i in mark_current(items, "/schools/12/")] == [False, True, False]
    assert [i.current for i in mark_current(items, "/")] == [True, False, False]
    assert [i.current for i in mark_current(items, "/imports/")] == [False, False, False]
