"""API v1, the areas: mentors, tutors, partnerships, teachers, diagnostics aggregates, ИОМ progress, roadmaps,
events and the programme's indicators. Read-only; every list through the gate (``visible_to``) and with a
fixed number of queries whatever the page size. Views only parse and format."""

from collections import defaultdict
from decimal import Decimal

import django_filters
from django.db.models import Case, Count, F, IntegerField, Prefetch, Q, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, viewsets
from rest_framework.response import Response

from core.policies import policy_for
from diagnostics import deficits
from diagnostics.models import Campaign, DiagnosticResult, LineStatus, ProgressForm
from indicators import selectors as selectors_indicators
from mentoring.models import MentorAssignment, Partnership, PlanItem, TutorAssignment
from roadmaps.models import Event, Roadmap, RoadmapItem
from roadmaps.policies import INDICATOR_ROLES, INDICATORS
from schools.models import Municipality, School, Teacher

from . import serializers_areas as s
from .base import LoggedMixin, SyncViewSet, parse_since
from .filters import ApiFilterSet, BooleanFilter, IntegerFilter, year_filter
from .schema import ApiAutoSchema


def _active_on(queryset, name, value):
    return queryset.active(value)


# --- mentors, tutors, partnerships ------------------------------------------------------------------------


class MentorFilter(ApiFilterSet):
    school = IntegerFilter(help_text="id школы, за которой закреплён наставник")
    municipality = IntegerFilter(field_name="school__municipality", help_text="id муниципалитета")
    mentor_school = IntegerFilter(help_text="id школы-наставника")
    order = IntegerFilter(help_text="id приказа")
    active_on = django_filters.DateFilter(method=_active_on, help_text="только действующие в этот день")

    class Meta:
        model = MentorAssignment
        fields = ["school", "municipality", "mentor_school", "order", "active_on"]


@extend_schema_view(
    list=extend_schema(summary="Наставники школ"), retrieve=extend_schema(summary="Назначение наставника")
)
class MentorViewSet(SyncViewSet):
    """Наставники, закреплённые за школами приказами: школа, наставник (педагог или школа-наставник), приказ,
    период. Без права на персональные данные педагог-наставник — псевдоним, без ФИО."""

    model = MentorAssignment
    serializer_class = s.MentorSerializer
    filterset_class = MentorFilter
    tombstone_model = "mentoring.mentorassignment"

    def base_queryset(self):
        return MentorAssignment.objects.visible_to(self.request.user).select_related(
            "school", "mentor_user", "mentor_school", "order"
        )


class TutorFilter(ApiFilterSet):
    school = IntegerFilter(field_name="teacher__school", help_text="id школы педагога")
    municipality = IntegerFilter(field_name="teacher__school__municipality", help_text="id муниципалитета")
    subject = django_filters.CharFilter(field_name="subject__name", lookup_expr="iexact", help_text="предмет")
    order = IntegerFilter(help_text="id приказа")
    active_on = django_filters.DateFilter(method=_active_on, help_text="только действующие в этот день")

    class Meta:
        model = TutorAssignment
        fields = ["school", "municipality", "subject", "order", "active_on"]


@extend_schema_view(
    list=extend_schema(summary="Тьюторы педагогов"), retrieve=extend_schema(summary="Назначение тьютора")
)
class TutorViewSet(SyncViewSet):
    """Тьюторы, назначенные педагогам по предмету приказом, с периодом. Без права на персональные данные педагог
    и тьютор — псевдонимы, без ФИО."""

    model = TutorAssignment
    serializer_class = s.TutorSerializer
    filterset_class = TutorFilter

    def base_queryset(self):
        return TutorAssignment.objects.visible_to(self.request.user).select_related(
            "teacher", "subject", "tutor", "order"
        )


class PartnershipFilter(ApiFilterSet):
    school = IntegerFilter(help_text="id школы (ШНОР)")
    municipality = IntegerFilter(field_name="school__municipality", help_text="id муниципалитета")
    kind = django_filters.CharFilter(help_text="тип: instrumental, identical, pair, group")
    school_year = year_filter(method="in_year", help_text="действует в учебном году (2026 — это 2026/27)")

    class Meta:
        model = Partnership
        fields = ["school", "municipality", "kind", "school_year"]

    def in_year(self, queryset, name, value):
        return queryset.current(int(value))


