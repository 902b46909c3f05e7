from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from django.db import models, transaction

from .access import forget_scope
from .models import RoleAssignment, User

M = TypeVar("M", bound=models.Model)


def model_update(
    *,
    instance: M,
    fields: Iterable[str],
    data: Mapping[str, Any],
    also: Mapping[str, Any] | None = None,
) -> tuple[M, bool]:
    """Change those of ``fields`` that ``data`` holds and that differ from the instance; returns the instance and
    whether anything changed (HackSoft's Django-Styleguide ``model_update``).

    Only a change is written: ``full_clean()``, then ``save(update_fields=…)`` with the changed fields and
    ``updated_at`` (when the model has it), so nothing else is overwritten and the change history gets one record.
    ``also`` is set with them, and only then (who made the change: ``updated_by``). A many-to-many field is set
    after the save, when its members differ. Keys of ``data`` not in ``fields`` are ignored; a name in ``fields``
    that is not a field of the model is an error of the caller.
    """
    model_fields = {field.name: field for field in instance._meta.get_fields()}
    # A foreign key by its column too: ``municipality_id`` as well as ``municipality``.
    model_fields |= {field.attname: field for field in instance._meta.concrete_fields}
    changed: list[str] = []
    many: dict[str, Iterable] = {}
    for name in fields:
        field = model_fields.get(name)
        if field is None or not field.concrete:
            raise TypeError(f"{type(instance).__name__} has no field {name!r}")
        if name not in data:
            continue
        if field.many_to_many:
            many[name] = data[name]
        elif getattr(instance, name) != data[name]:
            setattr(instance, name, data[name])
            changed.append(name)
    if changed:
        for name, value in (also or {}).items():
            setattr(instance, name, value)
        update_fields = [*changed, *(also or {})]
        if "updated_at" in model_fields and "updated_at" not in update_fields:
            update_fields.append("updated_at")
        instance.full_clean()
        instance.save(update_fields=update_fields)
    has_updated = bool(changed)
    for name, members in many.items():
        wanted = list(members)
        manager = getattr(instance, name)
        if {getattr(member, "pk", member) for member in wanted} != set(manager.values_list("pk", flat=True)):
            manager.set(wanted)
            has_updated = True
    return instance, has_updated


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str | None,
    last_name: str = "",
    first_name: str = "",
    middle_name: str = "",
    email: str = "",
    position: str = "",
    is_staff: bool = False,
    is_superuser: bool = False,
) -> User:
    user = User(
        username=username,
        last_name=last_name,
        first_name=first_name,
        middle_name=middle_name,
        email=email,
        position=position,
        is_staff=is_staff or is_superuser,
        is_superuser=is_superuser,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean()
    user.save()
    return user


@transaction.atomic
def role_grant(*, user: User, role: str, region=None, municipality=None, school=None) -> RoleAssignment:
    """Give ``user`` a role over one part of the tree; granting the same thing twice changes nothing."""
    assignment = RoleAssignment.objects.filter(
        user=user, role=role, region=region, municipality=municipality, school=school
    ).first()
    if assignment is None:
        assignment = RoleAssignment(
            user=user, role=role, region=region, municipality=municipality, school=school
        )
        assignment.full_clean()
        assignment.save()
    forget_scope(user)
    return assignment
