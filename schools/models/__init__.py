"""The schools app's models, a module per area; every name is re-exported here, so ``from schools.models import
School`` and the migrations keep working.

- ``registry`` — regions, municipalities, schools;
- ``results`` — procedure kinds, subjects, procedures, results;
- ``flags`` — the ШНОР rule, computed statuses, approved lists;
- ``teachers`` — teachers and their professional courses.
"""

from .flags import (
    ApprovedList,
    ApprovedListEntry,
    ApprovedListEvent,
    FlagComputation,
    FlagDecision,
    FlagRule,
    FlagStatus,
)
from .registry import PERCENT_VALIDATORS, Municipality, Region, School, SchoolType
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
    "Municipality",
    "Procedure",
    "ProcedureKind",
    "ProfessionalCourse",
    "QualificationCategory",
    "Region",
    "Result",
    "School",
    "SchoolType",
    "Subject",
    "Teacher",
    "failed_share",
    "is_small_sample",
]
