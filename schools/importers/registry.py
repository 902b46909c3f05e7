"""The registry read from ФИС ОКО's files (``layouts.py``): identifiers attached to the schools it recognises,
new schools only for rows that match nothing, and each school's context for the form's year.

A row's school is found by any identifier it carries (login, ИНН, РЦОИ codes; a ``sch…``/``edu…`` login also by
the same digits of the other prefix), else by name within its municipality. Two identifiers of one row that point
to two schools, or an identifier held by another school, are row errors naming both. Nothing is written unless
every row is fine; a second load of the same file finds every identifier in place and changes nothing.
"""

import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone

from core.imports import ImportOutcome
from core.plural import plural
from core.policies import is_system
from core.tabular import RowError

from .. import identity
from ..identity import identifier_key, normalise_school_name, split_labelled
from ..models import IdentifierKind, Municipality, Region, School, SchoolContext, SchoolIdentifier
from ..policies import municipality_policy
from ..selectors_identity import SchoolDirectory
from .layouts import (
    CONTEXT_2021,
    CONTEXT_KEYS,
    LOGINS,
    RegistryEntry,
    RegistryFile,
    address_municipalities,
    address_municipality,
)

PREVIEW_ROWS = 200  # rows of the «what changes» table kept on the batch; the counts cover every row

KIND_LABELS = {
    identity.FISOKO: "Логин ФИС ОКО",
    identity.INN: "ИНН",
    identity.RCOI_OGE: "Код РЦОИ (ОГЭ)",
    identity.RCOI_EGE: "Код РЦОИ (ЕГЭ)",
    identity.NAME: "Наименование в файлах",
}
COLUMN_OF_KIND = {
    identity.FISOKO: "Логин",
    identity.INN: "ИНН",
    identity.RCOI_OGE: "Код ОГЭ",
    identity.RCOI_EGE: "Код ЕГЭ",
}
# ИНН of an organisation is 10 digits, a person's 12: Приказ ФНС России от 29.06.2012 № ММВ-7-6/435@ «Об утверждении
# Порядка и условий присвоения, применения, а также изменения ИНН» (issued under п. 7 ст. 84 НК РФ). Confirmed from
# a summary of the order (viacademia.ru/library/nalog/440-mmv-7-6-435), not from its own text. A school is an
# organisation; the control digit is not checked.
INN_PATTERN = re.compile(r"^\d{10}$")
CODE_PATTERN = re.compile(r"^[0-9A-Za-zА-Яа-яЁё_.\-/]{1,32}$")


@dataclass
class _Decision:
    entry: RegistryEntry
    school_id: int | None = None  # None: a school to create
    matched_by: str = ""  # «по идентификатору», «по цифрам логина», «по наименованию»
    via: str = ""  # the identifiers that found the school: «Код РЦОИ (ОГЭ) «5811»»
    municipality_id: int | None = None  # for a school to create: an existing municipality …
    new_municipality: str = ""  # … or one to create (its name)
    identifiers: list[tuple[str, str]] = field(default_factory=list)  # (kind, value) to attach
    context: dict[str, object] | None = None
    context_change: str = ""  # "" | "created" | "updated" | "unchanged"


