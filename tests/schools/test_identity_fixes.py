"""School identity fixes of the #19 §1 review: the admin's inline with two equal new rows, the region that follows
the school, logins learnt by their digits counted as a change, who picked a school kept apart from the text shown
on the card, and the preview's registry section."""

import importlib
import io
import types

import pytest

from core.imports import changes_nothing, import_batch_create
from core.models import ImportBatch
from core.policies import SYSTEM
from schools.models import IdentifierKind, SchoolIdentifier
from schools.results_import import importer
from schools.services import school_identifier_add
from tests.schools.test_results_import import csv_bytes, upload

pytestmark = pytest.mark.django_db

HEADER = ["Код ОО", "Год", "Вид", "Предмет", "Класс", "Участников", "Неудовлетворительно"]


@pytest.fixture(autouse=True)
def flags_task(monkeypatch):
    monkeypatch.setattr(importer, "recompute_flags_task", types.SimpleNamespace(delay=lambda **kw: None))


def _form_data(form) -> dict:
    """What the browser would post for a bound-by-instance form: each field's current value."""
    data = {}
    for field in form:
        value = field.value()
        if value is None:
            continue
        if isinstance(value, bool):
            if value:
                data[field.html_name] = "on"
            continue
        data[field.html_name] = value
    return data


def _school_change_post(client, school, identifier_rows: list[dict]):
    url = f"/admin/schools/school/{school.pk}/change/"
    page = client.get(url)
    data = _form_data(page.context["adminform"].form)
    (inline,) = page.context["inline_admin_formsets"]
    prefix = inline.formset.prefix
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": str(len(identifier_rows)),
            f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000",
        }
    )
    for index, row in enumerate(identifier_rows):
        data.update({f"{prefix}-{index}-{name}": value for name, value in row.items()})
        data[f"{prefix}-{index}-school"] = str(school.pk)
    return client.post(url, data)


def test_admin_inline_refuses_two_equal_new_identifiers(world, client):
    client.force_login(world.users["superuser"])
    response = _school_change_post(
        client,
        world.school_a1,
        [
            {"kind": IdentifierKind.FISOKO, "value": "edu610001", "source": "вручную"},
            {"kind": IdentifierKind.FISOKO, "value": " EDU610001", "source": "вручную"},
        ],
    )
    assert response.status_code == 200  # the page again with the error, not an IntegrityError
    (inline,) = response.context["inline_admin_formsets"]
    assert inline.formset.non_form_errors() == ["Один идентификатор указан дважды."]
    assert [form.errors for form in inline.formset.forms] == [
        {},
        {"value": ["Этот идентификатор уже указан выше: «edu610001»."]},
    ]
    assert SchoolIdentifier.objects.count() == 0
    # a login and a name with the same text are two kinds: both kept
    response = _school_change_post(
        client,
        world.school_a1,
        [
            {"kind": IdentifierKind.FISOKO, "value": "edu610001", "source": "вручную"},
            {"kind": IdentifierKind.NAME, "value": "edu610001", "source": "вручную"},
        ],
    )
    assert response.status_code == 302
    assert sorted(SchoolIdentifier.objects.values_list("school__code", "kind", "key")) == [
        ("sch610001", "fisoko", "edu610001"),
        ("sch610001", "name", "edu610001"),
    ]


def test_admin_moving_an_identifier_to_another_regions_school_moves_its_region(world, client):
    identifier = school_identifier_add(
        school=world.school_a1, kind=IdentifierKind.INN, value="6100000001", user=SYSTEM, source="форма"
    )
    assert identifier.region_id == world.region.pk
    client.force_login(world.users["superuser"])
    response = client.post(
        f"/admin/schools/schoolidentifier/{identifier.pk}/change/",
        {
            "school": world.school_other.pk,
            "kind": IdentifierKind.INN,
            "value": "6100000001",
            "source": "форма",
        },
    )
    assert response.status_code == 302
    identifier.refresh_from_db()
    assert (identifier.school_id, identifier.region_id) == (world.school_other.pk, world.other_region.pk)


def test_a_results_preview_has_no_registry_section_even_with_string_if_invalid(world, client, settings):

    settings.TEMPLATES = [
        {
            **settings.TEMPLATES[0],
            "OPTIONS": {**settings.TEMPLATES[0]["OPTIONS"], "string_if_invalid": "INVALID"},
        }
    ]
    batch = upload(
        csv_bytes([["sch610001", "2022", "ОГЭ", "Математика", "9", "20", "10"]], header=HEADER), world
    )
    client.force_login(world.users["regional_methodist"])
    page = client.get(f"/imports/{batch.pk}/").content.decode()
    assert "Файл ФИС ОКО" not in page
    assert page.count("<h2>Что изменено</h2>") == 1


def test_a_file_whose_only_change_is_a_login_learnt_by_its_digits_is_confirmed_and_kept(world, client):
    row = ["2022", "ОГЭ", "Математика", "9", "20", "10"]
    assert upload(csv_bytes([["sch610001", *row]], header=HEADER), world).status == ImportBatch.Status.APPLIED
    user = world.users["methodist"]
    data = csv_bytes([["edu610001", *row]], header=HEADER)  # the same result under the 2022 login
    batch = import_batch_create(
        kind="results", file=io.BytesIO(data), name="oge.csv", region=world.region, user=user
    )
    assert batch.status == ImportBatch.Status.VALIDATED
    assert (batch.stats["created"], batch.stats["updated"], batch.stats["unchanged"]) == (0, 0, 1)
    assert batch.stats["identifiers_created"] == 1
    assert changes_nothing(batch.stats) is False
    assert SchoolIdentifier.objects.count() == 0  # a preview keeps nothing
    client.force_login(user)
    page = client.get(f"/imports/{batch.pk}/").content.decode()
    assert '<tr><th>Логинов будет запомнено</th><td class="num">1</td></tr>' in page
    assert 'aria-describedby="changes-nothing"' not in page  # the button is enabled
    response = client.post(f"/imports/{batch.pk}/apply/")
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLIED
    assert batch.stats["identifiers_created"] == 1
    assert list(SchoolIdentifier.objects.values_list("school__code", "kind", "value", "source")) == [
        ("sch610001", "fisoko", "edu610001", "сопоставлено по цифрам логина при загрузке oge.csv")
    ]
    again = import_batch_create(
        kind="results", file=io.BytesIO(data), name="oge.csv", region=world.region, user=user
    )
    assert again.status == ImportBatch.Status.VALIDATED
    assert (again.stats["created"], again.stats["updated"], again.stats["unchanged"]) == (0, 0, 1)
    assert "identifiers_created" not in again.stats
    assert changes_nothing(again.stats) is True


def test_the_migration_drops_the_pickers_name_from_earlier_picks(world):
    from django.apps import apps

    migration = importlib.import_module("schools.migrations.0019_identifier_created_by")
    old = school_identifier_add(
        school=world.school_a1,
        kind=IdentifierKind.NAME,
        value="Каштановская школа",
        user=SYSTEM,
        source="выбрано пользователем Иванова Мария Петровна при загрузке ege_2023.csv",
    )
    kept = school_identifier_add(
        school=world.school_a2,
        kind=IdentifierKind.NAME,
        value="Солонецкая школа",
        user=SYSTEM,
        source="реестр",
    )
    migration.drop_names_from_picks(apps, None)
    old.refresh_from_db()
    kept.refresh_from_db()
    assert old.source == f"выбрано при загрузке «ege_2023.csv», {old.created_at:%d.%m.%Y}"
    assert kept.source == "реестр"
