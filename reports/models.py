"""Analytical reports: a job that builds files, then a document the department head signs."""

import re
import uuid

from django.conf import settings
from django.db import models

from core.files import SERVED_TYPES
from core.history import AuditedHistory
from core.models import BaseModel
from schools.models import Municipality, Region, School

from . import statuses
from .querysets import ReportFileQuerySet, ReportQuerySet, ReportSignatureQuerySet

# How a signed report is signed (Report.signature_kind): the head's own qualified signature, or the portal's seal.
SIGNATURE_KEP = "kep"
SIGNATURE_SEAL = "seal"
SIGNATURE_KIND_LABELS = {SIGNATURE_KEP: "подписан КЭП", SIGNATURE_SEAL: "утверждён, печать портала"}


class ReportKind(models.TextChoices):
    TERRITORY = "territory", "Аналитическая справка по работе со ШНОР"
    SCHOOL = "school", "Профиль школы"


class ReportStatus(models.TextChoices):
    QUEUED = statuses.QUEUED, "в очереди"
    BUILDING = statuses.BUILDING, "формируется"
    READY = statuses.READY, "готов, на утверждении"
    FAILED = statuses.FAILED, "ошибка"
    RETURNED = statuses.RETURNED, "возвращён на доработку"
    SIGNED = statuses.SIGNED, "утверждён и подписан"


class Report(BaseModel):
    """One version of a report. A report's versions share kind, territory and year."""

    kind = models.CharField("вид", max_length=16, choices=ReportKind.choices)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name="регион")
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="муниципалитет",
        help_text="Пусто — справка по региону.",
    )
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="школа"
    )
    year = models.PositiveSmallIntegerField("год перечня")
    version = models.PositiveSmallIntegerField("версия", default=1)
    previous = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="next_version",
        verbose_name="предыдущая версия",
    )
    recommendations = models.TextField("рекомендации", blank=True)
    status = models.CharField(
        "состояние", max_length=16, choices=ReportStatus.choices, default=ReportStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField("готовность, %", default=0)
    stage = models.CharField("текущий этап", max_length=255, blank=True)
    error = models.TextField("ошибка", blank=True)
    attempt = models.PositiveIntegerField("попытка", default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="запросил"
    )
    started_at = models.DateTimeField("начало формирования", null=True, blank=True)
    built_at = models.DateTimeField("сформирован", null=True, blank=True)
    data_as_of = models.DateTimeField("данные на", null=True, blank=True)
    rule_params = models.JSONField("параметры правила ШНОР", default=dict, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="утвердил и подписал",
    )
    signed_at = models.DateTimeField("подписан", null=True, blank=True)
    # Who signed, as the signing certificate names its holder (reports.signing.certificate_holder): the PDF's
    # stamp, this record, the report's page and the API all say the same; the verification reads the same
    # certificate back from the file. ``signed_by`` is the portal user who approved.
    signer_name = models.CharField("подписант (по сертификату)", max_length=255, blank=True)
    signer_position = models.CharField("должность подписанта (по сертификату)", max_length=255, blank=True)
    signer_organization = models.CharField(
        "организация подписанта (по сертификату)", max_length=255, blank=True
    )

    objects = ReportQuerySet.as_manager()
    # The build's progress (progress, stage) is written with update() and so never enters the history.
    history = AuditedHistory()

    class Meta:
        verbose_name = "отчёт"
        verbose_name_plural = "отчёты"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind=ReportKind.TERRITORY, school__isnull=True)
                | models.Q(kind=ReportKind.SCHOOL, school__isnull=False, municipality__isnull=False),
                name="report_kind_matches_territory",
            ),
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="report_progress_at_most_100"),
        ]
        indexes = [models.Index(fields=["region", "municipality", "school", "year", "kind"])]

    def __str__(self) -> str:
        return f"{self.title}, {self.territory_name}, {self.year} (версия {self.version})"

    @property
    def title(self) -> str:
        return ReportKind(self.kind).label

    @property
    def territory_name(self) -> str:
        if self.school_id:
            return self.school.name
        if self.municipality_id:
            return self.municipality.name
        return self.region.name

    @property
    def signer_display(self) -> str:
        """Who signed, for pages and the API: the certificate's holder; for a report signed before the holder
        was recorded, the approving user."""
        if self.signer_name:
            return self.signer_name
        if self.signed_by_id:
            return self.signed_by.full_name or self.signed_by.get_username()
        return ""

    @property
    def signature_kind(self) -> str:
        """How a signed report is signed: SIGNATURE_KEP — the head's qualified signature (a ReportSignature, the
        PDF untouched); SIGNATURE_SEAL — the portal's seal inside the PDF; "" while not signed."""
        if self.status != statuses.SIGNED:
            return ""
        return SIGNATURE_KEP if self.kep_signature is not None else SIGNATURE_SEAL

    @property
    def signature_kind_label(self) -> str:
        return SIGNATURE_KIND_LABELS.get(self.signature_kind, "")

    @property
    def kep_signature(self) -> "ReportSignature | None":
        """The head's КЭП of this report, or None (a reverse one-to-one: no exception when absent)."""
        try:
            return self.kep
        except ReportSignature.DoesNotExist:
            return None

    @property
    def in_progress(self) -> bool:
        return self.status in statuses.IN_PROGRESS

    def file(self, fmt: str):
        """The stored file of a format, or None (files are prefetched on list pages)."""
        for stored in self.files.all():
            if stored.format == fmt:
                return stored
        return None


