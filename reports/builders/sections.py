"""The sections of a справка: each function queries (through the gate) and returns a plain ``Section``.

Every query here is bounded by the report's territory (``BuildScope``) and reads in bulk: a region's справка of
1,000 schools costs the same handful of queries as a municipality's of 40.
"""

from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Q, Sum

from core.plural import count_noun, plural
from diagnostics.models import LineStatus, ProgressForm, RouteLine
from mentoring.models import LogEntry, LogKind, MentorAssignment, TutorAssignment
from mentoring.selectors import coverage_schools
from roadmaps.indicators.rules import no_data_reason
from roadmaps.indicators.selectors import indicator_report
from roadmaps.models import Event, ItemStatus, RiskEntry, RiskLevel, RiskProfile, Roadmap, RoadmapItem
from roadmaps.querysets import overdue_q
from roadmaps.transitions import due_date
from schools.criteria import RuleParams, is_low
from schools.models import (
    ApprovedList,
    ApprovedListEntry,
    FlagDecision,
    FlagStatus,
    ProfessionalCourse,
    Result,
    Teacher,
)

from ..context import Chart, Column, Kind, Section, Series, Table, percent_text
from .scope import BuildScope

STATUS_LABELS = dict(FlagStatus.choices)


def _school_columns(scope: BuildScope) -> tuple[Column, ...]:
    if scope.regional:
        return (Column("Школа", width=44), Column("Муниципалитет", width=24))
    return (Column("Школа", width=48),)


def _share(failed: int, participants: int) -> float | None:
    return round(100 * failed / participants, 1) if participants else None


def _low_text(reasons: dict) -> str:
    parts = []
    for low in reasons.get("low", ()):
        parts.append(
            f"{low['kind']} {low['subject']} {low['grade']} кл. {low['year']}: {percent_text(low['share'])}"
            f" ({low['failed']} из {low['participants']})"
        )
    return "; ".join(parts)


# --- 1. the list -------------------------------------------------------------------------------------------


def list_section(scope: BuildScope) -> Section:
    school_ids = list(scope.schools)
    decisions = {
        row["school_id"]: row
        for row in FlagDecision.objects.visible_to(scope.principal)
        .filter(list_year=scope.year, school_id__in=school_ids)
        .values("school_id", "status", "criteria", "reasons")
    }
    lists = list(
        ApprovedList.objects.visible_to(scope.principal)
        .filter(list_year=scope.year)
        .select_related("municipality")
        .order_by("municipality__name")
    )
    entries = {
        entry.school_id: entry
        for entry in ApprovedListEntry.objects.filter(approved_list__in=lists, school_id__in=school_ids)
    }
    counts: dict[str, int] = defaultdict(int)
    for decision in decisions.values():
        counts[decision["status"]] += 1

    paragraphs = [
        f"Школ на территории: {len(scope.schools)}. По расчёту на {scope.year} год: ШНОР — "
        f"{counts[FlagStatus.SHNOR]}, в зоне риска — {counts[FlagStatus.RISK]}, без данных — "
        f"{counts[FlagStatus.NO_DATA]}, без признака — {counts[FlagStatus.NONE]}."
    ]
    if lists:
        orders = "; ".join(
            f"{approved.municipality.name}: приказ № {approved.order_number} от {approved.order_date:%d.%m.%Y}"
            for approved in lists
        )
        included = sum(1 for entry in entries.values() if entry.included)
        paragraphs.append(
            f"Перечень утверждён ({orders}); в перечне {count_noun(included, 'школа', 'школы', 'школ')}."
        )
    if scope.list_source != "approved":
        paragraphs.append(
            "Для муниципалитетов без утверждённого перечня приведён расчётный перечень по правилу ШНОР."
        )

    rows = []
    for school_id in scope.shnor_ids if not scope.single_school else school_ids:
        decision = decisions.get(school_id, {})
        entry = entries.get(school_id)
        if entry is None:
            decision_text = "расчётный перечень (не утверждён)"
        elif entry.is_override:
            decision_text = ("включена" if entry.included else "не включена") + f" вручную: {entry.reason}"
        else:
            decision_text = "включена" if entry.included else "не включена"
        rows.append(
            (
                *scope.school_cells(school_id),
                STATUS_LABELS.get(decision.get("status"), "нет расчёта"),
                decision.get("criteria", "") or "—",
                _low_text(decision.get("reasons") or {}) or "—",
                decision_text,
            )
        )
    columns = (
        *_school_columns(scope),
        Column("Расчётный статус", width=14),
        Column("Критерии", width=10),
        Column("Низкие результаты (доля «2» / ниже минимума)", width=60),
        Column("Решение", width=24),
    )
    tables = [
        Table(
            "Перечень ШНОР: критерии и основания" if not scope.single_school else "Статус школы",
            columns,
            rows,
            sheet="Перечень ШНОР",
            note="Критерий 1 — не менее двух низких результатов в прошлом году; критерий 2 — "
            "низкие результаты в каждом из двух последних лет.",
        )
    ]

    if not scope.single_school:
        risk_rows = [
            (*scope.school_cells(pk), _low_text(decisions[pk].get("reasons") or {}) or "—")
            for pk in scope.schools
            if decisions.get(pk, {}).get("status") == FlagStatus.RISK
        ]
        tables.append(
            Table(
                "Зона риска: школы с одним годом низких результатов",
                (*_school_columns(scope), Column("Низкие результаты", width=60)),
                risk_rows,
                sheet="Зона риска",
            )
        )
        tables.append(_movement_table(scope))
    else:
        tables.append(_school_history_table(scope))
    return Section(
        "list", "Перечень школ с низкими образовательными результатами", tuple(paragraphs), tuple(tables)
    )


