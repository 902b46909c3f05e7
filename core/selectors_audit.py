"""The audit: who changed what and when in the portal's working data, and who signed in.

Reads only. The changes are the historical tables of django-simple-history (core/history.py): one list, newest
first, merged across the tracked models with a UNION ALL of (date, id, audit_source) and read a page at a time. Each
historical row is placed in the organisation tree by its own foreign-key ids, matched against ids the policies
give (core.policies.AuditPolicy: ``audited`` asks each organisation's own policy with AUDIT_ROLES, ``audited_whole``
the regions held region-wide), so a deleted object stays in its municipality's audit.
Children whose parent may be deleted with them (a route's lines, a form's entries, a roadmap's items) are
matched against the parent's live ids and the ids in the parent's own history.
"""

import datetime
import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache, cached_property

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import OuterRef, Q, Subquery, Value
from django.utils import timezone
from django.utils.text import Truncator, capfirst

from .models import AuthEvent, RoleAssignment, User
from .policies import VIEW, policy_for
from .principals import Actor
from .roles import AUDIT_ROLES

PAGE_SIZE = 50
# A long text (an activity, recommendations) is cut to this many characters in the list of changes.
VALUE_CHARS = 300

ACTIONS = {"+": "создано", "~": "изменено", "-": "удалено"}
# Russian names of the fields some models leave to Django's default (the field name in English).
FIELD_LABELS = {
    "created_by": "создал",
    "approved_by": "утвердил",
    "submitted_by": "отправил",
    "reviewed_by": "рассмотрел",
    "updated_by": "изменил",
}


# --- the reader's reach -------------------------------------------------------------------------------------


class Reach:
    """Ids in the reader's scope, as subqueries the policies give (nothing is read until a query runs): the
    audit's policy (core.policies.AuditPolicy) asks each organisation's own policy with the audit roles."""

    def __init__(self, user: Actor | None):
        self.user = user
        self.policy = policy_for(AuthEvent)  # core.policies.AuditPolicy
        self.everything = self.policy.reach_scope(user, AUDIT_ROLES).everything

    def ids(self, model) -> models.QuerySet:
        """Ids of ``model``'s rows in the reader's territory (``model``'s policy)."""
        return self.policy.audited(self.user, model)

    @cached_property
    def whole_regions(self) -> models.QuerySet:
        """Ids of the regions whose own records the reader audits: a region-wide grant, not a municipal one."""
        return self.policy.audited_whole(self.user, _related(RoleAssignment, "region"))

    @cached_property
    def user_ids(self) -> list[models.QuerySet]:
        """The people of the reader's territory: a role there, or (the apps' registered people, e.g. mentoring)
        an order naming them mentor or tutor there."""
        return [
            RoleAssignment.objects.filter(
                Q(region_id__in=self.whole_regions)
                | Q(municipality_id__in=self.ids(_related(RoleAssignment, "municipality")))
                | Q(school_id__in=self.ids(_related(RoleAssignment, "school")))
            ).values("user_id"),
            *(subquery for people in _PEOPLE for subquery in people(self)),
        ]


def any_in(column: str, subqueries: Iterable) -> Q:
    q = Q(pk__in=[])
    for subquery in subqueries:
        q |= Q(**{f"{column}__in": subquery})
    return q


# --- what is tracked ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """A tracked model: where its historical rows sit in the tree, and how one is named in the list."""

    model: type[models.Model]
    scope: Callable[[Reach], Q]  # a filter on the historical model
    related: tuple[str, ...] = ()  # select_related on the historical rows, for the label
    label: Callable[[models.Model], str] = str

    @property
    def key(self) -> str:
        return self.model._meta.label_lower

    @property
    def history_model(self) -> type[models.Model]:
        return self.model.history.model

    @property
    def title(self) -> str:
        return str(self.model._meta.verbose_name)