class ReportFormat(models.TextChoices):
    PDF = "pdf", "PDF"
    XLSX = "xlsx", "Excel"
    DOCX = "docx", "Word"
    # The portal's own seal (PAdES, reports.signing): it proves the file unchanged, it is not the head's signature.
    SIGNED_PDF = "signed_pdf", "PDF с печатью портала"
    # The print copy of a КЭП-signed PDF (reports/print_copy.py): the QR code and the mark of the electronic
    # signature drawn over the signed original's pages (ГОСТ Р 7.0.97-2025); the original stays as signed.
    PRINT_PDF = "print_pdf", "PDF для печати (с отметкой об ЭП)"


FORMAT_EXTENSIONS = {"pdf": "pdf", "xlsx": "xlsx", "docx": "docx", "signed_pdf": "pdf", "print_pdf": "pdf"}
# The types from the portal's one table of served types, so a report's download and its API description agree.
FORMAT_CONTENT_TYPES = {fmt: SERVED_TYPES[extension] for fmt, extension in FORMAT_EXTENSIONS.items()}


# A download's file name: «Справка_Обливский-район_2026_v2.pdf», letters, digits, dots and dashes only.
_UNSAFE = re.compile(r"[^\w.\-]+", re.UNICODE)


def download_name(report: "Report", fmt: str) -> str:
    """The name a report's file is downloaded under, by the pages and the API alike."""
    prefix = "Профиль" if report.kind == "school" else "Справка"
    territory = _UNSAFE.sub("-", report.territory_name).strip("-")[:80]
    suffix = {ReportFormat.SIGNED_PDF: "_печать_портала", ReportFormat.PRINT_PDF: "_для_печати"}.get(fmt, "")
    return f"{prefix}_{territory}_{report.year}_v{report.version}{suffix}.{FORMAT_EXTENSIONS[fmt]}"


