"""Rule variants side by side (issue #21 §2): how the criteria combine, the presets, and the path out under «all»."""

import csv
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from core.policies import SYSTEM
from schools.criteria import (
    COMBINE_ALL,
    COMBINE_ANY,
    PRESETS,
    SAME,
    Evidence,
    LowProcedure,
    ResultFact,
    RuleParams,
    Status,
    decide,
    is_listed,
    preset_of,
    preset_values,
)
from schools.flags import flags_export_csv, flags_recompute
from schools.models import FlagComputation, FlagDecision, FlagRule
from schools.path_out import path_out
from schools.services import flag_rule_update
from tests.builders.schools import add


def low(year, subject="математика", grade=9, kind="ОГЭ"):
    return LowProcedure(year, kind, subject, grade, 40, 100)


# list 2024: Y-1 = 2023, Y-2 = 2022
ONLY_1 = (low(2023), low(2023, "русский язык"))  # two low in 2023, nothing in 2022
ONLY_2 = (low(2023), low(2022))  # one low in each year
BOTH = (low(2023), low(2023, "русский язык"), low(2022))
ONE_LOW = (low(2023),)  # at risk
EARLIER = (low(2022), low(2022, "русский язык"))  # nothing low in 2023


@pytest.mark.parametrize(
    ("lows", "has_data", "combine", "status", "criteria"),
    [
        (ONLY_1, True, COMBINE_ANY, Status.SHNOR, (1,)),
        (ONLY_1, True, COMBINE_ALL, Status.RISK, (1,)),  # criterion 1 holds and is kept; not ШНОР
        (ONLY_2, True, COMBINE_ANY, Status.SHNOR, (2,)),
        (ONLY_2, True, COMBINE_ALL, Status.RISK, (2,)),
        (BOTH, True, COMBINE_ANY, Status.SHNOR, (1, 2)),
        (BOTH, True, COMBINE_ALL, Status.SHNOR, (1, 2)),
        (ONE_LOW, True, COMBINE_ANY, Status.RISK, ()),
        (ONE_LOW, True, COMBINE_ALL, Status.RISK, ()),
        (EARLIER, True, COMBINE_ANY, Status.NONE, ()),
        (EARLIER, True, COMBINE_ALL, Status.NONE, ()),
        ((), False, COMBINE_ANY, Status.NO_DATA, ()),
        ((), False, COMBINE_ALL, Status.NO_DATA, ()),
    ],
)
def test_combine_table(lows, has_data, combine, status, criteria):
    verdict = decide(2024, Evidence(low=lows, has_data=has_data), RuleParams(combine=combine))
    assert (verdict.status, verdict.criteria) == (status, criteria)


@pytest.mark.parametrize(
    ("criteria", "combine", "listed"),
    [
        ((), COMBINE_ANY, False),
        ((1,), COMBINE_ANY, True),
        ((2,), COMBINE_ANY, True),
        ((1, 2), COMBINE_ANY, True),
        ((), COMBINE_ALL, False),
        ((1,), COMBINE_ALL, False),
        ((2,), COMBINE_ALL, False),
        ((1, 2), COMBINE_ALL, True),
    ],
)
def test_is_listed(criteria, combine, listed):
    assert is_listed(criteria, RuleParams(combine=combine)) is listed


def test_combine_with_same_mode_needs_the_same_procedure_too():
    lows = (low(2023), low(2023, "русский язык"), low(2022, "химия"))  # 1 holds; 2 only in «any» mode
    assert decide(2024, Evidence(lows, True), RuleParams(combine=COMBINE_ALL)).status == Status.SHNOR
    same = decide(2024, Evidence(lows, True), RuleParams(combine=COMBINE_ALL, criterion2=SAME))
    assert (same.status, same.criteria) == (Status.RISK, (1,))


def test_unknown_combination_is_refused():
    with pytest.raises(ValueError, match="Сочетание критериев: any или all."):
        RuleParams(combine="both")


