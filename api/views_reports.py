"""API v1, reports: the list and card of reports (a job and its files), the download of a file, the order of a new
report by a person, and the open verification of a signed PDF.

Reads go through ``Report.objects.visible_to``; the order through ``reports.services.report_request``, which checks
the territory again and schedules the build after the transaction commits. Views only parse and format.
"""

import django_filters
from django.db.models import Prefetch
from django.http import Http404
from django.urls import reverse as django_reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, permissions, status
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.reverse import reverse

from core.files import stored_file_response
from reports import cades, downloads, services, services_kep, verification
from reports.forms import SIGNATURE_MAX_BYTES, VERIFY_MAX_BYTES
from reports.models import (
    FORMAT_CONTENT_TYPES,
    Report,
    ReportFile,
    ReportFormat,
    ReportKind,
    ReportStatus,
    download_name,
)
from reports.policies import REQUEST, report_policy
from reports.verdict_text import Personal, certificate_json, mask_digits, signer_json

from . import serializers_reports as s
from .auth import ApiPrincipal
from .base import SyncViewSet
from .filters import ApiFilterSet, IntegerFilter, year_filter
from .schema import ErrorSerializer

KEY_REFUSED = (
    "Ключ API не может заказывать отчёты: по ключу отчёты только читают и скачивают. Отчёт заказывает сотрудник — "
    "в портале или через API со своей учётной записью, — чтобы было известно, кто его запросил."
)
KEY_SIGN_REFUSED = (
    "Ключ API не может подписывать отчёты: подпись загружает руководитель со своей учётной записью — в портале или "
    "через API."
)
REQUEST_REFUSED = "Заказывать отчёты могут методисты и руководители органов управления образованием."
MULTIPART_EXPECTED = "Тело запроса не разобрано: ожидается multipart/form-data с файлом в поле file."
TOO_LARGE = "Файл больше 50 МБ: это не похоже на отчёт портала."
# The multipart envelope (boundaries, headers of the part) on top of the file itself.
ENVELOPE_BYTES = 64 * 1024

REPORT_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="id отчёта")
FORMAT = OpenApiParameter(
    "fmt",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    enum=ReportFormat.values,
    description="формат файла: pdf, xlsx (Excel), docx (Word), signed_pdf (PDF с печатью портала — после "
    "утверждения печатью), print_pdf (копия для печати отчёта, подписанного КЭП руководителя)",
)
LOCATION = OpenApiParameter(
    "Location",
    OpenApiTypes.URI,
    OpenApiParameter.HEADER,
    response=[202],
    description="адрес карточки заказанного отчёта: по нему следят за формированием",
)
DIGEST = OpenApiParameter(
    "Digest",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[200],
    description="контрольная сумма файла: «sha-256=<64 шестнадцатеричных знака>», как в поле sha256 списка файлов",
)
FILE_RESPONSES = {
    (200, content_type): OpenApiResponse(OpenApiTypes.BINARY, description="файл отчёта (вложение)")
    for content_type in dict.fromkeys(FORMAT_CONTENT_TYPES.values())
}


class ReportFilter(ApiFilterSet):
    kind = django_filters.ChoiceFilter(
        choices=ReportKind.choices, help_text="вид: territory — справка по территории, school — профиль школы"
    )
    year = year_filter(help_text="год перечня")
    status = django_filters.ChoiceFilter(
        choices=ReportStatus.choices,
        help_text="состояние: queued, building, ready, failed, returned, signed",
    )
    municipality = IntegerFilter(help_text="id муниципалитета")
    school = IntegerFilter(help_text="id школы (профили школы)")

    class Meta:
        model = Report
        fields = ["kind", "year", "status", "municipality", "school"]