def in_scope(column: str, model: type[models.Model]) -> Callable[[Reach], Q]:
    """Rows whose ``column`` holds the id of a ``model`` row the reader reaches."""

    def scope(reach: Reach) -> Q:
        return Q(**{f"{column}__in": reach.ids(model)})

    return scope


def in_parent_scope(
    column: str, parent: type[models.Model], parent_scope: Callable[[Reach], Q]
) -> Callable[[Reach], Q]:
    """Rows whose parent is in scope now, or was when it was last recorded (the parent may be deleted)."""

    def scope(reach: Reach) -> Q:
        past = parent.history.model._default_manager.filter(parent_scope(reach)).values("id")
        return Q(**{f"{column}__in": reach.ids(parent)}) | Q(**{f"{column}__in": past})

    return scope


def _related(model: type[models.Model], field: str) -> type[models.Model]:
    """The model a foreign key points to: core's models name the organisations (schools) only as strings."""
    related = model._meta.get_field(field).related_model
    if not isinstance(related, type):  # "self" or None: not a foreign key to another model
        raise LookupError(f"{model._meta.label}.{field} is not a foreign key")
    return related


def _role_assignment_scope(reach: Reach) -> Q:
    return (
        Q(region_id__in=reach.whole_regions)
        | Q(municipality_id__in=reach.ids(_related(RoleAssignment, "municipality")))
        | Q(school_id__in=reach.ids(_related(RoleAssignment, "school")))
        # mentors and tutors hold their role with no territory: theirs are seen where their orders are
        | (Q(region_id=None, municipality_id=None, school_id=None) & any_in("user_id", reach.user_ids))
    )


def _user_scope(reach: Reach) -> Q:
    return any_in("id", reach.user_ids)


# The tracked models come from the apps, which register them in AppConfig.ready() (core knows no app above
# it); ``order`` keeps the model filter in the order of the areas: ШНОР lists, mentoring, ИОМ, roadmaps,
# reports, then people.
_SOURCES: dict[str, tuple[int, Source]] = {}
# The people a reader's territory holds besides role holders: functions Reach -> subqueries of user ids.
_PEOPLE: list[Callable[[Reach], list[models.QuerySet]]] = []


def register_audit_sources(order: int, *sources: Source) -> None:
    """Track ``sources`` in the audit, after those of a lower ``order`` (the same model replaces itself)."""
    for index, source in enumerate(sources):
        _SOURCES[source.key] = (order + index, source)
    audit_sources.cache_clear()


def register_audit_people(people: Callable[[Reach], list[models.QuerySet]]) -> None:
    """People of a territory by the app's own records (e.g. mentoring's orders naming mentors and tutors)."""
    if people not in _PEOPLE:
        _PEOPLE.append(people)


def register_core_audit_sources() -> None:
    register_audit_sources(
        900,
        Source(User, _user_scope),
        Source(RoleAssignment, _role_assignment_scope, ("user", "region", "municipality", "school")),
    )


@cache
def audit_sources() -> tuple[Source, ...]:
    """The tracked models, in the order of the model filter."""
    return tuple(source for _, source in sorted(_SOURCES.values(), key=lambda entry: entry[0]))


def source_choices() -> list[tuple[str, str]]:
    return [(source.key, str(capfirst(source.model._meta.verbose_name_plural))) for source in audit_sources()]


# --- the list of changes ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditFilter:
    source: str = ""  # Source.key; empty — all
    user_text: str = ""  # part of a username or a name
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _date_q(column: str, flt: "AuditFilter | AuthFilter") -> Q:
    q = Q()
    if flt.date_from:
        q &= Q(**{f"{column}__gte": _start_of(flt.date_from)})
    if flt.date_to:
        q &= Q(**{f"{column}__lt": _start_of(flt.date_to + datetime.timedelta(days=1))})
    return q


def _matching_users(text: str) -> models.QuerySet:
    q = Q()
    for word in text.split()[:3]:
        q &= (
            Q(username__icontains=word)
            | Q(last_name__icontains=word)
            | Q(first_name__icontains=word)
            | Q(middle_name__icontains=word)
        )
    return User.objects.filter(q).values("pk")


