"""Serializers of the areas' endpoints: mentors, tutors, partnerships, teachers, diagnostics aggregates, ИОМ
progress, roadmaps, events and the programme's indicators.

Personal data (152-ФЗ): people's names — teachers', and mentors' and tutors', who are teachers too — and the free
texts that name people go only to people who passed the gate (a browser session) and to keys carrying
``personal_data``. A key without it gets no name at all: a person is a stable pseudonym (HMAC-SHA256 of the id,
16 hex characters) instead of an id, and the name fields are left out of the answer.
"""

import hashlib
import hmac

from django.conf import settings
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from diagnostics.models import Campaign, CompetenceBlock, FormStatus, ProgressForm
from indicators.rules import GREEN, LIGHT_LABELS, NONE, RED, YELLOW
from mentoring.models import MentorAssignment, Partnership, PlanItem, TutorAssignment
from roadmaps.models import Event, Roadmap, RoadmapItem
from schools.models import Teacher

from .base import RussianModelSerializer
from .models import ClientKey

PSEUDONYM_LENGTH = 16
TEACHER, USER = "teacher", "user"
NAME_NOTE = " Только с правом на персональные данные: иначе поля нет в ответе."


def personal_data_allowed(request) -> bool:
    """May this caller read people's names? A person in a browser passed the gate for names (the querysets
    show them only teachers they may read); a key only with ``personal_data``. No request: no names."""
    if request is None:
        return False
    key = getattr(request, "auth", None)
    if isinstance(key, ClientKey):
        return bool(key.personal_data)
    return True


def pseudonym(pk: int, kind: str = TEACHER) -> str:
    """A stable pseudonymous id: the first 16 hex characters of HMAC-SHA256 of the id.

    A teacher's is of the bare id; a user's (mentor, tutor) of «user:<id>», so the two never collide. The key is
    ``settings.API_PSEUDONYM_KEY`` when set (so SECRET_KEY can rotate without renaming everyone), else SECRET_KEY.
    """
    secret = getattr(settings, "API_PSEUDONYM_KEY", "") or settings.SECRET_KEY
    message = str(pk) if kind == TEACHER else f"{kind}:{pk}"
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()[:PSEUDONYM_LENGTH]


@extend_schema_field(
    {
        "oneOf": [
            {"type": "integer"},
            {"type": "string", "pattern": f"^[0-9a-f]{{{PSEUDONYM_LENGTH}}}$"},
        ]
    }
)
class PersonIdField(serializers.Field):
    """A person's id, or their pseudonym (16 hex characters) for a key without the right to personal data."""

    def __init__(self, *, kind: str = TEACHER, **kwargs):
        self.kind = kind
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value):
        if value is None:
            return None
        if personal_data_allowed(self.context.get("request")):
            return value
        return pseudonym(value, self.kind)


def name_field(source: str | None, help_text: str, **kwargs) -> serializers.CharField:
    """An optional (not always present) name field: left out of the answer for a key without personal data."""
    if source:
        kwargs["source"] = source
    return serializers.CharField(required=False, help_text=help_text + NAME_NOTE, **kwargs)


class PersonalDataMixin:
    """Leaves ``personal_fields`` out of the answer unless the caller may read personal data."""

    personal_fields: tuple[str, ...] = ()

    def get_fields(self):
        fields = super().get_fields()
        if self.personal_fields and not personal_data_allowed(self.context.get("request")):
            for name in self.personal_fields:
                fields.pop(name, None)
        return fields


def today():
    return timezone.localdate()


# --- mentoring ---------------------------------------------------------------------------------------------


