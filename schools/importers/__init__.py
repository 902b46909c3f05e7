"""Import of the schools registry: the portal's own template (``template.py``) and ФИС ОКО's login list and
context forms (``layouts.py`` reads them without the ORM, ``registry.py`` matches and writes). One kind of upload,
«Реестр школ»: the file's first rows decide which reading applies."""

from collections.abc import Callable, Iterator
from typing import IO

from core.imports import ImportOption, ImportOutcome, register_importer
from core.tabular import XlsxWorkbook, file_format, read_csv_rows

from ..models import Region
from .layouts import read_registry
from .registry import run_registry
from .template import COLUMNS
from .template import SchoolImporter as TemplateImporter

__all__ = ["COLUMNS", "SchoolImporter"]


class SchoolImporter(TemplateImporter):
    notes = (
        "Кроме шаблона портала принимаются файлы ФИС ОКО: список логинов ОО («логин | имя | регион») и формы "
        "сбора контекстных данных об ОО 2021 и 2022 годов. Школы находятся по логину (sch… и edu… с теми же "
        "цифрами), ИНН, кодам РЦОИ или наименованию в муниципалитете; новые создаются только для строк, "
        "не совпавших ни с одной школой. Персональные данные форм (ФИО директора, телефон, почта) не загружаются.",
    )

    options = (
        ImportOption(
            "year",
            "Форма ФИС ОКО: год контекстных данных (весна учебного года), если в файле нет листа или заголовка с "
            "«…ГГГГ/ГГГГ учебном году» и его нет в имени файла",
            int,
            2000,
            2100,
        ),
    )

    def run(
        self,
        *,
        stream: IO[bytes],
        name: str,
        region: Region,
        user,
        apply: bool,
        progress: Callable[[int], None] | None = None,
        batch=None,
        options: dict | None = None,
    ) -> ImportOutcome:
        year = (options or {}).get("year")
        parsed = read_registry(_sheets(stream, name), year=int(year) if year else None, file_name=name)
        if parsed is None:
            stream.seek(0)
            return super().run(
                stream=stream,
                name=name,
                region=region,
                user=user,
                apply=apply,
                progress=progress,
                batch=batch,
            )
        return run_registry(parsed, region=region, user=user, apply=apply, file_name=name)


def _sheets(stream: IO[bytes], name: str) -> list[tuple[str, Callable[[], Iterator[list]]]]:
    """Every sheet of the file as (name, a function that opens its rows); a CSV file is one sheet named ''."""
    if file_format(name) == "csv":
        stream.seek(0)
        return [("", lambda: read_csv_rows(stream))]
    workbook = XlsxWorkbook(stream)
    return [(sheet, (lambda sheet=sheet: iter(workbook.rows(sheet)))) for sheet in workbook.sheet_names]


register_importer(SchoolImporter())