def change_rows(user: Actor | None, flt: AuditFilter) -> models.QuerySet:
    """(history_date, history_id, source index) of the changes ``user`` may read, newest first."""
    reach = Reach(user)
    parts = []
    for index, source in enumerate(audit_sources()):
        if flt.source and source.key != flt.source:
            continue
        rows = source.history_model._default_manager.filter(_date_q("history_date", flt))
        if not reach.everything:
            rows = rows.filter(source.scope(reach))
        if flt.user_text.strip():
            rows = rows.filter(history_user_id__in=_matching_users(flt.user_text))
        # order_by(): no ORDER BY inside the compound (the historical models order themselves by Meta), which
        # SQLite refuses — «ORDER BY not allowed in subqueries of compound statements» (issue #17); the union
        # is ordered once, below.
        parts.append(
            rows.annotate(audit_source=Value(index))
            .values_list("history_date", "history_id", "audit_source")
            .order_by()
        )
    if not parts:  # an unknown model in the filter
        return audit_sources()[0].history_model._default_manager.none().values_list("history_date")
    combined = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    return combined.order_by("-history_date", "-audit_source", "-history_id")


@dataclass
class Change:
    label: str
    before: str | None  # None for a created object's values
    after: str


@dataclass
class AuditEntry:
    at: datetime.datetime
    who: str
    what: str  # the model
    object_label: str
    action: str
    changes: list[Change] = field(default_factory=list)
    note: str = ""


def audit_entries(rows: Iterable[tuple]) -> list[AuditEntry]:
    """The page's historical rows with their previous states, diffed: a fixed number of queries per model."""
    rows = list(rows)
    sources = audit_sources()
    by_source: dict[int, list[int]] = defaultdict(list)
    for _at, history_id, index in rows:
        by_source[index].append(history_id)

    records: dict[tuple[int, int], models.Model] = {}
    previous: dict[tuple[int, int], models.Model] = {}
    m2m: dict[tuple[int, str], dict[int, set]] = {}
    for index, history_ids in by_source.items():
        source = sources[index]
        loaded, earlier = _load(source, history_ids)
        records.update({(index, r.history_id): r for r in loaded})
        previous.update({(index, r.history_id): earlier[r.prev_id] for r in loaded if r.prev_id in earlier})
        for m2m_field in source.history_model._history_m2m_fields:
            m2m[(index, m2m_field.name)] = _m2m_members(
                source, m2m_field, [*history_ids, *(p.history_id for p in earlier.values())]
            )

    raw: list[tuple[int, models.Model, list[tuple]]] = []
    wanted: dict[type[models.Model], set] = defaultdict(set)
    for _at, history_id, index in rows:
        record = records.get((index, history_id))
        if record is None:
            continue
        changes = _raw_changes(sources[index], record, previous.get((index, history_id)), m2m, index)
        for model_field, old, new in changes:
            if model_field.is_relation:
                for value in (old, new):
                    if isinstance(value, set | frozenset):
                        wanted[model_field.related_model].update(value)
                    elif value is not None:
                        wanted[model_field.related_model].add(value)
        raw.append((index, record, changes))
    names = _names(wanted)
    people = _people({record.history_user_id for _i, record, _c in raw if record.history_user_id})

    entries = []
    for index, record, changes in raw:
        source = sources[index]
        has_previous = (index, record.history_id) in previous
        entries.append(
            AuditEntry(
                at=record.history_date,
                who=people.get(record.history_user_id, "система") if record.history_user_id else "система",
                what=source.title,
                object_label=_label(source, record),
                action=ACTIONS.get(record.history_type) or record.history_type,
                changes=[
                    Change(
                        label=_field_label(model_field),
                        before=None if record.history_type == "+" else _display(model_field, old, names),
                        after=_display(model_field, new, names),
                    )
                    for model_field, old, new in changes
                ],
                note=_note(record, has_previous, changes),
            )
        )
    return entries


