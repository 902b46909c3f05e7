from dataclasses import dataclass
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from core.access import require_editable
from core.errors import ApplicationError
from core.imports import batch_unmatched, import_batch_recheck
from core.models import ImportBatch, User
from core.policies import CHANGE, is_system, policy_for
from core.principals import Actor
from core.services import model_update
from core.tasks import enqueue

from .identity import identifier_key
from .models import IdentifierKind, Municipality, Region, School, SchoolIdentifier
from .policies import APPROVE_LIST, MANAGE_TEACHERS, flag_rule_policy
from .selectors_identity import PICKED_SOURCE
from .tasks import recompute_flags_task


@transaction.atomic
def region_get_or_create(*, name: str, code: str = "") -> Region:
    region = Region.objects.filter(name__iexact=name.strip()).first()
    if region is None:
        region = Region(name=name.strip(), code=code)
        region.full_clean()
        region.save()
    return region


@transaction.atomic
def municipality_get_or_create(*, region: Region, name: str, department_name: str = "") -> Municipality:
    municipality = Municipality.objects.filter(region=region, name__iexact=name.strip()).first()
    if municipality is None:
        municipality = Municipality(region=region, name=name.strip(), department_name=department_name)
        municipality.full_clean()
        municipality.save()
    return municipality


@transaction.atomic
def school_create(*, municipality: Municipality, code: str, name: str, **fields) -> School:
    school = School(municipality=municipality, code=code.strip(), name=name.strip(), **fields)
    school.full_clean()
    school.save()
    return school


@transaction.atomic
def school_update(*, school: School, user: Actor | None, **fields) -> School:
    """Change the given fields; saves only what changed. Returns the school.

    ``user`` must be allowed to change the school (SchoolPolicy); a trusted caller (the demo data, a command) passes
    ``core.policies.SYSTEM``."""
    policy_for(School).require(user, CHANGE, school)
    school, _changed = model_update(instance=school, fields=fields, data=fields)
    return school


# --- the ШНОР rule ---------------------------------------------------------------------------------------

FLAG_RULE_FIELDS = (
    "threshold",
    "low_procedures",
    "consecutive_years",
    "criterion2",
    "kinds",
    "min_participants",
    "combine",
)


def flag_rule_get(*, region: Region):
    """The region's rule; a region without one gets the defaults of 002_… stored on first use."""
    from .models import FlagRule

    rule, _ = FlagRule.objects.get_or_create(region=region)
    return rule


@transaction.atomic
def flag_rule_update(*, region: Region, user: Actor | None, **values):
    """Change rule parameters; unknown kinds and out-of-range numbers raise ValidationError (Russian).

    Returns (rule, changed). A change queues the recompute of the region's statuses for every list year once the
    transaction commits (the page and ``flag_rule --set`` alike); a rollback or an unchanged rule queues nothing.
    """
    from django.core.exceptions import ValidationError

    from .models import ProcedureKind

    # ``user``: a region-wide methodologist (FlagRulePolicy); the command line passes core.policies.SYSTEM.
    flag_rule_policy().require_for_region(user, CHANGE, region)
    unknown = set(values) - set(FLAG_RULE_FIELDS)
    if unknown:
        raise ValidationError(
            f"Неизвестные параметры правила: {', '.join(sorted(unknown))}. "
            f"Допустимы: {', '.join(FLAG_RULE_FIELDS)}."
        )
    rule = flag_rule_get(region=region)
    if "kinds" in values:
        kinds = sorted({code.strip().upper() for code in values["kinds"] if code.strip()})
        known = set(ProcedureKind.objects.values_list("code", flat=True))
        missing = [code for code in kinds if code not in known]
        if missing:
            raise ValidationError(
                f"Неизвестные виды процедур: {', '.join(missing)}. Известны: {', '.join(sorted(known))}."
            )
        values["kinds"] = kinds
    rule, changed = model_update(
        instance=rule,
        fields=FLAG_RULE_FIELDS,
        data=values,
        also={"updated_by": user if getattr(user, "pk", None) else None},
    )
    if changed:
        transaction.on_commit(partial(enqueue, recompute_flags_task, years=None, region_id=region.pk))
    return rule, changed


# --- approved lists --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListPreview:
    """What approving a year's list fixes (issue #20 §3: shown before the methodologist confirms)."""

    schools: int  # the municipality's active schools: each gets a row
    included: int  # computed ШНОР: included from the start
    no_data: int  # no computed status for the year: not included


