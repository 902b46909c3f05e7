"""Which list years exist, and the one every page opens on (issue #17: importing 2026 results also made lists of
2028 and 2029 — every school «нет данных», «↓ вышла», 2026's reasons — and «Статусы ШНОР» opened on an empty 2029
while the dashboard opened on 2026).

Years are relative to today's (T), so the list in force is T, the one computed ahead T + 1.
"""

import io

import pytest
from django.urls import reverse

from core.imports import import_batch_apply, import_batch_create
from core.models import ImportBatch
from schools.flags import flags_recompute, flags_recompute_years, list_years_available
from schools.models import FlagComputation, FlagDecision, Result
from schools.selectors import school_status_history
from tests.builders.schools import add
from tests.today import TODAY

pytestmark = [pytest.mark.django_db, pytest.mark.today]

T = TODAY.year
HEADER = "Код ОО;Год;Вид;Предмет;Класс;Участников;Неудовлетворительно;«3»;«4»;«5»;Средний балл\n"


def import_results(world, rows: list[str], capture) -> None:
    """The methodologist's upload, applied, with the recomputation it queues run (as after the commit)."""
    user = world.users["methodist"]
    with capture(execute=True):
        batch = import_batch_create(
            kind="results",
            file=io.BytesIO((HEADER + "\n".join(rows) + "\n").encode()),
            name="results.csv",
            region=world.region,
            user=user,
        )
        assert batch.status == ImportBatch.Status.VALIDATED, batch.errors
        assert import_batch_apply(batch=batch, user=user).status == ImportBatch.Status.APPLIED


def stored_years() -> list[int]:
    return sorted(set(FlagDecision.objects.values_list("list_year", flat=True)))


def test_an_import_computes_only_the_lists_that_have_data(world, django_capture_on_commit_callbacks):
    # A school low in two procedures of T-1 and again in T: ШНОР in the lists of T and T+1.
    import_results(
        world,
        [
            f"sch610001;{T - 1};ОГЭ;Математика;9;50;27;10;10;3;",
            f"sch610001;{T - 1};ОГЭ;Русский язык;9;100;31;40;20;9;",
            f"sch610001;{T};ОГЭ;Математика;9;100;43;30;20;7;",
        ],
        django_capture_on_commit_callbacks,
    )

    assert stored_years() == [T, T + 1]  # not T+2 or T+3, which would look at results not yet there
    assert list_years_available() == [T, T + 1]
    history = school_status_history(world.users["methodist"], world.school_a1)
    assert [(row.list_year, row.decision.status, row.movement) for row in history] == [
        (T + 1, "shnor", "stayed"),
        (T, "shnor", "entered"),
    ]
    assert not FlagComputation.objects.filter(list_year__gt=T + 1).exists()


def test_a_year_without_data_is_not_computed_and_loses_what_was_stored(world):
    add(world.school_a1, "ОГЭ", "математика", 9, T - 1, 27, 50)
    flags_recompute_years(years=[T, T + 1, T + 2])
    assert stored_years() == [T]
    summary = flags_recompute(list_year=T + 2)
    assert (summary.schools, summary.text()) == (
        0,
        f"Перечень {T + 2}: нет результатов {T + 1} года — перечня нет",
    )

    # Results withdrawn: the nightly run (every year the results allow, and every stored one) drops the list.
    Result.objects.all().delete()
    flags_recompute_years()
    assert stored_years() == []


def test_a_list_year_exists_per_region(world):
    add(world.school_a1, "ОГЭ", "математика", 9, T - 1, 27, 50)  # Ростовская область only
    flags_recompute(list_year=T)
    assert set(FlagDecision.objects.values_list("school__municipality__region", flat=True)) == {
        world.region.pk
    }
    assert FlagDecision.objects.count() == 3  # every school of that region: a1, a2, b1


@pytest.fixture
def three_lists(world):
    """Lists of T-1, T (in force) and T+1 (computed ahead)."""
    for year in (T - 2, T - 1, T):
        add(world.school_a1, "ОГЭ", "математика", 9, year, 27, 50)
    flags_recompute_years()
    assert stored_years() == [T - 1, T, T + 1]
    return world


PAGES = [
    ("schools:flags", lambda r: r.context["year"]),
    ("roadmaps:dashboard", lambda r: r.context["year"]),
    ("roadmaps:indicators", lambda r: r.context["year"]),
    ("mentoring:coverage", lambda r: r.context["year"]),
    ("roadmaps:risks", lambda r: r.context["year"]),
    ("reports:request", lambda r: r.context["form"]["year"].value()),
    ("schools:approved_list_create", lambda r: r.context["form"]["list_year"].value()),
]


@pytest.mark.parametrize(("name", "year_of"), PAGES, ids=[name for name, _ in PAGES])
def test_every_page_opens_on_the_list_in_force(client, three_lists, name, year_of):
    client.force_login(three_lists.users["methodist"])
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert year_of(response) == T


def test_the_api_indicators_default_to_the_same_year(client, three_lists):
    client.force_login(three_lists.users["methodist"])
    response = client.get("/api/v1/indicators/")
    assert response.status_code == 200
    assert response.json()["year"] == T
