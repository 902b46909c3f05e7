"""Import of diagnostics scores: every row checked (by row and column, in Russian, without teachers' names),
all or nothing, the same file twice changes nothing, only the campaign's methodologists write."""

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import Workbook

from core.imports import (
    IMPORTERS,
    get_importer,
    import_batch_apply,
    import_batch_create,
    importer_write_roles,
)
from core.models import ImportBatch
from core.policies import SYSTEM
from core.roles import STAFF_WRITE_ROLES
from diagnostics import services
from diagnostics.models import DiagnosticResult
from schools.models import IdentifierKind
from schools.services import school_identifier_add
from tests.factories import SchoolFactory, TeacherFactory

pytestmark = pytest.mark.django_db

HEADER = "Код ОО;ФИО педагога;Предметный;Методический;Цифровой"
NAMES = ("Журавлёва", "Воробьёва", "Арбузова", "Соловьёва", "Анна", "Сергеевна", "Ольга")


def csv_bytes(*lines: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode("utf-8")


def xlsx_bytes(rows: list[list]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def diag(world):
    t1 = TeacherFactory(
        school=world.school_a1, last_name="Журавлёва", first_name="Анна", middle_name="Сергеевна"
    )
    t2 = TeacherFactory(
        school=world.school_a1, last_name="Воробьёва", first_name="Ольга", middle_name="Ивановна"
    )
    t3 = TeacherFactory(
        school=world.school_a2, last_name="Арбузова", first_name="Анна", middle_name="Сергеевна"
    )
    tb = TeacherFactory(
        school=world.school_b1, last_name="Соловьёва", first_name="Анна", middle_name="Сергеевна"
    )
    campaign = services.campaign_create(
        municipality=world.mun_a,
        name="Диагностика, январь",
        instrument="Федеральная платформа",
        start_date=datetime.date(2026, 1, 12),
        end_date=datetime.date(2026, 1, 30),
        schools=[world.school_a1, world.school_a2],
        blocks=[
            ("subject", "Предметный", Decimal(20)),
            ("methodical", "Методический", Decimal(50)),
            ("digital", "Цифровой", Decimal(100)),
        ],
        user=world.users["methodist"],
    )
    other = services.campaign_create(
        municipality=world.mun_b,
        name="Тацинский район",
        instrument="Анкета",
        start_date=datetime.date(2026, 1, 12),
        end_date=datetime.date(2026, 1, 30),
        schools=[world.school_b1],
        user=world.users["regional_methodist"],
    )
    return {"campaign": campaign, "other": other, "t1": t1, "t2": t2, "t3": t3, "tb": tb}


def upload(data: bytes, world, campaign, user="methodist", name="scores.csv", options=None) -> ImportBatch:
    user = world.users[user] if isinstance(user, str) else user
    batch = import_batch_create(
        kind="diagnostics",
        file=io.BytesIO(data),
        name=name,
        region=world.region,
        user=user,
        options={"campaign": campaign.pk} if options is None else options,
    )
    if batch.status == ImportBatch.Status.VALIDATED:
        batch = import_batch_apply(batch=batch, user=user)
    return batch


def errors_of(batch) -> list[tuple[int, str, str]]:
    return sorted((e["row"], e["column"], e["message"]) for e in batch.errors)


def scores(campaign) -> dict[tuple[str, str], Decimal]:
    return {
        (r.teacher.last_name, r.block.code): r.score
        for r in DiagnosticResult.objects.filter(campaign=campaign).select_related("teacher", "block")
    }


def stats(batch) -> tuple[int, int, int]:
    return batch.stats["created"], batch.stats["updated"], batch.stats["unchanged"]


GOOD = csv_bytes(
    "sch610001;Журавлёва Анна Сергеевна;10;40,5;59.96",
    "SCH610001;воробьёва ольга ивановна;18;;",
    "sch610002;Арбузова Анна;4;10;",  # no patronymic: the only Арбузова Анна of the school
)


def test_registered_for_staff_with_the_campaign_asked_on_upload():
    importer = get_importer("diagnostics")
    assert IMPORTERS["diagnostics"] is importer
    assert importer_write_roles(importer) == STAFF_WRITE_ROLES
    assert [option.name for option in importer.options] == ["campaign"]


def test_csv_import_writes_scores(world, diag):
    campaign = diag["campaign"]
    batch = upload(GOOD, world, campaign)
    assert batch.status == ImportBatch.Status.APPLIED, batch.errors
    assert stats(batch) == (6, 0, 0)
    assert scores(campaign) == {
        ("Журавлёва", "subject"): Decimal(10),
        ("Журавлёва", "methodical"): Decimal("40.5"),
        ("Журавлёва", "digital"): Decimal("59.96"),
        ("Воробьёва", "subject"): Decimal(18),
        ("Арбузова", "subject"): Decimal(4),
        ("Арбузова", "methodical"): Decimal(10),
    }


def test_the_same_file_twice_changes_nothing(world, diag):
    campaign = diag["campaign"]
    upload(GOOD, world, campaign)
    stamps = dict(DiagnosticResult.objects.values_list("pk", "updated_at"))
    again = upload(GOOD, world, campaign)
    assert again.status == ImportBatch.Status.APPLIED
    assert stats(again) == (0, 0, 6)
    assert dict(DiagnosticResult.objects.values_list("pk", "updated_at")) == stamps


def test_a_changed_score_is_updated_and_an_empty_cell_keeps_the_stored_one(world, diag):
    campaign = diag["campaign"]
    upload(GOOD, world, campaign)
    batch = upload(csv_bytes("sch610001;Журавлёва Анна Сергеевна;12;;"), world, campaign)
    assert stats(batch) == (0, 1, 0)
    stored = scores(campaign)
    assert stored[("Журавлёва", "subject")] == Decimal(12)
    assert stored[("Журавлёва", "methodical")] == Decimal("40.5")  # the empty cell changed nothing


def test_the_preview_lists_the_scores_that_change_without_names(world, diag):
    """#19 §4: a line per teacher and block, new and changed (old → new), unchanged counted; the teacher named by
    the school and the file's row, never by the name."""
    campaign = diag["campaign"]
    upload(GOOD, world, campaign)
    batch = import_batch_create(
        kind="diagnostics",
        file=io.BytesIO(
            csv_bytes(
                "sch610001;Журавлёва Анна Сергеевна;10;42;59.96",
                "SCH610001;воробьёва ольга ивановна;18;30;",
            )
        ),
        name="scores.csv",
        region=world.region,
        user=world.users["methodist"],
        options={"campaign": campaign.pk},
    )
    assert batch.status == ImportBatch.Status.VALIDATED, batch.errors
    changes = batch.stats["changes"]
    assert (changes["new"], changes["changed"], changes["unchanged"], changes["listed"]) == (1, 1, 3, 2)
    assert changes["entities"] == ["Код ОО", "Строка файла", "Блок компетенций"]
    assert changes["rows"] == [
        {
            "sheet": None,
            "status": "changed",
            "entity": ["sch610001", "2", "Методический"],
            "fields": [["Балл", "40,50", "42,00"]],
        },
        {
            "sheet": None,
            "status": "new",
            "entity": ["sch610001", "3", "Методический"],
            "fields": [["Балл", "—", "30,00"]],
        },
    ]
    assert not any(name.lower() in str(changes).lower() for name in NAMES)


def test_xlsx_with_name_parts_typed_cells_and_teacher_ids(world, diag):
    campaign = diag["campaign"]
    rows = [
        ["Код ОО", "Фамилия", "Имя", "Отчество", "предметный", "МЕТОДИЧЕСКИЙ", "№"],
        ["sch610001", "ЖУРАВЛЕВА", "анна", "сергеевна", 12.5, 40, 1],  # ё written as е, any case
        ["sch610002", "Арбузова", "Анна", "Сергеевна", 4, None, 2],
    ]
    batch = upload(xlsx_bytes(rows), world, campaign, name="scores.xlsx")
    assert batch.status == ImportBatch.Status.APPLIED, batch.errors
    assert stats(batch) == (3, 0, 0)
    assert scores(campaign)[("Журавлёва", "subject")] == Decimal("12.5")
    by_id = xlsx_bytes([["ID педагога", "Предметный"], [diag["t2"].pk, 7], [str(diag["t3"].pk), "8,5"]])
    batch = upload(by_id, world, campaign, name="ids.xlsx")
    assert batch.status == ImportBatch.Status.APPLIED, batch.errors
    assert scores(campaign)[("Воробьёва", "subject")] == Decimal(7)
    assert scores(campaign)[("Арбузова", "subject")] == Decimal("8.5")
    again = upload(xlsx_bytes(rows), world, campaign, name="scores.xlsx")
    assert stats(again) == (0, 1, 2)  # Арбузова's 8,5 from the ID file goes back to 4
    assert upload(xlsx_bytes(rows), world, campaign, name="scores.xlsx").stats["unchanged"] == 3


def test_one_bad_row_writes_nothing(world, diag):
    campaign = diag["campaign"]
    data = csv_bytes(
        "sch610001;Журавлёва Анна Сергеевна;10;40;50",
        "sch610002;Арбузова Анна Сергеевна;21;;",  # above the block's maximum (20)
    )
    batch = upload(data, world, campaign)
    assert batch.status == ImportBatch.Status.INVALID
    assert errors_of(batch) == [(3, "Предметный", "Балл 21 больше максимума блока (20.00).")]
    assert not DiagnosticResult.objects.exists()


def test_apply_validates_again_and_writes_nothing_when_data_changed(world, diag):
    campaign = diag["campaign"]
    methodist = world.users["methodist"]
    batch = import_batch_create(
        kind="diagnostics",
        file=io.BytesIO(GOOD),
        name="scores.csv",
        region=world.region,
        user=methodist,
        options={"campaign": campaign.pk},
    )
    assert batch.status == ImportBatch.Status.VALIDATED and stats(batch) == (6, 0, 0)
    assert not DiagnosticResult.objects.exists()  # the preview writes nothing
    campaign.schools.remove(world.school_a2)  # meanwhile the school left the campaign
    batch = import_batch_apply(batch=batch, user=methodist)
    assert batch.status == ImportBatch.Status.INVALID
    assert errors_of(batch) == [(4, "Код ОО", "Школа «sch610002» не участвует в этой диагностике.")]
    assert not DiagnosticResult.objects.exists()


def test_every_row_error_by_row_and_column(world, diag):
    campaign = diag["campaign"]
    TeacherFactory(school=world.school_a1, last_name="Журавлёва", first_name="Анна", middle_name="Петровна")
    other_region_school = SchoolFactory(municipality__region=world.other_region, code="sch230009")
    t1, t3 = diag["t1"], diag["t3"]
    header = "Код ОО;ФИО педагога;ID педагога;Предметный;Методический;Цифровой"
    data = csv_bytes(
        "sch999999;Журавлёва Анна Сергеевна;;1;;",  # 2: unknown school
        f"{other_region_school.code};Журавлёва Анна Сергеевна;;1;;",  # 3: another region
        "sch610101;Соловьёва Анна Сергеевна;;1;;",  # 4: not in the campaign
        "sch610001;Петрова Анна Сергеевна;;1;;",  # 5: not found
        "sch610001;Журавлёва Анна;;1;;",  # 6: two Журавлёва Анна in the school
        ";Воробьёва Ольга Ивановна;;1;;",  # 7: no school, no ID
        "sch610001;Воробьёва Ольга Ивановна;;двадцать;-1;12,345",  # 8: three score errors
        "sch610001;Воробьёва Ольга Ивановна;;1;51;100",  # 9: above max
        ";;abc;1;;",  # 10: ID not a number
        ";;999999;1;;",  # 11: ID unknown
        f";;{diag['tb'].pk};1;;",  # 12: ID of a teacher outside the campaign
        f"sch610002;;{t1.pk};1;;",  # 13: ID of another school's teacher
        f";Воробьёва Ольга Ивановна;{t1.pk};1;;",  # 14: the name is not the ID's
        f";;{t3.pk};1;;",  # 15: fine
        "sch610002;Арбузова Анна Сергеевна;;2;;",  # 16: the same teacher again
        "sch610001;Журавлёва;;1;;",  # 17: a name without the first name
        header=header,
    )
    batch = upload(data, world, campaign)
    assert batch.status == ImportBatch.Status.INVALID
    assert errors_of(batch) == [
        (2, "Код ОО", "Школа с кодом «sch999999» не найдена в регионе «Ростовская область»."),
        (3, "Код ОО", "Школа с кодом «sch230009» относится к другому региону."),
        (4, "Код ОО", "Школа «sch610101» не участвует в этой диагностике."),
        (
            5,
            "ФИО педагога",
            "Педагог с такими ФИО не найден в школе «sch610001»: проверьте написание или сначала загрузите "
            "педагогов (вид загрузки «Педагоги»).",
        ),
        (
            6,
            "ФИО педагога",
            "В школе несколько педагогов с такими ФИО: укажите отчество или используйте столбец «ID педагога».",
        ),
        (7, "Код ОО", "Обязательное поле не заполнено."),
        (8, "Методический", "Балл не может быть отрицательным."),
        (8, "Предметный", "Балл — число, например 12,5."),
        (8, "Цифровой", "Не больше двух знаков после запятой."),
        (9, "Методический", "Балл 51 больше максимума блока (50.00)."),
        (10, "ID педагога", "ID педагога — целое положительное число."),
        (11, "ID педагога", "Педагог с ID 999999 не найден среди педагогов школ-участников диагностики."),
        (
            12,
            "ID педагога",
            f"Педагог с ID {diag['tb'].pk} не найден среди педагогов школ-участников диагностики.",
        ),
        (13, "Код ОО", f"Педагог с ID {t1.pk} работает не в школе «sch610002»."),
        (14, "ФИО педагога", f"ФИО не совпадает с педагогом с ID {t1.pk}."),
        (16, "ФИО педагога", "Этот педагог уже встречался в строке 15."),
        (17, "ФИО педагога", "Укажите фамилию, имя и отчество (если есть) через пробел."),
    ]
    messages = " ".join(message for _row, _column, message in errors_of(batch))
    for name in (*NAMES, "Петрова", "Ивановна"):
        assert name not in messages
    assert not DiagnosticResult.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            csv_bytes("sch610001;Журавлёва Анна Сергеевна;1;;;1", header=HEADER + ";Предметнй"),
            "Столбец «Предметнй» не распознан. Столбцы баллов называются как блоки диагностики: «Предметный», "
            "«Методический», «Цифровой».",
        ),
        (
            csv_bytes("sch610001;Журавлёва Анна Сергеевна", header="Код ОО;ФИО педагога"),
            "В заголовке нет ни одного столбца с баллами. Блоки диагностики: «Предметный», «Методический», "
            "«Цифровой».",
        ),
        (
            csv_bytes("sch610001;1", header="Код ОО;Предметный"),
            "В заголовке нет столбцов с ФИО педагога: нужен столбец «ФИО педагога», или столбцы «Фамилия» и "
            "«Имя» (и «Отчество», если есть), или «ID педагога».",
        ),
        (
            csv_bytes("Журавлёва Анна Сергеевна;1", header="ФИО педагога;Предметный"),
            "В заголовке нет столбца «Код ОО» (или «ID педагога»): по ним находится педагог.",
        ),
        (csv_bytes(), "В файле нет строк с баллами."),
    ],
)
def test_header_and_file_errors(world, diag, data, message):
    batch = upload(data, world, diag["campaign"])
    assert batch.status == ImportBatch.Status.INVALID
    assert errors_of(batch) == [(0, "", message)]


