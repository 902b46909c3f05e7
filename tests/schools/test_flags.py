"""Set-based recomputation against the pure rule; commands; idempotency."""

import csv
import io
import json
import random

import pytest
from django.core.management import CommandError, call_command

from core.policies import SYSTEM
from schools.criteria import ResultFact, RuleParams, evaluate
from schools.flags import _decision_writer, flags_export_csv, flags_recompute, flags_recompute_years
from schools.models import FlagDecision, FlagRule, Result
from schools.services import flag_rule_update
from tests.builders.schools import add, procedure
from tests.factories import MunicipalityFactory, RegionFactory, SchoolFactory

pytestmark = pytest.mark.django_db

SUBJECTS = ["математика", "русский язык", "физика"]


def decisions(year):
    return {
        d.school.code: (d.status, d.criteria)
        for d in FlagDecision.objects.filter(list_year=year).select_related("school")
    }


def test_kashtanovskaya_through_the_database(world):
    school = world.school_a1
    add(school, "ОГЭ", "математика", 9, 2021, 27, 50)
    add(school, "ОГЭ", "математика", 9, 2022, 43, 100)
    add(school, "ОГЭ", "русский язык", 9, 2021, 31, 100)
    add(world.school_a2, "ОГЭ", "математика", 9, 2021, 5, 100)
    flags_recompute_years(years=[2022, 2023])
    assert decisions(2022)["sch610001"] == ("shnor", "1")
    assert decisions(2023)["sch610001"] == ("shnor", "2")
    assert decisions(2022)["sch610002"] == ("none", "")
    assert decisions(2023)["sch610002"] == ("no_data", "")
    assert decisions(2022)["sch610101"] == ("no_data", "")
    reasons = FlagDecision.objects.get(school=school, list_year=2022).reasons
    assert [(low["subject"], low["share"]) for low in reasons["low"]] == [
        ("математика", 54.0),
        ("русский язык", 31.0),
    ]


def random_world(seed: int, schools: int = 300):
    rng = random.Random(seed)
    region = RegionFactory(name=f"Случайный регион {seed}")
    municipality = MunicipalityFactory(region=region)
    kinds = ["ВПР", "ОГЭ", "ЕГЭ"]
    procs = {
        (k, s, g, y): procedure(k, s, g, y)
        for k in kinds
        for s in SUBJECTS
        for g in ([5, 6] if k == "ВПР" else [9] if k == "ОГЭ" else [11])
        for y in (2020, 2021, 2022, 2023)
    }
    facts: dict[int, list[ResultFact]] = {}
    results = []
    for n in range(schools):
        school = SchoolFactory(municipality=municipality, code=f"rnd{seed}-{n}")
        facts[school.pk] = []
        for key, proc in procs.items():
            if rng.random() < 0.35:
                continue
            participants = rng.choice([0, 1, 3, 10, 19, 20, 50, 100])
            # Shares around the threshold on purpose: 29, 30 and 31 % appear often.
            failed = min(participants, round(participants * rng.choice([0, 0.1, 0.29, 0.3, 0.31, 0.5, 1])))
            results.append(Result(school=school, procedure=proc, participants=participants, failed=failed))
            facts[school.pk].append(
                ResultFact(
                    year=key[3],
                    kind=key[0],
                    subject=key[1],
                    grade=key[2],
                    participants=participants,
                    failed=failed,
                )
            )
    Result.objects.bulk_create(results)
    return region, facts