@dataclass
class _Plan:
    file: RegistryFile
    decisions: list[_Decision] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Rows of a 2021 form whose school is not in the registry and whose address names no municipality: not loaded,
    # listed (the rest of the form loads; see README «Загрузка данных»).
    skipped: list[str] = field(default_factory=list)
    # Identifiers the file gives to two or more schools (and no school holds yet): attached to none, listed.
    ambiguous: list[str] = field(default_factory=list)
    existing_contexts: dict[int, SchoolContext] = field(default_factory=dict)

    def stats(self) -> dict:
        creates = [d for d in self.decisions if d.school_id is None]
        matched = [d for d in self.decisions if d.school_id is not None]
        changed = [d for d in matched if d.identifiers or d.context_change in ("created", "updated")]
        contexts = [d.context_change for d in self.decisions if d.context_change]
        return {
            "created": len(creates),
            "updated": len(changed),
            "unchanged": len(matched) - len(changed),
            "municipalities_created": len(
                {d.new_municipality.lower() for d in creates if d.new_municipality}
            ),
            "matched_by_identifier": sum(1 for d in matched if d.matched_by == BY_IDENTIFIER),
            "matched_by_digits": sum(1 for d in matched if d.matched_by == BY_DIGITS),
            "matched_by_name": sum(1 for d in matched if d.matched_by == BY_NAME),
            "identifiers_attached": sum(len(d.identifiers) for d in self.decisions),
            "contexts_created": contexts.count("created"),
            "contexts_updated": contexts.count("updated"),
            "contexts_unchanged": contexts.count("unchanged"),
            "identifiers_refused": len(self.warnings),
            "identifiers_ambiguous": len(self.ambiguous),
            "skipped": len(self.skipped),
        }


BY_IDENTIFIER = "по идентификатору"
BY_DIGITS = "по цифрам логина"
BY_NAME = "по наименованию в муниципалитете"


def run_registry(parsed: RegistryFile, *, region: Region, user, apply: bool, file_name: str) -> ImportOutcome:
    """Plan the file against the region's registry; write it when ``apply`` and no row failed."""
    errors: list[RowError] = []
    plan = _plan(parsed, region, user, errors, file_name)
    stats = plan.stats()
    stats["registry"] = _preview(plan, region)
    outcome = ImportOutcome(
        total_rows=sum(1 for e in parsed.entries if e.lines), stats=stats, sheets=list(parsed.sheets)
    )
    for error in sorted(errors):
        outcome.add_error(error)
    if apply and outcome.ok:
        _apply(plan, region, file_name)
    return outcome


# --- planning -----------------------------------------------------------------------------------------------
def _entry_identifiers(
    entry: RegistryEntry, warnings: list[str]
) -> tuple[list[tuple[str, str]], list[RowError]]:
    found: list[tuple[str, str]] = []
    errors: list[RowError] = []
    for kind, value in (
        (identity.FISOKO, entry.login),
        (identity.INN, entry.inn),
        (identity.RCOI_OGE, entry.rcoi_oge),
        (identity.RCOI_EGE, entry.rcoi_ege),
    ):
        if not value:
            continue
        if kind == identity.INN and not INN_PATTERN.match(value):
            # Not the row's fault as a whole: the school is still recognised by its other identifiers, and the
            # preview lists the value that was not taken.
            warnings.append(
                f"{entry.where}: ИНН «{value[:20]}» не принят — ИНН организации состоит из 10 цифр."
            )
            continue
        if not CODE_PATTERN.match(value):
            errors.append(
                RowError(
                    entry.lines.get(entry.sheet, entry.line),
                    COLUMN_OF_KIND[kind],
                    f"«{value[:40]}» не похоже на код: допустимы буквы, цифры и знаки _ . - /, до 32 символов.",
                    sheet=entry.sheet,
                )
            )
            continue
        found.append((kind, value))
    return found, errors