@extend_schema_view(
    list=extend_schema(summary="Сетевые партнёрства"), retrieve=extend_schema(summary="Сетевое партнёрство")
)
class PartnershipViewSet(SyncViewSet):
    """Сетевые партнёрства ШНОР со школами-партнёрами: тип, учебные годы, соглашение, приказ и совместный план.
    ``updated_since`` учитывает и изменения пунктов плана."""

    model = Partnership
    serializer_class = s.PartnershipSerializer
    filterset_class = PartnershipFilter

    def base_queryset(self):
        return (
            Partnership.objects.visible_to(self.request.user)
            .select_related("school", "order")
            .prefetch_related(
                Prefetch("partners", queryset=School.objects.only("pk")),
                Prefetch("plan_items", queryset=PlanItem.objects.order_by("due_date", "pk")),
            )
        )

    def get_queryset(self):
        return _changed_with_children(self, "plan_items__updated_at")


def _changed_with_children(view, child_path: str):
    """``updated_since`` on a row or on any of its nested children (a changed plan item changes its partnership)."""
    since = view.request.query_params.get("updated_since")
    queryset = view.base_queryset()
    if since is None:
        return queryset
    moment = parse_since(since)
    changed = view.model.objects.filter(Q(updated_at__gte=moment) | Q(**{f"{child_path}__gte": moment}))
    return queryset.filter(pk__in=changed.values("pk"))


# --- teachers ------------------------------------------------------------------------------------------------


class TeacherFilter(ApiFilterSet):
    school = IntegerFilter(help_text="id школы")
    municipality = IntegerFilter(field_name="school__municipality", help_text="id муниципалитета")
    is_active = BooleanFilter(help_text="работает")
    category = django_filters.CharFilter(help_text="квалификационная категория: none, first, highest…")
    subject = django_filters.CharFilter(
        field_name="subjects__name", lookup_expr="iexact", distinct=True, help_text="ведёт предмет"
    )

    class Meta:
        model = Teacher
        fields = ["school", "municipality", "is_active", "category", "subject"]


TEACHER_ID = OpenApiParameter(
    "id",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="id педагога; для ключа без права на персональные данные — псевдоним (16 шестнадцатеричных знаков)",
)


@extend_schema_view(
    list=extend_schema(summary="Педагоги"),
    retrieve=extend_schema(summary="Педагог", parameters=[TEACHER_ID]),
)
class TeacherViewSet(SyncViewSet):
    """Педагоги школ. С правом на персональные данные — id и ФИО; без него ФИО нет вовсе, а вместо id —
    устойчивый псевдоним (HMAC-SHA256, 16 знаков): школа, предметы, категория, стаж, работает ли."""

    model = Teacher
    serializer_class = s.TeacherSerializer
    filterset_class = TeacherFilter
    tombstone_model = "schools.teacher"

    def base_queryset(self):
        return (
            Teacher.objects.visible_to(self.request.user)
            .select_related("school")
            .prefetch_related("subjects")
        )

    def get_object(self):
        if s.personal_data_allowed(self.request):
            return super().get_object()
        # A pseudonymous client names a teacher by the pseudonym; the id behind it stays unknown to it.
        wanted = self.kwargs[self.lookup_url_kwarg or self.lookup_field]
        queryset = self.filter_queryset(self.get_queryset())
        for pk in queryset.prefetch_related(None).values_list("pk", flat=True).order_by().iterator():
            if s.pseudonym(pk) == wanted:
                obj = queryset.get(pk=pk)
                self.check_object_permissions(self.request, obj)
                return obj
        raise exceptions.NotFound()

    def deleted_since(self, moment) -> "list":
        deleted = super().deleted_since(moment)
        if s.personal_data_allowed(self.request):
            return deleted
        return [s.pseudonym(pk) for pk in deleted]


