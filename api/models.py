"""API clients (regional systems), their keys, the call log and the tombstones of deleted rows."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from rest_framework_api_key.models import AbstractAPIKey

from schools.models import Municipality, Region

# The permissions of a key as the keys page names them (the API and its docs use the codes: docs/api.md «Права»).
PERMISSION_LABELS = {
    "read": "чтение",
    "personal_data": "ФИО педагогов (персональные данные)",
    "results:write": "приём результатов",
}


class ClientKey(AbstractAPIKey):
    """A key of a named client system, stored hashed (djangorestframework-api-key), shown once.

    The key reaches one region, or only some of its municipalities, and carries permissions: reading (always),
    teachers' names (``personal_data``; without it teachers are pseudonymous ids) and the results intake.
    """

    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="api_keys", verbose_name="регион"
    )
    municipalities = models.ManyToManyField(
        Municipality,
        blank=True,
        related_name="api_keys",
        verbose_name="муниципалитеты",
        help_text="Пусто — весь регион.",
    )
    personal_data = models.BooleanField("персональные данные педагогов", default=False)
    results_write = models.BooleanField("приём результатов (results:write)", default=False)
    allowed_ips = models.TextField(
        "разрешённые IP-адреса",
        blank=True,
        help_text="По одному адресу или сети (CIDR) в строке; пусто — любые.",
    )
    rate = models.CharField(
        "ограничение частоты",
        max_length=32,
        blank=True,
        help_text="Например «600/min»; пусто — по умолчанию.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta(AbstractAPIKey.Meta):
        verbose_name = "ключ API"
        verbose_name_plural = "ключи API"

    @property
    def permissions(self) -> list[str]:
        perms = ["read"]
        if self.personal_data:
            perms.append("personal_data")
        if self.results_write:
            perms.append("results:write")
        return perms

    @property
    def permission_labels(self) -> list[str]:
        """``permissions`` as people read them (the keys page); the API names them by code."""
        return [PERMISSION_LABELS[code] for code in self.permissions]


class ApiCallLog(models.Model):
    """One API call: who, what, how it ended, how many rows. Never the key itself."""

    key = models.ForeignKey(ClientKey, on_delete=models.SET_NULL, null=True, blank=True, related_name="calls")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    method = models.CharField(max_length=8)
    endpoint = models.CharField(max_length=255)
    status = models.PositiveSmallIntegerField()
    rows = models.PositiveIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    # The moment of the call, set by the caller: the row may be written a second later, in a batch.
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "вызов API"
        verbose_name_plural = "журнал вызовов API"
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.at:%d.%m.%Y %H:%M} {self.method} {self.endpoint} → {self.status}"


class Tombstone(models.Model):
    """A deleted row, kept so a client syncing with ``updated_since`` can mirror the deletion."""

    model = models.CharField(max_length=64, db_index=True)  # "schools.school"
    object_id = models.PositiveBigIntegerField()
    region_id = models.PositiveBigIntegerField(null=True, db_index=True)
    municipality_id = models.PositiveBigIntegerField(null=True)
    deleted_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "удалённая запись"
        verbose_name_plural = "удалённые записи"
        ordering = ["deleted_at", "pk"]
        indexes = [models.Index(fields=["model", "deleted_at"])]

    def __str__(self) -> str:
        return f"{self.model} #{self.object_id}"
