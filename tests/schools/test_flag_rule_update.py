"""flag_rule_update owns its side effect: a changed rule queues the region's recompute after commit, from the page
and from `flag_rule --set` alike; an unchanged rule or a rollback queues nothing."""

import pytest
from django.core.management import call_command
from django.db import transaction

from core.policies import SYSTEM
from schools.models import FlagDecision, FlagRule, Procedure, ProcedureKind, Result, Subject
from schools.services import flag_rule_update

pytestmark = pytest.mark.django_db


def add_result(school, year: int, failed: int, participants: int = 100) -> None:
    subject = Subject.objects.filter(normalized_name="математика").first() or Subject.objects.create(
        name="математика"
    )
    procedure = Procedure.objects.get_or_create(
        kind=ProcedureKind.objects.get(code="ОГЭ"), subject=subject, grade=9, year=year
    )[0]
    Result.objects.create(school=school, procedure=procedure, failed=failed, participants=participants)


def decided(region) -> set[tuple[str, int]]:
    return set(
        FlagDecision.objects.filter(school__municipality__region=region).values_list(
            "school__code", "list_year"
        )
    )


@pytest.fixture
def results(world):
    add_result(world.school_a1, 2021, 27, 50)
    add_result(world.school_other, 2021, 40)
    return world


def test_a_change_returns_true_and_queues_one_recompute_of_the_region(
    results, monkeypatch, django_capture_on_commit_callbacks
):
    calls = []
    monkeypatch.setattr("schools.tasks.recompute_flags_task.delay", lambda **kw: calls.append(kw))

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        rule, changed = flag_rule_update(region=results.region, user=SYSTEM, threshold=25)

    assert changed is True
    assert rule.threshold == 25 and FlagRule.objects.get(region=results.region).threshold == 25
    assert len(callbacks) == 1
    assert calls == [{"years": None, "region_id": results.region.pk}]


def test_nothing_is_queued_before_the_commit(results, monkeypatch):
    calls = []
    monkeypatch.setattr("schools.tasks.recompute_flags_task.delay", lambda **kw: calls.append(kw))

    # Inside the test's transaction, never committed.
    flag_rule_update(region=results.region, user=SYSTEM, threshold=25)

    assert calls == []


def test_flag_rule_command_recomputes_the_region(results, capsys, django_capture_on_commit_callbacks):
    assert decided(results.region) == set()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        call_command("flag_rule", "--region", "Ростовская область", "--set", "threshold=25")

    assert len(callbacks) == 1
    # The eager task ran: every school of the region has its decision for the list year after the results…
    assert decided(results.region) == {("sch610001", 2022), ("sch610002", 2022), ("sch610101", 2022)}
    assert FlagDecision.objects.get(school=results.school_a1, list_year=2022).status == "risk"
    # …and the other region was not touched.
    assert decided(results.other_region) == set()
    out = capsys.readouterr().out
    assert "threshold = 25" in out
    assert "Правило сохранено. Запущен пересчёт статусов ШНОР за все годы по региону." in out


def test_unchanged_rule_from_the_command_recomputes_nothing(
    results, capsys, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        call_command("flag_rule", "--region", "Ростовская область", "--set", "threshold=30", "kinds=все")

    assert callbacks == []
    assert decided(results.region) == set()
    assert "Параметры не изменились: пересчёт не нужен." in capsys.readouterr().out


def test_unchanged_rule_returns_false_and_writes_nothing(results, django_capture_on_commit_callbacks):
    rule = FlagRule.objects.get_or_create(region=results.region)[0]
    stamp = rule.updated_at

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        rule, changed = flag_rule_update(
            region=results.region, user=results.users["regional_methodist"], threshold=30, kinds=[]
        )

    assert changed is False
    assert callbacks == []
    rule.refresh_from_db()
    assert (rule.updated_at, rule.updated_by) == (stamp, None)


def test_rolled_back_change_queues_nothing(results, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            _rule, changed = flag_rule_update(region=results.region, user=SYSTEM, threshold=25)
            assert changed is True
            raise RuntimeError("the caller's transaction fails after the update")

    assert callbacks == []
    assert decided(results.region) == set()
    assert not FlagRule.objects.filter(region=results.region).exclude(threshold=30).exists()


def test_refused_change_queues_nothing(results, django_capture_on_commit_callbacks):
    from django.core.exceptions import ValidationError

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(ValidationError):
            flag_rule_update(region=results.region, user=SYSTEM, threshold=0)

    assert callbacks == []
    assert not FlagRule.objects.filter(region=results.region).exclude(threshold=30).exists()
