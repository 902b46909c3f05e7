import datetime

import factory
from factory.django import DjangoModelFactory

from core.models import User
from core.roles import Role
from core.services import role_grant
from schools.models import Municipality, ProfessionalCourse, Region, School, Subject, Teacher


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
    # Outside the 61xxxx and 23xxxx codes tests write by hand (the world's sch610101…): a sequence that reached one
    # collided with it, depending on how many schools earlier tests had made.
    code = factory.Sequence(lambda n: f"sch{800000 + n}")
    name = factory.Sequence(lambda n: f"МБОУ «Школа №{n}»")
    short_name = factory.LazyAttribute(lambda o: o.name)
    school_type = "СОШ"


class SubjectFactory(DjangoModelFactory):
    class Meta:
        model = Subject

    name = factory.Sequence(lambda n: f"Предмет {n}")


class TeacherFactory(DjangoModelFactory):
    """A teacher of a school; ``subjects=[...]`` sets the subjects they teach."""

    class Meta:
        model = Teacher
        skip_postgeneration_save = True

    school = factory.SubFactory(SchoolFactory)
    last_name = factory.Sequence(lambda n: f"Педагогова{n}")
    first_name = "Анна"
    middle_name = "Сергеевна"

    @factory.post_generation
    def subjects(self, create, extracted, **kwargs):
        if create and extracted:
            self.subjects.set(extracted)


class ProfessionalCourseFactory(DjangoModelFactory):
    class Meta:
        model = ProfessionalCourse

    teacher = factory.SubFactory(TeacherFactory)
    title = factory.Sequence(lambda n: f"Формирование функциональной грамотности, курс {n}")
    provider = "ГБУ ДПО РО РИПК и ППРО"
    hours = 36
    start_date = datetime.date(2025, 3, 3)
    end_date = datetime.date(2025, 3, 14)


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