@pytest.mark.parametrize(
    "params",
    [
        RuleParams(),
        RuleParams(criterion2="same"),
        RuleParams(threshold=50, low_procedures=1),
        RuleParams(kinds=frozenset({"ОГЭ", "ЕГЭ"}), min_participants=10),
        RuleParams(consecutive_years=3),
    ],
    ids=["default", "same", "t50-lp1", "kinds-min10", "3-years"],
)
def test_set_based_computation_agrees_with_pure_rule(params):
    region, facts = random_world(seed=hash(params) % 1000)
    flag_rule_update(
        user=SYSTEM,
        region=region,
        **{k: (sorted(v) if k == "kinds" else v) for k, v in params.as_dict().items()},
    )
    for list_year in (2022, 2023, 2024):
        flags_recompute(list_year=list_year, region_ids=[region.pk])
        stored = {
            d.school_id: d
            for d in FlagDecision.objects.filter(list_year=list_year, school__municipality__region=region)
        }
        assert len(stored) == len(facts)
        mismatches = []
        for school_id, school_facts in facts.items():
            expected = evaluate(list_year, school_facts, params)
            got = stored[school_id]
            if (got.status, got.criteria, got.reasons) != (
                expected.status,
                expected.criteria_text,
                expected.reasons(),
            ):
                mismatches.append((school_id, got.status, expected.status))
        assert mismatches == []


def test_recompute_is_idempotent(world):
    add(world.school_a1, "ВПР", "математика", 5, 2023, 40, 100)
    flags_recompute(list_year=2024)
    first = {d.school_id: (d.status, d.criteria, d.reasons) for d in FlagDecision.objects.all()}
    flags_recompute(list_year=2024)
    second = {d.school_id: (d.status, d.criteria, d.reasons) for d in FlagDecision.objects.all()}
    assert first == second
    # every school of the region with 2023 results, once; the other region has no 2024 list
    assert FlagDecision.objects.count() == 3


def test_changed_results_change_the_decision(world):
    result = add(world.school_a1, "ВПР", "математика", 5, 2023, 40, 100)
    flags_recompute(list_year=2024)
    assert decisions(2024)["sch610001"] == ("risk", "")
    result.failed = 10
    result.save()
    flags_recompute(list_year=2024)
    assert decisions(2024)["sch610001"] == ("none", "")


def test_portable_writer_gives_the_same_rows(world):
    add(world.school_a1, "ВПР", "математика", 5, 2023, 40, 100)
    flags_recompute(list_year=2024)

    def stored():
        return {
            d.school_id: (d.status, d.criteria, d.reasons, d.computation_id)
            for d in FlagDecision.objects.all()
        }

    copy_path = stored()
    rows = [
        (d.school_id, d.list_year, d.status, d.criteria, json.dumps(d.reasons), d.computation_id)
        for d in FlagDecision.objects.all()
    ]
    FlagDecision.objects.all().delete()
    with _decision_writer(use_copy=False) as write:
        for row in rows:
            write(*row)
    assert stored() == copy_path


def test_each_decision_keeps_the_rule_it_was_computed_with(world):
    add(world.school_a1, "ВПР", "математика", 5, 2023, 40, 100)
    add(world.school_other, "ВПР", "математика", 5, 2023, 10, 100)
    flag_rule_update(user=SYSTEM, region=world.region, threshold=25, criterion2="same")
    flags_recompute(list_year=2024)
    decision = FlagDecision.objects.select_related("computation").get(school=world.school_a1, list_year=2024)
    assert decision.computation.params["threshold"] == 25
    assert decision.computation.params["criterion2"] == "same"
    assert decision.computation.region == world.region
    assert decision.computation.counts == {"risk": 1, "no_data": 2}
    other = FlagDecision.objects.select_related("computation").get(school=world.school_other, list_year=2024)
    assert other.computation.params["threshold"] == 30


def test_recompute_of_one_region_leaves_the_others_alone(world):
    add(world.school_other, "ВПР", "математика", 5, 2023, 40, 100)
    add(world.school_a1, "ВПР", "математика", 5, 2023, 10, 100)
    flags_recompute(list_year=2024)
    other = FlagDecision.objects.get(school=world.school_other, list_year=2024)
    flags_recompute(list_year=2024, region_ids=[world.region.pk])
    assert FlagDecision.objects.get(school=world.school_other, list_year=2024) == other
    assert FlagDecision.objects.filter(list_year=2024).count() == 4


def test_region_rule_is_used_per_region(world):
    add(world.school_a1, "ВПР", "математика", 5, 2023, 25, 100)
    add(world.school_other, "ВПР", "математика", 5, 2023, 25, 100)
    flag_rule_update(user=SYSTEM, region=world.region, threshold=20)
    flags_recompute(list_year=2024)
    assert decisions(2024)["sch610001"] == ("risk", "")
    assert decisions(2024)["sch230001"] == ("none", "")


