"""API v1: read endpoints for regional systems and the results intake. Views only parse and format."""

import csv
import io

import django_filters
from django.db import transaction
from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, permissions, status
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from core.imports import get_importer
from schools.models import (
    ApprovedList,
    ApprovedListEntry,
    FlagDecision,
    Municipality,
    Procedure,
    Result,
    School,
)
from schools.results_import.layouts.template import TEMPLATE_LABELS
from schools.results_import.writers import VALUE_FIELDS
from schools.selectors_path_out import decision_path_out

from . import serializers
from .base import LoggedMixin, SyncViewSet
from .filters import ApiFilterSet, BooleanFilter, IntegerFilter


class MunicipalityViewSet(SyncViewSet):
    """Муниципалитеты в области доступа."""

    model = Municipality
    serializer_class = serializers.MunicipalitySerializer


class SchoolFilter(ApiFilterSet):
    municipality = IntegerFilter(help_text="id муниципалитета")
    code = django_filters.CharFilter(help_text="код ОО")
    is_active = BooleanFilter(help_text="действующая")

    class Meta:
        model = School
        fields = ["municipality", "code", "is_active"]


@extend_schema_view(list=extend_schema(summary="Школы"), retrieve=extend_schema(summary="Школа"))
class SchoolViewSet(SyncViewSet):
    """Школы с текущим и погодовым статусом ШНОР."""

    model = School
    serializer_class = serializers.SchoolSerializer
    filterset_class = SchoolFilter
    tombstone_model = "schools.school"

    def base_queryset(self):
        # Only the printed columns, the municipality's name as an annotation of the row (the same join); the page's
        # statuses by year in one more query, only their printed columns (a decision's reasons are the widest part
        # of its row), newest list year first as SchoolSerializer prints them.
        return (
            serializers.SchoolSerializer.with_joined(School.objects.visible_to(self.request.user))
            .only(  # what SchoolSerializer prints: the rest of a school's row is wide (director, contacts…)
                "municipality",
                "code",
                "name",
                "short_name",
                "school_type",
                "address",
                "is_active",
                "shnsu",
                "is_rural",
                "updated_at",
            )
            .prefetch_related(
                Prefetch(
                    "flag_decisions",
                    queryset=FlagDecision.objects.order_by("-list_year").only(
                        "school_id", "list_year", "status", "criteria"
                    ),
                    to_attr="statuses_newest_first",
                )
            )
        )


class ProcedureFilter(ApiFilterSet):
    year = IntegerFilter(help_text="год")
    kind = django_filters.CharFilter(field_name="kind__code", help_text="вид: ВПР, ОГЭ, ЕГЭ…")
    grade = IntegerFilter(help_text="класс")
    subject = django_filters.CharFilter(field_name="subject__name", lookup_expr="iexact", help_text="предмет")

    class Meta:
        model = Procedure
        fields = ["year", "kind", "grade", "subject"]


class ProcedureViewSet(SyncViewSet):
    """Оценочные процедуры (вид × предмет × класс × год); общий справочник."""

    model = Procedure
    serializer_class = serializers.ProcedureSerializer
    filterset_class = ProcedureFilter

    def base_queryset(self):
        return Procedure.objects.select_related("kind", "subject")


class ResultFilter(ApiFilterSet):
    year = IntegerFilter(field_name="procedure__year", help_text="год")
    kind = django_filters.CharFilter(field_name="procedure__kind__code", help_text="вид: ВПР, ОГЭ, ЕГЭ…")
    subject = django_filters.CharFilter(
        field_name="procedure__subject__name", lookup_expr="iexact", help_text="предмет"
    )
    grade = IntegerFilter(field_name="procedure__grade", help_text="класс")
    school = IntegerFilter(field_name="school", help_text="id школы")
    municipality = IntegerFilter(field_name="school__municipality", help_text="id муниципалитета")

    class Meta:
        model = Result
        fields = ["year", "kind", "subject", "grade", "school", "municipality"]


class ResultViewSet(SyncViewSet):
    """Результаты оценочных процедур по школам."""

    model = Result
    serializer_class = serializers.ResultSerializer
    filterset_class = ResultFilter
    tombstone_model = "schools.result"

    def base_queryset(self):
        # Only what ResultSerializer prints; the school's code and the procedure's columns come as annotations of
        # the row (joined in the same query), not as four more model instances a row.
        return serializers.ResultSerializer.with_joined(
            Result.objects.visible_to(self.request.user).only(
                "school", "procedure", *VALUE_FIELDS, "updated_at"
            )
        )


class FlagFilter(ApiFilterSet):
    list_year = IntegerFilter(help_text="год перечня")
    status = django_filters.CharFilter(
        help_text="статус: shnor — ШНОР, risk — зона риска, none — нет признака, no_data — нет данных"
    )
    municipality = IntegerFilter(field_name="school__municipality", help_text="id муниципалитета")

    class Meta:
        model = FlagDecision
        fields = ["list_year", "status", "municipality"]


class FlagDecisionViewSet(SyncViewSet):
    """Расчётные статусы ШНОР с критериями и основаниями."""

    model = FlagDecision
    serializer_class = serializers.FlagDecisionSerializer
    filterset_class = FlagFilter
    updated_field = "computation__created_at"

    def base_queryset(self):
        # Only what the serializer prints; the school's code as an annotation of the row (the same join).
        return serializers.FlagDecisionSerializer.with_joined(
            FlagDecision.objects.visible_to(self.request.user).only(
                "school_id", "list_year", "status", "criteria", "reasons"
            )
        )

    @extend_schema(
        summary="Путь из перечня",
        description="Для статуса ШНОР или «зона риска»: условие на результаты года перечня, при котором школа не "
        "войдёт в перечень следующего года, и наибольшее число «2» по каждой процедуре прошлого года при том же "
        "числе участников. Для других статусов — 404.",
        responses={
            200: serializers.PathOutSerializer,
            404: OpenApiResponse(description="нет пути из перечня"),
        },
    )
    @action(detail=True, methods=["get"], url_path="path-out", pagination_class=None, filterset_class=None)
    def path_out(self, request, pk=None):
        decision = self.get_object()
        path = decision_path_out(request.user, decision)
        if path is None:
            raise exceptions.NotFound("Школа не в перечне и не в зоне риска: пути из перечня нет.")
        return Response({"school": decision.school_id, "status": decision.status, **path.as_dict()})


