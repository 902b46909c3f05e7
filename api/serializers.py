from functools import cached_property

from django.db.models import F
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from schools.models import ApprovedList, FlagDecision, Municipality, Procedure, Result, School

from .base import RussianModelSerializer

# Percentages in the API have one decimal, as the ШНОР rule's reasons (schools.criteria.LowProcedure.share, in
# ``flags[].reasons``) and the programme's indicators print them: 1 of 7 is 14.3, not 14.285714285714286.
# Python's round(): the same rounding as the reasons, so a result and the reason it gave agree to the digit.
SHARE_DECIMALS = 1


def round_share(value: float | None) -> float | None:
    return None if value is None else round(value, SHARE_DECIMALS)


def iso_moment(value, zone):
    """A moment as DRF's DateTimeField prints it (ISO 8601 in ``zone``, the current time zone; UTC as «Z»),
    without a field's machinery: the lists print one per row."""
    if not value:
        return None
    value = value.astimezone(zone) if timezone.is_aware(value) else timezone.make_aware(value, zone)
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


# The list serializers below print a row in one written-out ``to_representation``: DRF's generic one walks the
# declared fields per row (get_attribute, SkipField, a nested serializer per procedure, a time-zone look-up per
# moment) — ~3× the cost of the row itself on a 100-row page (issue #18 §4). The declared fields stay: they are
# the schema and the field order; tests/api/test_serializers.py checks every row against DRF's generic printing
# (``serializers.Serializer.to_representation``) and against golden rows.


class RowSerializer(RussianModelSerializer):
    """A serializer whose rows are written out: the current time zone looked up once, not per moment.

    ``JOINED``: the columns of related rows a row prints (name -> path), read as annotations of the row itself
    (``with_joined``, the viewset's queryset) — one model instance a row, not one more per relation (for a
    result: its school, procedure, kind and subject, a fifth of a page's time). An instance read without them
    (one at hand) follows its relations."""

    JOINED: dict[str, str] = {}

    @classmethod
    def with_joined(cls, queryset):
        return queryset.annotate(**{name: F(path) for name, path in cls.JOINED.items()})

    def joined(self, instance, name: str):
        try:
            return instance.__dict__[name]
        except KeyError:
            value = instance
            for step in self.JOINED[name].split("__"):
                value = getattr(value, step)
            return value

    @cached_property
    def zone(self):
        return timezone.get_current_timezone()


class ShareField(serializers.FloatField):
    """A percentage, rounded to ``SHARE_DECIMALS``."""

    def to_representation(self, value):
        return round_share(float(value))


class MunicipalitySerializer(RowSerializer):
    """Муниципалитет."""

    class Meta:
        model = Municipality
        fields = ["id", "name", "region", "department_name", "updated_at"]

    def to_representation(self, municipality):
        return {
            "id": municipality.pk,
            "name": municipality.name,
            "region": municipality.region_id,
            "department_name": municipality.department_name,
            "updated_at": iso_moment(municipality.updated_at, self.zone),
        }


class StatusSerializer(RussianModelSerializer):
    """Статус ШНОР школы в перечне года."""

    class Meta:
        model = FlagDecision
        fields = ["list_year", "status", "criteria"]


class SchoolSerializer(RowSerializer):
    """Школа (образовательная организация) со статусами ШНОР по годам."""

    municipality_name = serializers.CharField(
        source="municipality.name", read_only=True, help_text="муниципалитет"
    )
    statuses = serializers.SerializerMethodField(
        help_text="статус ШНОР по годам перечня (расчётный), новые первыми"
    )

    class Meta:
        model = School
        fields = [
            "id",
            "code",
            "name",
            "short_name",
            "school_type",
            "municipality",
            "municipality_name",
            "address",
            "is_active",
            "shnsu",
            "is_rural",
            "statuses",
            "updated_at",
        ]

    JOINED = {"municipality_name": "municipality__name"}

    @extend_schema_field(StatusSerializer(many=True))
    def get_statuses(self, school) -> list[dict]:
        # Plain dicts, not a nested serializer per decision (~0.6 ms a school). SchoolViewSet prefetches the
        # page's decisions newest first (``statuses_newest_first``: one query a page); otherwise one query.
        decisions = getattr(school, "statuses_newest_first", None)
        if decisions is None:
            decisions = school.flag_decisions.order_by("-list_year").only("list_year", "status", "criteria")
        return [{"list_year": d.list_year, "status": d.status, "criteria": d.criteria} for d in decisions]

    def to_representation(self, school):
        return {
            "id": school.pk,
            "code": school.code,
            "name": school.name,
            "short_name": school.short_name,
            "school_type": school.school_type,
            "municipality": school.municipality_id,
            "municipality_name": self.joined(school, "municipality_name"),
            "address": school.address,
            "is_active": school.is_active,
            "shnsu": school.shnsu,
            "is_rural": school.is_rural,
            "statuses": self.get_statuses(school),
            "updated_at": iso_moment(school.updated_at, self.zone),
        }


