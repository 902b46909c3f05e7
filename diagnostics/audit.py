"""What the audit (core.selectors_audit) tracks of ИОМ and the quarterly forms, registered in
DiagnosticsConfig.ready()."""

from core.selectors_audit import Source, in_parent_scope, in_scope, register_audit_sources
from schools.models import School, Teacher

from .models import ProgressEntry, ProgressForm, Route, RouteLine


def register() -> None:
    route_scope = in_scope("teacher_id", Teacher)
    form_scope = in_scope("school_id", School)
    register_audit_sources(
        300,
        Source(Route, route_scope, ("teacher",), lambda r: f"{r} — {r.teacher}"),
        Source(
            RouteLine,
            in_parent_scope("route_id", Route, route_scope),
            ("route__teacher",),
            lambda line: f"{line.task} (ИОМ: {line.route.teacher})",
        ),
        Source(ProgressForm, form_scope, ("school",)),
        Source(
            ProgressEntry,
            in_parent_scope("form_id", ProgressForm, form_scope),
            ("line", "form__school"),
            lambda e: f"{e.line} ({e.form})",
        ),
    )