def _load(source: Source, history_ids: list[int]):
    """The page's rows of one model with, in one more query, the state each one changed."""
    manager = source.history_model._default_manager
    prior = (
        manager.filter(id=OuterRef("id"))
        .filter(
            Q(history_date__lt=OuterRef("history_date"))
            | Q(history_date=OuterRef("history_date"), history_id__lt=OuterRef("history_id"))
        )
        .order_by("-history_date", "-history_id")
        .values("history_id")[:1]
    )
    loaded = list(
        manager.filter(history_id__in=history_ids)
        .select_related(*source.related)
        .annotate(prev_id=Subquery(prior))
    )
    _fill_deleted(source, loaded)
    wanted = [r.prev_id for r in loaded if r.prev_id is not None and r.history_type == "~"]
    earlier = {r.history_id: r for r in manager.filter(history_id__in=wanted)} if wanted else {}
    return loaded, earlier


def _fill_deleted(source: Source, loaded: list) -> None:
    """A related object deleted since (a roadmap, for its items) is named by its last recorded state."""
    for name in {path.split("__")[0] for path in source.related}:
        history_field = source.history_model._meta.get_field(name)
        gone = {
            getattr(r, history_field.attname)
            for r in loaded
            if getattr(r, history_field.attname) is not None
            and history_field.is_cached(r)
            and history_field.get_cached_value(r) is None
        }
        if not gone:
            continue
        past = _past_instances(history_field.related_model, gone)
        for r in loaded:
            instance = past.get(getattr(r, history_field.attname))
            if instance is not None:
                history_field.set_cached_value(r, instance)


def _past_instances(model, ids: set) -> dict:
    """The last recorded state of deleted objects of a tracked model, as unsaved instances (one query)."""
    if not ids or not hasattr(model._meta, "simple_history_manager_attribute"):
        return {}
    past = {}
    for record in model.history.model._default_manager.filter(id__in=ids).order_by("id", "history_date"):
        past[record.id] = record.history_object
    return past


def _m2m_members(source: Source, m2m_field, history_ids: list[int]) -> dict[int, set]:
    """history_id → ids of the related objects at that moment (e.g. a roadmap item's responsible users)."""
    through = getattr(source.history_model, m2m_field.name).model
    target = f"{m2m_field.m2m_reverse_field_name()}_id"
    members: dict[int, set] = defaultdict(set)
    for history_id, member in through.objects.filter(history_id__in=history_ids).values_list(
        "history_id", target
    ):
        members[history_id].add(member)
    return members


def _raw_changes(source: Source, record, before, m2m, index) -> list[tuple]:
    """(live model field, old, new) for a change; (field, None, value) for a creation's filled fields."""
    model = source.model
    m2m_fields = source.history_model._history_m2m_fields
    if record.history_type == "-":
        return []
    if record.history_type == "+":
        filled = []
        for model_field in record.tracked_fields:
            value = getattr(record, model_field.attname)
            if model_field.editable and not model_field.primary_key and value not in (None, "", [], {}):
                filled.append((model_field, None, value))
        for m2m_field in m2m_fields:
            members = m2m[(index, m2m_field.name)].get(record.history_id, set())
            if members:
                filled.append((m2m_field, None, members))
        return filled
    if before is None:
        return []
    delta = record.diff_against(before, excluded_fields=[f.name for f in m2m_fields])
    changes = [(model._meta.get_field(c.field), c.old, c.new) for c in delta.changes]
    for m2m_field in m2m_fields:
        members = m2m[(index, m2m_field.name)]
        old, new = members.get(before.history_id, set()), members.get(record.history_id, set())
        if old != new:
            changes.append((m2m_field, old, new))
    return sorted(changes, key=lambda change: change[0].creation_counter)  # in the model's order