def _plan(parsed: RegistryFile, region: Region, user, errors: list[RowError], file_name: str) -> _Plan:
    actor = user  # SYSTEM (the command line) writes every municipality of the region
    may_create_municipality = municipality_policy().can_create_in(actor, region)
    if is_system(actor):
        writable = set(Municipality.objects.filter(region=region).values_list("pk", flat=True))
    else:
        writable = set(
            Municipality.objects.editable_by(actor).filter(region=region).values_list("pk", flat=True)
        )
    directory = SchoolDirectory(region)
    schools = {
        s["pk"]: s
        for s in School.objects.filter(municipality__region=region).values(
            "pk", "code", "name", "short_name", "municipality_id"
        )
    }
    held: dict[tuple[str, str], int] = {
        (kind, key): school_id
        for school_id, kind, key in SchoolIdentifier.objects.filter(region=region).values_list(
            "school_id", "kind", "key"
        )
    }
    held_names: set[tuple[int, str]] = {
        (school_id, key) for (kind, key), school_id in held.items() if kind == identity.NAME
    }
    held_names |= {
        (school_id, key)
        for school_id, key in SchoolIdentifier.objects.filter(region=region, kind=identity.NAME).values_list(
            "school_id", "key"
        )
    }
    codes = {s["code"].lower(): pk for pk, s in schools.items()}
    # Codes are unique across regions: a new school's login held by a school of another region (one query).
    logins = {entry.login.lower() for entry in parsed.entries if entry.login}
    taken_elsewhere = set(
        School.objects.annotate(code_lower=Lower("code"))
        .filter(code_lower__in=logins)
        .exclude(municipality__region=region)
        .values_list("code_lower", flat=True)
    )
    plan = _Plan(file=parsed)
    ambiguous = _ambiguous(parsed, held, directory, plan)
    # Claims of this file: (kind, key) -> (school id or a new school's login, where), to refuse two rows that
    # give one identifier to two schools, and a school met twice.
    claims: dict[tuple[str, str], tuple[object, str]] = {}
    seen_schools: dict[object, str] = {}
    seen_logins: dict[object, str] = {}
    new_codes = {}
    for entry in parsed.entries:
        if entry.errors:
            errors.extend(entry.errors)
            continue
        line = entry.lines.get(entry.sheet, entry.line)
        identifiers, row_errors = _entry_identifiers(entry, plan.warnings)
        if row_errors:
            errors.extend(row_errors)
            continue
        identifiers = [
            (kind, value)
            for kind, value in identifiers
            if (kind, identifier_key(kind, value)) not in ambiguous
        ]
        decision = _resolve(entry, line, identifiers, directory, schools, errors)
        if decision is None:
            continue
        target: object = (
            decision.school_id if decision.school_id is not None else f"new:{entry.login.lower()}"
        )
        if target in seen_schools:
            message = f"Школа {_describe(directory, decision.school_id, entry)} уже встречалась: {seen_schools[target]}."
            if decision.via and seen_logins.get(target, entry.login.lower()) != entry.login.lower():
                # Another school of the file (its own login) found through a code the registry gives to that one.
                message = (
                    f"Строка о школе «{_short(entry)}» (логин «{entry.login}») указывает {decision.via} на школу "
                    f"{directory.describe(decision.school_id)}, которая уже встречалась: {seen_schools[target]}."
                )
            errors.append(RowError(line, "", message, sheet=entry.sheet))
            continue
        if decision.school_id is None:
            if not _place_new(plan, decision, entry, line, region, may_create_municipality, errors):
                continue
            if decision.municipality_id is not None and decision.municipality_id not in writable:
                name = directory.municipalities.get(decision.municipality_id, "")
                message = (
                    f"Нет прав на изменение школ муниципалитета «{name}»: школа «{_short(entry)}» не создана."
                )
                errors.append(RowError(line, "Муниципалитет", message, sheet=entry.sheet))
                continue
            code = entry.login
            if code.lower() in codes or code.lower() in new_codes:
                errors.append(
                    RowError(
                        line, "Логин", f"Код «{code}» уже занят другой школой портала.", sheet=entry.sheet
                    )
                )
                continue
            if code.lower() in taken_elsewhere:
                errors.append(
                    RowError(
                        line, "Логин", f"Школа с кодом «{code}» уже есть в другом регионе.", sheet=entry.sheet
                    )
                )
                continue
            new_codes[code.lower()] = line
        else:
            municipality_id = schools[decision.school_id]["municipality_id"]
            if municipality_id not in writable:
                errors.append(
                    RowError(
                        line,
                        "",
                        f"Школа {_describe(directory, decision.school_id, entry)} относится к муниципалитету "
                        "вне вашего доступа.",
                        sheet=entry.sheet,
                    )
                )
                continue
        conflict = False
        attach: list[tuple[str, str]] = []
        for kind, value in identifiers:
            key = identifier_key(kind, value)
            owner = held.get((kind, key))
            if decision.school_id is None and kind == identity.FISOKO:
                pass  # a new school's login becomes its code: found by the directory as such
            elif owner is None:
                if not (kind == identity.FISOKO and codes.get(key) == decision.school_id):
                    attach.append((kind, value))
            elif owner != decision.school_id:
                errors.append(
                    RowError(
                        line,
                        COLUMN_OF_KIND[kind],
                        f"{KIND_LABELS[kind]} «{value}» уже принадлежит школе {directory.describe(owner)}, "
                        f"а строка относится к школе {_describe(directory, decision.school_id, entry)}.",
                        sheet=entry.sheet,
                    )
                )
                conflict = True
                continue
            claim = claims.get((kind, key))
            if claim is not None and claim[0] != target:
                errors.append(
                    RowError(
                        line,
                        COLUMN_OF_KIND[kind],
                        f"{KIND_LABELS[kind]} «{value}» в файле дан двум школам: "
                        f"{_describe(directory, decision.school_id, entry)} и той, что {claim[1]}.",
                        sheet=entry.sheet,
                    )
                )
                conflict = True
                continue
            claims[(kind, key)] = (target, f"в строке {line} листа «{entry.sheet}» ({_short(entry)})")
        if conflict:
            continue
        if decision.school_id is not None:
            attach.extend(_names_to_attach(entry, schools[decision.school_id], held_names))
        decision.identifiers = attach
        seen_schools[target] = f"{entry.where}"
        seen_logins[target] = entry.login.lower()
        if parsed.year is not None and entry.context:
            decision.context = dict(entry.context)
        plan.decisions.append(decision)
    _plan_contexts(plan)
    return plan


