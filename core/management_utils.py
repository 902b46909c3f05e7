"""Helpers shared by the import commands: print an import's outcome the same way everywhere."""

from core.imports import batch_sheets
from core.models import ImportBatch
from core.plural import count_noun

_SHEET_STATUS = {
    "read": "прочитан",
    "skipped": "пропущен",
    "unrecognised": "НЕ РАСПОЗНАН",
    "empty": "пустой лист",
    "failed": "не прочитан",
}


def report_sheets(command, batch: ImportBatch) -> None:
    """Every sheet of the file: what it holds and how it was read, or why it is not read (#19 §2). A sheet
    that holds something and is not loaded goes to stderr as a warning."""
    sheets = batch_sheets(batch)
    if not any(sheet.get("sheet") for sheet in sheets):
        return  # a CSV file: one table, said by the lines below
    command.stdout.write(f"Листов в файле: {len(sheets)}.")
    for sheet in sheets:
        status = sheet.get("status", "")
        line = f"  лист «{sheet.get('sheet')}»: {_SHEET_STATUS.get(status, status)}"
        if status == "read":
            line += f" — {sheet.get('layout')}; строк {sheet.get('rows', 0)}, результатов {sheet.get('results', 0)}"
            if sheet.get("header_row"):
                line += f"; заголовок — строка {sheet['header_row']}"
            columns = sheet.get("columns") or {}
            if columns:
                line += "; столбцы: " + ", ".join(f"{field} ← «{cell}»" for field, cell in columns.items())
            origins = sheet.get("origins") or {}
            if origins:
                line += "; " + "; ".join(f"{field} — {origin}" for field, origin in origins.items())
            command.stdout.write(line + ".")
        elif status == "unrecognised":
            command.stderr.write(f"{line}, не загружается: {sheet.get('reason', '')}")
        elif status == "empty":
            command.stdout.write(line + ".")
        else:
            command.stdout.write(f"{line}: {sheet.get('reason', '')}")


def report_batch(command, batch: ImportBatch) -> None:
    report_sheets(command, batch)
    stats = batch.stats
    if batch.status == ImportBatch.Status.APPLIED:
        command.stdout.write(
            command.style.SUCCESS(
                f"Загружено: строк {batch.total_rows}; добавлено {stats.get('created', 0)}, "
                f"обновлено {stats.get('updated', 0)}, без изменений {stats.get('unchanged', 0)}."
            )
        )
        return
    command.stderr.write(
        f"Файл не загружен: {count_noun(stats.get('errors', len(batch.errors)), 'ошибка', 'ошибки', 'ошибок')}, "
        "ничего не изменено."
    )
    for error in batch.errors[:50]:
        where = f"строка {error['row']}" if error["row"] else "файл"
        if error.get("sheet"):
            where = f"лист «{error['sheet']}», {where}"
        column = f", столбец «{error['column']}»" if error["column"] else ""
        command.stderr.write(f"  {where}{column}: {error['message']}")
    if len(batch.errors) > 50:
        command.stderr.write(
            f"  … и ещё {len(batch.errors) - 50}; полный список — на странице загрузки #{batch.pk}."
        )
