"""A school's context per year (ФИС ОКО's context forms) as the card and the analytics read it."""

from django.db.models import QuerySet

from .models import School, SchoolContext, SettlementSize

# Size bands comparable schools share: the forms' eight answers grouped in four. A village school of 800 people and
# one of 3,000 work in like conditions; a town of 30,000 and a city of 500,000 do not.
SIZE_BANDS: dict[int, tuple[int, ...]] = {}
for _band in (
    (SettlementSize.UNDER_1K, SettlementSize.FROM_1K),  # up to 5 thousand
    (SettlementSize.FROM_5K, SettlementSize.FROM_10K),  # 5–50 thousand
    (SettlementSize.FROM_50K, SettlementSize.FROM_100K),  # 50–450 thousand
    (SettlementSize.FROM_450K, SettlementSize.OVER_680K),  # over 450 thousand
):
    for _size in _band:
        SIZE_BANDS[int(_size)] = tuple(int(size) for size in _band)


def school_contexts(school: School) -> list[SchoolContext]:
    """The school's context, newest year first."""
    return list(SchoolContext.objects.filter(school=school).order_by("-year"))


def comparable_schools(school: School, year: int, user) -> QuerySet[School]:
    """Schools of the same region whose context of ``year`` has the same settlement type and size band as this
    school's (the school itself excluded); none when this school has no context of that year or the context lacks
    the settlement. With ``user``, only the schools the user may see."""
    own = SchoolContext.objects.filter(school=school, year=year).first()
    if own is None or not own.settlement_type or own.settlement_size is None:
        return School.objects.none()
    queryset = School.objects.visible_to(user)  # a trusted caller passes core.policies.SYSTEM: every school
    return (
        queryset.filter(
            municipality__region_id=school.municipality.region_id,
            contexts__year=year,
            contexts__settlement_type=own.settlement_type,
            contexts__settlement_size__in=SIZE_BANDS[own.settlement_size],
        )
        .exclude(pk=school.pk)
        .order_by("name", "pk")
    )
