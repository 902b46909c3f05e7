"""An import row's school by the code the file gives (#19 §1): ``SchoolCodes``, one per import.

The teachers' and courses' imports (schools.teacher_import) and the diagnostics scores' import
(diagnostics.results_import) resolve their «Код ОО» column the same way: the region's school by its code
(case-insensitive) or any other identifier ``SchoolDirectory`` knows (a ФИС ОКО login of either prefix, ИНН,
РЦОИ code); a code the region lacks is told apart from one another region's school holds; a school the import
may not write (no rights, not in the campaign) is refused with the importer's own message.
"""

from django.db.models.functions import Lower

from core.tabular import RowError

from .models import Region, School
from .selectors_identity import SchoolDirectory

SHOWN_CODE_LENGTH = 40  # a code is cut to this in a message (a cell may hold a whole paragraph)


class SchoolCodes:
    """The region's schools by code; ``allowed`` (None: all) are those a row may name, ``refused`` the error for
    another («{code}» stands for the code as the file wrote it)."""

    def __init__(self, region: Region, label: str, allowed: set[int] | None, refused: str):
        self.region = region
        self.label = label  # the file's code column, named in every error
        self.allowed = allowed
        self.refused = refused
        self.directory = SchoolDirectory(region)
        self.code_of: dict[int, str] = dict(self.directory.codes)
        self.by_code: dict[str, int] = {code.lower(): pk for pk, code in self.code_of.items()}
        self._missing: set[str] = set()  # codes no school of the region holds: looked up elsewhere at once
        self._elsewhere: set[str] | None = None

    def note_codes(self, codes) -> None:
        """Codes the file uses; those not in the region are looked up elsewhere at once."""
        for code in codes:
            if code.lower() not in self.by_code:
                match = self.directory.match(code)
                if len(match.ids) == 1:
                    self.by_code[code.lower()] = match.ids[0]
                elif not match.ids:
                    self._missing.add(code.lower())

    def resolve(self, line: int, code: str, errors: list[RowError]) -> int | None:
        """The school ``code`` names, or None with the row's error added to ``errors``."""
        label, shown = self.label, code[:SHOWN_CODE_LENGTH]
        pk = self.by_code.get(code.lower())
        if pk is None:
            match = self.directory.match(code)
            if len(match.ids) == 1:
                pk = self.by_code[code.lower()] = match.ids[0]
            elif match.ids:
                several = self.directory.describe_many(match.ids)
                errors.append(
                    RowError(line, label, f"Код «{shown}» принадлежит нескольким школам: {several}.")
                )
                return None
        if pk is None:
            if code.lower() in self._elsewhere_codes():
                errors.append(RowError(line, label, f"Школа с кодом «{shown}» относится к другому региону."))
            else:
                errors.append(
                    RowError(line, label, f"Школа с кодом «{shown}» не найдена в регионе «{self.region}».")
                )
            return None
        if self.allowed is not None and pk not in self.allowed:
            errors.append(RowError(line, label, self.refused.format(code=shown)))
            return None
        return pk

    def _elsewhere_codes(self) -> set[str]:
        if self._elsewhere is None:
            self._elsewhere = set(
                School.objects.annotate(code_lower=Lower("code"))
                .filter(code_lower__in=self._missing)
                .values_list("code_lower", flat=True)
            )
        return self._elsewhere