def list_of(scope: BuildScope, year: int) -> tuple[set[int], str]:
    """A year's ШНОР of the territory and where the list comes from («approved» | «computed» | «mixed»): the
    approved lists, and the computed status where a municipality has not approved one (the same selector as the
    coverage and the indicators)."""
    schools, source, _lists = coverage_schools(scope.principal, year)
    return {school.pk for school in schools}, source


def _movement_table(scope: BuildScope) -> Table:
    now = set(scope.shnor_ids)
    before, _source = list_of(scope, scope.year - 1)
    rows = [(*scope.school_cells(pk), "вошла в перечень") for pk in sorted(now - before, key=scope.name)]
    rows += [(*scope.school_cells(pk), "вышла из перечня") for pk in sorted(before - now, key=scope.name)]
    return Table(
        f"Изменения перечня: {scope.year - 1} → {scope.year}",
        (*_school_columns(scope), Column("Изменение", width=20)),
        rows,
        sheet="Вошли и вышли",
        note=(
            f"В перечне {scope.year - 1} года — {count_noun(len(before), 'школа', 'школы', 'школ')}, "
            f"в перечне {scope.year} года — {count_noun(len(now), 'школа', 'школы', 'школ')}."
        ),
    )


def _school_history_table(scope: BuildScope) -> Table:
    (school_id,) = list(scope.schools)
    rows = [
        (year, STATUS_LABELS.get(status, status), criteria or "—")
        for year, status, criteria in FlagDecision.objects.visible_to(scope.principal)
        .filter(school_id=school_id)
        .order_by("-list_year")
        .values_list("list_year", "status", "criteria")[:6]
    ]
    return Table(
        "Статус по годам перечня",
        (Column("Год перечня", Kind.INT, 12), Column("Статус", width=16), Column("Критерии", width=10)),
        rows,
        sheet="Статус по годам",
    )


# --- 2. results dynamics -------------------------------------------------------------------------------------