def test_the_campaign_must_be_given_and_the_users_own(world, diag):
    batch = upload(GOOD, world, diag["campaign"], options={})
    assert errors_of(batch) == [(0, "", "Укажите номер диагностики: он указан на странице диагностики.")]
    other = diag["other"]  # mun_b's: not the methodist of mun_a's
    batch = upload(GOOD, world, other)
    assert errors_of(batch) == [
        (
            0,
            "",
            f"Диагностика № {other.pk} не найдена среди диагностик региона «Ростовская область», в которые вы "
            "можете вносить результаты.",
        )
    ]
    assert not DiagnosticResult.objects.exists()


@pytest.mark.parametrize("role", ["head", "school_admin", "analyst", "tutor", "nobody"])
def test_only_the_campaigns_methodologists_import(world, diag, role):
    batch = upload(GOOD, world, diag["campaign"], user=role)
    assert batch.status == ImportBatch.Status.INVALID
    assert "не найдена среди диагностик" in batch.errors[0]["message"]
    assert not DiagnosticResult.objects.exists()


def test_regional_methodist_and_a_command_import(world, diag):
    batch = upload(GOOD, world, diag["campaign"], user="regional_methodist")
    assert batch.status == ImportBatch.Status.APPLIED, batch.errors
    batch = upload(
        csv_bytes("sch610101;Соловьёва Анна Сергеевна;3;;"), world, diag["other"], user=SYSTEM, name="b.csv"
    )
    assert batch.status == ImportBatch.Status.APPLIED, batch.errors
    assert scores(diag["other"]) == {("Соловьёва", "subject"): Decimal(3)}