@extend_schema_view(
    list=extend_schema(
        summary="Отчёты",
        description="Отчёты в области доступа — каждая версия отдельной строкой: вид, территория, год перечня, "
        "состояние формирования (готовность в процентах и этап), когда сформирован и подписан, кем подписан, "
        "и файлы (PDF, Excel, Word, после утверждения — PDF с печатью портала или копия для печати "
        "КЭП-подписанного) с размером, SHA-256 и "
        "адресом скачивания.",
    ),
    retrieve=extend_schema(
        summary="Отчёт",
        parameters=[REPORT_ID],
        description="Карточка отчёта: состояние формирования и файлы. Её опрашивают после заказа, пока status не "
        "станет ready (или failed).",
    ),
)
class ReportViewSet(SyncViewSet):
    """Аналитические справки и профили школ: задание на формирование и его файлы."""

    model = Report
    serializer_class = s.ReportSerializer
    filterset_class = ReportFilter
    tombstone_model = "reports.report"
    parser_classes = [JSONParser]  # the order is JSON; the verification overrides it with multipart

    def base_queryset(self):
        return (
            Report.objects.visible_to(self.request.user)
            .select_related("region", "municipality", "school", "signed_by", "kep")
            .prefetch_related(Prefetch("files", queryset=ReportFile.objects.order_by("format")))
        )

    def perform_content_negotiation(self, request, force=False):
        # A file is not rendered: a client asking for «Accept: application/pdf» gets the file, or an error in JSON.
        return super().perform_content_negotiation(
            request, force=force or self.action in ("download", "download_sig", "download_bundle")
        )

    # --- the order ---------------------------------------------------------------------------------------------

    @extend_schema(
        summary="Заказать отчёт",
        description="Заказ новой версии отчёта сотрудником, вошедшим в портал (методист или руководитель органа "
        "управления образованием, на своей территории). Отчёт формируется в фоне: ответ 202 сразу, с карточкой "
        "(status=queued) и заголовком Location; карточку опрашивают, пока status не станет ready. По ключу API "
        "отчёты не заказываются — ответ 403.",
        request=s.ReportOrderSerializer,
        responses={202: s.ReportSerializer},
        parameters=[LOCATION],
    )
    def create(self, request, *args, **kwargs):
        user = request.user
        if isinstance(user, ApiPrincipal) or getattr(user, "pk", None) is None:
            raise exceptions.PermissionDenied(KEY_REFUSED)
        if not report_policy().can(user, REQUEST):
            raise exceptions.PermissionDenied(REQUEST_REFUSED)
        regions, municipalities, schools = report_policy().request_territories(user)
        order = s.ReportOrderSerializer(
            data=request.data, regions=regions, municipalities=municipalities, schools=schools
        )
        order.is_valid(raise_exception=True)
        # PermissionDenied (403) and ReportError (400) are answered in the one error format by api.errors.
        report = services.report_request(
            user=user,
            kind=order.validated_data["kind"],
            year=order.validated_data["year"],
            recommendations=order.validated_data["recommendations"],
            **order.territory_ids(),
        )
        report = (
            Report.objects.select_related("region", "municipality", "school", "signed_by")
            .prefetch_related("files")
            .get(pk=report.pk)
        )
        body = s.ReportSerializer(report, context=self.get_serializer_context()).data
        location = reverse("api:report-detail", kwargs={"pk": report.pk}, request=request)
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": location})

    # --- the files ---------------------------------------------------------------------------------------------

    @extend_schema(
        summary="Скачать файл отчёта",
        description="Файл отчёта во вложении (Content-Disposition: attachment), с заголовками Digest (SHA-256) и "
        "ETag. signed_pdf — PDF с печатью портала (подтверждает, что файл не изменён; это не подпись руководителя); её проверяет "
        "POST /api/v1/reports/verify/. 404 — отчёта нет в области доступа или у него нет файла этого формата "
        "(например, отчёт ещё формируется или не подписан).",
        parameters=[REPORT_ID, FORMAT, DIGEST],
        responses=FILE_RESPONSES,
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=rf"download/(?P<fmt>{'|'.join(ReportFormat.values)})",
        url_name="download",
        filter_backends=[],
        pagination_class=None,
    )
    def download(self, request, pk=None, fmt=None):
        report = get_object_or_404(
            Report.objects.visible_to(request.user).select_related("region", "municipality", "school"), pk=pk
        )
        stored = report.files.filter(format=fmt).first()
        if stored is None or not stored.file:
            raise exceptions.NotFound("У отчёта нет файла в этом формате.")
        try:
            response = stored_file_response(stored.file, name=download_name(report, fmt))
        except Http404:  # open_stored has logged which file is gone
            raise exceptions.NotFound("Файл отчёта не найден в хранилище.") from None
        response["Digest"] = f"sha-256={stored.sha256}"
        response["ETag"] = f'"{stored.sha256}"'  # a stored file never changes: 304 for If-None-Match
        return response

    # --- the head's КЭП ----------------------------------------------------------------------------------------

    @extend_schema(
        summary="Подписать отчёт КЭП руководителя",
        description="Руководитель органа управления образованием загружает открепленную подпись PDF отчёта "
        "(CAdES-BES по ГОСТ Р 34.10-2012 со Стрибогом, ГОСТ Р 34.11-2012), сделанную своей квалифицированной "
        "электронной подписью в КриптоАРМ или КриптоПро ЭЦП Browser plug-in: файлом signature (multipart/form-data) "
        "или текстом signature_base64 (JSON). Подписывается PDF, скачанный по ссылке files[format=pdf]; он не "
        "изменяется. Портал проверяет, что подписан именно этот PDF, что подпись по ГОСТ, что сертификат "
        "действовал в момент подписания, выдан доверенным удостоверяющим центром и принадлежит этому руководителю "
        "(СНИЛС, иначе ФИО). Ответ — карточка отчёта (status=signed, signature_kind=kep). 400 — подпись не принята, "
        "причина по-русски; 403 — не руководитель или ключ API (подпись загружает сам руководитель); 404 — отчёта "
        "нет в области доступа. Отчёт должен быть в состоянии ready.",
        parameters=[REPORT_ID],
        request={
            "multipart/form-data": s.SignatureUploadSerializer,
            "application/json": s.SignatureUploadSerializer,
        },
        responses={200: s.ReportSerializer},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="signature",
        url_name="signature",
        parser_classes=[MultiPartParser, JSONParser],
        filter_backends=[],
        pagination_class=None,
    )
    def signature(self, request, pk=None):
        user = request.user
        if isinstance(user, ApiPrincipal) or getattr(user, "pk", None) is None:
            raise exceptions.PermissionDenied(KEY_SIGN_REFUSED)
        report = get_object_or_404(Report.objects.visible_to(user), pk=pk)
        upload = s.SignatureUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        try:
            # PermissionDenied is answered 403 by api.errors; a refusal names the signature as what is wrong.
            services_kep.report_attach_signature(user=user, report=report, signature=upload.signature_bytes())
        except services.ReportError as error:
            raise exceptions.ValidationError({"signature": error.messages}) from None
        signed = self.base_queryset().get(pk=report.pk)
        return Response(s.ReportSerializer(signed, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="Скачать подпись КЭП отчёта",
        description="Открепленная подпись руководителя (.sig, DER) в том виде, в каком портал её принял; имя файла — "
        "имя PDF с добавленным .sig. 404 — отчёт не подписан КЭП или его нет в области доступа.",
        parameters=[REPORT_ID],
        responses={
            (200, downloads.SIGNATURE_CONTENT_TYPE): OpenApiResponse(
                OpenApiTypes.BINARY, description="подпись"
            )
        },
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="download/sig",
        url_name="download-sig",
        filter_backends=[],
        pagination_class=None,
    )
    def download_sig(self, request, pk=None):
        return downloads.signature_response(self._signed_report(request, pk))

    @extend_schema(
        summary="Скачать PDF и подпись КЭП одним архивом",
        description="Архив ZIP: подписанный PDF и его открепленная подпись с тем же именем и .sig на конце — так их "
        "открывают КриптоАРМ и сервисы проверки подписи. 404 — отчёт не подписан КЭП или его нет в области доступа.",
        parameters=[REPORT_ID],
        responses={
            (200, downloads.BUNDLE_CONTENT_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="архив")
        },
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="download/bundle",
        url_name="download-bundle",
        filter_backends=[],
        pagination_class=None,
    )
    def download_bundle(self, request, pk=None):
        return downloads.bundle_response(self._signed_report(request, pk))

    def _signed_report(self, request, pk) -> Report:
        report = get_object_or_404(
            Report.objects.visible_to(request.user).select_related("region", "municipality", "school", "kep"),
            pk=pk,
        )
        if report.kep_signature is None:
            raise exceptions.NotFound("Отчёт не подписан КЭП: подписи для скачивания нет.")
        return report

    # --- verification ------------------------------------------------------------------------------------------

    @extend_schema(
        summary="Проверить электронную подпись документа",
        description="Проверка электронной подписи документа: не изменён ли он, верна ли подпись, кем и когда "
        "подписан, выдан ли сертификат доверенным удостоверяющим центром. Без ключа и без входа в портал; файлы "
        "(multipart/form-data) не сохраняются. Только file (PDF, не больше 50 МБ) — проверяется печать портала "
        "внутри PDF (kind = seal). file и signature (отдельная подпись руководителя, CAdES-BES по ГОСТ Р "
        "34.10-2012 со Стрибогом, ГОСТ Р 34.11-2012; DER, base64 или PEM) — проверяется подпись (kind = kep); "
        "signer, certificate, signed_at — из сертификата подписи, как их выдаёт manage.py verify_signature --json. "
        "Файл подписи, который не читается как подпись, — 400 с причиной в details.signature. known — файл в "
        "точности совпадает с подписанным отчётом портала; report — что о нём напечатано в нём самом. Отзыв "
        "сертификатов не проверяется (notes).",
        request={"multipart/form-data": s.VerifyUploadSerializer},
        responses={
            200: s.VerificationSerializer,
            400: OpenApiResponse(
                ErrorSerializer,
                description="Файлы не приняты: нет файла file, он больше 50 МБ, тело не multipart/form-data или файл "
                "signature не читается как электронная подпись (не CMS: ни DER, ни base64, ни PEM); причина по-русски "
                "в details.file или details.signature.",
            ),
        },
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="verify",
        url_name="verify",
        permission_classes=[permissions.AllowAny],
        parser_classes=[MultiPartParser],
        filter_backends=[],
        pagination_class=None,
    )
    def verify(self, request):
        length = request.META.get("CONTENT_LENGTH") or ""
        if length.isdecimal() and int(length) > VERIFY_MAX_BYTES + SIGNATURE_MAX_BYTES + ENVELOPE_BYTES:
            raise exceptions.ValidationError({"file": [TOO_LARGE]})  # refused before the upload is read
        try:
            payload = request.data
        except exceptions.UnsupportedMediaType:
            raise exceptions.UnsupportedMediaType(request.content_type, detail=MULTIPART_EXPECTED) from None
        except exceptions.ParseError:
            raise exceptions.ParseError(MULTIPART_EXPECTED) from None
        upload = s.VerifyUploadSerializer(data=payload)
        upload.is_valid(raise_exception=True)
        signature = upload.validated_data.get("signature")
        # A caller who sent the signature holds the certificate: its СНИЛС and ИНН whole, as the command gives them.
        # The PDF alone is checked against the .sig the portal stores, which the caller never had: the last two
        # digits only, as the open verification page shows them (152-ФЗ, reports/verdict_text.py).
        personal = Personal.FULL if signature is not None else Personal.MASKED
        try:
            result = verification.verify_upload(
                upload.validated_data["file"].read(),  # Django removes its temporary file after the request
                signature.read() if signature is not None else None,
                personal=personal,
            )
        except cades.SignatureUnreadable as error:
            raise exceptions.ValidationError({"signature": [str(error)]}) from None
        return Response(s.VerificationSerializer(_verification_body(result, request, personal=personal)).data)


def _verification_body(result: verification.VerifyResult, request, *, personal: Personal) -> dict:
    """One shape for both verdicts: the КЭП's ``as_json`` keys (signature_valid, intact, trusted, algorithm, signer,
    certificate, signed_at, summary, reasons, notes), what the portal knows of the file, and the fields the answer
    had before the КЭП (signed, valid, covers_whole_file, organization, position, details)."""
    known = result.known
    body = {
        "sha256": result.sha256,
        "known": known is not None,
        "report": None
        if known is None
        else {
            "title": known.title,
            "territory": known.territory,
            "year": known.year,
            "version": known.version,
            "signer": known.signer,
            "verification_url": request.build_absolute_uri(
                django_reverse("reports:verify_document", args=[known.public_id])
            )
            if known.public_id
            else None,
        },
        "details": [f"{label}: {value}" for label, value in result.shown.rows],
        "notes": list(result.shown.not_checked),
    }
    if result.verdict is not None:
        verdict, cert = result.verdict, result.verdict.signer
        data = verdict.as_json()
        if data["signer"] is not None and personal is not Personal.FULL:
            data["signer"].update(
                snils=mask_digits(data["signer"]["snils"]), inn=mask_digits(data["signer"]["inn"])
            )
        body.update(
            {key: data[key] for key in ("signature_valid", "intact", "trusted", "algorithm", "signer")}
        )
        body.update(
            kind="kep",
            ok=verdict.ok,
            certificate=None
            if cert is None
            else certificate_json(
                serial=cert.serial, issuer=cert.issuer, not_before=cert.not_before, not_after=cert.not_after
            ),
            signed_at=verdict.signed_at,
            summary=verdict.summary,
            reasons=list(verdict.reasons),
            signed=cert is not None,
            valid=verdict.signature_valid,
            covers_whole_file=verdict.intact,  # a detached signature covers the whole file or nothing
            organization=cert.organization if cert else "",
            position=cert.title if cert else "",
        )
        return body
    seal = result.seal
    if seal is None:  # verify_upload gives one of the two verdicts
        raise TypeError("verification result without a verdict")
    body.update(
        kind="seal",
        ok=seal.ok,
        signature_valid=seal.valid,
        intact=seal.intact,
        trusted=seal.trusted,
        algorithm=seal.algorithm,
        signer=signer_json(
            name=seal.signer, snils="", inn="", title=seal.position, organization=seal.organization
        )
        if seal.signed
        else None,
        certificate=certificate_json(
            serial=seal.serial, issuer=seal.issuer, not_before=seal.not_before, not_after=seal.not_after
        )
        if seal.signed and seal.not_before and seal.not_after
        else None,
        signed_at=seal.signed_at,
        summary=seal.summary,
        reasons=list(seal.problems),
        signed=seal.signed,
        valid=seal.valid,
        covers_whole_file=seal.covers_whole_file,
        organization=seal.organization,
        position=seal.position,
        details=list(seal.details),
    )
    return body