def procedure_row(procedure: Procedure) -> dict:
    """A procedure as ProcedureSerializer prints it: alone, and inside a result."""
    return {
        "id": procedure.pk,
        "kind": procedure.kind.code,
        "subject": procedure.subject.name,
        "grade": procedure.grade,
        "year": procedure.year,
    }


class ProcedureSerializer(RussianModelSerializer):
    """Оценочная процедура: вид × предмет × класс × год."""

    kind = serializers.CharField(source="kind.code", help_text="вид процедуры (ВПР, ОГЭ, ЕГЭ, ККР…)")
    subject = serializers.CharField(source="subject.name", help_text="предмет")

    class Meta:
        model = Procedure
        fields = ["id", "kind", "subject", "grade", "year"]

    def to_representation(self, procedure):
        return procedure_row(procedure)


class ResultSerializer(RowSerializer):
    """Результат школы в оценочной процедуре."""

    school_code = serializers.CharField(source="school.code", help_text="код ОО")
    procedure = ProcedureSerializer(help_text="процедура")
    failed_share = ShareField(
        help_text="доля «2» (ЕГЭ — ниже минимума), % с одним знаком после точки (1 из 7 — 14.3); null — нет "
        "участников",
        allow_null=True,
    )
    small_sample = serializers.BooleanField(help_text="малая выборка: меньше 20 участников")

    class Meta:
        model = Result
        fields = [
            "id",
            "school",
            "school_code",
            "procedure",
            "participants",
            "failed",
            "marks_3",
            "marks_4",
            "marks_5",
            "mean_score",
            "failed_share",
            "small_sample",
            "updated_at",
        ]
        extra_kwargs = {f"marks_{n}": {"help_text": f"получили «{n}»"} for n in (3, 4, 5)}

    JOINED = {
        "school_code": "school__code",
        "procedure_kind": "procedure__kind__code",
        "procedure_subject": "procedure__subject__name",
        "procedure_grade": "procedure__grade",
        "procedure_year": "procedure__year",
    }

    def to_representation(self, result):
        school_code, kind, subject, grade, year = (self.joined(result, name) for name in self.JOINED)
        mean_score = result.mean_score
        return {
            "id": result.pk,
            "school": result.school_id,
            "school_code": school_code,
            "procedure": {
                "id": result.procedure_id,
                "kind": kind,
                "subject": subject,
                "grade": grade,
                "year": year,
            },
            "participants": result.participants,
            "failed": result.failed,
            "marks_3": result.marks_3,
            "marks_4": result.marks_4,
            "marks_5": result.marks_5,
            # DRF's DecimalField: a string with the field's places (the column's, 2).
            "mean_score": None
            if mean_score is None
            else self.fields["mean_score"].to_representation(mean_score),
            "failed_share": round_share(result.failed_share),
            "small_sample": result.small_sample,
            "updated_at": iso_moment(result.updated_at, self.zone),
        }


class FlagDecisionSerializer(RowSerializer):
    """Расчётный статус ШНОР с критериями и основаниями."""

    school_code = serializers.CharField(source="school.code", help_text="код ОО")

    class Meta:
        model = FlagDecision
        fields = ["id", "school", "school_code", "list_year", "status", "criteria", "reasons"]

    JOINED = {"school_code": "school__code"}

    def to_representation(self, decision):
        return {
            "id": decision.pk,
            "school": decision.school_id,
            "school_code": self.joined(decision, "school_code"),
            "list_year": decision.list_year,
            "status": decision.status,
            "criteria": decision.criteria,
            "reasons": decision.reasons,
        }