_HOW_MANY = {2: "двух", 3: "трёх", 4: "четырёх"}


def _ambiguous(
    parsed: RegistryFile, held: dict[tuple[str, str], int], directory: SchoolDirectory, plan: _Plan
) -> set[tuple[str, str]]:
    """Identifiers (ИНН, РЦОИ codes) the file gives to two or more of its rows while no school holds them yet.

    ФИС ОКО's export is what it is (the Altai 2022 form gives one ИНН to Кытмановская СОШ №1 and №2): such a
    value cannot tell the schools apart, so it is attached to none of them and said, and the rows load by their
    other identifiers. A value a school already holds is not ambiguous: a row giving it to another school is a row
    error naming both (``_plan``), which a person has to settle."""
    rows: dict[tuple[str, str], list[RegistryEntry]] = {}
    for entry in parsed.entries:
        if entry.errors:
            continue
        for kind, value in (
            (identity.INN, entry.inn),
            (identity.RCOI_OGE, entry.rcoi_oge),
            (identity.RCOI_EGE, entry.rcoi_ege),
        ):
            if value:
                holders = rows.setdefault((kind, identifier_key(kind, value)), [])
                if entry not in holders:
                    holders.append(entry)
    found: set[tuple[str, str]] = set()
    for (kind, key), entries in rows.items():
        if len(entries) < 2 or (kind, key) in held:
            continue
        found.add((kind, key))
        value = {identity.INN: entries[0].inn, identity.RCOI_OGE: entries[0].rcoi_oge}.get(
            kind, entries[0].rcoi_ege
        )
        named = [f"«{_short(e)}» (логин «{e.login}», строка {e.lines.get(e.sheet, e.line)})" for e in entries]
        listed = ", ".join(named[:-1]) + " и " + named[-1]
        count = _HOW_MANY.get(len(entries), str(len(entries)))
        schools = plural(len(entries), "школы", "школ", "школ")  # у 2 школ, у 21 школы
        plan.ambiguous.append(
            f"{KIND_LABELS[kind]} {value} указан у {count} {schools} (лист «{entries[0].sheet}»): {listed}; "
            "не присвоен ни одной."
        )
    return found


