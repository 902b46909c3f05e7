import factory
from factory.django import DjangoModelFactory

from core.models import User
from core.roles import Role
from core.services import role_grant
from schools.models import Municipality, Region, School


class RegionFactory(DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Регион {n}")


class MunicipalityFactory(DjangoModelFactory):
    class Meta:
        model = Municipality

    region = factory.SubFactory(RegionFactory)
    name = factory.Sequence(lambda n: f"Район {n}")


class SchoolFactory(DjangoModelFactory):
    class Meta:
        model = School

    municipality = factory.SubFactory(MunicipalityFactory)
    code = factory.Sequence(lambda n: f"sch{610000 + n}")
    name = factory.Sequence(lambda n: f"МБОУ «Школа №{n}»")
    short_name = factory.LazyAttribute(lambda o: o.name)
    school_type = "СОШ"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    last_name = "Иванова"
    first_name = "Мария"
    middle_name = "Петровна"
    password = factory.PostGenerationMethodCall("set_password", "Пароль-для-тестов-1")

    @factory.post_generation
    def save_password(self, create, extracted, **kwargs):
        if create:
            self.save()


def user_with_role(role: str, target=None, **kwargs) -> User:
    """A user holding ``role`` over ``target`` (a Region, Municipality or School; None for mentors/tutors)."""
    user = UserFactory(**kwargs)
    if role == "superuser":
        user.is_superuser = user.is_staff = True
        user.save(update_fields=["is_superuser", "is_staff"])
        return user
    targets = {}
    if isinstance(target, Region):
        targets["region"] = target
    elif isinstance(target, Municipality):
        targets["municipality"] = target
    elif isinstance(target, School):
        targets["school"] = target
    role_grant(user=user, role=Role(role), **targets)
    return user
