"""The embedded database (the demo's SQLite) finds Russian text whatever its case, as PostgreSQL does.

Django's SQLite backend runs ``contains``, ``icontains``, ``iexact``, ``startswith``… as ``LIKE … ESCAPE '\\'``,
and SQLite's own LIKE folds the case of ASCII letters only (https://www.sqlite.org/lang_expr.html#like): a search
for «солонецкая» did not find «МБОУ «Солонецкая СОШ»» in the demo. SQLite lets an application replace like()
(same page: "the like() function … can be overridden"), so every new SQLite connection gets one that folds the
case of every letter. Django's SQLite lookups are documented as case-insensitive for ASCII already
(https://docs.djangoproject.com/en/5.2/ref/databases/#sqlite-string-matching); this extends it to Cyrillic.
"""

import re
from functools import lru_cache

from django.db.backends.signals import connection_created


@lru_cache(maxsize=512)
def _pattern(pattern: str, escape: str | None) -> re.Pattern:
    parts = []
    chars = iter(pattern)
    for char in chars:
        if escape is not None and char == escape:
            parts.append(re.escape(next(chars, "")))
        elif char == "%":
            parts.append(".*")
        elif char == "_":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


def like(pattern: str | None, value, escape: str | None = None) -> bool | None:
    """SQL ``value LIKE pattern [ESCAPE escape]``: % any run, _ one character, case folded; NULL stays NULL."""
    if pattern is None or value is None:
        return None
    return _pattern(str(pattern), escape).fullmatch(str(value)) is not None


def register(dbapi_connection) -> None:
    """Replace like() (both the two- and the three-argument form) on one sqlite3 connection."""
    dbapi_connection.create_function("like", 2, like, deterministic=True)
    dbapi_connection.create_function("like", 3, like, deterministic=True)


def _on_connection(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        register(connection.connection)


def connect() -> None:
    connection_created.connect(_on_connection, dispatch_uid="core.sqlite.like")