class MentorSerializer(PersonalDataMixin, RussianModelSerializer):
    """Назначение наставника школе приказом."""

    personal_fields = ("mentor_name", "end_note")

    school_code = serializers.CharField(source="school.code", read_only=True, help_text="код ОО")
    mentor_kind = serializers.SerializerMethodField(
        help_text="кто наставник: person — педагог (пользователь портала), school — школа-наставник"
    )
    mentor_user = PersonIdField(
        kind=USER,
        source="mentor_user_id",
        allow_null=True,
        help_text="наставник-педагог: id пользователя или, без права на персональные данные, псевдоним; "
        "null, если наставник — школа",
    )
    mentor_name = name_field(
        "mentor_user.full_name", "ФИО наставника-педагога; null, если наставник — школа.", allow_null=True
    )
    mentor_school_code = serializers.CharField(
        source="mentor_school.code",
        read_only=True,
        allow_null=True,
        help_text="код школы-наставника; null, если наставник — педагог",
    )
    order_number = serializers.CharField(source="order.number", read_only=True, help_text="номер приказа")
    order_date = serializers.DateField(source="order.date", read_only=True, help_text="дата приказа")
    end_note = serializers.CharField(required=False, help_text="основание окончания." + NAME_NOTE)
    active = serializers.SerializerMethodField(help_text="назначение действует сегодня")

    class Meta:
        model = MentorAssignment
        fields = [
            "id",
            "school",
            "school_code",
            "mentor_kind",
            "mentor_user",
            "mentor_name",
            "mentor_school",
            "mentor_school_code",
            "order",
            "order_number",
            "order_date",
            "start_date",
            "end_date",
            "end_note",
            "active",
            "updated_at",
        ]

    def get_mentor_kind(self, assignment) -> str:
        return "person" if assignment.mentor_user_id else "school"

    def get_active(self, assignment) -> bool:
        return assignment.is_active_on(today())


class TutorSerializer(PersonalDataMixin, RussianModelSerializer):
    """Назначение тьютора педагогу по предмету приказом."""

    personal_fields = ("teacher_name", "tutor_name", "end_note")

    teacher = PersonIdField(
        source="teacher_id", help_text="педагог: id или, без права на персональные данные, псевдоним"
    )
    teacher_name = name_field("teacher.full_name", "ФИО педагога.")
    school = serializers.IntegerField(
        source="teacher.school_id", read_only=True, help_text="id школы педагога"
    )
    subject = serializers.CharField(source="subject.name", read_only=True, help_text="предмет")
    tutor = PersonIdField(
        kind=USER,
        source="tutor_id",
        help_text="тьютор: id пользователя или, без права на персональные данные, псевдоним",
    )
    tutor_name = name_field("tutor.full_name", "ФИО тьютора.")
    order_number = serializers.CharField(source="order.number", read_only=True, help_text="номер приказа")
    order_date = serializers.DateField(source="order.date", read_only=True, help_text="дата приказа")
    end_note = serializers.CharField(required=False, help_text="основание окончания." + NAME_NOTE)
    active = serializers.SerializerMethodField(help_text="назначение действует сегодня")

    class Meta:
        model = TutorAssignment
        fields = [
            "id",
            "teacher",
            "teacher_name",
            "school",
            "subject",
            "tutor",
            "tutor_name",
            "order",
            "order_number",
            "order_date",
            "start_date",
            "end_date",
            "end_note",
            "active",
            "updated_at",
        ]

    def get_active(self, assignment) -> bool:
        return assignment.is_active_on(today())


class PlanItemSerializer(PersonalDataMixin, RussianModelSerializer):
    """Пункт совместного плана партнёрства."""

    personal_fields = ("responsible", "note")

    responsible = serializers.CharField(required=False, help_text="ответственные." + NAME_NOTE)
    note = serializers.CharField(required=False, help_text="примечание." + NAME_NOTE)
    overdue = serializers.SerializerMethodField(help_text="просрочен: не выполнен и не отменён, срок прошёл")

    class Meta:
        model = PlanItem
        fields = [
            "id",
            "title",
            "due_date",
            "responsible",
            "status",
            "done_on",
            "note",
            "overdue",
            "updated_at",
        ]

    def get_overdue(self, item) -> bool:
        return item.is_overdue(today())


class PartnershipSerializer(RussianModelSerializer):
    """Сетевое партнёрство ШНОР со школами-партнёрами и совместный план."""

    school_code = serializers.CharField(source="school.code", read_only=True, help_text="код ОО (ШНОР)")
    partners = serializers.PrimaryKeyRelatedField(many=True, read_only=True, help_text="школы-партнёры (id)")
    years = serializers.CharField(
        source="years_label", read_only=True, help_text="учебные годы партнёрства, например «2026/27–2027/28»"
    )
    order_number = serializers.CharField(
        source="order.number", read_only=True, allow_null=True, help_text="номер приказа; null — без приказа"
    )
    plan_items = PlanItemSerializer(many=True, read_only=True, help_text="совместный план, по сроку")

    class Meta:
        model = Partnership
        fields = [
            "id",
            "school",
            "school_code",
            "partners",
            "kind",
            "first_year",
            "last_year",
            "years",
            "agreement_number",
            "agreement_date",
            "order",
            "order_number",
            "goal",
            "plan_items",
            "updated_at",
        ]


