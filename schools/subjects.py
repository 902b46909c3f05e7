"""Subject names: one key for every way real files write one subject (#19). Pure.

``normalise_subject`` folds case, «ё», spaces and brackets ("Математика", " математика " and "МАТЕМАТИКА" are
one key), then maps the known variants to one canonical key:

* maths by level — «Математика профильная», «Математика (профиль)», «Математика профильного уровня»,
  «Математика (П)» -> «математика (профильный уровень)»; the same for base maths («базовая», «(база)», «Б»).
  Plain «Математика» (ВПР, ОГЭ) stays itself: it is neither level;
* foreign languages — «Иностранный язык (английский)», «Английский язык», «Английский» -> «английский язык»;
  the oral part of ЕГЭ is its own exam (its own day and scale; РЦОИ codes 29–34 beside 9–14, see
  results_import/layouts/rcoi.py), so «Английский язык (устный)», «(устная часть)», «(у)» ->
  «английский язык (устная часть)», never the written one. «Иностранный язык» alone (a workbook's sum of all
  languages) stays itself;
* informatics — «Информатика и ИКТ», «Информатика и ИКТ (КЕГЭ)», «ИКТ» -> «информатика» (the exam's name
  changed in 2021 when it moved to computers; one subject for the portal, as the РЦОИ layout sums codes 5 and 25);
* a few fixed synonyms (``SYNONYMS``).

A qualifier the rules do not know (a bracket or a tail) leaves the name as folded: an unknown variant makes a
new subject rather than merging two that differ. ``display_subject`` gives a known key its canonical name and
any other name its first spelling, tidied.
"""

import re

_SPACES = re.compile(r"\s+")
_OPEN = re.compile(r"\s*\(\s*")
_CLOSE = re.compile(r"\s*\)")
_BRACKETS = re.compile(r"\(([^()]*)\)")
# A qualifier after the name: «Математика - профиль», «Английский язык, устная часть», «…: английский».
_TAIL = re.compile(r"\s*[,:;]\s*|\s+[-–—]\s+")

MATHS = "математика"
PROFILE_MATHS = "математика (профильный уровень)"
BASE_MATHS = "математика (базовый уровень)"
_PROFILE = {"профиль", "профильная", "профильный", "профильный уровень", "профильного уровня", "проф", "п"}
_BASE = {"база", "базовая", "базовый", "базовый уровень", "базового уровня", "баз", "б"}
_EXAM_NOTES = {"егэ", "кегэ", "огэ", "гвэ", "впр"}  # say which exam, not which subject

INFORMATICS = "информатика"
_INFORMATICS = {
    "информатика",
    "информатика и икт",
    "икт",
    "информатика и информационно-коммуникационные технологии",
}
_INFORMATICS_NOTES = {"икт", "кегэ", "егэ", "компьютерная форма", "кегэ, компьютерная форма"}

FOREIGN = "иностранный язык"
ORAL = " (устная часть)"
_LANGUAGES = ("английский", "немецкий", "французский", "испанский", "китайский", "итальянский")
_ORAL = {"устный", "устная", "устная часть", "устно", "устная форма", "у"}
_WRITTEN = {"письменный", "письменная", "письменная часть", "письменно", "письменная форма", "п"}

SYNONYMS = {
    "иностранные языки": FOREIGN,
    "русский": "русский язык",
    "история россии. всеобщая история": "история",
    "история россии и всеобщая история": "история",
    "обществознание (включая экономику и право)": "обществознание",
    "физкультура": "физическая культура",
}

# Canonical display names of the known subjects, by key.
_NAMES = [
    "Русский язык",
    "Математика",
    "Математика (профильный уровень)",
    "Математика (базовый уровень)",
    "Окружающий мир",
    "История",
    "Обществознание",
    "География",
    "Биология",
    "Физика",
    "Химия",
    "Литература",
    "Информатика",
    "Иностранный язык",
    "Физическая культура",
    *(f"{language.capitalize()} язык" for language in _LANGUAGES),
    *(f"{language.capitalize()} язык (устная часть)" for language in _LANGUAGES),
]
DISPLAY = {name.lower(): name for name in _NAMES}


def fold_subject(name: str) -> str:
    """Lower case, «ё» as «е», single spaces, «( x )» as « (x)», no trailing dot or comma."""
    text = _SPACES.sub(" ", name.replace("ё", "е").replace("Ё", "Е")).strip().lower()
    text = _CLOSE.sub(")", _OPEN.sub(" (", text)).strip()
    return text.rstrip(".,;: ")


def _maths(base: str, notes: list[str]) -> str | None:
    tail = base.removeprefix(MATHS).strip()
    if tail:
        notes = [tail, *notes]
    notes = [note.rstrip(".") for note in notes if note not in _EXAM_NOTES]
    if not notes:
        return MATHS
    levels = {PROFILE_MATHS if note in _PROFILE else BASE_MATHS if note in _BASE else None for note in notes}
    if len(levels) == 1 and None not in levels:
        return levels.pop()
    return None  # an unknown note, or both levels: not guessed


def _language(base: str, notes: list[str]) -> str | None:
    words = base.split(" ")
    if base in (FOREIGN, "иностранный"):
        # «Иностранный язык (английский)»: exactly one note names the language, as «английский [язык]».
        named = [
            note
            for note in notes
            if note.split(" ")[0] in _LANGUAGES and note.split(" ")[1:] in ([], ["язык"])
        ]
        if len(named) != 1:
            return None
        language = named[0].split(" ")[0]
        notes = [note for note in notes if note != named[0]]
    elif words[0] in _LANGUAGES and words[1:] in ([], ["язык"]):
        language = words[0]
    elif words[0] in _LANGUAGES and words[1:2] == ["язык"] and " ".join(words[2:]) in _ORAL | _WRITTEN:
        language, notes = words[0], [" ".join(words[2:]), *notes]  # «Английский язык устная часть»
    else:
        return None
    notes = [note for note in notes if note not in _EXAM_NOTES]
    if any(note not in _ORAL | _WRITTEN for note in notes):
        return None
    parts = {note in _ORAL for note in notes}
    if len(parts) > 1:
        return None  # «(устная) (письменная)»: not guessed
    return f"{language} язык" + (ORAL if parts == {True} else "")


def normalise_subject(name: str) -> str:
    """The subject's key: the canonical key of a known variant, else the name folded."""
    text = fold_subject(name)
    if text in SYNONYMS:
        return SYNONYMS[text]
    notes = [note.strip() for note in _BRACKETS.findall(text)]
    parts = [part.strip() for part in _TAIL.split(_SPACES.sub(" ", _BRACKETS.sub(" ", text)).strip())]
    base, notes = parts[0], [*parts[1:], *notes]
    notes = [note for note in notes if note]
    if base == MATHS or base.startswith(MATHS + " "):
        return _maths(base, notes) or text
    if base in _INFORMATICS and all(note in _INFORMATICS_NOTES for note in notes):
        return INFORMATICS
    if base in SYNONYMS and not notes:
        return SYNONYMS[base]
    return _language(base, notes) or text


def display_subject(name: str) -> str:
    """A known subject's canonical name; any other, its first spelling tidied: single spaces, capital first."""
    known = DISPLAY.get(normalise_subject(name))
    if known:
        return known
    tidy = _SPACES.sub(" ", name).strip()
    return tidy[:1].upper() + tidy[1:]