def _list_start(*, municipality: Municipality, list_year: int, user: Actor | None):
    """The municipality's active schools and their computed statuses for the year, once the list may be started
    (the same refusals for the preview and the creation)."""
    from .models import ApprovedList, FlagDecision

    policy_for(Municipality).require(user, APPROVE_LIST, municipality)
    if ApprovedList.objects.filter(municipality=municipality, list_year=list_year).exists():
        raise ApplicationError(
            f"Перечень ШНОР {list_year} года для муниципалитета «{municipality}» уже создан.",
            code="approved_list_exists",
        )
    schools = School.objects.filter(municipality=municipality, is_active=True)
    computed = dict(
        FlagDecision.objects.filter(list_year=list_year, school__in=schools).values_list(
            "school_id", "status"
        )
    )
    if not computed:
        raise ApplicationError(
            f"Для {list_year} года ещё нет расчётных статусов: загрузите результаты и выполните пересчёт.",
            code="no_decisions",
        )
    return schools, computed


def approved_list_preview(*, municipality: Municipality, list_year: int, user: Actor | None) -> ListPreview:
    """What ``approved_list_create`` would start the list with; refuses as it does and writes nothing."""
    from .criteria import Status

    schools, computed = _list_start(municipality=municipality, list_year=list_year, user=user)
    ids = list(schools.values_list("pk", flat=True))
    return ListPreview(
        schools=len(ids),
        included=sum(computed.get(pk) == Status.SHNOR for pk in ids),
        no_data=sum(computed.get(pk, Status.NO_DATA) == Status.NO_DATA for pk in ids),
    )


@transaction.atomic
def approved_list_create(
    *,
    municipality: Municipality,
    list_year: int,
    order_number: str,
    order_date,
    user: User,
    note: str = "",
):
    """Start the approved list of a year from the computed one: ШНОР included, everything else not. ``user``:
    the methodologist who approves it (a person: the list's history names them)."""

    from .criteria import Status
    from .models import ApprovedList, ApprovedListEntry, ApprovedListEvent

    schools, computed = _list_start(municipality=municipality, list_year=list_year, user=user)
    approved_list = ApprovedList(
        municipality=municipality,
        list_year=list_year,
        order_number=order_number.strip(),
        order_date=order_date,
        note=note,
        created_by=user,
    )
    approved_list.full_clean()
    approved_list.save()
    entries = []
    for school_id in schools.values_list("pk", flat=True):
        status = computed.get(school_id, Status.NO_DATA)
        entries.append(
            ApprovedListEntry(
                approved_list=approved_list,
                school_id=school_id,
                computed_status=status,
                included=status == Status.SHNOR,
            )
        )
    # bulk_create alone would skip the change history: the audit shows each school's starting place.
    bulk_create_with_history(entries, ApprovedListEntry, default_user=user)
    ApprovedListEvent.objects.create(
        approved_list=approved_list,
        action=ApprovedListEvent.Action.CREATED,
        user=user,
        reason=f"Приказ № {approved_list.order_number} от {order_date:%d.%m.%Y}",
    )
    return approved_list


@transaction.atomic
def approved_list_set_inclusion(*, approved_list, school: School, included: bool, reason: str, user: User):
    """Include or exclude a school by hand. Departing from the computed status needs a reason."""
    from django.core.exceptions import ValidationError

    from .criteria import Status
    from .models import ApprovedListEntry, ApprovedListEvent

    policy_for(Municipality).require(user, APPROVE_LIST, approved_list.municipality)
    reason = reason.strip()
    entry = (
        ApprovedListEntry.objects.select_for_update()
        .filter(approved_list=approved_list, school=school)
        .first()
    )
    if entry is None:
        if school.municipality_id != approved_list.municipality_id:
            raise ValidationError("Школа относится к другому муниципалитету.")
        entry = ApprovedListEntry(
            approved_list=approved_list, school=school, computed_status=Status.NO_DATA, included=False
        )
    if entry.included == included and entry.pk:
        return entry
    override = included != (entry.computed_status == Status.SHNOR)
    if override and not reason:
        word = "включения в перечень" if included else "исключения из перечня"
        raise ValidationError(
            {
                "reason": f"Укажите основание {word}: расчётный статус школы — "
                f"«{_status_label(entry.computed_status)}»."
            }
        )
    entry.included = included
    entry.reason = reason
    entry.full_clean()
    entry.save()
    ApprovedListEvent.objects.create(
        approved_list=approved_list,
        school=school,
        user=user,
        reason=reason,
        action=ApprovedListEvent.Action.INCLUDED if included else ApprovedListEvent.Action.EXCLUDED,
    )
    return entry


