"""Writes of the ВПР conversion scales from their page (#19 §3.4); the file import is
schools.results_import.vpr_scales. Both check the bounds with the same pure rule (scale_problem)."""

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction

from core.policies import CHANGE, policy_for
from core.principals import Actor

from .models import VprScale
from .results_import.layouts.vpr_protocol import scale_problem
from .subjects import normalise_subject

SCALE_FIELDS = ("year", "subject", "grade", "three_from", "four_from", "five_from", "max_score", "source")


@transaction.atomic
def vpr_scale_save(*, scale: VprScale | None, data: Mapping, user: Actor | None) -> VprScale:
    """Create (``scale`` None) or change a scale: only a methodologist with a region-wide grant
    (VprScalePolicy); bounds ascending and within the maximum; one scale per year, subject and grade."""
    policy_for(VprScale).require(user, CHANGE)
    target = VprScale() if scale is None else VprScale.objects.select_for_update().get(pk=scale.pk)
    for field in SCALE_FIELDS:
        value = data.get(field, "" if field == "source" else None)
        if field in ("subject", "source"):
            value = " ".join(str(value or "").split()) if field == "subject" else str(value or "").strip()
        setattr(target, field, value)
    if not target.subject:
        raise ValidationError({"subject": "Укажите предмет."})
    problem = scale_problem(target.three_from, target.four_from, target.five_from, target.max_score)
    if problem:
        raise ValidationError(problem)
    target.full_clean(exclude=["subject_key"], validate_unique=False, validate_constraints=False)
    key = normalise_subject(target.subject)
    twin = (
        VprScale.objects.filter(year=target.year, grade=target.grade, subject_key=key)
        .exclude(pk=target.pk)
        .first()
    )
    if twin is not None:
        raise ValidationError(
            f"Шкала ВПР {target.year} года для {target.grade} класса по предмету «{twin.subject}» уже есть: "
            "измените её."
        )
    target.save()
    return target
