"""What the audit (core.selectors_audit) tracks of roadmaps, registered in RoadmapsConfig.ready()."""

from core.selectors_audit import Source, in_parent_scope, in_scope, register_audit_sources
from schools.models import Municipality

from .models import Roadmap, RoadmapItem


def register() -> None:
    roadmap_scope = in_scope("municipality_id", Municipality)
    register_audit_sources(
        400,
        Source(Roadmap, roadmap_scope),
        Source(
            RoadmapItem,
            in_parent_scope("roadmap_id", Roadmap, roadmap_scope),
            ("roadmap",),
            lambda item: f"{item} ({item.roadmap})",
        ),
    )
