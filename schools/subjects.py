"""Subject names: one key for "Математика", " математика " and "МАТЕМАТИКА". Pure."""

import re

_SPACES = re.compile(r"\s+")


def normalise_subject(name: str) -> str:
    return _SPACES.sub(" ", name.replace("ё", "е").replace("Ё", "Е")).strip().lower()


def display_subject(name: str) -> str:
    """The first spelling seen is kept, tidied: single spaces, capital first letter."""
    tidy = _SPACES.sub(" ", name).strip()
    return tidy[:1].upper() + tidy[1:]