def test_web_upload_asks_the_campaign(client, world, diag):
    client.force_login(world.users["methodist"])
    url = reverse("imports:new", args=["diagnostics"])
    page = client.get(url).content.decode()
    assert "Номер диагностики" in page and "Предметный" in page
    upload_file = io.BytesIO(GOOD)
    upload_file.name = "scores.csv"
    response = client.post(
        url, {"file": upload_file, "region": world.region.pk, "campaign": diag["campaign"].pk}
    )
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert batch.status == ImportBatch.Status.VALIDATED, batch.errors
    client.post(reverse("imports:apply", args=[batch.pk]))
    assert DiagnosticResult.objects.count() == 6
    client.force_login(world.users["head"])
    assert client.get(url).status_code == 403


def test_template_has_the_default_blocks():
    rows = get_importer("diagnostics").template_rows()
    assert rows[0][:3] == ["Код ОО", "ФИО педагога", "Предметный"]
    assert len(rows[0]) == 8 and all(len(row) == 8 for row in rows)


def test_a_school_is_found_by_any_identifier(world, diag):
    """#19 §1: a 2022+ ФИС ОКО login (edu…) finds the school known as sch… by the same digits; an ИНН finds its
    school too."""
    school_identifier_add(school=world.school_a2, kind=IdentifierKind.INN, value="6100000002", user=SYSTEM)
    campaign = diag["campaign"]
    batch = upload(
        csv_bytes("EDU610001;Журавлёва Анна Сергеевна;10;40;90", "6100000002;Арбузова Анна Сергеевна;5;;"),
        world,
        campaign,
    )
    assert batch.status == ImportBatch.Status.APPLIED, batch.errors
    assert stats(batch) == (4, 0, 0)
    assert scores(campaign) == {
        ("Журавлёва", "subject"): Decimal(10),
        ("Журавлёва", "methodical"): Decimal(40),
        ("Журавлёва", "digital"): Decimal(90),
        ("Арбузова", "subject"): Decimal(5),
    }
