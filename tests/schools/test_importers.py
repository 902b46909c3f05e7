import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from core.imports import import_batch_apply, import_batch_create
from core.models import ImportBatch
from schools.models import Municipality, Region, School

pytestmark = pytest.mark.django_db


def without_changes(stats: dict) -> dict:
    """A batch's counts without its list of changes (tests/core/test_import_changes.py)."""
    return {key: value for key, value in stats.items() if key != "changes"}


HEADER_RU = "Код ОО;Наименование;Муниципалитет;Краткое наименование;Тип;Адрес;Директор"
HEADER_EN = "code,name,municipality,short_name,type,address,director"


def csv_bytes(*lines: str, header: str = HEADER_RU) -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode("utf-8")


def xlsx_bytes(rows: list[list]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(data: bytes, region, user, name="schools.csv") -> ImportBatch:
    batch = import_batch_create(kind="schools", file=io.BytesIO(data), name=name, region=region, user=user)
    if batch.status == ImportBatch.Status.VALIDATED:
        batch = import_batch_apply(batch=batch, user=user)
    return batch


GOOD = csv_bytes(
    "sch610010;МБОУ «Новая СОШ»;Обливский район;Новая СОШ;СОШ;х. Новый, ул. Мира, 1;Петров Пётр Петрович",
    "sch610011;МБОУ «Старая ООШ»;Обливский район;;основная общеобразовательная школа;;",
)


def test_methodist_imports_new_schools_into_own_municipality(world):
    batch = upload(GOOD, world.region, world.users["methodist"])
    assert batch.status == ImportBatch.Status.APPLIED, batch.errors
    assert without_changes(batch.stats) == {
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "municipalities_created": 0,
        "errors": 0,
    }
    new = School.objects.get(code="sch610010")
    assert (new.municipality, new.short_name, new.school_type, new.director) == (
        world.mun_a,
        "Новая СОШ",
        "СОШ",
        "Петров Пётр Петрович",
    )
    assert School.objects.get(code="sch610011").school_type == "ООШ"
    assert batch.uploaded_by == world.users["methodist"]


def test_reimporting_the_same_file_changes_nothing(world):
    upload(GOOD, world.region, world.users["methodist"])
    before = list(School.objects.order_by("code").values())
    batch = upload(GOOD, world.region, world.users["methodist"])
    assert batch.stats["created"] == batch.stats["updated"] == 0
    assert batch.stats["unchanged"] == 2
    assert list(School.objects.order_by("code").values()) == before


def test_corrected_file_updates_in_place(world):
    upload(GOOD, world.region, world.users["methodist"])
    corrected = csv_bytes(
        "sch610010;МБОУ «Новая СОШ»;Обливский район;Новая СОШ;лицей;;Сидорова Анна Ивановна"
    )
    batch = upload(corrected, world.region, world.users["methodist"])
    assert batch.stats["updated"] == 1
    school = School.objects.get(code="sch610010")
    assert (school.school_type, school.director, school.address) == (
        "лицей",
        "Сидорова Анна Ивановна",
        "х. Новый, ул. Мира, 1",
    )


def test_english_header_and_xlsx(world):
    data = xlsx_bytes(
        [HEADER_EN.split(","), ["sch610020", "МБОУ «Школа»", "Обливский район", "", "гимназия", "", ""]]
    )
    batch = upload(data, world.region, world.users["methodist"], name="schools.xlsx")
    assert batch.status == ImportBatch.Status.APPLIED, batch.errors
    assert School.objects.get(code="sch610020").school_type == "гимназия"


def errors_of(batch):
    return {(e["row"], e["column"], e["message"]) for e in batch.errors}


@pytest.mark.parametrize(
    ("line", "column", "fragment"),
    [
        (";МБОУ «Школа»;Обливский район;;;;", "Код ОО", "Обязательное поле"),
        ("sch1;;Обливский район;;;;", "Наименование", "Обязательное поле"),
        ("sch1;МБОУ «Школа»;;;;;", "Муниципалитет", "Обязательное поле"),
        ("sch 1;МБОУ «Школа»;Обливский район;;;;", "Код ОО", "недопустимые символы"),
        ("sch1;МБОУ «Школа»;Обливский район;;колледж;;", "Тип", "Неизвестный тип «колледж»"),
        ("sch1;" + "Ш" * 501 + ";Обливский район;;;;", "Наименование", "больше 500"),
        ("sch1;МБОУ «Школа»;Тацинский район;;;;", "Муниципалитет", "Нет прав"),
        ("sch1;МБОУ «Школа»;Несуществующий район;;;;", "Муниципалитет", "не найден"),
        ("sch610101;МБОУ «Тацинская СОШ №1»;Обливский район;;;;", "Код ОО", "вне вашего доступа"),
        ("sch230001;МБОУ «Школа»;Обливский район;;;;", "Код ОО", "в другом регионе"),
    ],
)
def test_each_error_is_reported_by_row_and_column_and_nothing_is_written(world, line, column, fragment):
    data = csv_bytes("sch610030;МБОУ «Хорошая СОШ»;Обливский район;;;;", line)
    schools_before = School.objects.count()
    batch = upload(data, world.region, world.users["methodist"])
    assert batch.status == ImportBatch.Status.INVALID
    assert [(e["row"], e["column"]) for e in batch.errors] == [(3, column)]
    assert fragment in batch.errors[0]["message"]
    assert School.objects.count() == schools_before  # the good row was not written either


def test_duplicate_code_inside_file(world):
    data = csv_bytes("sch610030;A;Обливский район;;;;", "SCH610030;B;Обливский район;;;;")
    batch = upload(data, world.region, world.users["methodist"])
    assert errors_of(batch) == {(3, "Код ОО", "Код ОО «SCH610030» уже встречался в строке 2.")}


def test_missing_column_is_a_file_error(world):
    batch = upload("Код ОО;Наименование\nsch1;A\n".encode(), world.region, world.users["methodist"])
    assert batch.status == ImportBatch.Status.INVALID
    assert batch.errors[0]["row"] == 0 and "«Муниципалитет»" in batch.errors[0]["message"]


def test_regional_methodist_creates_municipality(world):
    data = csv_bytes("sch610040;МБОУ «Школа»;Морозовский район;;;;")
    batch = upload(data, world.region, world.users["regional_methodist"])
    assert batch.status == ImportBatch.Status.APPLIED
    assert batch.stats["municipalities_created"] == 1
    assert Municipality.objects.get(name="Морозовский район").region == world.region


def test_school_moves_between_municipalities_in_scope(world):
    data = csv_bytes("sch610001;МБОУ «Каштановская СОШ»;Тацинский район;;;;")
    batch = upload(data, world.region, world.users["regional_methodist"])
    assert batch.stats["updated"] == 1
    assert School.objects.get(code="sch610001").municipality == world.mun_b


def test_apply_revalidates_data_changed_after_preview(world):
    data = csv_bytes("sch610050;МБОУ «Школа»;Обливский район;;;;")
    batch = import_batch_create(
        kind="schools",
        file=io.BytesIO(data),
        name="s.csv",
        region=world.region,
        user=world.users["methodist"],
    )
    assert batch.status == ImportBatch.Status.VALIDATED
    # Meanwhile another region takes the code.
    School.objects.filter(pk=world.school_other.pk).update(code="sch610050")
    batch = import_batch_apply(batch=batch, user=world.users["methodist"])
    assert batch.status == ImportBatch.Status.INVALID
    assert not School.objects.filter(code="sch610050", municipality=world.mun_a).exists()


def write(tmp_path: Path, data: bytes, name="schools.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_command_into_empty_database_creates_default_region(db, tmp_path, capsys):
    path = write(
        tmp_path, b"\xef\xbb\xbf" + csv_bytes("sch1;МБОУ «Школа»;Обливский район;;;;", header=HEADER_RU)
    )
    call_command("import_schools", str(path))
    assert Region.objects.count() == 1
    assert School.objects.get(code="sch1").municipality.name == "Обливский район"
    assert "добавлено 1" in capsys.readouterr().out
    call_command("import_schools", str(path))  # the only region is used without --region
    assert Region.objects.count() == 1 and School.objects.count() == 1


def test_command_needs_region_when_several(world, tmp_path):
    path = write(tmp_path, csv_bytes("sch1;МБОУ «Школа»;Обливский район;;;;"))
    with pytest.raises(CommandError, match="несколько регионов"):
        call_command("import_schools", str(path))
    call_command("import_schools", str(path), "--region", "Ростовская область")
    assert School.objects.get(code="sch1").municipality == world.mun_a


def test_command_reports_errors_in_russian(world, tmp_path, capsys):
    path = write(tmp_path, csv_bytes("sch1;;Обливский район;;;;"))
    with pytest.raises(CommandError, match="отклонена"):
        call_command("import_schools", str(path), "--region", "Ростовская область")
    err = capsys.readouterr().err
    assert "строка 2, столбец «Наименование»: Обязательное поле не заполнено." in err
    assert not School.objects.filter(code="sch1").exists()