# --- diagnostics aggregates --------------------------------------------------------------------------------


class DiagnosticsFilter(ApiFilterSet):
    municipality = IntegerFilter(help_text="id муниципалитета")
    year = year_filter(field_name="start_date__year", help_text="год начала диагностики")
    school = IntegerFilter(field_name="schools", help_text="участвует школа (id)")

    class Meta:
        model = Campaign
        fields = ["municipality", "year", "school"]


@extend_schema_view(
    list=extend_schema(summary="Диагностика дефицитов: сводка по школам"),
    retrieve=extend_schema(summary="Диагностика дефицитов: сводка одной диагностики"),
)
class DiagnosticsViewSet(SyncViewSet):
    """Диагностики профессиональных дефицитов и их сводка по школам-участницам: сколько педагогов с результатами
    и сколько из них ниже порога по каждому блоку. Только счётчики — ни одной строки педагога.
    ``updated_since`` учитывает и изменения результатов."""

    model = Campaign
    serializer_class = s.DiagnosticsSerializer
    filterset_class = DiagnosticsFilter

    def base_queryset(self):
        return Campaign.objects.visible_to(self.request.user).prefetch_related("blocks")

    def get_queryset(self):
        return _changed_with_children(self, "results__updated_at")

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        self.attach_schools(page if page is not None else [])
        return page

    def get_object(self):
        campaign = super().get_object()
        self.attach_schools([campaign])
        return campaign

    def attach_schools(self, campaigns: list) -> None:
        """Two grouped queries for the whole page: participating schools in reach, and results counted by
        (campaign, school, block, score) — the deficit rule is applied once per distinct score."""
        if not campaigns:
            return
        ids = [campaign.pk for campaign in campaigns]
        schools = School.objects.visible_to(self.request.user).values("pk")
        participating = defaultdict(list)
        for campaign_id, school_id, code in (
            Campaign.schools.through.objects.filter(campaign_id__in=ids, school_id__in=schools)
            .order_by("school__code", "school_id")
            .values_list("campaign_id", "school_id", "school__code")
        ):
            participating[campaign_id].append((school_id, code))
        results = DiagnosticResult.objects.filter(campaign_id__in=ids, teacher__school_id__in=schools)
        teachers = {
            (campaign_id, school_id): n
            for campaign_id, school_id, n in results.values_list("campaign_id", "teacher__school_id")
            .annotate(n=Count("teacher_id", distinct=True))
            .order_by()
        }
        measured: dict[tuple, int] = defaultdict(int)
        below: dict[tuple, int] = defaultdict(int)
        blocks = {block.pk: block for campaign in campaigns for block in campaign.blocks.all()}
        thresholds = {campaign.pk: Decimal(campaign.threshold_percent) for campaign in campaigns}
        for campaign_id, school_id, block_id, score, n in (
            results.values_list("campaign_id", "teacher__school_id", "block_id", "score")
            .annotate(n=Count("pk"))
            .order_by()
        ):
            block = blocks.get(block_id)
            if block is None:
                continue
            key = (campaign_id, school_id, block_id)
            measured[key] += n
            score_of = deficits.BlockScore(block.code, block.name, score, block.max_score)
            if deficits.below(score_of, thresholds[campaign_id]):
                below[key] += n
        for campaign in campaigns:
            campaign.api_schools = [
                {
                    "school": school_id,
                    "school_code": code,
                    "teachers_with_results": teachers.get((campaign.pk, school_id), 0),
                    "blocks": [
                        {
                            "code": block.code,
                            "measured": measured.get((campaign.pk, school_id, block.pk), 0),
                            "below": below.get((campaign.pk, school_id, block.pk), 0),
                        }
                        for block in campaign.blocks.all()
                    ],
                }
                for school_id, code in participating.get(campaign.pk, [])
            ]


# --- ИОМ progress --------------------------------------------------------------------------------------------


