"""The schools app's models, a module per area; every name is re-exported here, so ``from schools.models import
School`` and the migrations keep working.

- ``registry`` — regions, municipalities, schools;
- ``context`` — a school's context per year (ФИС ОКО's context forms);
- ``results`` — procedure kinds, subjects, procedures, results;
- ``flags`` — the ШНОР rule, computed statuses, approved lists;
- ``teachers`` — teachers and their professional courses;
- ``vpr`` — ВПР conversion scales and the aggregates of ВПР participant protocols.
"""

from .context import InstructionLanguage, SchoolContext, SettlementSize, SettlementType
from .flags import (
    ApprovedList,
    ApprovedListEntry,
    ApprovedListEvent,
    FlagComputation,
    FlagDecision,
    FlagRule,
    FlagStatus,
)
from .registry import (
    PERCENT_VALIDATORS,
    IdentifierKind,
    Municipality,
    Region,
    School,
    SchoolIdentifier,
    SchoolType,
)
from .results import (
    DEFAULT_THRESHOLD,
    SMALL_SAMPLE,
    Procedure,
    ProcedureKind,
    Result,
    Subject,
    failed_share,
    is_small_sample,
)
from .teachers import ProfessionalCourse, QualificationCategory, Teacher
from .vpr import VprResultDetail, VprScale

__all__ = [
    "DEFAULT_THRESHOLD",
    "PERCENT_VALIDATORS",
    "SMALL_SAMPLE",
    "ApprovedList",
    "ApprovedListEntry",
    "ApprovedListEvent",
    "FlagComputation",
    "FlagDecision",
    "FlagRule",
    "FlagStatus",
    "IdentifierKind",
    "InstructionLanguage",
    "Municipality",
    "Procedure",
    "ProcedureKind",
    "ProfessionalCourse",
    "QualificationCategory",
    "Region",
    "Result",
    "School",
    "SchoolContext",
    "SchoolIdentifier",
    "SchoolType",
    "SettlementSize",
    "SettlementType",
    "Subject",
    "Teacher",
    "VprResultDetail",
    "VprScale",
    "failed_share",
    "is_small_sample",
]
