"""What the audit (core.selectors_audit) tracks of the ШНОР lists, registered in SchoolsConfig.ready()."""

from django.db.models import Q

from core.selectors_audit import Source, in_scope, register_audit_sources

from .models import ApprovedList, ApprovedListEntry, FlagRule, Municipality, Region, School, VprScale


def _everywhere(reach) -> Q:
    """Reference data shared by every region (the ВПР scales): every reader of the audit sees its changes."""
    return Q()


def register() -> None:
    register_audit_sources(
        100,
        Source(FlagRule, in_scope("region_id", Region), ("region",)),
        Source(ApprovedList, in_scope("municipality_id", Municipality), ("municipality",)),
        Source(
            ApprovedListEntry,
            in_scope("school_id", School),
            ("school", "approved_list"),
            lambda e: f"{e.school} — перечень {e.approved_list.list_year} года",
        ),
        Source(VprScale, _everywhere),
    )
