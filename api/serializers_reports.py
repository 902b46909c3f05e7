"""Serializers of the reports' endpoints: a report (a job and its files), an order of a new report, and the verdict
on a PDF brought for verification."""

from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers
from rest_framework.reverse import reverse

from reports.forms import SIGNATURE_MAX_BYTES, SIGNATURE_TOO_LARGE, VERIFY_MAX_BYTES
from reports.models import Report, ReportFile, ReportKind
from reports.policies import report_policy
from reports.services_kep import verification_url
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
            "format": {
                "help_text": "формат: pdf, xlsx, docx, signed_pdf (PDF с печатью портала: файл не изменён; "
                "не подпись руководителя), "
                "print_pdf (копия для печати КЭП-подписанного PDF с отметкой об электронной подписи и QR-кодом)"
            },
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


class ReportKepSerializer(serializers.Serializer):
    """Подпись отчёта руководителем — квалифицированная электронная подпись (КЭП): что сказано в её сертификате и
    где скачать подпись."""

    owner = serializers.CharField(
        source="owner_name", help_text="владелец сертификата: фамилия, имя, отчество"
    )
    snils = serializers.SerializerMethodField(
        help_text="СНИЛС владельца, 11 цифр; только методистам и руководителям территории отчёта, остальным null "
        "(персональные данные, 152-ФЗ)"
    )
    title = serializers.CharField(help_text="должность владельца (по сертификату); пусто, если не указана")
    organization = serializers.CharField(
        help_text="организация владельца (по сертификату); пусто, если не указана"
    )
    serial = serializers.CharField(help_text="серийный номер сертификата, шестнадцатеричный")
    issuer = serializers.CharField(help_text="кем выдан сертификат: удостоверяющий центр")
    not_before = serializers.DateTimeField(help_text="сертификат действует с")
    not_after = serializers.DateTimeField(help_text="сертификат действует по")
    algorithm = serializers.CharField(
        help_text="алгоритм подписи словами, например «ГОСТ Р 34.10-2012, 256 бит»"
    )
    signed_at = serializers.DateTimeField(
        allow_null=True,
        help_text="время подписания, указанное в подписи (signingTime); null, если не указано",
    )
    verified_at = serializers.DateTimeField(help_text="когда портал проверил подпись и принял её")
    pdf_sha256 = serializers.CharField(help_text="SHA-256 подписанного PDF (он не изменяется)")
    verification_url = serializers.SerializerMethodField(
        help_text="открытая страница проверки подписи (на неё ведёт QR-код копии для печати)"
    )
    signature_url = serializers.SerializerMethodField(
        help_text="скачать подпись (.sig, DER, application/pkcs7-signature)"
    )
    bundle_url = serializers.SerializerMethodField(
        help_text="скачать архив ZIP: подписанный PDF и его подпись .sig с тем же именем"
    )

    @extend_schema_field({"type": "string", "nullable": True, "pattern": "^[0-9]{11}$"})
    def get_snils(self, kep) -> str | None:
        request = self.context.get("request")
        user = getattr(request, "user", None)
        return kep.snils if user is not None and report_policy().sees_signer_snils(user, kep.report) else None

    @extend_schema_field({"type": "string", "format": "uri"})
    def get_verification_url(self, kep) -> str:
        return verification_url(kep)

    @extend_schema_field({"type": "string", "format": "uri"})
    def get_signature_url(self, kep) -> str:
        return reverse(
            "api:report-download-sig", kwargs={"pk": kep.report_id}, request=self.context.get("request")
        )

    @extend_schema_field({"type": "string", "format": "uri"})
    def get_bundle_url(self, kep) -> str:
        return reverse(
            "api:report-download-bundle", kwargs={"pk": kep.report_id}, request=self.context.get("request")
        )


class SignatureUploadSerializer(serializers.Serializer):
    """Открепленная подпись PDF отчёта (КЭП руководителя): файлом или текстом base64."""

    signature = serializers.FileField(
        required=False,
        help_text="файл подписи .sig (multipart/form-data): CAdES-BES по ГОСТ Р 34.10-2012, DER, base64 или PEM",
    )
    signature_base64 = serializers.CharField(
        required=False,
        trim_whitespace=True,
        help_text="то же текстом (application/json): подпись в base64, как её возвращает КриптоПро ЭЦП Browser "
        "plug-in (SignCades)",
    )

    def validate(self, data):
        if bool(data.get("signature")) == bool(data.get("signature_base64")):
            raise serializers.ValidationError(
                {
                    "signature": [
                        "Передайте подпись одним способом: файлом signature или текстом signature_base64."
                    ]
                }
            )
        return data

    def signature_bytes(self) -> bytes:
        upload = self.validated_data.get("signature")
        if upload is not None:
            return upload.read()
        return self.validated_data["signature_base64"].encode("ascii", "replace")


