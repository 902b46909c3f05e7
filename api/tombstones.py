"""Deleted rows of the synced models are recorded as tombstones (infrastructure, not domain logic)."""

from django.db.models.signals import post_delete

# model label -> (path to municipality id, path to region id) on the instance
TRACKED = {
    "schools.school": ("municipality_id", "municipality.region_id"),
    "schools.result": ("school.municipality_id", "school.municipality.region_id"),
    "schools.teacher": ("school.municipality_id", "school.municipality.region_id"),
    "mentoring.mentorassignment": ("school.municipality_id", "school.municipality.region_id"),
    "mentoring.logentry": ("school.municipality_id", "school.municipality.region_id"),
    "roadmaps.roadmapitem": ("roadmap.municipality_id", "roadmap.municipality.region_id"),
    "roadmaps.event": ("municipality_id", "municipality.region_id"),
    "reports.report": ("municipality_id", "region_id"),  # a report of a whole region has no municipality
}


def _resolve(instance, path: str):
    value = instance
    for part in path.split("."):
        try:
            value = getattr(value, part)
        except Exception:  # noqa: BLE001 - a parent already deleted in the same cascade: unknown scope
            return None
    return value


def _record(sender, instance, **kwargs):
    from .models import Tombstone

    label = sender._meta.label_lower
    municipality_path, region_path = TRACKED[label]
    Tombstone.objects.create(
        model=label,
        object_id=instance.pk,
        municipality_id=_resolve(instance, municipality_path),
        region_id=_resolve(instance, region_path),
    )


def connect() -> None:
    from django.apps import apps

    for label in TRACKED:
        post_delete.connect(_record, sender=apps.get_model(label), dispatch_uid=f"tombstone:{label}")
