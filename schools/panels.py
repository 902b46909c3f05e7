"""Parts of the school's and the teacher's cards that areas above schools fill in (mentoring: its panel, the
log, the tutors). Schools knows none of them: an app registers a panel in its AppConfig.ready()."""

from collections.abc import Callable
from datetime import date
from typing import Literal

Card = Literal["school", "teacher"]
# panel(user, obj, today) -> context for the card's template
Panel = Callable[[object, object, date], dict]

_PANELS: dict[Card, dict[str, Panel]] = {"school": {}, "teacher": {}}


def register_panel(card: Card, name: str, panel: Panel) -> None:
    """Add (or replace, by ``name``) a part of the ``card``."""
    _PANELS[card][name] = panel


def school_panels(card: Card, user, obj, today: date) -> dict:
    """The template context every registered panel of ``card`` adds for ``obj`` (a school or a teacher)."""
    context: dict = {}
    for panel in _PANELS[card].values():
        context.update(panel(user, obj, today))
    return context