class ReportSerializer(RussianModelSerializer):
    """Отчёт: задание на формирование и его файлы."""

    signature_kind = serializers.SerializerMethodField(
        help_text="чем подписан: kep — квалифицированной электронной подписью руководителя (PDF не изменён, подпись "
        "отдельным файлом), seal — печатью портала внутри PDF (подтверждает только неизменность файла); null, пока "
        "не подписан"
    )
    signature_kind_label = serializers.CharField(
        read_only=True,
        help_text="то же словами: «подписан КЭП», «утверждён, печать портала»; пусто, пока не подписан",
    )
    kep = ReportKepSerializer(
        source="kep_signature",
        read_only=True,
        allow_null=True,
        help_text="подпись руководителя (КЭП); null, если отчёт не подписан КЭП",
    )

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
            "signature_kind",
            "signature_kind_label",
            "kep",
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

    @extend_schema_field({"type": "string", "enum": ["kep", "seal"], "nullable": True})
    def get_signature_kind(self, report: Report) -> str | None:
        return report.signature_kind or None

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
    """Документ для проверки подписи и, если подпись отдельная, файл подписи."""

    file = serializers.FileField(
        allow_empty_file=True,
        help_text="документ (PDF), не больше 50 МБ; не сохраняется",
    )
    signature = serializers.FileField(
        required=False,
        allow_empty_file=True,
        help_text="отдельная (detached) электронная подпись документа — файл .sig/.p7s, CAdES: DER, base64 или PEM, "
        "не больше 1 МБ; не сохраняется. Без неё проверяется печать портала внутри PDF",
    )

    def validate_file(self, upload):
        if upload.size > VERIFY_MAX_BYTES:
            raise serializers.ValidationError("Файл больше 50 МБ: это не похоже на отчёт портала.")
        return upload

    def validate_signature(self, upload):
        if upload.size > SIGNATURE_MAX_BYTES:
            raise serializers.ValidationError(SIGNATURE_TOO_LARGE)
        return upload


class VerifiedSignerSerializer(serializers.Serializer):
    """Владелец сертификата подписи, как он записан в сертификате."""

    name = serializers.CharField(help_text="фамилия, имя, отчество (SN и G, иначе CN)")
    snils = serializers.CharField(help_text="СНИЛС, 11 цифр (OID 1.2.643.100.3); пусто, если нет")
    inn = serializers.CharField(help_text="ИНН физического лица (OID 1.2.643.3.131.1.1); пусто, если нет")
    title = serializers.CharField(help_text="должность (title); пусто, если не указана")
    organization = serializers.CharField(help_text="организация (O); пусто, если не указана")


class VerifiedCertificateSerializer(serializers.Serializer):
    """Сертификат подписи."""

    serial = serializers.CharField(help_text="серийный номер, шестнадцатеричный, заглавными буквами")
    issuer = serializers.CharField(help_text="кем выдан: удостоверяющий центр (CN издателя)")
    not_before = serializers.DateTimeField(help_text="действует с")
    not_after = serializers.DateTimeField(help_text="действует по")


class KnownReportSerializer(serializers.Serializer):
    """Отчёт портала, с которым файл совпадает по SHA-256: только то, что напечатано в самом документе."""

    title = serializers.CharField(help_text="вид документа, например «Аналитическая справка по территории»")
    territory = serializers.CharField(help_text="территория или школа")
    year = serializers.IntegerField(help_text="год перечня")
    version = serializers.IntegerField(help_text="версия отчёта")
    signer = serializers.CharField(help_text="кто подписал (по сертификату)")
    verification_url = serializers.URLField(
        allow_null=True,
        help_text="открытая страница проверки документа (та, на которую ведёт QR-код копии для печати); null для "
        "отчёта с печатью портала",
    )


class VerificationSerializer(serializers.Serializer):
    """Результат проверки электронной подписи документа: отдельной подписи руководителя (КЭП, ГОСТ Р 34.10-2012) или
    печати портала внутри PDF."""

    kind = serializers.ChoiceField(
        choices=[("kep", "отдельная электронная подпись (.sig)"), ("seal", "печать портала внутри PDF")],
        help_text="что проверялось: kep — отдельная подпись, переданная в signature; seal — печать портала в PDF",
    )
    ok = serializers.BooleanField(
        help_text="всё проверено: подпись верна, документ не изменён, сертификат доверенный (для печати ещё — "
        "после неё в файл ничего не дописано); только тогда на документ можно полагаться"
    )
    signature_valid = serializers.BooleanField(help_text="подпись верна: сделана ключом этого сертификата")
    intact = serializers.BooleanField(help_text="документ не изменён после подписания")
    trusted = serializers.BooleanField(
        help_text="сертификат выдан доверенным удостоверяющим центром и действовал в момент подписания"
    )
    algorithm = serializers.CharField(help_text="вид подписи словами, например «ГОСТ Р 34.10-2012, 256 бит»")
    signer = VerifiedSignerSerializer(
        allow_null=True, help_text="владелец сертификата; null, если подписи нет"
    )
    certificate = VerifiedCertificateSerializer(
        allow_null=True, help_text="сертификат; null, если подписи нет"
    )
    signed_at = serializers.DateTimeField(
        allow_null=True, help_text="время подписания по данным подписанта; null, если неизвестно"
    )
    summary = serializers.CharField(help_text="вывод проверки одной фразой, понятной без подготовки")
    reasons = serializers.ListField(child=serializers.CharField(), help_text="что не так, по предложению")
    notes = serializers.ListField(child=serializers.CharField(), help_text="что не проверялось")
    sha256 = serializers.CharField(help_text="SHA-256 документа")
    known = serializers.BooleanField(
        help_text="файл в точности совпадает (по SHA-256) с подписанным отчётом, хранящимся на портале"
    )
    report = KnownReportSerializer(allow_null=True, help_text="этот отчёт портала; null, если known = false")
    signed = serializers.BooleanField(help_text="в документе (или в файле подписи) есть электронная подпись")
    valid = serializers.BooleanField(help_text="то же, что signature_valid (прежнее имя поля)")
    covers_whole_file = serializers.BooleanField(
        help_text="подпись относится ко всему файлу: после подписания в него ничего не дописано (отдельная подпись "
        "всегда относится ко всему файлу: здесь то же, что intact)"
    )
    organization = serializers.CharField(help_text="то же, что signer.organization (прежнее поле)")
    position = serializers.CharField(help_text="то же, что signer.title (прежнее поле)")
    details = serializers.ListField(
        child=serializers.CharField(), help_text="подробности проверки, по строке"
    )
