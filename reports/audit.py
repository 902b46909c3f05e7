"""What the audit (core.selectors_audit) tracks of reports, registered in ReportsConfig.ready()."""

from django.db.models import Q

from core.selectors_audit import Reach, Source, register_audit_sources
from schools.models import Municipality

from .models import Report


def report_scope(reach: Reach) -> Q:
    # As reports.ReportQuerySet: a region's справка belongs to the region's staff only.
    return Q(municipality_id__in=reach.ids(Municipality)) | Q(
        municipality_id__isnull=True, region_id__in=reach.whole_regions
    )


def register() -> None:
    register_audit_sources(500, Source(Report, report_scope, ("region", "municipality", "school")))