def _resolve(
    entry: RegistryEntry,
    line: int,
    identifiers: list[tuple[str, str]],
    directory: SchoolDirectory,
    schools: dict[int, dict],
    errors: list[RowError],
) -> _Decision | None:
    """The school a row describes: by its identifiers, else by name in its municipality; None on an error."""
    found: dict[int, list[str]] = {}
    by_digits = False
    for kind, value in identifiers:
        # A login is also looked for among the portal's own codes (a school registered by its login).
        match = directory.match(value, kinds=[kind, identity.CODE] if kind == identity.FISOKO else [kind])
        if len(match.ids) > 1:
            names = directory.describe_many(match.ids)
            message = f"{KIND_LABELS[kind]} «{value}» указывает на несколько школ: {names}."
            errors.append(RowError(line, COLUMN_OF_KIND[kind], message, sheet=entry.sheet))
            return None
        for pk in match.ids:
            found.setdefault(pk, []).append(f"{KIND_LABELS[kind]} «{value}»")
            by_digits = by_digits or match.by_digits
    if len(found) > 1:
        described = "; ".join(
            f"{', '.join(via)} — школа {directory.describe(pk)}" for pk, via in found.items()
        )
        errors.append(
            RowError(
                line, "", f"Идентификаторы строки указывают на разные школы: {described}.", sheet=entry.sheet
            )
        )
        return None
    if found:
        (school_id,) = found
        return _Decision(
            entry=entry,
            school_id=school_id,
            matched_by=BY_DIGITS if by_digits else BY_IDENTIFIER,
            via=", ".join(found[school_id]),
        )
    municipality_id = directory.municipality(entry.municipality) if entry.municipality else None
    if municipality_id is None and entry.address:
        municipality_id = _municipality_from_address(entry.address, directory)
    candidates: list[int] = []
    for name in (entry.full_name, entry.short_name, entry.name):
        if name:
            for pk in directory.find_by_name(name, municipality_id):
                if pk not in candidates:
                    candidates.append(pk)
    if len(candidates) > 1:
        names = directory.describe_many(candidates)
        errors.append(
            RowError(
                line,
                "Наименование",
                f"Школа «{_short(entry)}» совпадает по наименованию с несколькими школами: {names}. "
                "Дополните строку логином или ИНН, либо выберите школу в предпросмотре.",
                sheet=entry.sheet,
            )
        )
        return None
    if candidates:
        return _Decision(entry=entry, school_id=candidates[0], matched_by=BY_NAME)
    return _Decision(entry=entry, municipality_id=municipality_id)


def _municipality_from_address(address: str, directory: SchoolDirectory) -> int | None:
    """The 2021 form has no municipality column: «…, Алтайский край, Тальменский район, село …» or «… г. Бийск,
    ул. …» names it. The first phrase naming a municipality the region has wins; else the rules of
    ``layouts.address_municipality`` (a name without «г.», initials, a typo, a district's centre), each only when
    it points to one municipality."""
    for phrase in address_municipalities(address):
        found = directory.municipality(phrase)
        if found is not None:
            return found
    return address_municipality(address, directory.municipalities)[0]