class ProcedureLimitSerializer(serializers.Serializer):
    """Процедура базового года и наибольшее число «2», при котором её результат не низкий."""

    kind = serializers.CharField(help_text="вид процедуры (ВПР, ОГЭ, ЕГЭ, …)")
    subject = serializers.CharField(help_text="предмет")
    grade = serializers.IntegerField(help_text="класс")
    participants = serializers.IntegerField(help_text="участников в базовом году")
    failed = serializers.IntegerField(help_text="«2» (ЕГЭ — ниже минимального балла) в базовом году")
    max_failed = serializers.IntegerField(
        help_text="наибольшее число «2» при том же числе участников, при котором результат не низкий: "
        "ceil(порог × участники / 100) − 1"
    )
    must_stay_under = serializers.BooleanField(
        help_text="true — низкий результат по этой процедуре один вернёт школу в перечень"
    )
    text = serializers.CharField(help_text="словами: «ВПР, математика, 5 кл.: не более 3 «2» из 13»")


class PathOutSerializer(serializers.Serializer):
    """Путь из перечня: что нужно по результатам года перечня, чтобы не войти в перечень следующего года."""

    school = serializers.IntegerField(help_text="id школы")
    status = serializers.CharField(help_text="статус в году перечня: shnor или risk")
    list_year = serializers.IntegerField(help_text="год перечня, в котором школа ШНОР или в зоне риска")
    next_list_year = serializers.IntegerField(help_text="год следующего перечня")
    results_year = serializers.IntegerField(
        help_text="год результатов, по которым считается следующий перечень"
    )
    base_year = serializers.IntegerField(
        help_text="год, по процедурам и числу участников которого даны пределы"
    )
    allowed_low = serializers.IntegerField(
        help_text="сколько процедур results_year могут дать низкий результат"
    )
    conditions = serializers.ListField(child=serializers.CharField(), help_text="условие словами, по строкам")
    limits = ProcedureLimitSerializer(many=True, help_text="пределы по процедурам базового года")


class ApprovedListSerializer(RussianModelSerializer):
    """Утверждённый приказом перечень ШНОР."""

    included_schools = serializers.SerializerMethodField(help_text="ОО, включённые в перечень (id)")

    class Meta:
        model = ApprovedList
        fields = [
            "id",
            "municipality",
            "list_year",
            "order_number",
            "order_date",
            "included_schools",
            "updated_at",
        ]

    def get_included_schools(self, approved) -> list[int]:
        return [entry.school_id for entry in approved.entries.all() if entry.included]


class ResultRowSerializer(serializers.Serializer):
    """Строка пакета результатов (поля шаблона портала)."""

    # A row that is not an object (null, a string, a number) is an error of that row, said in Russian.
    default_error_messages = {
        "null": "Строка пуста (null): ожидается объект с полями шаблона.",
        "invalid": "Строка — не объект с полями шаблона (получено: {datatype}).",
    }

    school_code = serializers.CharField(help_text="код ОО")
    year = serializers.IntegerField(help_text="год")
    kind = serializers.CharField(help_text="вид процедуры: ВПР, ОГЭ, ЕГЭ, ККР…")
    subject = serializers.CharField(help_text="предмет")
    grade = serializers.IntegerField(help_text="класс")
    participants = serializers.IntegerField(help_text="участников")
    failed = serializers.IntegerField(help_text="получили «2» (ЕГЭ — ниже минимума)")
    marks_3 = serializers.IntegerField(required=False, allow_null=True, help_text="получили «3»")
    marks_4 = serializers.IntegerField(required=False, allow_null=True, help_text="получили «4»")
    marks_5 = serializers.IntegerField(required=False, allow_null=True, help_text="получили «5»")
    mean_score = serializers.DecimalField(
        max_digits=6, decimal_places=2, required=False, allow_null=True, help_text="средний балл"
    )


class IntakeSerializer(serializers.Serializer):
    """Пакет результатов для приёма."""

    dry_run = serializers.BooleanField(default=False, help_text="только проверить, ничего не записывая")
    rows = ResultRowSerializer(many=True, help_text="строки в полях шаблона портала", allow_empty=False)


class IntakeResultSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField(help_text="была ли это только проверка")
    rows = serializers.IntegerField(help_text="строк в пакете")
    stats = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="итог: created — добавлено, updated — изменено, unchanged — без изменений, "
        "procedures_created и subjects_created — новые процедуры и предметы (при dry_run — сколько было бы)",
    )
