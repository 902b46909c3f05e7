"""Serializers of the reports' endpoints: a report (a job and its files), an order of a new report, and the verdict
on a PDF brought for verification."""

from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers
from rest_framework.reverse import reverse

from reports.forms import VERIFY_MAX_BYTES
from reports.models import Report, ReportFile, ReportKind
from schools.models import Municipality, Region, School

from .base import RussianModelSerializer


class ReportFileSerializer(RussianModelSerializer):
    """Файл отчёта."""

    format_label = serializers.CharField(
        source="get_format_display", read_only=True, help_text="формат словами"
    )
    url = serializers.SerializerMethodField(help_text="адрес скачивания файла через API")

    class Meta:
        model = ReportFile
        fields = ["format", "format_label", "size", "sha256", "url"]
        read_only_fields = fields
        extra_kwargs = {
            "format": {"help_text": "формат: pdf, xlsx, docx, signed_pdf (PDF с электронной подписью)"},
            "size": {"help_text": "размер, байт"},
            "sha256": {"help_text": "контрольная сумма SHA-256 файла (64 шестнадцатеричных знака)"},
        }

    @extend_schema_field({"type": "string", "format": "uri"})
    def get_url(self, stored: ReportFile) -> str:
        return reverse(
            "api:report-download",
            kwargs={"pk": stored.report_id, "fmt": stored.format},
            request=self.context.get("request"),
        )


class ReportSerializer(RussianModelSerializer):
    """Отчёт: задание на формирование и его файлы."""

    kind_label = serializers.CharField(
        source="get_kind_display", read_only=True, help_text="вид отчёта словами"
    )
    territory_name = serializers.CharField(
        read_only=True, help_text="территория отчёта: школа, муниципалитет или регион"
    )
    status_label = serializers.CharField(
        source="get_status_display", read_only=True, help_text="состояние словами"
    )
    signed_by_name = serializers.SerializerMethodField(
        help_text="кто подписал: владелец сертификата подписи (ФИО, как в штампе PDF и при проверке); null, пока не подписан"
    )
    files = ReportFileSerializer(
        many=True, read_only=True, help_text="файлы отчёта; пусто, пока он не сформирован"
    )
    rule_params = serializers.SerializerMethodField(
        help_text="параметры правила отнесения к ШНОР, с которыми сформирован отчёт; пусто, пока не сформирован"
    )

    class Meta:
        model = Report
        fields = [
            "id",
            "kind",
            "kind_label",
            "year",
            "version",
            "previous",
            "region",
            "municipality",
            "school",
            "territory_name",
            "status",
            "status_label",
            "progress",
            "stage",
            "error",
            "created_at",
            "built_at",
            "data_as_of",
            "signed_at",
            "signed_by_name",
            "rule_params",
            "files",
            "updated_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "kind": {
                "help_text": "вид: territory — аналитическая справка по территории, school — профиль школы"
            },
            "previous": {"help_text": "id предыдущей версии того же отчёта; null у первой версии"},
            "region": {"help_text": "id региона"},
            "municipality": {"help_text": "id муниципалитета; null — справка по всему региону"},
            "school": {"help_text": "id школы; только у профиля школы, иначе null"},
            "status": {
                "help_text": "состояние: queued — в очереди, building — формируется, ready — готов, на утверждении, "
                "failed — ошибка, returned — возвращён на доработку, signed — утверждён и подписан"
            },
            "progress": {"help_text": "готовность формирования, % (0–100)"},
            "stage": {"help_text": "текущий этап формирования"},
            "error": {"help_text": "сообщение об ошибке формирования (при status=failed); иначе пусто"},
            "created_at": {"help_text": "когда заказан"},
            "built_at": {"help_text": "когда сформирован; null, пока не сформирован"},
            "data_as_of": {"help_text": "на какой момент взяты данные; null, пока не сформирован"},
            "signed_at": {"help_text": "когда утверждён и подписан; null, пока не подписан"},
            "updated_at": {"help_text": "изменено"},
        }

    @extend_schema_field({"type": "object", "additionalProperties": True})
    def get_rule_params(self, report: Report) -> dict:
        return report.rule_params or {}

    def get_signed_by_name(self, report: Report) -> str | None:
        # The holder of the signing certificate, as the stamp and the verification name them (Report.signer_display).
        return report.signer_display or None


