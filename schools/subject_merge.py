"""Re-key the subjects after ``schools.subjects.normalise_subject`` learnt a new variant, merging the subjects that
now share a key (#19). Written for a data migration: it takes the models (``get_model``, as ``apps.get_model``
of a migration or of the running project) and never imports them, so it works on historical models too.

For each key, the subject kept is the one already holding the key, else the first created; it takes the key's
canonical name (``display_subject``). Each other subject of the key (a duplicate) is folded into it:

* its procedures are re-pointed to the kept subject; where the kept subject already has a procedure of the same
  kind, grade and year, the duplicate procedure's results move to that procedure — each school whose result is
  not there yet. A school with a result in both is a **conflict**: both results stay, the duplicate procedure
  stays with them, and so does the duplicate subject (under its old key), listed in the report; nothing is
  deleted or overwritten. A duplicate procedure left with no result is deleted;
* every other reference to it (teachers' subjects, tutor assignments, change history) is re-pointed; a teacher
  who had both keeps one link;
* a duplicate subject left with no procedure is deleted.

ВПР scales (``VprScale.subject_key``) are re-keyed the same way; two scales of one work under one key are a
conflict: the later one keeps its old key and is listed.
"""

from dataclasses import dataclass, field

from django.db import models

from .subjects import display_subject, normalise_subject


@dataclass
class MergeReport:
    rekeyed: int = 0  # subjects kept whose key or name changed
    merged: int = 0  # duplicate subjects folded into another and deleted
    procedures_moved: int = 0  # procedures re-pointed to the kept subject
    results_moved: int = 0  # results moved from a duplicate procedure to the kept one
    procedures_deleted: int = 0  # duplicate procedures left empty by the move
    links_moved: int = 0  # other references (teachers, tutor assignments, history) re-pointed or deduplicated
    scales_rekeyed: int = 0
    conflicts: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        counts = (
            f"Предметы: переименовано или с новым ключом {self.rekeyed}, объединено {self.merged}; "
            f"процедур перенесено {self.procedures_moved}, удалено пустых дублей {self.procedures_deleted}; "
            f"результатов перенесено {self.results_moved}; прочих ссылок {self.links_moved}; "
            f"шкал ВПР с новым ключом {self.scales_rekeyed}; конфликтов {len(self.conflicts)}."
        )
        advice = []
        if self.results_moved or self.procedures_moved or self.procedures_deleted:
            advice.append(
                "Результаты перенесены между процедурами: пересчитайте статусы ШНОР (manage.py recompute_flags --all)."
            )
        return [counts, *self.conflicts, *advice]

    @property
    def changed(self) -> bool:
        return bool(
            self.rekeyed
            or self.merged
            or self.procedures_moved
            or self.results_moved
            or self.links_moved
            or self.scales_rekeyed
            or self.conflicts
        )


def _temporary(pk: int) -> str:
    return f"~rekey~{pk}"  # never a key: normalise_subject lowers and never yields «~»


def merge_subjects(get_model) -> MergeReport:
    """Re-key every subject and merge those sharing a key; run inside a transaction (a migration is one)."""
    subject_model = get_model("schools", "Subject")
    procedure_model = get_model("schools", "Procedure")
    result_model = get_model("schools", "Result")
    report = MergeReport()

    groups: dict[str, list] = {}
    for subject in subject_model.objects.order_by("pk"):
        groups.setdefault(normalise_subject(subject.name), []).append(subject)

    # Free every key that moves first, so that no two rows hold one key mid-way (normalized_name is unique).
    plans = []
    for key, subjects in groups.items():
        kept = next((subject for subject in subjects if subject.normalized_name == key), subjects[0])
        name = display_subject(kept.name)
        duplicates = [subject for subject in subjects if subject is not kept]
        if kept.normalized_name != key or kept.name != name:
            report.rekeyed += 1
        plans.append((key, name, kept, duplicates))
        for subject in subjects:
            if subject.normalized_name != key or subject is not kept:
                subject_model.objects.filter(pk=subject.pk).update(normalized_name=_temporary(subject.pk))
    for key, name, kept, _ in plans:
        subject_model.objects.filter(pk=kept.pk).update(normalized_name=key, name=name)
        kept.normalized_name, kept.name = key, name

    for key, _name, kept, duplicates in plans:
        for duplicate in duplicates:
            _fold(duplicate, kept, subject_model, procedure_model, result_model, report)
            if procedure_model.objects.filter(subject=duplicate).exists():
                old = duplicate.normalized_name
                taken = old == key or subject_model.objects.filter(normalized_name=old).exists()
                subject_model.objects.filter(pk=duplicate.pk).update(
                    normalized_name=f"{old} #{duplicate.pk}" if taken else old
                )
            else:
                subject_model.objects.filter(pk=duplicate.pk).delete()
                report.merged += 1

    _rekey_scales(get_model, report)
    return report


