"""The territory a report covers, as the gate sees it.

A report is built in a Celery worker, without a request. It reads data through the same gate as the pages,
with a principal whose grants are exactly the report's territory (a municipality, a region or one school):
what the справка shows is what that territory's department head sees, no wider.
"""

import datetime
from dataclasses import dataclass, field

from core.principals import GrantsPrincipal
from core.roles import Grant, Role


class TerritoryPrincipal(GrantsPrincipal):
    """What the gate needs of a user: a head's and a methodologist's read grants over one territory."""

    def __init__(self, *, region_id: int, municipality_id: int | None = None, school_id: int | None = None):
        if school_id is not None:
            target = {"school_id": school_id}
        elif municipality_id is not None:
            target = {"municipality_id": municipality_id}
        else:
            target = {"region_id": region_id}
        self.grants = [Grant(role=role, **target) for role in (Role.HEAD, Role.METHODIST)]
        self.username = f"report:{target}"

    def __str__(self) -> str:
        return self.username


@dataclass(frozen=True)
class SchoolRow:
    pk: int
    code: str
    name: str  # the full name (the workbook's raw data)
    municipality: str
    short: str = ""  # the short name where the registry has one: tables print it

    @property
    def label(self) -> str:
        return self.short or self.name


@dataclass
class BuildScope:
    """Everything a section needs to know about what it covers."""

    principal: TerritoryPrincipal
    year: int  # the list year
    today: datetime.date
    schools: dict[int, SchoolRow]  # every school of the territory
    shnor_ids: list[int]  # the year's ШНОР (approved where approved, else computed), by municipality and name
    list_source: str  # "approved" | "computed" | "mixed"
    regional: bool  # a region's справка: municipalities are named in the tables
    single_school: bool  # a school's profile
    dynamics_years: tuple[int, ...] = field(default_factory=tuple)
    rule: dict = field(
        default_factory=dict
    )  # the ШНОР rule's parameters behind the year's list (builders.rule_params)

    @property
    def focus_ids(self) -> list[int]:
        """The schools a section describes one by one: the ШНОР, or the school of a profile."""
        return list(self.schools) if self.single_school else self.shnor_ids

    def name(self, school_id: int) -> str:
        return self.schools[school_id].label

    def school_cells(self, school_id: int) -> tuple[str, ...]:
        """The leading cells naming a school: with its municipality in a region's справка."""
        row = self.schools[school_id]
        return (row.label, row.municipality) if self.regional else (row.label,)
