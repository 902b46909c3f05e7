from django.db import transaction

from .access import forget_scope
from .models import RoleAssignment, User


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