def test_the_seed_preset_is_the_default_rule_and_cites_the_programme():
    (seed,) = PRESETS
    assert seed.key == "seed"
    assert seed.params == RuleParams()
    assert "002_" in seed.source
    assert "не менее чем по двум оценочным процедурам в предыдущем учебном году" in seed.source
    assert "хотя бы по одной оценочной процедуре в каждом из двух предыдущих учебных годов" in seed.source
    assert preset_values(seed) == {
        "threshold": 30,
        "low_procedures": 2,
        "consecutive_years": 2,
        "criterion2": "any",
        "kinds": [],
        "min_participants": 1,
        "combine": "any",
    }
    assert preset_of(RuleParams()) == "seed"
    assert preset_of(RuleParams(combine=COMBINE_ALL)) == ""


# --- the path out under «all» ----------------------------------------------------------------------------------


def r(year, subject, failed, participants=10, kind="ОГЭ", grade=9):
    return ResultFact(
        year=year, kind=kind, subject=subject, grade=grade, participants=participants, failed=failed
    )


def test_path_out_all_criterion_2_pending_leaves_criterion_1s_allowance():
    """«all», default counts: criterion 2 holds with one low procedure in 2024; criterion 1 needs two —
    so one low procedure is still allowed."""
    facts = [r(2023, "математика", 4), r(2023, "русский язык", 1)]
    path = path_out(2024, facts, RuleParams(combine=COMBINE_ALL))
    assert path.allowed_low == 1
    assert [limit.must_stay_under for limit in path.limits] == [False, False]
    assert path.conditions[0] == (
        "Чтобы не войти в перечень 2025 года (нужны оба критерия), низкий результат в 2024 году допустим не "
        "более чем по 1 процедуре."
    )


def test_path_out_all_criterion_2_impossible_means_no_list():
    facts = [r(2023, "математика", 4), r(2022, "математика", 1)]
    path = path_out(2024, facts, RuleParams(combine=COMBINE_ALL, consecutive_years=3))
    assert path.allowed_low is None
    assert path.conditions[0] == (
        "Перечень 2025 года школе не грозит при любых результатах 2024 года: нужны оба критерия, а критерий 2 "
        "не выполнится."
    )


def test_path_out_all_same_mode_either_condition_is_enough():
    facts = [r(2023, "математика", 4), r(2023, "русский язык", 1)]
    path = path_out(2024, facts, RuleParams(combine=COMBINE_ALL, criterion2=SAME))
    assert (path.allowed_low, path.watched) == (1, (("ОГЭ", "математика", 9),))
    assert [limit.must_stay_under for limit in path.limits] == [False, False]
    assert path.conditions[0] == (
        "Чтобы не войти в перечень 2025 года (нужны оба критерия), достаточно одного из двух: низкий результат "
        "в 2024 году не более чем по 1 процедуре — или ни одного низкого результата по процедурам, названным в "
        "критерии 2."
    )


def test_path_out_all_same_mode_with_one_procedure_criterion_1():
    facts = [r(2023, "математика", 4), r(2023, "русский язык", 1)]
    path = path_out(2024, facts, RuleParams(combine=COMBINE_ALL, criterion2=SAME, low_procedures=1))
    assert path.allowed_low is None
    assert [(limit.subject, limit.must_stay_under) for limit in path.limits] == [
        ("математика", True),
        ("русский язык", False),
    ]


# --- stored rule, recompute, export, command, page --------------------------------------------------------------


