"""The regional ЕГЭ workbook and ОГЭ table through preview and apply (#19 §3.2, §3.3): exact counts, schools
matched by name within the municipality (named by its department too), totals never schools, the second load
changes nothing; both writers."""

import io
import types
from decimal import Decimal

import pytest
from django.db import connection

from core.imports import import_batch_apply, import_batch_create
from core.models import ImportBatch
from schools.models import Procedure, Result
from schools.results_import import importer, writers
from tests.builders.region_tables import School, workbook_bytes
from tests.schools.test_region_layouts import (
    REFUSED_CHEMISTRY,
    TATSINSKAYA,
    _,
    chemistry_sheet,
    oge_sheet,
    sheet_2022,
    sheet_2023,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def flags_task(monkeypatch):
    monkeypatch.setattr(importer, "recompute_flags_task", types.SimpleNamespace(delay=lambda **kwargs: None))


@pytest.fixture(params=["copy", "portable"])
def writer(request, monkeypatch):
    if request.param == "copy" and connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's")
    if request.param == "portable":
        monkeypatch.setattr(importer, "CopyWriter", writers.PortableWriter)
    return request.param


def preview(data: bytes, world, name="ege.xlsx") -> ImportBatch:
    return import_batch_create(
        kind="results",
        file=io.BytesIO(data),
        name=name,
        region=world.region,
        user=world.users["regional_methodist"],
    )


def counts(batch: ImportBatch) -> dict:
    keys = ("created", "updated", "unchanged", "procedures_created", "subjects_created")
    return {key: batch.stats[key] for key in keys}


def stored() -> list[tuple]:
    return sorted(
        Result.objects.values_list(
            "school__code",
            "procedure__kind__code",
            "procedure__subject__name",
            "procedure__grade",
            "procedure__year",
            "participants",
            "failed",
            "high_scorers",
            "hundred_scorers",
            "mean_score",
            "marks_3",
            "marks_4",
            "marks_5",
        )
    )


def test_ege_workbook_preview_apply_and_again(world, writer):
    data = workbook_bytes([sheet_2023(), sheet_2022()])
    batch = preview(data, world)
    assert batch.status == ImportBatch.Status.VALIDATED, batch.errors
    expected = {"created": 11, "updated": 0, "unchanged": 0, "procedures_created": 6, "subjects_created": 4}
    assert counts(batch) == expected
    assert batch.total_rows == 11
    assert Result.objects.count() == 0 and Procedure.objects.count() == 0
    applied = import_batch_apply(batch=batch, user=world.users["regional_methodist"])
    assert applied.status == ImportBatch.Status.APPLIED, applied.errors
    assert counts(applied) == expected
    d = Decimal
    prof, base = "Математика (профильный уровень)", "Математика (базовый уровень)"
    assert stored() == [
        ("sch610001", "ЕГЭ", base, 11, 2022, 5, 1, None, None, d("3.80"), None, None, None),
        ("sch610001", "ЕГЭ", prof, 11, 2022, 6, 2, 1, 0, d("55.00"), None, None, None),
        ("sch610001", "ЕГЭ", prof, 11, 2023, 10, 4, 0, 0, d("41.20"), None, None, None),
        ("sch610001", "ЕГЭ", "Русский язык", 11, 2022, 12, 1, 2, 0, d("70.50"), None, None, None),
        ("sch610001", "ЕГЭ", "Русский язык", 11, 2023, 20, 2, 3, 1, d("65.46"), None, None, None),
        ("sch610002", "ЕГЭ", "География", 11, 2023, 3, 1, 0, 0, d("40.33"), None, None, None),
        ("sch610002", "ЕГЭ", base, 11, 2022, 7, 0, None, None, d("4.14"), None, None, None),
        ("sch610002", "ЕГЭ", "Русский язык", 11, 2022, 7, 0, 0, 0, d("66.00"), None, None, None),
        ("sch610002", "ЕГЭ", "Русский язык", 11, 2023, 8, 0, 0, 0, d("58.00"), None, None, None),
        ("sch610101", "ЕГЭ", prof, 11, 2023, 5, 1, 0, 0, d("50.00"), None, None, None),
        ("sch610101", "ЕГЭ", "Русский язык", 11, 2023, 14, 1, 0, 0, d("61.50"), None, None, None),
    ]
    before = list(Result.objects.order_by("pk").values())
    again = preview(data, world)
    assert again.status == ImportBatch.Status.VALIDATED, again.errors
    assert counts(again) == {
        "created": 0,
        "updated": 0,
        "unchanged": 11,
        "procedures_created": 0,
        "subjects_created": 0,
    }
    assert list(Result.objects.order_by("pk").values()) == before


def test_totals_and_municipalities_never_become_schools(world, writer):
    """No result or unmatched name from a «ВСЕГО», «Итого» or municipality row: only the three schools."""
    batch = preview(workbook_bytes([sheet_2023(), sheet_2022()]), world)
    assert batch.errors == []
    import_batch_apply(batch=batch, user=world.users["regional_methodist"])
    assert set(Result.objects.values_list("school__code", flat=True)) == {
        "sch610001",
        "sch610002",
        "sch610101",
    }


def test_an_unknown_school_is_an_error_naming_sheet_row_and_name(world):
    spec = sheet_2022()
    spec.municipalities[0].schools[1].name = 'МБОУ "Несуществующая СОШ"'
    batch = preview(workbook_bytes([spec], applications_first=False), world)
    assert batch.status == ImportBatch.Status.INVALID
    assert {(error["sheet"], error["row"]) for error in batch.errors} == {("2022", 9)}
    assert all("Несуществующая СОШ" in error["message"] for error in batch.errors)
    assert len(batch.errors) == 2  # its two subjects
    assert Result.objects.count() == 0


def test_oge_table(world, writer):
    batch = preview(workbook_bytes([oge_sheet()], applications_first=False), world, name="oge.xlsx")
    assert batch.status == ImportBatch.Status.VALIDATED, batch.errors
    assert counts(batch) == {
        "created": 4,
        "updated": 0,
        "unchanged": 0,
        "procedures_created": 2,
        "subjects_created": 2,
    }
    import_batch_apply(batch=batch, user=world.users["regional_methodist"])
    assert stored() == [
        ("sch610001", "ОГЭ", "Математика", 9, 2024, 27, 6, None, None, None, 12, 7, 2),
        ("sch610001", "ОГЭ", "Русский язык", 9, 2024, 27, 3, None, None, None, 9, 10, 5),
        ("sch610002", "ОГЭ", "Математика", 9, 2024, 3, 0, None, None, None, 2, 1, 0),
        ("sch610002", "ОГЭ", "Русский язык", 9, 2024, 3, 0, None, None, None, 1, 2, 0),
    ]


def test_summed_hundreds_column_loads_without_the_scorer_columns(world, writer):
    """The real Забайкальский 2023 case: chemistry's «получили 100 баллов» is =SUM() of the columns before it.
    The file loads; chemistry's high scorers and hundreds are stored empty for every school of that sheet (also
    the one the formula passes by chance), its participants, failed and mean as given; the sheet's report says so;
    a second load changes nothing."""
    spec = chemistry_sheet("2023", summed=True)
    spec.municipalities[1].schools = [School(TATSINSKAYA, [[5, 1, _, _, 50], [1, _, _, _, 100]])]
    data = workbook_bytes([spec], applications_first=False)
    batch = preview(data, world)
    assert batch.status == ImportBatch.Status.VALIDATED, batch.errors
    expected = {"created": 6, "updated": 0, "unchanged": 0, "procedures_created": 2, "subjects_created": 2}
    assert counts(batch) == expected
    assert [sheet["origins"].get("Химия, лист «2023»") for sheet in batch.stats["sheets"]] == [
        REFUSED_CHEMISTRY
    ]
    applied = import_batch_apply(batch=batch, user=world.users["regional_methodist"])
    assert applied.status == ImportBatch.Status.APPLIED, applied.errors
    d = Decimal
    assert stored() == [
        ("sch610001", "ЕГЭ", "Русский язык", 11, 2023, 12, 1, 2, 1, d("70.50"), None, None, None),
        ("sch610001", "ЕГЭ", "Химия", 11, 2023, 3, 0, None, None, d("56.67"), None, None, None),
        ("sch610002", "ЕГЭ", "Русский язык", 11, 2023, 7, 0, 0, 0, d("66.00"), None, None, None),
        ("sch610002", "ЕГЭ", "Химия", 11, 2023, 4, 1, None, None, d("40.00"), None, None, None),
        ("sch610101", "ЕГЭ", "Русский язык", 11, 2023, 5, 1, 0, 0, d("50.00"), None, None, None),
        ("sch610101", "ЕГЭ", "Химия", 11, 2023, 1, 0, None, None, d("100.00"), None, None, None),
    ]
    before = list(Result.objects.order_by("pk").values())
    again = preview(data, world)
    assert counts(again) == {
        "created": 0,
        "updated": 0,
        "unchanged": 6,
        "procedures_created": 0,
        "subjects_created": 0,
    }
    assert list(Result.objects.order_by("pk").values()) == before