class ApprovedListViewSet(SyncViewSet):
    """Утверждённые перечни ШНОР."""

    model = ApprovedList
    serializer_class = serializers.ApprovedListSerializer

    def base_queryset(self):
        return ApprovedList.objects.visible_to(self.request.user).prefetch_related(
            Prefetch(
                "entries",
                queryset=ApprovedListEntry.objects.only("approved_list_id", "school_id", "included"),
            )
        )


class ResultsWrite(permissions.BasePermission):
    message = "Ключу не выдано право приёма результатов (results:write)."

    def has_permission(self, request, view):
        key = getattr(request, "auth", None)
        return bool(key is not None and getattr(key, "results_write", False))


FIELD_OF_LABEL = {label: key for key, label in TEMPLATE_LABELS.items()}  # «Код ОО» -> "school_code"
INTAKE_HEADER = [
    "school_code",
    "year",
    "kind",
    "subject",
    "grade",
    "participants",
    "failed",
    "marks_3",
    "marks_4",
    "marks_5",
    "mean_score",
]


class ResultsIntakeView(LoggedMixin, APIView):
    """Приём пакета результатов: тот же проверяющий, что и у загрузки файла; всё или ничего."""

    permission_classes = [permissions.IsAuthenticated, ResultsWrite]
    parser_classes = [JSONParser]  # a batch is JSON: nested rows cannot travel as a form

    @extend_schema(
        summary="Приём результатов",
        request=serializers.IntakeSerializer,
        responses={200: serializers.IntakeResultSerializer},
        description="Строки в полях шаблона портала. dry_run=true — только проверка. После записи статусы ШНОР "
        "пересчитываются фоновой задачей.",
    )
    def post(self, request):
        intake = serializers.IntakeSerializer(data=request.data)
        if not intake.is_valid():
            details = _row_errors(intake.errors.get("rows"))
            if details is None or set(intake.errors) != {"rows"}:
                raise exceptions.ValidationError(intake.errors)
            return _refused(details, len(details))
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";")
        writer.writerow(INTAKE_HEADER)
        for row in intake.validated_data["rows"]:
            writer.writerow(
                [
                    ""
                    if row.get(name) is None
                    else str(row.get(name)).replace(".", ",")
                    if name == "mean_score"
                    else row.get(name)
                    for name in INTAKE_HEADER
                ]
            )
        stream = io.BytesIO(buffer.getvalue().encode("utf-8"))
        dry_run = intake.validated_data["dry_run"]
        with transaction.atomic():
            outcome = get_importer("results").run(
                stream=stream,
                name="api.csv",
                region=request.auth.region,
                user=request.user,
                apply=not dry_run,
            )
        body = {
            "dry_run": dry_run,
            "rows": outcome.total_rows,
            "stats": {k: v for k, v in outcome.stats.items() if isinstance(v, int)},
        }
        if not outcome.ok:
            return _refused(
                [
                    # The validator numbers the lines of a file whose row 1 is the header: here a row is its
                    # place in "rows" (from 1; 0 — the batch as a whole), a column the field's JSON name.
                    {
                        "row": max(e.row - 1, 0),
                        "column": FIELD_OF_LABEL.get(e.column, e.column),
                        "message": e.message,
                    }
                    for e in outcome.errors
                ],
                outcome.errors_total,
            )
        return Response(body)


def _refused(details: list[dict], total: int) -> Response:
    return Response(
        {
            "code": "invalid",
            "message": f"Пакет не принят: ошибок {total}, ничего не записано.",
            "details": details,
        },
        status=status.HTTP_400_BAD_REQUEST,
    )


def _row_errors(errors) -> list[dict] | None:
    """DRF's errors of the rows in the validator's form: row from 1, field, message. A row's errors are by field
    ({"0": {field: [messages]}}), or a plain list when the row is not an object at all ({"0": [message]}: null,
    a string) — that row's error, not a field's."""
    if not isinstance(errors, dict) or not all(str(index).isdecimal() for index in errors):
        return None  # not per row (the list itself is missing, empty or not a list)
    return [
        {
            "row": int(index) + 1,
            "column": "" if field == "non_field_errors" else field,
            "message": str(message),
        }
        for index, row_errors in sorted(errors.items(), key=lambda item: int(item[0]))
        for field, messages in (row_errors.items() if isinstance(row_errors, dict) else [("", row_errors)])
        for message in messages
    ]


class PingView(LoggedMixin, APIView):
    """Проверка связи и ключа: время сервера и права ключа (базовая линия в замерах bench/api.py)."""

    @extend_schema(summary="Проверка связи", responses={200: None})
    def get(self, request):
        from django.utils import timezone

        key = getattr(request, "auth", None)
        return Response(
            {
                "ok": True,
                "time": timezone.now(),
                "permissions": key.permissions if hasattr(key, "permissions") else [],
            }
        )


class NotFoundView(LoggedMixin, APIView):
    """Any other address under /api/v1/ (a typo, an id the route's pattern refuses): 404 in the one error format,
    logged like any call. Not an operation of the schema."""

    schema = None
    permission_classes = [permissions.AllowAny]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        raise exceptions.NotFound()
