"""Reads of the ВПР conversion scales (reference data for every region; schools.policies.VprScalePolicy)."""

from django.db.models import QuerySet

from core.policies import VIEW, policy_for
from core.principals import Actor

from .models import VprScale


def vpr_scales_for(user: Actor | None) -> QuerySet[VprScale]:
    """The scales the user may read (all of them, or none without a role), newest year first."""
    return (
        policy_for(VprScale)
        .instances(user, VIEW, VprScale.objects.all())
        .order_by("-year", "grade", "subject")
    )
