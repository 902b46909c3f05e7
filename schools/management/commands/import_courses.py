from .import_teachers import Command as ImportTeachersCommand


class Command(ImportTeachersCommand):
    help = (
        "Загрузить курсы повышения квалификации (КПК) педагогов из .xlsx или .csv (все строки проверяются; "
        "при ошибке ничего не меняется). Педагоги должны уже быть загружены."
    )
    kind = "courses"