def test_export_csv_one_row_per_active_school(world):
    add(world.school_a1, "ОГЭ", "математика", 9, 2021, 27, 50)
    add(world.school_a1, "ОГЭ", "русский язык", 9, 2021, 31, 100)
    world.school_a2.is_active = False
    world.school_a2.save()
    flags_recompute(list_year=2022)
    rows = list(csv.reader(io.StringIO(flags_export_csv(list_year=2022))))
    assert rows[0] == ["school_code", "list_year", "status", "criteria", "low_procedures"]
    assert rows[1:] == [
        ["sch230001", "2022", "", "", ""],  # its region has no 2021 results: no 2022 list there
        [
            "sch610001",
            "2022",
            "shnor",
            "1",
            "ОГЭ математика 9 кл. 2021: 54,0% (27 из 50); ОГЭ русский язык 9 кл. 2021: 31,0% (31 из 100)",
        ],
        ["sch610101", "2022", "no_data", "", ""],
    ]


def test_commands(world, tmp_path, capsys):
    add(world.school_a1, "ОГЭ", "математика", 9, 2021, 27, 50)
    add(world.school_a1, "ОГЭ", "русский язык", 9, 2021, 31, 100)
    call_command("recompute_flags", "--all")
    out = capsys.readouterr().out
    assert "Перечень 2022: школ 3 (ШНОР: 1, риск: 0, нет данных: 2, нет признака: 0)" in out
    assert "Перечень 2022" in out and "Перечень 2021" not in out
    output = tmp_path / "flags.csv"
    call_command("export_flags", "--year", "2022", "--output", str(output))
    assert output.read_text(encoding="utf-8").splitlines()[2].startswith("sch610001,2022,shnor,1,")


def test_flag_rule_command(world, capsys):
    with pytest.raises(CommandError, match="несколько регионов"):
        call_command("flag_rule", "--show")
    call_command("flag_rule", "--show", "--region", "Ростовская область")
    assert "threshold = 30" in capsys.readouterr().out
    call_command(
        "flag_rule",
        "--region",
        "Ростовская область",
        "--set",
        "threshold=25",
        "low_procedures=3",
        "consecutive_years=3",
        "criterion2=same",
        "kinds=ОГЭ,егэ",
    )
    rule = FlagRule.objects.get(region=world.region)
    assert (rule.threshold, rule.low_procedures, rule.consecutive_years, rule.criterion2, rule.kinds) == (
        25,
        3,
        3,
        "same",
        ["ЕГЭ", "ОГЭ"],
    )
    with pytest.raises(CommandError, match="Неизвестные виды процедур: ГИА"):
        call_command("flag_rule", "--region", "Ростовская область", "--set", "kinds=ГИА")
    with pytest.raises(CommandError, match="threshold"):
        call_command("flag_rule", "--region", "Ростовская область", "--set", "threshold=0")
    with pytest.raises(CommandError, match="целое число"):
        call_command("flag_rule", "--region", "Ростовская область", "--set", "threshold=тридцать")
    assert FlagRule.objects.get(region=world.region).threshold == 25


def test_nothing_to_recompute(db, capsys):
    call_command("recompute_flags", "--all")
    assert "пересчитывать нечего" in capsys.readouterr().out


def test_task_recomputes(world):
    from schools.tasks import recompute_flags_task

    add(world.school_a1, "ВПР", "математика", 5, 2023, 40, 100)
    recompute_flags_task.delay(years=[2024], region_id=world.region.pk)
    assert decisions(2024)["sch610001"] == ("risk", "")
    assert "sch230001" not in decisions(2024)


def test_export_escapes_formula_like_cells(world):
    world.school_a1.code = "=sch1"
    world.school_a1.save(update_fields=["code"])
    add(world.school_a2, "ВПР", "математика", 5, 2023, 10, 100)
    flags_recompute(list_year=2024)
    assert "\n'=sch1,2024,no_data,," in flags_export_csv(list_year=2024)
