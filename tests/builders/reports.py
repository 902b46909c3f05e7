"""A справка row without a build: municipality A's territory report of year ``Y``, asked for by the methodist, in
whatever state a test needs (``status``, ``progress``, ``stage``…)."""

from tests.builders.roadmaps import Y


def territory_report(world, **state):
    from reports.models import Report

    return Report.objects.create(
        kind="territory",
        region=world.region,
        municipality=world.mun_a,
        year=Y,
        requested_by=world.users["methodist"],
        **state,
    )
