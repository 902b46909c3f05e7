"""Builders: a report's parameters in, a ``ReportContext`` out. All of a report's queries live here."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from schools.models import FlagComputation, FlagRule, Municipality, Region, School

from ..context import ReportContext, Section, Table
from . import sections
from .scope import BuildScope, SchoolRow, TerritoryPrincipal

ProgressCallback = Callable[[int, str], None]

# (key, stage shown to the user while it is built, function). Order is the справка's order.
SECTIONS: tuple[tuple[str, str, Callable[[BuildScope], Section]], ...] = (
    ("list", "Перечень ШНОР", sections.list_section),
    ("dynamics", "Динамика результатов", sections.dynamics_section),
    ("indicators", "Показатели программы", sections.indicators_section),
    ("mentoring", "Наставничество", sections.mentoring_section),
    ("diagnostics", "Диагностика и ИОМ", sections.diagnostics_section),
    ("roadmaps", "Дорожные карты", sections.roadmaps_section),
    ("events", "Мероприятия и КПК", sections.events_section),
    ("risks", "Рисковые профили", sections.risks_section),
)


@dataclass(frozen=True)
class ReportParams:
    """What a report is about (plain ids: a Celery task can carry it)."""

    kind: str  # "territory" | "school"
    region_id: int
    municipality_id: int | None
    school_id: int | None
    year: int
    version: int = 1
    recommendations: str = ""
    signer: str = ""


@dataclass(frozen=True)
class Built:
    context: ReportContext
    workbook_tables: tuple[Table, ...]  # raw data for the workbook only
    rule_params: dict
    as_of: datetime.datetime


def territory_scope(params: ReportParams, *, today: datetime.date) -> BuildScope:
    principal = TerritoryPrincipal(
        region_id=params.region_id, municipality_id=params.municipality_id, school_id=params.school_id
    )
    rows = (
        School.objects.visible_to(principal)
        .order_by("municipality__name", "name")
        .values_list("pk", "code", "name", "municipality__name", "short_name")
    )
    schools = {
        pk: SchoolRow(pk, code or "", name, municipality, short)
        for pk, code, name, municipality, short in rows
    }
    single = params.school_id is not None
    scope = BuildScope(
        principal=principal,
        year=params.year,
        today=today,
        schools=schools,
        shnor_ids=[],
        list_source="approved",
        regional=params.municipality_id is None and not single,
        single_school=single,
        dynamics_years=tuple(range(params.year - settings.REPORTS_DYNAMICS_YEARS, params.year)),
    )
    current, scope.list_source = sections.list_of(scope, params.year)
    scope.shnor_ids = [pk for pk in schools if pk in current]
    return scope


def rule_params(region_id: int, year: int) -> dict:
    """The ШНОР rule parameters behind the year's computed statuses (or the region's current rule)."""
    computation = (
        FlagComputation.objects.filter(region_id=region_id, list_year=year).order_by("-created_at").first()
    )
    if computation is not None:
        return dict(computation.params)
    rule = FlagRule.objects.filter(region_id=region_id).first()
    if rule is None:
        return {}
    return {
        "threshold": rule.threshold,
        "low_procedures": rule.low_procedures,
        "consecutive_years": rule.consecutive_years,
        "criterion2": rule.criterion2,
        "kinds": list(rule.kinds),
        "min_participants": rule.min_participants,
        "combine": rule.combine,
    }


RULE_LABELS = {
    "threshold": "Порог низкого результата, %",
    "low_procedures": "Низких процедур в одном году (критерий 1)",
    "consecutive_years": "Лет подряд (критерий 2)",
    "criterion2": "Режим критерия 2",
    "kinds": "Учитываемые виды процедур",
    "min_participants": "Минимум участников",
    "combine": "Сочетание критериев",
}


def rule_rows(rule: dict) -> list[tuple[str, str]]:
    """The rule parameters as (label, value) lines, for the справка's appendix and the report page."""
    rows = []
    for key, label in RULE_LABELS.items():
        if key not in rule:
            continue
        value = rule[key]
        if isinstance(value, list):
            text = ", ".join(value) or "все"
        elif key == "criterion2":
            text = dict(FlagRule.Criterion2Mode.choices).get(value, str(value))
        elif key == "combine":
            text = dict(FlagRule.Combine.choices).get(value, str(value))
        else:
            text = str(value)
        rows.append((label, text))
    return rows


LIST_SOURCES = {
    "approved": "утверждённые перечни",
    "computed": "расчёт по правилу (перечень не утверждён)",
    "mixed": "утверждённые перечни и расчёт для муниципалитетов без утверждённого",
}


def _meta(rule: dict, scope: BuildScope, as_of: datetime.datetime) -> dict[str, str]:
    meta = {"Данные на": timezone.localtime(as_of).strftime("%d.%m.%Y %H:%M")}
    meta.update(rule_rows(rule))
    meta["Источник перечня"] = LIST_SOURCES[scope.list_source]
    return meta


def build(params: ReportParams, *, on_progress: ProgressCallback | None = None, today=None) -> Built:
    """Query every section for ``params`` and return the context the renderers draw."""
    as_of = timezone.now()
    today = today or timezone.localdate()
    scope = territory_scope(params, today=today)
    rule = rule_params(params.region_id, params.year)
    scope.rule = rule
    municipality = None
    school = None
    if params.school_id:
        school = School.objects.select_related("municipality__region").get(pk=params.school_id)
        municipality = school.municipality
    elif params.municipality_id:
        municipality = Municipality.objects.select_related("region").get(pk=params.municipality_id)
    built_sections = []
    for index, (_key, stage, function) in enumerate(SECTIONS):
        if on_progress:
            on_progress(5 + 60 * index // len(SECTIONS), stage)
        built_sections.append(function(scope))
    if school is not None:
        territory = school.name
        title = "Профиль школы"
        subtitle = municipality.name
    elif municipality is not None:
        territory = municipality.name
        title = "Аналитическая справка по работе со школами с низкими образовательными результатами"
        subtitle = ""
    else:
        territory = Region.objects.get(pk=params.region_id).name
        title = "Аналитическая справка по работе со школами с низкими образовательными результатами"
        subtitle = ""
    department = (municipality.department_name if municipality else "") or settings.REPORTS_DEFAULT_DEPARTMENT
    context = ReportContext(
        title=title,
        department=department,
        territory=territory,
        year=params.year,
        as_of=as_of,
        version=params.version,
        subtitle=subtitle,
        sections=tuple(built_sections),
        recommendations=params.recommendations,
        signer=params.signer,
        meta=_meta(rule, scope, as_of),
    )
    return Built(
        context=context,
        workbook_tables=(sections.results_data_table(scope),),
        rule_params=rule,
        as_of=as_of,
    )