# Named as the report's own request body («ReportRequest»): the order and the report then share one component name
# in the schema, and so one enum of report kinds (ReportKindEnum) instead of a colliding «kind».
@extend_schema_serializer(component_name="Report")
class ReportOrderSerializer(serializers.Serializer):
    """Заказ отчёта: вид, год перечня, территория и рекомендации."""

    kind = serializers.ChoiceField(
        choices=ReportKind.choices,
        help_text="вид: territory — аналитическая справка по территории, school — профиль школы",
    )
    year = serializers.IntegerField(min_value=2015, max_value=2100, help_text="год перечня ШНОР")
    region = serializers.PrimaryKeyRelatedField(
        queryset=Region.objects.all(),
        required=False,
        allow_null=True,
        help_text="id региона — справка по всему региону (только для territory, без municipality)",
        error_messages={"does_not_exist": "Регион {pk_value} не найден или недоступен для заказа отчёта."},
    )
    municipality = serializers.PrimaryKeyRelatedField(
        queryset=Municipality.objects.all(),
        required=False,
        allow_null=True,
        help_text="id муниципалитета — справка по муниципалитету (только для territory, без region)",
        error_messages={
            "does_not_exist": "Муниципалитет {pk_value} не найден или недоступен для заказа отчёта."
        },
    )
    school = serializers.PrimaryKeyRelatedField(
        queryset=School.objects.all(),
        required=False,
        allow_null=True,
        help_text="id школы — обязателен для профиля школы (school), для справки по территории не указывается",
        error_messages={"does_not_exist": "Школа {pk_value} не найдена или недоступна для заказа отчёта."},
    )
    recommendations = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=20000,
        help_text="текст раздела «Рекомендации»; абзацы разделяются пустой строкой",
    )

    def __init__(self, *args, regions=None, municipalities=None, schools=None, **kwargs):
        # Only the territories the caller may order for are choices (as in the browser's form): any other id is
        # «not found», whether it exists or not.
        super().__init__(*args, **kwargs)
        for name, queryset in (("region", regions), ("municipality", municipalities), ("school", schools)):
            if queryset is not None:
                self.fields[name].queryset = queryset

    def validate(self, data):
        if data["kind"] == ReportKind.SCHOOL:
            if not data.get("school"):
                raise serializers.ValidationError({"school": ["Выберите школу для профиля."]})
            if data.get("region") or data.get("municipality"):
                raise serializers.ValidationError(
                    {"school": ["Для профиля школы укажите только школу, без муниципалитета и региона."]}
                )
        else:
            if data.get("school"):
                raise serializers.ValidationError(
                    {"school": ["Школа указывается только для профиля школы (kind=school)."]}
                )
            if bool(data.get("region")) == bool(data.get("municipality")):
                raise serializers.ValidationError(
                    {"municipality": ["Укажите муниципалитет или регион — одно из двух."]}
                )
        return data

    def territory_ids(self) -> dict:
        data = self.validated_data
        if data["kind"] == ReportKind.SCHOOL:
            return {"school_id": data["school"].pk}
        if data.get("municipality"):
            return {"municipality_id": data["municipality"].pk}
        return {"region_id": data["region"].pk}


class VerifyUploadSerializer(serializers.Serializer):
    """Файл для проверки подписи."""

    file = serializers.FileField(
        allow_empty_file=True,
        help_text="файл PDF, не больше 50 МБ; не сохраняется",
    )

    def validate_file(self, upload):
        if upload.size > VERIFY_MAX_BYTES:
            raise serializers.ValidationError("Файл больше 50 МБ: это не похоже на отчёт портала.")
        return upload


class VerificationSerializer(serializers.Serializer):
    """Результат проверки электронной подписи PDF."""

    ok = serializers.BooleanField(
        help_text="всё проверено: подписан, не изменён, подпись верна, сертификат доверенный, подпись охватывает "
        "весь файл — только тогда на документ можно полагаться"
    )
    signed = serializers.BooleanField(help_text="в документе есть электронная подпись")
    intact = serializers.BooleanField(
        help_text="подписанные данные не изменены (хэш совпадает с подписанным)"
    )
    valid = serializers.BooleanField(help_text="подпись математически верна (проверена ключом сертификата)")
    trusted = serializers.BooleanField(
        help_text="сертификат подписанта выдан доверенным удостоверяющим центром"
    )
    covers_whole_file = serializers.BooleanField(
        help_text="подпись охватывает весь файл: после подписания в него ничего не дописано"
    )
    signer = serializers.CharField(help_text="подписант: имя (CN) в сертификате; пусто, если подписи нет")
    organization = serializers.CharField(
        help_text="организация подписанта из сертификата; пусто, если не указана"
    )
    position = serializers.CharField(
        help_text="должность подписанта (title) из сертификата; пусто, если не указана"
    )
    signed_at = serializers.DateTimeField(
        allow_null=True, help_text="время подписания по данным подписанта; null, если неизвестно"
    )
    summary = serializers.CharField(help_text="вывод проверки одной фразой")
    details = serializers.ListField(
        child=serializers.CharField(), help_text="подробности проверки, по строке"
    )
    known = serializers.BooleanField(
        help_text="файл в точности совпадает (по SHA-256) с подписанным отчётом, хранящимся на портале"
    )