class RouteProgressFilter(ApiFilterSet):
    school = IntegerFilter(help_text="id школы")
    municipality = IntegerFilter(field_name="school__municipality", help_text="id муниципалитета")
    year = year_filter(help_text="год")
    quarter = IntegerFilter(help_text="квартал (1–4)")
    status = django_filters.CharFilter(help_text="состояние: draft, submitted, returned, accepted")

    class Meta:
        model = ProgressForm
        fields = ["school", "municipality", "year", "quarter", "status"]


@extend_schema_view(
    list=extend_schema(summary="Выполнение ИОМ по школам и кварталам"),
    retrieve=extend_schema(summary="Квартальная форма школы"),
)
class RouteProgressViewSet(SyncViewSet):
    """Квартальные формы школ о выполнении ИОМ: состояние, срок сдачи, когда отправлена, сдана ли после срока,
    сколько строк ИОМ в форме и сколько выполнено. Без педагогов и их строк."""

    model = ProgressForm
    serializer_class = s.RouteProgressSerializer
    filterset_class = RouteProgressFilter

    def base_queryset(self):
        return (
            ProgressForm.objects.visible_to(self.request.user)
            .select_related("school")
            .annotate(
                lines_total=Count("entries"),
                lines_done=Count("entries", filter=Q(entries__status=LineStatus.DONE)),
            )
        )


# --- roadmaps, events ------------------------------------------------------------------------------------


class RoadmapFilter(ApiFilterSet):
    municipality = IntegerFilter(help_text="id муниципалитета")
    school = IntegerFilter(help_text="id школы (карта школы)")
    municipal = BooleanFilter(
        field_name="school", lookup_expr="isnull", help_text="true — только карты муниципалитетов"
    )
    year = year_filter(method="covering", help_text="период карты захватывает этот год")

    class Meta:
        model = Roadmap
        fields = ["municipality", "school", "municipal", "year"]

    def covering(self, queryset, name, value):
        return queryset.filter(period_start__year__lte=value, period_end__year__gte=value)


@extend_schema_view(
    list=extend_schema(summary="Дорожные карты"), retrieve=extend_schema(summary="Дорожная карта")
)
class RoadmapViewSet(SyncViewSet):
    """Дорожные карты муниципалитетов и школ с пунктами: номер, мероприятие, сроки, статус, просрочка, дата
    выполнения. ``updated_since`` учитывает и изменения пунктов."""

    model = Roadmap
    serializer_class = s.RoadmapSerializer
    filterset_class = RoadmapFilter

    def base_queryset(self):
        return Roadmap.objects.visible_to(self.request.user).prefetch_related(
            Prefetch("items", queryset=RoadmapItem.objects.order_by("position", "pk"))
        )

    def get_queryset(self):
        return _changed_with_children(self, "items__updated_at")


class RoadmapItemFilter(ApiFilterSet):
    roadmap = IntegerFilter(help_text="id дорожной карты")
    municipality = IntegerFilter(field_name="roadmap__municipality", help_text="id муниципалитета")
    status = django_filters.CharFilter(help_text="статус: planned, in_progress, done, postponed, cancelled")

    class Meta:
        model = RoadmapItem
        fields = ["roadmap", "municipality", "status"]


@extend_schema_view(
    list=extend_schema(summary="Пункты дорожных карт"), retrieve=extend_schema(summary="Пункт дорожной карты")
)
class RoadmapItemViewSet(SyncViewSet):
    """Пункты дорожных карт отдельным списком — для синхронизации по ``updated_since`` с удалёнными пунктами."""

    model = RoadmapItem
    serializer_class = s.RoadmapItemSerializer
    filterset_class = RoadmapItemFilter
    tombstone_model = "roadmaps.roadmapitem"

    def base_queryset(self):
        return RoadmapItem.objects.visible_to(self.request.user).select_related("roadmap")


class EventFilter(ApiFilterSet):
    municipality = IntegerFilter(help_text="id муниципалитета")
    school = IntegerFilter(field_name="schools", help_text="участвовала школа (id)")
    kind = django_filters.CharFilter(help_text="вид: seminar, master_class, festival, landing, course…")
    level = django_filters.CharFilter(help_text="уровень: school, municipal, regional, federal")
    year = year_filter(field_name="start_date__year", help_text="год начала")

    class Meta:
        model = Event
        fields = ["municipality", "school", "kind", "level", "year"]