def _fold(duplicate, kept, subject_model, procedure_model, result_model, report: MergeReport) -> None:
    for procedure in procedure_model.objects.filter(subject=duplicate).select_related("kind").order_by("pk"):
        target = procedure_model.objects.filter(
            subject=kept, kind_id=procedure.kind_id, grade=procedure.grade, year=procedure.year
        ).first()
        if target is None:
            procedure_model.objects.filter(pk=procedure.pk).update(subject=kept)
            report.procedures_moved += 1
            continue
        taken = result_model.objects.filter(procedure=target).values("school_id")
        report.results_moved += (
            result_model.objects.filter(procedure=procedure)
            .exclude(school_id__in=taken)
            .update(procedure=target)
        )
        left = list(
            result_model.objects.filter(procedure=procedure)
            .order_by("school_id")
            .values_list("school_id", flat=True)
        )
        if not left:
            procedure_model.objects.filter(pk=procedure.pk).delete()
            report.procedures_deleted += 1
            continue
        shown = ", ".join(str(school) for school in left[:20]) + (" …" if len(left) > 20 else "")
        report.conflicts.append(
            f"Конфликт: {procedure.kind.code}, {procedure.grade} кл., {procedure.year} — у предметов "
            f"«{kept.name}» (#{kept.pk}) и «{duplicate.name}» (#{duplicate.pk}) есть результаты одних и тех же "
            f"школ ({len(left)}; id школ: {shown}). Оба результата сохранены, предмет «{duplicate.name}» "
            f"не объединён: оставьте один из результатов и повторите объединение (manage.py merge_subjects)."
        )

    for relation in subject_model._meta.get_fields(include_hidden=True):
        if not (relation.auto_created and not relation.concrete) or relation.many_to_many:
            continue
        related = relation.related_model
        if related is procedure_model:
            continue
        column = relation.field.name
        rows = related._base_manager.filter(**{column: duplicate})
        if related._meta.auto_created:  # a many-to-many table (a teacher's subjects): one link per pair
            other = next(
                f.name
                for f in related._meta.fields
                if isinstance(f, models.ForeignKey)
                and f.name != column
                and f.related_model is not subject_model
            )
            both = related._base_manager.filter(**{column: kept}).values(other)
            report.links_moved += rows.filter(**{f"{other}__in": both}).delete()[0]
        report.links_moved += rows.update(**{column: kept})


def _rekey_scales(get_model, report: MergeReport) -> None:
    try:
        scale_model = get_model("schools", "VprScale")
    except LookupError:
        return
    # The scale already holding its key first: it keeps it.
    scales = sorted(
        scale_model.objects.order_by("pk"),
        key=lambda scale: scale.subject_key != normalise_subject(scale.subject),
    )
    targets: dict[tuple, int] = {}
    moving = []
    for scale in scales:
        key = normalise_subject(scale.subject)
        work = (scale.year, key, scale.grade)
        if work in targets and targets[work] != scale.pk:
            report.conflicts.append(
                f"Конфликт: шкала ВПР {scale.year}, «{scale.subject}», {scale.grade} кл. (#{scale.pk}) — "
                f"та же работа, что шкала #{targets[work]}; её ключ не изменён: оставьте одну из шкал и "
                "повторите объединение (manage.py merge_subjects)."
            )
            continue
        targets[work] = scale.pk
        if scale.subject_key != key:
            moving.append((scale.pk, key))
    for pk, _ in moving:
        scale_model.objects.filter(pk=pk).update(subject_key=_temporary(pk))
    for pk, key in moving:
        scale_model.objects.filter(pk=pk).update(subject_key=key)
    report.scales_rekeyed = len(moving)