# --- teachers ----------------------------------------------------------------------------------------------


class TeacherSerializer(PersonalDataMixin, RussianModelSerializer):
    """Педагог. С правом на персональные данные — id и ФИО; без него — псевдоним и ни одного имени."""

    personal_fields = ("last_name", "first_name", "middle_name", "full_name")

    id = PersonIdField(source="pk", help_text="id педагога или, без права на персональные данные, псевдоним")
    last_name = name_field(None, "Фамилия.")
    first_name = name_field(None, "Имя.")
    middle_name = name_field(None, "Отчество.")
    full_name = name_field(None, "ФИО.")
    school_code = serializers.CharField(source="school.code", read_only=True, help_text="код ОО")
    subjects = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="name", help_text="предметы, которые ведёт педагог"
    )

    class Meta:
        model = Teacher
        fields = [
            "id",
            "last_name",
            "first_name",
            "middle_name",
            "full_name",
            "school",
            "school_code",
            "position",
            "subjects",
            "category",
            "experience_years",
            "is_active",
            "updated_at",
        ]


# --- diagnostics aggregates ------------------------------------------------------------------------------


class BlockSerializer(RussianModelSerializer):
    """Блок компетенций диагностики."""

    class Meta:
        model = CompetenceBlock
        fields = ["code", "name", "max_score", "position"]


class BlockCountSerializer(serializers.Serializer):
    """Счётчики школы по одному блоку компетенций."""

    code = serializers.CharField(help_text="код блока компетенций")
    measured = serializers.IntegerField(help_text="педагогов школы с баллом по блоку")
    below = serializers.IntegerField(help_text="из них ниже порога дефицита (дефицит по блоку)")


class SchoolDiagnosticsSerializer(serializers.Serializer):
    """Сводка диагностики по одной школе-участнице."""

    school = serializers.IntegerField(help_text="id школы")
    school_code = serializers.CharField(help_text="код ОО")
    teachers_with_results = serializers.IntegerField(help_text="педагогов школы с результатами диагностики")
    blocks = BlockCountSerializer(many=True, help_text="по блокам компетенций, в порядке блоков диагностики")


class DiagnosticsSerializer(RussianModelSerializer):
    """Диагностика и её сводка по школам-участницам: только счётчики, ни одной строки педагога."""

    blocks = BlockSerializer(many=True, read_only=True, help_text="блоки компетенций диагностики")
    schools = SchoolDiagnosticsSerializer(
        source="api_schools",
        many=True,
        read_only=True,
        help_text="школы-участницы в области доступа: счётчики",
    )

    class Meta:
        model = Campaign
        fields = [
            "id",
            "municipality",
            "name",
            "instrument",
            "start_date",
            "end_date",
            "threshold_percent",
            "blocks",
            "schools",
            "updated_at",
        ]


# --- ИОМ progress --------------------------------------------------------------------------------------------


class RouteProgressSerializer(RussianModelSerializer):
    """Квартальная форма школы о выполнении ИОМ."""

    school_code = serializers.CharField(source="school.code", read_only=True, help_text="код ОО")
    lines_total = serializers.IntegerField(read_only=True, help_text="строк ИОМ в форме")
    lines_done = serializers.IntegerField(read_only=True, help_text="из них выполнено")
    overdue = serializers.SerializerMethodField(
        help_text="не отправлена (черновик или возвращена), срок прошёл"
    )

    class Meta:
        model = ProgressForm
        fields = [
            "id",
            "school",
            "school_code",
            "year",
            "quarter",
            "status",
            "deadline",
            "submitted_at",
            "late",
            "overdue",
            "reviewed_at",
            "lines_total",
            "lines_done",
            "updated_at",
        ]

    def get_overdue(self, form) -> bool:
        return form.status in (FormStatus.DRAFT, FormStatus.RETURNED) and form.deadline < today()


# --- roadmaps and events --------------------------------------------------------------------------------------


