"""Helpers shared by the import commands: print an import's outcome the same way everywhere."""

from core.models import ImportBatch
from core.plural import count_noun


def report_batch(command, batch: ImportBatch) -> None:
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
        column = f", столбец «{error['column']}»" if error["column"] else ""
        command.stderr.write(f"  {where}{column}: {error['message']}")
    if len(batch.errors) > 50:
        command.stderr.write(
            f"  … и ещё {len(batch.errors) - 50}; полный список — на странице загрузки #{batch.pk}."
        )
