"""What the database already holds: the region's schools, procedure kinds, subjects and procedures, loaded once;
new subjects and procedures created on demand.
"""

from core.plural import count_noun
from core.policies import is_system
from core.tabular import (
    normalise_text,
    parse_int,
)

from .. import identity
from ..models import Procedure, ProcedureKind, Region, School, Subject
from ..selectors_identity import MAX_CANDIDATES, SchoolDirectory
from ..services import school_identifiers_learn
from ..subjects import display_subject, normalise_subject
from .layouts import fisoko
from .layouts.template import TEMPLATE_KEYS

SCHOOL_NAME = TEMPLATE_KEYS.index("school_name")
MUNICIPALITY = TEMPLATE_KEYS.index("municipality")

MAX_SUBJECT_LENGTH = 255  # Subject.name


class Catalog:
    """Schools, kinds, subjects and procedures, loaded once; new subjects and procedures created on demand."""

    def __init__(self, *, region: Region, user):
        self.region = region
        writable = None
        if not is_system(user):  # a command (SYSTEM) writes every school of the region
            writable = set(
                School.objects.editable_by(user)
                .filter(municipality__region=region)
                .values_list("pk", flat=True)
            )
        in_region = School.objects.filter(municipality__region=region).values_list(
            "pk", "code", "municipality__name"
        )
        # code in lower case -> (id, may the user write it, municipality): the one lookup per row
        self.schools: dict[str, tuple[int, bool, str]] = {}
        self._codes: dict[int, str] = {}
        self._entries: dict[int, tuple[int, bool, str]] = {}
        for pk, code, municipality in in_region:
            entry = self.schools[code.lower()] = (pk, writable is None or pk in writable, municipality)
            self._entries[pk] = entry
            self._codes[pk] = code
        # Every other identifier a single school holds (ФИС ОКО logins, ИНН, РЦОИ codes) is a key of the same dict,
        # so a row carrying one stays on the fast path; a school's own code wins over another's identifier.
        self.directory = SchoolDirectory(region)
        for key, pk in self.directory.keys().items():
            self.schools.setdefault(key, self._entries[pk])
        self._resolved: dict[tuple[str, str, str], tuple[tuple[int, bool, str] | None, str]] = {}
        self.learnt: dict[tuple[str, str], int] = {}  # (kind, value as written) -> school id, kept on apply
        self.unmatched: dict[tuple[str, str], dict] = {}  # (name, municipality) -> what the preview offers
        self.kinds = {
            kind_key(code): (pk, code)
            for pk, code in ProcedureKind.objects.filter(is_active=True).values_list("pk", "code")
        }
        self.subjects: dict[str, int] = dict(Subject.objects.values_list("normalized_name", "pk"))
        self.procedures: dict[tuple[int, int, int, int], int] = {
            (kind, subject, grade, year): pk
            for pk, kind, subject, grade, year in Procedure.objects.values_list(
                "pk", "kind_id", "subject_id", "grade", "year"
            )
        }
        self.new_subjects: dict[str, str] = {}  # normalised -> the first spelling seen
        # The file's procedures by index: (kind id, subject key, grade, year).
        self.file_procedures: list[tuple[int, str, int, int]] = []
        self.procedure_ids: list[int | None] = []  # index -> procedure id; None until created
        self.titles: list[str] = []  # index -> «ВПР, Математика, 5 кл., 2024», for messages
        self._index: dict[tuple[int, str, int, int], int] = {}
        self._pending: list[int] = []
        self.procedure_of: dict = {}
        self.created = {"procedures": 0, "subjects": 0}

    def procedure_index(
        self, kind_text: str, subject_text: str, grade_text: str, year_text: str
    ) -> int | list:
        """The file's index of a procedure, or [(column key, message), …]."""
        errors = []
        kind = self.kinds.get(kind_key(kind_text))
        if kind is None:
            allowed = ", ".join(sorted(code for _pk, code in self.kinds.values()))
            errors.append(
                (
                    "kind",
                    f"Неизвестный вид процедуры «{kind_text[:40]}». Допустимо: {allowed}."
                    if kind_text
                    else "Обязательное поле не заполнено.",
                )
            )
        subject = normalise_subject(subject_text)
        if not subject:
            errors.append(("subject", "Обязательное поле не заполнено."))
        elif len(subject) > MAX_SUBJECT_LENGTH:
            errors.append(
                (
                    "subject",
                    f"Слишком длинное название: больше {count_noun(MAX_SUBJECT_LENGTH, 'символа', 'символов', 'символов')}.",
                )
            )
        grade = _bounded(grade_text, fisoko.GRADES, "Класс", errors, "grade")
        year = _bounded(year_text, fisoko.YEARS, "Год", errors, "year")
        if errors:
            return errors
        key = (kind[0], subject, grade, year)
        index = self._index.get(key)
        if index is None:
            index = self._index[key] = len(self.file_procedures)
            self.file_procedures.append(key)
            self.titles.append(f"{kind[1]}, {display_subject(subject_text)}, {grade} кл., {year}")
            subject_id = self.subjects.get(subject)
            procedure_id = self.procedures.get((kind[0], subject_id, grade, year)) if subject_id else None
            self.procedure_ids.append(procedure_id)
            if procedure_id is None:
                self._pending.append(index)
                if subject_id is None:
                    self.new_subjects.setdefault(subject, display_subject(subject_text))
        return index

    def resolve(self, *, create: bool) -> list[int | None]:
        """Procedure ids by the file's index; with ``create`` the new subjects and procedures are created."""
        if create and self._pending:
            for index in self._pending:
                kind_id, subject_key, grade, year = self.file_procedures[index]
                subject_id = self.subjects.get(subject_key)
                if subject_id is None:
                    subject, made = Subject.objects.get_or_create(
                        normalized_name=subject_key, defaults={"name": self.new_subjects[subject_key]}
                    )
                    subject_id = self.subjects[subject_key] = subject.pk
                    self.created["subjects"] += made
                procedure, made = Procedure.objects.get_or_create(
                    kind_id=kind_id, subject_id=subject_id, grade=grade, year=year
                )
                self.procedure_ids[index] = procedure.pk
                self.created["procedures"] += made
            self._pending = []
        return self.procedure_ids

    def new_counts(self) -> dict[str, int]:
        """Subjects and procedures this file adds (would add, in a preview)."""
        return {
            "procedures_created": self.created["procedures"] + len(self._pending),
            "subjects_created": self.created["subjects"]
            + sum(1 for key in self.new_subjects if key not in self.subjects),
        }

    def years(self) -> set[int]:
        return {year for _kind, _subject, _grade, year in self.file_procedures}

    def school_code(self, pk: int) -> str:
        return self._codes.get(pk, str(pk))

    # --- schools by any identifier or by name (#19 §1) --------------------------------------------------
    def school_of(self, values: tuple[str, ...]) -> tuple[int, bool, str] | None:
        """The school a row names, if it is known (what ``school_for`` resolved for a row like it)."""
        code = values[0].strip()
        school = self.schools.get(code.lower())
        if school is None:
            school = self._resolved.get(
                (code, values[SCHOOL_NAME].strip(), values[MUNICIPALITY].strip()), (None, "")
            )[0]
        return school

    def school_for(self, code: str, name: str, municipality: str) -> tuple[tuple[int, bool, str] | None, str]:
        """The school of a row the fast path did not find: (entry, "") or (None, the Russian message).

        By code: any identifier, then a ФИС ОКО login's digits under the other prefix (learnt, kept on apply). By
        name: within the row's municipality; when the file gives none, the whole region by the exact name; when it
        names one the region does not have, only a name a user picked. Resolved once per distinct (code, name,
        municipality)."""
        key = (code, name, municipality)
        found = self._resolved.get(key)
        if found is None:
            found = self._resolved[key] = self._resolve(code, name, municipality)
        if found[0] is None and (name, municipality) in self.unmatched:
            self.unmatched[(name, municipality)]["rows"] += 1
        return found

    def _resolve(self, code: str, name: str, municipality: str) -> tuple[tuple[int, bool, str] | None, str]:
        directory = self.directory
        if code:
            match = directory.match(code)
            _kind, shown = identity.split_kind(code)
            if len(match.ids) == 1:
                pk = match.ids[0]
                if match.by_digits:
                    self.learnt[(identity.FISOKO, code)] = pk
                entry = self.schools[code.lower()] = self._entries[pk]  # later rows: the fast path
                return entry, ""
            if match.ids:
                return None, (
                    f"Код «{shown[:40]}» принадлежит нескольким школам: {directory.describe_many(match.ids)}."
                )
            if not name:
                return None, (
                    f"Школа с кодом «{shown[:40]}» не найдена в регионе «{self.region.name}»: проверьте код или "
                    "сначала загрузите реестр школ."
                )
        if not name:
            return None, "Обязательное поле не заполнено."
        municipality_id = directory.municipality(municipality) if municipality else None
        # A municipality the region does not have: only a name a user picked a school for; the school may be in
        # a municipality missing from the registry, where a namesake elsewhere must not take its results.
        ids = directory.find_by_name(
            name, municipality_id, picked_only=bool(municipality) and municipality_id is None
        )
        if len(ids) == 1:
            return self._entries[ids[0]], ""
        where = (
            f"в муниципалитете «{directory.municipalities[municipality_id]}»"
            if municipality_id is not None
            else f"в регионе «{self.region.name}»"
            + (f" (муниципалитет «{municipality[:80]}» не распознан)" if municipality else "")
        )
        candidates = ids[:MAX_CANDIDATES] if ids else directory.candidates(name, municipality_id)
        self.unmatched[(name, municipality)] = {
            "name": name,
            "municipality": municipality,
            "municipality_id": municipality_id,
            "several": len(ids) > 1,
            "candidates": [
                {"id": pk, "text": directory.describe(pk), "code": directory.codes[pk]} for pk in candidates
            ],
            "rows": 0,
        }
        if ids:
            return None, (
                f"Наименованию «{name[:120]}» {where} соответствуют несколько школ: {directory.describe_many(ids)}. "
                "Выберите школу в предпросмотре."
            )
        similar = f" Похожие: {directory.describe_many(candidates)}." if candidates else ""
        return None, (
            f"Школа «{name[:120]}» не найдена {where}.{similar} Выберите школу в предпросмотре или добавьте это "
            "наименование школе."
        )

    def unmatched_list(self) -> list[dict]:
        """Distinct names that matched no school or several, each once, for the preview's pick (in file order).

        The pick offers only schools the user may write (SchoolPolicy, loaded once as the entries' flag): a
        candidate the user could not pick is left out here, once per name, not on the rows' path."""
        entries = list(self.unmatched.values())
        for entry in entries:
            entry["candidates"] = [c for c in entry["candidates"] if self._entries[c["id"]][1]]
        return entries

    def learnable(self) -> int:
        """How many of the logins matched by their digits ``store_learnt`` would keep: those of schools the user
        may write (a login a school of the region holds already is found directly, never learnt)."""
        return sum(1 for pk in self.learnt.values() if self._entries[pk][1])

    def store_learnt(self, *, file_name: str, user) -> int:
        """Keep the logins matched by their digits as the schools' identifiers (on apply, in its transaction)."""
        return school_identifiers_learn(
            region=self.region,
            found=self.learnt,
            source=f"сопоставлено по цифрам логина при загрузке {file_name}",
            user=user,
        )


def kind_key(text: str) -> str:
    return normalise_text(text).upper().replace("Ё", "Е")


def _bounded(text: str, allowed: range, name: str, errors: list, key: str) -> int | None:
    try:
        value = parse_int(text)
    except ValueError:
        errors.append((key, f"Ожидается целое число, указано «{text[:40]}»."))
        return None
    if value is None:
        errors.append((key, "Обязательное поле не заполнено."))
        return None
    if value not in allowed:
        errors.append((key, f"{name} должен быть от {allowed.start} до {allowed.stop - 1}, указано {value}."))
        return None
    return value
