"""Finding a region's school by any name it is known by (#19 §1): ``SchoolDirectory``, loaded once per import.

Three queries load the region's schools, their identifiers and its municipalities into dicts; every look-up after
that is a dict access (no query per row). The keys are made by the pure ``schools.identity``.
"""

from collections import defaultdict
from dataclasses import dataclass
from difflib import SequenceMatcher

from . import identity
from .models import Municipality, Region, School, SchoolIdentifier

# Kinds a code in a file may be: the portal's own code and every identifier but a name.
CODE_KINDS = (
    identity.CODE,
    identity.FISOKO,
    identity.INN,
    identity.OGRN,
    identity.RCOI_OGE,
    identity.RCOI_EGE,
)
# The source of a name a user picked for a school in an import's preview: it outranks names the school merely
# shares with another (a namesake in the region), so the pick settles the match for good.
PICKED_SOURCE = "выбрано при загрузке"  # who picked is SchoolIdentifier.created_by, never in this text
MAX_CANDIDATES = 5  # schools a row error or the preview names for a name that matches none or several


@dataclass(frozen=True)
class Match:
    ids: tuple[int, ...]
    by_digits: bool = False  # found through the same digits of the other login prefix (sch… ↔ edu…)


class SchoolDirectory:
    """The region's schools by code, identifier, login digits and name; its municipalities by name."""

    def __init__(self, region: Region | int):
        self.region_id = region if isinstance(region, int) else region.pk
        # kind -> key -> school ids
        self._by_kind: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
        # login digits -> {(prefix, school id)} of every sch…/edu… login held (as a code or a ФИС ОКО identifier)
        self._logins: dict[str, set[tuple[str, int]]] = defaultdict(set)
        self._prefixes: dict[int, set[str]] = defaultdict(set)  # school id -> login prefixes it holds
        self._names: dict[str, set[int]] = defaultdict(set)  # normalised name -> ids
        self._picked: dict[str, set[int]] = defaultdict(set)  # names users picked a school for -> ids
        self._bare_names: dict[str, set[int]] = defaultdict(set)  # the same without the legal form
        self._core_names: dict[str, set[int]] = defaultdict(
            set
        )  # … and without «им. …», the town, the district
        self.school_municipality: dict[int, int] = {}
        self.codes: dict[int, str] = {}
        self.titles: dict[int, str] = {}
        self._name_keys: dict[int, set[str]] = defaultdict(set)
        # (name, school id, picked by a user) not yet in the name indexes: they are built on the first look-up by
        # name (_load_names), which an import whose rows all carry known codes never makes.
        self._unloaded_names: list[tuple[str, int, bool]] = []
        schools = School.objects.filter(municipality__region_id=self.region_id).values_list(
            "pk", "code", "name", "short_name", "municipality_id"
        )
        for pk, code, name, short_name, municipality_id in schools:
            self.school_municipality[pk] = municipality_id
            self.codes[pk] = code
            self.titles[pk] = short_name or name
            self._add(identity.CODE, code, pk)
            for text in (name, short_name):
                if text:
                    self._unloaded_names.append((text, pk, False))
        identifiers = SchoolIdentifier.objects.filter(region_id=self.region_id).values_list(
            "school_id", "kind", "value", "key", "source"
        )
        for school_id, kind, value, key, source in identifiers:
            if school_id not in self.school_municipality:  # moved to another region since: not this one's
                continue
            if kind == identity.NAME:
                self._unloaded_names.append((value, school_id, source.startswith(PICKED_SOURCE)))
            else:
                self._add(kind, value, school_id, key)
        self.municipalities: dict[int, str] = {}
        self._municipality_keys: dict[tuple[str, str | None], set[int]] = defaultdict(set)
        self._municipality_bases: dict[str, set[int]] = defaultdict(set)
        for pk, name, department in Municipality.objects.filter(region_id=self.region_id).values_list(
            "pk", "name", "department_name"
        ):
            self.municipalities[pk] = name
            for text in (name, department):
                if text:
                    key = identity.municipality_key(text)
                    if key.base:
                        self._municipality_keys[(key.base, key.kind)].add(pk)
                        self._municipality_bases[key.base].add(pk)

    # --- loading ---------------------------------------------------------------------------------------
    def _add(self, kind: str, value: str, pk: int, key: str | None = None) -> None:
        key = key if key is not None else identity.identifier_key(kind, value)
        if not key:
            return
        self._by_kind[kind][key].add(pk)
        if kind in (identity.CODE, identity.FISOKO):
            digits = identity.login_digits(value)
            if digits:
                prefix = identity.login_prefix(value)
                self._logins[digits].add((prefix, pk))
                self._prefixes[pk].add(prefix)

    def _add_name(self, text: str, pk: int) -> None:
        key = identity.normalise_school_name(text)
        if key:
            self._names[key].add(pk)
            self._name_keys[pk].add(key)
            bare = identity.without_legal_form(key)
            if bare:
                self._bare_names[bare].add(pk)
            core = identity.core_school_name(key)
            if core:
                self._core_names[core].add(pk)

    def _load_names(self) -> None:
        """Build the name indexes from the names loaded (normalising every name costs ~0.1 s for 4,000 schools)."""
        unloaded, self._unloaded_names = self._unloaded_names, []
        for text, pk, picked in unloaded:
            self._add_name(text, pk)
            if picked:
                self._picked[identity.normalise_school_name(text)].add(pk)

    def remember(self, kind: str, value: str, pk: int) -> None:
        """Learn an identifier while the directory is in use (a pick in the preview, a digits match)."""
        if kind == identity.NAME:
            self._load_names()
            self._add_name(value, pk)
        else:
            self._add(kind, value, pk)

    # --- look-ups ---------------------------------------------------------------------------------------
    def keys(self) -> dict[str, int]:
        """Every code and non-name identifier key held by exactly one school -> its id (the import's fast path)."""
        found: dict[str, set[int]] = defaultdict(set)
        for kind in CODE_KINDS:
            for key, ids in self._by_kind.get(kind, {}).items():
                found[key] |= ids
        return {key: next(iter(ids)) for key, ids in found.items() if len(ids) == 1}

    def match(self, value: str, kinds=None) -> Match:
        """The schools known by ``value`` as any of ``kinds`` (all but names by default).

        A ФИС ОКО login nobody holds (``edu223017``) finds the one school holding a login of the same digits
        with the other prefix (``sch223017``), when exactly one does and that school holds no other login of the
        asked prefix: ФИС ОКО kept the digits for nearly every school in 2022, not for all (the 2022 context
        form, /work/shared/realdata/README.md)."""
        value = str(value or "").strip()
        # «rcoi_oge:220001»: a layout that knows its code column's kind says so (identity.split_kind; the РЦОИ
        # export, #19 §3.5): the bare code is looked up among that kind only.
        prefixed, bare = identity.split_kind(value)
        if prefixed is not None:
            value, kinds = bare, (prefixed,)
        if not value:
            return Match(())
        found: set[int] = set()
        for kind in kinds or CODE_KINDS:
            key = identity.identifier_key(kind, value)
            found |= self._by_kind.get(kind, {}).get(key, set())
        if found:
            return Match(tuple(sorted(found)))
        digits = identity.login_digits(value)
        if not digits or (kinds and not {identity.CODE, identity.FISOKO} & set(kinds)):
            return Match(())
        prefix = identity.login_prefix(value)
        holders = {pk for held_prefix, pk in self._logins.get(digits, ()) if held_prefix != prefix}
        if len(holders) != 1:
            return Match(())
        (pk,) = holders
        if prefix in self._prefixes[pk]:  # it has a login of that prefix already, with other digits
            return Match(())
        return Match((pk,), by_digits=True)

    def find(self, value: str, kinds=None) -> list[int]:
        return list(self.match(value, kinds).ids)

    def find_by_name(self, name: str, municipality_id: int | None, *, picked_only: bool = False) -> list[int]:
        """Schools whose name (any name: full, short, seen in files) normalises as ``name`` does, within the
        municipality when given — a name a user picked a school for first; failing that, the same without the
        legal form (МКОУ became МБОУ, or a file omits it); failing that, without whom it is named after and the
        town or district it adds (identity.core_school_name) — the first tier that finds any school decides, so a
        lax tier never adds a namesake to a strict match. Region-wide (``municipality_id`` None) only the picked
        and the exact names; ``picked_only`` (a municipality the region does not have) only the picked."""
        self._load_names()
        key = identity.normalise_school_name(name)
        if not key:
            return []
        tiers = (
            (self._picked, key),
            (self._names, key),
            (self._bare_names, identity.without_legal_form(key)),
            (self._core_names, identity.core_school_name(key)),
        )
        for index, lookup in tiers:
            if picked_only and index is not self._picked:
                break
            if municipality_id is None and index in (self._bare_names, self._core_names):
                # The lax tiers only within a municipality: region-wide, «МАОУ СОШ №1» of a town the region
                # does not know would be taken for another town's «МБОУ СОШ №1».
                break
            ids = index.get(lookup, set())
            if municipality_id is not None:
                ids = {pk for pk in ids if self.school_municipality[pk] == municipality_id}
            if ids:
                return sorted(ids)
        return []

    def municipality(self, text: str) -> int | None:
        """The region's municipality ``text`` names however it is written, or None (none or several)."""
        key = identity.municipality_key(text)
        if not key.base:
            return None
        ids = self._municipality_keys.get((key.base, key.kind), set())
        if not ids:
            same_base = self._municipality_bases.get(key.base, set())
            if key.kind is None:
                ids = same_base  # «Целинный»: the district or the town of that name, if only one exists
            else:  # a municipality registered without its kind («Целинный») is that one
                ids = self._municipality_keys.get((key.base, None), set())
        return next(iter(ids)) if len(ids) == 1 else None

    def candidates(self, name: str, municipality_id: int | None, limit: int = MAX_CANDIDATES) -> list[int]:
        """The schools most like ``name`` (of the municipality when given, else of the region), best first."""
        self._load_names()
        key = identity.normalise_school_name(name)
        bare = identity.without_legal_form(key)
        scored = []
        for pk, keys in self._name_keys.items():
            if municipality_id is not None and self.school_municipality[pk] != municipality_id:
                continue
            score = max(
                max(
                    SequenceMatcher(None, key, other, autojunk=False).ratio(),
                    SequenceMatcher(None, bare, identity.without_legal_form(other), autojunk=False).ratio(),
                )
                for other in keys
            )
            scored.append((-score, self.codes[pk], pk))
        scored.sort()
        return [pk for _score, _code, pk in scored[:limit]]

    def describe(self, school_id: int) -> str:
        """«sch223017 «МБОУ СОШ №5» (Алейский район)» — for candidate lists."""
        municipality = self.municipalities.get(self.school_municipality.get(school_id, 0), "")
        text = f"{self.codes.get(school_id, school_id)} «{self.titles.get(school_id, '')}»"
        return f"{text} ({municipality})" if municipality else text

    def describe_many(self, ids) -> str:
        ids = list(ids)
        shown = "; ".join(self.describe(pk) for pk in ids[:MAX_CANDIDATES])
        return shown + (f" и ещё {len(ids) - MAX_CANDIDATES}" if len(ids) > MAX_CANDIDATES else "")


def school_identifiers(user, school: School) -> list[SchoolIdentifier]:
    """The names ``school`` is known by (logins, ИНН, РЦОИ codes, names seen in files) that ``user`` may see."""
    return list(SchoolIdentifier.objects.visible_to(user).filter(school=school).order_by("kind", "value"))