def _status_label(status: str) -> str:
    from .models import FlagStatus

    return FlagStatus(status).label


# --- teachers -----------------------------------------------------------------------------------------

TEACHER_FIELDS = (
    "last_name",
    "first_name",
    "middle_name",
    "position",
    "category",
    "experience_years",
    "is_active",
)


def _tidy_name(value: str) -> str:
    return " ".join((value or "").split())


@transaction.atomic
def teacher_create(
    *, school: School, user: Actor | None, last_name: str, first_name: str, subjects=(), **fields
):
    from .models import Teacher

    policy_for(School).require(user, MANAGE_TEACHERS, school)
    unknown = set(fields) - set(TEACHER_FIELDS)
    if unknown:
        raise TypeError(f"unknown teacher fields: {sorted(unknown)}")
    teacher = Teacher(
        school=school, last_name=_tidy_name(last_name), first_name=_tidy_name(first_name), **fields
    )
    teacher.middle_name = _tidy_name(teacher.middle_name)
    teacher.full_clean()
    teacher.save()
    teacher.subjects.set(subjects)
    return teacher


@transaction.atomic
def teacher_update(*, teacher, user: Actor | None, subjects=None, **fields):
    """Change the given fields (and the subjects, when given); saves only what changed."""

    require_editable(user, teacher)
    unknown = set(fields) - set(TEACHER_FIELDS)
    if unknown:
        raise TypeError(f"unknown teacher fields: {sorted(unknown)}")
    for name in ("last_name", "first_name", "middle_name"):
        if name in fields:
            fields[name] = _tidy_name(fields[name])
    data = fields if subjects is None else {**fields, "subjects": subjects}
    teacher, _changed = model_update(instance=teacher, fields=[*fields, "subjects"], data=data)
    return teacher


@transaction.atomic
def course_add(
    *,
    teacher,
    user: Actor | None,
    title: str,
    provider: str,
    hours: int,
    start_date,
    end_date,
    certificate="",
):
    from .models import ProfessionalCourse

    require_editable(user, teacher)
    course = ProfessionalCourse(
        teacher=teacher,
        title=title.strip(),
        provider=provider.strip(),
        hours=hours,
        start_date=start_date,
        end_date=end_date,
        certificate=certificate.strip(),
    )
    course.full_clean()
    course.save()
    return course


@transaction.atomic
def course_delete(*, course, user: Actor | None) -> None:
    require_editable(user, course)
    course.delete()


def subject_get_or_create(name: str):
    """The subject for a name in any spelling ("математика ", "МАТЕМАТИКА"); created on first use."""
    from .models import Subject
    from .subjects import display_subject, normalise_subject

    subject = Subject.objects.filter(normalized_name=normalise_subject(name)).first()
    if subject is None:
        subject = Subject(name=display_subject(name))
        subject.full_clean(exclude=["normalized_name"])
        subject.save()
    return subject


# --- a school's identifiers (#19 §1) ---------------------------------------------------------------------


def _person(user: Actor | None):
    """The account behind an action, for a ``created_by``; None for the portal itself (SYSTEM)."""
    return None if is_system(user) or not getattr(user, "pk", None) else user


@transaction.atomic
def school_identifier_add(
    *, school: School, kind: str, value: str, user: Actor | None, source: str = ""
) -> SchoolIdentifier:
    """Record that ``school`` is known as ``value`` of ``kind`` (a ФИС ОКО login, ИНН, a name seen in a file…).

    Idempotent: the same key of the same kind on the same school returns the identifier it has. A key of another
    kind than a name held by another school of the region is refused with an ApplicationError naming that
    school. ``user`` must be allowed to change the school (SchoolPolicy); a command passes ``SYSTEM``."""
    policy_for(School).require(user, CHANGE, school)
    identifier = SchoolIdentifier(
        school=school, kind=kind, value=value.strip(), source=source.strip()[:500], created_by=_person(user)
    )
    identifier.fill_derived()
    if not identifier.key:
        raise ApplicationError("Пустой идентификатор школы.", code="identifier_empty")
    existing = SchoolIdentifier.objects.filter(school=school, kind=kind, key=identifier.key).first()
    if existing is not None:
        return existing
    try:  # clean() says which school holds the key; the constraints say it again, less precisely
        identifier.full_clean(validate_constraints=False)
    except ValidationError as error:
        raise ApplicationError(" ".join(error.messages), code="identifier_taken") from error
    identifier.save()
    return identifier


