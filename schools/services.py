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


# --- the ШНОР rule ---------------------------------------------------------------------------------------

FLAG_RULE_FIELDS = ("threshold", "low_procedures", "consecutive_years", "criterion2", "kinds", "min_participants")


def flag_rule_get(*, region: Region):
    """The region's rule; a region without one gets the defaults of 002_… stored on first use."""
    from .models import FlagRule

    rule, _ = FlagRule.objects.get_or_create(region=region)
    return rule


@transaction.atomic
def flag_rule_update(*, region: Region, user=None, **values):
    """Change rule parameters; unknown kinds and out-of-range numbers raise ValidationError (Russian)."""
    from django.core.exceptions import ValidationError

    from .models import ProcedureKind

    unknown = set(values) - set(FLAG_RULE_FIELDS)
    if unknown:
        raise ValidationError(f"Неизвестные параметры правила: {', '.join(sorted(unknown))}. "
                              f"Допустимы: {', '.join(FLAG_RULE_FIELDS)}.")
    rule = flag_rule_get(region=region)
    if "kinds" in values:
        kinds = sorted({code.strip().upper() for code in values["kinds"] if code.strip()})
        known = set(ProcedureKind.objects.values_list("code", flat=True))
        missing = [code for code in kinds if code not in known]
        if missing:
            raise ValidationError(f"Неизвестные виды процедур: {', '.join(missing)}. Известны: "
                                  f"{', '.join(sorted(known))}.")
        values["kinds"] = kinds
    changed = [name for name, value in values.items() if getattr(rule, name) != value]
    for name in changed:
        setattr(rule, name, values[name])
    if changed:
        rule.updated_by = user if getattr(user, "pk", None) else None
        rule.full_clean()
        rule.save(update_fields=[*changed, "updated_by", "updated_at"])
    return rule
