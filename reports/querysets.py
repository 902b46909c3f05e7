"""Reports' querysets: how a report, its files and its signature reach the territory tree (core.access), and who
reads, orders and approves reports (reports.policies.ReportPolicy asks these role sets)."""

from core.access import ScopedQuerySet
from core.roles import Role

# Who reads reports: the staff of their territory; a school's admin and mentor read their school's profile.
READ_ROLES = frozenset({Role.METHODIST, Role.HEAD, Role.REGIONAL_ANALYST, Role.SCHOOL_ADMIN, Role.MENTOR})
# Who requests a report and writes its recommendations.
REQUEST_ROLES = frozenset({Role.METHODIST, Role.HEAD})
# Who approves (signs) or returns a report.
APPROVE_ROLES = frozenset({Role.HEAD})


class ReportQuerySet(ScopedQuerySet):
    region_path = "region"
    municipality_path = "municipality"
    school_path = "school"  # only school profiles carry a school
    read_roles = READ_ROLES
    write_roles = REQUEST_ROLES


class ReportFileQuerySet(ScopedQuerySet):
    region_path = "report__region"
    municipality_path = "report__municipality"
    school_path = "report__school"
    read_roles = READ_ROLES
    write_roles = frozenset()  # files are written by the build and the signature, never by a person


class ReportSignatureQuerySet(ScopedQuerySet):
    region_path = "report__region"
    municipality_path = "report__municipality"
    school_path = "report__school"
    read_roles = READ_ROLES
    write_roles = frozenset()  # written by report_attach_signature only
