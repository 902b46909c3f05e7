"""The school card's «Идентификаторы» panel: the names the school is known by in ФИС ОКО, РЦОИ and files (#19 §1),
edited through the admin (registered in SchoolsConfig.ready())."""

from .panels import register_panel
from .selectors_identity import school_identifiers


def school_card(user, school, today) -> dict:
    return {
        "school_identifiers": school_identifiers(user, school),
        "may_edit_identifiers": bool(getattr(user, "is_staff", False))
        and user.has_perm("schools.change_schoolidentifier"),
    }


def register() -> None:
    register_panel("school", "identifiers", school_card)