@extend_schema_view(list=extend_schema(summary="Мероприятия"), retrieve=extend_schema(summary="Мероприятие"))
class EventViewSet(SyncViewSet):
    """Семинары, мастер-классы, фестивали… со школами-участницами и числом педагогов-участников (без их ФИО)."""

    model = Event
    serializer_class = s.EventSerializer
    filterset_class = EventFilter
    tombstone_model = "roadmaps.event"

    def base_queryset(self):
        named = Count("teachers", distinct=True)
        return (
            Event.objects.visible_to(self.request.user)
            .prefetch_related(Prefetch("schools", queryset=School.objects.only("pk")))
            .annotate(named_teachers=named)
            .annotate(
                api_teacher_count=Case(
                    When(named_teachers__gt=0, then=F("named_teachers")),
                    default=Coalesce(F("participants_count"), 0),
                    output_field=IntegerField(),
                )
            )
        )


# --- indicators ----------------------------------------------------------------------------------------------


class OneObjectSchema(ApiAutoSchema):
    """The list action answers one object (a report), not an array."""

    def _is_list_view(self, serializer=None) -> bool:
        return False


class IndicatorsViewSet(LoggedMixin, viewsets.ViewSet):
    """Показатели программы поддержки ШНОР (числитель, знаменатель, значение, цель, светофор) по муниципалитетам
    области доступа и в целом; только счётчики, без ФИО."""

    serializer_class = s.IndicatorsSerializer
    pagination_class = None
    schema = OneObjectSchema()

    @extend_schema(
        summary="Показатели программы",
        parameters=[
            OpenApiParameter(
                "year",
                {"type": "integer", "minimum": 2000, "maximum": 2100},
                description="год перечня ШНОР; без него — последний начавшийся год с расчётными статусами",
            )
        ],
        responses=s.IndicatorsSerializer,
    )
    def list(self, request):
        user = request.user
        if not policy_for(Roadmap).can(user, INDICATORS):
            raise exceptions.PermissionDenied(
                "Показатели программы доступны методисту, руководителю управления образования и региональному "
                "аналитику."
            )
        today = timezone.localdate()
        year = self.year(request)
        if year is None:
            year = selectors_indicators.default_year(selectors_indicators.list_years(user), today)
        if year is None:
            return Response({"year": None, "as_of": None, "source": None, "municipalities": [], "total": []})
        report = selectors_indicators.indicator_report(user, year, today=today)
        schools_by_municipality = defaultdict(list)
        for school in report.schools:
            schools_by_municipality[school.municipality_id].append(school.pk)
        reachable = Municipality.objects.reachable_by(user, INDICATOR_ROLES).values("pk")
        municipalities = Municipality.objects.filter(pk__in=reachable).order_by("name", "pk")
        body = {
            "year": year,
            "as_of": report.as_of,
            "source": report.source,
            "municipalities": [
                {
                    "municipality": municipality.pk,
                    "municipality_name": municipality.name,
                    "schools": len(schools_by_municipality.get(municipality.pk, [])),
                    "indicators": [
                        _indicator(i)
                        for i in report.indicators(schools_by_municipality.get(municipality.pk, []))
                    ],
                }
                for municipality in municipalities
            ],
            "total": [_indicator(i) for i in report.indicators()],
        }
        return Response(s.IndicatorsSerializer(body).data)

    @staticmethod
    def year(request) -> int | None:
        raw = request.query_params.get("year")
        if raw in (None, ""):
            return None
        try:
            year = int(raw)
        except ValueError:
            year = 0
        if not 2000 <= year <= 2100:
            raise exceptions.ValidationError({"year": ["Ожидается год, например 2026."]})
        return year


def _indicator(indicator) -> dict:
    return {
        "code": indicator.code,
        "title": indicator.title,
        "numerator": indicator.numerator,
        "denominator": indicator.denominator,
        "value": indicator.value,
        "target": indicator.target,
        "light": indicator.light,
    }