class RoadmapItemSerializer(PersonalDataMixin, RussianModelSerializer):
    """Пункт дорожной карты."""

    personal_fields = ("responsible_text", "note")

    number = serializers.CharField(read_only=True, help_text="номер пункта, например «1.2»")

    responsible_text = serializers.CharField(required=False, help_text="ответственные." + NAME_NOTE)
    note = serializers.CharField(required=False, help_text="примечание." + NAME_NOTE)
    dates = serializers.CharField(
        source="dates_label", read_only=True, help_text="срок словами: «в течение года», «до 31.03.2027»…"
    )
    overdue = serializers.SerializerMethodField(
        help_text="просрочен: не выполнен и не отменён, срок (или конец периода карты) прошёл"
    )

    class Meta:
        model = RoadmapItem
        fields = [
            "id",
            "roadmap",
            "number",
            "position",
            "activity",
            "start_date",
            "end_date",
            "all_year",
            "dates",
            "responsible_text",
            "result_kind",
            "expected_result",
            "target_indicator",
            "status",
            "status_reason",
            "completed_on",
            "overdue",
            "note",
            "updated_at",
        ]

    def get_overdue(self, item) -> bool:
        return item.is_overdue(today())


class RoadmapSerializer(RussianModelSerializer):
    """Дорожная карта муниципалитета или школы с пунктами."""

    items = RoadmapItemSerializer(many=True, read_only=True, help_text="пункты по порядку")

    class Meta:
        model = Roadmap
        fields = [
            "id",
            "municipality",
            "school",
            "title",
            "period_start",
            "period_end",
            "order_number",
            "order_date",
            "items",
            "updated_at",
        ]


class EventSerializer(RussianModelSerializer):
    """Мероприятие со школами-участницами и числом педагогов-участников."""

    schools = serializers.PrimaryKeyRelatedField(many=True, read_only=True, help_text="школы-участницы (id)")
    teacher_count = serializers.IntegerField(
        source="api_teacher_count",
        read_only=True,
        help_text="педагогов-участников: названных поимённо, а если поимённо неизвестны — указанное число",
    )

    class Meta:
        model = Event
        fields = [
            "id",
            "municipality",
            "kind",
            "level",
            "start_date",
            "end_date",
            "organiser",
            "topic",
            "schools",
            "teacher_count",
            "participants_count",
            "materials",
            "roadmap_item",
            "updated_at",
        ]


# --- indicators ---------------------------------------------------------------------------------------------


class IndicatorSerializer(serializers.Serializer):
    """Показатель программы: числитель, знаменатель, значение, цель, светофор."""

    code = serializers.CharField(
        help_text="код показателя: support, diagnosed, routes, courses, categories, dynamics, vpr, gia"
    )
    title = serializers.CharField(help_text="показатель")
    numerator = serializers.IntegerField(help_text="числитель")
    denominator = serializers.IntegerField(help_text="знаменатель")
    value = serializers.FloatField(allow_null=True, help_text="значение, % (один знак); null — нет данных")
    target = serializers.FloatField(help_text="целевое значение, %")
    light = serializers.ChoiceField(
        choices=[(light, LIGHT_LABELS[light]) for light in (GREEN, YELLOW, RED, NONE)],
        help_text="светофор: green — достигнут, yellow — близок (до 10 п. п. ниже), red — не достигнут, "
        "none — нет данных",
    )


class MunicipalityIndicatorsSerializer(serializers.Serializer):
    """Показатели программы одного муниципалитета."""

    municipality = serializers.IntegerField(help_text="id муниципалитета")
    municipality_name = serializers.CharField(help_text="муниципалитет")
    schools = serializers.IntegerField(help_text="ШНОР года в области доступа")
    indicators = IndicatorSerializer(many=True, help_text="восемь показателей программы")


class IndicatorsSerializer(serializers.Serializer):
    """Показатели программы поддержки ШНОР за год."""

    year = serializers.IntegerField(allow_null=True, help_text="год перечня; null — статусов ШНОР ещё нет")
    as_of = serializers.DateField(allow_null=True, help_text="день, на который взяты значения")
    source = serializers.CharField(
        allow_null=True,
        help_text="откуда перечень ШНОР: approved — утверждённые перечни, computed — расчётные статусы, "
        "mixed — где как",
    )
    municipalities = MunicipalityIndicatorsSerializer(
        many=True, help_text="по муниципалитетам области доступа"
    )
    total = IndicatorSerializer(many=True, help_text="по всей области доступа")