class ReportFile(models.Model):
    """A file of a report version, with its SHA-256. One per format: a rebuild replaces them all at once."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="files", verbose_name="отчёт")
    format = models.CharField("формат", max_length=16, choices=ReportFormat.choices)
    file = models.FileField("файл", max_length=255)
    size = models.PositiveBigIntegerField("размер, байт")
    sha256 = models.CharField("SHA-256", max_length=64)
    created_at = models.DateTimeField("создан", auto_now_add=True)

    objects = ReportFileQuerySet.as_manager()

    class Meta:
        verbose_name = "файл отчёта"
        verbose_name_plural = "файлы отчётов"
        constraints = [models.UniqueConstraint(fields=["report", "format"], name="report_file_unique_format")]

    def __str__(self) -> str:
        return f"{self.report_id}: {self.get_format_display()}"


class ReportEvent(models.Model):
    """What happened to a report and who did it. Append-only."""

    class Action(models.TextChoices):
        REQUESTED = "requested", "запрошен"
        BUILT = "built", "сформирован"
        FAILED = "failed", "ошибка формирования"
        RETRIED = "retried", "повторное формирование"
        EDITED = "edited", "рекомендации изменены"
        RETURNED = "returned", "возвращён на доработку"
        # The portal's seal (report_sign) — not the head's signature; SIGNED_KEP is the head's own КЭП.
        SIGNED = "signed", "утверждён (печать портала)"
        SIGNED_KEP = "signed_kep", "утверждён и подписан КЭП руководителя"

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="events", verbose_name="отчёт")
    action = models.CharField("действие", max_length=16, choices=Action.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    comment = models.TextField("комментарий", blank=True)
    at = models.DateTimeField("когда", auto_now_add=True)

    class Meta:
        verbose_name = "событие отчёта"
        verbose_name_plural = "события отчётов"
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.report_id}: {self.get_action_display()}"


class TrustedRoot(BaseModel):
    """A certificate the portal trusts as the root of a signer's chain: the Минцифры head CA, an accredited CA
    (the Treasury's), or a department's own for the seal. Uploaded by a superuser (reports.services_kep)."""

    certificate = models.BinaryField("сертификат (DER)")
    name = models.CharField("удостоверяющий центр", max_length=500)
    serial = models.CharField("серийный номер", max_length=128)
    sha256 = models.CharField("отпечаток SHA-256", max_length=64, unique=True)
    not_before = models.DateTimeField("действует с")
    not_after = models.DateTimeField("действует по")
    is_gost = models.BooleanField("ГОСТ Р 34.10-2012", default=False)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="добавил",
    )

    class Meta:
        verbose_name = "доверенный корневой сертификат"
        verbose_name_plural = "доверенные корневые сертификаты"
        ordering = ["name", "not_after"]

    def __str__(self) -> str:
        return f"{self.name} ({self.serial})"


class ReportSignature(BaseModel):
    """The head's qualified electronic signature (КЭП, 63-ФЗ ст. 5 ч. 4) of a report's PDF: a detached CAdES-BES
    over the exact bytes of ReportFile(PDF), which is never altered afterwards. What the certificate says is copied
    here when the signature is verified and attached (reports.services_kep.report_attach_signature)."""

    report = models.OneToOneField(Report, on_delete=models.PROTECT, related_name="kep", verbose_name="отчёт")
    # The identifier of the verification page and of the print copy's QR code (ГОСТ Р 7.0.97-2025).
    public_id = models.UUIDField(
        "идентификатор для проверки", unique=True, default=uuid.uuid4, editable=False
    )
    signature = models.FileField("подпись (.sig, DER)", max_length=255)
    signature_sha256 = models.CharField("SHA-256 подписи", max_length=64)
    pdf_sha256 = models.CharField("SHA-256 подписанного PDF", max_length=64)
    certificate = models.BinaryField("сертификат подписанта (DER)")
    owner_name = models.CharField("владелец сертификата", max_length=255)
    snils = models.CharField("СНИЛС владельца", max_length=11, blank=True)
    inn = models.CharField("ИНН владельца", max_length=12, blank=True)
    title = models.CharField("должность владельца", max_length=255, blank=True)
    organization = models.CharField("организация владельца", max_length=500, blank=True)
    serial = models.CharField("серийный номер сертификата", max_length=128)
    issuer = models.CharField("издатель сертификата", max_length=500)
    not_before = models.DateTimeField("сертификат действует с")
    not_after = models.DateTimeField("сертификат действует по")
    algorithm = models.CharField("алгоритм подписи", max_length=100)
    signed_at = models.DateTimeField("время подписания (по подписи)", null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="загрузил",
    )
    verified_at = models.DateTimeField("проверена порталом")

    objects = ReportSignatureQuerySet.as_manager()

    class Meta:
        verbose_name = "подпись отчёта (КЭП)"
        verbose_name_plural = "подписи отчётов (КЭП)"

    def __str__(self) -> str:
        return f"{self.report_id}: {self.owner_name}, {self.serial}"