def _place_new(
    plan: _Plan,
    decision: _Decision,
    entry: RegistryEntry,
    line: int,
    region: Region,
    may_create_municipality: bool,
    errors: list[RowError],
) -> bool:
    """Where a school to create goes: an existing municipality, or a new one when the user may create it."""
    if not entry.login:
        errors.append(RowError(line, "Логин", "Обязательное поле не заполнено.", sheet=entry.sheet))
        return False
    if not (entry.full_name or entry.name).strip():
        errors.append(
            RowError(
                line,
                "Наименование",
                f"Школа с логином «{entry.login}» не найдена в реестре, а создать её нельзя: не указано наименование.",
                sheet=entry.sheet,
            )
        )
        return False
    if decision.municipality_id is not None:
        return True
    if not split_labelled(entry.municipality)[1].strip():
        school = f"«{_short(entry)}» (логин «{entry.login}»)"
        if plan.file.layout != CONTEXT_2021:
            errors.append(
                RowError(
                    line,
                    "Муниципалитет",
                    f"Школа {school} не найдена в реестре, а создать её нельзя: не указан муниципалитет.",
                    sheet=entry.sheet,
                )
            )
            return False
        # A context form is about the context of schools the registry has: a school it lacks, whose address names
        # no municipality, cannot be created — its row is listed as not loaded (with a count on the preview and in
        # the command's output), and the rest of the form loads. Loading the login list or the registry first and
        # the form again adds that school's context (the rest is unchanged).
        plan.skipped.append(
            f"{entry.where}: школа {school} не найдена в реестре, и по адресу «{entry.address[:120]}» "
            "муниципалитет не определён — строка не загружена."
        )
        return False
    if not may_create_municipality:
        errors.append(
            RowError(
                line,
                "Муниципалитет",
                f"Муниципалитет «{entry.municipality}» не найден в регионе «{region}», а создавать "
                "муниципалитеты может только региональный методист.",
                sheet=entry.sheet,
            )
        )
        return False
    decision.new_municipality = split_labelled(entry.municipality)[1][:255]
    return True


def _names_to_attach(
    entry: RegistryEntry, school: dict, held_names: set[tuple[int, str]]
) -> list[tuple[str, str]]:
    """Names of the file that the school is not yet known by: kept so a file naming schools only by name finds it."""
    known = {normalise_school_name(school["name"]), normalise_school_name(school["short_name"] or "")}
    names: list[tuple[str, str]] = []
    for name in (entry.full_name, entry.short_name, entry.name):
        key = identifier_key(identity.NAME, name) if name else ""
        if key and key not in known and (school["pk"], key) not in held_names:
            known.add(key)
            names.append((identity.NAME, name[:500]))
    return names


def _plan_contexts(plan: _Plan) -> None:
    year = plan.file.year
    if year is None:
        return
    ids = [d.school_id for d in plan.decisions if d.school_id is not None and d.context]
    plan.existing_contexts = {
        c.school_id: c for c in SchoolContext.objects.filter(school_id__in=ids, year=year)
    }
    for decision in plan.decisions:
        if not decision.context:
            continue
        existing = plan.existing_contexts.get(decision.school_id) if decision.school_id else None
        if existing is None:
            decision.context_change = "created"
        elif any(
            getattr(existing, key) != _field_value(key, decision.context) for key in plan.file.context_keys
        ):
            decision.context_change = "updated"
        else:
            decision.context_change = "unchanged"


def _field_value(key: str, context: dict[str, object]) -> object:
    value = context.get(key)
    if value is None and key in _TEXT_FIELDS:
        return ""
    return value


_TEXT_FIELDS = {"settlement_type", "settlement_name", "cohort", "language", "internet_speed"}


def _short(entry: RegistryEntry) -> str:
    return (entry.short_name or entry.name or entry.full_name or entry.login)[:120]


def _describe(directory: SchoolDirectory, school_id: int | None, entry: RegistryEntry) -> str:
    return (
        directory.describe(school_id) if school_id is not None else f"{entry.login} «{_short(entry)}» (новая)"
    )