@transaction.atomic
def school_identifiers_learn(
    *, region: Region, found: dict[tuple[str, str], int], source: str, user: Actor | None
) -> int:
    """Keep identifiers an import learnt, ``found[(kind, value)] = school id``, in one statement: those of
    schools the user may change, not held yet (a key another school holds of the same kind is skipped, never
    moved). Returns how many were added."""
    if not found:
        return 0
    editable = set(
        policy_for(School)
        .instances(user, CHANGE)
        .filter(pk__in=set(found.values()))
        .values_list("pk", flat=True)
    )
    rows = []
    for (kind, value), school_id in found.items():
        if school_id not in editable:
            continue
        identifier = SchoolIdentifier(
            school_id=school_id,
            region=region,
            kind=kind,
            value=value.strip(),
            source=source[:500],
            created_by=_person(user),
        )
        identifier.key = identifier_key(kind, identifier.value)
        if identifier.key:
            rows.append(identifier)
    before = SchoolIdentifier.objects.filter(region=region).count()
    SchoolIdentifier.objects.bulk_create(rows, ignore_conflicts=True)
    return SchoolIdentifier.objects.filter(region=region).count() - before


def import_names_pick(*, batch, picks: dict[int, int], user: Actor | None):
    """Keep the schools a user picked in an import's preview for names that matched none or several
    (``picks[index in batch_unmatched(batch)] = school id``, each among that name's candidates) as the schools'
    names (kind «name», source «выбрано при загрузке «file», date», the user as ``created_by``), then check the
    file again: it now matches, and next year's file with the same names matches by itself. A pick outranks a
    namesake; an earlier pick of the same name for another school of the same municipality (of the region, when
    the file gave none) is replaced."""
    policy_for(ImportBatch).require(user, CHANGE, batch)
    # Refused before anything is kept: the check again below would refuse it after the names were written.
    if batch.status not in (ImportBatch.Status.VALIDATED, ImportBatch.Status.INVALID):
        raise ApplicationError(
            "Файл уже загружен или проверяется: выбор школ не сохранён, обновите страницу."
        )
    unmatched = batch_unmatched(batch)
    chosen: list[tuple[dict, School]] = []
    for index, school_id in picks.items():
        if not 0 <= index < len(unmatched):
            raise ApplicationError("Такого наименования в проверке файла нет: обновите страницу.")
        entry = unmatched[index]
        if school_id not in {candidate["id"] for candidate in entry["candidates"]}:
            raise ApplicationError(f"Школа не из предложенных для «{entry['name']}»: обновите страницу.")
        school = School.objects.select_related("municipality").filter(pk=school_id).first()
        if school is None:  # removed since the preview listed it
            raise ApplicationError(
                f"Школы, предложенной для «{entry['name']}», больше нет: обновите страницу."
            )
        if school.municipality.region_id != batch.region_id:
            raise ApplicationError("Школа из другого региона.")
        # Candidates are offered region-wide when the file names no municipality: one outside the user's write
        # scope is said on the preview (school_identifier_add would deny it with a bare 403 page).
        if not policy_for(School).can(user, CHANGE, school):
            raise ApplicationError(
                f"Школа {school.code} «{school}» вне вашей области доступа: выберите другую или попросите "
                "методиста её муниципалитета."
            )
        chosen.append((entry, school))
    if not chosen:
        raise ApplicationError("Не выбрано ни одной школы.", code="nothing_picked")
    # No name in the text: the card shows the source to everyone who reads the school; who picked is created_by.
    source = f"{PICKED_SOURCE} «{batch.original_name}», {timezone.localdate():%d.%m.%Y}"
    with transaction.atomic():
        for entry, school in chosen:
            key = identifier_key(IdentifierKind.NAME, entry["name"])
            rivals = SchoolIdentifier.objects.filter(
                region_id=batch.region_id, kind=IdentifierKind.NAME, key=key, source__startswith=PICKED_SOURCE
            ).exclude(school=school)
            if entry.get("municipality_id"):
                rivals = rivals.filter(school__municipality_id=entry["municipality_id"])
            for rival in rivals.select_related("school"):
                policy_for(School).require(user, CHANGE, rival.school)
                rival.delete()
            school_identifier_add(
                school=school, kind=IdentifierKind.NAME, value=entry["name"], user=user, source=source
            )
    return import_batch_recheck(batch=batch, user=user)