def _field_label(model_field) -> str:
    label = str(model_field.verbose_name)
    if label == model_field.name.replace("_", " "):  # no verbose_name given
        return FIELD_LABELS.get(model_field.name, label)
    return label


def _note(record, has_previous: bool, changes: list) -> str:
    if record.history_type != "~" or changes:
        return ""
    if not has_previous:
        return "Предыдущее состояние не записано (объект создан до включения журнала)."
    return "Сохранено без изменений в полях журнала (например, сменён пароль)."


def _label(source: Source, record) -> str:
    instance = source.model(**{f.attname: getattr(record, f.attname) for f in record.tracked_fields})
    for name in {path.split("__")[0] for path in source.related}:
        history_field = record._meta.get_field(name)
        if history_field.is_cached(record):
            source.model._meta.get_field(name).set_cached_value(
                instance, history_field.get_cached_value(record)
            )
    try:
        return str(source.label(instance))
    except (AttributeError, ObjectDoesNotExist):  # a related object deleted since
        return f"№ {record.id}"


def _names(wanted: dict[type[models.Model], set]) -> dict[tuple[type, object], str]:
    """Names of the objects that changed fields point to: one query per related model."""
    names = {}
    for model, ids in wanted.items():
        forward = [f.name for f in model._meta.fields if f.many_to_one]
        for obj in model._default_manager.filter(pk__in=ids).select_related(*forward):
            names[(model, obj.pk)] = str(obj)
        gone = {pk for pk in ids if (model, pk) not in names}
        for pk, obj in _past_instances(model, gone).items():
            try:
                names[(model, pk)] = f"{obj} (удалён)"
            except (AttributeError, ObjectDoesNotExist):
                continue
    return names


def _people(ids: set[int]) -> dict[int, str]:
    """Who made the changes; a user deleted since is named from their own history."""
    people = {user.pk: _person(user) for user in User.objects.filter(pk__in=ids)}
    missing = ids - people.keys()
    if missing:
        for past in User.history.model.objects.filter(id__in=missing).order_by("id", "history_date"):
            people[past.id] = f"{_person(past)} (удалён)"
    return people


def _person(user: Actor | None) -> str:
    full = " ".join(part for part in (user.last_name, user.first_name, user.middle_name) if part)
    return f"{full} ({user.username})" if full else user.username


def _display(model_field, value, names) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, set | frozenset):
        shown = sorted(names.get((model_field.related_model, pk), f"№ {pk} (удалён)") for pk in value)
        return ", ".join(shown) if shown else "—"
    if model_field.is_relation:
        return names.get((model_field.related_model, value), f"№ {value} (удалён)")
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(model_field, models.BooleanField):
        return "да" if value else "нет"
    if isinstance(model_field, models.DateTimeField):
        return f"{timezone.localtime(value):%d.%m.%Y %H:%M}"
    if isinstance(model_field, models.DateField):
        return f"{value:%d.%m.%Y}"
    if isinstance(model_field, models.JSONField):
        value = json.dumps(value, ensure_ascii=False)
    return Truncator(str(value)).chars(VALUE_CHARS)


# --- sign-ins -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuthFilter:
    kind: str = ""
    user_text: str = ""
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None


def auth_events(user: Actor | None, flt: AuthFilter) -> models.QuerySet:
    """Sign-ins, sign-outs and failures ``user`` may read: a superuser all, staff those of their people (a
    failure under an unknown name belongs to nobody and only a superuser sees it)."""
    events = policy_for(AuthEvent).instances(
        user, VIEW, AuthEvent.objects.select_related("user").filter(_date_q("at", flt))
    )
    if flt.kind in AuthEvent.Kind.values:
        events = events.filter(kind=flt.kind)
    if flt.user_text.strip():
        events = events.filter(
            Q(user_id__in=_matching_users(flt.user_text)) | Q(username__icontains=flt.user_text.strip())
        )
    return events.order_by("-at", "-pk")