@pytest.mark.django_db
def test_export_lists_every_criterion_that_holds_under_all(world):
    # a1: two low procedures in 2021, nothing in 2020 → criterion 1 only.
    add(world.school_a1, "ОГЭ", "математика", 9, 2021, 27, 50)
    add(world.school_a1, "ОГЭ", "русский язык", 9, 2021, 31, 100)
    flag_rule_update(region=world.region, user=SYSTEM, combine="all")
    flags_recompute(list_year=2022)
    rows = {row[0]: row for row in csv.reader(io.StringIO(flags_export_csv(list_year=2022)))}
    assert rows["sch610001"][2:4] == ["risk", "1"]
    decision = FlagDecision.objects.get(school=world.school_a1, list_year=2022)
    assert decision.reasons["criteria"] == [1]
    assert FlagComputation.objects.get(pk=decision.computation_id).params["combine"] == "all"
    flag_rule_update(region=world.region, user=SYSTEM, combine="any")
    flags_recompute(list_year=2022)
    assert FlagDecision.objects.get(school=world.school_a1, list_year=2022).status == "shnor"


@pytest.mark.django_db
def test_flag_rule_command_sets_combine_and_applies_the_preset(
    world, capsys, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        call_command("flag_rule", "--region", "Ростовская область", "--set", "combine=all", "threshold=25")
    assert len(callbacks) == 1
    rule = FlagRule.objects.get(region=world.region)
    assert (rule.combine, rule.threshold) == ("all", 25)
    assert "  combine = all" in capsys.readouterr().out

    with django_capture_on_commit_callbacks(execute=True):
        call_command("flag_rule", "--region", "Ростовская область", "--preset", "seed")
    rule.refresh_from_db()
    assert (rule.combine, rule.threshold) == ("any", 30)
    out = capsys.readouterr().out
    assert (
        "Набор «Программа адресной поддержки (Обливский район)». Источник: программа адресной поддержки"
        in out
    )
    assert "Правило сохранено." in out

    with pytest.raises(CommandError, match=r"combine \(сочетание критериев\): Значения 'both' нет среди"):
        call_command("flag_rule", "--region", "Ростовская область", "--set", "combine=both")


@pytest.mark.django_db
def test_rule_page_saves_combine_and_shows_the_presets(client, world, django_capture_on_commit_callbacks):
    client.force_login(world.users["regional_methodist"])
    data = {
        "threshold": 30,
        "low_procedures": 2,
        "consecutive_years": 2,
        "criterion2": "any",
        "kinds": [],
        "min_participants": 1,
        "combine": "all",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("schools:flag_rule"), data)
    assert response.status_code == 302
    assert FlagRule.objects.get(region=world.region).combine == "all"
    page = client.get(response["Location"]).content.decode()
    assert "Школа включается в перечень ШНОР, если выполнены оба критерия:" in page
    assert 'data-preset="seed"' in page
    assert '<input type="hidden" name="preset" value="seed">' in page  # not in force: it can be applied
    assert "приказ от 04.10.2021 № 1336" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("schools:flag_rule"), {"preset": "seed"})
    assert response.status_code == 302
    assert FlagRule.objects.get(region=world.region).combine == "any"
    page = client.get(response["Location"]).content.decode()
    assert "Применён набор «Программа адресной поддержки (Обливский район)»." in page
    assert '<span class="badge">действует</span>' in page
    assert '<input type="hidden" name="preset" value="seed">' not in page

    assert client.post(reverse("schools:flag_rule"), {"preset": "rosobrnadzor"}).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("user", ["methodist", "head", "school_admin", "analyst"])
def test_only_a_region_wide_methodist_applies_a_preset(client, world, user):
    client.force_login(world.users[user])
    response = client.post(reverse("schools:flag_rule"), {"preset": "seed"})
    assert response.status_code == 403
    assert not FlagRule.objects.filter(region=world.region, updated_by__isnull=False).exists()


@pytest.mark.django_db
def test_read_only_rule_page_shows_the_combination(client, world):
    flag_rule_update(region=world.region, user=SYSTEM, combine="all")
    client.force_login(world.users["analyst"])
    page = client.get(reverse("schools:flag_rule")).content.decode()
    assert "<dt>Сочетание критериев</dt><dd>должны выполняться оба критерия</dd>" in page
    assert '<input type="hidden" name="preset"' not in page