def _preview(plan: _Plan, region: Region) -> dict:
    """What the batch page shows per school: what is attached or created (the sheets go in ImportOutcome.sheets)."""
    directory_names = dict(
        School.objects.filter(
            pk__in=[d.school_id for d in plan.decisions if d.school_id][:PREVIEW_ROWS]
        ).values_list("pk", "name")
    )
    rows = []
    for decision in plan.decisions:
        if (
            decision.school_id is not None
            and not decision.identifiers
            and decision.context_change != "created"
        ):
            if decision.context_change != "updated":
                continue
        entry = decision.entry
        rows.append(
            {
                "where": entry.where,
                "school": directory_names.get(decision.school_id, "")
                if decision.school_id
                else _short(entry),
                "action": "создать школу" if decision.school_id is None else "дополнить",
                "matched_by": decision.matched_by,
                "municipality": decision.new_municipality,
                "identifiers": [f"{KIND_LABELS[kind]}: {value}" for kind, value in decision.identifiers],
                "context": {"created": "добавить", "updated": "обновить", "unchanged": ""}.get(
                    decision.context_change, ""
                ),
            }
        )
        if len(rows) >= PREVIEW_ROWS:
            break
    return {
        "layout": plan.file.layout,
        "year": plan.file.year,
        "year_origin": plan.file.year_origin,
        "changes": rows,
        "warnings": plan.warnings[:PREVIEW_ROWS],
        "skipped": plan.skipped[:PREVIEW_ROWS],
        "ambiguous": plan.ambiguous[:PREVIEW_ROWS],
    }


# --- writing ------------------------------------------------------------------------------------------------
@transaction.atomic
def _apply(plan: _Plan, region: Region, file_name: str) -> None:
    source = f"{plan.file.layout}, файл «{file_name[:200]}»"
    new_municipalities: dict[str, Municipality] = {}
    for decision in plan.decisions:
        name = decision.new_municipality
        if decision.school_id is None and name and name.lower() not in new_municipalities:
            municipality = Municipality(region=region, name=name)
            _clean(municipality)
            municipality.save()
            new_municipalities[name.lower()] = municipality
    created: list[tuple[_Decision, School]] = []
    for decision in plan.decisions:
        if decision.school_id is not None:
            continue
        entry = decision.entry
        municipality_id = (
            decision.municipality_id
            if decision.municipality_id is not None
            else new_municipalities[decision.new_municipality.lower()].pk
        )
        full = entry.full_name or entry.name
        short = entry.short_name or (entry.name if entry.name != full else "")
        school = School(
            municipality_id=municipality_id, code=entry.login, name=full[:500], short_name=short[:255]
        )
        _clean(school, exclude=["municipality"])
        created.append((decision, school))
    School.objects.bulk_create([school for _d, school in created], batch_size=1000)
    for decision, school in created:
        decision.school_id = school.pk
    identifiers = [
        SchoolIdentifier(
            school_id=decision.school_id,
            region=region,
            kind=kind,
            value=value,
            key=identifier_key(kind, value),
            source=source[:500],
        )
        for decision in plan.decisions
        for kind, value in decision.identifiers
    ]
    SchoolIdentifier.objects.bulk_create(identifiers, batch_size=1000)
    year = plan.file.year
    if year is None:
        return
    now = timezone.now()
    new_contexts: list[SchoolContext] = []
    changed: list[SchoolContext] = []
    for decision in plan.decisions:
        if decision.context_change not in ("created", "updated") or decision.context is None:
            continue
        context = (
            plan.existing_contexts.get(decision.school_id) if decision.context_change == "updated" else None
        )
        if context is None:
            context = SchoolContext(school_id=decision.school_id, year=year)
            new_contexts.append(context)
        else:
            changed.append(context)
        for key in CONTEXT_KEYS if decision.context_change == "created" else plan.file.context_keys:
            setattr(context, key, _field_value(key, decision.context))
        context.source = source[:500]
        context.updated_at = now
        _clean(context, exclude=["school"])
    SchoolContext.objects.bulk_create(new_contexts, batch_size=1000)
    if changed:
        SchoolContext.objects.bulk_update(changed, [*CONTEXT_KEYS, "source", "updated_at"], batch_size=1000)


def _clean(instance, exclude: list[str] | None = None) -> None:
    try:
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:  # the rows were checked; a value that still fails stops the whole import
        raise ValueError(f"{instance}: {error.messages}") from error


__all__ = ["CONTEXT_2021", "LOGINS", "IdentifierKind", "run_registry"]