def dynamics_section(scope: BuildScope) -> Section:
    years = scope.dynamics_years
    focus = scope.focus_ids
    if not focus:
        return Section(
            "dynamics", "Динамика результатов оценочных процедур", empty_text="Нет школ в перечне."
        )
    results = (
        Result.objects.visible_to(scope.principal)
        .filter(school_id__in=focus, procedure__year__in=years, participants__gt=0)
        .values_list(
            "school_id",
            "procedure__kind__code",
            "procedure__subject__name",
            "procedure__grade",
            "procedure__year",
            "participants",
            "failed",
            "mean_score",
        )
        .order_by()
    )
    shares: dict[tuple, dict[int, tuple[int, int]]] = defaultdict(dict)
    by_kind: dict[int, dict[str, dict[int, list[int]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(lambda: [0, 0]))
    )
    means: dict[tuple, dict[int, Decimal]] = defaultdict(dict)
    for school_id, kind, subject, grade, year, participants, failed, mean in results.iterator(
        chunk_size=5000
    ):
        shares[(school_id, kind, subject, grade)][year] = (failed, participants)
        totals = by_kind[school_id][kind][year]
        totals[0] += failed
        totals[1] += participants
        if kind == "ОГЭ" and mean is not None:
            means[(school_id, subject)][year] = mean

    year_columns = tuple(Column(str(year), Kind.PERCENT, 9) for year in years)
    rows = []
    order = {pk: i for i, pk in enumerate(focus)}
    for key in sorted(shares, key=lambda k: (order[k[0]], k[1], k[2], k[3])):
        school_id, kind, subject, grade = key
        per_year = shares[key]
        small = any(participants < 20 for _failed, participants in per_year.values())
        rows.append(
            (
                *scope.school_cells(school_id),
                kind,
                subject,
                grade,
                *(_share(*per_year[year]) if year in per_year else None for year in years),
                "да" if small else "",
            )
        )
    tables = [
        Table(
            "Доля «2» (ВПР, ОГЭ) и ниже минимума (ЕГЭ) по процедурам",
            (
                *_school_columns(scope),
                Column("Вид", width=8),
                Column("Предмет", width=22),
                Column("Класс", Kind.INT, 7),
                *year_columns,
                Column("Малая выборка", width=9),
            ),
            rows,
            sheet="Динамика результатов",
            note="Малая выборка — меньше 20 участников хотя бы в одном году: доля мало показательна.",
            # Per procedure, a territory's table runs to hundreds or thousands of rows (and WeasyPrint lays out
            # each at ~20 ms): the справка prints a row per school and the charts; the workbook has every row.
            in_pdf=scope.single_school,
        )
    ]
    if not scope.single_school:
        tables.insert(0, _school_summary_table(scope, by_kind, years))
    mean_rows = [
        (*scope.school_cells(school_id), subject, *(means[(school_id, subject)].get(year) for year in years))
        for school_id, subject in sorted(means, key=lambda k: (order[k[0]], k[1]))
    ]
    if mean_rows:
        tables.append(
            Table(
                "Средний балл ГИА-9 (ОГЭ)",
                (
                    *_school_columns(scope),
                    Column("Предмет", width=22),
                    *(Column(str(y), Kind.DECIMAL, 9) for y in years),
                ),
                mean_rows,
                sheet="Средний балл ОГЭ",
                in_pdf=scope.single_school,
            )
        )
    charts = _dynamics_charts(scope, shares, by_kind, years)
    return Section(
        "dynamics",
        "Динамика результатов оценочных процедур",
        (
            f"Результаты {years[0]}–{years[-1]} годов школ перечня: доля участников с отметкой «2» "
            "(ВПР, ОГЭ) или ниже минимального балла (ЕГЭ).",
        ),
        tuple(tables),
        tuple(charts),
        empty_text="Результатов за эти годы нет.",
    )


def _school_summary_table(scope: BuildScope, by_kind, years: tuple[int, ...]) -> Table:
    """One row per school: the share of «2» / below the minimum over all its procedures, by year."""
    rows = []
    for school_id in scope.focus_ids:
        totals = {year: [0, 0] for year in years}
        for per_year in by_kind.get(school_id, {}).values():
            for year, (failed, participants) in per_year.items():
                totals[year][0] += failed
                totals[year][1] += participants
        rows.append((*scope.school_cells(school_id), *(_share(*totals[year]) for year in years)))
    return Table(
        "Доля «2» и ниже минимума по всем процедурам школы",
        (*_school_columns(scope), *(Column(str(year), Kind.PERCENT, 9) for year in years)),
        rows,
        sheet="Динамика по школам",
        note="По процедурам — в книге Excel, лист «Динамика результатов».",
    )


def _dynamics_charts(scope: BuildScope, shares, by_kind, years: tuple[int, ...]) -> list[Chart]:
    """A chart per school (a municipality's справка, a profile): a line per procedure the ШНОР rule looks at
    (kind, subject, grade) and the rule's threshold, which is what the rule compares each of them with. A
    region's справка draws a chart per municipality by kind of procedure, without a threshold: the rule
    judges a school's procedures one by one, never a municipality's totals."""
    categories = tuple(str(year) for year in years)
    # The rule's parameters as stored with the year's computation; a computation that stored none used the
    # rule's defaults (schools.criteria.RuleParams: 30 %, the programme's «не менее 30%»).
    threshold = scope.rule.get("threshold", RuleParams().threshold)
    kinds_counted = set(scope.rule.get("kinds") or ())
    charts = []
    if scope.regional:
        groups: dict[str, dict[str, dict[int, list[int]]]] = {}
        for school_id, kinds in by_kind.items():
            group = groups.setdefault(scope.schools[school_id].municipality, {})
            for kind, per_year in kinds.items():
                for year, (failed, participants) in per_year.items():
                    totals = group.setdefault(kind, {}).setdefault(year, [0, 0])
                    totals[0] += failed
                    totals[1] += participants
        for title in sorted(groups):
            kinds = groups[title]
            series = tuple(
                Series(
                    kind, tuple(_share(*kinds[kind][year]) if year in kinds[kind] else None for year in years)
                )
                for kind in sorted(kinds)
            )
            charts.append(
                Chart(
                    title,
                    categories,
                    series,
                    note="Доля «2» и ниже минимума по всем результатам ШНОР муниципалитета, по видам процедур. "
                    "Правило ШНОР сравнивает с порогом каждую процедуру школы: по процедурам — в книге Excel.",
                )
            )
        return charts
    for school_id in scope.focus_ids:
        keys = sorted(
            (key for key in shares if key[0] == school_id and (not kinds_counted or key[1] in kinds_counted)),
            key=lambda key: (key[1], key[2], key[3]),
        )
        if not keys:
            continue
        # The procedures that were low in some year are the reasons the rule gives; a school has a dozen or two
        # procedures, too many lines to read, so the others are left to the workbook.
        low = [
            key
            for key in keys
            if any(is_low(failed, participants, threshold) for failed, participants in shares[key].values())
        ]
        shown = low or keys
        series = tuple(
            Series(
                f"{key[1]} {key[2]} {key[3]} кл.",  # (school, kind, subject, grade)
                tuple(_share(*shares[key][year]) if year in shares[key] else None for year in years),
            )
            for key in shown
        )
        note = (
            "Линии — доля участников с отметкой «2» (ниже минимального балла на ЕГЭ) в каждой процедуре. "
            f"Пунктир — порог правила ШНОР: процедура с долей не менее {threshold} % — низкий результат."
        )
        if len(shown) < len(keys):
            note += (
                f" Показаны процедуры с низким результатом хотя бы в одном году ({len(shown)} из {len(keys)}); "
                "все процедуры — в книге Excel, лист «Динамика результатов»."
            )
        charts.append(Chart(scope.name(school_id), categories, series, threshold=threshold, note=note))
    return charts


# --- 3. programme indicators ---------------------------------------------------------------------------------


def indicators_section(scope: BuildScope) -> Section:
    report = indicator_report(scope.principal, scope.year, today=scope.today)
    indicators = report.indicators(list(scope.schools) if scope.single_school else None)
    rows = [
        (indicator.title, indicator.numerator, indicator.denominator, indicator.value, indicator.target)
        for indicator in indicators
    ]
    missing = [
        f"«{indicator.title}» — {no_data_reason(indicator.code, scope.year)}"
        for indicator in indicators
        if not indicator.has_data
    ]
    note = ("Нет данных: " + "; ".join(missing) + ".") if missing else ""
    return Section(
        "indicators",
        "Показатели программы поддержки",
        (f"Показатели на {report.as_of:%d.%m.%Y} по школам перечня {scope.year} года.",),
        (
            Table(
                "Показатели и целевые значения",
                (
                    Column("Показатель", width=60),
                    Column("Числитель", Kind.INT, 10),
                    Column("Знаменатель", Kind.INT, 11),
                    Column("Значение", Kind.PERCENT, 10),
                    Column("Цель", Kind.PERCENT, 9),
                ),
                rows,
                sheet="Показатели",
                note=note,
            ),
        ),
    )


# --- 4. mentoring ---------------------------------------------------------------------------------------------


def mentoring_section(scope: BuildScope) -> Section:
    focus = scope.focus_ids
    principal = scope.principal
    mentors: dict[int, list[str]] = defaultdict(list)
    for assignment in (
        MentorAssignment.objects.visible_to(principal)
        .active(scope.today)
        .filter(school_id__in=focus)
        .select_related("mentor_user", "mentor_school")
    ):
        mentor = (
            assignment.mentor_school.name if assignment.mentor_school_id else assignment.mentor_user.full_name
        )
        mentors[assignment.school_id].append(mentor)
    teachers = dict(
        Teacher.objects.visible_to(principal)
        .active()
        .filter(school_id__in=focus, subjects__isnull=False)
        .values("school_id")
        .annotate(n=Count("pk", distinct=True))
        .values_list("school_id", "n")
    )
    tutored = dict(
        TutorAssignment.objects.visible_to(principal)
        .active(scope.today)
        .filter(teacher__school_id__in=focus, teacher__is_active=True)
        .values("teacher__school_id")
        .annotate(n=Count("teacher_id", distinct=True))
        .values_list("teacher__school_id", "n")
    )
    log: dict[int, dict[str, int]] = defaultdict(dict)
    for school_id, kind, n in (
        LogEntry.objects.visible_to(principal)
        .filter(school_id__in=focus, date__year__in=(scope.year - 1, scope.year))
        .values_list("school_id", "kind")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        log[school_id][kind] = n

    with_mentor = sum(1 for pk in focus if mentors.get(pk))
    teachers_total = sum(teachers.get(pk, 0) for pk in focus)
    tutored_total = sum(min(tutored.get(pk, 0), teachers.get(pk, 0)) for pk in focus)
    paragraphs = (
        f"Наставник закреплён за {with_mentor} из {len(focus)} {plural(len(focus), 'школы', 'школ', 'школ')} "
        f"({percent_text(_share(with_mentor, len(focus)))}); тьютор — у {tutored_total} из {teachers_total} "
        f"{plural(teachers_total, 'педагога', 'педагогов', 'педагогов')} "
        f"({percent_text(_share(tutored_total, teachers_total))}).",
    )
    coverage_rows = [
        (
            *scope.school_cells(pk),
            "; ".join(mentors.get(pk, ())) or "не назначен",
            teachers.get(pk, 0),
            min(tutored.get(pk, 0), teachers.get(pk, 0)),
            _share(min(tutored.get(pk, 0), teachers.get(pk, 0)), teachers.get(pk, 0)),
        )
        for pk in focus
    ]
    kinds = list(LogKind.choices)
    log_rows = [
        (*scope.school_cells(pk), *(log[pk].get(value, 0) for value, _label in kinds), sum(log[pk].values()))
        for pk in focus
        if log.get(pk)
    ]
    return Section(
        "mentoring",
        "Наставничество и тьюторское сопровождение",
        paragraphs,
        (
            Table(
                "Охват наставничеством",
                (
                    *_school_columns(scope),
                    Column("Наставник", width=34),
                    Column("Педагогов", Kind.INT, 10),
                    Column("С тьютором", Kind.INT, 10),
                    Column("Охват", Kind.PERCENT, 9),
                ),
                coverage_rows,
                sheet="Наставничество",
            ),
            Table(
                f"Журнал наставничества за {scope.year - 1}–{scope.year} годы",
                (
                    *_school_columns(scope),
                    *(Column(label, Kind.INT, 9) for _v, label in kinds),
                    Column("Всего", Kind.INT, 8),
                ),
                log_rows,
                sheet="Журнал наставничества",
            ),
        ),
    )


# --- 5. diagnostics, ИОМ, quarterly forms --------------------------------------------------------------------


def diagnostics_section(scope: BuildScope) -> Section:
    principal = scope.principal
    focus = scope.focus_ids
    years = (scope.year - 1, scope.year)
    forms: dict[tuple[int, int], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for year, quarter, status, late, n in (
        ProgressForm.objects.visible_to(principal)
        .filter(school_id__in=focus, year__in=years)
        .values_list("year", "quarter", "status", "late")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        forms[(year, quarter)][status] += n
        if late:
            forms[(year, quarter)]["late"] += n
    lines: dict[tuple[int, int], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for year, quarter, status, n in (
        RouteLine.objects.visible_to(principal)
        .filter(route__teacher__school_id__in=focus, due_year__in=years)
        .values_list("due_year", "due_quarter", "status")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        lines[(year, quarter)][status] += n
    rows = []
    for key in sorted(set(forms) | set(lines)):
        year, quarter = key
        f, line = forms.get(key, {}), lines.get(key, {})
        total_lines = sum(line.values())
        rows.append(
            (
                f"{quarter} кв. {year}",
                sum(v for k, v in f.items() if k != "late"),
                f.get("accepted", 0),
                f.get("late", 0),
                total_lines,
                line.get(LineStatus.DONE, 0),
                _share(line.get(LineStatus.DONE, 0), total_lines),
            )
        )
    return Section(
        "diagnostics",
        "Диагностика профессиональных дефицитов и ИОМ",
        ("Квартальные формы мониторинга ИОМ и выполнение мероприятий маршрутов по срокам.",),
        (
            Table(
                "Мониторинг ИОМ по кварталам",
                (
                    Column("Квартал", width=14),
                    Column("Форм", Kind.INT, 8),
                    Column("Принято", Kind.INT, 9),
                    Column("С опозданием", Kind.INT, 11),
                    Column("Мероприятий ИОМ", Kind.INT, 12),
                    Column("Выполнено", Kind.INT, 10),
                    Column("Доля выполненных", Kind.PERCENT, 11),
                ),
                rows,
                sheet="ИОМ по кварталам",
            ),
        ),
        empty_text="Квартальных форм и мероприятий ИОМ за эти годы нет.",
    )


# --- 6. roadmaps ---------------------------------------------------------------------------------------------


def roadmaps_section(scope: BuildScope) -> Section:
    principal = scope.principal
    roadmaps = (
        Roadmap.objects.visible_to(principal)
        .filter(period_start__year__lte=scope.year, period_end__year__gte=scope.year - 1)
        .filter(Q(school__isnull=True) | Q(school_id__in=list(scope.schools)))
        .annotate(
            total=Count("items"),
            done=Count("items", filter=Q(items__status=ItemStatus.DONE)),
            cancelled=Count("items", filter=Q(items__status=ItemStatus.CANCELLED)),
            overdue=Count("items", filter=overdue_q(scope.today, "items__")),
        )
        .select_related("municipality", "school")
        .order_by("municipality__name", "school__name", "title")
    )
    rows = [
        (
            roadmap.title,
            roadmap.school.name if roadmap.school_id else roadmap.municipality.name,
            roadmap.total,
            roadmap.done,
            roadmap.overdue,
            _share(roadmap.done, roadmap.total - roadmap.cancelled),
        )
        for roadmap in roadmaps
    ]
    overdue = (
        RoadmapItem.objects.filter(roadmap__in=[r.pk for r in roadmaps])
        .filter(overdue_q(scope.today))
        .select_related("roadmap")
        .order_by("end_date", "roadmap__title", "position")
    )
    overdue_rows = [
        (
            item.roadmap.title,
            item.number,
            item.activity,
            due_date(end=item.end_date, all_year=item.all_year, period_end=item.roadmap.period_end),
            item.responsible_text,
        )
        for item in overdue
    ]
    return Section(
        "roadmaps",
        "Исполнение дорожных карт",
        (f"Пунктов с истёкшим сроком на {scope.today:%d.%m.%Y}: {len(overdue_rows)}.",) if rows else (),
        (
            Table(
                "Исполнение по дорожным картам",
                (
                    Column("Дорожная карта", width=40),
                    Column("Чья", width=30),
                    Column("Пунктов", Kind.INT, 9),
                    Column("Выполнено", Kind.INT, 10),
                    Column("Просрочено", Kind.INT, 10),
                    Column("Исполнение", Kind.PERCENT, 11),
                ),
                rows,
                sheet="Дорожные карты",
                note="Исполнение — доля выполненных пунктов без учёта отменённых.",
            ),
            Table(
                "Просроченные пункты",
                (
                    Column("Дорожная карта", width=30),
                    Column("№", width=6),
                    Column("Мероприятие", width=50),
                    Column("Срок", Kind.DATE, 11),
                    Column("Ответственные", width=24),
                ),
                overdue_rows,
                sheet="Просроченные пункты",
                in_pdf=not scope.regional,  # a region's list runs to hundreds of rows: the workbook has it
            ),
        )
        if rows
        else (),
        empty_text="Дорожных карт на этот период нет.",
    )


# --- 7. events and КПК ---------------------------------------------------------------------------------------


def events_section(scope: BuildScope) -> Section:
    principal = scope.principal
    focus = scope.focus_ids
    years = (scope.year - 1, scope.year)
    visible_events = Event.objects.visible_to(principal).filter(start_date__year__in=years)
    events = dict(
        Event.schools.through.objects.filter(event__in=visible_events.values("pk"), school_id__in=focus)
        .values("school_id")
        .annotate(n=Count("event_id", distinct=True))
        .values_list("school_id", "n")
    )
    courses = {
        school_id: (n, hours or 0)
        for school_id, n, hours in ProfessionalCourse.objects.visible_to(principal)
        .filter(teacher__school_id__in=focus, end_date__year__in=years)
        .values("teacher__school_id")
        .annotate(n=Count("pk"), hours=Sum("hours"))
        .values_list("teacher__school_id", "n", "hours")
    }
    rows = [
        (*scope.school_cells(pk), events.get(pk, 0), courses.get(pk, (0, 0))[0], courses.get(pk, (0, 0))[1])
        for pk in focus
    ]
    return Section(
        "events",
        "Мероприятия и повышение квалификации",
        (
            f"Мероприятия с участием школ и курсы повышения квалификации педагогов за {years[0]}–{years[1]} годы.",
        ),
        (
            Table(
                "Мероприятия и КПК по школам",
                (
                    *_school_columns(scope),
                    Column("Мероприятий", Kind.INT, 11),
                    Column("Курсов КПК", Kind.INT, 10),
                    Column("Часов КПК", Kind.INT, 10),
                ),
                rows,
                sheet="Мероприятия и КПК",
            ),
        )
        if rows
        else (),
        empty_text="Нет школ в перечне.",
    )


# --- 8. risk profiles ----------------------------------------------------------------------------------------


def risks_section(scope: BuildScope) -> Section:
    entries = (
        RiskEntry.objects.filter(
            profile__in=_visible_profiles(scope), level__in=(RiskLevel.HIGH, RiskLevel.MEDIUM)
        )
        .select_related("factor", "profile")
        .order_by("profile__school_id", "factor__position")
    )
    by_school: dict[int, list] = defaultdict(list)
    for entry in entries:
        by_school[entry.profile.school_id].append(entry)
    order = {pk: i for i, pk in enumerate(scope.focus_ids)}
    rows = [
        (*scope.school_cells(pk), entry.factor.name, entry.get_level_display(), entry.measures or "—")
        for pk in sorted(by_school, key=lambda pk: order.get(pk, len(order)))
        for entry in by_school[pk]
    ]
    tables = [
        Table(
            "Факторы риска и антирисковые меры",
            (
                *_school_columns(scope),
                Column("Фактор риска", width=36),
                Column("Уровень", width=13),
                Column("Меры", width=40),
            ),
            rows,
            sheet="Рисковые профили",
            in_pdf=not scope.regional,  # a region prints the summary by factor below (hundreds of rows)
        )
    ]
    if scope.regional:
        tables.insert(0, _risk_summary_table(by_school))
    return Section(
        "risks",
        "Рисковые профили школ",
        (f"Факторы высокого и среднего уровня риска по профилям {scope.year} года.",) if rows else (),
        tuple(tables) if rows else (),
        empty_text="Рисковые профили не заполнены.",
    )


def _risk_summary_table(by_school: dict[int, list]) -> Table:
    """Per factor: how many schools name it at a high and at a medium level."""
    counts: dict[str, list[int]] = {}
    order: dict[str, int] = {}
    for entries in by_school.values():
        for entry in entries:
            row = counts.setdefault(entry.factor.name, [0, 0])
            row[0 if entry.level == RiskLevel.HIGH else 1] += 1
            order[entry.factor.name] = entry.factor.position
    rows = [(name, *counts[name]) for name in sorted(counts, key=lambda n: (order[n], n))]
    return Table(
        "Факторы риска: число школ по уровню",
        (Column("Фактор риска", width=60), Column("Высокий", Kind.INT, 10), Column("Средний", Kind.INT, 10)),
        rows,
        sheet="Риски по факторам",
        note="По школам с мерами — в книге Excel, лист «Рисковые профили».",
    )


def _visible_profiles(scope: BuildScope):
    return (
        RiskProfile.objects.visible_to(scope.principal)
        .filter(school_id__in=scope.focus_ids, year=scope.year)
        .values("pk")
    )


# --- the workbook's raw data ---------------------------------------------------------------------------------


def results_data_table(scope: BuildScope) -> Table:
    """Every result of the territory's schools over the dynamics years: the workbook only (too long to print)."""
    school_ids = list(scope.schools)
    principal = scope.principal
    years = scope.dynamics_years

    def rows():
        names = scope.schools
        queryset = (
            Result.objects.visible_to(principal)
            .filter(school_id__in=school_ids, procedure__year__in=years)
            .values_list(
                "school_id",
                "procedure__year",
                "procedure__kind__code",
                "procedure__subject__name",
                "procedure__grade",
                "participants",
                "failed",
                "marks_3",
                "marks_4",
                "marks_5",
                "mean_score",
            )
            .order_by(
                "school_id",
                "procedure__year",
                "procedure__kind__code",
                "procedure__subject__name",
                "procedure__grade",
            )
        )
        for (
            school_id,
            year,
            kind,
            subject,
            grade,
            participants,
            failed,
            m3,
            m4,
            m5,
            mean,
        ) in queryset.iterator(chunk_size=5000):
            school = names[school_id]
            yield (
                school.code,
                school.name,
                school.municipality,
                year,
                kind,
                subject,
                grade,
                participants,
                failed,
                _share(failed, participants),
                m3,
                m4,
                m5,
                mean,
            )

    return Table(
        "Результаты оценочных процедур (все)",
        (
            Column("Код ОО", width=12),
            Column("Школа", width=44),
            Column("Муниципалитет", width=24),
            Column("Год", Kind.INT, 7),
            Column("Вид", width=8),
            Column("Предмет", width=22),
            Column("Класс", Kind.INT, 7),
            Column("Участников", Kind.INT, 11),
            Column("«2» / ниже минимума", Kind.INT, 11),
            Column("Доля «2»", Kind.PERCENT, 9),
            Column("«3»", Kind.INT, 7),
            Column("«4»", Kind.INT, 7),
            Column("«5»", Kind.INT, 7),
            Column("Средний балл", Kind.DECIMAL, 9),
        ),
        rows,
        sheet="Результаты (все)",
        in_pdf=False,
    )
