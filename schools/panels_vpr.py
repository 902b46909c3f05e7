"""The school card's ВПР panel (#19 §3.4): for each ВПР result loaded from a participant protocol, how the ВПР
marks compare with the previous term's marks (понизили / подтвердили / повысили / нет отметки) and the absent
(registered in SchoolsConfig.ready()). Only what the user may see of the school's results is shown."""

from .models import Result, VprResultDetail
from .panels import register_panel


def school_vpr_details(user, school) -> list[VprResultDetail]:
    """The school's ВПР details the user may read, newest year first: one query."""
    return list(
        VprResultDetail.objects.filter(result__in=Result.objects.visible_to(user).filter(school=school))
        .select_related("result__procedure__subject")
        .order_by("-result__procedure__year", "result__procedure__grade", "result__procedure__subject__name")
    )


def school_card(user, school, today) -> dict:
    return {"vpr_details": school_vpr_details(user, school)}


def register() -> None:
    register_panel("school", "vpr", school_card)
