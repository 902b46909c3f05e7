from django.db import transaction

from .models import Municipality, Region, School


@transaction.atomic
def region_get_or_create(*, name: str, code: str = "") -> Region:
    region = Region.objects.filter(name__iexact=name.strip()).first()
    if region is None:
        region = Region(name=name.strip(), code=code)
        region.full_clean()
        region.save()
    return region


@transaction.atomic
def municipality_get_or_create(*, region: Region, name: str, department_name: str = "") -> Municipality:
    municipality = Municipality.objects.filter(region=region, name__iexact=name.strip()).first()
    if municipality is None:
        municipality = Municipality(region=region, name=name.strip(), department_name=department_name)
        municipality.full_clean()
        municipality.save()
    return municipality


@transaction.atomic
def school_create(*, municipality: Municipality, code: str, name: str, **fields) -> School:
    school = School(municipality=municipality, code=code.strip(), name=name.strip(), **fields)
    school.full_clean()
    school.save()
    return school


@transaction.atomic
def school_update(*, school: School, **fields) -> School:
    """Change the given fields; saves only what changed. Returns the school."""
    changed = [name for name, value in fields.items() if getattr(school, name) != value]
    for name in changed:
        setattr(school, name, fields[name])
    if changed:
        school.full_clean()
        school.save(update_fields=[*changed, "updated_at"])
    return school
